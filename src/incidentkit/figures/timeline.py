"""Milestones of one incident and the durations between them.

An incident passes seven moments, the *milestones*: it starts, is detected,
a responder acknowledges it, it is declared, its cause is identified, it is
mitigated and it is resolved. Each
is found in a record by a rule of :class:`MilestonePolicy`; the default
rules are those of the specification:

============== ==============================================================
milestone      default rule (first that gives a moment wins)
============== ==============================================================
``started``    earliest ``trigger`` event; earliest ``detection`` event;
               ``incident.declared_at``
``detected``   earliest ``detection`` event
``acknowledged`` earliest ``acknowledgement`` event (a responder took the
               page: PagerDuty's acknowledge)
``declared``   ``incident.declared_at``; earliest ``declaration`` event
``identified`` earliest event whose ``metadata.status`` is ``"identified"``
``mitigated``  latest ``mitigation`` event at or before ``resolved`` (the
               latest ``mitigation`` event when ``resolved`` is unknown)
``resolved``   ``incident.resolved_at``; earliest ``resolution`` event
============== ==============================================================

The figures and phases are spans between two milestones (:data:`FIGURES`,
:data:`PHASES`). A span with an unknown end is ``None``, never guessed; a
span whose end comes before its start is negative, as it is, so that the
checks can point at the disorder. ``acknowledged`` ends a figure
(``time_to_acknowledge``, MTTA) but bounds no phase: responders may take the
page before or after the incident is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol, runtime_checkable

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit import _display
from incidentkit.errors import ValidationError
from incidentkit.figures.columns import EVENT_CODES, NAT, IncidentColumns, micros
from incidentkit.records.schema import Event, EventType, IncidentRecord

__all__ = [
    "DEFAULT_MILESTONE_POLICY",
    "FIGURES",
    "FIGURE_NAMES",
    "MILESTONE_NAMES",
    "PHASES",
    "PHASE_NAMES",
    "EarliestEvent",
    "IncidentField",
    "LatestEvent",
    "MilestonePolicy",
    "MilestoneSelector",
    "Milestones",
    "PhaseDurations",
    "SameAs",
    "durations_between",
    "find_milestones",
    "milestone_columns",
    "milestone_moments",
]

Moments = NDArray[np.int64]
#: Gives the moments of another milestone, one per incident (µs, NaT unknown).
MilestoneColumn = Callable[[str], Moments]

#: The milestones in the order an incident passes them.
MILESTONE_NAMES: Final = (
    "started",
    "detected",
    "acknowledged",
    "declared",
    "identified",
    "mitigated",
    "resolved",
)

#: The phases, consecutive spans between milestones, in order.
PHASE_NAMES: Final = (
    "detection",
    "declaration",
    "diagnosis",
    "mitigation",
    "monitoring",
)

#: The headline figures, in order.
FIGURE_NAMES: Final = (
    "time_to_detect",
    "time_to_acknowledge",
    "time_to_declare",
    "time_to_identify",
    "time_to_mitigate",
    "time_to_resolve",
    "time_open",
)

#: Each figure as ``(start milestone, end milestone)``; the figure is
#: ``end - start``.
FIGURES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "time_to_detect": ("started", "detected"),
        "time_to_acknowledge": ("detected", "acknowledged"),
        "time_to_declare": ("detected", "declared"),
        "time_to_identify": ("started", "identified"),
        "time_to_mitigate": ("started", "mitigated"),
        "time_to_resolve": ("started", "resolved"),
        "time_open": ("declared", "resolved"),
    }
)

#: Each phase as ``(start milestone, end milestone)``; consecutive phases
#: share a boundary, so that with all milestones known they tile
#: ``started → resolved``.
PHASES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "detection": ("started", "detected"),
        "declaration": ("detected", "declared"),
        "diagnosis": ("declared", "identified"),
        "mitigation": ("identified", "mitigated"),
        "monitoring": ("mitigated", "resolved"),
    }
)

# --- selectors ------------------------------------------------------------------


@runtime_checkable
class MilestoneSelector(Protocol):
    """One way of finding a milestone in a record.

    A policy tries a milestone's selectors in order and keeps the first
    moment found. Write your own by giving a class these two members. The
    library's selectors also have ``select_columns``, the same rule over
    many incidents at once; a policy made only of such selectors runs on
    columns in :func:`incidentkit.load_table` and
    :meth:`incidentkit.IncidentTable.from_records`, any other one incident
    by incident.
    """

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The milestones this selector needs to know first."""
        ...  # pragma: no cover - protocol

    def select(
        self, record: IncidentRecord, milestone: Callable[[str], datetime | None]
    ) -> datetime | None:
        """The moment this selector finds in ``record``, or ``None``.

        Args:
            record: The incident record.
            milestone: Gives the moment of another milestone (one named in
                :attr:`depends_on`) under the same policy.
        """
        ...  # pragma: no cover - protocol


