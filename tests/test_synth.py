"""Tests for incidentkit.synth.

Expected values come from what the generator promises (the brief and the
module documentation), and the figures are recomputed here from the plain
documents, independently of the library's analytics. Distribution checks use
tolerances of at least four standard errors, worked out next to each test;
the seeds are fixed, so a pass is a pass every time.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
import statistics
import sys
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit import synth
from incidentkit.synth import _draft, _generator, _scenarios

UTC = timezone.utc
N = 4_000  # large enough for the distribution checks, fast enough (~2 s)
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
SECTIONS = [
    "incident",
    "events",
    "communications",
    "impact",
    "signals",
    "context",
    "resolution",
    "action_items",
    "participants",
]


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return list(synth.generate_dicts(N, seed=2024))


@pytest.fixture(scope="module")
def marks(docs: list[dict[str, Any]]) -> list[dict[str, datetime | None]]:
    return [milestones(doc) for doc in docs]


@pytest.fixture(scope="module")
def clean() -> list[dict[str, Any]]:
    return list(synth.generate_dicts(1_500, seed=99, flaw_fraction=0.0))


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def milestones(doc: dict[str, Any]) -> dict[str, datetime | None]:
    """The six milestones by the default rules, from the plain document."""
    events = [(ts(e["timestamp"]), e) for e in doc["events"]]

    def first(predicate: Any) -> datetime | None:
        times = [t for t, e in events if predicate(e)]
        return min(times) if times else None

    incident = doc["incident"]
    resolved = ts(incident["resolved_at"]) if "resolved_at" in incident else None
    mitigations = [
        t
        for t, e in events
        if e["type"] == "mitigation" and (resolved is None or t <= resolved)
    ]
    return {
        "started": first(lambda e: e["type"] == "trigger"),
        "detected": first(lambda e: e["type"] == "detection"),
        "declared": ts(incident["declared_at"]),
        "identified": first(lambda e: e["metadata"].get("status") == "identified"),
        "mitigated": max(mitigations) if mitigations else None,
        "resolved": resolved,
    }


def level(doc: dict[str, Any]) -> int:
    return int(doc["incident"]["severity"].removeprefix("SEV"))


def resolved_day(doc: dict[str, Any]) -> date:
    return ts(doc["incident"]["resolved_at"]).date()


# --- reproducibility ------------------------------------------------------------------


def test_same_seed_gives_the_same_documents() -> None:
    first = list(synth.generate_dicts(60, seed=5))
    assert first == list(synth.generate_dicts(60, seed=5))
    assert first != list(synth.generate_dicts(60, seed=6))


def test_generate_reads_the_same_documents() -> None:
    records = list(synth.generate(40, seed=8))
    assert records == [ik.from_dict(doc) for doc in synth.generate_dicts(40, seed=8)]
    assert all(isinstance(rec, ik.IncidentRecord) for rec in records)


def test_generators_stream() -> None:
    # A billion incidents would not fit in memory: only what is read is made.
    head = list(itertools.islice(synth.generate_dicts(10**9, seed=1), 3))
    assert [doc["incident"]["id"] for doc in head] == [
        "INC-000001",
        "INC-000002",
        "INC-000003",
    ]
    assert next(synth.generate(10**9, seed=1)).incident.id == "INC-000001"


def test_numpy_integers_are_accepted() -> None:
    expected = list(synth.generate_dicts(3, seed=5))
    assert list(synth.generate_dicts(np.int64(3), seed=np.uint32(5))) == expected


def test_no_seed_still_gives_valid_records() -> None:
    records = list(synth.generate(5))
    assert len(records) == 5


def test_zero_incidents() -> None:
    assert list(synth.generate_dicts(0, seed=1)) == []
    assert list(synth.generate(0, seed=1)) == []


def test_offset_datetimes_mean_the_same_moments() -> None:
    plus_five = timezone(timedelta(hours=5))
    start = datetime(2024, 3, 1, 5, tzinfo=plus_five)
    end = datetime(2024, 4, 1, 5, tzinfo=plus_five)
    shifted = list(synth.generate_dicts(20, seed=4, start=start, end=end))
    utc = list(
        synth.generate_dicts(
            20,
            seed=4,
            start=datetime(2024, 3, 1, tzinfo=UTC),
            end=datetime(2024, 4, 1, tzinfo=UTC),
        )
    )
    assert shifted == utc


# --- validity -------------------------------------------------------------------------


def test_documents_are_canonical_and_strictly_valid(docs: list[dict[str, Any]]) -> None:
    # Every document reads in strict mode (no unknown keys) and writes back
    # unchanged: nothing is missing, extra or spelled unusually.
    for doc in docs[:1_000]:
        rec = ik.from_dict(doc, strict=True)
        assert ik.to_dict(rec) == doc


def test_documents_are_plain_json(docs: list[dict[str, Any]]) -> None:
    sample = docs[:500]
    assert json.loads(json.dumps(sample, allow_nan=False)) == sample


def test_records_round_trip() -> None:
    for rec in synth.generate(150, seed=17):
        assert ik.loads(ik.dumps(rec)) == rec


@settings(max_examples=25)
@given(seed=st.integers(min_value=0, max_value=2**64 - 1), n=st.integers(0, 4))
def test_any_seed_gives_valid_records(seed: int, n: int) -> None:
    records = list(synth.generate(n, seed=seed))
    assert len(records) == n
    for rec in records:
        assert ik.loads(ik.dumps(rec)) == rec


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(1, 1, 8, tzinfo=UTC), datetime(1, 1, 9, tzinfo=UTC)),
        (datetime(9997, 12, 1, tzinfo=UTC), datetime(9998, 1, 1, tzinfo=UTC)),
    ],
)
def test_records_near_the_limits_of_datetime(start: datetime, end: datetime) -> None:
    records = list(synth.generate(200, seed=3, start=start, end=end, flaw_fraction=0.5))
    assert all(ik.loads(ik.dumps(rec)) == rec for rec in records)


def test_all_sections_present(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        open_ = doc["incident"]["status"] != "resolved"
        expected = [s for s in SECTIONS if not (open_ and s == "resolution")]
        assert list(doc) == expected


def test_timestamps_are_utc_seconds(docs: list[dict[str, Any]]) -> None:
    for doc in docs[:1_000]:
        stamps = [doc["incident"]["declared_at"]]
        stamps += [e["timestamp"] for e in doc["events"]]
        stamps += [c["timestamp"] for c in doc["communications"]]
        stamps += [d["deployed_at"] for d in doc["context"]["recent_deployments"]]
        assert all(TIMESTAMP.match(s) for s in stamps)
        assert all(DAY.match(item["deadline"]) for item in doc["action_items"])


def test_ids_are_unique_and_follow_time(
    docs: list[dict[str, Any]], marks: list[dict[str, datetime | None]]
) -> None:
    ids = [doc["incident"]["id"] for doc in docs]
    assert ids == [f"INC-{i:06d}" for i in range(1, N + 1)]
    # Across chunk boundaries too (N spans four chunks).
    starts = [m["started"] for m in marks if m["started"] is not None]
    assert len(starts) == N
    assert starts == sorted(starts)
    assert datetime(2023, 1, 1, tzinfo=UTC) <= starts[0]
    assert starts[-1] < datetime(2025, 1, 1, tzinfo=UTC)


# --- the timeline ---------------------------------------------------------------------


def test_events_follow_the_milestones(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        events = doc["events"]
        types = [e["type"] for e in events]
        times = [ts(e["timestamp"]) for e in events]
        assert 5 <= len(events) <= 40
        assert times == sorted(times)
        assert types[0] == "trigger"
        assert types.count("trigger") == types.count("declaration") == 1
        declaration = types.index("declaration")
        # Detections come before the declaration, the response after it.
        assert "detection" in types[:declaration]
        assert set(types[:declaration]) <= {"trigger", "detection"}
        assert "detection" not in types[declaration:]
        if doc["incident"]["status"] == "resolved":
            assert types[-1] == "resolution"
            assert types.count("resolution") == 1
            assert times[-1] == ts(doc["incident"]["resolved_at"])
        else:
            assert "resolution" not in types
        # The cause is identified before anything is mitigated.
        found = [
            i
            for i, e in enumerate(events)
            if e["metadata"].get("status") == "identified"
        ]
        mitigations = [i for i, t in enumerate(types) if t == "mitigation"]
        if mitigations:
            assert found
            assert found[0] < mitigations[0]
        assert ts(doc["incident"]["declared_at"]) == times[declaration]
        assert (
            events[declaration]["metadata"]["severity"] == doc["incident"]["severity"]
        )


def test_milestones_in_order(
    docs: list[dict[str, Any]], marks: list[dict[str, datetime | None]]
) -> None:
    for doc, m in zip(docs, marks, strict=True):
        present = [t for t in m.values() if t is not None]
        assert all(a < b for a, b in itertools.pairwise(present))
        if doc["incident"]["status"] == "resolved":
            assert None not in m.values()


def test_open_incidents(docs: list[dict[str, Any]]) -> None:
    statuses = Counter(doc["incident"]["status"] for doc in docs)
    assert set(statuses) == {"resolved", "investigating", "identified", "monitoring"}
    # 5 % of 4,000: mean 200, sd sqrt(4000 * 0.05 * 0.95) = 13.8; 4.5 sd = 62.
    n_open = N - statuses["resolved"]
    assert abs(n_open - 200) <= 62
    for doc in docs:
        incident = doc["incident"]
        if incident["status"] == "resolved":
            continue
        assert "resolved_at" not in incident
        m = milestones(doc)
        assert m["resolved"] is None
        assert (m["identified"] is None) == (incident["status"] == "investigating")
        assert (m["mitigated"] is None) == (incident["status"] != "monitoring")


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_open_fraction_at_its_ends(fraction: float) -> None:
    docs = list(synth.generate_dicts(200, seed=1, open_fraction=fraction))
    n_open = sum(doc["incident"]["status"] != "resolved" for doc in docs)
    assert n_open == round(200 * fraction)


# Medians in minutes as the brief sets them, by phase, for SEV3 and SEV4:
# detection about 5, diagnosis 20-40, mitigation and monitoring 30-60, longer
# for milder incidents.
EXPECTED_MEDIANS = {
    3: {
        "detection": 6,
        "declaration": 8,
        "diagnosis": 34,
        "mitigation": 50,
        "monitoring": 50,
    },
    4: {
        "detection": 7,
        "declaration": 12,
        "diagnosis": 40,
        "mitigation": 60,
        "monitoring": 60,
    },
}
PHASES = {
    "detection": ("started", "detected"),
    "declaration": ("detected", "declared"),
    "diagnosis": ("declared", "identified"),
    "mitigation": ("identified", "mitigated"),
    "monitoring": ("mitigated", "resolved"),
}


def phase_logs(
    docs: list[dict[str, Any]],
    marks: list[dict[str, datetime | None]],
    levels: set[int],
    phase: str,
) -> list[float]:
    """Logs of one phase's lengths in seconds over resolved incidents."""
    begin, finish = PHASES[phase]
    logs = []
    for doc, m in zip(docs, marks, strict=True):
        if level(doc) in levels and doc["incident"]["status"] == "resolved":
            span = m[finish] - m[begin]  # type: ignore[operator]
            logs.append(math.log(span.total_seconds()))
    return logs


