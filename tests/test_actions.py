from __future__ import annotations

import copy
import pickle
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit.figures.actions import (
    CANONICAL_ACTION_TYPES,
    ActionItemPolicy,
    canonical_action_type,
    meaningful_words,
)
from incidentkit.figures.incident import action_item_coverage
from incidentkit.records.schema import ActionItem, Incident, IncidentRecord, Resolution
from strategies import records

UTC = timezone.utc


def bare(
    *items: ActionItem, severity: str = "SEV2", factors: tuple[str, ...] | None = None
) -> IncidentRecord:
    incident = Incident(
        id="INC-1",
        title="t",
        severity=severity,
        status="resolved",
        declared_at=datetime(2024, 1, 15, tzinfo=UTC),
    )
    resolution = None if factors is None else Resolution(contributing_factors=factors)
    return IncidentRecord(incident=incident, action_items=items, resolution=resolution)


# --- the example --------------------------------------------------------------------


def test_example_coverage():
    cov = action_item_coverage(ik.example(), as_of=date(2024, 1, 30))
    # Types: detection, prevention, prevention, process, prevention.
    assert dict(cov.by_type) == {
        "detection": 1,
        "prevention": 3,
        "mitigation": 0,
        "repair": 0,
        "investigation": 0,
        "process": 1,
    }
    assert cov.required_types == {"detection", "prevention"}  # SEV1
    assert cov.missing_types == frozenset()
    # Deadlines 01-22, 02-01, 01-29, 02-05, 02-15, all open: two before 01-30.
    assert cov.overdue == (0, 2)
    assert cov.without_owner == cov.without_deadline == cov.without_type == ()
    assert cov.unaddressed_factors == cov.unaddressed_factor_indices == ()
    assert cov.as_of == date(2024, 1, 30)


def test_example_factors_each_have_their_item():
    cov = action_item_coverage(ik.example(), as_of=date(2024, 1, 30))
    # Shared stems, worked out by hand:
    # 0 load testing of ORM...  ↔ 2 "Load test ORM...": load, test, orm,
    #   production, scal, connection, pattern; ↔ 4 "ORM connection ...
    #   integration test suite": orm, connection, test.
    # 1 pool alert threshold ↔ 0 "pool ... alerting ... thresholds": connection,
    #   pool, alert, threshold, warn; ↔ 3 "connection pool sizing": connection, pool.
    # 2 canary deployment ↔ 1 "canary deployment pipeline ...": canary, deploy,
    #   databas, configur, orm, chang; ↔ 2 "ORM ... re-deployment": orm, deploy.
    # 3 pool sizing documentation ↔ 3 "Document ... pool sizing ... services":
    #   document, connection, pool, siz, servic; ↔ 0: connection, pool.
    assert cov.factor_items == ((2, 4), (0, 3), (1, 2), (0, 3))


def test_deadline_day_itself_is_not_overdue():
    rec = ik.example()
    assert action_item_coverage(rec, as_of=date(2024, 1, 22)).overdue == ()
    assert action_item_coverage(rec, as_of=date(2024, 1, 23)).overdue == (0,)


def test_aware_datetimes_use_their_utc_day():
    rec = ik.example()
    # 2024-01-23 01:00 at +05:00 is 2024-01-22 20:00 UTC: item 0 is due that day.
    east = datetime(2024, 1, 23, 1, 0, tzinfo=timezone(timedelta(hours=5)))
    cov = action_item_coverage(rec, as_of=east)
    assert cov.as_of == date(2024, 1, 22)
    assert cov.overdue == ()
    # 2024-01-22 20:00 at -05:00 is 2024-01-23 01:00 UTC.
    west = datetime(2024, 1, 22, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert action_item_coverage(rec, as_of=west).overdue == (0,)


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        (datetime(2024, 1, 30), r"as_of: a datetime needs a UTC offset"),
        ("2024-01-30", r"as_of: must be a date or an aware datetime \('2024-01-30'\)"),
        (None, r"as_of: must be a date"),
    ],
)
def test_bad_as_of_is_rejected(as_of, message):
    with pytest.raises(ik.ValidationError, match=message) as caught:
        action_item_coverage(ik.example(), as_of=as_of)
    assert caught.value.errors[0].startswith("as_of: ")
    assert repr(as_of) in caught.value.errors[0]