def _event_type(value: EventType | str | None) -> EventType | None:
    if value is None or isinstance(value, EventType):
        return value
    # The annotation is what callers should pass; anything else gets a
    # ValidationError rather than a confusing failure later.
    text: object = value
    if isinstance(text, str) and text.strip().lower() in _EVENT_TYPE_VALUES:
        return EventType(text.strip().lower())
    known = ", ".join(_EVENT_TYPE_VALUES)
    raise ValidationError(
        [f"type: not an event type, expected one of {known} ({value!r})"]
    )


_EVENT_TYPE_VALUES: Final = tuple(member.value for member in EventType)


def _check_milestone(parameter: str, value: object) -> None:
    if value not in MILESTONE_NAMES:
        raise ValidationError(
            [
                f"{parameter}: not a milestone, expected one of "
                f"{', '.join(MILESTONE_NAMES)} ({value!r})"
            ]
        )


def _milestone_name(_: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        _check_milestone(attribute.name, value)


def _casefold(value: object) -> str | None:
    return value.strip().casefold() if isinstance(value, str) else None


def _bounds(start: str | None, end: str | None) -> tuple[str, ...]:
    return tuple(name for name in (start, end) if name is not None)


@attrs.frozen
class _EventFilter:
    """What the two event selectors share: which events qualify."""

    type: EventType | None = attrs.field(default=None, converter=_event_type)
    actor: str | None = None
    status: str | None = None
    not_before: str | None = attrs.field(
        default=None, kw_only=True, validator=_milestone_name
    )
    not_after: str | None = attrs.field(
        default=None, kw_only=True, validator=_milestone_name
    )

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The milestones that bound the events considered."""
        return _bounds(self.not_before, self.not_after)

    def _matching(
        self, record: IncidentRecord, milestone: Callable[[str], datetime | None]
    ) -> Iterator[Event]:
        # A bound whose milestone is unknown does not restrict: the rule
        # "latest mitigation at or before resolved" must still find the latest
        # mitigation of an open incident.
        low = milestone(self.not_before) if self.not_before else None
        high = milestone(self.not_after) if self.not_after else None
        actor = _casefold(self.actor)
        status = _casefold(self.status)
        for event in record.events:
            if self.type is not None and event.type is not self.type:
                continue
            if actor is not None and _casefold(event.actor) != actor:
                continue
            if status is not None and _casefold(event.metadata.get("status")) != status:
                continue
            if low is not None and event.timestamp < low:
                continue
            if high is not None and event.timestamp > high:
                continue
            yield event

    def _mask(
        self, columns: IncidentColumns, milestone: MilestoneColumn
    ) -> NDArray[np.bool_]:
        """The events that qualify, as :meth:`_matching` decides for one."""
        events = columns.events
        mask = np.ones(events.at.size, dtype=bool)
        if self.type is not None:
            mask &= events.type == EVENT_CODES[self.type]
        actor = _casefold(self.actor)
        if actor is not None:
            mask &= events.actor.map(lambda value: _casefold(value) == actor, bool)
        status = _casefold(self.status)
        if status is not None:
            mask &= events.status.map(lambda value: _casefold(value) == status, bool)
        for bound, later in ((self.not_before, True), (self.not_after, False)):
            if bound is None:
                continue
            limit = milestone(bound)[events.row]
            inside = events.at >= limit if later else events.at <= limit
            mask &= (limit == NAT) | inside
        return mask


@attrs.frozen
class EarliestEvent(_EventFilter):
    """The earliest event that matches every given criterion.

    Events need not be sorted in the record. Text criteria compare without
    regard to case or surrounding spaces.

    Attributes:
        type: The event type (an :class:`~incidentkit.records.schema.EventType` or
            its value); ``None`` for any type.
        actor: The event's ``actor``; ``None`` for anyone.
        status: The event's ``metadata.status``; ``None`` for any.
        not_before: Only events at or after this milestone (ignored when the
            milestone is unknown).
        not_after: Only events at or before this milestone (ignored when the
            milestone is unknown).

    Example:
        >>> import incidentkit as ik
        >>> EarliestEvent("detection").select(ik.example(), lambda name: None)
        datetime.datetime(2024, 1, 15, 14, 20, tzinfo=datetime.timezone.utc)
    """

    def select(
        self, record: IncidentRecord, milestone: Callable[[str], datetime | None]
    ) -> datetime | None:
        """The earliest matching event's timestamp, or ``None``."""
        return min(
            (event.timestamp for event in self._matching(record, milestone)),
            default=None,
        )

    def select_columns(
        self, columns: IncidentColumns, milestone: MilestoneColumn
    ) -> Moments:
        """:meth:`select` for every incident of ``columns`` at once."""
        return columns.events.earliest(self._mask(columns, milestone), len(columns))


@attrs.frozen
class LatestEvent(_EventFilter):
    """The latest event that matches every given criterion.

    Takes the same criteria as :class:`EarliestEvent`.

    Example:
        >>> import incidentkit as ik
        >>> rule = LatestEvent("mitigation", not_after="resolved")
        >>> rule.select(ik.example(), lambda name: None)
        datetime.datetime(2024, 1, 15, 15, 30, tzinfo=datetime.timezone.utc)
    """

    def select(
        self, record: IncidentRecord, milestone: Callable[[str], datetime | None]
    ) -> datetime | None:
        """The latest matching event's timestamp, or ``None``."""
        return max(
            (event.timestamp for event in self._matching(record, milestone)),
            default=None,
        )

    def select_columns(
        self, columns: IncidentColumns, milestone: MilestoneColumn
    ) -> Moments:
        """:meth:`select` for every incident of ``columns`` at once."""
        return columns.events.latest(self._mask(columns, milestone), len(columns))


_INCIDENT_TIMES: Final = ("declared_at", "resolved_at")


def _incident_time(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in _INCIDENT_TIMES:
        raise ValidationError(
            [
                f"{attribute.name}: not a timestamp of the incident section, "
                f"expected one of {', '.join(_INCIDENT_TIMES)} ({value!r})"
            ]
        )


@attrs.frozen
class IncidentField:
    """A timestamp of the ``incident`` section: ``declared_at`` or ``resolved_at``.

    Example:
        >>> import incidentkit as ik
        >>> IncidentField("declared_at").select(ik.example(), lambda name: None)
        datetime.datetime(2024, 1, 15, 14, 23, tzinfo=datetime.timezone.utc)
    """

    name: Literal["declared_at", "resolved_at"] = attrs.field(validator=_incident_time)

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Nothing: the field is read directly."""
        return ()

    def select(
        self, record: IncidentRecord, milestone: Callable[[str], datetime | None]
    ) -> datetime | None:
        """The field's value, or ``None`` when the record lacks it."""
        value: datetime | None = getattr(record.incident, self.name)
        return value

    def select_columns(
        self, columns: IncidentColumns, milestone: MilestoneColumn
    ) -> Moments:
        """:meth:`select` for every incident of ``columns`` at once."""
        found: Moments = getattr(columns, self.name)
        return found


@attrs.frozen
class SameAs:
    """Another milestone's moment, e.g. ``started`` falling back to ``detected``.

    Example:
        >>> SameAs("detected").depends_on
        ('detected',)
    """

    milestone: str = attrs.field(validator=_milestone_name)

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The milestone copied."""
        return (self.milestone,)

    def select(
        self, record: IncidentRecord, milestone: Callable[[str], datetime | None]
    ) -> datetime | None:
        """The other milestone's moment."""
        return milestone(self.milestone)

    def select_columns(
        self, columns: IncidentColumns, milestone: MilestoneColumn
    ) -> Moments:
        """:meth:`select` for every incident of ``columns`` at once."""
        return milestone(self.milestone)


# --- policy ---------------------------------------------------------------------


def _selectors(value: Any, parameter: str) -> tuple[MilestoneSelector, ...]:
    # A single selector is a common slip for a one-element tuple; accept it.
    if isinstance(value, MilestoneSelector):
        return (value,)
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes)):
        raise ValidationError(
            [
                f"{parameter}: expected a milestone selector or a sequence of "
                f"them ({value!r})"
            ]
        )
    return tuple(value)


