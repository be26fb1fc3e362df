"""incident.io incidents and their follow-ups as incident records.

Reads ``{"incident": {...}, "follow_ups": [...]}``: the incident object of
the API v2 (``GET /v2/incidents/{id}``) with the follow-ups of
``GET /v2/follow_ups?incident_id=...``. The mapping, field by field:

============================================ ===================================
incident.io                                  record
============================================ ===================================
``id``, ``name``                             ``incident.id``, ``.title``
``severity.name`` critical/major/minor       ``incident.severity``
                                             ``SEV1``/``SEV2``/``SEV3`` (any
                                             other name kept as written;
                                             ``None`` without a severity)
``incident_status.category``                 ``incident.status`` (as written:
                                             ``triage``, ``live``,
                                             ``learning``, ``closed``...)
*Reported at* (else ``created_at``)          ``incident.declared_at``
*Impact started at*                          a ``trigger`` event
*Accepted at* (a responder accepted the      an ``acknowledgement`` event
triage incident)                             (the ``acknowledged``
                                             milestone)
*Identified at*                              an ``investigation`` event with
                                             ``metadata.status`` ``identified``
*Fixed at*                                   a ``mitigation`` event
*Resolved at*                                ``incident.resolved_at``
the ``lead`` role's assignee                 ``incident.commander``
``incident_role_assignments[]``              ``participants`` (role name)
``follow_ups[]`` but the ``deleted`` ones    ``action_items``: ``title``,
                                             ``assignee`` → ``owner``,
                                             ``priority.name``, ``status``
                                             outstanding → ``open``,
                                             completed → ``done`` (others
                                             kept as written)
``reference``, ``permalink``, ``mode``,      ``incident.extra["incidentio"]``
``visibility``, ``summary``, status name,
severity rank, incident type,
``duration_metrics[]``, other timestamps,
``custom_field_entries[]`` (as
``custom_fields``: field name → values),
``incident_role_assignments[]`` (as
``roles``: role, type, assignee, email)
============================================ ===================================

A follow-up with status ``deleted`` was removed in incident.io and is no
action item; one marked ``not_doing`` is, with that status.

*Accepted at* is set when a responder accepts an incident in triage,
which moves it to its first live status (incident.io help, "Triaging your
incidents"; each status transition has its timestamp, "Incident
lifecycle"). incident.io records no detection: ``time_to_acknowledge``
(detected → acknowledged) stays unknown unless a policy reads one (see
docs/importing.md).

Names in italics are those of ``incident_timestamp_values[]``, matched
ignoring case and a trailing "at", because accounts name them differently
("Impact started", "Impact started at"). The severity's rank is kept aside
but not used: ranks are numbered per account and mean nothing outside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final

from incidentkit.formats._reader import JSONObject, Reader, child, incident_extra
from incidentkit.records.converter import format_timestamp
from incidentkit.records.schema import (
    ActionItem,
    Event,
    EventType,
    Incident,
    IncidentRecord,
    Participant,
)

__all__ = [
    "FOLLOW_UP_STATUS",
    "SEVERITY_NAMES",
    "from_incidentio",
    "timestamp_key",
]

#: incident.io severity name (case-insensitive) → severity label.
SEVERITY_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {"critical": "SEV1", "major": "SEV2", "minor": "SEV3"}
)

#: Follow-up status → action item status; other statuses are kept.
FOLLOW_UP_STATUS: Final[Mapping[str, str]] = MappingProxyType(
    {"outstanding": "open", "completed": "done"}
)

# Follow-ups removed in incident.io, which its own lists leave out.
_DELETED: Final = "deleted"
# A custom field's type → the key of a value that holds it, and the key
# inside that object (None: the value itself).
_CUSTOM_VALUES: Final[Mapping[str, tuple[str, str | None]]] = MappingProxyType(
    {
        "text": ("value_text", None),
        "link": ("value_link", None),
        "numeric": ("value_numeric", None),
        "single_select": ("value_option", "value"),
        "multi_select": ("value_option", "value"),
        "catalog": ("value_catalog_entry", "name"),
    }
)
_REPORTED: Final = "reported"
_RESOLVED: Final = "resolved"
# Timestamp key → (event type, metadata) of the event it becomes.
_TIMESTAMP_EVENTS: Final[Mapping[str, tuple[EventType, Mapping[str, str]]]] = (
    MappingProxyType(
        {
            "impact started": (EventType.TRIGGER, {}),
            # A responder accepting a triage incident (opened by an alert or
            # the API) takes it on: incident.io's acknowledgement.
            "accepted": (EventType.ACKNOWLEDGEMENT, {}),
            "identified": (EventType.INVESTIGATION, {"status": "identified"}),
            "fixed": (EventType.MITIGATION, {}),
        }
    )
)


def timestamp_key(name: str) -> str:
    """The key an incident.io timestamp name is matched by.

    Example:
        >>> timestamp_key("Impact started at"), timestamp_key(" Impact  Started ")
        ('impact started', 'impact started')
    """
    # The words are joined by single spaces: one suffix covers every spacing.
    return " ".join(name.split()).casefold().removesuffix(" at")


def _timestamps(
    reader: Reader, incident: JSONObject, path: str
) -> dict[str, tuple[str, datetime]]:
    """Timestamp key → (name as written, value); the first of a key wins."""
    found: dict[str, tuple[str, datetime]] = {}
    for value_path, entry in reader.objects(
        incident, "incident_timestamp_values", path
    ):
        timestamp = reader.obj(entry, "incident_timestamp", value_path, required=True)
        name = (
            None
            if timestamp is None
            else reader.text(
                timestamp,
                "name",
                child(value_path, "incident_timestamp"),
                required=True,
            )
        )
        # A timestamp that has not happened yet comes without a value.
        holder = reader.obj(entry, "value", value_path)
        value = (
            None
            if holder is None
            else reader.time(holder, "value", child(value_path, "value"))
        )
        if name is not None and value is not None:
            found.setdefault(timestamp_key(name), (name, value))
    return found


def _duration_metrics(
    reader: Reader, incident: JSONObject, path: str
) -> dict[str, int | float]:
    metrics: dict[str, int | float] = {}
    for metric_path, entry in reader.objects(incident, "duration_metrics", path):
        name = reader.name_of(entry, "duration_metric", metric_path, "name")
        seconds = reader.number(entry, "value_seconds", metric_path)
        if name is not None and seconds is not None:
            metrics.setdefault(name, seconds)
    return metrics


def _custom_value(
    reader: Reader, value: JSONObject, path: str, field_type: str | None
) -> str | None:
    """The value of one custom field value object, as text."""
    known = None if field_type is None else _CUSTOM_VALUES.get(field_type)
    # A type this importer does not know: the first value that is set.
    keys = (
        [known] if known is not None else list(dict.fromkeys(_CUSTOM_VALUES.values()))
    )
    for key, inner in keys:
        if inner is None:
            text = reader.text(value, key, path)
        else:
            holder = reader.obj(value, key, path)
            text = (
                None if holder is None else reader.text(holder, inner, child(path, key))
            )
        if text is not None:
            return text
    return None


def _custom_fields(
    reader: Reader, incident: JSONObject, path: str
) -> dict[str, list[str]]:
    """Custom field name → its values as text; fields without a value left out."""
    fields: dict[str, list[str]] = {}
    for entry_path, entry in reader.objects(incident, "custom_field_entries", path):
        field = reader.obj(entry, "custom_field", entry_path)
        field_path = child(entry_path, "custom_field")
        name = None if field is None else reader.text(field, "name", field_path)
        field_type = (
            None if field is None else reader.text(field, "field_type", field_path)
        )
        values = [
            text
            for value_path, value in reader.objects(entry, "values", entry_path)
            if (text := _custom_value(reader, value, value_path, field_type))
            is not None
        ]
        if name is not None and values:
            fields.setdefault(name, []).extend(values)
    return fields


def _roles(
    reader: Reader, incident: JSONObject, path: str
) -> tuple[str | None, list[Participant], list[dict[str, str]]]:
    """The lead's name, everyone holding a role, and every assignment as written."""
    lead = None
    participants = []
    assignments = []
    for assignment_path, assignment in reader.objects(
        incident, "incident_role_assignments", path
    ):
        role = reader.obj(assignment, "role", assignment_path, required=True)
        role_path = child(assignment_path, "role")
        role_type = None if role is None else reader.text(role, "role_type", role_path)
        role_name = None if role is None else reader.text(role, "name", role_path)
        assignee = reader.obj(assignment, "assignee", assignment_path)
        assignee_path = child(assignment_path, "assignee")
        name = (
            None if assignee is None else reader.text(assignee, "name", assignee_path)
        )
        email = (
            None if assignee is None else reader.text(assignee, "email", assignee_path)
        )
        who = name if name is not None else email
        kept = {
            key: value
            for key, value in (
                ("role", role_name),
                ("role_type", role_type),
                ("assignee", who),
                ("email", email),
            )
            if value is not None
        }
        if kept:
            assignments.append(kept)
        if who is None:
            continue  # a role nobody holds
        participants.append(Participant(name=who, role=role_name))
        if lead is None and role_type == "lead":
            lead = who
    return lead, participants, assignments


