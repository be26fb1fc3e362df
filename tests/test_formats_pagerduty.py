from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import incidentkit as ik
from incidentkit.formats import from_pagerduty
from incidentkit.records.schema import EventType, Participant

UTC = timezone.utc
FIXTURES = Path(__file__).parent / "fixtures" / "pagerduty"
RESOLVED = FIXTURES / "checkout-5xx-resolved.json"
ACKNOWLEDGED = FIXTURES / "search-latency-acknowledged.json"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def fixture(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@pytest.fixture
def resolved_doc() -> dict[str, Any]:
    return fixture(RESOLVED)


def test_incident_fields(resolved_doc):
    rec = from_pagerduty(resolved_doc)
    assert rec.incident.id == "Q0RIJJZL24RC6W"
    assert rec.incident.title == "checkout-api 5xx rate above 5%"
    assert rec.incident.status == "resolved"
    assert rec.incident.severity == "P1"  # priority.name
    assert rec.incident.declared_at == at("2024-05-02T09:14:07Z")  # created_at
    assert rec.incident.resolved_at == at("2024-05-02T10:41:52Z")
    assert rec.incident.service == "checkout-api"  # service.summary
    assert rec.incident.extra == {
        "source": {"format": "pagerduty"},
        "pagerduty": {
            "incident_number": 4821,
            "html_url": "https://acme.pagerduty.com/incidents/Q0RIJJZL24RC6W",
            "urgency": "high",
            "teams": ("Payments",),  # JSON arrays are tuples in records
        },
    }
    # PagerDuty has nothing for these.
    assert rec.incident.commander is None
    assert rec.communications is None
    assert rec.impact is None
    assert rec.action_items == ()


def test_log_entries_become_events_in_time_order(resolved_doc):
    rec = from_pagerduty(resolved_doc)
    # The fixture lists nine entries newest first. notify and assign entries
    # give no event; the second acknowledgement (Marcus, 09:33:41) neither.
    # The trigger is the start and the detection (SPEC §10).
    assert [(str(e.type), e.timestamp, e.actor, e.description) for e in rec.events] == [
        (
            "detection",
            at("2024-05-02T09:14:07Z"),
            "checkout-api",
            "Triggered through the API.",
        ),
        (
            "acknowledgement",
            at("2024-05-02T09:17:29Z"),
            "Priya Raman",
            "Acknowledged by Priya Raman.",
        ),
        (
            "investigation",
            at("2024-05-02T09:24:55Z"),
            "Priya Raman",
            "Errors started with the 09:05 deploy of checkout-api v2.42.0.",
        ),
        (
            "escalation",
            at("2024-05-02T09:31:12Z"),
            "Priya Raman",
            "Escalated to Marcus Webb by Priya Raman.",
        ),
        (
            "investigation",
            at("2024-05-02T09:58:30Z"),
            "Priya Raman",
            "Rolled back checkout-api to v2.41.3; 5xx rate falling.",
        ),
        (
            "resolution",
            at("2024-05-02T10:41:52Z"),
            "Priya Raman",
            "Resolved by Priya Raman.",
        ),
    ]


def test_escalations_name_who_they_went_to(resolved_doc):
    rec = from_pagerduty(resolved_doc)
    (escalation,) = [e for e in rec.events if e.type is EventType.ESCALATION]
    assert escalation.metadata == {"escalated_to": ("Marcus Webb",)}


def test_log_entry_ids_are_kept_on_their_events(resolved_doc):
    rec = from_pagerduty(resolved_doc)
    assert rec.events[0].extra == {
        "pagerduty": {"id": "R8TR1GG3R0L0G3NTRY0000001A", "type": "trigger_log_entry"}
    }


def test_the_order_of_the_log_does_not_matter(resolved_doc):
    oldest_first = copy.deepcopy(resolved_doc)
    oldest_first["log_entries"].reverse()
    shuffled = copy.deepcopy(resolved_doc)
    shuffled["log_entries"] = [
        shuffled["log_entries"][i] for i in (4, 0, 8, 2, 6, 1, 7, 3, 5)
    ]
    rec = from_pagerduty(resolved_doc)
    assert from_pagerduty(oldest_first) == rec
    assert from_pagerduty(shuffled) == rec


def test_first_acknowledgement_is_the_earliest_not_the_first_listed(resolved_doc):
    # Listed newest first, Marcus's acknowledgement comes before Priya's.
    rec = from_pagerduty(resolved_doc)
    (acknowledgement,) = [e for e in rec.events if e.type is EventType.ACKNOWLEDGEMENT]
    assert acknowledgement.actor == "Priya Raman"


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        ({"name": "P3", "summary": "P3"}, "P3"),
        ({"summary": "P5"}, "P5"),  # a priority reference without its name
        ({"name": "SEV-2 Major", "summary": "SEV-2 Major"}, "SEV-2 Major"),
        (None, None),  # priorities switched off: no severity, not the urgency
    ],
)
def test_priority_becomes_severity(resolved_doc, priority, severity):
    resolved_doc["incident"]["priority"] = priority
    rec = from_pagerduty(resolved_doc)
    assert rec.incident.severity == severity
    assert rec.incident.extra["pagerduty"]["urgency"] == "high"


