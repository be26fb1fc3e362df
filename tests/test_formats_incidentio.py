from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import incidentkit as ik
from incidentkit.formats import from_incidentio
from incidentkit.formats.incidentio import timestamp_key
from incidentkit.records.schema import ActionItem, EventType, Participant

UTC = timezone.utc
FIXTURES = Path(__file__).parent / "fixtures" / "incidentio"
CLOSED = FIXTURES / "database-failover-closed.json"
LIVE = FIXTURES / "login-errors-live.json"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def fixture(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def closed_doc() -> dict[str, Any]:
    return fixture(CLOSED)


def set_timestamp(doc: dict[str, Any], name: str, value: str | None) -> None:
    """Set (or, with None, remove) the timestamp called ``name``."""
    values = doc["incident"]["incident_timestamp_values"]
    values[:] = [v for v in values if v["incident_timestamp"]["name"] != name]
    if value is not None:
        values.append({"incident_timestamp": {"name": name}, "value": {"value": value}})


def test_incident_fields(closed_doc):
    rec = from_incidentio(closed_doc)
    assert rec.incident.id == "01HX2K9R6T4W8Y3B5N7M1P0QAZ"
    assert rec.incident.title == "Orders database failover left writes read-only"
    assert rec.incident.status == "closed"  # incident_status.category
    assert rec.incident.severity == "SEV1"  # "Critical"
    assert rec.incident.declared_at == at("2024-05-14T13:22:41.118Z")  # Reported at
    assert rec.incident.resolved_at == at("2024-05-14T14:12:37.004Z")  # Resolved at
    assert rec.incident.commander == "Jonas Lindqvist"  # the lead role
    # incident.io has nothing for these.
    assert rec.incident.service is None
    assert rec.incident.affected_services == ()
    assert rec.communications is None
    assert rec.impact is None
    assert rec.resolution is None


def test_source_fields_without_a_schema_field_are_kept_aside(closed_doc):
    rec = from_incidentio(closed_doc)
    kept = rec.incident.extra["incidentio"]
    assert kept["reference"] == "INC-1289"
    assert kept["permalink"] == "https://app.incident.io/acme/incidents/1289"
    assert kept["status_name"] == "Closed"
    assert kept["severity_rank"] == 1
    assert kept["incident_type"] == "Production outage"
    assert kept["duration_metrics"] == {"Lasted": 3817, "Time to fix": 2460}
    # Timestamps that map to nothing are kept, normalised to UTC ("Accepted
    # at" is the acknowledgement event).
    assert kept["timestamps"] == {"Closed at": "2024-05-16T09:10:03.502000Z"}
    # Custom fields and Slack ids are not copied.
    assert "custom_field_entries" not in kept
    assert "slack_channel_id" not in kept


def test_timestamps_become_events(closed_doc):
    rec = from_incidentio(closed_doc)
    assert [(str(e.type), e.timestamp, dict(e.metadata)) for e in rec.events] == [
        ("trigger", at("2024-05-14T13:09:00Z"), {}),  # Impact started at
        ("acknowledgement", at("2024-05-14T13:24:05.93Z"), {}),  # Accepted at
        ("investigation", at("2024-05-14T13:31:20Z"), {"status": "identified"}),
        ("mitigation", at("2024-05-14T13:50:00Z"), {}),  # Fixed at
    ]
    assert [e.extra for e in rec.events] == [
        {"incidentio": {"timestamp": "Impact started at"}},
        {"incidentio": {"timestamp": "Accepted at"}},
        {"incidentio": {"timestamp": "Identified at"}},
        {"incidentio": {"timestamp": "Fixed at"}},
    ]


def test_events_are_in_time_order_whatever_their_values(closed_doc):
    # Someone set "Fixed at" before "Impact started at": kept as it is, sorted.
    set_timestamp(closed_doc, "Fixed at", "2024-05-14T13:00:00Z")
    closed_doc["incident"]["incident_timestamp_values"].reverse()
    rec = from_incidentio(closed_doc)
    assert [str(e.type) for e in rec.events] == [
        "mitigation",
        "trigger",
        "acknowledgement",
        "investigation",
    ]


def test_milestones_measure_from_impact_start(closed_doc):
    from incidentkit.figures import incident

    durations = incident.phase_durations(from_incidentio(closed_doc))
    # Impact started 13:09:00 → Identified 13:31:20: 22 min 20 s.
    assert durations.time_to_identify.total_seconds() == 22 * 60 + 20
    # 13:09:00 → Fixed 13:50:00: 41 min, the outage the summary describes.
    assert durations.time_to_mitigate.total_seconds() == 41 * 60
    # 13:09:00 → Resolved 14:12:37.004: 1 h 3 min 37.004 s.
    assert durations.time_to_resolve.total_seconds() == pytest.approx(3817.004)


@pytest.mark.parametrize(
    ("name", "severity"),
    [
        ("Critical", "SEV1"),
        ("major", "SEV2"),
        (" Minor ", "SEV3"),
        ("Sev 0 - Catastrophic", "Sev 0 - Catastrophic"),  # kept as written
    ],
)
def test_severity_names(closed_doc, name, severity):
    closed_doc["incident"]["severity"]["name"] = name
    assert from_incidentio(closed_doc).incident.severity == severity


def test_the_rank_alone_gives_no_severity(closed_doc):
    closed_doc["incident"]["severity"] = {"rank": 1}
    assert from_incidentio(closed_doc).incident.severity is None
    del closed_doc["incident"]["severity"]
    assert from_incidentio(closed_doc).incident.severity is None


def test_created_at_is_declared_at_without_reported_at(closed_doc):
    set_timestamp(closed_doc, "Reported at", None)
    rec = from_incidentio(closed_doc)
    assert rec.incident.declared_at == at("2024-05-14T13:22:41.118Z")
    closed_doc["incident"]["created_at"] = "2024-05-14T13:30:00Z"
    assert from_incidentio(closed_doc).incident.declared_at == at(
        "2024-05-14T13:30:00Z"
    )


def test_role_assignments_become_participants(closed_doc):
    rec = from_incidentio(closed_doc)
    # The Communications Lead role has no assignee: nobody to list.
    assert rec.participants == (
        Participant(name="Jonas Lindqvist", role="Incident Lead"),
        Participant(name="Aisha Bello", role="Reporter"),
    )


def test_follow_ups_become_action_items(closed_doc):
    rec = from_incidentio(closed_doc)
    assert [
        (item.title, item.owner, item.priority, item.status, item.deadline)
        for item in rec.action_items
    ] == [
        (
            "Alert when a database primary comes up read-only",
            "Jonas Lindqvist",
            "High",
            "done",  # completed
            None,  # incident.io follow-ups have no due date
        ),
        (
            "Rehearse the orders database failover in staging every quarter",
            "Mei Chen",
            "Medium",
            "open",  # outstanding
            None,
        ),
        (
            "Move the orders database to a managed service",
            None,
            None,
            "not_doing",
            None,
        ),
        # The fourth, "Duplicate: alert on read-only primary", is deleted:
        # removed in incident.io, no action item.
    ]
    assert rec.action_items[0].extra == {
        "incidentio": {
            "id": "01HX4B1C2D3E4F5G6H7J8K9M0N",
            "completed_at": "2024-05-21T10:44:09.020000Z",
            "issue_url": "https://linear.app/acme/issue/DB-412",
        }
    }


def test_a_live_incident_with_little_filled_in():
    rec = from_incidentio(fixture(LIVE))
    assert rec.incident.status == "live"
    assert rec.incident.severity == "SEV-2 (degraded)"
    assert rec.incident.commander is None  # the lead role is not assigned
    assert rec.incident.resolved_at is None  # "Resolved" has no value yet
    assert rec.incident.declared_at == at("2024-05-20T07:41:09.662Z")  # created_at
    # "Impact started" (no "at") 09:28+02:00 is 07:28 UTC; "Identified" is empty.
    assert [(str(e.type), e.timestamp) for e in rec.events] == [
        ("trigger", at("2024-05-20T07:28:00Z"))
    ]
    assert rec.action_items == ()
    assert rec.participants == ()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Impact started at", "impact started"),
        ("Impact started", "impact started"),
        ("IMPACT  STARTED   AT", "impact started"),
        ("Fixed at", "fixed"),
        ("Looked at", "looked"),
        ("at", "at"),
    ],
)
def test_timestamp_key(name, key):
    assert timestamp_key(name) == key


