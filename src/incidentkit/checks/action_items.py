"""Action-item rules (IK5xx): owners, deadlines, coverage, the postmortem.

Missing owners, deadlines and types, unaddressed factors and overdue items
come from :func:`incidentkit.figures.actions.action_item_coverage`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Final

from incidentkit.checks.context import Context
from incidentkit.checks.rules import rule
from incidentkit.figures.policy import Policy
from incidentkit.records.schema import EventType, IncidentRecord

#: Nothing here is public: the rules register themselves with
#: :func:`incidentkit.checks.rules.rule` on import.
__all__: list[str] = []

_UTC: Final = timezone.utc


def _item_name(ctx: Context, index: int) -> str:
    return f"action_items[{index}] {ctx.rec.action_items[index].title!r}"


@rule(
    code="IK501",
    name="action-item-without-owner",
    family="action_items",
    level="warning",
    summary="An action item has no owner.",
    rationale="Work nobody owns does not get done.",
    bad='{"title": "Add pool alerting", "deadline": "2024-01-22"}',
    good=(
        '{"title": "Add pool alerting", "owner": "alice@company.com", '
        '"deadline": "2024-01-22"}'
    ),
)
def _action_item_without_owner(ctx: Context) -> Iterator[tuple[str, str]]:
    for index in ctx.coverage.without_owner:
        yield (
            f"action_items[{index}].owner",
            f"{_item_name(ctx, index)} has no owner: assign someone",
        )


@rule(
    code="IK502",
    name="action-item-without-deadline",
    family="action_items",
    level="warning",
    summary="An action item has no deadline.",
    rationale="Without a date an item cannot be overdue, so it is never chased.",
    bad='{"title": "Add pool alerting", "owner": "alice@company.com"}',
    good=(
        '{"title": "Add pool alerting", "owner": "alice@company.com", '
        '"deadline": "2024-01-22"}'
    ),
    not_for={
        "incidentio": "incident.io follow-ups have no due date, by design",
    },
)
def _action_item_without_deadline(ctx: Context) -> Iterator[tuple[str, str]]:
    for index in ctx.coverage.without_deadline:
        yield (
            f"action_items[{index}].deadline",
            f"{_item_name(ctx, index)} has no deadline: set one",
        )


def _deadline_limit(policy: Policy, level: int) -> int | None:
    limits = policy.deadline_days
    if not limits:
        return None
    if level in limits:
        return limits[level]
    most_urgent = min(limits)
    return limits[most_urgent] if level < most_urgent else None


@rule(
    code="IK503",
    name="deadline-beyond-policy",
    family="action_items",
    level="warning",
    summary=(
        "An action item's deadline is further from the resolution date than "
        "the policy allows for its priority (default P1 15 days, P2 30, "
        "P3 60)."
    ),
    rationale=(
        "A P1 fix due in two months is not a P1; either the priority or the "
        "deadline is wrong."
    ),
    bad='resolved 2024-01-15, {"priority": "P1", "deadline": "2024-02-01"}',
    good='resolved 2024-01-15, {"priority": "P1", "deadline": "2024-01-29"}',
)
def _deadline_beyond_policy(ctx: Context) -> Iterator[tuple[str, str]]:
    resolved = ctx.milestones.resolved
    if resolved is None:
        return
    day = resolved.astimezone(_UTC).date()
    labels = ctx.policy.severity_labels
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


@rule(
    code="IK504",
    name="action-item-priority-unknown",
    family="action_items",
    level="info",
    summary=(
        "An action item's priority maps to no level, so its deadline cannot be checked."
    ),
    rationale=(
        "Priorities are read with the same labels as severities (P1, "
        "critical); an unknown word is skipped by the deadline rule."
    ),
    bad='{"priority": "asap"}',
    good='{"priority": "P1"}',
)
def _action_item_priority_unknown(ctx: Context) -> Iterator[tuple[str, str]]:
    labels = ctx.policy.severity_labels
    for index, item in enumerate(ctx.rec.action_items):
        if item.priority is not None and labels.level(item.priority) is None:
            yield (
                f"action_items[{index}].priority",
                f"{_item_name(ctx, index)} has priority {item.priority!r}, which "
                "maps to no level, so its deadline is not checked: use P1, P2, "
                "P3... or map the word in the severity labels",
            )


@rule(
    code="IK505",
    name="required-action-types-missing",
    family="action_items",
    level="warning",
    summary=(
        "A resolved incident's action items lack a type the policy requires "
        "for the severity (default: detection and prevention for SEV0-2, "
        "prevention for SEV3)."
    ),
    rationale=(
        "A serious incident that only gets process items will happen again "
        "unnoticed; the required types make the follow-up complete."
    ),
    bad='SEV1 with only {"type": "process"} items',
    good='SEV1 with {"type": "detection"} and {"type": "prevention"} items',
    not_for={
        "statuspage": "Statuspage records no action items",
        "pagerduty": "PagerDuty incidents and their log record no action items",
        "incidentio": "incident.io follow-ups have no type",
    },
    not_for_kinds={
        "maintenance": (
            "a planned maintenance has no failure for detection or prevention "
            "items to address"
        ),
    },
)
def _required_action_types_missing(ctx: Context) -> Iterator[tuple[str, str]]:
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


@rule(
    code="IK506",
    name="factor-not-addressed",
    family="action_items",
    level="info",
    summary=(
        "A contributing factor shares too few words with any action item to "
        "count as addressed."
    ),
    rationale=(
        "A factor no item addresses will contribute again. Matching is by "
        "words, so this is a hint to review, not an error."
    ),
    bad=(
        '"contributing_factors": ["No canary deployment process"], items '
        "about alerting only"
    ),
    good='an item "Implement canary deployment pipeline"',
)
def _factor_not_addressed(ctx: Context) -> Iterator[tuple[str, str]]:
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


@rule(
    code="IK507",
    name="postmortem-not-scheduled",
    family="action_items",
    level="warning",
    summary="A resolved SEV0-2 incident has no postmortem scheduled.",
    rationale=(
        "Major incidents are where the learning is; Atlassian and PagerDuty "
        "both require a postmortem for them."
    ),
    bad='SEV1, "status": "resolved", no resolution.postmortem_scheduled',
    good='"resolution": {"postmortem_scheduled": "2024-01-17T10:00:00Z"}',
    not_for={
        "statuspage": (
            "Statuspage records no postmortem schedule (a postmortem is "
            "published as an update, after the fact)"
        ),
        "pagerduty": "PagerDuty incidents and their log record no postmortem",
        "incidentio": (
            "incident.io gives no postmortem date (its postmortem_document_url "
            "is kept in extra)"
        ),
    },
    not_for_kinds={
        "maintenance": "a planned maintenance is not a failure to learn from",
    },
)
def _postmortem_not_scheduled(ctx: Context) -> Iterator[tuple[str, str]]:
    level = ctx.level
    if (
        level is None
        or level > ctx.rules.postmortem_max_level
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


@rule(
    code="IK508",
    name="action-item-overdue",
    family="action_items",
    level="warning",
    summary=(
        "An action item that is not done is past its deadline (only with "
        "check(..., as_of=...))."
    ),
    rationale=(
        "Overdue items are the follow-up that slipped. The rule needs a "
        "reference date and never reads the clock."
    ),
    bad='as_of 2024-03-01, {"deadline": "2024-01-22", "status": "open"}',
    good='as_of 2024-03-01, {"deadline": "2024-01-22", "status": "done"}',
)
def _action_item_overdue(ctx: Context) -> Iterator[tuple[str, str]]:
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
