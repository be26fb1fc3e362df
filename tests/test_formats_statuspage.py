from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import incidentkit as ik
from conftest import STATUSPAGE_CORPUS
from incidentkit.formats import from_statuspage
from incidentkit.records.schema import Communication, EventType

UTC = timezone.utc
FIXTURES = Path(__file__).parent / "fixtures" / "statuspage"


def at(text: str) -> datetime:
    """A UTC moment from a hand-written ISO string, independently of the code."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def update(status: str, moment: str, body: str = "text", **more: Any) -> dict[str, Any]:
    return {"status": status, "body": body, "display_at": moment, **more}


def incident_doc(**fields: Any) -> dict[str, Any]:
    """A small Statuspage incident; updates newest first, as the API lists them."""
    doc: dict[str, Any] = {
        "id": "abc123",
        "name": "Elevated error rates",
        "status": "resolved",
        "impact": "major",
        "created_at": "2024-03-01T10:05:00Z",
        "started_at": "2024-03-01T09:58:00Z",
        "resolved_at": "2024-03-01T11:00:00Z",
        "monitoring_at": None,
        "shortlink": "https://stspg.io/abc",
        "page_id": "page1",
        "incident_updates": [
            update("resolved", "2024-03-01T11:00:00Z", "All good now."),
            update("monitoring", "2024-03-01T10:40:00Z", "Fix deployed."),
            update("identified", "2024-03-01T10:20:00Z", "Found the cause."),
            update("investigating", "2024-03-01T10:05:00Z", "Looking into it."),
        ],
        "components": [{"name": "API"}],
    }
    doc.update(fields)
    return doc


# --- the mapping, rule by rule ------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "severity"),
    [
        ("critical", "SEV1"),
        ("major", "SEV2"),
        ("minor", "SEV3"),
        ("none", "SEV4"),
        ("Critical", "SEV1"),
        ("maintenance", "maintenance"),  # not an impact level: kept as written
    ],
)
def test_impact_becomes_severity(impact, severity):
    rec = from_statuspage(incident_doc(impact=impact))
    assert rec.incident.severity == severity


def test_incident_fields():
    rec = from_statuspage(incident_doc())
    assert rec.incident.id == "abc123"
    assert rec.incident.title == "Elevated error rates"
    assert rec.incident.status == "resolved"
    assert rec.incident.declared_at == at("2024-03-01T10:05:00Z")  # created_at
    assert rec.incident.resolved_at == at("2024-03-01T11:00:00Z")
    assert rec.incident.extra == {
        "source": {"format": "statuspage"},
        "statuspage": {"shortlink": "https://stspg.io/abc", "page_id": "page1"},
    }
    # One component (incident_doc's "API"): it is the service.
    assert rec.incident.service == "API"
    # Statuspage has nothing for these: they stay empty, not invented.
    assert rec.incident.commander is None
    assert rec.impact is None
    assert rec.resolution is None
    assert rec.action_items == ()
    assert rec.participants == ()


def test_open_incident_has_no_resolved_at():
    rec = from_statuspage(incident_doc(status="investigating", resolved_at=None))
    assert rec.incident.resolved_at is None
    assert rec.incident.status == "investigating"


def test_started_at_is_the_trigger_else_created_at():
    rec = from_statuspage(incident_doc())
    triggers = [e for e in rec.events if e.type is EventType.TRIGGER]
    assert [e.timestamp for e in triggers] == [at("2024-03-01T09:58:00Z")]

    rec = from_statuspage(incident_doc(started_at=None))
    triggers = [e for e in rec.events if e.type is EventType.TRIGGER]
    assert [e.timestamp for e in triggers] == [at("2024-03-01T10:05:00Z")]


def test_each_update_is_a_communication_event_and_an_external_message():
    rec = from_statuspage(incident_doc())
    comms = [e for e in rec.events if e.type is EventType.COMMUNICATION]
    # Four updates, oldest first whatever the source order.
    assert [(e.timestamp, e.metadata["status"], e.description) for e in comms] == [
        (at("2024-03-01T10:05:00Z"), "investigating", "Looking into it."),
        (at("2024-03-01T10:20:00Z"), "identified", "Found the cause."),
        (at("2024-03-01T10:40:00Z"), "monitoring", "Fix deployed."),
        (at("2024-03-01T11:00:00Z"), "resolved", "All good now."),
    ]
    assert all(e.metadata["channel"] == "status_page" for e in comms)
    assert rec.communications == (
        Communication(
            at("2024-03-01T10:05:00Z"), "status_page", "external", "Looking into it."
        ),
        Communication(
            at("2024-03-01T10:20:00Z"), "status_page", "external", "Found the cause."
        ),
        Communication(
            at("2024-03-01T10:40:00Z"), "status_page", "external", "Fix deployed."
        ),
        Communication(
            at("2024-03-01T11:00:00Z"), "status_page", "external", "All good now."
        ),
    )


def test_events_are_in_time_order_whatever_the_source_order():
    newest_first = incident_doc()
    oldest_first = incident_doc(
        incident_updates=list(reversed(newest_first["incident_updates"]))
    )
    shuffled = incident_doc(
        incident_updates=[newest_first["incident_updates"][i] for i in (2, 0, 3, 1)]
    )
    rec = from_statuspage(newest_first)
    assert from_statuspage(oldest_first) == rec
    assert from_statuspage(shuffled).events == rec.events
    stamps = [e.timestamp for e in rec.events]
    assert stamps == sorted(stamps)
    assert [str(e.type) for e in rec.events] == [
        "trigger",
        "communication",  # investigating
        "communication",  # identified
        "communication",  # monitoring
        "mitigation",  # the monitoring update, announced by the message above
        "communication",  # resolved
    ]


def test_updates_with_equal_times_keep_the_order_they_happened_in():
    # Back-filled incidents give every update the same moment; the API lists
    # the newest first, so the investigating update came before the resolution.
    moment = "2012-06-01T12:00:00Z"
    doc = incident_doc(
        created_at=moment,
        started_at=moment,
        resolved_at=moment,
        incident_updates=[
            update("resolved", moment, "Resolved."),
            update("investigating", moment, "Investigating."),
        ],
    )
    rec = from_statuspage(doc)
    assert [(str(e.type), e.description) for e in rec.events] == [
        ("trigger", None),
        ("communication", "Investigating."),
        ("communication", "Resolved."),
    ]


def test_display_at_is_the_update_time_else_created_at():
    doc = incident_doc(
        incident_updates=[
            # Back-filled: typed in years later, displayed at the real moment.
            {
                "status": "resolved",
                "body": "Fixed.",
                "created_at": "2018-12-05T11:27:12Z",
                "display_at": "2011-07-28T04:00:00Z",
            },
            {
                "status": "investigating",
                "body": "Looking.",
                "created_at": "2011-07-28T03:06:00Z",
                "display_at": None,
            },
        ]
    )
    rec = from_statuspage(doc)
    assert [c.timestamp for c in rec.communications] == [
        at("2011-07-28T03:06:00Z"),
        at("2011-07-28T04:00:00Z"),
    ]


def test_first_identified_update_is_the_identified_milestone():
    from incidentkit.figures import incident

    doc = incident_doc()
    doc["incident_updates"].insert(
        1, update("identified", "2024-03-01T10:30:00Z", "Still the same cause.")
    )
    rec = from_statuspage(doc)
    assert incident.milestones(rec).identified == at("2024-03-01T10:20:00Z")


def test_first_monitoring_update_is_the_only_mitigation_event():
    doc = incident_doc()
    doc["incident_updates"].insert(
        1, update("monitoring", "2024-03-01T10:50:00Z", "Second fix deployed.")
    )
    rec = from_statuspage(doc)
    mitigations = [e for e in rec.events if e.type is EventType.MITIGATION]
    assert [(e.timestamp, e.description) for e in mitigations] == [
        (at("2024-03-01T10:40:00Z"), "Fix deployed.")
    ]


def test_monitoring_at_is_the_mitigation_when_no_update_says_monitoring():
    doc = incident_doc(monitoring_at="2024-03-01T10:45:00Z")
    doc["incident_updates"] = [
        u for u in doc["incident_updates"] if u["status"] != "monitoring"
    ]
    rec = from_statuspage(doc)
    mitigations = [e for e in rec.events if e.type is EventType.MITIGATION]
    assert [e.timestamp for e in mitigations] == [at("2024-03-01T10:45:00Z")]


def test_without_monitoring_there_is_no_mitigation():
    doc = incident_doc()
    doc["incident_updates"] = [
        u for u in doc["incident_updates"] if u["status"] != "monitoring"
    ]
    rec = from_statuspage(doc)
    assert not [e for e in rec.events if e.type is EventType.MITIGATION]


def test_affected_components_become_affected_services():
    doc = incident_doc(components=[{"name": "API"}, {"name": "Webhooks"}])
    doc["incident_updates"][0]["affected_components"] = [
        {"code": "x", "name": "Git Operations", "old_status": "a", "new_status": "b"}
    ]
    doc["incident_updates"][3]["affected_components"] = [
        {"code": "y", "name": "API"},
        {"code": "z", "name": "Pages"},
    ]
    rec = from_statuspage(doc)
    # The incident's components, then the updates' ones oldest first, once each.
    assert rec.incident.affected_services == (
        "API",
        "Webhooks",
        "Pages",
        "Git Operations",
    )


def test_envelope_and_bare_incident_give_the_same_record_but_the_page():
    bare = incident_doc()
    enveloped = {
        "page": {"id": "page1", "name": "Acme", "url": "https://status.acme.example"},
        "incident": copy.deepcopy(bare),
    }
    from_bare = from_statuspage(bare)
    from_envelope = from_statuspage(enveloped)
    assert from_envelope.events == from_bare.events
    assert from_envelope.communications == from_bare.communications
    assert from_envelope.incident.extra["statuspage"] == {
        "shortlink": "https://stspg.io/abc",
        "page_id": "page1",
        "page_name": "Acme",
        "page_url": "https://status.acme.example",
    }


def test_update_ids_are_kept_on_their_events():
    doc = incident_doc()
    doc["incident_updates"][3]["id"] = "upd1"
    rec = from_statuspage(doc)
    first_message = next(e for e in rec.events if e.type is EventType.COMMUNICATION)
    assert first_message.extra == {"statuspage": {"update_id": "upd1"}}


def test_an_incident_without_updates():
    rec = from_statuspage(incident_doc(incident_updates=[]))
    assert [str(e.type) for e in rec.events] == ["trigger"]
    assert rec.communications == ()


def test_the_input_is_not_modified():
    doc = {"page": {"name": "Acme"}, "incident": incident_doc()}
    before = copy.deepcopy(doc)
    from_statuspage(doc)
    assert doc == before


def test_records_round_trip():
    rec = from_statuspage(incident_doc())
    assert ik.loads(ik.dumps(rec)) == rec


# --- wrong shapes -------------------------------------------------------------


def test_every_problem_is_reported_with_format_and_path():
    doc = incident_doc(name=None, impact=3)
    doc["incident_updates"][1]["display_at"] = "2024-03-01 10:40"
    doc["incident_updates"][2] = "identified"
    del doc["incident_updates"][3]["status"]
    with pytest.raises(ik.ValidationError) as caught:
        from_statuspage({"page": {}, "incident": doc})
    assert caught.value.errors == [
        "statuspage: incident.name: required field is missing",
        "statuspage: incident.impact: expected a string, got 3 (int)",
        "statuspage: incident.incident_updates[1].display_at: timestamp "
        "'2024-03-01 10:40' has no UTC offset (add 'Z' or '+00:00', or load "
        "with assume_utc=True)",
        "statuspage: incident.incident_updates[2]: expected a JSON object, "
        "got 'identified'",
        "statuspage: incident.incident_updates[3].status: required field is missing",
    ]


def test_assume_utc_reads_naive_timestamps_as_utc():
    doc = incident_doc(created_at="2024-03-01T10:05:00")
    with pytest.raises(ik.ValidationError):
        from_statuspage(doc)
    rec = from_statuspage(doc, assume_utc=True)
    assert rec.incident.declared_at == at("2024-03-01T10:05:00Z")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ([], "statuspage: $: expected a JSON object, got [] (list)"),
        ({"incident": "x"}, "statuspage: incident: expected a JSON object, got 'x'"),
        (
            incident_doc(incident_updates={"a": 1}),
            "statuspage: incident_updates: expected a list, got {'a': 1} (dict)",
        ),
        (
            incident_doc(components=[{"name": 7}]),
            "statuspage: components[0].name: expected a string, got 7 (int)",
        ),
    ],
)
def test_wrong_shapes(data, error):
    with pytest.raises(ik.ValidationError) as caught:
        from_statuspage(data)
    assert caught.value.errors == [error]


# --- the real corpus ----------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, dict[str, Any]]]:
    if not STATUSPAGE_CORPUS.is_dir():
        pytest.skip(
            f"the Statuspage corpus is not at {STATUSPAGE_CORPUS} "
            "(it lives in the project's shared workspace, outside the repository)"
        )
    files = sorted(STATUSPAGE_CORPUS.glob("*.json"))
    return [(path.name, json.loads(path.read_text(encoding="utf-8"))) for path in files]


@pytest.fixture(scope="module")
def loaded(corpus) -> ik.LoadResult:
    return ik.load_many(STATUSPAGE_CORPUS, format="statuspage", errors="collect")


def test_every_corpus_document_imports(corpus, loaded):
    assert len(corpus) == 1282  # the corpus README's count
    assert loaded.errors == []
    assert len(loaded.records) == len(corpus)


def test_every_corpus_record_round_trips(loaded):
    assert all(ik.loads(ik.dumps(rec)) == rec for rec in loaded.records)


def test_corpus_records_agree_with_their_documents(corpus, loaded):
    # Everything below is recounted from the raw JSON with plain loops.
    by_id = {rec.incident.id: rec for rec in loaded.records}
    assert len(by_id) == len(corpus)
    impacts: Counter[str] = Counter()
    severities: Counter[str] = Counter()
    for _, doc in corpus:
        incident = doc["incident"]
        rec = by_id[incident["id"]]
        impacts[incident["impact"]] += 1
        severities[rec.incident.severity] += 1
        updates = incident["incident_updates"]
        assert len(rec.communications) == len(updates)
        assert sorted(c.message for c in rec.communications) == sorted(
            u["body"] for u in updates
        )
        assert rec.incident.declared_at == at(incident["created_at"])
        assert rec.incident.resolved_at == at(incident["resolved_at"])
        stamps = [e.timestamp for e in rec.events]
        assert stamps == sorted(stamps)
        assert rec.incident.extra["statuspage"]["page_name"] == doc["page"]["name"]
    assert severities == Counter(
        {
            "SEV1": impacts["critical"],
            "SEV2": impacts["major"],
            "SEV3": impacts["minor"],
            "SEV4": impacts["none"],
        }
    )


def test_corpus_identified_and_monitoring_updates(corpus, loaded):
    by_id = {rec.incident.id: rec for rec in loaded.records}
    with_identified = with_monitoring = 0
    for _, doc in corpus:
        statuses = [u["status"] for u in doc["incident"]["incident_updates"]]
        rec = by_id[doc["incident"]["id"]]
        mitigations = [e for e in rec.events if e.type is EventType.MITIGATION]
        has_monitoring = "monitoring" in statuses or doc["incident"]["monitoring_at"]
        assert len(mitigations) == (1 if has_monitoring else 0)
        with_monitoring += bool(has_monitoring)
        with_identified += "identified" in statuses
    # The corpus README: "only a handful carry identified or monitoring updates".
    assert 0 < with_identified < 10
    assert 0 < with_monitoring < 10


def test_a_corpus_incident_checked_by_hand(corpus, loaded):
    # lc8s9rtyjmgq.json, read by eye: impact major, five updates (two
    # investigating, identified 22:24:05.186, monitoring 22:37:02.850,
    # resolved 23:10:51.289), started 20:09:03.894, created 20:09:03.904.
    rec = next(r for r in loaded.records if r.incident.id == "lc8s9rtyjmgq")
    assert rec.incident.severity == "SEV2"
    # components[] has id br0l2tvcx85d named "Actions"; four updates list the
    # same component (code br0l2tvcx85d) as "GitHub Actions": one service,
    # named as components[] names it.
    assert rec.incident.affected_services == ("Actions",)
    assert rec.incident.service == "Actions"
    assert [
        (str(e.type), e.timestamp, e.metadata.get("status")) for e in rec.events
    ] == [
        ("trigger", at("2021-08-10T20:09:03.894Z"), None),
        ("communication", at("2021-08-10T20:09:04.042Z"), "investigating"),
        ("communication", at("2021-08-10T20:16:57.461Z"), "investigating"),
        ("communication", at("2021-08-10T22:24:05.186Z"), "identified"),
        ("communication", at("2021-08-10T22:37:02.850Z"), "monitoring"),
        ("mitigation", at("2021-08-10T22:37:02.850Z"), None),
        ("communication", at("2021-08-10T23:10:51.289Z"), "resolved"),
    ]
    from incidentkit.figures import incident

    durations = incident.phase_durations(rec)
    # started 20:09:03.894 → identified 22:24:05.186: 2 h 15 min 1.292 s
    assert durations.time_to_identify.total_seconds() == pytest.approx(
        2 * 3600 + 15 * 60 + 1.292
    )
    # started 20:09:03.894 → resolved 23:10:51.289: 3 h 1 min 47.395 s
    assert durations.time_to_resolve.total_seconds() == pytest.approx(
        3 * 3600 + 60 + 47.395
    )


# --- re-opened incidents, maintenance, components ---------------------------


def test_a_reopened_incident_is_mitigated_by_the_fix_that_held():
    rec = from_statuspage(
        incident_doc(
            incident_updates=[
                update("resolved", "2024-03-01T18:30:00Z"),
                update("monitoring", "2024-03-01T18:20:00Z"),  # the fix that held
                update("identified", "2024-03-01T12:00:00Z"),
                update("monitoring", "2024-03-01T10:40:00Z"),  # a failed fix
                update("monitoring", "2024-03-01T10:45:00Z"),  # still the same
                update("investigating", "2024-03-01T10:05:00Z"),
            ],
            resolved_at="2024-03-01T18:30:00Z",
        )
    )
    mitigations = [e.timestamp for e in rec.events if e.type is EventType.MITIGATION]
    assert mitigations == [at("2024-03-01T10:40:00Z"), at("2024-03-01T18:20:00Z")]
    # started_at 09:58 -> 18:20 = 8 h 22 min.
    assert (
        ik.phase_durations(rec).time_to_mitigate.total_seconds() == 8 * 3600 + 22 * 60
    )


def test_a_scheduled_maintenance_is_measured_over_its_window():
    # The shape of a real completed maintenance (status.quay.io, 2016): the
    # announcement a day before, a two-hour window, completed later.
    rec = from_statuspage(
        incident_doc(
            status="completed",
            impact="none",
            created_at="2016-04-22T15:27:44.545-04:00",
            started_at=None,
            resolved_at="2016-04-23T18:41:40.587-04:00",
            scheduled_for="2016-04-23T15:00:00.000-04:00",
            scheduled_until="2016-04-23T17:00:00.000-04:00",
            incident_updates=[
                update("completed", "2016-04-23T18:41:40.587-04:00"),
                update("scheduled", "2016-04-22T15:27:44.901-04:00"),
            ],
        )
    )
    assert rec.incident.kind == "maintenance"
    assert rec.incident.is_maintenance
    assert "kind" not in rec.incident.extra["statuspage"]
    assert rec.incident.extra["statuspage"]["scheduled_until"] == (
        "2016-04-23T17:00:00.000-04:00"
    )
    window = at("2016-04-23T19:00:00Z")  # 15:00 at -04:00
    assert rec.incident.declared_at == window
    # The announcement is a communication before the trigger, not the start.
    assert [(e.type, e.timestamp) for e in rec.events[:2]] == [
        (EventType.COMMUNICATION, at("2016-04-22T19:27:44.901Z")),
        (EventType.TRIGGER, window),
    ]
    # 15:00:00 -> 18:41:40.587 = 3 h 41 min 40.587 s, not a day and more.
    assert ik.phase_durations(rec).time_to_resolve.total_seconds() == 13300.587


def test_maintenance_impact_alone_marks_a_maintenance():
    rec = from_statuspage(incident_doc(impact="maintenance"))
    assert rec.incident.kind == "maintenance"
    assert rec.incident.declared_at == at("2024-03-01T10:05:00Z")  # no window
    assert from_statuspage(incident_doc()).incident.kind == "incident"


def test_the_no_components_placeholder_names_no_service():
    placeholder = {"name": "No components were affected by this update."}
    rec = from_statuspage(
        incident_doc(
            components=[],
            incident_updates=[
                update(
                    "resolved",
                    "2024-03-01T11:00:00Z",
                    affected_components=[placeholder],
                )
            ],
        )
    )
    assert rec.incident.affected_services == ()


def test_a_component_in_a_group_is_one_service():
    grouped = {"code": "c1", "name": "Backend - Fraud Detection Service"}
    rec = from_statuspage(
        incident_doc(
            components=[
                {"id": "c1", "name": "Fraud Detection Service", "group_id": "g"}
            ],
            incident_updates=[
                update(
                    "resolved", "2024-03-01T11:00:00Z", affected_components=[grouped]
                ),
                update(
                    "investigating",
                    "2024-03-01T10:05:00Z",
                    affected_components=[grouped],
                ),
            ],
        )
    )
    assert rec.incident.affected_services == ("Fraud Detection Service",)


def test_real_incident_00km0kwpz23b():
    # tests/fixtures/statuspage/00km0kwpz23b.json (githubstatus.com): started
    # 17:04:42.456Z, resolved 18:14:45.860Z: 1 h 10 min 3.404 s = 4203.404 s;
    # three investigating updates, no monitoring: mitigated unknown.
    doc = json.loads((FIXTURES / "00km0kwpz23b.json").read_text(encoding="utf-8"))
    rec = from_statuspage(doc)
    durations = ik.phase_durations(rec)
    assert durations.time_to_resolve.total_seconds() == 4203.404
    assert durations.time_to_mitigate is None
    assert rec.incident.affected_services == ("Git Operations", "Actions")
    # Two components: no one service to count it under, none picked.
    assert rec.incident.service is None


@pytest.mark.parametrize(
    ("name", "identify", "mitigate", "resolve"),
    [
        # started 00:06:40.649; monitoring 00:45:43.740 (39:03.091 later);
        # resolved 00:47:50.977 (41:10.328); no identified update.
        ("2k3z9fkr9z5g", None, (39, 3, 91), (41, 10, 328)),
        # started 16:12:01.644; identified 16:22:14.769 (10:13.125);
        # monitoring 16:28:27.036 (16:25.392); resolved 16:37:46.707 (25:45.063).
        ("rgy28jwprr1c", (10, 13, 125), (16, 25, 392), (25, 45, 63)),
        # started 00:50:29.158; monitoring 01:57:45.932 (1:07:16.774);
        # resolved 02:10:07.243 (1:19:38.085); no identified update.
        ("xvk42jkm6fzk", None, (67, 16, 774), (79, 38, 85)),
    ],
)
def test_real_incidents_checked_by_hand(name, identify, mitigate, resolve):
    def span(parts):
        if parts is None:
            return None
        minutes, seconds, millis = parts
        return timedelta(minutes=minutes, seconds=seconds, milliseconds=millis)

    doc = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    durations = ik.phase_durations(from_statuspage(doc))
    assert durations.time_to_identify == span(identify)
    assert durations.time_to_mitigate == span(mitigate)
    assert durations.time_to_resolve == span(resolve)


def test_updates_sharing_one_time_keep_their_order():
    # Statuspage lists updates newest first, also when all share one time
    # (an incident posted and resolved in one go): read in reverse, they
    # come out investigating, then resolved.
    doc = {
        "id": "same1",
        "name": "Blip",
        "status": "resolved",
        "impact": "minor",
        "created_at": "2024-03-01T10:00:00Z",
        "resolved_at": "2024-03-01T10:00:00Z",
        "incident_updates": [
            {
                "status": "resolved",
                "body": "Fixed.",
                "display_at": "2024-03-01T10:00:00Z",
            },
            {
                "status": "investigating",
                "body": "Looking.",
                "display_at": "2024-03-01T10:00:00Z",
            },
        ],
    }
    rec = ik.from_dict(doc, format="statuspage")
    assert [c.message for c in rec.communications] == ["Looking.", "Fixed."]


def test_real_scheduled_maintenance_of_discordstatus_com():
    # tests/fixtures/statuspage/lists/discord-scheduled-maintenances.json:
    # discordstatus.com's scheduled-maintenances.json, one completed
    # maintenance (chkt3cr0jf7b). By hand from the raw JSON:
    # scheduled_for 2015-09-22T01:00:00.000-07:00 = 08:00:00Z (the start);
    # resolved_at 02:25:20.034-07:00 = 09:25:20.034Z:
    # 1 h 25 min 20.034 s = 5120.034 s (the announcement, created_at
    # 2015-09-18T18:20:40.535-07:00, would give 3 days 8 h and more).
    # No "monitoring" update (maintenances say "verifying"): the mitigation
    # is monitoring_at 01:07:50.805-07:00, 7 min 50.805 s = 470.805 s in.
    path = FIXTURES / "lists" / "discord-scheduled-maintenances.json"
    loaded = ik.load_many([path], format="statuspage")
    assert loaded.records == ik.load_many([path], format="auto").records
    (rec,) = loaded.records
    assert rec.incident.id == "chkt3cr0jf7b"
    assert rec.incident.kind == "maintenance"
    assert rec.incident.severity == "SEV2"  # impact "major"
    assert rec.incident.declared_at == at("2015-09-22T08:00:00Z")
    durations = ik.phase_durations(rec)
    assert durations.time_to_resolve.total_seconds() == 5120.034
    assert durations.time_to_mitigate.total_seconds() == 470.805
    # Four updates, oldest first, each an external communication at its
    # display_at: scheduled 09-18 18:20:00, in_progress 09-22 00:55:02.284,
    # verifying 01:07:50.805, completed 02:25:20.034 (all -07:00).
    assert [c.timestamp for c in rec.communications] == [
        at("2015-09-19T01:20:00Z"),
        at("2015-09-22T07:55:02.284Z"),
        at("2015-09-22T08:07:50.805Z"),
        at("2015-09-22T09:25:20.034Z"),
    ]
    # Statuspage has no acknowledgement: none is made up.
    assert ik.milestones(rec).acknowledged is None
    table = ik.load_table([path, FIXTURES / "00km0kwpz23b.json"], format="auto")
    assert table["kind"].tolist() == ["maintenance", "incident"]
    stats = table.group_stats("time_to_resolve")
    # Only the githubstatus.com incident: 4203.404 s (see below).
    assert (stats.count.tolist(), stats.mean.tolist(), stats.left_out) == (
        [1],
        [4203.404],
        1,
    )


def test_a_summary_lists_its_incidents_then_its_maintenances():
    # summary.json holds unresolved incidents and scheduled maintenances.
    page = {"id": "p", "name": "Acme"}
    summary = {
        "page": page,
        "incidents": [{"id": "i1"}],
        "scheduled_maintenances": [{"id": "m1"}],
        "status": {"indicator": "none"},
    }
    assert ik.formats.list_documents(summary, "statuspage") == [
        {"page": page, "incident": {"id": "i1"}},
        {"page": page, "incident": {"id": "m1"}},
    ]
    # Other formats have no maintenances list: it is no list of theirs.
    assert (
        ik.formats.list_documents(
            {"scheduled_maintenances": [{"id": "m1"}]}, "pagerduty"
        )
        is None
    )


def test_the_real_fixtures_group_by_component():
    # The githubstatus.com fixtures, read from the raw JSON here: the
    # distinct components (components[].id, and the updates'
    # affected_components[].code); one is the service, several none.
    paths = sorted(FIXTURES.glob("*.json"))
    expected = []
    for path in paths:
        raw = json.loads(path.read_text(encoding="utf-8"))["incident"]
        names = {c["id"]: c["name"] for c in raw.get("components") or []}
        for update in raw["incident_updates"]:
            for component in update.get("affected_components") or []:
                if component.get("code"):
                    names.setdefault(component["code"], component["name"])
        expected.append(next(iter(names.values())) if len(names) == 1 else None)
    # 00km0kwpz23b has two (Git Operations, Actions): not every row has one.
    assert None in expected
    assert any(expected)
    table = ik.load_table(paths, format="statuspage")
    assert table["service"].tolist() == expected
    stats = table.group_stats("time_to_resolve", by="service")
    assert int(stats.count.sum()) == sum(name is not None for name in expected)


def test_the_table_says_where_rows_came_from():
    # Imported rows carry their format; a record of incidentkit's own format
    # none. Both table paths read the same field.
    paths = sorted(FIXTURES.glob("*.json"))
    imported = ik.load_table(paths, format="statuspage")
    assert imported["source"].tolist() == ["statuspage"] * len(paths)
    records = ik.load_many(paths, format="statuspage").records
    table = ik.IncidentTable.from_records([*records, ik.example()])
    assert table["source"].tolist() == ["statuspage"] * len(paths) + [None]
    assert ik.load_table([ik.example_path()])["source"].tolist() == [None]