def test_fixtures_round_trip_and_are_not_modified():
    for path in (CLOSED, LIVE):
        doc = fixture(path)
        before = copy.deepcopy(doc)
        rec = from_incidentio(doc)
        assert doc == before
        assert ik.loads(ik.dumps(rec)) == rec


def test_follow_ups_of_another_incident_are_refused(closed_doc):
    closed_doc["follow_ups"][2]["incident_id"] = "01HOTHERINCIDENT0000000000"
    with pytest.raises(ik.ValidationError) as caught:
        from_incidentio(closed_doc)
    assert caught.value.errors == [
        "incidentio: follow_ups[2].incident_id: follow-up of another incident "
        "('01HOTHERINCIDENT0000000000', not '01HX2K9R6T4W8Y3B5N7M1P0QAZ')"
    ]


def test_every_problem_is_reported_with_format_and_path(closed_doc):
    incident = closed_doc["incident"]
    del incident["incident_status"]["category"]
    incident["incident_timestamp_values"][3]["value"]["value"] = "2024-05-14T13:31"
    incident["incident_timestamp_values"][4] = {"value": {"value": "2024-05-14T13:50Z"}}
    incident["incident_role_assignments"][0]["assignee"] = "Jonas"
    incident["duration_metrics"][1]["value_seconds"] = "2460"
    closed_doc["follow_ups"][1]["title"] = ""  # empty is still a title
    del closed_doc["follow_ups"][2]["title"]
    closed_doc["follow_ups"][3]["completed_at"] = 1715695443
    with pytest.raises(ik.ValidationError) as caught:
        from_incidentio(closed_doc)
    assert caught.value.errors == [
        "incidentio: incident.incident_status.category: required field is missing",
        "incidentio: incident.incident_timestamp_values[3].value.value: timestamp "
        "'2024-05-14T13:31' has no UTC offset (add 'Z' or '+00:00', or load with "
        "assume_utc=True)",
        "incidentio: incident.incident_timestamp_values[4].incident_timestamp: "
        "required field is missing",
        "incidentio: incident.incident_role_assignments[0].assignee: expected a "
        "JSON object, got 'Jonas'",
        "incidentio: incident.duration_metrics[1].value_seconds: expected a finite "
        "number, got '2460'",
        "incidentio: follow_ups[2].title: required field is missing",
        "incidentio: follow_ups[3].completed_at: expected an ISO 8601 timestamp "
        "string, got 1715695443 (int)",
    ]


