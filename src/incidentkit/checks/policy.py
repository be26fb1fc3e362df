"""How :func:`incidentkit.check` runs: :class:`CheckPolicy`, every knob of the linter.

Rules are named by code, code prefix, rule name or family, as in
:data:`incidentkit.checks.rules.RULES`; the policy also holds the limits the
rules judge against.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Final, TypeGuard

import attrs

from incidentkit._args import texts, whole
from incidentkit.checks.rules import FAMILIES, LEVELS, RULES, Level
from incidentkit.errors import ValidationError

__all__ = ["CheckPolicy", "named_codes", "word_key"]


# With the importers' own words: incident.io's "learning" is the
# post-incident phase of a resolved incident. Its "declined", "merged" and
# "canceled" are in neither set: such an incident was never worked, so
# neither resolved_at nor its absence says anything.
_RESOLVED_STATUSES: Final = frozenset(
    {"resolved", "closed", "completed", "complete", "done", "postmortem", "learning"}
)
_OPEN_STATUSES: Final = frozenset(
    {
        "open",
        "triage",
        "triaged",
        "active",
        "ongoing",
        "investigating",
        "identified",
        "mitigating",
        "mitigated",
        "monitoring",
        "fixing",
        "in progress",
        # PagerDuty's open statuses, incident.io's live and paused ones, and
        # a Statuspage maintenance before its end.
        "triggered",
        "acknowledged",
        "live",
        "paused",
        "scheduled",
        "verifying",
    }
)
_COMMANDER_ROLES: Final = frozenset(
    {"incident commander", "ic", "commander", "incident lead", "incident manager"}
)


def _is_level_name(value: object) -> TypeGuard[Level]:
    return value in LEVELS


def _codes(selector: str) -> tuple[str, ...]:
    """The codes a selector names (a code, a rule name, a family, a prefix)."""
    text = selector.strip()
    if text in RULES:
        return (text,)
    lowered = text.lower()
    by_name = tuple(code for code, rule in RULES.items() if rule.name == lowered)
    if by_name:
        return by_name
    if lowered in FAMILIES:
        return tuple(code for code, rule in RULES.items() if rule.family == lowered)
    upper = text.upper()
    if upper.startswith("IK"):
        return tuple(code for code in RULES if code.startswith(upper))
    return ()


def named_codes(selector: str) -> tuple[str, ...]:
    """The codes a selector names, as ``ignore`` reads it; ``()`` for none.

    Example:
        >>> named_codes("IK50")[:2], named_codes("no-such-rule")
        (('IK501', 'IK502'), ())
    """
    return _codes(selector)


def _unknown_selector(selector: str, parameter: str) -> str:
    return (
        f"{parameter}: {selector!r} names no rule; use a code (IK101), a code "
        f"prefix (IK1), a rule name or a family ({', '.join(FAMILIES)})"
    )


def _selectors(value: object) -> frozenset[str]:
    # A lone string is a common slip for a one-element collection.
    if isinstance(value, str):
        return frozenset({value})
    if not isinstance(value, Iterable):
        raise ValidationError(
            [f"ignore/select: expected codes or rule names ({value!r})"]
        )
    return frozenset(str(item) for item in value)


def _optional_selectors(value: object) -> frozenset[str] | None:
    return None if value is None else _selectors(value)


def _level_map(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            [f"levels: expected a mapping of rule to level ({value!r})"]
        )
    return MappingProxyType({str(key): value[key] for key in value})


def _non_negative_span(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValidationError(
            [f"{attribute.name}: must be a timedelta >= 0 ({value!r})"]
        )


_SEPARATORS: Final = re.compile(r"[\s_-]+")


def word_key(value: object) -> str | None:
    """Text compared loosely: case, spaces, ``_`` and ``-`` do not matter."""
    if not isinstance(value, str):
        return None
    return " ".join(_SEPARATORS.split(value.casefold())).strip()


def _folded(value: Iterable[str], parameter: str) -> frozenset[str]:
    # A lone status is one status, not its letters (as for ``ignore``).
    return frozenset(word_key(item) or "" for item in texts(value, parameter))


def _resolved_statuses(value: Iterable[str]) -> frozenset[str]:
    return _folded(value, "resolved_statuses")


def _open_statuses(value: Iterable[str]) -> frozenset[str]:
    return _folded(value, "open_statuses")


def _commander_roles(value: Iterable[str]) -> frozenset[str]:
    return _folded(value, "commander_roles")


@attrs.frozen
class CheckPolicy:
    """Which rules :func:`check` runs, at which level, and the linter's own limits.

    The figures the rules judge (milestones, severity labels and criteria,
    cadence, action items, deadlines) follow the :class:`~incidentkit.Policy`
    given beside it, the same one the figures and the table use.

    Rules are named by code (``"IK503"``), code prefix (``"IK5"``), rule name
    (``"deadline-beyond-policy"``) or family (``"action_items"``).

    Attributes:
        ignore: Rules to switch off.
        select: When given, only these rules run (before ``ignore``).
        levels: Rule → level (``"error"``, ``"warning"``, ``"info"``) to
            re-level findings; a code wins over a prefix or family.
        early_event_limit: How long before ``started`` an event may lie
            (IK203).
        resolution_grace: How long after ``resolved`` events may lie, for
            the final status update (IK204). A status update whose
            ``metadata.status`` is a resolved status (Statuspage's
            ``postmortem``) may come any time after.
        milestone_tolerance: How far two milestones may be out of order
            before IK201 reports them: sources that stamp to the
            millisecond (Statuspage) write updates typed in one go a few
            milliseconds apart, in either order.
        resolved_statuses: ``incident.status`` values meaning it is over
            (compared ignoring case, spaces, ``_`` and ``-``).
        open_statuses: ``incident.status`` values meaning it is not over.
            Statuses in neither set are not judged.
        commander_roles: Participant roles that mean incident commander
            (compared like the statuses).
        postmortem_max_level: Resolved incidents at this severity level or
            more severe need a scheduled postmortem (IK507).

    Example:
        >>> policy = CheckPolicy(ignore={"IK305", "communications"},
        ...                      levels={"IK304": "error"})
        >>> policy.level_of("IK304"), policy.level_of("IK403"), policy.level_of("IK101")
        ('error', None, 'error')
    """

    ignore: frozenset[str] = attrs.field(default=frozenset(), converter=_selectors)
    select: frozenset[str] | None = attrs.field(
        default=None, converter=_optional_selectors
    )
    levels: Mapping[str, str] = attrs.field(
        factory=dict, converter=_level_map, hash=False
    )
    early_event_limit: timedelta = attrs.field(
        default=timedelta(hours=1), validator=_non_negative_span
    )
    resolution_grace: timedelta = attrs.field(
        default=timedelta(hours=1), validator=_non_negative_span
    )
    milestone_tolerance: timedelta = attrs.field(
        default=timedelta(seconds=1), validator=_non_negative_span
    )
    resolved_statuses: frozenset[str] = attrs.field(
        default=_RESOLVED_STATUSES, converter=_resolved_statuses
    )
    open_statuses: frozenset[str] = attrs.field(
        default=_OPEN_STATUSES, converter=_open_statuses
    )
    commander_roles: frozenset[str] = attrs.field(
        default=_COMMANDER_ROLES, converter=_commander_roles
    )
    postmortem_max_level: int = attrs.field(default=2, validator=whole)
    _effective: Mapping[str, Level] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        errors: list[str] = []

        def expand(selectors: Iterable[str], parameter: str) -> set[str]:
            codes: set[str] = set()
            for selector in sorted(selectors):
                named = _codes(selector)
                if not named:
                    errors.append(_unknown_selector(selector, parameter))
                codes.update(named)
            return codes

        enabled = set(RULES) if self.select is None else expand(self.select, "select")
        enabled -= expand(self.ignore, "ignore")
        effective: dict[str, Level] = {code: RULES[code].level for code in enabled}
        # Broad selectors first, so that a code's own entry wins over its
        # family's or prefix's.
        by_breadth = sorted(self.levels.items(), key=lambda item: -len(_codes(item[0])))
        for selector, level in by_breadth:
            if not _is_level_name(level):
                errors.append(
                    f"levels[{selector!r}]: must be one of {', '.join(LEVELS)} "
                    f"({level!r})"
                )
                continue
            for code in expand([selector], f"levels[{selector!r}]"):
                if code in effective:
                    effective[code] = level
        if errors:
            raise ValidationError(errors)
        object.__setattr__(self, "_effective", MappingProxyType(effective))

    def level_of(self, code: str) -> Level | None:
        """The level findings of a rule get, or ``None`` when it is off."""
        return self._effective.get(code)

    @property
    def enabled(self) -> tuple[str, ...]:
        """The codes of the rules that run, in order."""
        return tuple(code for code in RULES if code in self._effective)
