from __future__ import annotations

import copy
import importlib.util
import os
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import incidentkit as ik
from conftest import REPO
from incidentkit.checks.engine import (
    CheckPolicy,
    Finding,
    check,
    check_counts,
    check_many,
    count_levels,
)
from incidentkit.checks.rules import FAMILIES, LEVELS, RULES
from incidentkit.figures.communications import CommunicationPolicy
from incidentkit.figures.severity import SeverityPolicy
from strategies import ordered_milestone_records, records

UTC = timezone.utc


def run(doc: dict[str, Any], code: str, **kwargs: Any) -> list[Finding]:
    """The findings of one rule on a document."""
    return [f for f in check(ik.from_dict(doc), **kwargs) if f.code == code]


def where(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.level, f.path) for f in findings]


def minimal(**incident: Any) -> dict[str, Any]:
    doc = {
        "id": "INC-1",
        "title": "t",
        "severity": "SEV3",
        "status": "resolved",
        "declared_at": "2024-01-15T10:00:00Z",
        "resolved_at": "2024-01-15T11:00:00Z",
    }
    doc.update(incident)
    return {"incident": doc}


# --- the example ----------------------------------------------------------------------


def test_example_has_no_error_and_the_known_findings():
    findings = check(ik.example())
    assert not [f for f in findings if f.level == "error"]
    assert [(f.code, f.path) for f in findings] == [
        # P1 canary item: due 2024-02-01, resolved 2024-01-15: 17 days > 15.
        ("IK503", "action_items[1].deadline"),
        # 14:45 "Next update in 15 minutes" (by 15:00); next update 15:20.
        ("IK404", "communications[2].message"),
        # SEV1 limit 30 min: 14:45 -> 15:20 is 35 min, 15:20 -> 16:50 is 90 min.
        ("IK403", "communications[3].timestamp"),
        ("IK403", "communications[4].timestamp"),
        # order-service is a dependent service but not an affected one.
        ("IK304", "signals.dependent_services[2]"),
    ]


def test_example_messages_carry_the_values_and_the_fix():
    messages = {(f.code, f.path): f.message for f in check(ik.example())}
    assert messages["IK503", "action_items[1].deadline"] == (
        "action_items[1] 'Implement canary deployment pipeline for database "
        "configuration and ORM changes' is P1 and due 2024-02-01, 17 days after "
        "the resolution on 2024-01-15; P1 items are due within 15 days: move the "
        "deadline to 2024-01-30 at the latest, or lower the priority"
    )
    assert messages["IK404", "communications[2].message"] == (
        "the update at 2024-01-15T14:45:00Z promised the next within 15 min (by "
        "2024-01-15T15:00:00Z), but the next came at 2024-01-15T15:20:00Z, 20 min "
        "late: post an update by the promised time, even without news"
    )
    assert messages["IK403", "communications[3].timestamp"] == (
        "35 min without an external update, from 2024-01-15T14:45:00Z to "
        "2024-01-15T15:20:00Z, over the 30 min limit for SEV1: post updates at "
        "least every 30 min, even without news"
    )
    assert (
        "1 h 30 min without an external update"
        in (messages["IK403", "communications[4].timestamp"])
    )
    assert messages["IK304", "signals.dependent_services[2]"] == (
        "'order-service' is in signals.dependent_services but not in "
        "incident.affected_services ['checkout', 'subscription-billing']: add it to "
        "affected_services, or drop it from the signals if it was not hit"
    )


# --- severity -------------------------------------------------------------------------


def test_ik101_under_declared_is_an_error_with_the_evidence(example_doc):
    example_doc["incident"]["severity"] = "SEV3"
    example_doc["impact"]["security_breach"] = True
    (finding,) = run(example_doc, "IK101")
    assert (finding.level, finding.path) == ("error", "incident.severity")
    assert finding.message == (
        "declared SEV3, but the impact matches SEV1 (security_breach is true; SEV1 "
        "applies when data is exposed by a security breach; also high_revenue): "
        "declare SEV1, or correct the impact if it is wrong"
    )


@pytest.mark.parametrize("severity", ["SEV1", "SEV0", "P1", "critical"])
def test_ik101_not_when_as_severe_or_more(example_doc, severity):
    # The example warrants SEV1; SEV0 is beyond the policy's levels and counts
    # as its most severe one.
    example_doc["incident"]["severity"] = severity
    assert run(example_doc, "IK101") == []


HARMLESS_IMPACT = {
    "revenue_impact": "none",
    "affected_users_percentage": 0,
    "data_integrity_risk": False,
    "security_breach": False,
    "customer_facing": False,
    "degradation_type": "partial",
    "workaround_available": True,
}


def test_ik102_over_declared_is_a_warning(example_doc):
    example_doc["impact"] = dict(HARMLESS_IMPACT)
    example_doc["resolution"]["customer_impact"]["data_loss"] = False
    (finding,) = run(example_doc, "IK102")
    assert (finding.level, finding.path) == ("warning", "incident.severity")
    assert finding.message == (
        "declared SEV1, but no criterion of SEV1 or above can hold, so the impact "
        "warrants at most SEV4 (SEV1 needs one of: security_breach, data_loss, "
        "down_for_all, high_revenue): lower the severity, or record the impact "
        "that justifies it"
    )


def test_ik102_names_the_criterion_the_impact_meets(example_doc):
    # Revenue "medium" and nothing else: SEV2's medium_revenue, not SEV1.
    example_doc["impact"] = dict(HARMLESS_IMPACT, revenue_impact="medium")
    example_doc["resolution"]["customer_impact"]["data_loss"] = False
    (finding,) = run(example_doc, "IK102")
    assert "warrants at most SEV2" in finding.message
    assert "the impact meets SEV2's medium_revenue (revenue_impact is medium" in (
        finding.message
    )


def test_ik102_major_level_is_a_policy_knob(example_doc):
    example_doc["incident"]["severity"] = "SEV3"
    example_doc["impact"] = dict(HARMLESS_IMPACT)
    example_doc["resolution"]["customer_impact"]["data_loss"] = False
    assert run(example_doc, "IK102") == []
    policy = ik.Policy(severity=SeverityPolicy(major=3))
    assert len(run(example_doc, "IK102", policy=policy)) == 1


def test_ik102_not_when_a_missing_field_could_justify_it(example_doc):
    # "If unsure, treat it as the higher one": an unknown breach keeps SEV1.
    example_doc["impact"] = dict(HARMLESS_IMPACT)
    del example_doc["impact"]["security_breach"]
    example_doc["resolution"]["customer_impact"]["data_loss"] = False
    assert run(example_doc, "IK102") == []


