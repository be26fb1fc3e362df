"""The figures of one incident, each under one :class:`~incidentkit.Policy`.

These are the public forms of the rules in :mod:`incidentkit.figures`
(timeline, impact, actions, communications, severity): each checks its
arguments, reads what it needs from the policy (the severity level through
the policy's one set of labels) and calls the rule's engine.
"""

from __future__ import annotations

from datetime import date, datetime

from incidentkit._args import instance
from incidentkit.figures.actions import ActionItemCoverage, item_coverage
from incidentkit.figures.communications import CommunicationsSummary, summarise_updates
from incidentkit.figures.impact import ImpactScore, score_impact
from incidentkit.figures.policy import DEFAULT_POLICY, Policy
from incidentkit.figures.severity import SeverityVerdict, judge_severity
from incidentkit.figures.timeline import (
    Milestones,
    PhaseDurations,
    durations_between,
    find_milestones,
)
from incidentkit.records.schema import IncidentRecord

__all__ = [
    "action_item_coverage",
    "communications_summary",
    "expected_severity",
    "impact_score",
    "milestones",
    "phase_durations",
]


def _checked(rec: object, policy: object) -> tuple[IncidentRecord, Policy]:
    return instance(rec, IncidentRecord, "rec"), instance(policy, Policy, "policy")


def milestones(rec: IncidentRecord, *, policy: Policy = DEFAULT_POLICY) -> Milestones:
    """Find the seven milestones of an incident.

    Args:
        rec: The incident record; events may be in any order.
        policy: Its ``milestones`` rules are used; the default follows the
            specification (see :mod:`incidentkit.figures.timeline`).

    Returns:
        The milestones, each an aware UTC ``datetime`` or ``None`` when no
        rule finds it.

    Example:
        >>> import incidentkit as ik
        >>> m = milestones(ik.example())
        >>> m.started.isoformat(), m.resolved.isoformat()
        ('2024-01-15T14:15:00+00:00', '2024-01-15T16:45:00+00:00')
        >>> rules = ik.MilestonePolicy(
        ...     detected=(ik.EarliestEvent(actor="monitoring"),))
        >>> policy = ik.Policy(milestones=rules)
        >>> milestones(ik.example(), policy=policy).detected.isoformat()
        '2024-01-15T14:20:00+00:00'

    Raises:
        ValidationError: When ``rec`` is not an incident record or ``policy``
            not a :class:`~incidentkit.Policy`.
    """
    rec, policy = _checked(rec, policy)
    return find_milestones(rec, policy.milestones)


def phase_durations(
    rec: IncidentRecord, *, policy: Policy = DEFAULT_POLICY
) -> PhaseDurations:
    """The figures and phases of an incident, from its milestones.

    Args:
        rec: The incident record.
        policy: Its ``milestones`` rules are used.

    Returns:
        The seven figures and the five phases as ``timedelta`` values; a span
        with an unknown boundary is ``None``, a span whose end precedes its
        start is negative. With the six phase milestones known and in order the
        phases add up to ``time_to_resolve``.

    Example:
        >>> import incidentkit as ik
        >>> from datetime import timedelta
        >>> d = phase_durations(ik.example())
        >>> [span // timedelta(minutes=1) for span in d.phases.values()]
        [5, 3, 22, 45, 75]
        >>> d.time_to_resolve, d.time_open
        (datetime.timedelta(seconds=9000), datetime.timedelta(seconds=8520))

    Raises:
        ValidationError: When ``rec`` is not an incident record or ``policy``
            not a :class:`~incidentkit.Policy`.
    """
    rec, policy = _checked(rec, policy)
    return durations_between(find_milestones(rec, policy.milestones))


def impact_score(
    rec: IncidentRecord, *, policy: Policy = DEFAULT_POLICY
) -> ImpactScore:
    """Score an incident's impact from 0 to 100, with its components.

    Args:
        rec: The incident record.
        policy: Its ``impact_weights`` and ``impact_scales`` are used, and
            its ``milestones`` rules find ``started``, ``mitigated`` and
            ``resolved``, which bound the impact's duration.

    Returns:
        The score, its components and the user-minutes (see
        :mod:`incidentkit.figures.impact` for the formula).

    Example:
        >>> import incidentkit as ik
        >>> result = impact_score(ik.example())
        >>> round(result.score, 1), result.user_minutes
        (41.6, 937500.0)
        >>> result.components["users_share"]
        ImpactComponent(weight=10.0, value=0.45, contribution=4.5, group='breadth')

    Raises:
        ValidationError: When ``rec`` is not an incident record or ``policy``
            not a :class:`~incidentkit.Policy`.
    """
    rec, policy = _checked(rec, policy)
    found = find_milestones(rec, policy.milestones)
    return score_impact(rec, found, policy.impact_weights, policy.impact_scales)