def _valid_selectors(
    _: Any, attribute: attrs.Attribute[Any], value: tuple[object, ...]
) -> None:
    for position, selector in enumerate(value):
        if not isinstance(selector, MilestoneSelector):
            raise ValidationError(
                [
                    f"{attribute.name}[{position}]: not a milestone selector, it "
                    f"needs select() and depends_on ({selector!r})"
                ]
            )


#: The rules of the specification, milestone by milestone.
_SPEC_RULES: Final[Mapping[str, tuple[MilestoneSelector, ...]]] = MappingProxyType(
    {
        "started": (
            EarliestEvent(EventType.TRIGGER),
            EarliestEvent(EventType.DETECTION),
            IncidentField("declared_at"),
        ),
        "detected": (EarliestEvent(EventType.DETECTION),),
        "acknowledged": (EarliestEvent(EventType.ACKNOWLEDGEMENT),),
        "declared": (
            IncidentField("declared_at"),
            EarliestEvent(EventType.DECLARATION),
        ),
        "identified": (EarliestEvent(status="identified"),),
        "mitigated": (LatestEvent(EventType.MITIGATION, not_after="resolved"),),
        "resolved": (
            IncidentField("resolved_at"),
            EarliestEvent(EventType.RESOLUTION),
        ),
    }
)