@pytest.mark.parametrize("severity", ["SEV3", "SEV4", "SEV5"])
def test_ik102_not_below_major_or_at_the_warranted_level(example_doc, severity):
    # SEV3 is more severe than the SEV4 the impact warrants, but not major:
    # PagerDuty's SEV-3 covers internal risks the impact fields do not record.
    example_doc["incident"]["severity"] = severity
    example_doc["impact"] = dict(HARMLESS_IMPACT)
    example_doc["resolution"]["customer_impact"]["data_loss"] = False
    assert run(example_doc, "IK102") == []
    assert run(example_doc, "IK101") == []


def test_ik103_unknown_label(example_doc):
    example_doc["incident"]["severity"] = "urgent"
    (finding,) = run(example_doc, "IK103")
    assert where([finding]) == [("error", "incident.severity")]
    assert "severity 'urgent' maps to no level" in finding.message
    assert "Policy().with_labels({'urgent': <level>})" in finding.message


def test_no_severity_is_an_info_not_an_error(example_doc):
    # SPEC §10: a source without a severity gives None, unknown, not an error.
    example_doc["incident"]["severity"] = None
    assert run(example_doc, "IK103") == []
    (finding,) = run(example_doc, "IK104")
    assert where([finding]) == [("info", "incident.severity")]
    assert "no severity is recorded" in finding.message
    # The severity-dependent rules do not judge it (the example needs SEV1).
    assert run(example_doc, "IK101") == []
    assert run(example_doc, "IK102") == []
    rec = ik.from_dict(example_doc)
    assert not [f for f in ik.check(rec) if f.level == "error"]


def test_ik104_not_on_a_recorded_severity(example_doc):
    assert run(example_doc, "IK104") == []


def test_ik103_not_when_the_policy_maps_the_word(example_doc):
    example_doc["incident"]["severity"] = "urgent"
    policy = ik.Policy().with_labels({"urgent": 1})
    assert run(example_doc, "IK103", policy=policy) == []
    assert run(example_doc, "IK101", policy=policy) == []


def test_team_labels_drive_the_cadence_and_required_types(example_doc):
    # "urgent" is level 1 for this team: the SEV1 cadence (30 min) and the SEV1
    # required types apply, although the default labels do not know the word.
    example_doc["incident"]["severity"] = "urgent"
    example_doc["action_items"] = example_doc["action_items"][1:]  # no detection
    policy = ik.Policy().with_labels({"urgent": 1})
    codes = [f.code for f in check(ik.from_dict(example_doc), policy=policy)]
    assert codes.count("IK403") == 2
    assert "IK505" in codes


# --- timeline -------------------------------------------------------------------------


def test_ik201_started_after_detected(example_doc):
    example_doc["events"][0]["timestamp"] = "2024-01-15T14:22:00Z"  # trigger
    (finding,) = run(example_doc, "IK201")
    assert where([finding]) == [("error", "events[1].timestamp")]
    # detected 14:20, started 14:22: both spans from started to detected are
    # -2 min; time_to_identify (14:22 -> 14:45) stays positive.
    assert finding.message == (
        "detected (2024-01-15T14:20:00Z) is before started (2024-01-15T14:22:00Z), "
        "2 min out of order; time_to_detect, detection turn negative: fix the "
        "timestamp behind detected or started"
    )


def test_ik201_resolved_before_identified():
    doc = minimal(resolved_at="2024-01-15T11:00:00Z")
    doc["events"] = [
        {
            "timestamp": "2024-01-15T12:00:00Z",
            "type": "investigation",
            "metadata": {"status": "identified"},
        }
    ]
    (finding,) = run(doc, "IK201")
    assert where([finding]) == [("error", "incident.resolved_at")]
    assert finding.message.startswith(
        "resolved (2024-01-15T11:00:00Z) is before identified "
        "(2024-01-15T12:00:00Z), 1 h out of order"
    )


def test_ik201_not_for_the_example_nor_equal_milestones():
    assert run(ik.to_dict(ik.example()), "IK201") == []
    same = minimal(resolved_at="2024-01-15T10:00:00Z")
    assert run(same, "IK201") == []


def test_ik202_unsorted_events(example_doc):
    events = example_doc["events"]
    events[1], events[2] = events[2], events[1]  # 14:21 listed before 14:20
    (finding,) = run(example_doc, "IK202")
    assert where([finding]) == [("warning", "events[2].timestamp")]
    assert finding.message.startswith(
        "events[2] (2024-01-15T14:20:00Z) is listed after events[1] "
        "(2024-01-15T14:21:00Z)"
    )


def test_ik202_not_when_sorted_with_ties(example_doc):
    example_doc["events"][2]["timestamp"] = example_doc["events"][1]["timestamp"]
    assert run(example_doc, "IK202") == []


def _early_event(doc: dict[str, Any], timestamp: str) -> None:
    doc["events"].insert(
        0, {"timestamp": timestamp, "type": "investigation", "description": "x"}
    )


def test_ik203_event_long_before_the_start(example_doc):
    _early_event(example_doc, "2024-01-14T14:25:00Z")
    (finding,) = run(example_doc, "IK203")
    assert where([finding]) == [("warning", "events[0].timestamp")]
    # Started 2024-01-15 14:15; the event is 23 h 50 min earlier.
    assert "is 23 h 50 min before the incident started" in finding.message


@pytest.mark.parametrize("timestamp", ["2024-01-15T13:15:00Z", "2024-01-15T14:00:00Z"])
def test_ik203_not_within_the_limit(example_doc, timestamp):
    # 13:15 is exactly the 1 h limit before 14:15.
    _early_event(example_doc, timestamp)
    assert run(example_doc, "IK203") == []


def test_ik203_limit_is_a_policy_knob(example_doc):
    _early_event(example_doc, "2024-01-15T14:00:00Z")
    rules = CheckPolicy(early_event_limit=timedelta(minutes=10))
    assert len(run(example_doc, "IK203", rules=rules)) == 1


def test_ik204_event_long_after_the_resolution(example_doc):
    example_doc["events"].append(
        {"timestamp": "2024-01-16T09:00:00Z", "type": "mitigation"}
    )
    (finding,) = run(example_doc, "IK204")
    assert where([finding]) == [("warning", "events[18].timestamp")]
    # Resolved 16:45; 09:00 next day is 16 h 15 min later.
    assert "is 16 h 15 min after the resolution" in finding.message