def action_item_coverage(
    rec: IncidentRecord, *, as_of: date | datetime, policy: Policy = DEFAULT_POLICY
) -> ActionItemCoverage:
    """Types, gaps, overdue items and unaddressed factors of the action items.

    Args:
        rec: The incident record.
        as_of: The day to judge deadlines on: a ``date``, or an aware
            ``datetime`` (its UTC day is used). An item is overdue when its
            status is not done and its deadline is *before* that day: an item
            due today is not late yet.
        policy: Its ``actions`` rules are used; the record's severity level
            comes from its ``severity_labels``.

    Returns:
        The coverage; see :class:`~incidentkit.ActionItemCoverage`.

    Raises:
        ValidationError: When ``rec`` is not an incident record, ``policy``
            not a :class:`~incidentkit.Policy`, or ``as_of`` a naive datetime
            or not a date.

    Example:
        >>> import incidentkit as ik
        >>> cov = action_item_coverage(ik.example(), as_of=date(2024, 1, 30))
        >>> cov.by_type["prevention"], sorted(cov.missing_types), cov.overdue
        (3, [], (0, 2))
        >>> cov.unaddressed_factors
        ()
    """
    rec, policy = _checked(rec, policy)
    level = policy.level(rec.incident.severity)
    return item_coverage(rec, policy.actions, level, as_of)


def communications_summary(
    rec: IncidentRecord, *, policy: Policy = DEFAULT_POLICY
) -> CommunicationsSummary:
    """Time to the first update, gaps between updates, promises kept or broken.

    Args:
        rec: The incident record.
        policy: Its ``communications`` rules are used, its ``milestones``
            rules find ``declared``, and the record's severity level (for
            the gap limit) comes from its ``severity_labels``.

    Returns:
        The summary; see :class:`~incidentkit.CommunicationsSummary`. A
        record without external updates has no gaps, no promises and no
        first update.

    Example:
        >>> import incidentkit as ik
        >>> from datetime import timedelta
        >>> summary = communications_summary(ik.example())
        >>> summary.time_to_first_update
        datetime.timedelta(seconds=420)
        >>> [gap // timedelta(minutes=1) for gap in summary.gaps]
        [15, 35, 90]
        >>> [p.made_at.strftime("%H:%M") for p in summary.broken_promises]
        ['14:45']
        >>> [g.length // timedelta(minutes=1) for g in summary.long_gaps]
        [35, 90]

    Raises:
        ValidationError: When ``rec`` is not an incident record or ``policy``
            not a :class:`~incidentkit.Policy`.
    """
    rec, policy = _checked(rec, policy)
    declared = find_milestones(rec, policy.milestones).declared
    level = policy.level(rec.incident.severity)
    return summarise_updates(rec, policy.communications, level, declared)


def expected_severity(
    rec: IncidentRecord, *, policy: Policy = DEFAULT_POLICY
) -> SeverityVerdict:
    """The severity level the record's impact warrants, with the evidence.

    Levels are tried from the most severe; the first level with a criterion
    that holds is the verdict, and every criterion of that level that holds
    is listed with the values that matched. Missing impact fields make
    conditions unknown, never met: see :class:`~incidentkit.SeverityVerdict`
    for the range that results.

    Args:
        rec: The incident record.
        policy: Its ``severity`` criteria are used; the default follows
            Atlassian's and PagerDuty's published definitions.

    Returns:
        The verdict.

    Example:
        >>> import incidentkit as ik
        >>> verdict = expected_severity(ik.example())
        >>> verdict.level, verdict.label
        (1, 'SEV1')
        >>> print(verdict.explain())
        SEV1: high_revenue (revenue_impact is high (high or worse))

    Raises:
        ValidationError: When ``rec`` is not an incident record or ``policy``
            not a :class:`~incidentkit.Policy`.
    """
    rec, policy = _checked(rec, policy)
    return judge_severity(rec, policy.severity)