@pytest.mark.parametrize("sev", [3, 4])
@pytest.mark.parametrize("phase", list(PHASES))
def test_phases_are_log_normal(
    docs: list[dict[str, Any]],
    marks: list[dict[str, datetime | None]],
    sev: int,
    phase: str,
) -> None:
    logs = phase_logs(docs, marks, {sev}, phase)
    # About 35 % and 45 % of 3,800 resolved incidents: over 1,200 each. The
    # median of n normal values has sd 1.2533 * sigma / sqrt(n) < 0.036 for
    # sigma 1, so 0.15 is over 4 sd; the sample sd has sd sigma / sqrt(2n)
    # < 0.02, so 0.1 is 5 sd.
    assert len(logs) > 1_200
    expected = math.log(EXPECTED_MEDIANS[sev][phase] * 60)
    assert abs(statistics.median(logs) - expected) < 0.15
    assert abs(statistics.stdev(logs) - 1.0) < 0.1


def test_severe_incidents_are_diagnosed_faster(
    docs: list[dict[str, Any]], marks: list[dict[str, datetime | None]]
) -> None:
    severe = phase_logs(docs, marks, {0, 1}, "diagnosis")
    minor = phase_logs(docs, marks, {4}, "diagnosis")
    # About 230 SEV0-1 incidents with a median of 20-22 minutes against
    # about 1,700 SEV4 ones with 40: log medians about 0.6 apart. The
    # threshold, log(0.8) = -0.22, leaves a margin of 0.38, over four sd of
    # the difference of the two sample medians (1.25 / sqrt(230) = 0.082
    # and 1.25 / sqrt(1700) = 0.030).
    assert len(severe) > 150
    assert statistics.median(severe) - statistics.median(minor) < math.log(0.8)