def test_ik204_not_for_the_final_update_within_the_grace(example_doc):
    # The example's final status update is 5 min after; 17:45 is exactly 1 h.
    example_doc["events"].append(
        {"timestamp": "2024-01-15T17:45:00Z", "type": "communication"}
    )
    assert run(example_doc, "IK204") == []


def test_ik205_resolved_status_without_resolved_at(example_doc):
    del example_doc["incident"]["resolved_at"]
    (finding,) = run(example_doc, "IK205")
    assert where([finding]) == [("error", "incident.resolved_at")]
    assert "(the earliest resolution event is at 2024-01-15T16:45:00Z)" in (
        finding.message
    )


def test_ik205_not_for_an_open_incident(example_doc):
    del example_doc["incident"]["resolved_at"]
    example_doc["incident"]["status"] = "monitoring"
    assert run(example_doc, "IK205") == []


@pytest.mark.parametrize("status", ["Investigating", "in_progress", "In-Progress"])
def test_ik206_open_status_with_resolved_at(example_doc, status):
    example_doc["incident"]["status"] = status
    (finding,) = run(example_doc, "IK206")
    assert where([finding]) == [("error", "incident.status")]
    assert "resolved_at is 2024-01-15T16:45:00Z" in finding.message


def test_ik206_not_for_unknown_statuses(example_doc):
    # A status the policy does not know is not judged.
    example_doc["incident"]["status"] = "cancelled"
    assert run(example_doc, "IK206") == []
    assert run(example_doc, "IK205") == []


def test_ik207_open_status_with_resolution(example_doc):
    del example_doc["incident"]["resolved_at"]
    example_doc["incident"]["status"] = "monitoring"
    assert where(run(example_doc, "IK207")) == [("warning", "resolution")]
    del example_doc["resolution"]
    assert run(example_doc, "IK207") == []


def test_ik208_zero_length_incident():
    doc = minimal(resolved_at="2024-01-15T10:00:00Z")
    (finding,) = run(doc, "IK208")
    assert where([finding]) == [("error", "incident.resolved_at")]
    assert finding.message.startswith("the incident lasts 0 min")
    assert run(doc, "IK201") == []


def test_ik208_negative_length_and_not_for_a_real_duration():
    negative = minimal(resolved_at="2024-01-15T09:00:00Z")
    assert "lasts -1 h" in run(negative, "IK208")[0].message
    assert run(minimal(), "IK208") == []


# --- consistency ----------------------------------------------------------------------


def test_ik301_declaration_event_severity(example_doc):
    example_doc["events"][3]["metadata"]["severity"] = "SEV2"
    (finding,) = run(example_doc, "IK301")
    assert where([finding]) == [("warning", "events[3].metadata.severity")]
    assert "says 'SEV2' but incident.severity is 'SEV1'" in finding.message


def test_ik301_not_for_another_spelling_of_the_same_level(example_doc):
    example_doc["events"][3]["metadata"]["severity"] = "sev-1"
    assert run(example_doc, "IK301") == []


def test_ik302_commander_not_a_participant(example_doc):
    example_doc["incident"]["commander"] = "Dana White"
    (finding,) = run(example_doc, "IK302")
    assert where([finding]) == [("warning", "incident.commander")]
    assert finding.message.startswith(
        "commander 'Dana White' is not among the participants ['Jane Smith', "
    )
    assert run(ik.to_dict(ik.example()), "IK302") == []


def test_ik303_commander_without_the_role(example_doc):
    example_doc["participants"][0]["role"] = "Operations Lead"
    (finding,) = run(example_doc, "IK303")
    assert where([finding]) == [("warning", "participants[0].role")]


@pytest.mark.parametrize(
    "role", ["Incident Commander", "IC", " incident  commander ", "incident_commander"]
)
def test_ik303_not_with_a_commander_role(example_doc, role):
    example_doc["participants"][0]["role"] = role
    assert run(example_doc, "IK303") == []


def test_ik304_not_once_the_service_is_listed(example_doc):
    example_doc["incident"]["affected_services"].append("Order-Service")
    assert run(example_doc, "IK304") == []


@pytest.mark.parametrize(
    ("endpoint", "service"),
    [
        ("https://order-service.internal/v1/orders", "order-service"),
        ("order-service:/v1/orders", "order-service"),
        ("GET inventory/v2/items", "inventory"),
    ],
)
def test_ik305_endpoint_of_an_unlisted_service(example_doc, endpoint, service):
    example_doc["signals"]["affected_endpoints"].append(endpoint)
    (finding,) = run(example_doc, "IK305")
    assert where([finding]) == [("warning", "signals.affected_endpoints[3]")]
    assert finding.message.startswith(
        f"endpoint {endpoint!r} belongs to {service!r}, which is not in "
        "incident.affected_services ['checkout', 'subscription-billing']"
    )


@pytest.mark.parametrize(
    "endpoint",
    [
        "/api/orders",  # a bare path names no service
        "GET /v2/orders",
        "orders",  # a bare word: a service or a resource?
        "https://api.company.com/orders",  # a generic host
        "https://10.0.0.7:8443/orders",
        "https://checkout.internal/v1/carts",  # listed
        "PAYMENT-GATEWAY:/v1/charges",  # the incident's own service
    ],
)
def test_ik305_not_for_paths_or_listed_services(example_doc, endpoint):
    example_doc["signals"]["affected_endpoints"].append(endpoint)
    assert run(example_doc, "IK305") == []


def test_ik306_data_loss_without_integrity_risk(example_doc):
    example_doc["resolution"]["customer_impact"]["data_loss"] = True
    assert where(run(example_doc, "IK306")) == [("error", "impact.data_integrity_risk")]
    example_doc["impact"]["data_integrity_risk"] = True
    assert run(example_doc, "IK306") == []


def test_ik307_affected_user_figures_contradict(example_doc):
    example_doc["impact"]["affected_users_percentage"] = 0
    assert where(run(example_doc, "IK307")) == [
        ("error", "impact.affected_users_percentage")
    ]
    example_doc["impact"]["affected_users_percentage"] = 45
    example_doc["resolution"]["customer_impact"]["affected_users"] = 0
    findings = run(example_doc, "IK307")
    # 45 % with 0 users, and 342 failed transactions with 0 users.
    assert where(findings) == [
        ("error", "resolution.customer_impact.affected_users"),
        ("error", "resolution.customer_impact.affected_users"),
    ]
    assert run(ik.to_dict(ik.example()), "IK307") == []


