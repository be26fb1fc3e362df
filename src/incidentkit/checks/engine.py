"""A postmortem linter: findings with stable codes, levels and paths.

:func:`check` runs every rule of :data:`incidentkit.checks.rules.RULES` over one
record and returns the :class:`Finding` objects, sorted by level (errors
first) and then by path. :class:`CheckPolicy` holds every knob: rules to
switch off (``ignore``) or keep (``select``), levels to change, and the
policies the rules judge against (severity criteria, update cadence,
deadlines, required action-item types).

The rules build on the one-incident analytics and never recompute their
figures: milestones and durations come from
:func:`incidentkit.figures.timeline.phase_durations`, gaps and broken promises from
:func:`incidentkit.figures.communications.communications_summary`, action-item gaps
from :func:`incidentkit.figures.actions.action_item_coverage`, and the severity
verdict from :func:`incidentkit.figures.severity.expected_severity`.

Nothing here reads the clock: rules that need "today" (overdue action items)
run only when ``as_of`` is given.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Final, TypeGuard, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from incidentkit._args import instance, instance_of, is_whole, mapping, texts, whole
from incidentkit.checks.findings import Finding, Findings, count_levels, sort_key
from incidentkit.checks.rules import FAMILIES, LEVELS, RULES, Level
from incidentkit.errors import ValidationError
from incidentkit.figures.actions import (
    ActionItemCoverage,
    ActionItemPolicy,
    action_item_coverage,
)
from incidentkit.figures.actions import _as_of_day as _coverage_day
from incidentkit.figures.communications import (
    CommunicationPolicy,
    CommunicationsSummary,
    communications_summary,
)
from incidentkit.figures.severity import (
    DEFAULT_SEVERITY_POLICY,
    SeverityPolicy,
    SeverityVerdict,
    expected_severity,
)
from incidentkit.figures.timeline import (
    DEFAULT_MILESTONE_POLICY,
    FIGURES,
    MILESTONE_NAMES,
    PHASES,
    MilestonePolicy,
    Milestones,
    PhaseDurations,
    phase_durations,
)
from incidentkit.records.converter import format_timestamp
from incidentkit.records.labels import SeverityLabels
from incidentkit.records.schema import EventType, IncidentRecord

__all__ = [
    "DEFAULT_DEADLINE_DAYS",
    "CheckPolicy",
    "Finding",
    "check",
    "check_counts",
    "check_many",
    "count_levels",
]

_UTC: Final = timezone.utc

#: Days from the resolution date within which an action item of each
#: priority level is due (P1 15, P2 30, P3 60).
DEFAULT_DEADLINE_DAYS: Final[Mapping[int, int]] = MappingProxyType(
    {1: 15, 2: 30, 3: 60}
)

_RESOLVED_STATUSES: Final = frozenset(
    {"resolved", "closed", "completed", "complete", "done", "postmortem"}
)
_OPEN_STATUSES: Final = frozenset(
    {
        "open",
        "triage",
        "triaged",
        "active",
        "ongoing",
        "investigating",
        "identified",
        "mitigating",
        "mitigated",
        "monitoring",
        "fixing",
        "in progress",
    }
)
_COMMANDER_ROLES: Final = frozenset(
    {"incident commander", "ic", "commander", "incident lead", "incident manager"}
)


# --- findings -------------------------------------------------------------------------


def _is_level_name(value: object) -> TypeGuard[Level]:
    return value in LEVELS


# --- policy ---------------------------------------------------------------------------


def _codes(selector: str) -> tuple[str, ...]:
    """The codes a selector names (a code, a rule name, a family, a prefix)."""
    text = selector.strip()
    if text in RULES:
        return (text,)
    lowered = text.lower()
    by_name = tuple(code for code, rule in RULES.items() if rule.name == lowered)
    if by_name:
        return by_name
    if lowered in FAMILIES:
        return tuple(code for code, rule in RULES.items() if rule.family == lowered)
    upper = text.upper()
    if upper.startswith("IK"):
        return tuple(code for code in RULES if code.startswith(upper))
    return ()


def _unknown_selector(selector: str, parameter: str) -> str:
    return (
        f"{parameter}: {selector!r} names no rule; use a code (IK101), a code "
        f"prefix (IK1), a rule name or a family ({', '.join(FAMILIES)})"
    )


def _selectors(value: object) -> frozenset[str]:
    # A lone string is a common slip for a one-element collection.
    if isinstance(value, str):
        return frozenset({value})
    if not isinstance(value, Iterable):
        raise ValidationError(
            [f"ignore/select: expected codes or rule names ({value!r})"]
        )
    return frozenset(str(item) for item in value)


def _optional_selectors(value: object) -> frozenset[str] | None:
    return None if value is None else _selectors(value)


def _level_map(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            [f"levels: expected a mapping of rule to level ({value!r})"]
        )
    return MappingProxyType({str(key): value[key] for key in value})


def _positive_days(
    _: Any, attribute: attrs.Attribute[Any], value: Mapping[int, int]
) -> None:
    problems = [
        f"{attribute.name}[{key!r}]: must map a priority level (int) to a "
        f"number of days >= 0 ({days!r})"
        for key, days in value.items()
        if not (is_whole(key) and is_whole(days) and days >= 0)
    ]
    if problems:
        raise ValidationError(problems)


def _non_negative_span(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValidationError(
            [f"{attribute.name}: must be a timedelta >= 0 ({value!r})"]
        )


_SEPARATORS: Final = re.compile(r"[\s_-]+")


def _word_key(value: object) -> str | None:
    """Text compared loosely: case, spaces, ``_`` and ``-`` do not matter."""
    if not isinstance(value, str):
        return None
    return " ".join(_SEPARATORS.split(value.casefold())).strip()


def _folded(value: Iterable[str], parameter: str) -> frozenset[str]:
    # A lone status is one status, not its letters (as for ``ignore``).
    return frozenset(_word_key(item) or "" for item in texts(value, parameter))


def _resolved_statuses(value: Iterable[str]) -> frozenset[str]:
    return _folded(value, "resolved_statuses")


def _open_statuses(value: Iterable[str]) -> frozenset[str]:
    return _folded(value, "open_statuses")


def _commander_roles(value: Iterable[str]) -> frozenset[str]:
    return _folded(value, "commander_roles")


def _frozen_days(value: Mapping[int, int]) -> Mapping[int, int]:
    days = mapping(value, "deadline_days", "priority level to days")
    return MappingProxyType(dict(days))


@attrs.frozen
class CheckPolicy:
    """Every knob of :func:`check`, like a linter's configuration.

    Rules are named by code (``"IK503"``), code prefix (``"IK5"``), rule name
    (``"deadline-beyond-policy"``) or family (``"action_items"``).

    Attributes:
        ignore: Rules to switch off.
        select: When given, only these rules run (before ``ignore``).
        levels: Rule → level (``"error"``, ``"warning"``, ``"info"``) to
            re-level findings; a code wins over a prefix or family.
        severity: The severity criteria and labels (IK1xx; labels also read
            action-item priorities).
        communications: The cadence limits by severity level (IK402, IK403).
        actions: Required action-item types by severity level, done statuses
            and the factor-matching rule (IK5xx).
        milestones: How milestones are found in a record (IK2xx).
        deadline_days: Priority level → days after the resolution date an
            action item may be due (IK503). Levels more urgent than the most
            urgent listed use its limit; less urgent levels not listed have
            none.
        early_event_limit: How long before ``started`` an event may lie
            (IK203).
        resolution_grace: How long after ``resolved`` events may lie, for
            the final status update (IK204).
        resolved_statuses: ``incident.status`` values meaning it is over
            (compared ignoring case, spaces, ``_`` and ``-``).
        open_statuses: ``incident.status`` values meaning it is not over.
            Statuses in neither set are not judged.
        commander_roles: Participant roles that mean incident commander
            (compared like the statuses).
        postmortem_max_level: Resolved incidents at this severity level or
            more severe need a scheduled postmortem (IK507).

    Example:
        >>> policy = CheckPolicy(ignore={"IK305", "communications"},
        ...                      levels={"IK304": "error"})
        >>> policy.level_of("IK304"), policy.level_of("IK403"), policy.level_of("IK101")
        ('error', None, 'error')
    """

    ignore: frozenset[str] = attrs.field(default=frozenset(), converter=_selectors)
    select: frozenset[str] | None = attrs.field(
        default=None, converter=_optional_selectors
    )
    levels: Mapping[str, str] = attrs.field(
        factory=dict, converter=_level_map, hash=False
    )
    severity: SeverityPolicy = attrs.field(
        default=DEFAULT_SEVERITY_POLICY, validator=instance_of(SeverityPolicy)
    )
    communications: CommunicationPolicy = attrs.field(
        factory=CommunicationPolicy, validator=instance_of(CommunicationPolicy)
    )
    actions: ActionItemPolicy = attrs.field(
        factory=ActionItemPolicy, validator=instance_of(ActionItemPolicy)
    )
    milestones: MilestonePolicy = attrs.field(
        default=DEFAULT_MILESTONE_POLICY, validator=instance_of(MilestonePolicy)
    )
    deadline_days: Mapping[int, int] = attrs.field(
        default=DEFAULT_DEADLINE_DAYS,
        converter=_frozen_days,
        validator=_positive_days,
        hash=False,
    )
    early_event_limit: timedelta = attrs.field(
        default=timedelta(hours=1), validator=_non_negative_span
    )
    resolution_grace: timedelta = attrs.field(
        default=timedelta(hours=1), validator=_non_negative_span
    )
    resolved_statuses: frozenset[str] = attrs.field(
        default=_RESOLVED_STATUSES, converter=_resolved_statuses
    )
    open_statuses: frozenset[str] = attrs.field(
        default=_OPEN_STATUSES, converter=_open_statuses
    )
    commander_roles: frozenset[str] = attrs.field(
        default=_COMMANDER_ROLES, converter=_commander_roles
    )
    postmortem_max_level: int = attrs.field(default=2, validator=whole)
    _effective: Mapping[str, Level] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        errors: list[str] = []

        def expand(selectors: Iterable[str], parameter: str) -> set[str]:
            codes: set[str] = set()
            for selector in sorted(selectors):
                named = _codes(selector)
                if not named:
                    errors.append(_unknown_selector(selector, parameter))
                codes.update(named)
            return codes

        enabled = set(RULES) if self.select is None else expand(self.select, "select")
        enabled -= expand(self.ignore, "ignore")
        effective: dict[str, Level] = {code: RULES[code].level for code in enabled}
        # Broad selectors first, so that a code's own entry wins over its
        # family's or prefix's.
        by_breadth = sorted(self.levels.items(), key=lambda item: -len(_codes(item[0])))
        for selector, level in by_breadth:
            if not _is_level_name(level):
                errors.append(
                    f"levels[{selector!r}]: must be one of {', '.join(LEVELS)} "
                    f"({level!r})"
                )
                continue
            for code in expand([selector], f"levels[{selector!r}]"):
                if code in effective:
                    effective[code] = level
        if errors:
            raise ValidationError(errors)
        object.__setattr__(self, "_effective", MappingProxyType(effective))

    def level_of(self, code: str) -> Level | None:
        """The level findings of a rule get, or ``None`` when it is off."""
        return self._effective.get(code)

    @property
    def enabled(self) -> tuple[str, ...]:
        """The codes of the rules that run, in order."""
        return tuple(code for code in RULES if code in self._effective)


# --- helpers --------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return format_timestamp(moment)


def _span(length: timedelta) -> str:
    """A duration as people say it: ``35 min``, ``1 h 30 min``, ``17 days``."""
    if length < timedelta(0):
        return "-" + _span(-length)
    days = length.days
    hours, rest = divmod(length.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        (days, "days" if days != 1 else "day"),
        (hours, "h"),
        (minutes, "min"),
        (seconds, "s"),
    ]
    shown = [f"{amount} {unit}" for amount, unit in parts if amount][:2]
    if not shown:
        return "0 min" if not length.microseconds else f"{length.microseconds} µs"
    return " ".join(shown)


def _folded_text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()).casefold()


def _quoted(values: Iterable[str]) -> str:
    return "[" + ", ".join(repr(value) for value in values) + "]"


# Which event types a milestone usually comes from, to point a finding at the
# event behind it.
_MILESTONE_EVENT_TYPES: Final[Mapping[str, tuple[EventType, ...]]] = {
    "started": (EventType.TRIGGER, EventType.DETECTION),
    "detected": (EventType.DETECTION,),
    "declared": (EventType.DECLARATION,),
    "identified": (),
    "mitigated": (EventType.MITIGATION,),
    "resolved": (EventType.RESOLUTION,),
}


_Labelled = TypeVar("_Labelled", CommunicationPolicy, ActionItemPolicy)


@functools.lru_cache(maxsize=64)
def _with_labels(policy: _Labelled, labels: SeverityLabels) -> _Labelled:
    """The policy reading severities with the check policy's labels.

    Cadence limits and required types are by level, and the level of a label
    is the check policy's to say (``SeverityPolicy.labels``), so that a team's
    critical/major/minor words apply to every rule alike.
    """
    if policy.severity_labels == labels:
        return policy
    return attrs.evolve(policy, severity_labels=labels)


class _Context:
    """One record under one policy; figures are computed once, on demand."""

    def __init__(
        self, rec: IncidentRecord, policy: CheckPolicy, as_of: date | None
    ) -> None:
        self.rec = rec
        self.policy = policy
        self.as_of = as_of

    @functools.cached_property
    def level(self) -> int | None:
        return self.policy.severity.labels.level(self.rec.incident.severity)

    @functools.cached_property
    def durations(self) -> PhaseDurations:
        return phase_durations(self.rec, self.policy.milestones)

    @property
    def milestones(self) -> Milestones:
        return self.durations.milestones

    @functools.cached_property
    def verdict(self) -> SeverityVerdict:
        return expected_severity(self.rec, self.policy.severity)

    @functools.cached_property
    def communications(self) -> CommunicationsSummary:
        return communications_summary(
            self.rec,
            _with_labels(self.policy.communications, self.policy.severity.labels),
            milestone_policy=self.policy.milestones,
        )

    @functools.cached_property
    def coverage(self) -> ActionItemCoverage:
        # Without as_of only the rules that ignore the date read the coverage.
        as_of = self.rec.incident.declared_at if self.as_of is None else self.as_of
        return action_item_coverage(
            self.rec,
            as_of=as_of,
            policy=_with_labels(self.policy.actions, self.policy.severity.labels),
        )

    def label(self, level: int) -> str:
        return self.policy.severity.label(level)

    def status(self) -> str | None:
        return _word_key(self.rec.incident.status)

    def milestone_path(self, name: str, moment: datetime) -> str:
        """The record field a milestone most likely came from."""
        incident = self.rec.incident
        if name == "declared" and incident.declared_at == moment:
            return "incident.declared_at"
        if name == "resolved" and incident.resolved_at == moment:
            return "incident.resolved_at"
        wanted = _MILESTONE_EVENT_TYPES[name]
        fallback: str | None = None
        for index, event in enumerate(self.rec.events):
            if event.timestamp != moment:
                continue
            if event.type in wanted or (
                name == "identified"
                and _folded_text(event.metadata.get("status")) == "identified"
            ):
                return f"events[{index}].timestamp"
            fallback = fallback or f"events[{index}].timestamp"
        if fallback is not None:
            return fallback
        if incident.declared_at == moment:
            return "incident.declared_at"
        return "events"


_Check = Callable[[_Context], Iterator[tuple[str, str]]]


# --- severity -------------------------------------------------------------------------


def _clamped(ctx: _Context) -> int | None:
    """The declared level, moved into the range of the policy's levels."""
    level = ctx.level
    if level is None:
        return None
    severity = ctx.policy.severity
    return min(max(level, severity.most_severe), severity.least_severe)


