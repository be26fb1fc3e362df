"""The catalogue of check rules: stable codes, levels, and what each one means.

Every rule :func:`incidentkit.check` applies is declared once, by the
:func:`rule` decorator on the function that implements it (in the family
modules :mod:`incidentkit.checks.severity`, ``timeline``, ``consistency``,
``communications`` and ``action_items``). The declarations fill
:data:`RULES`, from which the documentation, the command line
(``--select``/``--ignore``) and a team's policy all name rules the same way.
Codes never change meaning once released; a retired rule keeps its code
unused.

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

import re
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, TypeVar

import attrs

from incidentkit.records.schema import INCIDENT_KINDS

__all__ = [
    "FAMILIES",
    "IMPLEMENTATIONS",
    "LEVELS",
    "RULES",
    "CheckFunction",
    "Level",
    "Rule",
    "rule",
]

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


def _read_only(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


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
        not_for: Source format (``"statuspage"``...) → why records imported
            from it cannot satisfy the rule; the rule does not run on them
            (see :func:`incidentkit.formats.source_format`).
        not_for_kinds: Record kind (``"maintenance"``) → why the rule does
            not apply to records of that kind (``incident.kind``); the rule
            does not run on them.
    """

    code: str
    name: str
    family: str
    level: Level
    summary: str
    rationale: str
    bad: str
    good: str
    not_for: Mapping[str, str] = attrs.field(
        factory=dict, converter=_read_only, hash=False
    )
    not_for_kinds: Mapping[str, str] = attrs.field(
        factory=dict, converter=_read_only, hash=False
    )


#: What a rule's function yields: ``(path, message)`` for each problem. It
#: takes the record under its policy (an ``incidentkit.checks.context.Context``,
#: a higher layer than this module, hence the loose argument type).
CheckFunction = Callable[[Any], Iterator[tuple[str, str]]]

_F = TypeVar("_F", bound=CheckFunction)

_CODE: Final = re.compile(r"IK([1-9])\d\d")
_NAME: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class _Catalogue:
    """Declared rules in code order, and the function that implements each."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._functions: dict[str, CheckFunction] = {}
        self._closed = False
        #: Read-only views, kept in code order as declarations arrive.
        self.rules: Mapping[str, Rule] = MappingProxyType(self._rules)
        self.functions: Mapping[str, CheckFunction] = MappingProxyType(self._functions)

    def declare(self, declared: Rule, function: CheckFunction) -> None:
        """Add a rule; a bad or duplicate declaration is a programming error."""
        if self._closed:
            raise RuntimeError(
                f"{declared.code}: the rule catalogue is closed; declare rules "
                "in the family modules of incidentkit.checks"
            )
        problems = list(self._problems(declared))
        if problems:
            raise ValueError(f"{declared.code}: " + "; ".join(problems))
        rules = sorted([*self._rules.values(), declared], key=lambda r: r.code)
        functions = {**self._functions, declared.code: function}
        self._rules.clear()
        self._functions.clear()
        for entry in rules:
            self._rules[entry.code] = entry
            self._functions[entry.code] = functions[entry.code]

    def _problems(self, declared: Rule) -> Iterator[str]:
        match = _CODE.fullmatch(declared.code)
        if match is None:
            yield "a code is IK and three digits, the first 1-9"
        elif declared.code in self._rules:
            yield "the code is declared twice"
        else:
            family = int(match.group(1)) - 1
            expected = FAMILIES[family] if family < len(FAMILIES) else None
            if declared.family != expected:
                yield (
                    f"family {declared.family!r} does not match the code "
                    f"(IK{match.group(1)}xx is {expected!r})"
                )
        if not _NAME.fullmatch(declared.name):
            yield f"name {declared.name!r} is not a lower-case slug"
        elif any(entry.name == declared.name for entry in self._rules.values()):
            yield f"name {declared.name!r} is taken"
        if declared.level not in LEVELS:
            yield f"level {declared.level!r} is not one of {', '.join(LEVELS)}"
        for field in ("summary", "rationale", "bad", "good"):
            if not getattr(declared, field).strip():
                yield f"{field} is empty"
        for source, why in declared.not_for.items():
            if not why.strip():
                yield f"not_for[{source!r}] needs a format name and why"
        for kind, why in declared.not_for_kinds.items():
            if kind not in INCIDENT_KINDS or not why.strip():
                yield (
                    f"not_for_kinds[{kind!r}] needs one of "
                    f"{', '.join(INCIDENT_KINDS)} and why"
                )

    def close(self) -> None:
        """Refuse further declarations: the catalogue is complete."""
        self._closed = True


_CATALOGUE: Final = _Catalogue()


def rule(
    *,
    code: str,
    name: str,
    family: str,
    level: Level,
    summary: str,
    rationale: str,
    bad: str,
    good: str,
    not_for: Mapping[str, str] | None = None,
    not_for_kinds: Mapping[str, str] | None = None,
) -> Callable[[_F], _F]:
    """Declare the rule a function implements, and add it to :data:`RULES`.

    The function takes the record under its policy and yields
    ``(path, message)`` for each problem; the engine turns those into
    findings at the policy's level for the rule. The arguments are the
    fields of :class:`Rule`.

    Raises:
        ValueError: When the code is malformed or taken, the family does not
            match the code, the name is taken, the level unknown or a text
            empty.
        RuntimeError: After the engine has loaded every family module.

    Example:
        A declaration, as in :mod:`incidentkit.checks.action_items`::

            @rule(
                code="IK501",
                name="action-item-without-owner",
                family="action_items",
                level="warning",
                summary="An action item has no owner.",
                rationale="Work nobody owns does not get done.",
                bad='{"title": "Add pool alerting"}',
                good='{"title": "Add pool alerting", "owner": "alice"}',
            )
            def _action_item_without_owner(ctx: Context) -> Iterator[...]:
                ...
    """
    declared = Rule(
        code,
        name,
        family,
        level,
        summary,
        rationale,
        bad,
        good,
        not_for or {},
        not_for_kinds or {},
    )

    def register(function: _F) -> _F:
        _CATALOGUE.declare(declared, function)
        return function

    return register


def close_catalogue() -> None:
    """Refuse further declarations (the engine calls it once all are loaded)."""
    _CATALOGUE.close()


#: Every rule by code, in code order, as the family modules declare them.
RULES: Final[Mapping[str, Rule]] = _CATALOGUE.rules

#: The function implementing each rule, by code, in code order.
IMPLEMENTATIONS: Final[Mapping[str, CheckFunction]] = _CATALOGUE.functions