def test_ik308_customer_facing_false_with_customers_hit(example_doc):
    example_doc["impact"]["customer_facing"] = False
    (finding,) = run(example_doc, "IK308")
    assert where([finding]) == [("warning", "impact.customer_facing")]
    assert finding.message == (
        "customer_facing is false but customer_impact.affected_users is 12500, "
        "customer_impact.failed_transactions is 342, "
        "customer_impact.revenue_impact_usd is 28500, signals.customer_reports is "
        "8: set customer_facing to true, or correct the customer figures"
    )


def test_ik308_not_for_an_internal_incident(example_doc):
    example_doc["impact"]["customer_facing"] = False
    del example_doc["resolution"]["customer_impact"]
    example_doc["signals"]["customer_reports"] = 0
    assert run(example_doc, "IK308") == []


# --- communications -------------------------------------------------------------------


def test_ik401_customer_facing_without_external_updates(example_doc):
    example_doc["communications"] = [
        c for c in example_doc["communications"] if c["audience"] == "internal"
    ]
    (finding,) = run(example_doc, "IK401")
    assert where([finding]) == [("warning", "communications")]
    assert "no communications entry with audience 'external'" in finding.message


def test_ik401_falls_back_to_status_page_events(example_doc):
    del example_doc["communications"]
    assert run(example_doc, "IK401") == []  # four status_page events
    for event in example_doc["events"]:
        event.get("metadata", {}).pop("channel", None)
    (finding,) = run(example_doc, "IK401")
    assert "no communications section" in finding.message


def test_ik401_not_for_an_open_incident(example_doc):
    # Declared minutes ago, perhaps: without the clock there is no telling.
    example_doc["communications"] = []
    del example_doc["incident"]["resolved_at"]
    example_doc["incident"]["status"] = "investigating"
    example_doc["events"] = [
        e for e in example_doc["events"] if e["type"] != "resolution"
    ]
    assert run(example_doc, "IK401") == []


def test_ik401_not_for_an_internal_incident(example_doc):
    example_doc["communications"] = []
    example_doc["impact"]["customer_facing"] = False
    assert run(example_doc, "IK401") == []


def test_ik402_first_update_late(example_doc):
    # Without the 14:30 and 14:45 updates the first is at 15:20, 57 min after
    # the declaration at 14:23 (SEV1 limit 30 min).
    comms = example_doc["communications"]
    example_doc["communications"] = [comms[1], comms[3], comms[4]]
    (finding,) = run(example_doc, "IK402")
    assert where([finding]) == [("warning", "communications[1].timestamp")]
    assert finding.message.startswith(
        "the first external update came 57 min after the declaration "
        "(2024-01-15T14:23:00Z), over the 30 min limit for SEV1"
    )


def test_ik402_not_at_exactly_the_limit(example_doc):
    # Only the 14:45 update moved to 14:53: 30 min after 14:23.
    del example_doc["communications"][0]
    example_doc["communications"][1]["timestamp"] = "2024-01-15T14:53:00Z"
    assert run(example_doc, "IK402") == []
    assert run(ik.to_dict(ik.example()), "IK402") == []  # 7 min


def test_ik403_not_with_a_longer_cadence():
    policy = ik.Policy(
        communications=CommunicationPolicy(max_gap_by_level={1: timedelta(hours=2)})
    )
    assert [f for f in check(ik.example(), policy=policy) if f.code == "IK403"] == []


def test_ik404_not_when_the_promise_is_kept(example_doc):
    # "Next update in 45 minutes" at 14:45 promises 15:30; the next is 15:20.
    example_doc["communications"][2]["message"] = (
        "Identified. Next update in 45 minutes."
    )
    assert run(example_doc, "IK404") == []


def test_ik404_points_at_the_event_in_the_fallback(example_doc):
    del example_doc["communications"]
    example_doc["events"][9]["description"] = "Identified. Next update in 15 minutes."
    (finding,) = run(example_doc, "IK404")
    # 14:45 promises 15:00; the next status_page event is 15:20.
    assert where([finding]) == [("warning", "events[9].description")]


# --- action items ---------------------------------------------------------------------


def test_ik501_and_ik502_missing_owner_and_deadline(example_doc):
    del example_doc["action_items"][0]["owner"]
    del example_doc["action_items"][3]["deadline"]
    assert where(run(example_doc, "IK501")) == [("warning", "action_items[0].owner")]
    assert where(run(example_doc, "IK502")) == [("warning", "action_items[3].deadline")]
    assert run(ik.to_dict(ik.example()), "IK501") == []
    assert run(ik.to_dict(ik.example()), "IK502") == []


@pytest.mark.parametrize(
    ("priority", "deadline", "flagged"),
    [
        ("P1", "2024-01-30", False),  # 15 days after 2024-01-15: the limit
        ("P1", "2024-01-31", True),  # 16 days
        ("P0", "2024-01-31", True),  # more urgent than P1: P1's 15 days
        ("P2", "2024-02-14", False),  # 30 days
        ("P2", "2024-02-15", True),  # 31 days
        ("P3", "2024-03-15", False),  # 16 + 29 + 15 = 60 days
        ("P3", "2024-03-16", True),  # 61 days
        ("P4", "2025-01-01", False),  # no limit for P4
        ("critical", "2024-01-31", True),  # the severity words read priorities
    ],
)
def test_ik503_deadline_limits_by_priority(example_doc, priority, deadline, flagged):
    example_doc["action_items"][0].update(priority=priority, deadline=deadline)
    found = [f.path for f in run(example_doc, "IK503")]
    assert ("action_items[0].deadline" in found) == flagged


def test_ik503_not_for_an_open_incident(example_doc):
    del example_doc["incident"]["resolved_at"]
    example_doc["incident"]["status"] = "investigating"
    example_doc["events"] = [
        e for e in example_doc["events"] if e["type"] != "resolution"
    ]
    assert run(example_doc, "IK503") == []


def test_ik503_deadline_days_are_a_policy_knob():
    policy = ik.Policy(deadline_days={1: 20, 2: 30, 3: 60})
    assert [f for f in check(ik.example(), policy=policy) if f.code == "IK503"] == []


def test_ik504_unknown_priority(example_doc):
    example_doc["action_items"][2]["priority"] = "asap"
    assert where(run(example_doc, "IK504")) == [("info", "action_items[2].priority")]
    assert run(ik.to_dict(ik.example()), "IK504") == []