def test_resolved_at_falls_back_to_the_resolve_entry(resolved_doc):
    del resolved_doc["incident"]["resolved_at"]
    rec = from_pagerduty(resolved_doc)
    assert rec.incident.resolved_at == at("2024-05-02T10:41:52Z")


def test_an_open_incident_without_its_log():
    rec = from_pagerduty(fixture(ACKNOWLEDGED))
    assert rec.incident.status == "acknowledged"
    assert rec.incident.resolved_at is None
    assert rec.incident.severity is None
    # created_at 22:03:15+02:00 is 20:03:15 UTC.
    assert rec.incident.declared_at == at("2024-05-07T20:03:15Z")
    # No log entries: the earliest current acknowledgement (Tomás, 22:05:02
    # +02:00) is the acknowledgement; created_at, when the alert opened the
    # incident, is its detection.
    assert [(str(e.type), e.timestamp, e.actor) for e in rec.events] == [
        ("detection", at("2024-05-07T20:03:15Z"), None),
        ("acknowledgement", at("2024-05-07T20:05:02Z"), "Tomás Ortega"),
    ]
    # MTTA: 20:05:02 - 20:03:15 = 1 min 47 s = 107 s.
    assert ik.phase_durations(rec).time_to_acknowledge.total_seconds() == 107
    assert rec.participants == (
        Participant(name="Lena Vogel", role="assignee"),
        Participant(name="Tomás Ortega", role="acknowledger"),
    )


def test_milestones_of_an_imported_incident(resolved_doc):
    from incidentkit.figures import incident

    marks = incident.milestones(from_pagerduty(resolved_doc))
    assert marks.started == at("2024-05-02T09:14:07Z")  # the trigger
    assert marks.detected == at("2024-05-02T09:14:07Z")  # the trigger too
    assert marks.acknowledged == at("2024-05-02T09:17:29Z")  # Priya, first
    assert marks.declared == at("2024-05-02T09:14:07Z")  # created_at
    assert marks.resolved == at("2024-05-02T10:41:52Z")
    assert marks.identified is None  # PagerDuty does not say
    assert marks.mitigated is None


def test_fixtures_round_trip_and_are_not_modified():
    for path in (RESOLVED, ACKNOWLEDGED):
        doc = fixture(path)
        before = copy.deepcopy(doc)
        rec = from_pagerduty(doc)
        assert doc == before
        assert ik.loads(ik.dumps(rec)) == rec


