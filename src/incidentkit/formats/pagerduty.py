"""PagerDuty incidents and their log entries as incident records.

Reads ``{"incident": {...}, "log_entries": [...]}``: the incident object of
the REST API v2 (``GET /incidents/{id}``) with the entries of
``GET /incidents/{id}/log_entries``, in either order (the API lists them
newest first by default). The mapping, field by field:

=============================================== ================================
PagerDuty                                       record
=============================================== ================================
``id``, ``title``, ``status``                   ``incident.id``, ``.title``,
                                                ``.status`` (as written)
``priority.name`` (else ``.summary``)           ``incident.severity`` as written
                                                (``P1`` ... ``P5``); ``None``
                                                without a priority
``created_at``                                  ``incident.declared_at``
``resolved_at`` (else, when ``status`` is       ``incident.resolved_at``
``resolved``, the last ``resolve_log_entry``)
``service.summary``                             ``incident.service``
``assignments[].assignee``,                     ``participants`` (roles
``acknowledgements[].acknowledger``, the        ``assignee``, ``acknowledger``,
``agent`` of every log entry by a user          ``responder``)
``trigger_log_entry`` (else ``created_at``)     a ``detection`` event: the
                                                start and the detection
first ``acknowledge_log_entry`` (else the       an ``acknowledgement`` event
earliest ``acknowledgements[].at``)             (``metadata.status``
                                                ``acknowledged``)
``escalate_log_entry``                          an ``escalation`` event,
                                                ``metadata.escalated_to``
``annotate_log_entry`` (the note is             an ``investigation`` event
``channel.summary``)
``resolve_log_entry`` (its ``note``, if any,   a ``resolution`` event
is the description)
``incident_number``, ``html_url``,              ``incident.extra["pagerduty"]``
``urgency``, ``teams[].summary``
=============================================== ================================

Other log entries (notifications, assignments, snoozes, ...) are routing
bookkeeping and give no event, but a user who acted in any of them is a
participant: PagerDuty empties ``assignments`` and ``acknowledgements`` when
an incident is resolved, and the log is then the only record of who
responded. A bare incident object (``{"id": ..., "type": "incident", ...}``)
is read as an incident without log.

The alert that opens an incident is both its start and its detection: a
``detection`` event, which the default rules take for ``started`` and
``detected``. PagerDuty creates the incident when the alert triggers it, so
a log without its trigger entry (a webhook, a bare incident) dates the
detection at ``created_at``. The acknowledgement is the moment a responder
took the page: the ``acknowledged`` milestone, and ``time_to_acknowledge``
(MTTA) runs from the detection to it.

Urgency is not a severity: it decides how PagerDuty pages people, so a
record without a priority has severity ``None``: unknown, never invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final

import attrs

from incidentkit.formats._reader import (
    JSONObject,
    Reader,
    child,
    chronological,
    incident_extra,
)
from incidentkit.records.schema import (
    Event,
    EventType,
    Incident,
    IncidentRecord,
    Participant,
)

__all__ = ["ACKNOWLEDGED", "LOG_ENTRY_EVENTS", "from_pagerduty"]

#: Log entry type → the event type it becomes.
LOG_ENTRY_EVENTS: Final[Mapping[str, EventType]] = MappingProxyType(
    {
        "trigger_log_entry": EventType.DETECTION,
        "acknowledge_log_entry": EventType.ACKNOWLEDGEMENT,
        "escalate_log_entry": EventType.ESCALATION,
        "annotate_log_entry": EventType.INVESTIGATION,
        "resolve_log_entry": EventType.RESOLUTION,
    }
)

#: The ``metadata.status`` of the event of the first acknowledgement.
ACKNOWLEDGED: Final = "acknowledged"

# Agents of these types are people; services and integrations also act in
# the log (a trigger through the API) but are no participants.
_PERSON_AGENTS: Final = frozenset({"user", "user_reference"})


@attrs.frozen
class _Entry:
    time: datetime
    type: str
    actor: str | None
    description: str | None
    metadata: Mapping[str, object]
    id: str | None


def _names(
    reader: Reader, parent: JSONObject, key: str, who: str, path: str
) -> list[str]:
    """The labels of the references ``parent[key][].who``."""
    names = []
    for element_path, element in reader.objects(parent, key, path):
        name = reader.name_of(element, who, element_path, "summary", "name")
        if name is not None:
            names.append(name)
    return names


def _person(reader: Reader, entry: JSONObject, path: str) -> str | None:
    """The name of the user who acted in a log entry, if a user did."""
    agent = reader.obj(entry, "agent", path)
    if agent is None:
        return None
    agent_type = reader.text(agent, "type", child(path, "agent"))
    if agent_type not in _PERSON_AGENTS:
        return None
    return reader.name_of(entry, "agent", path, "summary", "name")


def _entry(
    reader: Reader, entry: JSONObject, path: str, entry_type: str | None
) -> _Entry | None:
    if entry_type is None or entry_type not in LOG_ENTRY_EVENTS:
        return None
    time = reader.time(entry, "created_at", path, required=True)
    actor = reader.name_of(entry, "agent", path, "summary", "name")
    description = reader.text(entry, "summary", path)
    metadata: dict[str, object] = {}
    if entry_type == "acknowledge_log_entry":
        metadata["status"] = ACKNOWLEDGED
    elif entry_type == "resolve_log_entry":
        # "Resolved by Laura Haley" says less than the note typed on resolve.
        note = reader.text(entry, "note", path)
        description = note if note is not None else description
    elif entry_type == "annotate_log_entry":
        # The summary says only "Note added"; the note is the channel's.
        channel = reader.obj(entry, "channel", path)
        if channel is not None:
            note = reader.text(channel, "summary", child(path, "channel"))
            description = note if note is not None else description
    elif entry_type == "escalate_log_entry":
        escalated_to = [
            name
            for assignee_path, assignee in reader.objects(entry, "assignees", path)
            if (name := reader.text(assignee, "summary", assignee_path)) is not None
        ]
        if escalated_to:
            metadata["escalated_to"] = escalated_to
    entry_id = reader.text(entry, "id", path)
    if time is None:
        return None
    return _Entry(
        time=time,
        type=entry_type,
        actor=actor,
        description=description,
        metadata=metadata,
        id=entry_id,
    )


def _log_entries(
    reader: Reader, root: JSONObject
) -> tuple[list[_Entry], list[tuple[str, str]]]:
    """The log entries that give events, in time order; who acted, in what role."""
    read = []
    people: list[tuple[str, str]] = []
    times = []
    for entry_path, entry in reader.objects(root, "log_entries", ""):
        entry_type = reader.text(entry, "type", entry_path, required=True)
        read_entry = _entry(reader, entry, entry_path, entry_type)
        read.append(read_entry)
        person = _person(reader, entry, entry_path)
        if person is None:
            continue
        if entry_type in LOG_ENTRY_EVENTS:
            # Read (and its problems recorded) once, by _entry.
            time = None if read_entry is None else read_entry.time
        else:
            time = reader.time(entry, "created_at", entry_path)
        if time is not None:
            acked = entry_type == "acknowledge_log_entry"
            people.append((person, "acknowledger" if acked else "responder"))
            times.append(time)
    entries = [entry for entry in read if entry is not None]
    # A log whose entries share one time (a trigger acknowledged in the same
    # second) is ordered by where its trigger is: it opens the incident.
    types = [entry.type for entry in entries]
    newest = bool(types) and types[-1] == "trigger_log_entry" != types[0]
    return (
        chronological(entries, [entry.time for entry in entries], newest_first=newest),
        chronological(people, times, newest_first=newest),
    )


def _acknowledgements(
    reader: Reader, incident: JSONObject, path: str
) -> list[tuple[datetime, str | None]]:
    """The incident's current ``acknowledgements``: when, and by whom."""
    found = []
    for ack_path, ack in reader.objects(incident, "acknowledgements", path):
        at = reader.time(ack, "at", ack_path, required=True)
        who = reader.name_of(ack, "acknowledger", ack_path, "summary", "name")
        if at is not None:
            found.append((at, who))
    return found