def _ik101(ctx: _Context) -> Iterator[tuple[str, str]]:
    declared = _clamped(ctx)
    verdict = ctx.verdict
    if declared is None or verdict.level is None or declared <= verdict.level:
        return
    label = verdict.label
    first, *others = verdict.matched
    reason = "; ".join(
        [*first.facts, f"{label} applies when {first.criterion.description}"]
    )
    also = (
        f"; also {', '.join(match.criterion.name for match in others)}"
        if others
        else ""
    )
    yield (
        "incident.severity",
        f"declared {ctx.rec.incident.severity}, but the impact matches {label} "
        f"({reason}{also}): declare {label}, or correct the impact if it is wrong",
    )


def _ik102(ctx: _Context) -> Iterator[tuple[str, str]]:
    declared = _clamped(ctx)
    verdict = ctx.verdict
    if (
        declared is None
        or declared >= verdict.possible_level
        or declared > ctx.policy.severity.major
    ):
        return
    severity = ctx.policy.severity
    needs = [
        criterion.name
        for entry in severity.levels
        if entry.level == declared
        for criterion in entry.criteria
    ]
    reason = (
        f"{ctx.label(declared)} needs one of: {', '.join(needs)}"
        if needs
        else f"{ctx.label(declared)} has no criteria"
    )
    if verdict.matched:
        match = verdict.matched[0]
        reason += (
            f"; the impact meets {verdict.possible_label}'s "
            f"{match.criterion.name} ({', '.join(match.facts)})"
        )
    yield (
        "incident.severity",
        f"declared {ctx.rec.incident.severity}, but no criterion of "
        f"{ctx.label(declared)} or above can hold, so the impact warrants at most "
        f"{verdict.possible_label} ({reason}): lower the severity, or record the "
        "impact that justifies it",
    )