# --- the mix --------------------------------------------------------------------------


def test_severity_mix(docs: list[dict[str, Any]]) -> None:
    counts = Counter(doc["incident"]["severity"] for doc in docs)
    assert set(counts) == {"SEV0", "SEV1", "SEV2", "SEV3", "SEV4"}
    for label, p in zip(
        ["SEV0", "SEV1", "SEV2", "SEV3", "SEV4"],
        [0.01, 0.05, 0.14, 0.35, 0.45],
        strict=True,
    ):
        # Binomial counts: within 4.5 sd of N * p.
        assert abs(counts[label] - N * p) <= 4.5 * math.sqrt(N * p * (1 - p)), label


def test_services_have_zipf_popularity(docs: list[dict[str, Any]]) -> None:
    counts = Counter(doc["incident"]["service"] for doc in docs)
    assert len(synth.SERVICES) >= 50
    # All 50 appear: the rarest has p = 1 / (50 * H_50) = 0.0044, so about
    # 18 expected in 4,000 and P(none) ~ 1e-8.
    assert set(counts) == {s.name for s in synth.SERVICES}
    # The most popular has p = 1 / H_50 = 0.222; sd sqrt(p(1-p)/N) = 0.0066.
    harmonic = sum(1 / k for k in range(1, 51))
    assert abs(counts["payment-gateway"] / N - 1 / harmonic) < 0.03
    assert counts.most_common(1)[0][0] == "payment-gateway"


