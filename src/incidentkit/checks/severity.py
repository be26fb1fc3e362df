"""Severity rules (IK1xx): the declared severity against the impact.

The verdict comes from :func:`incidentkit.figures.severity.expected_severity`
under the policy's :class:`~incidentkit.figures.severity.SeverityPolicy`.
"""

from __future__ import annotations

from collections.abc import Iterator

from incidentkit.checks.context import Context
from incidentkit.checks.rules import rule

#: Nothing here is public: the rules register themselves with
#: :func:`incidentkit.checks.rules.rule` on import.
__all__: list[str] = []


def _clamped(ctx: Context) -> int | None:
    """The declared level, moved into the range of the policy's levels."""
    level = ctx.level
    if level is None:
        return None
    severity = ctx.policy.severity
    return min(max(level, severity.most_severe), severity.least_severe)


@rule(
    code="IK101",
    name="severity-below-impact",
    family="severity",
    level="error",
    summary="The declared severity is less severe than the impact warrants.",
    rationale=(
        "Severity drives who is paged, how fast customers hear, and which "
        "incidents reach reviews; an under-declared incident gets too small a "
        "response and disappears from the numbers that matter."
    ),
    bad='"severity": "SEV3", "impact": {"security_breach": true}',
    good='"severity": "SEV1", "impact": {"security_breach": true}',
)
def _severity_below_impact(ctx: Context) -> Iterator[tuple[str, str]]:
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


@rule(
    code="IK102",
    name="severity-above-impact",
    family="severity",
    level="warning",
    summary=(
        "The declared severity is more severe than any criterion the impact could meet."
    ),
    rationale=(
        "Over-declaring is the safe choice during an incident (PagerDuty: if "
        "unsure, treat it as the higher one) but should be reviewed after it, "
        "or SEV1 statistics fill with minor incidents. Only raised for major "
        "severities (SEV1-2 by default) and when no criterion of the declared "
        "level could hold, missing fields included."
    ),
    bad=(
        '"severity": "SEV1", "impact": {"customer_facing": false, '
        '"revenue_impact": "none", "security_breach": false, ...}'
    ),
    good=(
        '"severity": "SEV4", "impact": {"customer_facing": false, '
        '"revenue_impact": "none", "security_breach": false, ...}'
    ),
)
def _severity_above_impact(ctx: Context) -> Iterator[tuple[str, str]]:
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


@rule(
    code="IK103",
    name="severity-unknown",
    family="severity",
    level="error",
    summary="The severity label maps to no level under the policy's labels.",
    rationale=(
        "An unknown label drops the incident from every by-severity figure "
        "and disables the severity-dependent rules."
    ),
    bad='"severity": "urgent"',
    good=('"severity": "SEV2"  (or map the word: Policy().with_labels({"urgent": 2}))'),
)
def _severity_unknown(ctx: Context) -> Iterator[tuple[str, str]]:
    # No severity at all (None) is IK104's: unknown is not a wrong label.
    if ctx.level is not None or ctx.rec.incident.severity is None:
        return
    labels = ctx.policy.severity_labels
    words = ", ".join(sorted(labels.names)) or "none"
    numbered = "SEV<n>, P<n> and " if labels.numbered else ""
    yield (
        "incident.severity",
        f"severity {ctx.rec.incident.severity!r} maps to no level (known: "
        f"{numbered}the words {words}): use a known label, or map it with "
        f"Policy().with_labels({{{ctx.rec.incident.severity!r}: <level>}})",
    )


@rule(
    code="IK104",
    name="severity-not-recorded",
    family="severity",
    level="info",
    summary="The record has no severity (null): the source recorded none.",
    rationale=(
        "An unknown severity is not an error (a PagerDuty incident without a "
        "priority, an incident.io incident in triage), but the incident is "
        "left out of every by-severity figure, and the rules that depend on "
        "the severity (expected severity, update cadence, required "
        "action-item types, the postmortem) do not judge it."
    ),
    bad='"severity": null',
    good='"severity": "SEV2"  (once someone has judged it)',
)
def _severity_not_recorded(ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.rec.incident.severity is not None:
        return
    yield (
        "incident.severity",
        "no severity is recorded (null), so the severity-dependent figures and "
        "rules leave this incident out: set one if the incident was judged",
    )