def test_as_of_beyond_the_calendar():
    items = (
        ActionItem(title="a", deadline=date(1, 1, 1)),
        ActionItem(title="b", deadline=date(9999, 12, 31)),
        ActionItem(title="c", deadline=date(9999, 12, 31), status="done"),
        ActionItem(title="d"),
    )
    rec = bare(*items)
    # 0001-01-01 00:00 at +05:00 is still the year 0 in UTC: nothing is late.
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    cov = action_item_coverage(rec, as_of=early)
    assert (cov.overdue, cov.as_of) == ((), date.min)
    # 9999-12-31 23:00 at -05:00 is already the year 10 000 in UTC.
    late = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    cov = action_item_coverage(rec, as_of=late)
    assert (cov.overdue, cov.as_of) == ((0, 1), date.max)
    assert action_item_coverage(rec, as_of=date.max).overdue == (0,)


# --- types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("detect", "detection"),
        ("Detection", "detection"),
        ("PREVENT", "prevention"),
        ("prevention", "prevention"),
        ("mitigate", "mitigation"),
        (" Mitigation ", "mitigation"),
        ("repair", "repair"),
        ("investigate", "investigation"),
        ("Investigation", "investigation"),
        ("process", "process"),
        ("Docs", "docs"),
        ("Follow  Up", "follow up"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_canonical_action_type(label, expected):
    assert canonical_action_type(label) == expected


def test_types_merge_and_others_are_kept():
    labels = ["Detect", "detection", "PREVENT", "docs", None, "Docs", "  ", "zzz"]
    rec = bare(
        *(ActionItem(title=str(i), type=label) for i, label in enumerate(labels))
    )
    cov = action_item_coverage(rec, as_of=date(2024, 1, 1))
    assert dict(cov.by_type) == {
        "detection": 2,
        "prevention": 1,
        "mitigation": 0,
        "repair": 0,
        "investigation": 0,
        "process": 0,
        "docs": 2,
        "zzz": 1,
    }
    assert list(cov.by_type)[: len(CANONICAL_ACTION_TYPES)] == list(
        CANONICAL_ACTION_TYPES
    )
    assert cov.without_type == (4, 6)


@pytest.mark.parametrize(
    ("severity", "required"),
    [
        ("SEV0", {"detection", "prevention"}),
        ("SEV1", {"detection", "prevention"}),
        ("P2", {"detection", "prevention"}),
        ("sev 3", {"prevention"}),
        ("SEV4", set()),
        ("whatever", set()),
    ],
)
def test_required_types_by_severity(severity, required):
    rec = bare(ActionItem(title="x", type="detect"), severity=severity)
    cov = action_item_coverage(rec, as_of=date(2024, 1, 1))
    assert cov.required_types == required
    assert cov.missing_types == required - {"detection"}


def test_custom_required_types_merge_aliases():
    policy = ActionItemPolicy(required_types_by_level={2: ["Mitigate", "repair"]})
    rec = bare(ActionItem(title="x", type="mitigation"))
    cov = action_item_coverage(
        rec, as_of=date(2024, 1, 1), policy=ik.Policy(actions=policy)
    )
    assert cov.required_types == {"mitigation", "repair"}
    assert cov.missing_types == {"repair"}


# --- items -------------------------------------------------------------------------


def test_owner_deadline_and_done_statuses():
    due = date(2024, 1, 10)
    items = (
        ActionItem(title="a", owner="ann", deadline=due, status="open"),
        ActionItem(title="b", owner="", deadline=due, status="Done"),
        ActionItem(title="c", owner="  ", deadline=due, status="in_progress"),
        ActionItem(title="d", deadline=due, status="Won't Fix"),
        ActionItem(title="e", owner="eve", status="open"),
        ActionItem(title="f", owner="fay", deadline=due, status="wont_fix"),
        ActionItem(title="g", owner="gus", deadline=due, status="COMPLETED"),
        ActionItem(title="h", owner="hal", deadline=due),
        ActionItem(title="i", owner="ivy", deadline=due, status="Won’t-Fix"),
    )
    cov = action_item_coverage(bare(*items), as_of=date(2024, 2, 1))
    assert cov.overdue == (0, 2, 7)  # open, in progress, no status
    assert cov.without_owner == (1, 2, 3)
    assert cov.without_deadline == (4,)


def test_record_without_items_or_resolution():
    cov = action_item_coverage(bare(severity="SEV1"), as_of=date(2024, 1, 1))
    assert set(cov.by_type.values()) == {0}
    assert cov.missing_types == {"detection", "prevention"}
    assert cov.overdue == cov.without_owner == cov.without_deadline == ()
    assert cov.unaddressed_factors == ()
    assert cov.factor_items == ()


# --- factors -------------------------------------------------------------------------


def test_unaddressed_factors_are_listed_with_their_index():
    rec = bare(
        ActionItem(title="Add alerting on DNS resolver latency"),
        ActionItem(title="Write a runbook for failover"),
        factors=(
            "Flaky DNS resolver in eu-west",  # dns, resolver: item 0
            "Disk filled up on the primary",  # nothing shared
            "Runbooks",  # one word, stem "runbook": item 1
            "None",  # a stop word only: never addressed
        ),
    )
    cov = action_item_coverage(rec, as_of=date(2024, 1, 1))
    assert cov.factor_items == ((0,), (), (1,), ())
    assert cov.unaddressed_factors == ("Disk filled up on the primary", "None")
    assert cov.unaddressed_factor_indices == (1, 3)


def test_one_shared_word_is_not_enough_by_default():
    rec = bare(
        ActionItem(title="Tune database connection limits"),
        factors=("Database failover was slow",),
    )
    assert action_item_coverage(rec, as_of=date(2024, 1, 1)).unaddressed_factors == (
        "Database failover was slow",
    )
    lenient = ActionItemPolicy(min_shared_words=1)
    cov = action_item_coverage(
        rec, as_of=date(2024, 1, 1), policy=ik.Policy(actions=lenient)
    )
    assert cov.unaddressed_factors == ()


def test_custom_stop_words():
    rec = bare(
        ActionItem(title="Missing alerts"),
        factors=("Missing alerts",),
    )
    # "missing" is a stop word by default: "alert" alone, shared.
    assert action_item_coverage(rec, as_of=date(2024, 1, 1)).factor_items == ((0,),)
    policy = ik.Policy(actions=ActionItemPolicy(stop_words={"ALERTS", "missing"}))
    cov = action_item_coverage(rec, as_of=date(2024, 1, 1), policy=policy)
    assert cov.factor_items == ((),)


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (["test", "tests", "testing", "tested"], True),
        (["alert", "alerts", "alerting"], True),
        (["document", "documentation", "documented", "documents"], True),
        (["deploy", "deployment", "deployments", "deployed"], True),
        (["integrate", "integration", "integrated"], True),
        (["configure", "configuration", "configured"], True),
        (["size", "sizing", "sized"], True),
        (["dependency", "dependencies"], True),
        (["process", "processes"], True),
        (["status", "state"], False),
    ],
)
def test_stems(words, same):
    stems = {frozenset(meaningful_words(word, ())) for word in words}
    assert (len(stems) == 1) is same


