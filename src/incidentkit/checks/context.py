"""What a rule sees: one record under one policy, and the words of its messages.

:class:`Context` computes the one-incident figures the rules read once, on
demand, and never recomputes them: milestones and durations from
:func:`incidentkit.figures.timeline.phase_durations`, gaps and broken promises
from :func:`incidentkit.communications_summary`, action-item gaps from
:func:`incidentkit.action_item_coverage`, and the severity verdict from
:func:`incidentkit.expected_severity`, all under the one
:class:`~incidentkit.Policy`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Final

import attrs

from incidentkit.checks.policy import CheckPolicy, named_codes, word_key
from incidentkit.figures.actions import ActionItemCoverage
from incidentkit.figures.communications import CommunicationsSummary
from incidentkit.figures.incident import (
    action_item_coverage,
    communications_summary,
    expected_severity,
    phase_durations,
)
from incidentkit.figures.policy import Policy
from incidentkit.figures.severity import SeverityVerdict
from incidentkit.figures.timeline import Milestones, PhaseDurations
from incidentkit.records.converter import format_timestamp
from incidentkit.records.schema import EventType, IncidentRecord

__all__ = [
    "SUPPRESSION_KEY",
    "Context",
    "Suppression",
    "folded_text",
    "quoted",
    "span",
    "when",
]

#: The top-level key of a record that holds its own suppressions:
#: ``{"incidentkit": {"ignore": ["IK505", "action_items"]}}``. The schema
#: keeps unknown keys in ``IncidentRecord.extra``, so it survives round trips.
SUPPRESSION_KEY: Final = "incidentkit"

#: Rules that run only when ``as_of`` is given: without it, a suppression
#: naming them cannot be judged unused.
_NEEDS_AS_OF: Final = frozenset({"IK508"})


@attrs.frozen
class Suppression:
    """One entry of a record's ``incidentkit.ignore``, or a problem with the block.

    Attributes:
        path: Where it is (``incidentkit.ignore[1]``).
        value: The entry as written.
        codes: The codes it names; empty when it names no rule.
        problem: Why the block cannot apply (not a list, not a string...),
            or ``None`` for a well-formed entry.
    """

    path: str
    value: object
    codes: tuple[str, ...] = ()
    problem: str | None = None


def _suppressions(extra: Mapping[str, object]) -> tuple[Suppression, ...]:
    if SUPPRESSION_KEY not in extra:
        return ()
    block = extra[SUPPRESSION_KEY]
    if not isinstance(block, Mapping):
        return (
            Suppression(
                SUPPRESSION_KEY,
                block,
                problem='expected an object such as {"ignore": ["IK505"]}',
            ),
        )
    found = [
        Suppression(
            f"{SUPPRESSION_KEY}.{key}",
            key,
            problem="is not a key incidentkit reads (only 'ignore')",
        )
        for key in block
        if key != "ignore"
    ]
    entries = block.get("ignore", [])
    # A lone string is one rule, as CheckPolicy(ignore="IK505") reads it.
    if isinstance(entries, str):
        found.append(
            Suppression(f"{SUPPRESSION_KEY}.ignore", entries, named_codes(entries))
        )
    elif isinstance(entries, tuple):  # a JSON array, frozen in the record
        for index, entry in enumerate(entries):
            path = f"{SUPPRESSION_KEY}.ignore[{index}]"
            if isinstance(entry, str):
                found.append(Suppression(path, entry, named_codes(entry)))
            else:
                found.append(
                    Suppression(path, entry, problem="expected a rule's code or name")
                )
    else:
        found.append(
            Suppression(
                f"{SUPPRESSION_KEY}.ignore",
                entries,
                problem="expected a list of rule codes or names",
            )
        )
    return tuple(found)


def when(moment: datetime) -> str:
    """A moment as records spell it (``2024-01-15T14:23:00Z``)."""
    return format_timestamp(moment)


def span(length: timedelta) -> str:
    """A duration as people say it: ``35 min``, ``1 h 30 min``, ``17 days``."""
    if length < timedelta(0):
        return "-" + span(-length)
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
    if shown:
        return " ".join(shown)
    # Below a second, milliseconds: sources stamp to the millisecond, and
    # "52000 µs" reads as a long time.
    milliseconds, micro = divmod(length.microseconds, 1000)
    if milliseconds:
        return f"{milliseconds} ms"
    return f"{micro} µs" if micro else "0 min"


def folded_text(value: object) -> str | None:
    """Text compared ignoring case and runs of spaces; ``None`` for a non-string."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()).casefold()


