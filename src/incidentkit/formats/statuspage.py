"""Atlassian Statuspage incidents as incident records.

Reads one incident as the Statuspage API serves it (an object with
``incident_updates[]``), alone or in the ``{"page": ..., "incident": ...}``
envelope of a page's export. The mapping, field by field:

========================================== =====================================
Statuspage                                 record
========================================== =====================================
``id``, ``name``, ``status``               ``incident.id``, ``.title``,
                                           ``.status`` (as written)
``impact`` critical/major/minor/none       ``incident.severity``
                                           ``SEV1``/``SEV2``/``SEV3``/``SEV4``
                                           (any other value kept as written)
``created_at`` (a maintenance:             ``incident.declared_at``
``scheduled_for``)
``resolved_at``                            ``incident.resolved_at``
``started_at`` (else ``created_at``; a      a ``trigger`` event
maintenance: ``scheduled_for``)
each of ``incident_updates[]``             a ``communication`` event
                                           (``metadata.status``, ``channel``
                                           ``status_page``) and an external
                                           ``communications`` entry with its
                                           ``body``, at its ``display_at``
                                           (else ``created_at``)
first ``identified`` update                the ``identified`` milestone, through
                                           its event's ``metadata.status``
the first ``monitoring`` update, and the   a ``mitigation`` event each
first after each ``investigating`` or
``identified`` one (else ``monitoring_at``)
``components[]`` and the updates'          ``incident.affected_services``, one
``affected_components[]`` names            name per component (``id`` / ``code``);
                                           ``incident.service`` when there is
                                           exactly one (else ``None``)
``scheduled_for`` set, or ``impact``       ``incident.kind`` ``"maintenance"``
``maintenance``                            (else ``"incident"``)
``shortlink``, ``page_id``, the page's     ``incident.extra["statuspage"]``
``name`` and ``url``; a maintenance's
``scheduled_for``, ``scheduled_until``
(none)                                     no ``acknowledgement`` event:
                                           Statuspage records no moment a
                                           responder took the incident on
========================================== =====================================

A re-opened incident (monitoring, then investigating again) has one
mitigation per fix; the default ``mitigated`` rule takes the latest at or
before the resolution, the fix that held.

A scheduled maintenance (``scheduled_for`` set, or impact ``maintenance``)
is measured over its window: it starts and is declared at ``scheduled_for``,
not at its announcement (``created_at``, often days before), and its
``incident.kind`` is ``"maintenance"`` so that tables and statistics tell it
apart from incidents (and leave it out of incident statistics by default).

An affected component without a ``code`` is Statuspage's placeholder "No
components were affected by this update." and names no service. A component
inside a group is listed in ``affected_components[]`` as "Group - Name"; the
incident's ``components[]`` entry with the same ``id`` gives its own name.

An update's time is its ``display_at``: the moment the page shows, which the
author can set. ``created_at`` is when the update was typed in, which for
back-filled incidents is the day of the back-fill, years after the fact.
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
    chronological,
    incident_extra,
)
from incidentkit.records.schema import (
    INCIDENT,
    MAINTENANCE,
    Communication,
    Event,
    EventType,
    Incident,
    IncidentRecord,
)

__all__ = ["IMPACT_SEVERITY", "from_statuspage"]

#: Statuspage impact → severity label.
IMPACT_SEVERITY: Final[Mapping[str, str]] = MappingProxyType(
    {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4"}
)

_CHANNEL: Final = "status_page"
# Update statuses that say the incident is (again) not under control.
_REOPENING: Final = frozenset({"investigating", "identified"})


@attrs.frozen
class _Update:
    time: datetime
    status: str
    body: str | None
    id: str | None
    components: tuple[tuple[str | None, str], ...]


def _update(reader: Reader, update: JSONObject, path: str) -> _Update | None:
    status = reader.text(update, "status", path, required=True)
    body = reader.text(update, "body", path)
    update_id = reader.text(update, "id", path)
    components = _components(reader, update, "affected_components", "code", path)
    if update.get("display_at") is not None:
        time = reader.time(update, "display_at", path)
    else:
        time = reader.time(update, "created_at", path, required=True)
    if time is None or status is None:
        return None
    return _Update(
        time=time, status=status, body=body, id=update_id, components=tuple(components)
    )


def _components(
    reader: Reader, parent: JSONObject, key: str, id_key: str, path: str
) -> list[tuple[str | None, str]]:
    """``(id, name)`` of each component of ``parent[key]``."""
    found = []
    for component_path, component in reader.objects(parent, key, path):
        name = reader.text(component, "name", component_path)
        component_id = reader.text(component, id_key, component_path)
        if name is None:
            continue
        if id_key == "code" and component_id is None:
            # Statuspage's placeholder ("No components were affected by this
            # update.") is the only affected component without a code.
            continue
        found.append((component_id, name))
    return found


def _service_names(components: list[tuple[str | None, str]]) -> tuple[str, ...]:
    """One name per component: the first name listed for each id."""
    names: dict[str, str] = {}
    for component_id, name in components:
        names.setdefault(component_id if component_id is not None else name, name)
    return tuple(dict.fromkeys(names.values()))


def _is_maintenance(impact: str, scheduled_for: datetime | None) -> bool:
    return scheduled_for is not None or impact.casefold() == "maintenance"


def from_statuspage(data: object, *, assume_utc: bool = False) -> IncidentRecord:
    """Build a record from one Statuspage incident.

    Args:
        data: The parsed JSON: an incident object, or ``{"page": {...},
            "incident": {...}}``.
        assume_utc: Read timestamps without an offset as UTC.

    Raises:
        ValidationError: Naming every problem, each error starting with
            ``statuspage:`` and the path in the source document.

    Example:
        >>> rec = from_statuspage({
        ...     "id": "00km0kwpz23b", "name": "Incident with Actions",
        ...     "status": "resolved", "impact": "minor",
        ...     "created_at": "2023-01-10T17:04:42Z",
        ...     "resolved_at": "2023-01-10T18:14:45Z",
        ...     "incident_updates": [
        ...         {"status": "resolved", "body": "Resolved.",
        ...          "display_at": "2023-01-10T18:14:45Z"},
        ...         {"status": "investigating", "body": "Looking.",
        ...          "display_at": "2023-01-10T17:04:42Z"}]})
        >>> rec.incident.severity, [str(event.type) for event in rec.events]
        ('SEV3', ['trigger', 'communication', 'communication'])
    """
    reader = Reader("statuspage", assume_utc=assume_utc)
    root = reader.as_object(data, "")
    reader.raise_if_invalid()
    assert root is not None
    page: JSONObject | None = None
    if "incident" in root and "incident_updates" not in root:
        path = "incident"
        incident = reader.obj(root, "incident", "", required=True)
        page = reader.obj(root, "page", "")
    else:
        path = ""
        incident = root
    if incident is None:
        reader.raise_if_invalid()
    assert incident is not None

    incident_id = reader.text(incident, "id", path, required=True)
    title = reader.text(incident, "name", path, required=True)
    status = reader.text(incident, "status", path, required=True)
    impact = reader.text(incident, "impact", path, required=True)
    created_at = reader.time(incident, "created_at", path, required=True)
    started_at = reader.time(incident, "started_at", path)
    resolved_at = reader.time(incident, "resolved_at", path)
    monitoring_at = reader.time(incident, "monitoring_at", path)
    scheduled_for = reader.time(incident, "scheduled_for", path)
    # Read to check it (a bad window is a problem); kept in extra as written.
    reader.time(incident, "scheduled_until", path)
    # The incident's own components come first: their names are the
    # components' own, where updates prefix the group's name.
    services = _components(reader, incident, "components", "id", path)
    read_updates = [
        _update(reader, update, update_path)
        for update_path, update in reader.objects(incident, "incident_updates", path)
    ]
    updates = [update for update in read_updates if update is not None]
    # Statuspage lists updates newest first, also when they share one time.
    updates = chronological(
        updates, [update.time for update in updates], newest_first=True
    )
    for update in updates:
        services += update.components
    source = {
        key: value
        for key, value in (
            ("shortlink", reader.text(incident, "shortlink", path)),
            ("page_id", reader.text(incident, "page_id", path)),
            ("page_name", None if page is None else reader.text(page, "name", "page")),
            ("page_url", None if page is None else reader.text(page, "url", "page")),
            ("scheduled_for", reader.text(incident, "scheduled_for", path)),
            ("scheduled_until", reader.text(incident, "scheduled_until", path)),
        )
        if value is not None
    }
    reader.raise_if_invalid()
    assert incident_id is not None
    assert title is not None
    assert status is not None
    assert impact is not None
    assert created_at is not None

    maintenance = _is_maintenance(impact, scheduled_for)
    declared_at = created_at
    trigger = created_at if started_at is None else started_at
    if maintenance and scheduled_for is not None:
        # The announcement (created_at, started_at) comes days before the
        # work; the window starts at scheduled_for.
        declared_at = trigger = scheduled_for
    events = [Event(timestamp=trigger, type=EventType.TRIGGER)]
    communications = []
    mitigated = False
    # The first monitoring update, and the first after each investigating or
    # identified one: a re-opened incident has one mitigation per fix.
    armed = True
    for read in updates:
        events.append(
            Event(
                timestamp=read.time,
                type=EventType.COMMUNICATION,
                description=read.body,
                metadata={"channel": _CHANNEL, "status": read.status},
                extra={} if read.id is None else {"statuspage": {"update_id": read.id}},
            )
        )
        communications.append(
            Communication(
                timestamp=read.time,
                channel=_CHANNEL,
                audience="external",
                message=read.body,
            )
        )
        said = read.status.casefold()
        if said in _REOPENING:
            armed = True
        elif armed and said == "monitoring":
            armed = False
            mitigated = True
            events.append(
                Event(
                    timestamp=read.time,
                    type=EventType.MITIGATION,
                    description=read.body,
                )
            )
    if not mitigated and monitoring_at is not None:
        events.append(Event(timestamp=monitoring_at, type=EventType.MITIGATION))
    # A trigger given by started_at can come after the first updates.
    events.sort(key=lambda event: event.timestamp)

    affected = _service_names(services)
    return IncidentRecord(
        incident=Incident(
            id=incident_id,
            title=title,
            severity=IMPACT_SEVERITY.get(impact.casefold(), impact),
            status=status,
            declared_at=declared_at,
            resolved_at=resolved_at,
            # The component is the service dimension; an incident of several
            # components has no one service to be counted under.
            service=affected[0] if len(affected) == 1 else None,
            affected_services=affected,
            kind=MAINTENANCE if maintenance else INCIDENT,
            extra=incident_extra("statuspage", source),
        ),
        events=tuple(events),
        communications=tuple(communications),
    )