def test_meaningful_words_drop_digits_and_stop_words():
    assert meaningful_words("Raise the pool to 50 (from 20) in v2.4.1") == {
        "rais",
        "pool",
        "v2",
    }
    assert meaningful_words(None) == frozenset()


def test_bad_policy_is_rejected():
    with pytest.raises(ik.ValidationError, match="min_shared_words"):
        ActionItemPolicy(min_shared_words=0)


# --- properties ----------------------------------------------------------------------

as_of_values = st.dates() | st.datetimes(
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
    )
)


@given(records(), as_of_values)
def test_any_record_any_year(rec, as_of):
    before = copy.deepcopy(rec)
    cov = action_item_coverage(rec, as_of=as_of)
    items = rec.action_items
    assert sum(cov.by_type.values()) + len(cov.without_type) == len(items)
    # Independently: the spec's default required types by level, and the
    # strategy's aliases (tests/strategies.py) merged by hand.
    level = ik.severity_level(rec.incident.severity)
    required = {0: {"detection", "prevention"}, 1: {"detection", "prevention"}}
    required[2] = required[1]
    required[3] = {"prevention"}
    aliases = {"detect": "detection", "detection": "detection"}
    aliases |= {"prevention": "prevention", "repair": "repair", "process": "process"}
    present = {aliases.get((item.type or "").casefold()) for item in items}
    assert cov.required_types == frozenset(required.get(level, set()))
    assert cov.missing_types == cov.required_types - present
    # Overdue: not done ("done" and "completed" are the strategy's finished
    # statuses) and due before the UTC day of as_of, by a plain loop.
    past_the_end = False
    day: date | None = as_of
    if isinstance(as_of, datetime):
        try:
            day = as_of.astimezone(UTC).date()
        except OverflowError:  # the UTC day lies beyond year 1 or year 9999
            day, past_the_end = None, as_of.utcoffset() < timedelta(0)
    expected_overdue = tuple(
        index
        for index, item in enumerate(items)
        if item.deadline is not None
        and item.status not in ("done", "completed")
        and (item.deadline < day if day is not None else past_the_end)
    )
    assert cov.overdue == expected_overdue
    for index in cov.without_deadline:
        assert items[index].deadline is None
    factors = rec.resolution.contributing_factors if rec.resolution else ()
    assert len(cov.factor_items) == len(factors)
    assert cov.unaddressed_factors == tuple(
        factors[i] for i in cov.unaddressed_factor_indices
    )
    assert rec == before