def _rules(name: str) -> Any:
    def convert(value: Any) -> tuple[MilestoneSelector, ...]:
        return _selectors(value, name)

    return attrs.field(
        default=_SPEC_RULES[name], converter=convert, validator=_valid_selectors
    )


@attrs.frozen
class MilestonePolicy:
    """For each milestone, the selectors tried in order; the first moment wins.

    A milestone not given keeps the rule of the specification, so
    ``MilestonePolicy(detected=...)`` replaces one rule; so does
    :func:`attrs.evolve` of another policy. Selectors may refer to other
    milestones (``not_after="resolved"``, :class:`SameAs`) as long as the
    references form no cycle.

    Example:
        Take detection as the first event by the monitoring system:

        >>> import attrs
        >>> import incidentkit as ik
        >>> rules = MilestonePolicy(detected=(EarliestEvent(actor="monitoring"),))
        >>> ik.milestones(ik.example(), policy=ik.Policy(milestones=rules)).detected
        datetime.datetime(2024, 1, 15, 14, 20, tzinfo=datetime.timezone.utc)
        >>> attrs.evolve(rules, detected=()) == MilestonePolicy(detected=())
        True

    Raises:
        ValidationError: When a milestone's rules are not a selector or a
            sequence of selectors, or when milestones depend on each other
            in a cycle.
    """

    started: tuple[MilestoneSelector, ...] = _rules("started")
    detected: tuple[MilestoneSelector, ...] = _rules("detected")
    acknowledged: tuple[MilestoneSelector, ...] = _rules("acknowledged")
    declared: tuple[MilestoneSelector, ...] = _rules("declared")
    identified: tuple[MilestoneSelector, ...] = _rules("identified")
    mitigated: tuple[MilestoneSelector, ...] = _rules("mitigated")
    resolved: tuple[MilestoneSelector, ...] = _rules("resolved")

    def __attrs_post_init__(self) -> None:
        cycle = self._cycle()
        if cycle is not None:
            raise ValidationError(
                [f"{cycle[0]}: milestones depend on each other ({' → '.join(cycle)})"]
            )

    def rules(self, name: str) -> tuple[MilestoneSelector, ...]:
        """The selectors of the milestone ``name``."""
        _check_milestone("name", name)
        selectors: tuple[MilestoneSelector, ...] = getattr(self, name)
        return selectors

    @property
    def columnar(self) -> bool:
        """Whether every selector also works on columns (``select_columns``)."""
        return all(
            callable(getattr(rule, "select_columns", None))
            for name in MILESTONE_NAMES
            for rule in self.rules(name)
        )

    def _cycle(self) -> list[str] | None:
        needs = {
            name: [dep for rule in self.rules(name) for dep in rule.depends_on]
            for name in MILESTONE_NAMES
        }
        done: set[str] = set()

        def visit(name: str, path: list[str]) -> list[str] | None:
            if name in path:
                return [*path[path.index(name) :], name]
            if name in done:
                return None
            for dep in needs.get(name, ()):
                found = visit(dep, [*path, name])
                if found is not None:
                    return found
            done.add(name)
            return None

        for name in MILESTONE_NAMES:
            found = visit(name, [])
            if found is not None:
                return found
        return None