def _event(entry: _Entry) -> Event:
    source = (
        {"type": entry.type}
        if entry.id is None
        else {"id": entry.id, "type": entry.type}
    )
    return Event(
        timestamp=entry.time,
        type=LOG_ENTRY_EVENTS[entry.type],
        actor=entry.actor,
        description=entry.description,
        metadata=dict(entry.metadata),
        extra={"pagerduty": source},
    )


def from_pagerduty(data: object, *, assume_utc: bool = False) -> IncidentRecord:
    """Build a record from a PagerDuty incident and its log entries.

    Args:
        data: The parsed JSON: ``{"incident": {...}, "log_entries": [...]}``;
            ``log_entries`` may be left out.
        assume_utc: Read timestamps without an offset as UTC.

    Raises:
        ValidationError: Naming every problem, each error starting with
            ``pagerduty:`` and the path in the source document.

    Example:
        >>> rec = from_pagerduty({
        ...     "incident": {"id": "Q2N0A3B4C5D6E7", "title": "Checkout 5xx",
        ...         "status": "resolved", "created_at": "2024-05-02T09:14:07Z",
        ...         "priority": {"summary": "P1", "name": "P1"},
        ...         "service": {"summary": "checkout-api"}},
        ...     "log_entries": [
        ...         {"type": "resolve_log_entry",
        ...          "created_at": "2024-05-02T10:02:00Z"},
        ...         {"type": "trigger_log_entry",
        ...          "created_at": "2024-05-02T09:14:07Z"}]})
        >>> rec.incident.severity, rec.incident.service, str(rec.events[0].type)
        ('P1', 'checkout-api', 'detection')
        >>> rec.incident.resolved_at.isoformat()
        '2024-05-02T10:02:00+00:00'
    """
    reader = Reader("pagerduty", assume_utc=assume_utc)
    root = reader.as_object(data, "")
    reader.raise_if_invalid()
    assert root is not None
    if "incident" not in root and root.get("type") == "incident":
        root = {"incident": root}  # a bare incident: one without its log
    incident = reader.obj(root, "incident", "", required=True)
    if incident is None:
        _log_entries(reader, root)  # to report their problems too
        reader.raise_if_invalid()
    assert incident is not None
    path = "incident"

    incident_id = reader.text(incident, "id", path, required=True)
    title = reader.text(incident, "title", path, required=True)
    status = reader.text(incident, "status", path, required=True)
    created_at = reader.time(incident, "created_at", path, required=True)
    resolved_at = reader.time(incident, "resolved_at", path)
    priority = reader.name_of(incident, "priority", path, "name", "summary")
    service = reader.name_of(incident, "service", path, "summary", "name")
    assignees = _names(reader, incident, "assignments", "assignee", path)
    acknowledgements = _acknowledgements(reader, incident, path)
    source = {
        key: value
        for key, value in (
            ("incident_number", reader.integer(incident, "incident_number", path)),
            ("html_url", reader.text(incident, "html_url", path)),
            ("urgency", reader.text(incident, "urgency", path)),
            ("teams", _team_names(reader, incident, path) or None),
        )
        if value is not None
    }
    entries, people = _log_entries(reader, root)
    reader.raise_if_invalid()
    assert incident_id is not None
    assert title is not None
    assert status is not None
    assert created_at is not None

    events = []
    acknowledged = False
    for entry in entries:
        if entry.type == "acknowledge_log_entry":
            # Only the first acknowledgement ends MTTA; later ones (after an
            # unacknowledge, or by a second responder) add nothing.
            if acknowledged:
                continue
            acknowledged = True
        events.append(_event(entry))
    if not acknowledged and acknowledgements:
        at, who = min(acknowledgements, key=lambda pair: pair[0])
        events.append(
            Event(
                timestamp=at,
                type=EventType.ACKNOWLEDGEMENT,
                actor=who,
                metadata={"status": ACKNOWLEDGED},
            )
        )
    if not any(entry.type == "trigger_log_entry" for entry in entries):
        # PagerDuty creates the incident when the alert triggers it, so
        # created_at is the detection even when the log lacks the entry.
        events.append(
            Event(
                timestamp=created_at,
                type=EventType.DETECTION,
                extra={"pagerduty": {"field": "created_at"}},
            )
        )
    # Stable: the detection goes first among entries of its second only if
    # it was listed first, so put it there before sorting.
    events.sort(
        key=lambda event: (event.timestamp, event.type is not EventType.DETECTION)
    )
    roles: dict[str, str] = {}
    for name in assignees:
        roles.setdefault(name, "assignee")
    for _, who in acknowledgements:
        if who is not None:
            roles.setdefault(who, "acknowledger")
    # Whoever acknowledged is the acknowledger, whatever else they did; the
    # log may list entries newest first, so the order cannot decide.
    for name, role in sorted(people, key=lambda person: person[1] != "acknowledger"):
        roles.setdefault(name, role)
    if resolved_at is None and status == "resolved":
        resolved_at = max(
            (entry.time for entry in entries if entry.type == "resolve_log_entry"),
            default=None,
        )

    return IncidentRecord(
        incident=Incident(
            id=incident_id,
            title=title,
            severity=priority,
            status=status,
            declared_at=created_at,
            resolved_at=resolved_at,
            service=service,
            extra=incident_extra("pagerduty", source),
        ),
        events=tuple(events),
        participants=tuple(
            Participant(name=name, role=role) for name, role in roles.items()
        ),
    )


def _team_names(reader: Reader, incident: JSONObject, path: str) -> list[str]:
    names = []
    for team_path, team in reader.objects(incident, "teams", path):
        name = reader.text(team, "summary", team_path)
        if name is not None:
            names.append(name)
    return names
