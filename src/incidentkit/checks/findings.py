"""What a check finds: :class:`Finding`, the :class:`Findings` list, level counts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

import attrs

from incidentkit import _display
from incidentkit.checks.rules import LEVELS, RULES, Level, Rule
from incidentkit.errors import ValidationError

__all__ = ["Finding", "Findings", "count_levels"]


def _is_level(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in LEVELS:
        raise ValidationError(
            [f"{attribute.name}: must be one of {', '.join(LEVELS)} ({value!r})"]
        )


@attrs.frozen
class Finding:
    """One problem :func:`incidentkit.check` found in a record.

    Attributes:
        code: The rule's stable code (``"IK503"``); see
            :data:`incidentkit.checks.rules.RULES`.
        level: ``"error"``, ``"warning"`` or ``"info"``, after the policy's
            re-levelling.
        path: Where in the record the problem is
            (``"action_items[1].deadline"``).
        message: What is wrong, with the values, and what would fix it.

    Example:
        >>> f = Finding("IK304", "warning", "signals.dependent_services[2]", "...")
        >>> f.rule.name
        'service-not-affected'
        >>> print(f)
        signals.dependent_services[2]: warning IK304 ...
    """

    code: str
    level: Level = attrs.field(validator=_is_level)
    path: str
    message: str

    @property
    def rule(self) -> Rule:
        """The rule that made the finding."""
        return RULES[self.code]

    def __str__(self) -> str:
        return f"{self.path}: {self.level} {self.code} {self.message}"


class Findings(list[Finding]):
    """A list of findings that renders as a table in notebooks.

    It is a plain ``list`` in every other respect (equality with a list
    included), so code that builds or compares findings is unchanged;
    :func:`incidentkit.check` returns one. Its markup comes from the render
    layer, through :func:`incidentkit._display.html`.

    Example:
        >>> Findings([]) == []
        True
        >>> "no findings" in Findings()._repr_html_()
        True
    """

    __slots__ = ()

    def __str__(self) -> str:
        """The findings as a table of text, with the count of each level."""
        return _display.text(self)

    def _repr_html_(self) -> str:
        return _display.html(self)


_DIGITS: Final = re.compile(r"(\d+)")


def _path_key(path: str) -> tuple[str | int, ...]:
    # Natural order: action_items[2] before action_items[10].
    return tuple(
        int(part) if i % 2 else part for i, part in enumerate(_DIGITS.split(path))
    )


def sort_key(finding: Finding) -> tuple[Any, ...]:
    """Errors first, then warnings, then infos; each by path in natural order."""
    return (
        LEVELS.index(finding.level),
        _path_key(finding.path),
        finding.code,
        finding.message,
    )


def count_levels(findings: Iterable[Finding]) -> dict[Level, int]:
    """How many findings there are of each level.

    Example:
        >>> import incidentkit as ik
        >>> count_levels(ik.check(ik.example()))
        {'error': 0, 'warning': 5, 'info': 0}
    """
    counts: dict[Level, int] = dict.fromkeys(LEVELS, 0)
    for finding in findings:
        counts[finding.level] += 1
    return counts