def _follow_up(
    reader: Reader, follow_up: JSONObject, path: str, incident_id: str | None
) -> ActionItem | None:
    title = reader.text(follow_up, "title", path, required=True)
    status = reader.text(follow_up, "status", path)
    owner = reader.name_of(follow_up, "assignee", path, "name", "email")
    priority = reader.name_of(follow_up, "priority", path, "name")
    of_incident = reader.text(follow_up, "incident_id", path)
    if (
        of_incident is not None
        and incident_id is not None
        and of_incident != incident_id
    ):
        reader.problem(
            child(path, "incident_id"),
            f"follow-up of another incident ({of_incident!r}, not {incident_id!r})",
        )
    issue = reader.obj(follow_up, "external_issue_reference", path)
    source = {
        key: value
        for key, value in (
            ("id", reader.text(follow_up, "id", path)),
            ("completed_at", _timestamp_text(reader, follow_up, "completed_at", path)),
            (
                "issue_url",
                None
                if issue is None
                else reader.text(
                    issue, "issue_permalink", child(path, "external_issue_reference")
                ),
            ),
        )
        if value is not None
    }
    if title is None or status == _DELETED:
        return None
    return ActionItem(
        title=title,
        owner=owner,
        priority=priority,
        status=None if status is None else FOLLOW_UP_STATUS.get(status, status),
        extra={"incidentio": source} if source else {},
    )