#: The rules of the specification (see the module documentation).
DEFAULT_MILESTONE_POLICY: Final = MilestonePolicy()


# --- results --------------------------------------------------------------------


@attrs.frozen
class Milestones:
    """The seven milestones of one incident, each a UTC moment or ``None``.

    Iterating gives the moments in :data:`MILESTONE_NAMES` order.

    Example:
        >>> import incidentkit as ik
        >>> [m and m.strftime("%H:%M") for m in ik.milestones(ik.example())]
        ['14:15', '14:20', None, '14:23', '14:45', '15:30', '16:45']
    """

    started: datetime | None = None
    detected: datetime | None = None
    acknowledged: datetime | None = None
    declared: datetime | None = None
    identified: datetime | None = None
    mitigated: datetime | None = None
    resolved: datetime | None = None

    def __iter__(self) -> Iterator[datetime | None]:
        return (getattr(self, name) for name in MILESTONE_NAMES)

    def as_dict(self) -> dict[str, datetime | None]:
        """The milestones as a name → moment dict, in order."""
        return {name: getattr(self, name) for name in MILESTONE_NAMES}

    def span(self, start: str, end: str) -> timedelta | None:
        """``end - start`` between two milestones; ``None`` if either is unknown.

        Example:
            >>> Milestones().span("started", "resolved") is None
            True
        """
        _check_milestone("start", start)
        _check_milestone("end", end)
        first: datetime | None = getattr(self, start)
        last: datetime | None = getattr(self, end)
        if first is None or last is None:
            return None
        return last - first

    def __str__(self) -> str:
        """The result as text: readable durations, labels and sample sizes."""
        return _display.text(self)

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