def test_ik505_required_types_missing(example_doc):
    example_doc["action_items"] = example_doc["action_items"][1:]  # drop detection
    (finding,) = run(example_doc, "IK505")
    assert where([finding]) == [("warning", "action_items")]
    assert finding.message == (
        "SEV1 requires action items of type detection, prevention; missing: "
        "detection: add an item of each missing type"
    )


def test_ik505_not_for_an_open_incident(example_doc):
    # The postmortem, where action items come from, has not happened yet.
    example_doc["action_items"] = []
    del example_doc["incident"]["resolved_at"]
    example_doc["incident"]["status"] = "investigating"
    example_doc["events"] = [
        e for e in example_doc["events"] if e["type"] != "resolution"
    ]
    assert run(example_doc, "IK505") == []


def test_ik505_not_below_sev3(example_doc):
    example_doc["action_items"] = []
    example_doc["incident"]["severity"] = "SEV4"
    assert run(example_doc, "IK505") == []


def test_ik506_factor_no_item_addresses(example_doc):
    example_doc["resolution"]["contributing_factors"].append(
        "Legacy mainframe batch scheduler drift"
    )
    (finding,) = run(example_doc, "IK506")
    assert where([finding]) == [("info", "resolution.contributing_factors[4]")]
    assert run(ik.to_dict(ik.example()), "IK506") == []


def test_ik507_major_incident_without_postmortem(example_doc):
    example_doc["events"][16]["metadata"] = {}
    assert where(run(example_doc, "IK507")) == [
        ("warning", "resolution.postmortem_scheduled")
    ]
    example_doc["resolution"]["postmortem_scheduled"] = "2024-01-17"
    assert run(example_doc, "IK507") == []


@pytest.mark.parametrize("severity", ["SEV3", "SEV4"])
def test_ik507_not_for_minor_incidents(example_doc, severity):
    example_doc["events"][16]["metadata"] = {}
    example_doc["incident"]["severity"] = severity
    assert run(example_doc, "IK507") == []


def test_ik508_overdue_needs_as_of(example_doc):
    assert run(example_doc, "IK508") == []
    findings = run(example_doc, "IK508", as_of=date(2024, 3, 1))
    assert [f.path for f in findings] == [
        f"action_items[{i}].deadline" for i in range(5)
    ]
    # Due 2024-01-22, as of 2024-03-01: 9 + 29 + 1 = 39 days.
    assert "was due 2024-01-22, 39 days before 2024-03-01" in findings[0].message


def test_ik508_not_for_done_items_or_due_today(example_doc):
    for item in example_doc["action_items"]:
        item["status"] = "done"
    assert run(example_doc, "IK508", as_of=date(2024, 3, 1)) == []
    example_doc["action_items"][0]["status"] = "open"
    # Due 2024-01-22: not late on that day, late the next.
    assert run(example_doc, "IK508", as_of=date(2024, 1, 22)) == []
    aware = datetime(2024, 1, 23, 1, tzinfo=timezone(timedelta(hours=2)))
    assert run(example_doc, "IK508", as_of=aware) == []  # 2024-01-22 23:00 UTC
    assert len(run(example_doc, "IK508", as_of=date(2024, 1, 23))) == 1


def test_ik508_as_of_beyond_the_calendar_does_not_raise(example_doc):
    # 0001-01-01 00:30+01:00 is 0000-12-31 in UTC: before every deadline.
    first = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert run(example_doc, "IK508", as_of=first) == []
    # 9999-12-31 23:30-01:00 is year 10000 in UTC: after every deadline.
    last = datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1)))
    assert len(run(example_doc, "IK508", as_of=last)) == 5


# --- suppressions in the record (IK309) -----------------------------------------------

# The example's findings, read off the docs page: IK503 once, IK404 once,
# IK403 twice, IK304 once.
EXAMPLE_CODES = {"IK304", "IK403", "IK404", "IK503"}


def suppressed(doc: dict[str, Any], block: object, **kwargs: Any) -> list[Finding]:
    doc = copy.deepcopy(doc)
    doc["incidentkit"] = block
    return check(ik.from_dict(doc), **kwargs)


@pytest.mark.parametrize(
    ("ignore", "gone"),
    [
        (["IK304"], {"IK304"}),
        ("IK304", {"IK304"}),  # a lone string, as CheckPolicy reads it
        (["IK4"], {"IK403", "IK404"}),
        (["communications"], {"IK403", "IK404"}),
        (["service-not-affected", "deadline-beyond-policy"], {"IK304", "IK503"}),
        (["ik503"], {"IK503"}),  # prefixes are case-blind, as in CheckPolicy
        ([], set()),
    ],
)
def test_a_record_ignores_rules_for_itself(example_doc, ignore, gone):
    findings = suppressed(example_doc, {"ignore": ignore})
    assert {f.code for f in findings} == EXAMPLE_CODES - gone


def test_unknown_and_stale_suppressions_are_findings(example_doc):
    # IK101 finds nothing in the example (its severity fits the impact), and
    # IK999 names no rule; IK304 is used.
    findings = suppressed(example_doc, {"ignore": ["IK304", "IK101", "IK999"]})
    ik309 = [f for f in findings if f.code == "IK309"]
    assert where(ik309) == [
        ("warning", "incidentkit.ignore[1]"),
        ("warning", "incidentkit.ignore[2]"),
    ]
    assert "'IK101' silences IK101, which finds nothing" in ik309[0].message
    assert "'IK999' names no rule" in ik309[1].message
    assert "IK304" not in {f.code for f in findings}


@pytest.mark.parametrize(
    ("block", "path", "bad"),
    [
        ("IK304", "incidentkit", "'IK304'"),
        ({"ignore": 3}, "incidentkit.ignore", "(3)"),
        ({"ignore": ["IK304", None]}, "incidentkit.ignore[1]", "(None)"),
        ({"ignore": ["IK304"], "ingore": []}, "incidentkit.ingore", "'ingore'"),
    ],
)
def test_a_malformed_suppression_is_a_finding_naming_path_and_value(
    example_doc, block, path, bad
):
    findings = [f for f in suppressed(example_doc, block) if f.code == "IK309"]
    assert [f.path for f in findings] == [path]
    assert path in findings[0].message
    assert bad in findings[0].message


def test_rules_off_or_without_as_of_are_not_judged_unused(example_doc):
    # IK508 needs as_of; IK101 is switched off by the run's own policy.
    block = {"ignore": ["IK508", "IK101"]}
    off = CheckPolicy(ignore={"IK101"})
    assert [
        f for f in suppressed(example_doc, block, rules=off) if f.code == "IK309"
    ] == []
    # With as_of on a day nothing is overdue, IK508 could have run: stale.
    judged = suppressed(example_doc, block, rules=off, as_of=date(2024, 1, 16))
    assert [f.path for f in judged if f.code == "IK309"] == ["incidentkit.ignore[0]"]