def test_arrivals_favour_weekday_working_hours(
    marks: list[dict[str, datetime | None]],
) -> None:
    starts = [m["started"] for m in marks]
    busy = sum(
        1 for t in starts if t is not None and t.weekday() < 5 and 8 <= t.hour < 20
    )
    # Those hours are 60 of 168 in a week with rate 1.6 against 0.8 for the
    # other 60 weekday hours and 0.55 for the 48 weekend hours: a share of
    # 96 / (96 + 48 + 26.4) = 0.563 against 0.357 if flat.
    assert abs(busy / N - 0.563) < 0.04


# --- consistency of the sections ------------------------------------------------------


def test_sections_agree_with_each_other(clean: list[dict[str, Any]]) -> None:
    for doc in clean:
        incident = doc["incident"]
        roles = {p["name"]: p["role"] for p in doc["participants"]}
        assert roles[incident["commander"]] == "Incident Commander"
        assert set(doc["signals"]["dependent_services"]) <= set(
            incident["affected_services"]
        )
        assert incident["service"] not in incident["affected_services"]
        impact = doc["impact"]
        resolution = doc.get("resolution")
        if resolution is not None:
            assert 2 <= len(resolution["contributing_factors"]) <= 4
            lost = resolution["customer_impact"]["data_loss"]
            assert not lost or impact["data_integrity_risk"]
            steps = [
                e["description"] for e in doc["events"] if e["type"] == "mitigation"
            ]
            assert resolution["mitigation_steps"] == steps
        if not impact["customer_facing"]:
            assert impact["affected_users_percentage"] == 0
            assert all(c["audience"] == "internal" for c in doc["communications"])