def _ik103(ctx: _Context) -> Iterator[tuple[str, str]]:
    if ctx.level is not None:
        return
    labels = ctx.policy.severity.labels
    words = ", ".join(sorted(labels.names)) or "none"
    numbered = "SEV<n>, P<n> and " if labels.numbered else ""
    yield (
        "incident.severity",
        f"severity {ctx.rec.incident.severity!r} maps to no level (known: "
        f"{numbered}the words {words}): use a known label, or map it with "
        f"SeverityPolicy().with_labels({{{ctx.rec.incident.severity!r}: <level>}})",
    )


# --- timeline -------------------------------------------------------------------------


def _ik201(ctx: _Context) -> Iterator[tuple[str, str]]:
    found = ctx.milestones.as_dict()
    present = [(name, moment) for name, moment in found.items() if moment is not None]
    order = {name: index for index, name in enumerate(MILESTONE_NAMES)}
    spans = {**ctx.durations.figures, **ctx.durations.phases}
    bounds = {**FIGURES, **PHASES}
    for (early, early_at), (late, late_at) in itertools.pairwise(present):
        if late_at >= early_at:
            continue
        negative = [
            name
            for name, (start, end) in bounds.items()
            if order[start] <= order[early]
            and order[late] <= order[end]
            and (value := spans[name]) is not None
            and value < timedelta(0)
        ]
        turns = (
            f"; {', '.join(negative)} turn{'s' if len(negative) == 1 else ''} negative"
            if negative
            else ""
        )
        yield (
            ctx.milestone_path(late, late_at),
            f"{late} ({_when(late_at)}) is before {early} ({_when(early_at)}), "
            f"{_span(early_at - late_at)} out of order{turns}: fix the timestamp "
            f"behind {late} or {early}",
        )


