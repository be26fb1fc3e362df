"""A postmortem linter: findings with stable codes, levels and paths.

:func:`check` runs every rule of :data:`incidentkit.checks.rules.RULES` over one
record and returns the :class:`~incidentkit.checks.findings.Finding` objects,
sorted by level (errors first) and then by path.
:class:`~incidentkit.checks.policy.CheckPolicy` holds every knob: rules to
switch off (``ignore``) or keep (``select``), levels to change, and the
policies the rules judge against (severity criteria, update cadence,
deadlines, required action-item types).

Each rule is a function declared with :func:`incidentkit.checks.rules.rule`
in its family's module (:mod:`~incidentkit.checks.severity`,
:mod:`~incidentkit.checks.timeline`, :mod:`~incidentkit.checks.consistency`,
:mod:`~incidentkit.checks.communications`,
:mod:`~incidentkit.checks.action_items`); importing them here completes the
catalogue. The rules build on the one-incident analytics and never recompute
their figures (see :mod:`incidentkit.checks.context`).

A record may ignore rules for itself with a top-level
``"incidentkit": {"ignore": [...]}`` (codes, prefixes, names or families);
IK309 reports the entries that name no rule or silence nothing.

Nothing here reads the clock: rules that need "today" (overdue action items)
run only when ``as_of`` is given.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Final

import numpy as np
import numpy.typing as npt

from incidentkit._args import instance, items
from incidentkit.checks import (
    action_items,
    communications,
    consistency,
    severity,
    timeline,
)
from incidentkit.checks.context import Context
from incidentkit.checks.findings import Finding, Findings, count_levels, sort_key
from incidentkit.checks.policy import CheckPolicy
from incidentkit.checks.rules import (
    FAMILIES,
    IMPLEMENTATIONS,
    LEVELS,
    RULES,
    Level,
    close_catalogue,
)
from incidentkit.figures.actions import _as_of_day as _coverage_day
from incidentkit.figures.policy import DEFAULT_POLICY, Policy
from incidentkit.formats import source_format
from incidentkit.records.schema import IncidentRecord

__all__ = [
    "CheckPolicy",
    "Finding",
    "check",
    "check_counts",
    "check_many",
    "count_levels",
]

#: The module declaring each family's rules. Importing them is what fills
#: the catalogue; no rule can be added once it is closed.
_FAMILY_MODULES: Final = {
    "severity": severity,
    "timeline": timeline,
    "consistency": consistency,
    "communications": communications,
    "action_items": action_items,
}
close_catalogue()
if tuple(_FAMILY_MODULES) != FAMILIES or any(
    IMPLEMENTATIONS[code].__module__ != _FAMILY_MODULES[rule.family].__name__
    for code, rule in RULES.items()
):  # pragma: no cover - caught by the first import
    raise RuntimeError("a family's rules are declared in the module of its name")


#: The rule reporting a record's stale or unknown suppressions.
_UNUSED_SUPPRESSION: Final = "IK309"


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
    rec: IncidentRecord, policy: Policy, rules: CheckPolicy, day: date | None
) -> list[Finding]:
    ctx = Context(rec, policy, rules, day)
    source = source_format(rec)
    findings = []
    raised: set[str] = set()
    suppressed = ctx.suppressed
    # The suppression rule judges what the others raised, so it runs last.
    enabled = [code for code in rules.enabled if code != _UNUSED_SUPPRESSION]
    if rules.level_of(_UNUSED_SUPPRESSION) is not None:
        enabled.append(_UNUSED_SUPPRESSION)
    for code in enabled:
        level = rules.level_of(code)
        assert level is not None
        declared = RULES[code]
        if source is not None and source in declared.not_for:
            continue
        if rec.incident.kind in declared.not_for_kinds:
            continue
        if code == _UNUSED_SUPPRESSION:
            ctx.raised = frozenset(raised)
        for path, message in IMPLEMENTATIONS[code](ctx):
            raised.add(code)
            if code not in suppressed:
                findings.append(Finding(code, level, path, message))
    findings.sort(key=sort_key)
    return Findings(findings)


def _check_arguments(
    policy: Policy, rules: CheckPolicy | None, as_of: date | datetime | None
) -> tuple[Policy, CheckPolicy, date | None]:
    instance(policy, Policy, "policy")
    rules = _default_rules() if rules is None else instance(rules, CheckPolicy, "rules")
    return policy, rules, _as_of_day(as_of)


@functools.lru_cache(maxsize=1)
def _default_rules() -> CheckPolicy:
    return CheckPolicy()


def check(
    rec: IncidentRecord,
    *,
    policy: Policy = DEFAULT_POLICY,
    rules: CheckPolicy | None = None,
    as_of: date | datetime | None = None,
) -> list[Finding]:
    """Lint one record: every enabled rule, findings sorted by level and path.

    Args:
        rec: The incident record.
        policy: The rules the figures follow (milestones, severity labels
            and criteria, cadence, action items, deadlines), as for the
            one-incident functions.
        rules: Which checks run, at which level, and the linter's own
            limits; ``CheckPolicy()`` by default.
        as_of: The day to judge overdue action items on (a ``date`` or an
            aware ``datetime``). Without it the rules that need "today"
            (IK508) do not run; the clock is never read.

    Returns:
        The findings, errors first, then warnings, then infos, each group by
        path in natural order (``action_items[2]`` before
        ``action_items[10]``).

    Raises:
        ValidationError: When ``policy``, ``rules`` or ``as_of`` is not
            valid. A valid record never makes ``check`` raise.

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
    policy, rules, day = _check_arguments(policy, rules, as_of)
    return _check_one(instance(rec, IncidentRecord, "rec"), policy, rules, day)


def check_many(
    records: Iterable[IncidentRecord],
    *,
    policy: Policy = DEFAULT_POLICY,
    rules: CheckPolicy | None = None,
    as_of: date | datetime | None = None,
) -> list[list[Finding]]:
    """Lint many records; one list of findings per record, in input order.

    Args:
        records: The records.
        policy: As for :func:`check`.
        rules: As for :func:`check`.
        as_of: As for :func:`check`.

    Returns:
        ``result[i]`` holds the findings of the ``i``-th record, as
        :func:`check` returns them.

    Example:
        >>> import incidentkit as ik
        >>> [len(findings) for findings in check_many([ik.example()] * 2)]
        [5, 5]
    """
    policy, rules, day = _check_arguments(policy, rules, as_of)
    return [
        _check_one(
            instance(rec, IncidentRecord, f"records[{index}]"), policy, rules, day
        )
        for index, rec in enumerate(items(records, "records", "IncidentRecords"))
    ]


def check_counts(
    records: Sequence[IncidentRecord] | Iterable[IncidentRecord],
    *,
    policy: Policy = DEFAULT_POLICY,
    rules: CheckPolicy | None = None,
    as_of: date | datetime | None = None,
) -> dict[Level, npt.NDArray[np.int64]]:
    """How many findings of each level every record has, as columns.

    For tables of many incidents: one ``int64`` array per level, one entry
    per record, in input order.

    Args:
        records: The records.
        policy: As for :func:`check`.
        rules: As for :func:`check`.
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
        for findings in check_many(records, policy=policy, rules=rules, as_of=as_of)
    ]
    table = np.array(rows, dtype=np.int64).reshape(len(rows), len(LEVELS))
    return {level: table[:, column].copy() for column, level in enumerate(LEVELS)}
