"""Timeline rules (IK2xx): milestones, event order, status and resolution.

Milestones and durations come from
:func:`incidentkit.figures.timeline.phase_durations` under the policy's
milestone rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Final

from incidentkit.checks.context import Context, span, when
from incidentkit.checks.policy import word_key
from incidentkit.checks.rules import rule
from incidentkit.figures.timeline import FIGURES, MILESTONE_NAMES, PHASES
from incidentkit.records.schema import EventType

#: Nothing here is public: the rules register themselves with
#: :func:`incidentkit.checks.rules.rule` on import.
__all__: list[str] = []


_PHASE_BOUNDS: Final = frozenset(name for pair in PHASES.values() for name in pair)


@rule(
    code="IK201",
    name="milestones-out-of-order",
    family="timeline",
    level="error",
    summary=(
        "Two milestones are out of order (started, detected, declared, "
        "identified, mitigated, resolved; acknowledged after detected) by "
        "more than the tolerance (CheckPolicy.milestone_tolerance, 1 s by "
        "default)."
    ),
    rationale=(
        "Every duration spanning the two milestones turns negative, which "
        "corrupts medians and percentiles over many incidents."
    ),
    bad='"declared_at": "2024-01-15T14:23:00Z", "resolved_at": "2024-01-15T13:45:00Z"',
    good='"declared_at": "2024-01-15T14:23:00Z", "resolved_at": "2024-01-15T16:45:00Z"',
)
def _milestones_out_of_order(ctx: Context) -> Iterator[tuple[str, str]]:
    known = {
        name: moment
        for name, moment in ctx.milestones.as_dict().items()
        if moment is not None
    }
    # The phase milestones form one chain; a milestone that bounds no phase
    # (acknowledged: a page may be taken before or after the declaration) is
    # held only to the start of its figure.
    chain = [
        (name, known[name])
        for name in MILESTONE_NAMES
        if name in _PHASE_BOUNDS and name in known
    ]
    pairs = [
        *itertools.pairwise(chain),
        *(
            ((start, known[start]), (end, known[end]))
            for start, end in FIGURES.values()
            if end not in _PHASE_BOUNDS and start in known and end in known
        ),
    ]
    order = {name: index for index, name in enumerate(MILESTONE_NAMES)}
    spans = {**ctx.durations.figures, **ctx.durations.phases}
    bounds = {**FIGURES, **PHASES}
    tolerance = ctx.rules.milestone_tolerance
    for (early, early_at), (late, late_at) in pairs:
        if early_at - late_at <= tolerance:
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
            f"{late} ({when(late_at)}) is before {early} ({when(early_at)}), "
            f"{span(early_at - late_at)} out of order{turns}: fix the timestamp "
            f"behind {late} or {early}",
        )


@rule(
    code="IK202",
    name="events-unsorted",
    family="timeline",
    level="warning",
    summary="Events are not in chronological order.",
    rationale=(
        "Readers and tools take the list as the story of the incident; an "
        "event out of place usually has a wrong date or time."
    ),
    bad=(
        '"events": [{"timestamp": "...T14:30:00Z", ...}, '
        '{"timestamp": "...T14:20:00Z", ...}]'
    ),
    good=(
        '"events": [{"timestamp": "...T14:20:00Z", ...}, '
        '{"timestamp": "...T14:30:00Z", ...}]'
    ),
)
def _events_unsorted(ctx: Context) -> Iterator[tuple[str, str]]:
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
        f"events[{first}] ({when(events[first].timestamp)}) is listed after "
        f"events[{first - 1}] ({when(events[first - 1].timestamp)}){more}: "
        "sort the events by timestamp, or fix the wrong one",
    )


@rule(
    code="IK203",
    name="event-before-start",
    family="timeline",
    level="warning",
    summary="An event lies long before the incident started.",
    rationale=(
        "An event well before the trigger is usually a typo in its date; if "
        "the incident really began earlier, its start is wrong instead and "
        "every duration is too short."
    ),
    bad='trigger at "2024-01-15T14:15:00Z", an investigation at "2024-01-14T14:25:00Z"',
    good=(
        'trigger at "2024-01-15T14:15:00Z", the investigation at "2024-01-15T14:25:00Z"'
    ),
)
def _event_before_start(ctx: Context) -> Iterator[tuple[str, str]]:
    started = ctx.milestones.started
    if started is None:
        return
    limit = ctx.rules.early_event_limit
    for index, event in enumerate(ctx.rec.events):
        early = started - event.timestamp
        if early > limit:
            yield (
                f"events[{index}].timestamp",
                f"events[{index}] ({event.type.value}, {when(event.timestamp)}) "
                f"is {span(early)} before the incident started "
                f"({when(started)}; limit {span(limit)}): fix its date, or the "
                "start if the incident began earlier",
            )


@rule(
    code="IK204",
    name="event-after-resolution",
    family="timeline",
    level="warning",
    summary=(
        "An event lies long after the resolution (beyond the grace period for "
        "the final status update)."
    ),
    rationale=(
        "Work after the resolution means the incident was not over, or the "
        "event has a wrong date; either way time-to-resolve is wrong."
    ),
    bad='"resolved_at": "2024-01-15T16:45:00Z", a mitigation at "2024-01-16T09:00:00Z"',
    good=(
        '"resolved_at": "2024-01-16T09:30:00Z", the mitigation at '
        '"2024-01-16T09:00:00Z"'
    ),
)
def _event_after_resolution(ctx: Context) -> Iterator[tuple[str, str]]:
    resolved = ctx.milestones.resolved
    if resolved is None:
        return
    grace = ctx.rules.resolution_grace
    over = ctx.rules.resolved_statuses
    for index, event in enumerate(ctx.rec.events):
        late = event.timestamp - resolved
        # An update saying the incident is over (a Statuspage postmortem
        # posted days later) is no work after the resolution.
        if late > grace and word_key(event.metadata.get("status")) not in over:
            yield (
                f"events[{index}].timestamp",
                f"events[{index}] ({event.type.value}, {when(event.timestamp)}) "
                f"is {span(late)} after the resolution ({when(resolved)}; grace "
                f"{span(grace)}): fix its date, or move resolved_at if work "
                "went on",
            )


@rule(
    code="IK205",
    name="resolved-without-resolved-at",
    family="timeline",
    level="error",
    summary="The status says resolved but the incident has no resolved_at.",
    rationale=(
        "Without resolved_at the incident counts as open (a censored "
        "duration) in every table."
    ),
    bad='"status": "resolved"  (no "resolved_at")',
    good='"status": "resolved", "resolved_at": "2024-01-15T16:45:00Z"',
)
def _resolved_without_resolved_at(ctx: Context) -> Iterator[tuple[str, str]]:
    incident = ctx.rec.incident
    if ctx.status() not in ctx.rules.resolved_statuses or incident.resolved_at:
        return
    resolution = [
        event.timestamp
        for event in ctx.rec.events
        if event.type is EventType.RESOLUTION
    ]
    hint = (
        f" (the earliest resolution event is at {when(min(resolution))})"
        if resolution
        else ""
    )
    yield (
        "incident.resolved_at",
        f"status is {incident.status!r} but resolved_at is missing: add "
        f"resolved_at{hint}, or correct the status",
    )


@rule(
    code="IK206",
    name="open-with-resolved-at",
    family="timeline",
    level="error",
    summary="The status says the incident is open but it has a resolved_at.",
    rationale=(
        "Status and resolved_at disagree about whether the incident is over; "
        "tables would close it while the tracker shows it open."
    ),
    bad='"status": "investigating", "resolved_at": "2024-01-15T16:45:00Z"',
    good='"status": "resolved", "resolved_at": "2024-01-15T16:45:00Z"',
)
def _open_with_resolved_at(ctx: Context) -> Iterator[tuple[str, str]]:
    incident = ctx.rec.incident
    if ctx.status() in ctx.rules.open_statuses and incident.resolved_at is not None:
        yield (
            "incident.status",
            f"status is {incident.status!r} but resolved_at is "
            f"{when(incident.resolved_at)}: set the status to 'resolved', or "
            "remove resolved_at if the incident is still open",
        )


@rule(
    code="IK207",
    name="open-with-resolution",
    family="timeline",
    level="warning",
    summary="The status says the incident is open but it has a resolution section.",
    rationale=(
        "An open incident has no resolution yet; either the status is stale or "
        "the root cause is written before it is known."
    ),
    bad='"status": "monitoring", "resolution": {"root_cause": "..."}',
    good=(
        '"status": "resolved", "resolved_at": "...", "resolution": '
        '{"root_cause": "..."}'
    ),
)
def _open_with_resolution(ctx: Context) -> Iterator[tuple[str, str]]:
    rec = ctx.rec
    if ctx.status() in ctx.rules.open_statuses and rec.resolution is not None:
        yield (
            "resolution",
            f"status is {rec.incident.status!r} but the record has a resolution "
            "section: update the status, or leave the resolution out until the "
            "incident is resolved",
        )


@rule(
    code="IK208",
    name="incident-not-positive-length",
    family="timeline",
    level="error",
    summary="The incident lasts zero time or less (started to resolved).",
    rationale=(
        "A zero or negative time-to-resolve is a recording error; it drags "
        "medians down and breaks logarithmic plots."
    ),
    bad='trigger at "2024-01-15T14:15:00Z", "resolved_at": "2024-01-15T14:15:00Z"',
    good='trigger at "2024-01-15T14:15:00Z", "resolved_at": "2024-01-15T16:45:00Z"',
)
def _incident_not_positive_length(ctx: Context) -> Iterator[tuple[str, str]]:
    length = ctx.durations.time_to_resolve
    found = ctx.milestones
    if length is None or length > timedelta(0):
        return
    assert found.started is not None
    assert found.resolved is not None
    yield (
        ctx.milestone_path("resolved", found.resolved),
        f"the incident lasts {span(length)}, from started ({when(found.started)}) "
        f"to resolved ({when(found.resolved)}): fix the resolution time or the "
        "trigger",
    )