def _ik202(ctx: _Context) -> Iterator[tuple[str, str]]:
    events = ctx.rec.events
    backwards = [
        index
        for index in range(1, len(events))
        if events[index].timestamp < events[index - 1].timestamp
    ]
    if not backwards:
        return
    first = backwards[0]
    more = f"; {len(backwards)} events step back in time" if len(backwards) > 1 else ""
    yield (
        f"events[{first}].timestamp",
        f"events[{first}] ({_when(events[first].timestamp)}) is listed after "
        f"events[{first - 1}] ({_when(events[first - 1].timestamp)}){more}: "
        "sort the events by timestamp, or fix the wrong one",
    )


def _ik203(ctx: _Context) -> Iterator[tuple[str, str]]:
    started = ctx.milestones.started
    if started is None:
        return
    limit = ctx.policy.early_event_limit
    for index, event in enumerate(ctx.rec.events):
        early = started - event.timestamp
        if early > limit:
            yield (
                f"events[{index}].timestamp",
                f"events[{index}] ({event.type.value}, {_when(event.timestamp)}) "
                f"is {_span(early)} before the incident started "
                f"({_when(started)}; limit {_span(limit)}): fix its date, or the "
                "start if the incident began earlier",
            )


def _ik204(ctx: _Context) -> Iterator[tuple[str, str]]:
    resolved = ctx.milestones.resolved
    if resolved is None:
        return
    grace = ctx.policy.resolution_grace
    for index, event in enumerate(ctx.rec.events):
        late = event.timestamp - resolved
        if late > grace:
            yield (
                f"events[{index}].timestamp",
                f"events[{index}] ({event.type.value}, {_when(event.timestamp)}) "
                f"is {_span(late)} after the resolution ({_when(resolved)}; grace "
                f"{_span(grace)}): fix its date, or move resolved_at if work "
                "went on",
            )