def test_impact_matches_severity(clean: list[dict[str, Any]]) -> None:
    for doc in clean:
        impact = doc["impact"]
        sev = level(doc)
        if sev <= 1:
            assert impact["customer_facing"]
            assert impact["affected_users_percentage"] >= 20
            assert impact["revenue_impact"] in ("high", "critical")
        if sev >= 3:
            assert impact["affected_users_percentage"] <= 5
            assert not impact["security_breach"]
            assert not impact["data_integrity_risk"]
        # What the default severity policy needs to agree: SEV3 affects
        # revenue; SEV4 has no revenue impact, under 1 % of users and, when
        # customers see it, a workaround.
        if sev == 3:
            assert impact["revenue_impact"] == "low"
        if sev == 4:
            assert impact["revenue_impact"] == "none"
            assert impact["affected_users_percentage"] < 1
            assert impact["workaround_available"] or not impact["customer_facing"]
    sev4 = [doc for doc in clean if level(doc) == 4]
    facing = sum(doc["impact"]["customer_facing"] for doc in sev4)
    assert facing < 0.2 * len(sev4)  # 10 % expected


PROMISE = re.compile(r"(?:within|in) (\d+) (minutes|hours?)\.")


def test_status_page_promises_are_kept(clean: list[dict[str, Any]]) -> None:
    promises = 0
    for doc in clean:
        external = [c for c in doc["communications"] if c["audience"] == "external"]
        for message, following in itertools.pairwise(external):
            match = PROMISE.search(message["message"])
            if match is None:
                continue
            amount = int(match[1]) * (60 if match[2] == "minutes" else 3600)
            promises += 1
            due = ts(message["timestamp"]) + timedelta(seconds=amount)
            assert ts(following["timestamp"]) <= due
    assert promises > 1_000


