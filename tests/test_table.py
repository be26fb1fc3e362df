from __future__ import annotations

import copy
import json
import math
import random
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit import synth
from incidentkit.errors import ValidationError
from incidentkit.figures.actions import CANONICAL_ACTION_TYPES, ActionItemPolicy
from incidentkit.figures.impact import ImpactWeights
from incidentkit.figures.incident import (
    action_item_coverage,
    impact_score,
    milestones,
    phase_durations,
)
from incidentkit.figures.timeline import (
    DEFAULT_MILESTONE_POLICY,
    FIGURE_NAMES,
    MILESTONE_NAMES,
    PHASE_NAMES,
    EarliestEvent,
    IncidentField,
    LatestEvent,
    MilestonePolicy,
    SameAs,
)
from incidentkit.records import fast as _fast
from incidentkit.records.schema import Event, EventType, Incident, IncidentRecord
from incidentkit.table.frame import (
    CATEGORICAL_COLUMNS,
    MILESTONE_COLUMNS,
    IncidentTable,
    compare,
    load_table,
)
from strategies import action_items, records

UTC = timezone.utc
AS_OF = date(2025, 3, 1)


@pytest.fixture(scope="module")
def synthetic() -> list[IncidentRecord]:
    # A few thousand records: every severity, open and resolved incidents,
    # flawed ones (the generator's imperfections), many services.
    return list(synth.generate(2500, seed=20240601))


def same_score(column_value: float, score: float | None) -> bool:
    """A table's impact_score cell against the one-incident score (None: NaN)."""
    return math.isnan(column_value) if score is None else column_value == score


def assert_same_table(a: IncidentTable, b: IncidentTable) -> None:
    """Same columns, dtypes, values (NaN and NaT equal), codes and labels."""
    assert a.columns == b.columns
    assert len(a) == len(b)
    for name in a.columns:
        left, right = a[name], b[name]
        assert left.dtype == right.dtype, name
        if left.dtype.kind == "M":
            assert np.array_equal(left.view(np.int64), right.view(np.int64)), name
        elif left.dtype.kind == "f":
            assert np.array_equal(left, right, equal_nan=True), name
        else:
            assert left.tolist() == right.tolist(), name
    for name in CATEGORICAL_COLUMNS:
        assert a.codes(name)[0].tolist() == b.codes(name)[0].tolist(), name
        assert a.codes(name)[1].tolist() == b.codes(name)[1].tolist(), name


def seconds(span: timedelta | None) -> float:
    return math.nan if span is None else span.total_seconds()