def _ik205(ctx: _Context) -> Iterator[tuple[str, str]]:
    incident = ctx.rec.incident
    if ctx.status() not in ctx.policy.resolved_statuses or incident.resolved_at:
        return
    resolution = [
        event.timestamp
        for event in ctx.rec.events
        if event.type is EventType.RESOLUTION
    ]
    hint = (
        f" (the earliest resolution event is at {_when(min(resolution))})"
        if resolution
        else ""
    )
    yield (
        "incident.resolved_at",
        f"status is {incident.status!r} but resolved_at is missing: add "
        f"resolved_at{hint}, or correct the status",
    )


def _ik206(ctx: _Context) -> Iterator[tuple[str, str]]:
    incident = ctx.rec.incident
    if ctx.status() in ctx.policy.open_statuses and incident.resolved_at is not None:
        yield (
            "incident.status",
            f"status is {incident.status!r} but resolved_at is "
            f"{_when(incident.resolved_at)}: set the status to 'resolved', or "
            "remove resolved_at if the incident is still open",
        )


def _ik207(ctx: _Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    if ctx.status() in ctx.policy.open_statuses and rec.resolution is not None:
        yield (
            "resolution",
            f"status is {rec.incident.status!r} but the record has a resolution "
            "section: update the status, or leave the resolution out until the "
            "incident is resolved",
        )


def _ik208(ctx: _Context) -> Iterator[tuple[str, str]]:
    length = ctx.durations.time_to_resolve
    found = ctx.milestones
    if length is None or length > timedelta(0):
        return
    assert found.started is not None
    assert found.resolved is not None
    yield (
        ctx.milestone_path("resolved", found.resolved),
        f"the incident lasts {_span(length)}, from started ({_when(found.started)}) "
        f"to resolved ({_when(found.resolved)}): fix the resolution time or the "
        "trigger",
    )


# --- consistency ----------------------------------------------------------------------


def _ik301(ctx: _Context) -> Iterator[tuple[str, str]]:
    declared = ctx.level
    if declared is None:
        return
    labels = ctx.policy.severity.labels
    for index, event in enumerate(ctx.rec.events):
        if event.type is not EventType.DECLARATION:
            continue
        said = event.metadata.get("severity")
        said_level = labels.level(said) if isinstance(said, str) else None
        if said_level is not None and said_level != declared:
            yield (
                f"events[{index}].metadata.severity",
                f"the declaration event says {said!r} but incident.severity is "
                f"{ctx.rec.incident.severity!r}: if the incident was re-classified, "
                "record the change (an escalation event), else correct one of them",
            )


def _participant_matches(ctx: _Context) -> list[int]:
    commander = _folded_text(ctx.rec.incident.commander)
    return [
        index
        for index, person in enumerate(ctx.rec.participants)
        if commander and _folded_text(person.name) == commander
    ]


def _ik302(ctx: _Context) -> Iterator[tuple[str, str]]:
    commander = ctx.rec.incident.commander
    if not _folded_text(commander) or _participant_matches(ctx):
        return
    names = [person.name for person in ctx.rec.participants]
    yield (
        "incident.commander",
        f"commander {commander!r} is not among the participants {_quoted(names)}: "
        "add them with the role 'Incident Commander'",
    )


def _ik303(ctx: _Context) -> Iterator[tuple[str, str]]:
    matches = _participant_matches(ctx)
    if not matches:
        return
    people = ctx.rec.participants
    roles = ctx.policy.commander_roles
    if any(_word_key(people[index].role) in roles for index in matches):
        return
    index = matches[0]
    yield (
        f"participants[{index}].role",
        f"participants[{index}] {people[index].name!r} is the commander but has "
        f"the role {people[index].role!r}: set the role to 'Incident Commander'",
    )


def _known_services(ctx: _Context) -> list[str]:
    incident = ctx.rec.incident
    services = list(incident.affected_services)
    if incident.service is not None:
        services.append(incident.service)
    return services


def _ik304(ctx: _Context) -> Iterator[tuple[str, str]]:
    signals = ctx.rec.signals
    if signals is None:
        return
    known = {_folded_text(name) for name in _known_services(ctx)}
    listed = list(ctx.rec.incident.affected_services)
    for index, service in enumerate(signals.dependent_services):
        if _folded_text(service) not in known:
            yield (
                f"signals.dependent_services[{index}]",
                f"{service!r} is in signals.dependent_services but not in "
                f"incident.affected_services {_quoted(listed)}: add it to "
                "affected_services, or drop it from the signals if it was not hit",
            )


#: Host names and first path segments that name no service.
_GENERIC_NAMES: Final = frozenset(
    {"api", "apis", "www", "app", "web", "rest", "graphql", "rpc", "localhost"}
)
_HTTP_METHOD: Final = re.compile(
    r"^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+", re.IGNORECASE
)
_NOT_A_NAME: Final = re.compile(r"^(?:v\d+|[\d.]+|\[.*)$")


def _endpoint_service(endpoint: str) -> str | None:
    """The service an endpoint names, or ``None`` for a bare path.

    ``https://orders.internal/v1`` names ``orders``; ``order-service:/v1/x``
    and ``order-service/v1/x`` name ``order-service``; ``/api/orders`` and
    ``GET /api/orders`` name none.
    """
    text = _HTTP_METHOD.sub("", endpoint.strip())
    if "://" in text:
        text = text.split("://", 1)[1]
    elif not re.search(r"[:/]", text):
        return None  # a bare word: a service, a resource? Not judged.
    head = re.split(r"[/:@?#]", text, maxsplit=1)[0]
    name = head.split(".", 1)[0].strip().casefold()
    if not name or name in _GENERIC_NAMES or _NOT_A_NAME.match(name):
        return None
    return name


def _ik305(ctx: _Context) -> Iterator[tuple[str, str]]:
    signals = ctx.rec.signals
    if signals is None:
        return
    services = _known_services(ctx)
    known = {_folded_text(name) for name in services}
    known |= {name.split(".", 1)[0] for name in known if name}
    listed = list(ctx.rec.incident.affected_services)
    for index, endpoint in enumerate(signals.affected_endpoints):
        service = _endpoint_service(endpoint)
        if service is not None and service not in known:
            yield (
                f"signals.affected_endpoints[{index}]",
                f"endpoint {endpoint!r} belongs to {service!r}, which is not in "
                f"incident.affected_services {_quoted(listed)}: add it to "
                "affected_services",
            )


def _ik306(ctx: _Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    customer = rec.resolution.customer_impact if rec.resolution else None
    if (
        rec.impact is not None
        and rec.impact.data_integrity_risk is False
        and customer is not None
        and customer.data_loss is True
    ):
        yield (
            "impact.data_integrity_risk",
            "data_integrity_risk is false but resolution.customer_impact.data_loss "
            "is true: set data_integrity_risk to true, or data_loss to false if no "
            "data was lost",
        )


def _ik307(ctx: _Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    share = rec.impact.affected_users_percentage if rec.impact else None
    customer = rec.resolution.customer_impact if rec.resolution else None
    users = customer.affected_users if customer else None
    failed = customer.failed_transactions if customer else None
    if share == 0 and users:
        yield (
            "impact.affected_users_percentage",
            f"affected_users_percentage is 0 but customer_impact.affected_users is "
            f"{users}: give the share of users affected",
        )
    if share and users == 0:
        yield (
            "resolution.customer_impact.affected_users",
            f"affected_users is 0 but impact.affected_users_percentage is "
            f"{share:g}: give the number of users affected",
        )
    if users == 0 and failed:
        yield (
            "resolution.customer_impact.affected_users",
            f"affected_users is 0 but failed_transactions is {failed}: failed "
            "transactions belong to affected users; correct one of them",
        )


def _ik308(ctx: _Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    if rec.impact is None or rec.impact.customer_facing is not False:
        return
    customer = rec.resolution.customer_impact if rec.resolution else None
    evidence = []
    if customer is not None:
        if customer.affected_users:
            evidence.append(
                f"customer_impact.affected_users is {customer.affected_users}"
            )
        if customer.failed_transactions:
            evidence.append(
                f"customer_impact.failed_transactions is {customer.failed_transactions}"
            )
        if customer.revenue_impact_usd:
            evidence.append(
                f"customer_impact.revenue_impact_usd is {customer.revenue_impact_usd:g}"
            )
    if rec.signals is not None and rec.signals.customer_reports:
        evidence.append(f"signals.customer_reports is {rec.signals.customer_reports}")
    if evidence:
        yield (
            "impact.customer_facing",
            f"customer_facing is false but {', '.join(evidence)}: set "
            "customer_facing to true, or correct the customer figures",
        )


# --- communications -------------------------------------------------------------------


def _update_path(source: str | None, index: int, field: str) -> str:
    if source == "events":
        return f"events[{index}].{'description' if field == 'message' else field}"
    return f"communications[{index}].{field}"


def _ik401(ctx: _Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    # An open incident may not have reached its first update yet; without
    # the clock there is no telling, so only the finished story is judged.
    if (
        rec.impact is None
        or rec.impact.customer_facing is not True
        or ctx.milestones.resolved is None
    ):
        return
    if ctx.communications.external_updates:
        return
    where = (
        "no communication event with metadata.channel 'status_page' (the record "
        "has no communications section)"
        if rec.communications is None
        else "no communications entry with audience 'external'"
    )
    yield (
        "communications",
        f"the incident is customer-facing but has {where}: post updates to "
        "customers and record them",
    )


def _ik402(ctx: _Context) -> Iterator[tuple[str, str]]:
    summary = ctx.communications
    first = summary.time_to_first_update
    limit = ctx.policy.communications.max_gap(ctx.level)
    if first is None or limit is None or first <= limit:
        return
    declared = ctx.milestones.declared
    assert declared is not None
    yield (
        _update_path(summary.source, summary.external_indices[0], "timestamp"),
        f"the first external update came {_span(first)} after the declaration "
        f"({_when(declared)}), over the {_span(limit)} limit for "
        f"{ctx.rec.incident.severity}: post the first update within {_span(limit)}",
    )


def _ik403(ctx: _Context) -> Iterator[tuple[str, str]]:
    for gap in ctx.communications.long_gaps:
        limit = "" if gap.limit is None else f", over the {_span(gap.limit)} limit"
        every = "" if gap.limit is None else f" at least every {_span(gap.limit)}"
        yield (
            _update_path(gap.source, gap.index, "timestamp"),
            f"{_span(gap.length)} without an external update, from "
            f"{_when(gap.start)} to {_when(gap.end)}{limit} for "
            f"{ctx.rec.incident.severity}: post updates{every}, even without news",
        )


def _ik404(ctx: _Context) -> Iterator[tuple[str, str]]:
    for promise in ctx.communications.broken_promises:
        following = promise.next_update_at
        assert following is not None
        yield (
            _update_path(promise.source, promise.index, "message"),
            f"the update at {_when(promise.made_at)} promised the next within "
            f"{_span(promise.delay)} (by {_when(promise.promised_by)}), but the "
            f"next came at {_when(following)}, "
            f"{_span(following - promise.promised_by)} late: post an update by "
            "the promised time, even without news",
        )


# --- action items ---------------------------------------------------------------------


def _item_name(ctx: _Context, index: int) -> str:
    return f"action_items[{index}] {ctx.rec.action_items[index].title!r}"


def _ik501(ctx: _Context) -> Iterator[tuple[str, str]]:
    for index in ctx.coverage.without_owner:
        yield (
            f"action_items[{index}].owner",
            f"{_item_name(ctx, index)} has no owner: assign someone",
        )


def _ik502(ctx: _Context) -> Iterator[tuple[str, str]]:
    for index in ctx.coverage.without_deadline:
        yield (
            f"action_items[{index}].deadline",
            f"{_item_name(ctx, index)} has no deadline: set one",
        )


def _deadline_limit(policy: CheckPolicy, level: int) -> int | None:
    limits = policy.deadline_days
    if not limits:
        return None
    if level in limits:
        return limits[level]
    most_urgent = min(limits)
    return limits[most_urgent] if level < most_urgent else None


def _ik503(ctx: _Context) -> Iterator[tuple[str, str]]:
    resolved = ctx.milestones.resolved
    if resolved is None:
        return
    day = resolved.astimezone(_UTC).date()
    labels = ctx.policy.severity.labels
    for index, item in enumerate(ctx.rec.action_items):
        if item.deadline is None or item.priority is None:
            continue
        level = labels.level(item.priority)
        limit = None if level is None else _deadline_limit(ctx.policy, level)
        if limit is None:
            continue
        days = (item.deadline - day).days
        if days <= limit:
            continue
        try:
            latest = f" to {day + timedelta(days=limit)} at the latest"
        except OverflowError:
            latest = ""
        yield (
            f"action_items[{index}].deadline",
            f"{_item_name(ctx, index)} is {item.priority} and due {item.deadline}, "
            f"{days} days after the resolution on {day}; {item.priority} items are "
            f"due within {limit} days: move the deadline{latest}, or lower the "
            "priority",
        )


def _ik504(ctx: _Context) -> Iterator[tuple[str, str]]:
    labels = ctx.policy.severity.labels
    for index, item in enumerate(ctx.rec.action_items):
        if item.priority is not None and labels.level(item.priority) is None:
            yield (
                f"action_items[{index}].priority",
                f"{_item_name(ctx, index)} has priority {item.priority!r}, which "
                "maps to no level, so its deadline is not checked: use P1, P2, "
                "P3... or map the word in the severity labels",
            )


def _ik505(ctx: _Context) -> Iterator[tuple[str, str]]:
    # Action items come out of the postmortem: an open incident has none yet.
    if ctx.milestones.resolved is None:
        return
    coverage = ctx.coverage
    if not coverage.missing_types:
        return
    required = ", ".join(sorted(coverage.required_types))
    missing = ", ".join(sorted(coverage.missing_types))
    yield (
        "action_items",
        f"{ctx.rec.incident.severity} requires action items of type {required}; "
        f"missing: {missing}: add an item of each missing type",
    )


def _ik506(ctx: _Context) -> Iterator[tuple[str, str]]:
    coverage = ctx.coverage
    for index, factor in zip(
        coverage.unaddressed_factor_indices, coverage.unaddressed_factors, strict=True
    ):
        yield (
            f"resolution.contributing_factors[{index}]",
            f"no action item addresses the contributing factor {factor!r} (none "
            "shares enough words with it): add one, or name the factor in the "
            "title of the item that addresses it",
        )


def _postmortem_scheduled(rec: IncidentRecord) -> bool:
    if rec.resolution is not None and rec.resolution.postmortem_scheduled is not None:
        return True
    for event in rec.events:
        if event.type is EventType.RESOLUTION:
            value = event.metadata.get("postmortem_scheduled")
            if value not in (None, False, "", 0):
                return True
    return False


def _ik507(ctx: _Context) -> Iterator[tuple[str, str]]:
    level = ctx.level
    if (
        level is None
        or level > ctx.policy.postmortem_max_level
        or ctx.milestones.resolved is None
        or _postmortem_scheduled(ctx.rec)
    ):
        return
    yield (
        "resolution.postmortem_scheduled",
        f"the {ctx.rec.incident.severity} incident is resolved but no postmortem is "
        "scheduled (neither resolution.postmortem_scheduled nor a resolution "
        "event's metadata.postmortem_scheduled): schedule one and record when",
    )


def _ik508(ctx: _Context) -> Iterator[tuple[str, str]]:
    day = ctx.as_of
    if day is None:
        return
    for index in ctx.coverage.overdue:
        item = ctx.rec.action_items[index]
        assert item.deadline is not None
        late = (day - item.deadline).days
        yield (
            f"action_items[{index}].deadline",
            f"{_item_name(ctx, index)} was due {item.deadline}, {late} days before "
            f"{day}, and its status is {item.status!r}: finish it, or "
            "move the deadline and say why",
        )


_CHECKS: Final[Mapping[str, _Check]] = {
    "IK101": _ik101,
    "IK102": _ik102,
    "IK103": _ik103,
    "IK201": _ik201,
    "IK202": _ik202,
    "IK203": _ik203,
    "IK204": _ik204,
    "IK205": _ik205,
    "IK206": _ik206,
    "IK207": _ik207,
    "IK208": _ik208,
    "IK301": _ik301,
    "IK302": _ik302,
    "IK303": _ik303,
    "IK304": _ik304,
    "IK305": _ik305,
    "IK306": _ik306,
    "IK307": _ik307,
    "IK308": _ik308,
    "IK401": _ik401,
    "IK402": _ik402,
    "IK403": _ik403,
    "IK404": _ik404,
    "IK501": _ik501,
    "IK502": _ik502,
    "IK503": _ik503,
    "IK504": _ik504,
    "IK505": _ik505,
    "IK506": _ik506,
    "IK507": _ik507,
    "IK508": _ik508,
}
if set(_CHECKS) != set(RULES):  # pragma: no cover - caught by the first import
    raise RuntimeError("every rule needs exactly one implementation")


# --- entry points ---------------------------------------------------------------------


def _as_of_day(as_of: object) -> date | None:
    if as_of is None:
        return None
    day, side = _coverage_day(as_of)
    if day is not None:
        return day
    # An offset can push the UTC day past the calendar's ends; the nearest
    # end compares with every deadline the same way.
    return date.min if side < 0 else date.max


def _check_one(
    rec: IncidentRecord, policy: CheckPolicy, day: date | None
) -> list[Finding]:
    ctx = _Context(rec, policy, day)
    findings = []
    for code in policy.enabled:
        level = policy.level_of(code)
        assert level is not None
        for path, message in _CHECKS[code](ctx):
            findings.append(Finding(code, level, path, message))
    findings.sort(key=sort_key)
    return Findings(findings)


def _check_arguments(
    policy: CheckPolicy | None, as_of: date | datetime | None
) -> tuple[CheckPolicy, date | None]:
    if policy is None:
        policy = _default_policy()
    else:
        instance(policy, CheckPolicy, "policy")
    return policy, _as_of_day(as_of)


@functools.lru_cache(maxsize=1)
def _default_policy() -> CheckPolicy:
    return CheckPolicy()


def check(
    rec: IncidentRecord,
    *,
    policy: CheckPolicy | None = None,
    as_of: date | datetime | None = None,
) -> list[Finding]:
    """Lint one record: every enabled rule, findings sorted by level and path.

    Args:
        rec: The incident record.
        policy: Which rules run, at which level, against which limits;
            ``CheckPolicy()`` by default.
        as_of: The day to judge overdue action items on (a ``date`` or an
            aware ``datetime``). Without it the rules that need "today"
            (IK508) do not run; the clock is never read.

    Returns:
        The findings, errors first, then warnings, then infos, each group by
        path in natural order (``action_items[2]`` before
        ``action_items[10]``).

    Raises:
        ValidationError: When ``policy`` or ``as_of`` is not valid. A valid
            record never makes ``check`` raise.

    Example:
        >>> import incidentkit as ik
        >>> for finding in check(ik.example()):
        ...     print(finding.code, finding.level, finding.path)
        IK503 warning action_items[1].deadline
        IK404 warning communications[2].message
        IK403 warning communications[3].timestamp
        IK403 warning communications[4].timestamp
        IK304 warning signals.dependent_services[2]
    """
    policy, day = _check_arguments(policy, as_of)
    return _check_one(instance(rec, IncidentRecord, "rec"), policy, day)


def check_many(
    records: Iterable[IncidentRecord],
    *,
    policy: CheckPolicy | None = None,
    as_of: date | datetime | None = None,
) -> list[list[Finding]]:
    """Lint many records; one list of findings per record, in input order.

    Args:
        records: The records.
        policy: As for :func:`check`.
        as_of: As for :func:`check`.

    Returns:
        ``result[i]`` holds the findings of the ``i``-th record, as
        :func:`check` returns them.

    Example:
        >>> import incidentkit as ik
        >>> [len(findings) for findings in check_many([ik.example()] * 2)]
        [5, 5]
    """
    policy, day = _check_arguments(policy, as_of)
    return [
        _check_one(instance(rec, IncidentRecord, f"records[{index}]"), policy, day)
        for index, rec in enumerate(records)
    ]


def check_counts(
    records: Sequence[IncidentRecord] | Iterable[IncidentRecord],
    *,
    policy: CheckPolicy | None = None,
    as_of: date | datetime | None = None,
) -> dict[Level, npt.NDArray[np.int64]]:
    """How many findings of each level every record has, as columns.

    For tables of many incidents: one ``int64`` array per level, one entry
    per record, in input order.

    Args:
        records: The records.
        policy: As for :func:`check`.
        as_of: As for :func:`check`.

    Returns:
        ``{"error": ..., "warning": ..., "info": ...}``.

    Example:
        >>> import incidentkit as ik
        >>> counts = check_counts([ik.example()])
        >>> counts["error"].tolist(), counts["warning"].tolist()
        ([0], [5])
    """
    rows = [
        list(count_levels(findings).values())
        for findings in check_many(records, policy=policy, as_of=as_of)
    ]
    table = np.array(rows, dtype=np.int64).reshape(len(rows), len(LEVELS))
    return {level: table[:, column].copy() for column, level in enumerate(LEVELS)}