def test_status_page_follows_the_incident(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        updates = [
            e for e in doc["events"] if e["metadata"].get("channel") == "status_page"
        ]
        statuses = [e["metadata"]["status"] for e in updates]
        order = ["investigating", "identified", "monitoring", "resolved"]
        assert statuses == sorted(statuses, key=order.index)
        assert len(set(statuses)) == len(statuses)
        if doc["impact"]["customer_facing"]:
            assert statuses, "a customer-facing incident has status-page updates"
        if doc["impact"]["customer_facing"] and doc["incident"]["status"] == "resolved":
            assert statuses[-1] == "resolved"
            final = [
                c for c in doc["communications"] if c["message"].startswith("Resolved")
            ]
            assert [c["timestamp"] for c in final] == [doc["incident"]["resolved_at"]]


def test_action_items_in_a_clean_record(clean: list[dict[str, Any]]) -> None:
    limits = {"P1": 15, "P2": 30, "P3": 60}
    canonical = {"detect": "detection", "prevent": "prevention"}
    seen_types: Counter[str] = Counter()
    seen_statuses: Counter[str] = Counter()
    for doc in clean:
        if doc["incident"]["status"] != "resolved":
            continue
        items = doc["action_items"]
        assert len(items) >= len(doc["resolution"]["contributing_factors"])
        types = set()
        for item in items:
            assert item["owner"].endswith("@company.com")
            days = (date.fromisoformat(item["deadline"]) - resolved_day(doc)).days
            assert 0 < days <= limits[item["priority"]]
            seen_types[item["type"]] += 1
            seen_statuses[item["status"]] += 1
            types.add(canonical.get(item["type"], item["type"]))
        required = {0: {"detection", "prevention"}, 3: {"prevention"}, 4: set()}
        assert required.get(level(doc), {"detection", "prevention"}) <= types
    assert set(seen_statuses) == {"open", "in_progress", "done"}
    # The library reads every spelling back as a canonical type.
    assert {ik.canonical_action_type(kind) for kind in seen_types} == set(
        ik.CANONICAL_ACTION_TYPES
    )
    assert {
        "detection",
        "prevention",
        "mitigation",
        "repair",
        "process",
        "investigation",
        "detect",
        "prevent",
    } <= set(seen_types)


def test_flaws_appear_only_when_asked(clean: list[dict[str, Any]]) -> None:
    flawed = list(synth.generate_dicts(400, seed=99, flaw_fraction=1.0))
    limits = {"P1": 15, "P2": 30, "P3": 60}

    def kinds(doc: dict[str, Any]) -> set[str]:
        found = set()
        items = doc["action_items"]
        if any("owner" not in item for item in items):
            found.add("missing_owner")
        if doc["incident"]["status"] == "resolved" and any(
            (date.fromisoformat(i["deadline"]) - resolved_day(doc)).days
            > limits[i["priority"]]
            for i in items
        ):
            found.add("late_deadline")
        # Users affected above the range of the declared severity.
        ceiling = {1: 70, 2: 25, 3: 5, 4: 1}
        if (
            level(doc) > 0
            and doc["impact"]["affected_users_percentage"] > ceiling[level(doc)]
        ):
            found.add("underdeclared")
        return found

    counts = Counter(kind for doc in flawed for kind in kinds(doc))
    # Each record gets one of four kinds; an under-declared impact shows as
    # out of range most of the time, so every kind appears dozens of times.
    assert (
        min(counts[k] for k in ("missing_owner", "late_deadline", "underdeclared")) > 30
    )
    assert all(len(kinds(doc)) <= 1 for doc in flawed)
    assert not any(kinds(doc) for doc in clean)


def test_clean_records_draw_no_finding_from_the_default_checks(
    clean: list[dict[str, Any]],
) -> None:
    # Deadlines, update cadence, required action types, severity against
    # impact, postmortems: the records keep to the library's default policies.
    for doc in clean:
        assert ik.check(ik.from_dict(doc)) == [], doc["incident"]["id"]


def test_imperfections_are_what_the_default_checks_report() -> None:
    flawed = synth.generate(400, seed=99, flaw_fraction=1.0)
    codes = Counter(finding.code for rec in flawed for finding in ik.check(rec))
    # severity-below-impact, broken-promise, action-item-without-owner and
    # deadline-beyond-policy, each dozens of times in 400.
    assert set(codes) == {"IK101", "IK404", "IK501", "IK503"}
    assert min(codes.values()) > 30


# --- arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"n": -1}, "n: must be a non-negative integer (got -1)"),
        ({"n": 2.5}, "n: must be a non-negative integer (got 2.5)"),
        ({"n": True}, "n: must be a non-negative integer (got True)"),
        ({"seed": -3}, "seed: must be None or a non-negative integer (got -3)"),
        ({"seed": "7"}, "seed: must be None or a non-negative integer (got '7')"),
        (
            {"open_fraction": 1.5},
            "open_fraction: must be a number from 0 to 1 (got 1.5)",
        ),
        (
            {"open_fraction": math.nan},
            "open_fraction: must be a number from 0 to 1 (got nan)",
        ),
        (
            {"flaw_fraction": -0.1},
            "flaw_fraction: must be a number from 0 to 1 (got -0.1)",
        ),
        (
            {"start": datetime(2024, 1, 1)},
            "start: must be timezone-aware; naive datetimes are ambiguous "
            "(got '2024-01-01T00:00:00')",
        ),
        (
            {"end": date(2024, 1, 1)},
            "end: must be a datetime (got datetime.date(2024, 1, 1))",
        ),
        (
            {
                "start": datetime(2024, 1, 1, tzinfo=UTC),
                "end": datetime(2024, 1, 1, tzinfo=UTC),
            },
            "end: must be at least one second after start (got start "
            "'2024-01-01T00:00:00+00:00', end '2024-01-01T00:00:00+00:00')",
        ),
        (
            {"end": datetime(9999, 1, 1, tzinfo=UTC)},
            "end: must be on or before 9998-01-01T00:00:00+00:00",
        ),
        (
            {"start": datetime(1, 1, 1, tzinfo=UTC)},
            "start: must be on or after 0001-01-08T00:00:00+00:00",
        ),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], expected: str) -> None:
    arguments: dict[str, Any] = {"n": 3, "seed": 1, **kwargs}
    n = arguments.pop("n")
    for function in (synth.generate_dicts, synth.generate):
        # Raised when called, not when the first record is asked for.
        with pytest.raises(ik.ValidationError) as caught:
            function(n, **arguments)
        assert isinstance(caught.value, ValueError)
        assert caught.value.errors[0].startswith(expected)


def test_every_bad_argument_is_named() -> None:
    with pytest.raises(ik.ValidationError) as caught:
        synth.generate_dicts(-1, seed=-1, open_fraction=2, flaw_fraction=-1)
    assert [e.split(":")[0] for e in caught.value.errors] == [
        "n",
        "seed",
        "open_fraction",
        "flaw_fraction",
    ]