@given(st.lists(st.sampled_from(["detect", "Detection", "prevent", "x", None])))
def test_counts_match_a_plain_count(labels):
    rec = bare(*(ActionItem(title="t", type=label) for label in labels))
    cov = action_item_coverage(rec, as_of=date(2024, 1, 1))
    assert cov.by_type["detection"] == labels.count("detect") + labels.count(
        "Detection"
    )
    assert cov.by_type["prevention"] == labels.count("prevent")
    assert cov.by_type.get("x", 0) == labels.count("x")
    assert len(cov.without_type) == labels.count(None)


def test_results_and_policies_pickle_and_copy():
    cov = action_item_coverage(ik.example(), as_of=date(2024, 1, 30))
    assert pickle.loads(pickle.dumps(cov)) == cov
    assert copy.deepcopy(cov) == cov
    policy = ActionItemPolicy(required_types_by_level={1: ["detect"]})
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert hash(policy) == hash(copy.deepcopy(policy))


def test_custom_severity_labels():
    from incidentkit.records.labels import SeverityLabels

    rec = bare(severity="Catastrophe")
    assert action_item_coverage(rec, as_of=date(2024, 1, 1)).required_types == set()
    policy = ik.Policy(severity_labels=SeverityLabels(names={"catastrophe": 0}))
    cov = action_item_coverage(rec, as_of=date(2024, 1, 1), policy=policy)
    assert cov.required_types == {"detection", "prevention"}
    # The labels live in the Policy only, read by every rule alike.
    assert not hasattr(ActionItemPolicy(), "severity_labels")


def test_the_default_policy_cannot_change():
    with pytest.raises(TypeError):
        ActionItemPolicy().required_types_by_level[5] = frozenset()


# --- bad arguments --------------------------------------------------------------------


def test_a_lone_string_is_one_value_not_its_letters() -> None:
    policy = ActionItemPolicy(
        required_types_by_level={1: "detection"}, done_statuses="open"
    )
    assert policy.required_types(1) == frozenset({"detection"})
    assert policy.done_statuses == frozenset({"open"})
    assert ActionItemPolicy(stop_words="the").stop_words == frozenset({"the"})
    # The example is SEV1 and has a detection item: nothing is missing.
    coverage = action_item_coverage(
        ik.example(), as_of=date(2024, 1, 30), policy=ik.Policy(actions=policy)
    )
    assert coverage.missing_types == frozenset()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"required_types_by_level": 5},
            "required_types_by_level: expected a mapping of severity level to "
            "action-item types (5)",
        ),
        (
            {"required_types_by_level": {1: None}},
            "required_types_by_level[1]: expected a string or a collection of "
            "strings (None)",
        ),
        (
            {"required_types_by_level": {1: [5]}},
            "required_types_by_level[1]: every item must be a string (5)",
        ),
        (
            {"required_types_by_level": {"1": ["detection"]}},
            "required_types_by_level['1']: a severity level must be an int ('1')",
        ),
        ({"done_statuses": [5]}, "done_statuses: every item must be a string (5)"),
        (
            {"done_statuses": 5},
            "done_statuses: expected a string or a collection of strings (5)",
        ),
        ({"stop_words": [None]}, "stop_words: every item must be a string (None)"),
    ],
)
def test_bad_policy_arguments_raise_validation_error(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        ActionItemPolicy(**kwargs)  # type: ignore[arg-type]
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    ("rec", "policy", "message"),
    [
        ({}, ik.DEFAULT_POLICY, "rec: expected an IncidentRecord, got dict"),
        ("example", "x", "policy: expected a Policy, got str"),
        # The action-item rules alone are no longer a policy: they go in one.
        (
            "example",
            ActionItemPolicy(),
            "policy: expected a Policy, got ActionItemPolicy",
        ),
    ],
)
def test_action_item_coverage_checks_its_arguments(
    rec: object, policy: object, message: str
) -> None:
    record = ik.example() if rec == "example" else rec
    with pytest.raises(ik.ValidationError) as info:
        action_item_coverage(record, as_of=date.today(), policy=policy)  # type: ignore[arg-type]
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"severity_labels": {"critical": 1}},
            "severity_labels: expected a SeverityLabels, got dict",
        ),
        ({"actions": "x"}, "actions: expected an ActionItemPolicy, got str"),
    ],
)
def test_the_policy_checks_the_action_item_rules(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        ik.Policy(**kwargs)  # type: ignore[arg-type]
    assert info.value.errors == [message]
