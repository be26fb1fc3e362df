"""Communications rules (IK4xx): external updates, their presence, cadence and promises.

Gaps and broken promises come from
:func:`incidentkit.figures.communications.communications_summary`.
"""

from __future__ import annotations

from collections.abc import Iterator

from incidentkit.checks.context import Context, span, when
from incidentkit.checks.rules import rule

#: Nothing here is public: the rules register themselves with
#: :func:`incidentkit.checks.rules.rule` on import.
__all__: list[str] = []


def _update_path(source: str | None, index: int, field: str) -> str:
    if source == "events":
        return f"events[{index}].{'description' if field == 'message' else field}"
    return f"communications[{index}].{field}"


@rule(
    code="IK401",
    name="no-external-update",
    family="communications",
    level="warning",
    summary="A resolved customer-facing incident has no external communication.",
    rationale=(
        "Customers who are hit need to hear about it; both Atlassian and "
        "PagerDuty call for public notification of major incidents."
    ),
    bad='"customer_facing": true, "communications": [{"audience": "internal", ...}]',
    good='"communications": [{"audience": "external", "channel": "status_page", ...}]',
)
def _no_external_update(ctx: Context) -> Iterator[tuple[str, str]]:
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


@rule(
    code="IK402",
    name="first-update-late",
    family="communications",
    level="warning",
    summary=(
        "The first external update came later after the declaration than the "
        "cadence policy allows for the severity."
    ),
    rationale=(
        "Customers notice before the status page says anything; the first "
        "update sets their trust for the rest of the incident."
    ),
    bad="declared 14:23, first status-page update 15:40 (SEV1 limit 30 min)",
    good="declared 14:23, first status-page update 14:30",
)
def _first_update_late(ctx: Context) -> Iterator[tuple[str, str]]:
    summary = ctx.communications
    first = summary.time_to_first_update
    limit = ctx.policy.communications.max_gap(ctx.level)
    if first is None or limit is None or first <= limit:
        return
    declared = ctx.milestones.declared
    assert declared is not None
    yield (
        _update_path(summary.source, summary.external_indices[0], "timestamp"),
        f"the first external update came {span(first)} after the declaration "
        f"({when(declared)}), over the {span(limit)} limit for "
        f"{ctx.rec.incident.severity}: post the first update within {span(limit)}",
    )


@rule(
    code="IK403",
    name="update-gap-too-long",
    family="communications",
    level="warning",
    summary=(
        "Two consecutive external updates are further apart than the cadence "
        "policy allows for the severity."
    ),
    rationale=(
        "Silence during an incident reads as neglect; a steady cadence is the "
        "promise customers rely on."
    ),
    bad="updates at 14:45 and 15:20 (35 min) for a SEV1 with a 30 min limit",
    good="updates at 14:45, 15:05 and 15:20",
)
def _update_gap_too_long(ctx: Context) -> Iterator[tuple[str, str]]:
    for gap in ctx.communications.long_gaps:
        limit = "" if gap.limit is None else f", over the {span(gap.limit)} limit"
        every = "" if gap.limit is None else f" at least every {span(gap.limit)}"
        yield (
            _update_path(gap.source, gap.index, "timestamp"),
            f"{span(gap.length)} without an external update, from "
            f"{when(gap.start)} to {when(gap.end)}{limit} for "
            f"{ctx.rec.incident.severity}: post updates{every}, even without news",
        )


@rule(
    code="IK404",
    name="broken-promise",
    family="communications",
    level="warning",
    summary="An update promised the next one by a time and the next came later.",
    rationale="A missed promise costs more trust than a longer promise kept.",
    bad='14:45 "Next update in 15 minutes", next update 15:20',
    good='14:45 "Next update in 15 minutes", next update 15:00',
)
def _broken_promise(ctx: Context) -> Iterator[tuple[str, str]]:
    for promise in ctx.communications.broken_promises:
        following = promise.next_update_at
        assert following is not None
        yield (
            _update_path(promise.source, promise.index, "message"),
            f"the update at {when(promise.made_at)} promised the next within "
            f"{span(promise.delay)} (by {when(promise.promised_by)}), but the "
            f"next came at {when(following)}, "
            f"{span(following - promise.promised_by)} late: post an update by "
            "the promised time, even without news",
        )
