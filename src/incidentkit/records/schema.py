"""Typed, immutable records for one incident document.

Every section of an incident document has a frozen, slotted attrs class here.
The classes hold data only; parsing and writing live in
:mod:`incidentkit.records.converter`, and the analytics are pure functions elsewhere.

Conventions shared by every class:

* Timestamps are timezone-aware :class:`~datetime.datetime` objects in UTC;
  date-only fields are :class:`~datetime.date`.
* Sequences are tuples, so a record cannot change after it is built.
* Optional fields are ``None`` when the document lacks them (or gives
  ``null``); nothing is invented.
* ``extra`` keeps the keys the schema does not know, with their JSON values,
  so that writing a record back loses nothing. ``metadata`` objects are kept
  as they are.
* JSON values (``metadata``, ``extra``, the entries of
  ``Context.ongoing_incidents``) are frozen: objects are read-only
  :class:`~incidentkit._frozen.FrozenMapping` instances, arrays tuples. So a
  record is immutable all the way down, and hashes (equal records, equal
  hashes). A dict or a list given to a constructor is frozen on the way in;
  :func:`~incidentkit.records.io.to_dict` gives plain dicts and lists back.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final

import attrs

from incidentkit import _display
from incidentkit._frozen import EMPTY, FrozenMapping, freeze
from incidentkit.records.labels import severity_level

__all__ = [
    "INCIDENT",
    "INCIDENT_KINDS",
    "MAINTENANCE",
    "ActionItem",
    "Communication",
    "Context",
    "CustomerImpact",
    "Deployment",
    "Event",
    "EventType",
    "Impact",
    "Incident",
    "IncidentRecord",
    "JSONValue",
    "OnCall",
    "Participant",
    "Resolution",
    "Signals",
]

#: Any value a JSON document can hold (``dict`` keys are strings, numbers are
#: finite). Used for ``metadata``, ``extra`` and sections whose shape varies.
JSONValue = Any

#: Largest count the schema accepts: counts become int64 columns in tables.
MAX_COUNT: Final = 2**63 - 1


class EventType(str, enum.Enum):
    """The kind of a timeline event, in the order an incident usually goes."""

    TRIGGER = "trigger"
    DETECTION = "detection"
    ACKNOWLEDGEMENT = "acknowledgement"
    DECLARATION = "declaration"
    INVESTIGATION = "investigation"
    COMMUNICATION = "communication"
    ESCALATION = "escalation"
    MITIGATION = "mitigation"
    RESOLUTION = "resolution"

    def __str__(self) -> str:
        return self.value


_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _finite_in(low: float, high: float) -> _Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
        if value is None:
            return
        if not math.isfinite(value):
            raise ValueError(f"{attribute.name} must be a finite number, got {value!r}")
        if not low <= value <= high:
            raise ValueError(
                f"{attribute.name} must be between {low:g} and {high:g}, got {value!r}"
            )

    return check


def _count(_: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_COUNT:
        raise ValueError(
            f"{attribute.name} must be a count between 0 and {MAX_COUNT}, got {value!r}"
        )


#: ``Incident.kind`` of an unplanned incident (the default).
INCIDENT: Final = "incident"
#: ``Incident.kind`` of planned work (a Statuspage scheduled maintenance):
#: measured over its window, and left out of incident statistics by default.
MAINTENANCE: Final = "maintenance"
#: Every value ``Incident.kind`` takes.
INCIDENT_KINDS: Final = (INCIDENT, MAINTENANCE)


def _kind(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in INCIDENT_KINDS:
        raise ValueError(
            f"{attribute.name} must be one of {', '.join(map(repr, INCIDENT_KINDS))}, "
            f"got {value!r}"
        )


_percentage = _finite_in(0.0, 100.0)
_non_negative = _finite_in(0.0, math.inf)


def _no_known_keys_in_extra(
    instance: Any, attribute: attrs.Attribute[Any], value: Mapping[str, Any]
) -> None:
    # Most record objects have no unknown keys and share the empty mapping:
    # an identity test spares them a call of its __len__.
    if value is EMPTY or not value:
        return
    # A document may well have a key named "extra"; only the real fields clash.
    known = {field.name for field in attrs.fields(type(instance))} - {"extra"}
    clash = sorted(known.intersection(value))
    if clash:
        raise ValueError(
            f"extra must only hold keys the schema does not know; {clash} are fields"
        )


def _json_array(values: Iterable[JSONValue]) -> tuple[JSONValue, ...]:
    frozen: tuple[JSONValue, ...] = freeze(tuple(values))
    return frozen


def _json_object() -> Any:
    # The converter hands in frozen mappings, which FrozenMapping.of keeps
    # as they are: loaded values are walked once, by the converter.
    return attrs.field(default=EMPTY, converter=FrozenMapping.of)


def _json_values() -> Any:
    return attrs.field(default=(), converter=_json_array)


def _extra() -> Any:
    return attrs.field(
        default=EMPTY,
        converter=FrozenMapping.of,
        kw_only=True,
        validator=_no_known_keys_in_extra,
        repr=False,
    )


@attrs.frozen
class Incident:
    """The ``incident`` section: what happened, how bad, when declared.

    Attributes:
        id: The incident's identifier in its tracker.
        title: A one-line summary.
        severity: The declared severity label as written (``"SEV1"``,
            ``"P2"``, ``"critical"``); see :func:`incidentkit.severity_level`.
            ``None`` (``"severity": null``) when the source records no
            severity: unknown, which is not an error.
        status: ``"resolved"``, ``"investigating"``, ``"monitoring"``...
        declared_at: When the incident was declared.
        resolved_at: When it was resolved; ``None`` while it is open.
        commander: The incident commander's name.
        service: The service the incident is about.
        affected_services: Other services that were affected.
        kind: ``"incident"`` (the default: a document without ``kind`` is
            an incident, and one is written without it) or
            ``"maintenance"``, planned work such as a Statuspage scheduled
            maintenance, which statistics leave out by default.
    """

    id: str
    title: str
    severity: str | None
    status: str
    declared_at: datetime
    resolved_at: datetime | None = None
    commander: str | None = None
    service: str | None = None
    affected_services: tuple[str, ...] = ()
    kind: str = attrs.field(default=INCIDENT, validator=_kind)
    extra: Mapping[str, JSONValue] = _extra()

    @property
    def severity_level(self) -> int | None:
        """The numeric level of :attr:`severity` under the default labels."""
        return severity_level(self.severity)

    @property
    def is_maintenance(self) -> bool:
        """Whether the record is planned work, not an incident (see :attr:`kind`)."""
        return self.kind == MAINTENANCE


@attrs.frozen
class Event:
    """One entry of the timeline (``events[]``)."""

    timestamp: datetime
    type: EventType
    actor: str | None = None
    description: str | None = None
    metadata: Mapping[str, JSONValue] = _json_object()
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class Communication:
    """One message sent during the incident (``communications[]``).

    ``audience`` is ``"external"`` for customers (status page, email) and
    ``"internal"`` for the company; only external messages count as updates.
    """

    timestamp: datetime
    channel: str | None = None
    audience: str | None = None
    message: str | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class Impact:
    """The ``impact`` section: who and what was harmed, as declared.

    Attributes:
        revenue_impact: ``"none"``, ``"low"``, ``"medium"``, ``"high"`` or
            ``"critical"``.
        affected_users_percentage: Share of users affected, 0-100.
        degradation_type: ``"full"`` (down for everyone affected) or
            ``"partial"`` (degraded).
    """

    revenue_impact: str | None = None
    affected_users_percentage: float | None = attrs.field(
        default=None, validator=_percentage
    )
    affected_regions: tuple[str, ...] = ()
    data_integrity_risk: bool | None = None
    security_breach: bool | None = None
    customer_facing: bool | None = None
    degradation_type: str | None = None
    workaround_available: bool | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class Signals:
    """The ``signals`` section: what the telemetry showed."""

    error_rate_percentage: float | None = attrs.field(
        default=None, validator=_percentage
    )
    latency_p99_ms: float | None = attrs.field(default=None, validator=_non_negative)
    affected_endpoints: tuple[str, ...] = ()
    dependent_services: tuple[str, ...] = ()
    alert_count: int | None = attrs.field(default=None, validator=_count)
    customer_reports: int | None = attrs.field(default=None, validator=_count)
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class Deployment:
    """A recent deployment listed in ``context.recent_deployments[]``."""

    service: str | None = None
    deployed_at: datetime | None = None
    version: str | None = None
    changes: str | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class OnCall:
    """Who was on call (``context.on_call``)."""

    primary: str | None = None
    secondary: str | None = None
    escalation_manager: str | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class Context:
    """The ``context`` section: what else was going on.

    ``ongoing_incidents`` and ``maintenance_windows`` have no fixed shape
    across tools, so their entries are kept as JSON values.
    """

    recent_deployments: tuple[Deployment, ...] = ()
    ongoing_incidents: tuple[JSONValue, ...] = _json_values()
    maintenance_windows: tuple[JSONValue, ...] = _json_values()
    on_call: OnCall | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class CustomerImpact:
    """What customers lost (``resolution.customer_impact``)."""

    affected_users: int | None = attrs.field(default=None, validator=_count)
    failed_transactions: int | None = attrs.field(default=None, validator=_count)
    revenue_impact_usd: float | None = attrs.field(
        default=None, validator=_non_negative
    )
    data_loss: bool | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class Resolution:
    """The ``resolution`` section: why it happened and how it was fixed.

    ``postmortem_scheduled`` is a :class:`~datetime.datetime` when the
    document gives a time, a :class:`~datetime.date` when it gives a day.
    """

    root_cause: str | None = None
    contributing_factors: tuple[str, ...] = ()
    mitigation_steps: tuple[str, ...] = ()
    permanent_fix: str | None = None
    customer_impact: CustomerImpact | None = None
    postmortem_scheduled: datetime | date | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class ActionItem:
    """A follow-up task (``action_items[]``).

    ``type`` and ``status`` keep their text; :mod:`incidentkit.figures.actions` maps
    aliases such as ``detect``/``detection`` to one canonical type.
    """

    title: str
    owner: str | None = None
    priority: str | None = None
    deadline: date | None = None
    type: str | None = None
    status: str | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class Participant:
    """Someone who took part (``participants[]``)."""

    name: str
    role: str | None = None
    extra: Mapping[str, JSONValue] = _extra()


@attrs.frozen
class IncidentRecord:
    """One whole incident document.

    Only :attr:`incident` is required. ``communications`` is ``None`` when
    the document has no such section (analytics then fall back to
    ``communication`` events) and a tuple, possibly empty, when it has one.

    Example:
        >>> import incidentkit as ik
        >>> rec = ik.example()
        >>> rec.incident.severity, len(rec.events), rec.events[0].type
        ('SEV1', 18, <EventType.TRIGGER: 'trigger'>)
    """

    incident: Incident
    events: tuple[Event, ...] = ()
    communications: tuple[Communication, ...] | None = None
    impact: Impact | None = None
    signals: Signals | None = None
    context: Context | None = None
    resolution: Resolution | None = None
    action_items: tuple[ActionItem, ...] = ()
    participants: tuple[Participant, ...] = ()
    extra: Mapping[str, JSONValue] = _extra()

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)