def test_a_record_can_silence_the_suppression_rule_itself(example_doc):
    findings = suppressed(example_doc, {"ignore": ["IK999", "unused-suppression"]})
    assert {f.code for f in findings} == EXAMPLE_CODES


def test_the_run_can_switch_the_suppression_rule_off(example_doc):
    rules = CheckPolicy(ignore={"IK309"})
    findings = suppressed(example_doc, {"ignore": ["IK999"]}, rules=rules)
    assert {f.code for f in findings} == EXAMPLE_CODES


def test_suppressions_survive_a_round_trip_through_json(example_doc, tmp_path):
    doc = copy.deepcopy(example_doc)
    doc["incidentkit"] = {"ignore": ["IK503", "communications"]}
    path = tmp_path / "inc.json"
    ik.dump(ik.from_dict(doc), path)
    again = ik.load(path)
    assert again.extra["incidentkit"] == {"ignore": ("IK503", "communications")}
    assert ik.to_dict(again)["incidentkit"] == doc["incidentkit"]
    assert {f.code for f in check(again)} == {"IK304"}


# --- every rule is covered ------------------------------------------------------------

TESTED = {
    int(code[2:])
    for code in re.findall(r"IK\d{3}", Path(__file__).read_text(encoding="utf-8"))
}


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_tests_here(code):
    assert int(code[2:]) in TESTED


# --- policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ignore", "gone"),
    [
        ({"IK304"}, {"IK304"}),
        ("IK304", {"IK304"}),  # a lone string
        ({"IK4"}, {"IK403", "IK404"}),
        ({"communications"}, {"IK403", "IK404"}),
        ({"service-not-affected", "deadline-beyond-policy"}, {"IK304", "IK503"}),
        ({"IK"}, {"IK304", "IK403", "IK404", "IK503"}),
    ],
)
def test_ignore_by_code_prefix_family_or_name(ignore, gone):
    codes = {f.code for f in check(ik.example(), rules=CheckPolicy(ignore=ignore))}
    assert codes == {"IK304", "IK403", "IK404", "IK503"} - gone


def test_select_then_ignore():
    rules = CheckPolicy(select={"IK4", "IK304"}, ignore={"IK404"})
    assert {f.code for f in check(ik.example(), rules=rules)} == {"IK304", "IK403"}
    assert rules.enabled == ("IK304", "IK401", "IK402", "IK403")


def test_levels_relevel_and_a_code_beats_its_family():
    rules = CheckPolicy(levels={"communications": "error", "IK404": "info"})
    levels = {f.code: f.level for f in check(ik.example(), rules=rules)}
    assert levels == {
        "IK304": "warning",
        "IK403": "error",
        "IK404": "info",
        "IK503": "warning",
    }


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (
            {"ignore": {"IK999"}},
            "ignore: 'IK999' names no rule; use a code (IK101), a code prefix "
            "(IK1), a rule name or a family (severity, timeline, consistency, "
            "communications, action_items)",
        ),
        ({"select": {"nope"}}, "select: 'nope' names no rule"),
        (
            {"levels": {"IK101": "fatal"}},
            "levels['IK101']: must be one of error, warning, info ('fatal')",
        ),
        ({"levels": {"IK9": "info"}}, "levels['IK9']: 'IK9' names no rule"),
        ({"levels": ["IK101"]}, "levels: expected a mapping of rule to level"),
        ({"ignore": 101}, "ignore/select: expected codes or rule names (101)"),
        (
            {"resolution_grace": timedelta(minutes=-1)},
            "resolution_grace: must be a timedelta >= 0 "
            "(datetime.timedelta(days=-1, seconds=86340))",
        ),
    ],
)
def test_bad_policy_values_name_the_parameter(kwargs, error):
    with pytest.raises(ik.ValidationError) as caught:
        CheckPolicy(**kwargs)
    assert caught.value.errors[0].startswith(error)


def test_bad_deadline_days_name_the_parameter():
    # The deadlines moved from the linter's rules to the one Policy.
    with pytest.raises(ik.ValidationError) as caught:
        ik.Policy(deadline_days={1: -3})
    assert caught.value.errors[0].startswith(
        "deadline_days[1]: must map a priority level (int) to a number of "
        "days >= 0 (-3)"
    )


def test_bad_arguments_raise_validation_errors():
    with pytest.raises(ik.ValidationError, match=r"as_of: a datetime needs a UTC"):
        check(ik.example(), as_of=datetime(2024, 3, 1))
    with pytest.raises(ik.ValidationError, match=r"as_of: must be a date"):
        check(ik.example(), as_of="2024-03-01")  # type: ignore[arg-type]
    with pytest.raises(ik.ValidationError, match=r"rules: expected a CheckPolicy"):
        check(ik.example(), rules={"ignore": []})  # type: ignore[arg-type]
    with pytest.raises(ik.ValidationError, match=r"policy: expected a Policy"):
        check(ik.example(), policy={"ignore": []})  # type: ignore[arg-type]
    with pytest.raises(ik.ValidationError, match=r"policy: expected a Policy"):
        check(ik.example(), policy=CheckPolicy())  # type: ignore[arg-type]
    with pytest.raises(ik.ValidationError, match=r"rec: expected an IncidentRecord"):
        check(ik.to_dict(ik.example()))  # type: ignore[arg-type]
    with pytest.raises(ik.ValidationError, match=r"records\[1\]: expected an Incid"):
        check_many([ik.example(), None])  # type: ignore[list-item]


def test_policies_compare_and_hash():
    assert CheckPolicy(ignore={"IK1"}) == CheckPolicy(ignore=["IK1"])
    assert hash(CheckPolicy()) == hash(CheckPolicy())
    assert CheckPolicy(levels={"IK101": "info"}) != CheckPolicy()


def test_finding_level_is_validated():
    with pytest.raises(ik.ValidationError, match=r"level: must be one of"):
        Finding("IK101", "fatal", "incident.severity", "x")  # type: ignore[arg-type]


# --- ordering, many records, counts ---------------------------------------------------