def test_write_jsonl_refuses_bad_arguments_before_touching_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out.jsonl"
    with pytest.raises(ik.ValidationError):
        synth.write_jsonl(path, -5, seed=1)
    assert not path.exists()


# --- writing --------------------------------------------------------------------------


@pytest.mark.parametrize("orjson", [True, False])
def test_write_jsonl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, orjson: bool
) -> None:
    if not orjson:
        monkeypatch.setitem(sys.modules, "orjson", None)  # import fails
    # Lines are written a chunk at a time: two full chunks and a part. The
    # chunk size is read where the generator is defined.
    monkeypatch.setattr(_generator, "CHUNK", 8)
    path = tmp_path / "incidents.jsonl"
    n = 19
    synth.write_jsonl(path, n, seed=12)
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert [json.loads(line) for line in lines[:-1]] == list(
        synth.generate_dicts(n, seed=12)
    )
    assert len(ik.load_many(path).records) == n


# --- the scenario text ----------------------------------------------------------------


def scenario_data() -> dict[str, Any]:
    resource = resources.files("incidentkit.synth").joinpath("scenarios.json")
    data: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return data


def test_scenario_text_is_package_data_read_once() -> None:
    text = _scenarios.scenario_text()
    assert _scenarios.scenario_text() is text
    data = scenario_data()
    assert list(text.scenarios) == list(data["scenarios"])
    assert len(text.scenarios) == 15
    db_pool = text.scenarios["db_pool"]
    assert db_pool.threshold == 90.0
    assert db_pool.culprit == "other"
    assert db_pool.factors[1].type == "detection"
    assert text.general[0] == "bad_deploy"
    assert text.general_cum[-1] == pytest.approx(1.0)


def test_every_scenario_is_drawn(docs: list[dict[str, Any]]) -> None:
    # A scenario is known by its trigger text, its template with anything
    # for the placeholders. The rarest, a leaked credential (a security
    # breach), comes about 9 times in 4,000 incidents; the seed is fixed.
    patterns = {
        key: re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(scenario["trigger"])))
        for key, scenario in scenario_data()["scenarios"].items()
    }
    seen: Counter[str] = Counter()
    for doc in docs:
        trigger = doc["events"][0]["description"]
        seen.update(key for key, p in patterns.items() if p.fullmatch(trigger))
    assert set(seen) == set(patterns)
    assert sum(seen.values()) == N  # each trigger matches one scenario