def micros(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def assert_rows_match_one_incident_functions(
    table: IncidentTable, recs: list[IncidentRecord], *, as_of: date | None
) -> None:
    columns = {name: table[name] for name in table.columns}
    for row, rec in enumerate(recs):
        durations = phase_durations(rec)
        assert columns["id"][row] == rec.incident.id
        level = rec.incident.severity_level
        assert columns["severity"][row] == (-1 if level is None else level)
        assert columns["severity_label"][row] == rec.incident.severity
        assert columns["service"][row] == rec.incident.service
        assert columns["status"][row] == rec.incident.status
        for name, moment in durations.milestones.as_dict().items():
            stored = columns[MILESTONE_COLUMNS[name]][row]
            if moment is None:
                assert np.isnat(stored)
            else:
                assert int(stored.astype(np.int64)) == micros(moment)
        assert columns["resolved"][row] == (durations.milestones.resolved is not None)
        for name in FIGURE_NAMES:
            got, want = columns[name][row], seconds(getattr(durations, name))
            assert got == want or (math.isnan(got) and math.isnan(want)), name
        for name in PHASE_NAMES:
            got, want = columns[name][row], seconds(durations.phases[name])
            assert got == want or (math.isnan(got) and math.isnan(want)), name
        score, user_minutes = expected_impact(rec, durations.milestones)
        assert columns["impact_score"][row] == pytest.approx(
            score, rel=1e-12, abs=1e-12, nan_ok=True
        )
        if user_minutes is None:
            assert math.isnan(columns["user_minutes"][row])
        else:
            assert columns["user_minutes"][row] == pytest.approx(
                user_minutes, rel=1e-15
            )
        counts = expected_item_counts(rec, as_of)
        for name, count in counts.items():
            assert columns[name][row] == count, name


# Independent of the library's rules: the formulas and tables of
# docs/metrics.md, written again here as plain Python.
_WEIGHTS = {
    "users_share": 10, "users_count": 10, "regions": 5, "degradation": 10,
    "no_workaround": 5, "duration": 15, "revenue_level": 7,
    "failed_transactions": 6, "revenue_lost": 7, "data_integrity_risk": 5,
    "data_loss": 8, "security_breach": 12,
}  # fmt: skip
_REVENUE = {"none": 0, "low": 0.25, "medium": 0.5, "high": 0.75, "critical": 1}
_DEGRADATION = {"none": 0, "partial": 0.5, "degraded": 0.5, "full": 1,
                "complete": 1, "total": 1}  # fmt: skip
_CANONICAL = ("detection", "prevention", "mitigation", "repair", "investigation",
              "process")  # fmt: skip
_ALIASES = {"detect": "detection", "prevent": "prevention",
            "mitigate": "mitigation", "investigate": "investigation"}  # fmt: skip
_DONE = {"done", "complete", "completed", "closed", "resolved", "fixed",
         "finished", "shipped", "released", "merged", "verified", "cancelled",
         "canceled", "wontfix", "won't fix", "wont fix", "won't do", "wont do",
         "duplicate", "obsolete", "rejected"}  # fmt: skip


def _log_part(amount, decades):
    return (
        0.0
        if amount is None or amount <= 0
        else min(1.0, math.log10(1 + amount) / decades)
    )


def expected_impact(rec, found):
    impact, resolution = rec.impact, rec.resolution
    customer = resolution.customer_impact if resolution else None
    end = found.mitigated if found.mitigated is not None else found.resolved
    span = None if found.started is None or end is None else end - found.started
    minutes = 0.0 if span is None else max(0.0, span.total_seconds() / 60)
    get = lambda section, name: getattr(section, name) if section else None  # noqa: E731
    share = get(impact, "affected_users_percentage")
    degradation = get(impact, "degradation_type")
    revenue = get(impact, "revenue_impact")
    values = {
        "users_share": 0.0 if share is None else min(1.0, share / 100),
        "users_count": _log_part(get(customer, "affected_users"), 7),
        "regions": min(1.0, len(set(impact.affected_regions)) / 5) if impact else 0.0,
        "degradation": _DEGRADATION.get(degradation.strip().casefold(), 0)
        if degradation
        else 0.0,
        "no_workaround": float(get(impact, "workaround_available") is False),
        "duration": min(1.0, math.log1p(minutes) / math.log1p(7 * 24 * 60)),
        "revenue_level": _REVENUE.get(revenue.strip().casefold(), 0)
        if revenue
        else 0.0,
        "failed_transactions": _log_part(get(customer, "failed_transactions"), 6),
        "revenue_lost": _log_part(get(customer, "revenue_impact_usd"), 7),
        "data_integrity_risk": float(get(impact, "data_integrity_risk") is True),
        "data_loss": float(get(customer, "data_loss") is True),
        "security_breach": float(get(impact, "security_breach") is True),
    }
    if get(impact, "customer_facing") is False:
        for name in ("users_share", "users_count", "regions", "degradation",
                     "no_workaround", "duration"):  # fmt: skip
            values[name] *= 0.25
    score = min(100.0, sum(_WEIGHTS[name] * value for name, value in values.items()))
    if impact is None and customer is None:
        score = math.nan  # SPEC §7: no impact data, no score
    users = get(customer, "affected_users")
    user_minutes = (
        None if users is None or span is None else users * span.total_seconds() / 60
    )
    return score, user_minutes


def expected_item_counts(rec, as_of):
    counts = Counter()
    for item in rec.action_items:
        counts["action_items"] += 1
        label = " ".join((item.type or "").split()).casefold()
        kind = _ALIASES.get(label, label)
        if not kind:
            counts["action_items_untyped"] += 1
        elif kind in {
            "detection",
            "prevention",
            "mitigation",
            "repair",
            "investigation",
            "process",
        }:
            counts[f"action_items_{kind}"] += 1
        else:
            counts["action_items_other"] += 1
        status = (item.status or "").casefold().replace("\u2019", "'")
        done = " ".join(re.split(r"[\s_-]+", status)).strip() in _DONE
        if not done:
            counts["action_items_open"] += 1
            if (
                as_of is not None
                and item.deadline is not None
                and item.deadline < as_of
            ):
                counts["action_items_overdue"] += 1
    names = [
        "action_items",
        *(f"action_items_{kind}" for kind in _CANONICAL),
        "action_items_other",
        "action_items_untyped",
        "action_items_open",
    ]
    if as_of is not None:
        names.append("action_items_overdue")
    return {name: counts[name] for name in names}


def write_jsonl(path: Path, documents: list[Any]) -> Path:
    with path.open("w", encoding="utf-8") as file:
        for document in documents:
            line = document if isinstance(document, str) else json.dumps(document)
            file.write(line + "\n")
    return path


# --- per-record figures -------------------------------------------------------------


def test_the_example_by_hand():
    table = IncidentTable.from_records([ik.example()], as_of=date(2024, 1, 30))
    assert len(table) == 1
    # started 14:15 (trigger), detected 14:20, declared 14:23, identified
    # 14:45, mitigated 15:30, resolved 16:45.
    assert table["time_to_detect"].tolist() == [5 * 60.0]
    assert table["time_to_resolve"].tolist() == [150 * 60.0]  # 14:15 → 16:45
    assert table["time_open"].tolist() == [142 * 60.0]  # 14:23 → 16:45
    assert table["diagnosis"].tolist() == [22 * 60.0]  # 14:23 → 14:45
    assert table["monitoring"].tolist() == [75 * 60.0]  # 15:30 → 16:45
    assert table["started_at"].astype(str).tolist() == ["2024-01-15T14:15:00.000000"]
    assert table["resolved"].tolist() == [True]
    # 12,500 users × 75 minutes (14:15 → 15:30).
    assert table["user_minutes"].tolist() == [937_500.0]
    # Items: detection, prevention × 3, process; all open; due 01-22 and
    # 01-29 are before 2024-01-30.
    assert table["action_items_prevention"].tolist() == [3]
    assert table["action_items_process"].tolist() == [1]
    assert table["action_items_open"].tolist() == [5]
    assert table["action_items_overdue"].tolist() == [2]
    assert table["severity"].tolist() == [1]
    assert table["service"].tolist() == ["payment-gateway"]


def test_synthetic_rows_equal_the_one_incident_functions(synthetic):
    table = IncidentTable.from_records(synthetic, as_of=AS_OF)
    assert_rows_match_one_incident_functions(table, synthetic, as_of=AS_OF)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(recs=st.lists(records(), max_size=6))
def test_any_record_matches_the_one_incident_functions(recs):
    # Timestamps from year 1 to 9999, unknown keys, sparse sections.
    table = IncidentTable.from_records(recs, as_of=date(2024, 6, 1))
    assert_rows_match_one_incident_functions(table, recs, as_of=date(2024, 6, 1))


# --- any policy: the table and the one-incident functions agree ------------------

#: Actors and action-item types the random policies and records share, so that
#: selectors and required types match something (in other cases and spacing).
_ACTORS = ("monitoring", "alice")
_ITEM_TYPES = ("detection", "Detect", "prevention", "repair", "process", "runbook",
               "Docs", " docs ", "x")  # fmt: skip

team_words = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N")) | st.just(" "),
    min_size=1,
    max_size=8,
).filter(str.strip)


def _variants(word: str) -> st.SearchStrategy[str]:
    """The word as a record may spell it: another case, surrounding spaces."""
    return st.sampled_from([word, word.upper(), word.title(), f" {word} "])


def _selectors(earlier: list[str]) -> st.SearchStrategy[Any]:
    """Library selectors that may only refer to the ``earlier`` milestones."""
    bound = st.none() | st.sampled_from(earlier) if earlier else st.none()
    event = {
        "type": st.none() | st.sampled_from(EventType),
        "actor": st.none() | st.sampled_from(_ACTORS).flatmap(_variants),
        "status": st.none() | st.sampled_from(["identified", " Monitoring ", "x"]),
        "not_before": bound,
        "not_after": bound,
    }
    choices = [
        st.builds(EarliestEvent, **event),
        st.builds(LatestEvent, **event),
        st.builds(IncidentField, st.sampled_from(["declared_at", "resolved_at"])),
    ]
    if earlier:
        choices.append(st.builds(SameAs, st.sampled_from(earlier)))
    return st.one_of(choices)


@st.composite
def milestone_policies(draw: st.DrawFn) -> MilestonePolicy:
    # Every acyclic policy has an order in which each milestone refers only to
    # the ones before it: draw the order, then such selectors.
    order = draw(st.permutations(MILESTONE_NAMES))
    rules = {
        name: tuple(draw(st.lists(_selectors(list(order[:i])), max_size=3)))
        for i, name in enumerate(order)
    }
    # Some milestones keep the rules of the specification (which may refer to
    # others, in any order): those policies can have cycles.
    kept = draw(st.sets(st.sampled_from(MILESTONE_NAMES)))
    rules.update({name: getattr(DEFAULT_MILESTONE_POLICY, name) for name in kept})
    try:
        return MilestonePolicy(**rules)
    except ValidationError as error:
        if "milestones depend on each other" not in str(error):
            raise
        reject()


@st.composite
def impact_weights(draw: st.DrawFn) -> ImpactWeights:
    names = list(ImpactWeights().as_dict())
    weights = draw(st.fixed_dictionaries({name: st.floats(0, 50) for name in names}))
    if not sum(weights.values()) > 0:
        weights[draw(st.sampled_from(names))] = 1.0
    return ImpactWeights(**weights)