@attrs.frozen
class PhaseDurations:
    """The headline figures and the phases of one incident.

    Every value is ``end - start`` between two milestones (:data:`FIGURES`,
    :data:`PHASES`), ``None`` when either is unknown, and negative when the
    end comes first.

    Attributes:
        time_to_detect: started → detected.
        time_to_acknowledge: detected → acknowledged (MTTA).
        time_to_declare: detected → declared.
        time_to_identify: started → identified.
        time_to_mitigate: started → mitigated.
        time_to_resolve: started → resolved.
        time_open: declared → resolved.
        phases: ``detection`` (started → detected), ``declaration``
            (detected → declared), ``diagnosis`` (declared → identified),
            ``mitigation`` (identified → mitigated) and ``monitoring``
            (mitigated → resolved), in that order.
        milestones: The milestones the spans were taken between.
    """

    time_to_detect: timedelta | None
    time_to_acknowledge: timedelta | None
    time_to_declare: timedelta | None
    time_to_identify: timedelta | None
    time_to_mitigate: timedelta | None
    time_to_resolve: timedelta | None
    time_open: timedelta | None
    # A plain dict, so that results pickle and deep-copy; out of the hash
    # because dicts have none (the milestones, which determine it, are in).
    phases: Mapping[str, timedelta | None] = attrs.field(hash=False)
    milestones: Milestones

    @property
    def figures(self) -> Mapping[str, timedelta | None]:
        """The seven figures as a name → span mapping, in :data:`FIGURE_NAMES` order."""
        return {name: getattr(self, name) for name in FIGURE_NAMES}

    def __str__(self) -> str:
        """The result as text: readable durations, labels and sample sizes."""
        return _display.text(self)

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


# --- functions ------------------------------------------------------------------


def find_milestones(rec: IncidentRecord, rules: MilestonePolicy) -> Milestones:
    """The seven milestones of one record under ``rules`` (the scalar engine).

    :func:`incidentkit.milestones` is the public form, with the whole
    :class:`~incidentkit.Policy`; :func:`milestone_columns` is the same rules
    over many incidents.
    """
    found: dict[str, datetime | None] = {}

    def milestone(name: str) -> datetime | None:
        # The policy has no cycles, so this recursion ends within seven steps.
        if name not in found:
            found[name] = next(
                (
                    moment
                    for rule in rules.rules(name)
                    if (moment := rule.select(rec, milestone)) is not None
                ),
                None,
            )
        return found[name]

    return Milestones(**{name: milestone(name) for name in MILESTONE_NAMES})


def durations_between(found: Milestones) -> PhaseDurations:
    """The figures and phases between one incident's milestones."""
    figures = {name: found.span(*FIGURES[name]) for name in FIGURE_NAMES}
    phases = {name: found.span(*PHASES[name]) for name in PHASE_NAMES}
    return PhaseDurations(**figures, phases=phases, milestones=found)


def milestone_columns(
    columns: IncidentColumns, policy: MilestonePolicy = DEFAULT_MILESTONE_POLICY
) -> dict[str, Moments]:
    """The seven milestones of many incidents, as :func:`milestones` finds them.

    Args:
        columns: The incidents
            (:func:`~incidentkit.figures.columns.incident_columns`).
        policy: The rules; every selector needs ``select_columns``
            (:attr:`MilestonePolicy.columnar`).

    Returns:
        Milestone name → int64 microseconds since 1970 UTC per incident, in
        :data:`MILESTONE_NAMES` order; NaT (:data:`~incidentkit.figures.columns.NAT`)
        where unknown.
    """
    found: dict[str, Moments] = {}

    def milestone(name: str) -> Moments:
        # The policy has no cycles, so this recursion ends within seven steps.
        if name not in found:
            out = np.full(len(columns), NAT, dtype=np.int64)
            for rule in policy.rules(name):
                unknown = out == NAT
                if not unknown.any():
                    break
                # The first rule that finds a moment wins, as in milestones().
                out = np.where(unknown, rule.select_columns(columns, milestone), out)  # type: ignore[attr-defined]
            found[name] = out
        return found[name]

    return {name: milestone(name) for name in MILESTONE_NAMES}


def milestone_moments(found: Milestones) -> dict[str, Moments]:
    """One record's milestones in the form of :func:`milestone_columns`."""
    return {
        name: np.array([micros(value)], dtype=np.int64)
        for name, value in found.as_dict().items()
    }
