from __future__ import annotations

from datetime import datetime, timezone

import attrs
import pytest

import incidentkit as ik
from incidentkit.records.schema import Impact, Incident, Signals

UTC = timezone.utc


def test_records_are_frozen_and_slotted():
    rec = ik.example()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rec.incident.title = "changed"  # type: ignore[misc]
    assert not hasattr(rec.incident, "__dict__")


def test_only_the_incident_is_required():
    incident = Incident(
        id="INC-1",
        title="t",
        severity="SEV3",
        status="investigating",
        declared_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    rec = ik.IncidentRecord(incident=incident)
    assert rec.events == ()
    assert rec.communications is None
    assert rec.resolution is None
    assert rec.incident.resolved_at is None


def test_event_type_values_are_the_nine_spec_types():
    assert [member.value for member in ik.EventType] == [
        "trigger",
        "detection",
        "acknowledgement",
        "declaration",
        "investigation",
        "communication",
        "escalation",
        "mitigation",
        "resolution",
    ]


@pytest.mark.parametrize("value", [-1.0, 100.5, float("nan"), float("inf")])
def test_percentage_validator_rejects_out_of_range(value):
    with pytest.raises(ValueError, match="affected_users_percentage"):
        Impact(affected_users_percentage=value)


def test_count_validator_rejects_negative():
    with pytest.raises(ValueError, match="alert_count"):
        Signals(alert_count=-1)


def test_extra_may_not_shadow_a_field():
    with pytest.raises(ValueError, match="name"):
        ik.Participant(name="x", extra={"name": "y"})


def test_severity_level_property_uses_default_labels():
    assert ik.example().incident.severity_level == 1


# --- kind: incident or maintenance ---------------------------------------------


def test_kind_defaults_to_incident_and_is_written_only_when_maintenance():
    doc = ik.to_dict(ik.example())
    assert "kind" not in doc["incident"]
    assert ik.from_dict(doc).incident.kind == "incident"
    doc["incident"]["kind"] = "maintenance"
    rec = ik.from_dict(doc)
    assert rec.incident.kind == "maintenance"
    assert rec.incident.is_maintenance
    assert "kind" not in rec.incident.extra
    assert ik.to_dict(rec)["incident"]["kind"] == "maintenance"
    assert ik.loads(ik.dumps(rec)) == rec


def test_an_unknown_kind_is_an_error_naming_the_field_and_value():
    doc = ik.to_dict(ik.example())
    doc["incident"]["kind"] = "drill"
    with pytest.raises(ik.ValidationError, match=r"incident\.kind: .*'drill'"):
        ik.from_dict(doc)
