"""Severity labels and the numeric levels they stand for.

Lower levels are more severe: ``SEV0`` (or ``P0``) is the worst. Labels keep
their text in records; this module maps them to levels for the analytics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import attrs

from incidentkit._args import instance_of, is_whole, mapping, whole
from incidentkit._frozen import FrozenMapping
from incidentkit.errors import ValidationError

__all__ = ["DEFAULT_SEVERITY_LABELS", "SeverityLabels", "severity_level"]

# "SEV1", "SEV-1", "sev 1", "Sev_1", "severity 1", "P1", "p-1", "1". Matched
# (with fullmatch) against the stripped label: a leading or trailing run of
# blanks that two quantifiers could share would backtrack quadratically. The
# lookbehind keeps a search linear too: no scan starts inside a run.
_NUMBERED: Final = re.compile(
    r"(?<![\s_-])(?:sev(?:erity)?|p(?:riority)?)?[\s_-]*(\d{1,2})", re.IGNORECASE
)
# The longest numbered label is "priority" and a few separators and digits; a
# longer one is not numbered, and needs no regex to say so.
_MAX_NUMBERED_LENGTH: Final = 32


def _lower_keys(names: Mapping[str, int]) -> Mapping[str, int]:
    problems = []
    for name, level in mapping(names, "names", "label to level").items():
        if not isinstance(name, str):
            problems.append(f"names[{name!r}]: a label must be a string ({name!r})")
        elif not is_whole(level):
            problems.append(f"names[{name!r}]: a level must be an int ({level!r})")
    if problems:
        raise ValidationError(problems)
    # Frozen: the default labels are shared by every policy and every thread.
    return FrozenMapping.of(
        {name.strip().casefold(): level for name, level in names.items()}
    )


@attrs.frozen
class SeverityLabels:
    """How severity labels map to numeric levels.

    Numbered labels (``SEV1``, ``SEV-1``, ``sev 1``, ``P1``, ``priority 1``)
    map to their number. Named labels are looked up, case-insensitively, in
    :attr:`names`; teams that say ``critical``/``major``/``minor`` put their
    words there.

    Attributes:
        names: Extra label → level mapping, checked before numbered labels;
            labels are strings and levels ints.
        numbered: Whether ``SEV<n>``/``P<n>`` labels map to ``n``.
        max_level: Numbers above this are not severity levels (``SEV42``).

    Example:
        >>> labels = SeverityLabels(names={"critical": 1, "major": 2})
        >>> labels.level("Critical"), labels.level("SEV-2"), labels.level("odd")
        (1, 2, None)

    Raises:
        ValidationError: When ``names`` is not a mapping of strings to ints,
            or ``max_level`` is not an int.
    """

    names: Mapping[str, int] = attrs.field(
        factory=dict, converter=_lower_keys, hash=True
    )
    numbered: bool = attrs.field(default=True, validator=instance_of(bool))
    max_level: int = attrs.field(default=9, validator=whole)

    def level(self, label: str | None) -> int | None:
        """The numeric level of ``label``, or ``None`` when it is unknown."""
        if not isinstance(label, str):
            return None
        named = self.names.get(label.strip().casefold())
        if named is not None:
            return named
        if not self.numbered:
            return None
        stripped = label.strip()
        if len(stripped) > _MAX_NUMBERED_LENGTH:
            return None
        match = _NUMBERED.fullmatch(stripped)
        if match is None:
            return None
        number = int(match.group(1))
        return number if number <= self.max_level else None


#: The labels everyone understands: numbered labels plus the common words.
DEFAULT_SEVERITY_LABELS: Final = SeverityLabels(
    names={
        "critical": 1,
        "major": 2,
        "high": 2,
        "minor": 3,
        "medium": 3,
        "low": 4,
        "cosmetic": 5,
    }
)


def severity_level(
    label: str | None, labels: SeverityLabels = DEFAULT_SEVERITY_LABELS
) -> int | None:
    """The numeric level of a severity label; lower is more severe.

    Args:
        label: A label as written in a record.
        labels: The mapping policy; the default knows numbered labels and the
            words critical (1), major/high (2), minor/medium (3), low (4),
            cosmetic (5).

    Returns:
        The level, or ``None`` for a label the policy does not know (the
        checks report those).

    Example:
        >>> severity_level("SEV-1"), severity_level("P2"), severity_level("sev 0")
        (1, 2, 0)
        >>> severity_level("whatever") is None
        True
    """
    return labels.level(label)