@st.composite
def policies_and_records(
    draw: st.DrawFn,
) -> tuple[ik.Policy, list[IncidentRecord]]:
    words = draw(st.dictionaries(team_words, st.integers(0, 4), min_size=1, max_size=5))
    required = draw(
        st.dictionaries(
            st.integers(0, 4),
            st.lists(st.sampled_from(_ITEM_TYPES), max_size=3),
            min_size=1,
            max_size=5,
        )
    )
    done = draw(
        st.none() | st.sets(st.sampled_from(["done", "Completed", "in-progress"]))
    )
    actions = ActionItemPolicy(required_types_by_level=required)
    policy = ik.Policy(
        milestones=draw(milestone_policies()),
        actions=actions if done is None else attrs.evolve(actions, done_statuses=done),
        impact_weights=draw(impact_weights()),
    ).with_labels(words)
    labels = st.sampled_from(sorted(words)).flatmap(_variants) | st.sampled_from(
        ["SEV0", "SEV2", "P3", "critical", "odd"]
    )
    recs = []
    for rec in draw(st.lists(records(), min_size=1, max_size=5)):
        events = []
        for event in rec.events:
            actor = draw(st.sampled_from([event.actor, *_ACTORS]))
            if actor is not None:
                actor = draw(_variants(actor))
            events.append(attrs.evolve(event, actor=actor))
        label = draw(labels)
        items = [
            attrs.evolve(item, type=draw(st.none() | st.sampled_from(_ITEM_TYPES)))
            for item in rec.action_items
        ]
        # Often some of the types the severity requires, to cover it at times.
        needed = sorted(policy.actions.required_types(policy.level(label)))
        for kind in (
            draw(st.lists(st.sampled_from(needed), max_size=3)) if needed else ()
        ):
            item = draw(action_items)
            items.append(attrs.evolve(item, type=draw(_variants(kind))))
        incident = attrs.evolve(rec.incident, severity=label)
        recs.append(
            attrs.evolve(
                rec,
                incident=incident,
                events=tuple(events),
                action_items=tuple(items),
            )
        )
    return policy, recs


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # Explaining a failure reruns these large examples for minutes.
    phases=[phase for phase in Phase if phase is not Phase.explain],
)
@given(drawn=policies_and_records(), as_of=st.dates())
def test_any_policy_gives_the_columns_of_the_one_incident_functions(drawn, as_of):
    policy, recs = drawn
    table = IncidentTable.from_records(recs, policy=policy, as_of=as_of)
    assert table.policy == policy
    type_columns = [*CANONICAL_ACTION_TYPES]
    type_columns += sorted(
        set().union(*policy.actions.required_types_by_level.values())
        - set(CANONICAL_ACTION_TYPES)
    )
    assert [name for name in table.columns if name.startswith("action_items_")] == [
        *(f"action_items_{kind}" for kind in type_columns),
        "action_items_other",
        "action_items_untyped",
        "action_items_open",
        "action_items_overdue",
    ]
    coverages = []
    for row, rec in enumerate(recs):
        found = milestones(rec, policy=policy)
        for name, moment in found.as_dict().items():
            stored = table[MILESTONE_COLUMNS[name]][row]
            assert (None if np.isnat(stored) else int(stored.astype(np.int64))) == (
                micros(moment)
            ), name
        level = policy.level(rec.incident.severity)
        assert table["severity"][row] == (-1 if level is None else level)
        assert table["kind"][row] == rec.incident.kind
        score = impact_score(rec, policy=policy).score
        assert same_score(table["impact_score"][row], score)
        coverage = action_item_coverage(rec, as_of=as_of, policy=policy)
        coverages.append((level, coverage))
        assert table["action_items"][row] == len(rec.action_items)
        for kind in type_columns:
            got = table[f"action_items_{kind}"][row]
            assert got == coverage.by_type.get(kind, 0), kind
        others = sum(
            n for kind, n in coverage.by_type.items() if kind not in type_columns
        )
        assert table["action_items_other"][row] == others
        assert table["action_items_untyped"][row] == len(coverage.without_type)
        assert table["action_items_overdue"][row] == len(coverage.overdue)
        pending = [not policy.actions.is_done(item.status) for item in rec.action_items]
        assert table["action_items_open"][row] == sum(pending)

    def expected(group: list[ik.ActionItemCoverage]) -> dict[str, Any]:
        requiring = [c for c in group if c.required_types]
        return {
            "incidents": len(group),
            "requiring": len(requiring),
            "covered": sum(not c.missing_types for c in requiring),
            "missing": {
                kind: sum(kind in c.missing_types for c in group)
                for kind in sorted(
                    set().union(*policy.actions.required_types_by_level.values())
                )
            },
            "overdue_items": sum(len(c.overdue) for c in group),
        }

    def actual(stats: Any, index: int) -> dict[str, Any]:
        return {
            "incidents": int(stats.incidents[index]),
            "requiring": int(stats.requiring[index]),
            "covered": int(stats.covered[index]),
            "missing": {kind: int(n[index]) for kind, n in stats.missing.items()},
            "overdue_items": int(stats.overdue_items[index]),
        }

    overall = table.action_item_coverage(maintenance="include")
    assert actual(overall, 0) == expected([c for _, c in coverages])
    # By default the maintenances are left out, and counted.
    kinds = [rec.incident.kind for rec in recs]
    incidents_only = table.action_item_coverage()
    assert incidents_only.left_out == kinds.count("maintenance")
    assert actual(incidents_only, 0) == expected(
        [c for (_, c), kind in zip(coverages, kinds, strict=True) if kind == "incident"]
    )
    # By severity: an unknown level (-1) is no group, as in every grouping.
    by_severity = table.action_item_coverage(by="severity", maintenance="include")
    levels = sorted({level for level, _ in coverages if level is not None})
    assert by_severity.groups.tolist() == levels
    for index, group in enumerate(levels):
        members = [c for level, c in coverages if level == group]
        assert actual(by_severity, index) == expected(members)


def test_load_table_equals_from_records_on_synthetic_jsonl(tmp_path, synthetic):
    path = tmp_path / "incidents.jsonl"
    write_jsonl(path, [ik.to_dict(rec) for rec in synthetic])
    fast = load_table(path, as_of=AS_OF)
    assert fast.errors == ()
    assert_same_table(fast, IncidentTable.from_records(synthetic, as_of=AS_OF))
    assert_rows_match_one_incident_functions(fast, synthetic, as_of=AS_OF)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(recs=st.lists(records(), min_size=1, max_size=5))
def test_load_table_equals_from_records_for_any_records(tmp_path_factory, recs):
    path = tmp_path_factory.mktemp("any") / "records.jsonl"
    path.write_text("".join(ik.dumps(rec) + "\n" for rec in recs), encoding="utf-8")
    fast = load_table(path, as_of=date(2024, 6, 1))
    assert_same_table(fast, IncidentTable.from_records(recs, as_of=date(2024, 6, 1)))