def test_assume_utc(closed_doc):
    closed_doc["incident"]["created_at"] = "2024-05-14T13:22:41"
    set_timestamp(closed_doc, "Reported at", None)
    with pytest.raises(ik.ValidationError):
        from_incidentio(closed_doc)
    rec = from_incidentio(closed_doc, assume_utc=True)
    assert rec.incident.declared_at == at("2024-05-14T13:22:41Z")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (None, "incidentio: $: expected a JSON object, got None (NoneType)"),
        ({"incidents": []}, "incidentio: incident: required field is missing"),
    ],
)
def test_wrong_shapes(data, error):
    with pytest.raises(ik.ValidationError) as caught:
        from_incidentio(data)
    assert caught.value.errors == [error]


def test_an_ordinary_action_item_list(closed_doc):
    closed_doc["follow_ups"] = closed_doc["follow_ups"][1:2]
    rec = from_incidentio(closed_doc)
    assert rec.action_items == (
        ActionItem(
            title="Rehearse the orders database failover in staging every quarter",
            owner="Mei Chen",
            priority="Medium",
            status="open",
            extra={"incidentio": {"id": "01HX4B1C2D3E4F5G6H7J8K9M0P"}},
        ),
    )
    assert not [e for e in rec.events if e.type is EventType.RESOLUTION]


# --- real documents (tests/fixtures/incidentio/README.md names each source) ---

REAL_INCIDENTS = (
    "openapi-get-incident.json",
    "openapi-create-incident.json",
    "openapi-edit-incident.json",
)