def test_every_problem_is_reported_with_format_and_path(resolved_doc):
    incident = resolved_doc["incident"]
    incident["created_at"] = "2024-05-02 09:14"
    incident["service"] = "checkout-api"
    del incident["title"]
    resolved_doc["log_entries"][0]["created_at"] = None  # a resolve entry
    resolved_doc["log_entries"][3]["assignees"] = [{"summary": 42}]
    resolved_doc["log_entries"][6] = {"created_at": "2024-05-02T09:14:09Z"}
    with pytest.raises(ik.ValidationError) as caught:
        from_pagerduty(resolved_doc)
    assert caught.value.errors == [
        "pagerduty: incident.title: required field is missing",
        "pagerduty: incident.created_at: timestamp '2024-05-02 09:14' has no UTC "
        "offset (add 'Z' or '+00:00', or load with assume_utc=True)",
        "pagerduty: incident.service: expected a JSON object, got 'checkout-api'",
        "pagerduty: log_entries[0].created_at: required field is missing",
        "pagerduty: log_entries[3].assignees[0].summary: expected a string, "
        "got 42 (int)",
        "pagerduty: log_entries[6].type: required field is missing",
    ]


def test_log_problems_are_reported_without_an_incident(resolved_doc):
    del resolved_doc["incident"]
    resolved_doc["log_entries"][0]["created_at"] = "yesterday"
    with pytest.raises(ik.ValidationError) as caught:
        from_pagerduty(resolved_doc)
    assert caught.value.errors == [
        "pagerduty: incident: required field is missing",
        "pagerduty: log_entries[0].created_at: timestamp 'yesterday' is not a "
        "valid ISO 8601 date and time",
    ]


def test_entries_that_give_no_event_are_not_checked(resolved_doc):
    # A notify entry's details are routing bookkeeping the importer never reads.
    resolved_doc["log_entries"][6]["created_at"] = "not a time"
    assert from_pagerduty(resolved_doc) == from_pagerduty(fixture(RESOLVED))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("incident", "pagerduty: $: expected a JSON object, got 'incident'"),
        ({}, "pagerduty: incident: required field is missing"),
        (
            {"incident": []},
            "pagerduty: incident: expected a JSON object, got [] (list)",
        ),
    ],
)
def test_wrong_shapes(data, error):
    with pytest.raises(ik.ValidationError) as caught:
        from_pagerduty(data)
    assert caught.value.errors == [error]


def test_log_entries_must_be_a_list(resolved_doc):
    resolved_doc["log_entries"] = {"log_entries": []}
    with pytest.raises(ik.ValidationError) as caught:
        from_pagerduty(resolved_doc)
    assert caught.value.errors == [
        "pagerduty: log_entries: expected a list, got {'log_entries': []} (dict)"
    ]


# --- real documents (tests/fixtures/pagerduty/README.md names each source) ---


def real(name: str) -> dict[str, Any]:
    return fixture(FIXTURES / name)


def test_webhook_acknowledge_gives_the_time_to_acknowledge():
    # webhook-v2-acknowledge.json: created_at 15:14:36Z, the acknowledge log
    # entry 15:15:17Z by Laura Haley: MTTA = 15:15:17 - 15:14:36 = 41 s.
    # The log has no trigger entry: created_at, when the alert opened the
    # incident, is the detection.
    rec = from_pagerduty(real("webhook-v2-acknowledge.json"))
    assert rec.incident.declared_at == at("2017-09-26T15:14:36Z")
    assert [(e.type, e.timestamp, e.actor, dict(e.metadata)) for e in rec.events] == [
        (EventType.DETECTION, at("2017-09-26T15:14:36Z"), None, {}),
        (
            EventType.ACKNOWLEDGEMENT,
            at("2017-09-26T15:15:17Z"),
            "Laura Haley",
            {"status": "acknowledged"},
        ),
    ]
    marks = ik.milestones(rec)
    assert marks.detected == at("2017-09-26T15:14:36Z")
    assert marks.acknowledged == at("2017-09-26T15:15:17Z")
    # Under the default policy, no rule to write: 15:15:17 - 15:14:36 = 41 s.
    assert ik.phase_durations(rec).time_to_acknowledge.total_seconds() == 41
    # The table and stats read the same figure.
    table = ik.IncidentTable.from_records([rec])
    assert table["time_to_acknowledge"].tolist() == [41.0]
    # No finding: the acknowledgement after the declaration is no disorder.
    assert not [f for f in ik.check(rec) if f.code == "IK201"]