def test_load_table_reads_folders_and_json_files(tmp_path):
    folder = tmp_path / "incidents"
    folder.mkdir()
    documents = list(synth.generate_dicts(5, seed=4))
    for index, document in enumerate(documents):
        (folder / f"{index}.json").write_text(json.dumps(document), encoding="utf-8")
    table = load_table(folder)
    assert table["id"].tolist() == [doc["incident"]["id"] for doc in documents]
    assert_same_table(table, IncidentTable.from_records(ik.load_many(folder).records))


def test_non_default_policies_give_the_same_columns_both_ways(tmp_path, synthetic):
    path = write_jsonl(
        tmp_path / "x.jsonl", [ik.to_dict(rec) for rec in synthetic[:200]]
    )
    policy = ik.Policy(
        milestones=attrs.evolve(
            ik.figures.timeline.DEFAULT_MILESTONE_POLICY,
            detected=(EarliestEvent(actor="monitoring"),),
        ),
        impact_weights=ImpactWeights(security_breach=40.0),
        actions=ActionItemPolicy(required_types_by_level={4: ["runbook"]}),
    )
    loaded = load_table(path, policy=policy, as_of=AS_OF)
    built = IncidentTable.from_records(synthetic[:200], policy=policy, as_of=AS_OF)
    assert_same_table(loaded, built)
    assert loaded.policy == built.policy == policy
    assert "action_items_runbook" in loaded.columns
    for row, rec in enumerate(synthetic[:200]):
        assert same_score(
            loaded["impact_score"][row], impact_score(rec, policy=policy).score
        )
        found = milestones(rec, policy=policy).detected
        assert micros(found) == (
            None
            if np.isnat(loaded["detected_at"][row])
            else int(loaded["detected_at"][row].astype(np.int64))
        )


def test_check_counts(tmp_path, synthetic):
    from incidentkit.checks.engine import check, count_levels

    table = IncidentTable.from_records(synthetic[:150], checks=True, as_of=AS_OF)
    path = write_jsonl(
        tmp_path / "c.jsonl", [ik.to_dict(rec) for rec in synthetic[:150]]
    )
    assert_same_table(load_table(path, checks=True, as_of=AS_OF), table)
    for row, rec in enumerate(synthetic[:150]):
        levels = count_levels(check(rec, as_of=AS_OF))
        assert table["check_errors"][row] == levels["error"]
        assert table["check_warnings"][row] == levels["warning"]


# --- bulk timestamps ---------------------------------------------------------

timestamp_texts = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(
        lambda moment: moment.isoformat().replace("+00:00", "Z")
    ),
    st.builds(
        lambda moment, minutes, digits: (
            moment.replace(tzinfo=None).isoformat(timespec=digits)
            + ("+" if minutes >= 0 else "-")
            + f"{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        ),
        st.datetimes(),
        st.integers(min_value=-1439, max_value=1439),
        st.sampled_from(["seconds", "milliseconds", "microseconds"]),
    ),
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[T t][0-9]{2}:[0-9]{2}:[0-9]{2}"
        r"(\.[0-9]{1,7})?(Z|z|[+-][0-9]{2}:[0-9]{2})?\Z"
    ),
    st.text(max_size=32),
)


@pytest.mark.skipif(not _fast.available(), reason="the fast extra is not installed")
def test_the_accelerator_takes_plain_valid_documents(synthetic) -> None:
    # Falling back to the converter is always correct, so a decoder that
    # refused everything would pass every equality test: check it decodes.
    decode = _fast.decoder(False)
    for rec in [ik.example(), *synthetic[:200]]:
        twin = decode(ik.dumps(rec).encode())
        assert twin is not None, rec.incident.id
        assert twin.incident.declared_at == rec.incident.declared_at
        assert [event.timestamp for event in twin.events] == [
            event.timestamp for event in rec.events
        ]


@pytest.mark.skipif(not _fast.available(), reason="the fast extra is not installed")
@given(text=timestamp_texts, assume_utc=st.booleans())
def test_accelerated_timestamps_equal_the_converter(text, assume_utc):
    doc = {
        "incident": {
            "id": "I",
            "title": "t",
            "severity": "SEV2",
            "status": "resolved",
            "declared_at": "2024-01-01T00:00:00Z",
            "resolved_at": text,
        },
        "events": [{"timestamp": text, "type": "detection"}],
    }
    try:
        expected = ik.from_dict(doc, assume_utc=assume_utc)
    except ValidationError:
        expected = None
    twin = _fast.decoder(assume_utc)(json.dumps(doc).encode())
    if expected is None:
        assert twin is None
    elif twin is not None:  # the decoder may leave a document to the converter
        assert twin.incident.resolved_at == expected.incident.resolved_at
        assert twin.events[0].timestamp == expected.events[0].timestamp


# --- errors, as load_many reports them ---------------------------------------