@pytest.mark.parametrize("name", REAL_INCIDENTS)
def test_openapi_incident_examples(name):
    # The API's example incident: severity "Minor", status category
    # "triage", created 2021-08-17T13:28:57.801578Z, one timestamp "Impact
    # started" at the same moment, Lisa Karlin Curtis as "Incident Lead"
    # (role_type lead), custom field "Affected Team" (single_select) whose
    # option value is "Product".
    rec = from_incidentio(fixture(FIXTURES / name))
    assert rec.incident.severity == "SEV3"
    assert rec.incident.status == "triage"
    assert rec.incident.commander == "Lisa Karlin Curtis"
    started = at("2021-08-17T13:28:57.801578Z")
    assert rec.incident.declared_at == started
    assert [(e.type, e.timestamp) for e in rec.events] == [(EventType.TRIGGER, started)]
    kept = rec.incident.extra["incidentio"]
    assert kept["custom_fields"] == {"Affected Team": ("Product",)}
    assert kept["roles"] == (
        {
            "role": "Incident Lead",
            "role_type": "lead",
            "assignee": "Lisa Karlin Curtis",
            "email": "lisa@incident.io",
        },
    )
    assert ik.loads(ik.dumps(rec)) == rec


def test_openapi_follow_up_of_another_incident_is_an_error():
    # The follow-ups example names incident_id 01FCNDV6P870EA6S7TK1DSYDG0,
    # not the incident example's 01FDAG4SAP5TYPT98WGR2N7W91.
    doc = fixture(FIXTURES / "openapi-get-incident.json")
    doc["follow_ups"] = fixture(FIXTURES / "lists" / "openapi-list-follow-ups.json")[
        "follow_ups"
    ]
    with pytest.raises(ik.ValidationError) as caught:
        from_incidentio(doc)
    assert caught.value.errors == [
        "incidentio: follow_ups[0].incident_id: follow-up of another incident "
        "('01FCNDV6P870EA6S7TK1DSYDG0', not '01FDAG4SAP5TYPT98WGR2N7W91')"
    ]


def test_openapi_follow_up_deleted_is_no_action_item():
    doc = fixture(FIXTURES / "openapi-get-incident.json")
    (follow_up,) = fixture(FIXTURES / "lists" / "openapi-list-follow-ups.json")[
        "follow_ups"
    ]
    follow_up["incident_id"] = doc["incident"]["id"]
    doc["follow_ups"] = [follow_up]
    (item,) = from_incidentio(doc).action_items
    assert (item.title, item.owner, item.priority, item.status) == (
        "Cat is stuck in the tree",
        "Lisa Karlin Curtis",
        "Urgent",
        "open",  # outstanding
    )
    follow_up["status"] = "deleted"
    assert from_incidentio(doc).action_items == ()


# --- acknowledgement: "Accepted at" -------------------------------------------


@pytest.mark.parametrize("name", REAL_INCIDENTS)
def test_openapi_examples_record_no_acceptance(name):
    # Their only timestamp is "Impact started": no acknowledgement is made up.
    rec = from_incidentio(fixture(FIXTURES / name))
    assert ik.milestones(rec).acknowledged is None
    assert ik.phase_durations(rec).time_to_acknowledge is None


def test_accepted_at_is_the_acknowledgement():
    # The API's example incident (reported 2021-08-17T13:28:57.801578Z) with
    # an "Accepted at" value added by hand, 2 min 15 s later: 13:31:12.801578Z.
    doc = fixture(FIXTURES / "openapi-get-incident.json")
    doc["incident"]["incident_timestamp_values"].append(
        {
            "incident_timestamp": {"id": "01ACCEPTED", "name": "Accepted at"},
            "value": {"value": "2021-08-17T13:31:12.801578Z"},
        }
    )
    rec = from_incidentio(doc)
    accepted = at("2021-08-17T13:31:12.801578Z")
    assert (EventType.ACKNOWLEDGEMENT, accepted) in [
        (e.type, e.timestamp) for e in rec.events
    ]
    assert ik.milestones(rec).acknowledged == accepted
    # It is an event, not also an extra timestamp.
    assert "timestamps" not in rec.incident.extra["incidentio"]
    # incident.io records no detection, so MTTA is unknown by default...
    assert ik.phase_durations(rec).time_to_acknowledge is None
    # ...and a policy that reads the report as the detection (triage
    # incidents opened by an alert) gives 13:28:57.801578 -> 13:31:12.801578:
    # 135 s.
    policy = ik.Policy(
        milestones=ik.MilestonePolicy(
            detected=(
                ik.EarliestEvent(EventType.DETECTION),
                ik.IncidentField("declared_at"),
            )
        )
    )
    figure = ik.phase_durations(rec, policy=policy).time_to_acknowledge
    assert figure.total_seconds() == 135.0
    assert ik.loads(ik.dumps(rec)) == rec