def _follow_ups(
    reader: Reader, root: JSONObject, incident_id: str | None
) -> list[ActionItem]:
    read = [
        _follow_up(reader, follow_up, follow_up_path, incident_id)
        for follow_up_path, follow_up in reader.objects(root, "follow_ups", "")
    ]
    return [action_item for action_item in read if action_item is not None]


def _timestamp_text(
    reader: Reader, parent: JSONObject, key: str, path: str
) -> str | None:
    moment = reader.time(parent, key, path)
    return None if moment is None else format_timestamp(moment)


def from_incidentio(data: object, *, assume_utc: bool = False) -> IncidentRecord:
    """Build a record from an incident.io incident and its follow-ups.

    Args:
        data: The parsed JSON: ``{"incident": {...}, "follow_ups": [...]}``;
            ``follow_ups`` may be left out.
        assume_utc: Read timestamps without an offset as UTC.

    Raises:
        ValidationError: Naming every problem, each error starting with
            ``incidentio:`` and the path in the source document.

    Example:
        >>> rec = from_incidentio({"incident": {
        ...     "id": "01HV3M7Q8W2K5ZC1R0D9XN4B6T", "name": "Search is slow",
        ...     "created_at": "2024-04-12T10:05:00Z",
        ...     "severity": {"name": "Major", "rank": 2},
        ...     "incident_status": {"name": "Closed", "category": "closed"},
        ...     "incident_timestamp_values": [
        ...         {"incident_timestamp": {"name": "Impact started at"},
        ...          "value": {"value": "2024-04-12T09:50:00Z"}}]}})
        >>> rec.incident.severity, rec.incident.status, str(rec.events[0].type)
        ('SEV2', 'closed', 'trigger')
    """
    reader = Reader("incidentio", assume_utc=assume_utc)
    root = reader.as_object(data, "")
    reader.raise_if_invalid()
    assert root is not None
    incident = reader.obj(root, "incident", "", required=True)
    if incident is None:
        _follow_ups(reader, root, None)  # to report their problems too
        reader.raise_if_invalid()
    assert incident is not None
    path = "incident"

    incident_id = reader.text(incident, "id", path, required=True)

    title = reader.text(incident, "name", path, required=True)
    created_at = reader.time(incident, "created_at", path, required=True)
    severity = reader.obj(incident, "severity", path)
    severity_name = (
        None
        if severity is None
        else reader.text(severity, "name", child(path, "severity"))
    )
    severity_rank = (
        None
        if severity is None
        else reader.number(severity, "rank", child(path, "severity"))
    )
    incident_status = reader.obj(incident, "incident_status", path, required=True)
    status_path = child(path, "incident_status")
    status = (
        None
        if incident_status is None
        else reader.text(incident_status, "category", status_path, required=True)
    )
    status_name = (
        None
        if incident_status is None
        else reader.text(incident_status, "name", status_path)
    )
    timestamps = _timestamps(reader, incident, path)
    lead, participants, assignments = _roles(reader, incident, path)
    source = {
        key: value
        for key, value in (
            ("reference", reader.text(incident, "reference", path)),
            ("permalink", reader.text(incident, "permalink", path)),
            ("mode", reader.text(incident, "mode", path)),
            ("visibility", reader.text(incident, "visibility", path)),
            ("summary", reader.text(incident, "summary", path)),
            (
                "postmortem_document_url",
                reader.text(incident, "postmortem_document_url", path),
            ),
            ("status_name", status_name),
            ("severity_rank", severity_rank),
            ("incident_type", reader.name_of(incident, "incident_type", path, "name")),
            ("duration_metrics", _duration_metrics(reader, incident, path) or None),
            ("custom_fields", _custom_fields(reader, incident, path) or None),
            ("roles", assignments or None),
            (
                "timestamps",
                {
                    name: format_timestamp(value)
                    for key, (name, value) in timestamps.items()
                    if key not in _TIMESTAMP_EVENTS
                    and key not in (_REPORTED, _RESOLVED)
                }
                or None,
            ),
        )
        if value is not None
    }
    action_items = _follow_ups(reader, root, incident_id)
    reader.raise_if_invalid()
    assert incident_id is not None
    assert title is not None
    assert status is not None
    assert created_at is not None

    events = [
        Event(
            timestamp=timestamps[key][1],
            type=event_type,
            metadata=dict(metadata),
            extra={"incidentio": {"timestamp": timestamps[key][0]}},
        )
        for key, (event_type, metadata) in _TIMESTAMP_EVENTS.items()
        if key in timestamps
    ]
    events.sort(key=lambda event: event.timestamp)
    reported = timestamps.get(_REPORTED)
    resolved = timestamps.get(_RESOLVED)

    return IncidentRecord(
        incident=Incident(
            id=incident_id,
            title=title,
            severity=(
                None
                if severity_name is None
                else SEVERITY_NAMES.get(severity_name.strip().casefold(), severity_name)
            ),
            status=status,
            declared_at=created_at if reported is None else reported[1],
            resolved_at=None if resolved is None else resolved[1],
            commander=lead,
            extra=incident_extra("incidentio", source),
        ),
        events=tuple(events),
        action_items=tuple(action_items),
        participants=tuple(participants),
    )