_BAD_VALUES = [
    None,
    0,
    -1,
    1.5,
    2**70,
    "x",
    "",
    True,
    [],
    {},
    ["x"],
    "2024-13-01T00:00:00Z",
    "2024-01-01T10:00:00",
    "2024-01-01 10:00:00Z",
    "2024-01-01T10:00:00.123+05:30",
    "2024-01-01T10:00:00z",
    "9999-12-31T23:00:00-01:30",
    "0001-01-01T00:30:00+01:00",
    "2024-02-30T00:00:00Z",
    "2024-01-22",
    "trigger",
    "SEV2",
    {"status": "identified"},
    [[[[["deep"]]]]],
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _mutate(document: dict[str, Any], rng: random.Random) -> str:
    doc = copy.deepcopy(document)
    kind = rng.randrange(8)
    paths = _paths(doc)
    path = rng.choice(paths)
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    if kind <= 2:
        parent[path[-1]] = rng.choice(_BAD_VALUES)
    elif kind == 3 and isinstance(parent, dict):
        del parent[path[-1]]
    elif kind == 4 and isinstance(parent, dict):
        # Not "extra": a top-level "extra" key makes the converter raise a
        # bare ValueError (reported); the targeted test covers nested ones.
        parent[rng.choice(["unknown_0", "unknown_1"])] = {"nested": [1, {"a": None}]}
    elif kind == 5:
        text = json.dumps(doc)
        return rng.choice(
            [
                text.replace("45", "NaN", 1),
                "\ufeff" + text,
                text[: len(text) // 2],
                "[]",
                "null",
                text.replace('"incident"', '"incident"', 1) + " x",
            ]
        )
    elif kind == 6:
        deep: Any = "leaf"
        for _ in range(rng.choice([10, 70, 600])):
            deep = [deep]
        target = doc["events"][0] if doc.get("events") else doc["incident"]
        target.setdefault("metadata", {})["deep"] = deep
    return json.dumps(doc)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    ("strict", "assume_utc"), [(False, False), (True, False), (False, True)]
)
def test_invalid_documents_give_load_many_errors(tmp_path, strict, assume_utc, seed):
    rng = random.Random(f"{strict}{assume_utc}{seed}")
    documents = list(synth.generate_dicts(120, seed=9))
    lines: list[str] = []
    for document in documents:
        if rng.random() < 0.6:
            lines.append(_mutate(document, rng))
        else:
            lines.append(json.dumps(document))
    lines.insert(5, "")  # blank lines are skipped
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = {"strict": strict, "assume_utc": assume_utc}
    expected = ik.load_many(path, errors="collect", **options)
    table = load_table(path, errors="collect", as_of=AS_OF, batch_size=16, **options)
    assert [error.errors for error in table.errors] == [
        error.errors for error in expected.errors
    ]
    assert expected.errors  # the test exercises both
    assert expected.records
    assert_same_table(table, IncidentTable.from_records(expected.records, as_of=AS_OF))
    with pytest.raises(ValidationError) as first_table:
        load_table(path, batch_size=16, **options)
    with pytest.raises(ValidationError) as first_many:
        ik.load_many(path, **options)
    assert first_table.value.errors == first_many.value.errors


def test_unreadable_and_missing_sources(tmp_path):
    with pytest.raises(ValidationError, match="source: no such file or folder"):
        load_table(tmp_path / "nothing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"incident": 1}\n\xff\xfe\n')
    table = load_table(bad, errors="collect")
    assert len(table) == 0
    assert [error.errors for error in table.errors] == [
        error.errors for error in ik.load_many(bad, errors="collect").errors
    ]
    assert table.errors[0].errors[0].startswith(f"{bad}:1: incident:")


def test_load_table_arguments(tmp_path):
    path = write_jsonl(tmp_path / "one.jsonl", list(synth.generate_dicts(1, seed=1)))
    with pytest.raises(ValidationError, match="errors: expected 'raise' or 'collect'"):
        load_table(path, errors="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="format: unknown format 'csv'"):
        load_table(path, format="csv")
    with pytest.raises(ValidationError, match="batch_size: must be at least 1"):
        load_table(path, batch_size=0)
    with pytest.raises(ValidationError, match="as_of: a datetime needs a UTC offset"):
        load_table(path, as_of=datetime(2024, 1, 1))
    with pytest.raises(ValidationError, match="checks: expected True, False"):
        load_table(path, checks="yes")  # type: ignore[arg-type]
    # The rules are one Policy now, not its parts.
    with pytest.raises(ValidationError) as info:
        load_table(path, policy=ActionItemPolicy())  # type: ignore[arg-type]
    assert info.value.errors == ["policy: expected a Policy, got ActionItemPolicy"]
    with pytest.raises(ValidationError) as info:
        IncidentTable.from_records([], policy="x")  # type: ignore[arg-type]
    assert info.value.errors == ["policy: expected a Policy, got str"]
    with pytest.raises(TypeError):
        load_table(path, action_policy=ActionItemPolicy())  # type: ignore[call-arg]


def test_team_labels_reach_the_severity_column_and_the_coverage():
    # "urgent" is SEV1 for this team only: the severity column, the required
    # types of the table's coverage and action_item_coverage all read it.
    rec = ik.example()
    rec = attrs.evolve(
        rec,
        incident=attrs.evolve(rec.incident, severity="Urgent"),
        action_items=rec.action_items[1:],  # no detection item
    )
    policy = ik.Policy().with_labels({"urgent": 1})
    default = IncidentTable.from_records([rec], as_of=AS_OF)
    assert default["severity"].tolist() == [-1]
    assert default.action_item_coverage().requiring.tolist() == [0]
    table = IncidentTable.from_records([rec], as_of=AS_OF, policy=policy)
    assert table["severity"].tolist() == [1]
    coverage = table.action_item_coverage()
    assert (coverage.requiring.tolist(), coverage.covered.tolist()) == ([1], [0])
    assert coverage.missing["detection"].tolist() == [1]
    one = action_item_coverage(rec, as_of=AS_OF, policy=policy)
    assert one.missing_types == {"detection"}


def test_other_formats_go_through_the_importers(tmp_path):
    document = {
        "incident": {
            "id": "abc",
            "name": "Elevated errors",
            "status": "resolved",
            "impact": "major",
            "created_at": "2024-03-01T10:00:00Z",
            "resolved_at": "2024-03-01T11:30:00Z",
            "incident_updates": [],
        }
    }
    path = write_jsonl(tmp_path / "sp.jsonl", [document])
    table = load_table(path, format="statuspage")
    expected = IncidentTable.from_records(
        ik.load_many(path, format="statuspage").records
    )
    assert_same_table(table, expected)


# --- the table ---------------------------------------------------------------


def test_columns_are_read_only_and_selection_gives_new_tables(synthetic):
    table = IncidentTable.from_records(synthetic[:300], as_of=AS_OF)
    with pytest.raises(ValueError, match="read-only"):
        table["time_to_resolve"][0] = 1.0
    mask = table["severity"] <= 2
    subset = table[mask]
    assert len(subset) == int(mask.sum())
    assert subset["id"].tolist() == [
        rec.incident.id for rec, keep in zip(synthetic[:300], mask, strict=True) if keep
    ]
    assert_same_table(
        subset,
        IncidentTable.from_records(
            [rec for rec, keep in zip(synthetic[:300], mask, strict=True) if keep],
            as_of=AS_OF,
        ),
    )
    assert subset["service"].tolist() == table["service"][mask].tolist()
    assert table[[2, 0]]["id"].tolist() == [table["id"][2], table["id"][0]]
    assert len(table[10:20]) == 10
    with pytest.raises(ValidationError, match="column: no column 'nope'"):
        table["nope"]
    with pytest.raises(ValidationError, match="mask: expected 300 true/false values"):
        table[np.array([True])]
    with pytest.raises(ValidationError, match="rows: index out of range"):
        table[[300]]


def test_categorical_columns(synthetic):
    table = IncidentTable.from_records(synthetic[:500])
    codes, labels = table.codes("service")
    assert labels.tolist() == sorted({rec.incident.service for rec in synthetic[:500]})
    assert labels[codes].tolist() == [rec.incident.service for rec in synthetic[:500]]
    assert table["service"].tolist() == labels[codes].tolist()
    levels, distinct = table.codes("severity")
    assert distinct[levels].tolist() == table["severity"].tolist()


def test_codes_errors_name_their_parameter():
    # codes() takes `name`, so its errors say `name:`, never group_stats' `by:`.
    table = IncidentTable.from_records([ik.example()])
    for bad, rule in [
        ("nope", "no column or period 'nope'"),
        ("id", "cannot group by id"),
        ("quarter:nope", "no column 'nope' in this table"),
    ]:
        with pytest.raises(ValidationError) as caught:
            table.codes(bad)
        (message,) = caught.value.errors
        assert message.startswith("name: ")
        assert rule in message


def test_missing_service_and_unknown_severity():
    base = ik.example()
    rows = [
        attrs.evolve(base, incident=attrs.evolve(base.incident, service=None)),
        attrs.evolve(base, incident=attrs.evolve(base.incident, severity="whatever")),
        base,
    ]
    table = IncidentTable.from_records(rows)
    assert table["service"].tolist() == [None, "payment-gateway", "payment-gateway"]
    assert table.codes("service")[0].tolist() == [-1, 0, 0]
    assert table["severity"].tolist() == [1, -1, 1]
    # Rows without a key belong to no group.
    stats = table.group_stats("time_to_resolve", by="severity")
    assert stats.groups.tolist() == [1]
    assert stats.count.tolist() == [2]
    # ...and are counted, and said, never dropped silently.
    assert stats.ungrouped == 1
    assert stats.note == "1 incident without a severity, in no group"
    assert "1 incident without a severity, in no group" in str(stats)
    assert "1 incident without a severity" in stats._repr_html_()
    by_service = table.bootstrap("time_to_resolve", by="service", n=10, seed=1)
    assert by_service.ungrouped == 1
    assert table.group_stats("time_to_resolve").ungrouped == 0
    assert table.group_stats("time_to_resolve", by="service").count.tolist() == [2]


def test_concat(synthetic):
    first = IncidentTable.from_records(synthetic[:100], as_of=AS_OF)
    second = IncidentTable.from_records(synthetic[100:250], as_of=AS_OF)
    joined = IncidentTable.concat([first, second])
    assert_same_table(joined, IncidentTable.from_records(synthetic[:250], as_of=AS_OF))
    with pytest.raises(
        ValidationError, match="tables\\[1\\]: built with another as_of"
    ):
        IncidentTable.concat([first, IncidentTable.from_records(synthetic[:3])])
    with pytest.raises(ValidationError, match="tables: nothing to concatenate"):
        IncidentTable.concat([])


def test_bytes_per_incident(synthetic):
    table = IncidentTable.from_records(synthetic, as_of=AS_OF)
    # 200 bytes until the kind and source columns, whose int8 codes add one
    # byte per row each (2,500 rows carry more label overhead per row than
    # the 100,000 of the performance page).
    assert table.nbytes / len(table) <= 202


def test_exports(synthetic):
    table = IncidentTable.from_records(synthetic[:20], as_of=AS_OF)
    frame = table.to_pandas()
    assert list(frame.columns) == list(table.columns)
    assert str(frame["started_at"].dt.tz) == "UTC"
    assert frame["service"].dtype == "category"
    records_ = table.to_records()
    assert records_[0]["id"] == synthetic[0].incident.id
    assert records_[0]["started_at"].endswith("Z")
    as_dict = table.to_dict()
    assert as_dict["time_to_resolve"][0] == table["time_to_resolve"][0]
    assert repr(table) == "<IncidentTable: 20 incidents, 40 columns>"


def test_the_table_cannot_be_built_directly():
    with pytest.raises(TypeError, match="from_records"):
        IncidentTable()
    with pytest.raises(
        ValidationError, match="records\\[1\\]: expected an IncidentRecord"
    ):
        IncidentTable.from_records([ik.example(), {"incident": {}}])  # type: ignore[list-item]


# --- aggregates --------------------------------------------------------------


def loop_group_stats(table: IncidentTable, column: str, keys: list[str]):
    values = table[column]
    labels = [
        table["declared_at"].astype("datetime64[M]") if key == "month" else table[key]
        for key in keys
    ]
    groups: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for row in range(len(table)):
        key = tuple(label[row] for label in labels)
        if any(
            part is None or (part == -1 and name == "severity")
            for part, name in zip(key, keys, strict=True)
        ):
            continue
        groups[key].append(values[row])
    return groups


@pytest.mark.parametrize(
    "keys", [["severity"], ["service"], ["month"], ["severity", "service"], ["status"]]
)
def test_group_stats_equal_a_loop(synthetic, keys):
    table = IncidentTable.from_records(synthetic, as_of=AS_OF)
    for column in ("time_to_resolve", "time_to_identify", "impact_score"):
        stats = table.group_stats(column, by=keys if len(keys) > 1 else keys[0])
        expected = loop_group_stats(table, column, keys)
        found = [
            tuple(group) if len(keys) > 1 else (group,)
            for group in stats.groups.tolist()
        ]
        if keys == ["month"]:
            found = [(np.datetime64(group[0], "M"),) for group in found]
        assert found == sorted(expected)
        for index, key in enumerate(found):
            values = np.array(expected[key])
            present = values[~np.isnan(values)]
            assert stats.count[index] == present.size
            assert stats.missing[index] == values.size - present.size
            if present.size:
                assert stats.median[index] == np.percentile(present, 50)
                assert stats.p90[index] == np.percentile(present, 90)
                assert stats.p95[index] == np.percentile(present, 95)
                assert stats.max[index] == present.max()
                assert stats.mean[index] == pytest.approx(present.mean(), rel=1e-12)


def test_group_stats_with_negative_spans_and_every_method():
    # Declared before the trigger: time_to_declare is negative.
    base = ik.example()
    rows = []
    for minutes in (-30, -5, 10, 20, 45):
        incident = attrs.evolve(
            base.incident,
            declared_at=datetime(2024, 1, 15, 14, 15, tzinfo=UTC)
            + timedelta(minutes=minutes),
        )
        rows.append(attrs.evolve(base, incident=incident))
    table = IncidentTable.from_records(rows)
    # detected 14:20: declared − detected = minutes − 5: −35, −10, 5, 15, 40.
    for method in ("sort", "select", "auto"):
        kept = table.group_stats("time_to_declare", method=method, keep_negative=True)
        assert kept.min.tolist() == [-35 * 60.0]
        assert kept.median.tolist() == [5 * 60.0]
        assert kept.max.tolist() == [40 * 60.0]
        assert (kept.negative.tolist(), kept.invalid.tolist()) == ([2], [0])
        # By default the two negative spans are data errors, left out.
        stats = table.group_stats("time_to_declare", method=method)
        assert stats.count.tolist() == [3]
        assert (stats.negative.tolist(), stats.invalid.tolist()) == ([2], [2])
        assert stats.missing.tolist() == [0]
        assert stats.min.tolist() == [5 * 60.0]
        assert stats.median.tolist() == [15 * 60.0]
        assert stats.mean.tolist() == [20 * 60.0]


def test_bootstrap_on_the_table(synthetic):
    table = IncidentTable.from_records(synthetic, as_of=AS_OF)
    result = table.bootstrap("time_to_resolve", by="severity", n=400, seed=3)
    again = table.bootstrap("time_to_resolve", by="severity", n=400, seed=3)
    np.testing.assert_array_equal(result.high, again.high)
    stats = table.group_stats("time_to_resolve", by="severity")
    assert result.estimate.tolist() == stats.median.tolist()
    assert result.count.tolist() == stats.count.tolist()
    # A percentile bootstrap of a median only from 30 incidents a group.
    shown = result.count >= 30
    assert (~np.isnan(result.low) == shown).all()
    assert (result.low[shown] <= result.estimate[shown]).all()
    assert (result.estimate[shown] <= result.high[shown]).all()


def _record(
    start: datetime, minutes: float | None, *, severity: str = "SEV2"
) -> IncidentRecord:
    end = None if minutes is None else start + timedelta(minutes=minutes)
    return IncidentRecord(
        incident=Incident(
            id=f"INC-{start:%H%M}",
            title="t",
            severity=severity,
            status="resolved" if end else "investigating",
            declared_at=start,
            resolved_at=end,
        ),
        events=(Event(timestamp=start, type=EventType.TRIGGER),),
    )


def test_survival_counts_open_incidents_as_censored():
    day = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [
        _record(day, 10),
        _record(day + timedelta(hours=1), 20),
        # Open since 02:00; aged 60 minutes at 03:00.
        _record(day + timedelta(hours=2), None),
        _record(day + timedelta(hours=3, minutes=-30), 40),
    ]
    table = IncidentTable.from_records(rows)
    with pytest.raises(ValidationError, match="as_of: 1 incidents are still open"):
        table.survival()
    km = table.survival(as_of=day + timedelta(hours=3))
    # Durations 10, 20, 40 ended and 60+ open: S(10) = 3/4, S(20) = 1/2 →
    # median 20; S(40) = 1/2 × 1/2 = 1/4; the open one keeps S above 0.1,
    # so p90 and p95 are not reached.
    assert km.median.tolist() == [20 * 60.0]
    assert np.isnan(km.p90).all()
    assert np.isnan(km.p95).all()
    assert (km.ended.tolist(), km.censored.tolist()) == ([3], [1])
    # Dropping the open incident would claim a p90 of 40 minutes.
    assert table.group_stats("time_to_resolve").p90[0] < 40 * 60
    with pytest.raises(
        ValidationError, match="column: 'impact_score' is not a duration"
    ):
        table.survival("impact_score")


def test_survival_without_open_incidents_needs_no_as_of(synthetic):
    resolved = [rec for rec in synthetic[:400] if rec.incident.resolved_at is not None]
    table = IncidentTable.from_records(resolved)
    km = table.survival(by="severity")
    stats = table.group_stats("time_to_resolve", by="severity")
    for index in range(len(stats)):
        values = table["time_to_resolve"][table["severity"] == stats.groups[index]]
        assert km.median[index] == np.percentile(values, 50, method="inverted_cdf")


def test_action_item_coverage_equals_a_loop(synthetic):
    table = IncidentTable.from_records(synthetic, as_of=AS_OF)
    coverage = table.action_item_coverage(by="severity")
    expected: dict[int, Counter] = defaultdict(Counter)
    for rec in synthetic:
        found = action_item_coverage(rec, as_of=AS_OF)
        counts = expected[rec.incident.severity_level]
        counts["incidents"] += 1
        if found.required_types:
            counts["requiring"] += 1
            counts["covered"] += not found.missing_types
        for kind in found.missing_types:
            counts[f"missing_{kind}"] += 1
        counts["overdue_items"] += len(found.overdue)
        counts["with_overdue"] += bool(found.overdue)
        counts["items"] += len(rec.action_items)
    rows = coverage.to_records()
    assert [row["severity"] for row in rows] == sorted(expected)
    for row in rows:
        counts = expected[row["severity"]]
        for name in (
            "incidents",
            "requiring",
            "covered",
            "overdue_items",
            "with_overdue",
            "items",
        ):
            assert row[name] == counts[name], name
        assert row["missing_detection"] == counts["missing_detection"]
        assert row["missing_prevention"] == counts["missing_prevention"]
        if counts["requiring"]:
            assert row["share"] == counts["covered"] / counts["requiring"]
        else:
            assert row["share"] is None
    assert coverage.to_pandas().loc[4, "requiring"] == expected[4]["requiring"]


def test_compare_tables(synthetic):
    table = IncidentTable.from_records(synthetic)
    first, second = table[: len(table) // 2], table[len(table) // 2 :]
    result = compare(first, second, "time_to_resolve", seed=1, n=300, permutations=200)
    assert result.count_a == int((~np.isnan(first["time_to_resolve"])).sum())
    assert result.estimate_a == np.nanpercentile(first["time_to_resolve"], 50)
    # Two halves of one synthetic corpus: no detectable change.
    assert not result.significant
    assert "No detectable change" in result.summary()
    with pytest.raises(ValidationError, match="b: expected an IncidentTable"):
        compare(first, [1.0, 2.0])  # type: ignore[arg-type]


def test_group_stats_arguments(synthetic):
    table = IncidentTable.from_records(synthetic[:50])
    with pytest.raises(
        ValidationError, match="column: 'service' is not a numeric column"
    ):
        table.group_stats("service")
    with pytest.raises(ValidationError, match="by: cannot group by id"):
        table.group_stats("time_to_resolve", by="id")
    with pytest.raises(ValidationError, match="by: a key appears twice"):
        table.group_stats("time_to_resolve", by=["service", "service"])
    with pytest.raises(ValidationError, match="by: no column or period 'nope'"):
        table.group_stats("time_to_resolve", by="nope")


def test_to_pandas_names_the_extra_without_pandas(monkeypatch, synthetic):
    table = IncidentTable.from_records(synthetic[:5])
    stats = table.group_stats("time_to_resolve", by="severity")
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'incidentkit\[pandas\]'"):
        table.to_pandas()
    with pytest.raises(ImportError, match="the extra"):
        stats.to_pandas()
    assert stats.to_dict()["count"] == stats.count.tolist()


_TARGETED = [
    (("action_items", 0, "deadline"), []),
    (("action_items", 0, "deadline"), {"a": 1}),
    (("action_items", 0, "deadline"), 20240122),
    (("action_items", 0, "deadline"), "2024-W04-1"),
    (("action_items", 0, "title"), None),
    (("action_items",), {"title": "x"}),
    (("events",), None),
    (("events", 0, "metadata"), ["status"]),
    (("events", 0, "metadata"), {"status": ["identified"]}),
    (("events", 0, "type"), "Trigger"),
    (("events", 0, "timestamp"), 1705328100),
    (("incident", "declared_at"), None),
    (("incident", "resolved_at"), []),
    (("incident", "affected_services"), "checkout"),
    (("incident", "extra"), {"kept": True}),
    (("impact", "affected_regions"), "us-east-1"),
    (("impact", "affected_users_percentage"), 100.5),
    (("impact", "affected_users_percentage"), True),
    (("impact", "affected_users_percentage"), 45),
    (("signals", "alert_count"), -1),
    (("signals", "alert_count"), 12.0),
    (("signals", "alert_count"), 12.5),
    (("signals", "alert_count"), 2**63),
    (("resolution", "customer_impact", "affected_users"), 12500.0),
    (("resolution", "customer_impact", "revenue_impact_usd"), 10**400),
    (("resolution", "postmortem_scheduled"), "2024-01-17"),
    (("resolution", "postmortem_scheduled"), ["2024-01-17"]),
    (("resolution", "postmortem_scheduled"), "2024-01-17T10:00:00+02:00"),
    (("context", "ongoing_incidents"), [{"id": [1, 2]}, None]),
    (("context", "on_call"), "alice"),
    (("participants", 0, "name"), 7),
    (("communications",), None),
    (("communications", 0, "timestamp"), "2024-01-15T14:30:00.5Z"),
]


@pytest.mark.parametrize(("path", "value"), _TARGETED)
def test_targeted_changes_load_as_load_many_loads_them(tmp_path, path, value):
    document = json.loads(ik.example_path().read_text(encoding="utf-8"))
    parent: Any = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    try:
        line = json.dumps(document)
    except ValueError:  # an integer too long for the stdlib writer
        pytest.skip("not writable as JSON")
    target = write_jsonl(
        tmp_path / "one.jsonl", [line, json.dumps(ik.to_dict(ik.example()))]
    )
    expected = ik.load_many(target, errors="collect")
    table = load_table(target, errors="collect", as_of=AS_OF)
    assert [e.errors for e in table.errors] == [e.errors for e in expected.errors]
    assert_same_table(table, IncidentTable.from_records(expected.records, as_of=AS_OF))


def test_an_empty_table():
    table = IncidentTable.from_records([])
    assert len(table) == 0
    assert len(table.group_stats("time_to_resolve", by="severity")) == 0
    whole = table.group_stats("time_to_resolve")
    assert whole.count.tolist() == [0]
    assert np.isnan(whole.median).all()
    assert len(table.survival(by=["service", "month"])) == 0
    assert table.action_item_coverage().incidents.tolist() == [0]
    assert len(IncidentTable.concat([table, table])) == 0
    assert table.to_pandas().shape == (0, len(table.columns))


# --- argument checks ---------------------------------------------------------


@pytest.mark.parametrize("seed", [-1, "x", True, 0.5])
def test_bad_seed_is_a_validation_error(synthetic, seed):
    table = IncidentTable.from_records(synthetic[:50])
    expected = [
        "seed: expected None, a non-negative whole number or a "
        f"numpy.random.Generator ({seed!r})"
    ]
    with pytest.raises(ValidationError) as raised:
        table.bootstrap("time_to_resolve", seed=seed)
    assert raised.value.errors == expected
    with pytest.raises(ValidationError) as raised:
        compare(table, table, seed=seed)
    assert raised.value.errors == expected


def test_a_generator_seed_still_works(synthetic):
    table = IncidentTable.from_records(synthetic[:50])
    by_int = table.bootstrap("time_to_resolve", n=50, seed=7)
    by_rng = table.bootstrap("time_to_resolve", n=50, seed=np.random.default_rng(7))
    assert by_int.low.tolist() == by_rng.low.tolist()


EXPECTED_KEYS = "a column name, a period, an array of one value per row, or a list"


@pytest.mark.parametrize(
    ("by", "message"),
    [
        (5, f"by: expected {EXPECTED_KEYS} of them (5)"),
        ({"severity": 1}, f"by: expected {EXPECTED_KEYS} of them ({{'severity': 1}})"),
        (
            [5],
            "by[0]: expected a column name, a period or an array of one value "
            "per row (5)",
        ),
    ],
)
def test_by_must_be_names(synthetic, by, message):
    table = IncidentTable.from_records(synthetic[:50])
    with pytest.raises(ValidationError) as raised:
        table.group_stats("time_to_resolve", by=by)
    assert raised.value.errors == [message]


def test_a_column_that_is_not_numeric_is_named_so(synthetic):
    table = IncidentTable.from_records(synthetic[:50])
    numeric = [
        name
        for name in table.columns
        if name != "id"
        and name not in CATEGORICAL_COLUMNS
        and np.asarray(table[name]).dtype.kind in "fiub"
    ]
    assert "id" not in numeric
    assert "time_to_resolve" in numeric
    listed = f"numeric columns: {', '.join(numeric)}"
    for column, kind in (("id", "text"), ("service", "labels")):
        message = f"column: {column!r} is not a numeric column ({kind}); {listed}"
        for run in (
            table.group_stats,
            lambda name: table.bootstrap(name, n=10),
            lambda name: compare(table, table, name, n=10, permutations=10),
        ):
            with pytest.raises(ValidationError) as raised:
                run(column)
            assert raised.value.errors == [message]
    with pytest.raises(ValidationError, match="'started_at' is not a numeric column"):
        table.group_stats("started_at")
    # survival needs a duration: it lists those instead.
    with pytest.raises(ValidationError, match="'id' is not a duration between"):
        table.survival("id")
    with pytest.raises(ValidationError, match="column: no column 'nope'"):
        table.group_stats("nope")


def test_survival_leaves_out_negative_durations_as_invalid():
    # Declared before detected: time_to_declare of −35, −10, 5, 15, 40 minutes,
    # every one ended (no open incident, no as_of needed).
    base = ik.example()
    rows = []
    for minutes in (-30, -5, 10, 20, 45):
        incident = attrs.evolve(
            base.incident,
            declared_at=datetime(2024, 1, 15, 14, 15, tzinfo=UTC)
            + timedelta(minutes=minutes),
        )
        rows.append(attrs.evolve(base, incident=incident))
    table = IncidentTable.from_records(rows)
    km = table.survival("time_to_declare")
    assert (km.count.tolist(), km.invalid.tolist()) == ([3], [2])
    assert (km.ended.tolist(), km.missing.tolist()) == ([3], [0])
    # Of 5, 15 and 40 minutes, half have ended by 15 and 90% by 40.
    assert km.median.tolist() == [15 * 60.0]
    assert km.p90.tolist() == [40 * 60.0]
    # Printed: the two negative durations counted as invalid, and the
    # quantiles as durations (S falls to 0 at 40 min, so p95 is 40m too).
    header, row = str(km).splitlines()[2:4]
    assert header.split() == (
        [
            "group",
            "count",
            "ended",
            "still",
            "open",
            "missing",
            "invalid",
            "median",
            "p90",
            "p95",
        ]
    )
    assert row.split() == ["all", "3", "3", "0", "0", "2", "15m", "40m", "40m"]
    assert km.to_dict()["invalid"] == [2]
    kept = table.survival("time_to_declare", keep_negative=True)
    assert (kept.count.tolist(), kept.invalid.tolist()) == ([5], [0])
    # The third of −35, −10, 5, 15, 40 minutes.
    assert kept.median.tolist() == [5 * 60.0]


def test_bootstrap_on_the_table_only_from_the_minimum_size():
    day = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [_record(day + timedelta(minutes=i), 10 + i) for i in range(35)]
    table = IncidentTable.from_records(rows)
    by = np.array(["small"] * 5 + ["large"] * 30)
    ci = table.bootstrap("time_to_resolve", by=by, seed=1, n=300)
    assert ci.groups.tolist() == ["large", "small"]
    assert ci.count.tolist() == [30, 5]
    assert ci.reason.tolist() == [
        None,
        "too few incidents: a bootstrap interval of a median needs 30, "
        "this group has 5",
    ]
    assert ci.available.tolist() == [True, False]
    # The median of 15..44 minutes is 29.5; its interval is inside the range.
    assert ci.estimate.tolist() == [29.5 * 60, 12 * 60.0]
    assert 15 * 60 <= ci.low[0] <= 29.5 * 60 <= ci.high[0] <= 44 * 60
    assert "too few incidents" in str(ci)
    assert "too few incidents" in ci._repr_html_()
    forced = table.bootstrap("time_to_resolve", by=by, seed=1, n=300, min_count=5)
    assert forced.available.tolist() == [True, True]
