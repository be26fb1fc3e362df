from __future__ import annotations

import copy
import pickle
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

import incidentkit as ik
from incidentkit.figures.incident import milestones, phase_durations
from incidentkit.figures.timeline import (
    DEFAULT_MILESTONE_POLICY,
    FIGURE_NAMES,
    FIGURES,
    MILESTONE_NAMES,
    PHASE_NAMES,
    PHASES,
    EarliestEvent,
    IncidentField,
    LatestEvent,
    MilestonePolicy,
    Milestones,
    SameAs,
)
from incidentkit.records.schema import Event, EventType, Incident, IncidentRecord
from strategies import ordered_milestone_records, records

UTC = timezone.utc


def at(hour: int, minute: int) -> datetime:
    """A moment on the example's day, 2024-01-15, in UTC."""
    return datetime(2024, 1, 15, hour, minute, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def bare(**incident: object) -> IncidentRecord:
    fields: dict[str, object] = {
        "id": "INC-1",
        "title": "t",
        "severity": "SEV2",
        "status": "investigating",
        "declared_at": at(10, 0),
    }
    fields.update(incident)
    return IncidentRecord(incident=Incident(**fields))


# --- the example ---------------------------------------------------------------


def test_example_milestones():
    # started: the trigger at 14:15; detected: the first of the two detections
    # (14:20, not 14:21); declared: incident.declared_at 14:23; identified: the
    # status-page event with metadata.status "identified" at 14:45; mitigated:
    # the last of the mitigations 14:40, 15:00, 15:15, 15:30 before 16:45;
    # resolved: incident.resolved_at 16:45.
    assert milestones(ik.example()) == Milestones(
        started=at(14, 15),
        detected=at(14, 20),
        declared=at(14, 23),
        identified=at(14, 45),
        mitigated=at(15, 30),
        resolved=at(16, 45),
    )


def test_example_figures_and_phases():
    durations = phase_durations(ik.example())
    assert dict(durations.phases) == {
        "detection": minutes(5),  # 14:15 → 14:20
        "declaration": minutes(3),  # 14:20 → 14:23
        "diagnosis": minutes(22),  # 14:23 → 14:45
        "mitigation": minutes(45),  # 14:45 → 15:30
        "monitoring": minutes(75),  # 15:30 → 16:45
    }
    assert list(durations.phases) == list(PHASE_NAMES)
    assert durations.time_to_detect == minutes(5)  # 14:15 → 14:20
    assert durations.time_to_declare == minutes(3)  # 14:20 → 14:23
    assert durations.time_to_identify == minutes(30)  # 14:15 → 14:45
    assert durations.time_to_mitigate == minutes(75)  # 14:15 → 15:30
    assert durations.time_to_resolve == minutes(150)  # 14:15 → 16:45
    assert durations.time_open == minutes(142)  # 14:23 → 16:45
    assert list(durations.figures) == list(FIGURE_NAMES)
    assert durations.milestones == milestones(ik.example())


def test_figure_and_phase_tables_are_those_of_the_spec():
    assert MILESTONE_NAMES == (
        "started",
        "detected",
        "acknowledged",
        "declared",
        "identified",
        "mitigated",
        "resolved",
    )
    assert dict(FIGURES) == {
        "time_to_detect": ("started", "detected"),
        "time_to_acknowledge": ("detected", "acknowledged"),
        "time_to_declare": ("detected", "declared"),
        "time_to_identify": ("started", "identified"),
        "time_to_mitigate": ("started", "mitigated"),
        "time_to_resolve": ("started", "resolved"),
        "time_open": ("declared", "resolved"),
    }
    assert dict(PHASES) == {
        "detection": ("started", "detected"),
        "declaration": ("detected", "declared"),
        "diagnosis": ("declared", "identified"),
        "mitigation": ("identified", "mitigated"),
        "monitoring": ("mitigated", "resolved"),
    }
    assert tuple(FIGURES) == FIGURE_NAMES
    assert tuple(PHASES) == PHASE_NAMES


def test_milestones_iterate_and_convert_in_order():
    found = milestones(ik.example())
    assert list(found) == list(found.as_dict().values())
    assert list(found.as_dict()) == list(MILESTONE_NAMES)
    assert found.span("declared", "started") == minutes(-8)  # 14:23 → 14:15
    with pytest.raises(ik.ValidationError, match="start: not a milestone"):
        found.span("begun", "resolved")


# --- open incidents, missing sections, offsets, order --------------------------


def test_open_incident_has_no_resolution_figures():
    rec = ik.example()
    open_rec = attrs.evolve(
        rec,
        incident=attrs.evolve(rec.incident, resolved_at=None, status="monitoring"),
        events=tuple(e for e in rec.events if e.type is not EventType.RESOLUTION),
        resolution=None,
    )
    durations = phase_durations(open_rec)
    assert durations.milestones.resolved is None
    # With no resolution the last mitigation counts, whatever its time: 15:30.
    assert durations.milestones.mitigated == at(15, 30)
    assert durations.time_to_resolve is None
    assert durations.time_open is None
    assert durations.phases["monitoring"] is None
    assert durations.time_to_mitigate == minutes(75)  # 14:15 → 15:30


def test_resolved_only_by_an_event():
    rec = ik.example()
    no_field = attrs.evolve(rec, incident=attrs.evolve(rec.incident, resolved_at=None))
    # The resolution event is at 16:45 too.
    assert milestones(no_field).resolved == at(16, 45)


def test_record_with_only_the_incident_section():
    rec = bare(declared_at=at(10, 0))
    durations = phase_durations(rec)
    # started falls back to declared_at; nothing else is known.
    assert durations.milestones == Milestones(started=at(10, 0), declared=at(10, 0))
    assert durations.time_to_detect is None
    assert durations.time_to_declare is None
    assert durations.time_to_resolve is None
    assert dict(durations.phases) == dict.fromkeys(PHASE_NAMES)


def test_started_falls_back_to_detection_then_declaration():
    rec = attrs.evolve(
        bare(declared_at=at(10, 0), resolved_at=at(11, 0)),
        events=(Event(timestamp=at(9, 50), type=EventType.DETECTION),),
    )
    durations = phase_durations(rec)
    assert durations.milestones.started == at(9, 50)
    assert durations.time_to_detect == timedelta(0)
    assert durations.time_to_declare == minutes(10)  # 9:50 → 10:00
    assert durations.time_to_resolve == minutes(70)  # 9:50 → 11:00
    assert durations.time_open == minutes(60)  # 10:00 → 11:00


def test_offsets_are_read_as_the_same_instants(example_doc):
    # Rewrite every timestamp of the example at +05:30 (14:15Z = 19:45+05:30).
    def shift(text: str) -> str:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()

    doc = copy.deepcopy(example_doc)
    doc["incident"]["declared_at"] = shift(doc["incident"]["declared_at"])
    doc["incident"]["resolved_at"] = shift(doc["incident"]["resolved_at"])
    for event in doc["events"]:
        event["timestamp"] = shift(event["timestamp"])
    assert doc["events"][0]["timestamp"] == "2024-01-15T19:45:00+05:30"
    shifted = ik.from_dict(doc)
    assert milestones(shifted) == milestones(ik.example())
    assert phase_durations(shifted).time_to_resolve == minutes(150)


def test_unsorted_events_give_the_same_milestones():
    rec = ik.example()
    shuffled = attrs.evolve(rec, events=rec.events[::-1])
    assert milestones(shuffled) == milestones(rec)


def test_mitigations_after_resolution_do_not_count():
    rec = attrs.evolve(
        bare(declared_at=at(10, 0), resolved_at=at(11, 0)),
        events=(
            Event(timestamp=at(11, 30), type=EventType.MITIGATION),
            Event(timestamp=at(10, 40), type=EventType.MITIGATION),
        ),
    )
    assert milestones(rec).mitigated == at(10, 40)
    only_late = attrs.evolve(rec, events=rec.events[:1])
    assert milestones(only_late).mitigated is None
    # At exactly the resolution still counts ("at or before").
    on_time = attrs.evolve(
        rec, events=(Event(timestamp=at(11, 0), type=EventType.MITIGATION),)
    )
    assert milestones(on_time).mitigated == at(11, 0)


def test_out_of_order_milestones_give_negative_spans():
    # Detected at 9:40, before the trigger at 9:50; declared at 10:00.
    rec = attrs.evolve(
        bare(declared_at=at(10, 0), resolved_at=at(9, 55)),
        events=(
            Event(timestamp=at(9, 50), type=EventType.TRIGGER),
            Event(timestamp=at(9, 40), type=EventType.DETECTION),
        ),
    )
    durations = phase_durations(rec)
    assert durations.time_to_detect == minutes(-10)  # 9:50 → 9:40
    assert durations.time_to_declare == minutes(20)  # 9:40 → 10:00
    assert durations.time_open == minutes(-5)  # 10:00 → 9:55
    assert durations.time_to_resolve == minutes(5)  # 9:50 → 9:55


def test_identified_status_is_matched_without_case():
    rec = attrs.evolve(
        bare(),
        events=(
            Event(
                timestamp=at(10, 20),
                type=EventType.INVESTIGATION,
                metadata={"status": " Identified "},
            ),
            Event(
                timestamp=at(10, 10),
                type=EventType.COMMUNICATION,
                metadata={"status": 3},
            ),
        ),
    )
    assert milestones(rec).identified == at(10, 20)


# --- policies -------------------------------------------------------------------


def test_replacing_one_rule_keeps_the_others():
    rules = attrs.evolve(
        DEFAULT_MILESTONE_POLICY, detected=(EarliestEvent(actor="alice chen"),)
    )
    policy = ik.Policy(milestones=rules)
    found = milestones(ik.example(), policy=policy)
    # Alice Chen's first event is the investigation at 14:25.
    assert found.detected == at(14, 25)
    assert attrs.evolve(found, detected=at(14, 20)) == milestones(ik.example())
    durations = phase_durations(ik.example(), policy=policy)
    assert durations.time_to_detect == minutes(10)  # 14:15 → 14:25
    assert durations.time_to_declare == minutes(-2)  # 14:25 → 14:23


def test_fallbacks_are_tried_in_order():
    rules = attrs.evolve(
        DEFAULT_MILESTONE_POLICY,
        declared=(EarliestEvent("declaration"), IncidentField("declared_at")),
        identified=(EarliestEvent(status="identified"), SameAs("mitigated")),
    )
    policy = ik.Policy(milestones=rules)
    rec = ik.example()
    found = milestones(rec, policy=policy)
    assert found.declared == at(14, 23)  # the declaration event
    no_status = attrs.evolve(
        rec, events=tuple(attrs.evolve(e, metadata={}) for e in rec.events)
    )
    found = milestones(no_status, policy=policy)
    assert found.identified == found.mitigated == at(15, 30)
    no_declaration = attrs.evolve(
        rec, events=tuple(e for e in rec.events if e.type is not EventType.DECLARATION)
    )
    assert milestones(no_declaration, policy=policy).declared == at(14, 23)


def test_event_bounds():
    rec = ik.example()
    # Investigations at or after detection (14:20): 14:25, 14:28, 14:50, 16:30.
    after = EarliestEvent("investigation", not_before="detected")
    before = LatestEvent("investigation", not_after="declared")
    rules = attrs.evolve(DEFAULT_MILESTONE_POLICY, identified=(after,))
    assert milestones(rec, policy=ik.Policy(milestones=rules)).identified == at(14, 25)
    # No investigation at or before 14:23: the rule finds nothing.
    rules = attrs.evolve(DEFAULT_MILESTONE_POLICY, identified=(before,))
    assert milestones(rec, policy=ik.Policy(milestones=rules)).identified is None


def test_a_single_selector_is_accepted_for_a_tuple():
    policy = attrs.evolve(DEFAULT_MILESTONE_POLICY, detected=EarliestEvent("trigger"))
    assert policy.detected == (EarliestEvent(EventType.TRIGGER),)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: attrs.evolve(
                DEFAULT_MILESTONE_POLICY,
                started=(SameAs("detected"),),
                detected=(EarliestEvent(not_after="started"),),
            ),
            "milestones depend on each other",
        ),
        (
            lambda: attrs.evolve(DEFAULT_MILESTONE_POLICY, started=("trigger",)),
            r"started\[0\]: not a milestone selector",
        ),
        (lambda: EarliestEvent("alarm"), "type: not an event type"),
        (lambda: LatestEvent(not_after="fixed"), "not_after: not a milestone"),
        (lambda: IncidentField("title"), "name: not a timestamp"),
        (lambda: SameAs("begun"), "milestone: not a milestone"),
    ],
)
def test_bad_policies_are_rejected(build, message):
    with pytest.raises(ik.ValidationError, match=message):
        build()