def quoted(values: Iterable[str]) -> str:
    """Texts as a bracketed list of their reprs: ``['a', 'b']``."""
    return "[" + ", ".join(repr(value) for value in values) + "]"


# Which event types a milestone usually comes from, to point a finding at the
# event behind it.
_MILESTONE_EVENT_TYPES: Final[Mapping[str, tuple[EventType, ...]]] = {
    "started": (EventType.TRIGGER, EventType.DETECTION),
    "detected": (EventType.DETECTION,),
    "acknowledged": (EventType.ACKNOWLEDGEMENT,),
    "declared": (EventType.DECLARATION,),
    "identified": (),
    "mitigated": (EventType.MITIGATION,),
    "resolved": (EventType.RESOLUTION,),
}


class Context:
    """One record under one policy; figures are computed once, on demand.

    Attributes:
        rec: The record.
        policy: The policy the figures follow (labels, criteria, cadence...).
        rules: The linter's settings (which rules, levels, its own limits).
        as_of: The day overdue action items are judged on, if any.
    """

    def __init__(
        self,
        rec: IncidentRecord,
        policy: Policy,
        rules: CheckPolicy,
        as_of: date | None,
    ) -> None:
        self.rec = rec
        self.policy = policy
        self.rules = rules
        self.as_of = as_of
        #: The codes the other rules raised before suppressions applied; the
        #: engine fills it before it runs the rule that judges suppressions.
        self.raised: frozenset[str] = frozenset()

    @functools.cached_property
    def suppressions(self) -> tuple[Suppression, ...]:
        """The record's own ``incidentkit.ignore`` entries, in order."""
        return _suppressions(self.rec.extra)

    @functools.cached_property
    def suppressed(self) -> frozenset[str]:
        """The codes the record ignores for itself."""
        return frozenset(
            code
            for entry in self.suppressions
            if entry.problem is None
            for code in entry.codes
        )

    def judged(self, code: str) -> bool:
        """Whether this run could have raised ``code`` (it is on and can run)."""
        if self.rules.level_of(code) is None:
            return False
        return self.as_of is not None or code not in _NEEDS_AS_OF

    @functools.cached_property
    def level(self) -> int | None:
        """The numeric level of the declared severity, ``None`` when unknown."""
        return self.policy.level(self.rec.incident.severity)

    @functools.cached_property
    def durations(self) -> PhaseDurations:
        """Milestones, figures and phases under the policy's milestone rules."""
        return phase_durations(self.rec, policy=self.policy)

    @property
    def milestones(self) -> Milestones:
        """The milestones found in the record."""
        return self.durations.milestones

    @functools.cached_property
    def verdict(self) -> SeverityVerdict:
        """The severity the impact warrants under the policy's criteria."""
        return expected_severity(self.rec, policy=self.policy)

    @functools.cached_property
    def communications(self) -> CommunicationsSummary:
        """External updates, gaps and promises, limits read with the policy's labels."""
        return communications_summary(self.rec, policy=self.policy)

    @functools.cached_property
    def coverage(self) -> ActionItemCoverage:
        """Action-item gaps, judged on ``as_of`` when given."""
        # Without as_of only the rules that ignore the date read the coverage.
        as_of = self.rec.incident.declared_at if self.as_of is None else self.as_of
        return action_item_coverage(self.rec, as_of=as_of, policy=self.policy)

    def label(self, level: int) -> str:
        """How the policy names a severity level (``SEV1``, or a team word)."""
        return self.policy.severity.label(level)

    def status(self) -> str | None:
        """``incident.status`` compared loosely, as the policy's status sets are."""
        return word_key(self.rec.incident.status)

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
                and folded_text(event.metadata.get("status")) == "identified"
            ):
                return f"events[{index}].timestamp"
            fallback = fallback or f"events[{index}].timestamp"
        if fallback is not None:
            return fallback
        if incident.declared_at == moment:
            return "incident.declared_at"
        return "events"