def test_templates_may_use_exactly_the_fields_of_an_incident(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The check of the file and the generator agree on the placeholders.
    seen: set[frozenset[str]] = set()
    fill = _draft.Draft.fill

    def spy(self: _draft.Draft, template: str) -> str:
        seen.add(frozenset(self.fields))
        return fill(self, template)

    monkeypatch.setattr(_draft.Draft, "fill", spy)
    list(synth.generate_dicts(3, seed=1))
    assert seen == {_scenarios.FIELDS}


def broken(change: Any) -> str:
    data = scenario_data()
    change(data)
    return json.dumps(data)


def set_in(path: list[Any], value: Any) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


def delete(path: list[Any]) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            set_in(["scenarios", "db_pool", "factors", 1, "type"], "prevent"),
            "bad.json: scenarios.db_pool.factors[1].type: must be one of "
            "detection, prevention, mitigation, repair, investigation, process "
            "('prevent')",
        ),
        (
            set_in(["scenarios", "dns", "trigger"], "DNS record for {svcc} updated"),
            "bad.json: scenarios.dns.trigger: unknown placeholder {svcc}; "
            "templates may use {Provider}, {Svc}, {endpoint}",
        ),
        (
            set_in(["scenarios", "dns", "symptom"], "{svc} errors"),
            "bad.json: scenarios.dns.symptom: is written as is, so it cannot use "
            "{svc} ('{svc} errors')",
        ),
        (
            set_in(["version_changes", 2], "Upgrade {svc}"),
            "bad.json: version_changes[2]: unknown placeholder {svc}; templates "
            "may use {resource} ('Upgrade {svc}')",
        ),
        (
            set_in(["monitoring", 0], "Stable for {minutes minutes."),
            "bad.json: monitoring[0]: not a valid template: ",
        ),
        (
            set_in(["scenarios", "cache", "threshold"], "20"),
            "bad.json: scenarios.cache.threshold: must be a number above 0 ('20')",
        ),
        (
            delete(["scenarios", "queue", "root_cause"]),
            "bad.json: scenarios.queue.root_cause: required key is missing",
        ),
        (
            set_in(["scenarios", "queue", "root_casue"], "A typo"),
            "bad.json: scenarios.queue.root_casue: unknown key; the keys are titles",
        ),
        (
            delete(["scenarios", "queue", "factors", 3]),
            "bad.json: scenarios.queue.factors: must be a list of exactly 4 factors "
            "(a list)",
        ),
        (
            delete(["scenarios", "credential_leak"]),
            "bad.json: scenarios.credential_leak: required key is missing",
        ),
        (
            set_in(["general_mix", "dsn"], 0.03),
            "bad.json: general_mix.dsn: not a scenario key ('dsn')",
        ),
        (
            set_in(["general_mix", "dns"], 0),
            "bad.json: general_mix.dns: must be a number above 0 (0)",
        ),
        (
            set_in(["scenarios", "bad_deploy", "culprit"], "them"),
            "bad.json: scenarios.bad_deploy.culprit: must be one of svc, other "
            "('them')",
        ),
        (
            delete(["scenarios", "bad_deploy", "change"]),
            "bad.json: scenarios.bad_deploy.change: required with culprit",
        ),
        (
            delete(["generic_actions", "repair"]),
            "bad.json: generic_actions.repair: required key is missing",
        ),
        (
            set_in(["escalation_reasons", "boredom"], "Nothing to do."),
            "bad.json: escalation_reasons.boredom: unknown key; the keys are "
            "customer_impact, revenue_impact, needs_expertise, duration ('boredom')",
        ),
        (
            lambda data: data["detections"].reverse(),
            "bad.json: detections: the last detection, and only the last, must "
            "have source 'customer_report' (a list)",
        ),
        (
            set_in(["investigations"], []),
            "bad.json: investigations: must be a non-empty list of strings (a list)",
        ),
        (
            set_in(["titles"], ["A title"]),
            "bad.json: titles: unknown key; the keys are scenarios",
        ),
    ],
)
def test_a_broken_scenario_file_names_the_file_key_and_value(
    change: Any, expected: str
) -> None:
    with pytest.raises(ik.ValidationError) as caught:
        _scenarios.parse_scenarios(broken(change), "bad.json")
    assert isinstance(caught.value, ValueError)
    assert any(error.startswith(expected) for error in caught.value.errors), (
        caught.value.errors
    )


def test_every_problem_of_a_scenario_file_is_listed() -> None:
    def change(data: dict[str, Any]) -> None:
        data["scenarios"]["dns"]["threshold"] = -1
        data["scenarios"]["cache"]["factors"][0]["type"] = "fix"

    with pytest.raises(ik.ValidationError) as caught:
        _scenarios.parse_scenarios(broken(change), "bad.json")
    # In the order of the file: the cache scenario comes before dns.
    assert [e.split(":")[1].strip() for e in caught.value.errors] == [
        "scenarios.cache.factors[0].type",
        "scenarios.dns.threshold",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"scenarios": {}', "bad.json: line 1 column 17: not valid JSON: "),
        (
            '{"scenarios": {"dns": {}, "dns": {}}}',
            "bad.json: dns: duplicate key, one would hide the other",
        ),
        ("[]", "bad.json: (top level): must be an object (a list)"),
    ],
)
def test_a_scenario_file_that_is_not_an_object_of_unique_keys(
    text: str, expected: str
) -> None:
    with pytest.raises(ik.ValidationError) as caught:
        _scenarios.parse_scenarios(text, "bad.json")
    assert caught.value.errors[0].startswith(expected)


def test_the_shipped_scenario_file_reads_unchanged() -> None:
    data = scenario_data()
    text = _scenarios.parse_scenarios(json.dumps(copy.deepcopy(data)), "copy.json")
    assert text == _scenarios.scenario_text()