def test_findings_sort_by_level_then_natural_path(example_doc):
    example_doc["action_items"] = [
        {"title": f"item {i}", "type": "detection"} for i in range(12)
    ]
    example_doc["incident"]["severity"] = "SEV3"  # IK101: an error
    findings = check(ik.from_dict(example_doc))
    levels = [f.level for f in findings]
    assert levels == sorted(levels, key=LEVELS.index)
    assert findings[0].code == "IK101"
    owners = [f.path for f in findings if f.code == "IK501"]
    assert owners == [f"action_items[{i}].owner" for i in range(12)]
    warnings = [f.path for f in findings if f.level == "warning"]
    assert warnings.index("action_items[2].deadline") < warnings.index(
        "action_items[10].deadline"
    )


def test_check_many_counts_and_count_levels(example_doc):
    example_doc["incident"]["severity"] = "urgent"
    other = ik.from_dict(example_doc)
    results = check_many([ik.example(), other])
    assert results == [check(ik.example()), check(other)]
    counts = check_counts(iter([ik.example(), other]))
    assert counts["error"].tolist() == [
        count_levels(results[0])["error"],
        count_levels(results[1])["error"],
    ]
    assert counts["error"].tolist() == [0, 1]  # IK103 on the second
    assert counts["warning"].dtype.name == "int64"
    empty = check_counts([])
    assert [empty[level].shape for level in LEVELS] == [(0,), (0,), (0,)]


def test_finding_str_and_rule():
    (finding,) = [f for f in check(ik.example()) if f.code == "IK304"]
    assert str(finding).startswith(
        "signals.dependent_services[2]: warning IK304 'order-service'"
    )
    assert finding.rule is RULES["IK304"]


# --- the rule table and its documentation ---------------------------------------------


def test_rule_table_is_complete_and_well_formed():
    codes = list(RULES)
    assert codes == sorted(codes)
    names = [rule.name for rule in RULES.values()]
    assert len(set(names)) == len(names)
    for code, rule in RULES.items():
        assert re.fullmatch(r"IK[1-5]\d\d", code)
        assert rule.family == FAMILIES[int(code[2]) - 1]
        assert rule.level in LEVELS
        assert all((rule.summary, rule.rationale, rule.bad, rule.good))


def _docs_conf() -> Any:
    # docs/conf.py writes the per-rule sections at every docs build.
    spec = importlib.util.spec_from_file_location(
        "incidentkit_docs_conf", REPO / "docs" / "conf.py"
    )
    assert spec is not None
    assert spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


@pytest.fixture(scope="module")
def rules_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """docs/rules.md as Sphinx reads it: the generated sections included."""
    conf = _docs_conf()
    page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    include = f"```{{include}} {conf.GENERATED}/rules.md\n```"
    assert include in page
    directory = tmp_path_factory.mktemp("docs") / conf.GENERATED
    generated = conf.write_generated(directory).read_text(encoding="utf-8")
    return page.replace(include, generated)


def test_docs_page_rule_list_equals_the_catalogue(rules_page: str) -> None:
    declared = [(code, rule.name) for code, rule in RULES.items()]
    table = re.findall(
        r"^\| \[(IK\d+)\]\(#(ik\d+-[a-z-]+)\) \| `([a-z-]+)` \|", rules_page, re.M
    )
    assert [(code, name) for code, _, name in table] == declared
    headings = re.findall(r"^### (IK\d+) ([a-z-]+)$", rules_page, re.M)
    assert headings == declared
    # Every link of the table lands on its rule's heading (MyST's anchors).
    assert [anchor for _, anchor, _ in table] == [
        f"{code.lower()}-{name}" for code, name in headings
    ]


def test_docs_page_shows_every_field_of_every_rule(rules_page: str) -> None:
    families = re.split(r"^## ", rules_page, flags=re.M)
    for code, rule in RULES.items():
        heading = f"### {code} {rule.name}"
        (family,) = [part for part in families if heading in part]
        assert family.startswith(rule.family.replace("_", " ").capitalize())
        assert f'`"{rule.family}"`' in family
        section = rules_page.split(heading, 1)[1].split("\n### ", 1)[0]
        assert f"**Default level:** {rule.level}" in section
        for text in (rule.summary, rule.rationale, rule.bad, rule.good):
            assert text in section


def test_generated_docs_are_ignored_and_rewritten_only_when_changed(
    tmp_path: Path,
) -> None:
    conf = _docs_conf()
    assert conf.GENERATED in conf.exclude_patterns
    directory = tmp_path / conf.GENERATED
    target = conf.write_generated(directory)
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    os.utime(target, ns=(0, 0))  # Unchanged text: the file is left alone.
    assert conf.write_generated(directory).stat().st_mtime_ns == 0
    target.write_text("stale", encoding="utf-8")
    assert conf.write_generated(directory).read_text() == conf.rules_markdown()


# --- properties -----------------------------------------------------------------------


offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59),
    max_value=timedelta(hours=23, minutes=59),
).map(timezone)
as_of_values = st.none() | st.dates() | st.datetimes(timezones=offsets)


@given(records(), as_of_values)
def test_check_never_raises_and_findings_are_well_formed(rec, as_of):
    findings = check(rec, as_of=as_of)
    keys = [(LEVELS.index(f.level), f.path) for f in findings]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    for finding in findings:
        assert finding.code in RULES
        assert finding.level == RULES[finding.code].level
        assert finding.path
        assert finding.message
    if as_of is None:
        assert "IK508" not in {f.code for f in findings}


@given(ordered_milestone_records())
def test_ordered_milestones_never_get_ik201(rec):
    assert "IK201" not in {f.code for f in check(rec)}


@given(records())
def test_ignoring_everything_finds_nothing_and_relevel_applies(rec):
    assert check(rec, rules=CheckPolicy(ignore={"IK"})) == []
    infos = check(rec, rules=CheckPolicy(levels={"IK": "info"}))
    assert {f.level for f in infos} <= {"info"}
    assert len(infos) == len(check(rec))


@given(records())
def test_check_does_not_change_the_record(rec):
    # A deep copy: metadata and extra are the only mutable parts of a record.
    before = copy.deepcopy(rec)
    check(rec, as_of=date(2024, 1, 1))
    assert rec == before


# --- bad arguments --------------------------------------------------------------------