def test_webhook_resolve_keeps_the_responder_of_the_log():
    # webhook-v2-resolve.json: acknowledgements [] (emptied on resolve), one
    # assignment (Wiley Jacobson, re-assigned at 15:16:05Z); Laura Haley
    # resolved it at 15:18:09Z and is named only by the log entry's agent.
    rec = from_pagerduty(real("webhook-v2-resolve.json"))
    assert rec.participants == (
        Participant(name="Wiley Jacobson", role="assignee"),
        Participant(name="Laura Haley", role="responder"),
    )
    # No resolved_at in the webhook; status resolved: the resolve entry's time.
    assert rec.incident.resolved_at == at("2017-09-26T15:18:09Z")
    # time_to_resolve: 15:14:36 -> 15:18:09 = 3 min 33 s = 213 s (started
    # falls back to declared_at: no trigger entry in this log).
    assert ik.phase_durations(rec).time_to_resolve.total_seconds() == 213


def test_a_resolve_note_is_the_resolution_description():
    doc = real("webhook-v2-resolve.json")
    doc["log_entries"][0]["note"] = "Rolled back the config push."
    (event,) = [e for e in from_pagerduty(doc).events if e.type is EventType.RESOLUTION]
    assert event.description == "Rolled back the config push."


def test_openapi_incident_without_log():
    # openapi-get-incident.json: PT4KHLK, created 2015-10-06T21:30:42Z,
    # priority summary P2 (no name), acknowledged 2015-11-10T00:32:52Z by
    # Earline Greenholt, who is also the assignee.
    rec = from_pagerduty(real("openapi-get-incident.json"))
    assert rec.incident.severity == "P2"
    assert rec.incident.status == "acknowledged"
    assert rec.participants == (Participant(name="Earline Greenholt", role="assignee"),)
    (event,) = [e for e in rec.events if e.type is EventType.ACKNOWLEDGEMENT]
    assert event.timestamp == at("2015-11-10T00:32:52Z")
    assert event.metadata["status"] == "acknowledged"


def test_openapi_bare_incident_is_an_incident_without_log():
    # The element of the list response GET /incidents: a bare incident
    # object, resolved 2015-10-06T21:38:23Z, created 21:30:42Z: 461 s open.
    (bare,) = real("lists/openapi-list-incidents.json")["incidents"]
    rec = from_pagerduty(bare)
    assert rec == from_pagerduty({"incident": bare})
    assert rec.incident.id == "PT4KHLK"
    assert ik.phase_durations(rec).time_open.total_seconds() == 461


def test_openapi_log_entries_with_the_incident():
    # openapi-incident-log-entries.json: one trigger entry at
    # 2015-11-07T00:14:20Z whose agent is a service: an event, no participant.
    doc = {
        "incident": real("openapi-get-incident.json")["incident"],
        "log_entries": real("lists/openapi-incident-log-entries.json")["log_entries"],
    }
    rec = from_pagerduty(doc)
    assert [(e.type, e.timestamp) for e in rec.events] == [
        (EventType.DETECTION, at("2015-11-07T00:14:20Z")),
        (EventType.ACKNOWLEDGEMENT, at("2015-11-10T00:32:52Z")),
    ]
    assert [p.name for p in rec.participants] == ["Earline Greenholt"]


@pytest.mark.parametrize("newest_first", [False, True])
def test_a_log_sharing_one_time_keeps_the_trigger_first(newest_first):
    # Triggered and acknowledged in the same second: the trigger's place in
    # the log says which way the log is listed.
    log = [
        {
            "type": "trigger_log_entry",
            "created_at": "2024-05-02T09:14:07Z",
            "summary": "Triggered.",
            "agent": {"type": "service_reference"},
        },
        {
            "type": "acknowledge_log_entry",
            "created_at": "2024-05-02T09:14:07Z",
            "summary": "Acknowledged.",
            "agent": {"type": "user_reference", "summary": "Priya Raman"},
        },
    ]
    doc = {
        "incident": {
            "id": "PX",
            "type": "incident",
            "title": "t",
            "status": "acknowledged",
            "created_at": "2024-05-02T09:14:07Z",
        },
        "log_entries": log[::-1] if newest_first else log,
    }
    rec = from_pagerduty(doc)
    assert [e.description for e in rec.events] == ["Triggered.", "Acknowledged."]
