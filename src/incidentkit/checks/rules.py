"""The table of check rules: stable codes, levels, and what each one means.

Every rule :func:`incidentkit.check` applies has a row here, so that the
documentation, the command line (``--select``/``--ignore``) and a team's
policy all name rules the same way. Codes never change meaning once
released; a retired rule keeps its code unused.

Codes are grouped by family:

========  ==============  ==================================================
codes     family          about
========  ==============  ==================================================
IK1xx     severity        the declared severity against the impact
IK2xx     timeline        milestones, event order, status and resolution
IK3xx     consistency     sections of the record that contradict each other
IK4xx     communications  external updates: presence, cadence, promises
IK5xx     action_items    owners, deadlines, coverage, the postmortem
========  ==============  ==================================================

Levels: ``error`` means the record contradicts itself or the figures drawn
from it would be wrong (CI should fail); ``warning`` means the response or
the write-up falls short of the policy, or one section leaves out what
another shows; ``info`` is a heuristic worth a look.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

import attrs

__all__ = ["FAMILIES", "LEVELS", "RULES", "Level", "Rule"]

#: A finding's level.
Level = Literal["error", "warning", "info"]

#: Levels from the most to the least serious; findings sort in this order.
LEVELS: Final[tuple[Level, ...]] = ("error", "warning", "info")

#: Rule families, in code order: ``IK1xx`` is the first.
FAMILIES: Final = (
    "severity",
    "timeline",
    "consistency",
    "communications",
    "action_items",
)


@attrs.frozen
class Rule:
    """One check rule.

    Attributes:
        code: The stable code (``"IK101"``).
        name: A readable slug (``"severity-below-impact"``), also accepted
            wherever a code is.
        family: One of :data:`FAMILIES`.
        level: The default level of its findings.
        summary: What the rule reports, in one line.
        rationale: Why it matters.
        bad: A record fragment that triggers the rule.
        good: The same fragment fixed.
    """

    code: str
    name: str
    family: str
    level: Level
    summary: str
    rationale: str
    bad: str
    good: str


_RULE_LIST: Final = (
    # --- severity ---------------------------------------------------------
    Rule(
        "IK101",
        "severity-below-impact",
        "severity",
        "error",
        "The declared severity is less severe than the impact warrants.",
        "Severity drives who is paged, how fast customers hear, and which "
        "incidents reach reviews; an under-declared incident gets too small a "
        "response and disappears from the numbers that matter.",
        '"severity": "SEV3", "impact": {"security_breach": true}',
        '"severity": "SEV1", "impact": {"security_breach": true}',
    ),
    Rule(
        "IK102",
        "severity-above-impact",
        "severity",
        "warning",
        "The declared severity is more severe than any criterion the impact "
        "could meet.",
        "Over-declaring is the safe choice during an incident (PagerDuty: if "
        "unsure, treat it as the higher one) but should be reviewed after it, "
        "or SEV1 statistics fill with minor incidents. Only raised for major "
        "severities (SEV1-2 by default) and when no criterion of the declared "
        "level could hold, missing fields included.",
        '"severity": "SEV1", "impact": {"customer_facing": false, '
        '"revenue_impact": "none", "security_breach": false, ...}',
        '"severity": "SEV4", "impact": {"customer_facing": false, '
        '"revenue_impact": "none", "security_breach": false, ...}',
    ),
    Rule(
        "IK103",
        "severity-unknown",
        "severity",
        "error",
        "The severity label maps to no level under the policy's labels.",
        "An unknown label drops the incident from every by-severity figure "
        "and disables the severity-dependent rules.",
        '"severity": "urgent"',
        '"severity": "SEV2"  (or map the word: SeverityPolicy().with_labels('
        '{"urgent": 2}))',
    ),
    # --- timeline ---------------------------------------------------------
    Rule(
        "IK201",
        "milestones-out-of-order",
        "timeline",
        "error",
        "Two milestones are out of order (started, detected, declared, "
        "identified, mitigated, resolved).",
        "Every duration spanning the two milestones turns negative, which "
        "corrupts medians and percentiles over many incidents.",
        '"declared_at": "2024-01-15T14:23:00Z", "resolved_at": "2024-01-15T13:45:00Z"',
        '"declared_at": "2024-01-15T14:23:00Z", "resolved_at": "2024-01-15T16:45:00Z"',
    ),
    Rule(
        "IK202",
        "events-unsorted",
        "timeline",
        "warning",
        "Events are not in chronological order.",
        "Readers and tools take the list as the story of the incident; an "
        "event out of place usually has a wrong date or time.",
        '"events": [{"timestamp": "...T14:30:00Z", ...}, '
        '{"timestamp": "...T14:20:00Z", ...}]',
        '"events": [{"timestamp": "...T14:20:00Z", ...}, '
        '{"timestamp": "...T14:30:00Z", ...}]',
    ),
    Rule(
        "IK203",
        "event-before-start",
        "timeline",
        "warning",
        "An event lies long before the incident started.",
        "An event well before the trigger is usually a typo in its date; if "
        "the incident really began earlier, its start is wrong instead and "
        "every duration is too short.",
        'trigger at "2024-01-15T14:15:00Z", an investigation at "2024-01-14T14:25:00Z"',
        'trigger at "2024-01-15T14:15:00Z", the investigation at '
        '"2024-01-15T14:25:00Z"',
    ),
    Rule(
        "IK204",
        "event-after-resolution",
        "timeline",
        "warning",
        "An event lies long after the resolution (beyond the grace period for "
        "the final status update).",
        "Work after the resolution means the incident was not over, or the "
        "event has a wrong date; either way time-to-resolve is wrong.",
        '"resolved_at": "2024-01-15T16:45:00Z", a mitigation at "2024-01-16T09:00:00Z"',
        '"resolved_at": "2024-01-16T09:30:00Z", the mitigation at '
        '"2024-01-16T09:00:00Z"',
    ),
    Rule(
        "IK205",
        "resolved-without-resolved-at",
        "timeline",
        "error",
        "The status says resolved but the incident has no resolved_at.",
        "Without resolved_at the incident counts as open (a censored "
        "duration) in every table.",
        '"status": "resolved"  (no "resolved_at")',
        '"status": "resolved", "resolved_at": "2024-01-15T16:45:00Z"',
    ),
    Rule(
        "IK206",
        "open-with-resolved-at",
        "timeline",
        "error",
        "The status says the incident is open but it has a resolved_at.",
        "Status and resolved_at disagree about whether the incident is over; "
        "tables would close it while the tracker shows it open.",
        '"status": "investigating", "resolved_at": "2024-01-15T16:45:00Z"',
        '"status": "resolved", "resolved_at": "2024-01-15T16:45:00Z"',
    ),
    Rule(
        "IK207",
        "open-with-resolution",
        "timeline",
        "warning",
        "The status says the incident is open but it has a resolution section.",
        "An open incident has no resolution yet; either the status is stale or "
        "the root cause is written before it is known.",
        '"status": "monitoring", "resolution": {"root_cause": "..."}',
        '"status": "resolved", "resolved_at": "...", "resolution": '
        '{"root_cause": "..."}',
    ),
    Rule(
        "IK208",
        "incident-not-positive-length",
        "timeline",
        "error",
        "The incident lasts zero time or less (started to resolved).",
        "A zero or negative time-to-resolve is a recording error; it drags "
        "medians down and breaks logarithmic plots.",
        'trigger at "2024-01-15T14:15:00Z", "resolved_at": "2024-01-15T14:15:00Z"',
        'trigger at "2024-01-15T14:15:00Z", "resolved_at": "2024-01-15T16:45:00Z"',
    ),
    # --- consistency ------------------------------------------------------
    Rule(
        "IK301",
        "declaration-severity-mismatch",
        "consistency",
        "warning",
        "The severity in the declaration event differs from the incident's.",
        "A re-classified incident should say so; otherwise one of the two "
        "labels is wrong and readers cannot tell which.",
        '"severity": "SEV2", declaration event metadata {"severity": "SEV1"}',
        '"severity": "SEV1", declaration event metadata {"severity": "SEV1"}',
    ),
    Rule(
        "IK302",
        "commander-not-participant",
        "consistency",
        "warning",
        "The incident commander is not among the participants.",
        "Participants are the record of who responded; the commander leading "
        "the response belongs there.",
        '"commander": "Jane Smith", "participants": [{"name": "Alice Chen"}]',
        '"commander": "Jane Smith", "participants": [{"name": "Jane Smith", '
        '"role": "Incident Commander"}]',
    ),
    Rule(
        "IK303",
        "commander-without-role",
        "consistency",
        "warning",
        "The commander is a participant without the Incident Commander role.",
        "The participant list and the incident header should agree on who "
        "led the response.",
        '{"name": "Jane Smith", "role": "Operations Lead"}',
        '{"name": "Jane Smith", "role": "Incident Commander"}',
    ),
    Rule(
        "IK304",
        "service-not-affected",
        "consistency",
        "warning",
        "A service in signals.dependent_services is missing from affected_services.",
        "Signals show the service was hit; leaving it out of "
        "affected_services hides the incident from that service's figures.",
        '"affected_services": ["checkout"], "dependent_services": '
        '["checkout", "order-service"]',
        '"affected_services": ["checkout", "order-service"]',
    ),
    Rule(
        "IK305",
        "endpoint-service-not-affected",
        "consistency",
        "warning",
        "An affected endpoint names its service (a URL host, service:/path or "
        "service/path) and that service is missing from affected_services.",
        "Like IK304 for endpoints: the signals say the service was hit, the "
        "incident does not list it. Bare paths (/api/orders) name no service "
        "and are not judged.",
        '"service": "payment-gateway", "affected_endpoints": '
        '["https://order-service.internal/v1/orders"]',
        '"affected_services": ["order-service"], "affected_endpoints": '
        '["https://order-service.internal/v1/orders"]',
    ),
    Rule(
        "IK306",
        "data-loss-without-integrity-risk",
        "consistency",
        "error",
        "customer_impact.data_loss is true while impact.data_integrity_risk is false.",
        "Lost data is the integrity risk come true; the two fields cannot "
        "both hold, and the severity criteria read both.",
        '"data_integrity_risk": false, "customer_impact": {"data_loss": true}',
        '"data_integrity_risk": true, "customer_impact": {"data_loss": true}',
    ),
    Rule(
        "IK307",
        "affected-users-contradiction",
        "consistency",
        "error",
        "Affected-user figures contradict each other (a share of 0 % with "
        "affected users, users with no share, failed transactions without "
        "users).",
        "Impact scores and user-minutes read these figures; a contradiction "
        "means one of them is wrong.",
        '"affected_users_percentage": 0, "customer_impact": {"affected_users": 12500}',
        '"affected_users_percentage": 45, "customer_impact": {"affected_users": 12500}',
    ),
    Rule(
        "IK308",
        "customer-facing-contradiction",
        "consistency",
        "warning",
        "impact.customer_facing is false, yet customers were affected or "
        "reported the problem.",
        "customer_facing decides the severity and the communication rules; "
        "customers affected says it is wrong.",
        '"customer_facing": false, "customer_impact": {"failed_transactions": 342}',
        '"customer_facing": true, "customer_impact": {"failed_transactions": 342}',
    ),
    # --- communications ---------------------------------------------------
    Rule(
        "IK401",
        "no-external-update",
        "communications",
        "warning",
        "A resolved customer-facing incident has no external communication.",
        "Customers who are hit need to hear about it; both Atlassian and "
        "PagerDuty call for public notification of major incidents.",
        '"customer_facing": true, "communications": [{"audience": "internal", ...}]',
        '"communications": [{"audience": "external", "channel": "status_page", ...}]',
    ),
    Rule(
        "IK402",
        "first-update-late",
        "communications",
        "warning",
        "The first external update came later after the declaration than the "
        "cadence policy allows for the severity.",
        "Customers notice before the status page says anything; the first "
        "update sets their trust for the rest of the incident.",
        "declared 14:23, first status-page update 15:40 (SEV1 limit 30 min)",
        "declared 14:23, first status-page update 14:30",
    ),
    Rule(
        "IK403",
        "update-gap-too-long",
        "communications",
        "warning",
        "Two consecutive external updates are further apart than the cadence "
        "policy allows for the severity.",
        "Silence during an incident reads as neglect; a steady cadence is the "
        "promise customers rely on.",
        "updates at 14:45 and 15:20 (35 min) for a SEV1 with a 30 min limit",
        "updates at 14:45, 15:05 and 15:20",
    ),
    Rule(
        "IK404",
        "broken-promise",
        "communications",
        "warning",
        "An update promised the next one by a time and the next came later.",
        "A missed promise costs more trust than a longer promise kept.",
        '14:45 "Next update in 15 minutes", next update 15:20',
        '14:45 "Next update in 15 minutes", next update 15:00',
    ),
    # --- action items -----------------------------------------------------
    Rule(
        "IK501",
        "action-item-without-owner",
        "action_items",
        "warning",
        "An action item has no owner.",
        "Work nobody owns does not get done.",
        '{"title": "Add pool alerting", "deadline": "2024-01-22"}',
        '{"title": "Add pool alerting", "owner": "alice@company.com", '
        '"deadline": "2024-01-22"}',
    ),
    Rule(
        "IK502",
        "action-item-without-deadline",
        "action_items",
        "warning",
        "An action item has no deadline.",
        "Without a date an item cannot be overdue, so it is never chased.",
        '{"title": "Add pool alerting", "owner": "alice@company.com"}',
        '{"title": "Add pool alerting", "owner": "alice@company.com", '
        '"deadline": "2024-01-22"}',
    ),
    Rule(
        "IK503",
        "deadline-beyond-policy",
        "action_items",
        "warning",
        "An action item's deadline is further from the resolution date than "
        "the policy allows for its priority (default P1 15 days, P2 30, "
        "P3 60).",
        "A P1 fix due in two months is not a P1; either the priority or the "
        "deadline is wrong.",
        'resolved 2024-01-15, {"priority": "P1", "deadline": "2024-02-01"}',
        'resolved 2024-01-15, {"priority": "P1", "deadline": "2024-01-29"}',
    ),
    Rule(
        "IK504",
        "action-item-priority-unknown",
        "action_items",
        "info",
        "An action item's priority maps to no level, so its deadline cannot "
        "be checked.",
        "Priorities are read with the same labels as severities (P1, "
        "critical); an unknown word is skipped by the deadline rule.",
        '{"priority": "asap"}',
        '{"priority": "P1"}',
    ),
    Rule(
        "IK505",
        "required-action-types-missing",
        "action_items",
        "warning",
        "A resolved incident's action items lack a type the policy requires "
        "for the severity (default: detection and prevention for SEV0-2, "
        "prevention for SEV3).",
        "A serious incident that only gets process items will happen again "
        "unnoticed; the required types make the follow-up complete.",
        'SEV1 with only {"type": "process"} items',
        'SEV1 with {"type": "detection"} and {"type": "prevention"} items',
    ),
    Rule(
        "IK506",
        "factor-not-addressed",
        "action_items",
        "info",
        "A contributing factor shares too few words with any action item to "
        "count as addressed.",
        "A factor no item addresses will contribute again. Matching is by "
        "words, so this is a hint to review, not an error.",
        '"contributing_factors": ["No canary deployment process"], items '
        "about alerting only",
        'an item "Implement canary deployment pipeline"',
    ),
    Rule(
        "IK507",
        "postmortem-not-scheduled",
        "action_items",
        "warning",
        "A resolved SEV0-2 incident has no postmortem scheduled.",
        "Major incidents are where the learning is; Atlassian and PagerDuty "
        "both require a postmortem for them.",
        'SEV1, "status": "resolved", no resolution.postmortem_scheduled',
        '"resolution": {"postmortem_scheduled": "2024-01-17T10:00:00Z"}',
    ),
    Rule(
        "IK508",
        "action-item-overdue",
        "action_items",
        "warning",
        "An action item that is not done is past its deadline (only with "
        "check(..., as_of=...)).",
        "Overdue items are the follow-up that slipped. The rule needs a "
        "reference date and never reads the clock.",
        'as_of 2024-03-01, {"deadline": "2024-01-22", "status": "open"}',
        'as_of 2024-03-01, {"deadline": "2024-01-22", "status": "done"}',
    ),
)

#: Every rule by code, in code order.
RULES: Final[Mapping[str, Rule]] = MappingProxyType(
    {rule.code: rule for rule in _RULE_LIST}
)