def test_a_lone_status_is_one_status_not_its_letters() -> None:
    policy = CheckPolicy(
        resolved_statuses="Resolved", open_statuses="open", commander_roles="IC"
    )
    assert policy.resolved_statuses == frozenset({"resolved"})
    assert policy.open_statuses == frozenset({"open"})
    assert policy.commander_roles == frozenset({"ic"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"resolved_statuses": 5},
            "resolved_statuses: expected a string or a collection of strings (5)",
        ),
        (
            {"open_statuses": [None]},
            "open_statuses: every item must be a string (None)",
        ),
        ({"postmortem_max_level": "2"}, "postmortem_max_level: must be an int ('2')"),
    ],
)
def test_bad_policy_arguments_raise_validation_error(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        CheckPolicy(**kwargs)
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"deadline_days": [1]},
            "deadline_days: expected a mapping of priority level to days ([1])",
        ),
        ({"severity": "x"}, "severity: expected a SeverityPolicy, got str"),
        (
            {"communications": "x"},
            "communications: expected a CommunicationPolicy, got str",
        ),
        ({"actions": "x"}, "actions: expected an ActionItemPolicy, got str"),
        ({"milestones": "x"}, "milestones: expected a MilestonePolicy, got str"),
    ],
)
def test_the_figures_rules_the_checks_follow_are_checked_by_the_policy(
    kwargs: dict[str, Any], message: str
) -> None:
    # These were CheckPolicy fields; they belong to the one Policy now.
    with pytest.raises(ik.ValidationError) as info:
        ik.Policy(**kwargs)
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    "field", ["severity", "communications", "actions", "milestones", "deadline_days"]
)
def test_the_linter_rules_no_longer_hold_the_figures_rules(field: str) -> None:
    assert field not in attrs.fields_dict(CheckPolicy)
    assert field in attrs.fields_dict(ik.Policy)


def test_check_names_a_bad_record_and_policy() -> None:
    with pytest.raises(ik.ValidationError) as info:
        check({})  # type: ignore[arg-type]
    assert info.value.errors == ["rec: expected an IncidentRecord, got dict"]
    with pytest.raises(ik.ValidationError) as info:
        check(ik.example(), policy="x")  # type: ignore[arg-type]
    assert info.value.errors == ["policy: expected a Policy, got str"]
    with pytest.raises(ik.ValidationError) as info:
        check(ik.example(), rules="x")  # type: ignore[arg-type]
    assert info.value.errors == ["rules: expected a CheckPolicy, got str"]


# --- records imported from other tools (#13) ----------------------------------


def _codes(rec: ik.IncidentRecord) -> set[str]:
    return {finding.code for finding in check(rec)}


def test_rules_a_source_cannot_satisfy_do_not_run_on_its_records(example_doc):
    # A SEV1 without postmortem or detection/prevention items: IK505 and IK507.
    example_doc["resolution"].pop("postmortem_scheduled", None)
    for event in example_doc["events"]:
        event.get("metadata", {}).pop("postmortem_scheduled", None)
    example_doc["action_items"] = [{"title": "Write it up", "type": "process"}]
    own = ik.from_dict(example_doc)
    assert {"IK505", "IK507"} <= _codes(own)
    for source in ("statuspage", "pagerduty", "incidentio"):
        extra = {**own.incident.extra, "source": {"format": source}}
        imported = attrs.evolve(own, incident=attrs.evolve(own.incident, extra=extra))
        assert ik.formats.source_format(imported) == source
        assert not {"IK505", "IK507"} & _codes(imported), source
    # An item without deadline: IK502, except for incident.io follow-ups.
    assert "IK502" in _codes(own)
    follow_up = attrs.evolve(
        own,
        incident=attrs.evolve(own.incident, extra={"source": {"format": "incidentio"}}),
    )
    assert "IK502" not in _codes(follow_up)


def test_every_not_for_entry_names_a_format_and_why():
    formats = set(ik.formats.IMPORTERS)
    declared = {code: rule.not_for for code, rule in RULES.items() if rule.not_for}
    assert set(declared) == {"IK502", "IK505", "IK507"}
    for reasons in declared.values():
        assert set(reasons) <= formats
        assert all(why.strip() for why in reasons.values())


def test_importers_say_their_format():
    for path in sorted((REPO / "tests" / "fixtures" / "statuspage").glob("*.json")):
        rec = ik.load(path, format="statuspage")
        assert ik.formats.source_format(rec) == "statuspage"
        assert not {"IK505", "IK507"} & _codes(rec)
    assert ik.formats.source_format(ik.example()) is None


@pytest.mark.parametrize(
    ("apart", "found"),
    [(timedelta(milliseconds=52), None), (timedelta(seconds=2), "2 s out of order")],
)
def test_ik201_tolerates_milliseconds(apart, found):
    # A Statuspage-like record: the mitigation 52 ms before the identification.
    identified = datetime(2024, 1, 15, 10, 20, tzinfo=timezone.utc)
    doc = minimal()
    doc["events"] = [
        {
            "timestamp": "2024-01-15T10:20:00Z",
            "type": "communication",
            "metadata": {"status": "identified"},
        },
        {
            "timestamp": (identified - apart).isoformat().replace("+00:00", "Z"),
            "type": "mitigation",
        },
    ]
    findings = run(doc, "IK201")
    if found is None:
        assert findings == []
    else:
        (finding,) = findings
        assert found in finding.message


def test_ik201_tolerance_is_a_policy():
    doc = minimal()
    doc["events"] = [
        {
            "timestamp": "2024-01-15T10:20:00Z",
            "type": "communication",
            "metadata": {"status": "identified"},
        },
        {"timestamp": "2024-01-15T10:19:59.948Z", "type": "mitigation"},
    ]
    strict = ik.CheckPolicy(milestone_tolerance=timedelta(0))
    (finding,) = run(doc, "IK201", rules=strict)
    assert "52 ms out of order" in finding.message


@pytest.mark.parametrize(
    ("status", "resolved", "code"),
    [
        ("triggered", True, "IK206"),  # PagerDuty
        ("acknowledged", True, "IK206"),  # PagerDuty
        ("live", True, "IK206"),  # incident.io
        ("paused", True, "IK206"),  # incident.io
        ("learning", False, "IK205"),  # incident.io, after the resolution
    ],
)
def test_the_importers_status_words_are_known(status, resolved, code):
    doc = minimal(status=status)
    if not resolved:
        del doc["incident"]["resolved_at"]
    assert [f.code for f in run(doc, code)] == [code]


def test_a_postmortem_update_is_no_work_after_the_resolution():
    doc = minimal()
    doc["events"] = [
        {
            "timestamp": "2024-01-18T09:00:00Z",
            "type": "communication",
            "metadata": {"status": "postmortem"},
        },
        {"timestamp": "2024-01-18T09:00:00Z", "type": "mitigation"},
    ]
    assert [f.path for f in run(doc, "IK204")] == ["events[1].timestamp"]