def test_a_self_reference_is_a_cycle():
    with pytest.raises(ik.ValidationError, match="mitigated → mitigated"):
        attrs.evolve(DEFAULT_MILESTONE_POLICY, mitigated=(SameAs("mitigated"),))


def test_an_empty_rule_finds_nothing():
    rules = attrs.evolve(DEFAULT_MILESTONE_POLICY, detected=())
    policy = ik.Policy(milestones=rules)
    assert milestones(ik.example(), policy=policy).detected is None


def test_policy_is_hashable_and_comparable():
    same = MilestonePolicy(
        **{name: getattr(DEFAULT_MILESTONE_POLICY, name) for name in MILESTONE_NAMES}
    )
    assert same == DEFAULT_MILESTONE_POLICY
    assert hash(same) == hash(DEFAULT_MILESTONE_POLICY)


# --- properties -----------------------------------------------------------------


# The strategy builds a whole record around the milestones: slow to draw.
@settings(max_examples=max(1, settings.default.max_examples // 2))
@given(ordered_milestone_records())
def test_ordered_phases_add_up_to_time_to_resolve(rec):
    durations = phase_durations(rec)
    assert None not in durations.phases.values()
    assert all(span >= timedelta(0) for span in durations.phases.values())
    total = sum(durations.phases.values(), timedelta(0))
    assert total == durations.time_to_resolve


@given(records())
def test_any_record_any_year(rec):
    before = copy.deepcopy(rec)
    durations = phase_durations(rec)
    found = durations.milestones
    assert found == milestones(rec)
    for name, (start, end) in FIGURES.items():
        first, last = getattr(found, start), getattr(found, end)
        expected = None if first is None or last is None else last - first
        assert getattr(durations, name) == expected
    for name, (start, end) in PHASES.items():
        first, last = getattr(found, start), getattr(found, end)
        expected = None if first is None or last is None else last - first
        assert durations.phases[name] == expected
    for moment in found:
        assert moment is None or moment.utcoffset() == timedelta(0)
    # started always exists under the default rules: declared_at is required.
    assert found.started is not None
    assert found.declared == rec.incident.declared_at
    assert rec == before


def test_results_pickle_and_copy():
    durations = phase_durations(ik.example())
    assert pickle.loads(pickle.dumps(durations)) == durations
    assert copy.deepcopy(durations) == durations
    assert pickle.loads(pickle.dumps(DEFAULT_MILESTONE_POLICY)) == (
        DEFAULT_MILESTONE_POLICY
    )
    assert hash(durations) == hash(copy.deepcopy(durations))


def test_policy_defaults_to_the_spec_rules():
    assert MilestonePolicy() == DEFAULT_MILESTONE_POLICY
    policy = MilestonePolicy(
        detected=(EarliestEvent(" Detection ", actor="Monitoring"),)
    )
    assert policy.started == DEFAULT_MILESTONE_POLICY.started
    assert policy.detected == (EarliestEvent(EventType.DETECTION, actor="Monitoring"),)


# --- bad arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "started: expected a milestone selector or a sequence of them (5)"),
        (None, "started: expected a milestone selector or a sequence of them (None)"),
        ("x", "started: expected a milestone selector or a sequence of them ('x')"),
    ],
)
def test_bad_milestone_rules_raise_validation_error(
    value: object, message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        MilestonePolicy(started=value)  # type: ignore[arg-type]
    assert info.value.errors == [message]


@pytest.mark.parametrize("function", [milestones, phase_durations])
@pytest.mark.parametrize(
    ("rec", "policy", "message"),
    [
        ({}, ik.DEFAULT_POLICY, "rec: expected an IncidentRecord, got dict"),
        (
            None,
            ik.DEFAULT_POLICY,
            "rec: expected an IncidentRecord, got NoneType",
        ),
        ("example", "x", "policy: expected a Policy, got str"),
        # The milestone rules alone are no longer a policy: they go in one.
        (
            "example",
            DEFAULT_MILESTONE_POLICY,
            "policy: expected a Policy, got MilestonePolicy",
        ),
    ],
)
def test_milestone_functions_check_their_arguments(
    function: Any, rec: object, policy: object, message: str
) -> None:
    record = ik.example() if rec == "example" else rec
    with pytest.raises(ik.ValidationError) as info:
        function(record, policy=policy)
    assert info.value.errors == [message]


def test_milestone_rules_in_a_policy_are_checked():
    with pytest.raises(ik.ValidationError) as info:
        ik.Policy(milestones="x")  # type: ignore[arg-type]
    assert info.value.errors == ["milestones: expected a MilestonePolicy, got str"]


def test_milestone_functions_take_the_policy_by_keyword_only():
    rules = MilestonePolicy(detected=())
    with pytest.raises(TypeError):
        milestones(ik.example(), ik.Policy(milestones=rules))  # type: ignore[misc]


def test_earliest_wins_whatever_the_listing_order():
    # Events listed latest first: the spec's "earliest" rules must pick the
    # earlier of each pair, not the first listed.
    rec = attrs.evolve(
        bare(),
        events=(
            Event(timestamp=at(10, 5), type=EventType.TRIGGER),
            Event(timestamp=at(9, 50), type=EventType.TRIGGER),
            Event(
                timestamp=at(10, 40),
                type=EventType.INVESTIGATION,
                metadata={"status": "identified"},
            ),
            Event(
                timestamp=at(10, 20),
                type=EventType.COMMUNICATION,
                metadata={"status": "identified"},
            ),
            Event(timestamp=at(11, 30), type=EventType.RESOLUTION),
            Event(timestamp=at(11, 10), type=EventType.RESOLUTION),
        ),
    )
    found = milestones(rec)
    assert found.started == at(9, 50)
    assert found.identified == at(10, 20)
    # No resolved_at: the earliest resolution event.
    assert found.resolved == at(11, 10)
    # 09:50 → 11:10 is 80 minutes.
    assert phase_durations(rec).time_to_resolve == minutes(80)


def test_latest_mitigation_at_or_before_resolution_whatever_the_order():
    rec = attrs.evolve(
        bare(resolved_at=at(12, 0)),
        events=(
            Event(timestamp=at(12, 30), type=EventType.MITIGATION),  # after
            Event(timestamp=at(11, 0), type=EventType.MITIGATION),
            Event(timestamp=at(12, 0), type=EventType.MITIGATION),  # at: counts
            Event(timestamp=at(10, 30), type=EventType.MITIGATION),
        ),
    )
    assert milestones(rec).mitigated == at(12, 0)
