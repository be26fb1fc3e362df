"""Whether an incident's follow-up work covers what it should.

:func:`action_item_coverage` answers, for one record: which kinds of action
item it has, which kinds its severity requires and lacks, which items are
overdue or lack an owner or a deadline, and which contributing factors no
item addresses.

Types merge their aliases case-insensitively (:func:`canonical_action_type`).

A contributing factor is *addressed* by an action item whose title shares
enough meaningful words with it. Words are runs of letters and digits,
lower-cased; words made only of digits (versions, thresholds) and stop words
(``the``, ``for``, ``missing``, ``add``...) are dropped, and each remaining
word is reduced to a simple stem (``testing``, ``tested`` and ``tests`` all
become ``test``; ``documentation`` becomes ``document``). A factor is
addressed when some item shares at least
:attr:`ActionItemPolicy.min_shared_words` stems with it (default 2), or all
of its stems when it has fewer; a factor with no meaningful word is never
addressed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Final

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit import _display
from incidentkit._args import (
    mapping,
    optional_text,
    texts,
    whole_keys,
)
from incidentkit._frozen import FrozenMapping
from incidentkit.errors import ValidationError
from incidentkit.figures.columns import ItemColumns, incident_columns
from incidentkit.records.schema import IncidentRecord

__all__ = [
    "CANONICAL_ACTION_TYPES",
    "DEFAULT_DONE_STATUSES",
    "DEFAULT_REQUIRED_TYPES_BY_LEVEL",
    "DEFAULT_STOP_WORDS",
    "ActionItemCoverage",
    "ActionItemPolicy",
    "ItemFacts",
    "canonical_action_type",
    "item_coverage",
    "item_facts",
    "meaningful_words",
]

#: The canonical action-item types, in the order reports list them.
CANONICAL_ACTION_TYPES: Final = (
    "detection",
    "prevention",
    "mitigation",
    "repair",
    "investigation",
    "process",
)

_ALIASES: Final = {
    "detect": "detection",
    "detection": "detection",
    "prevent": "prevention",
    "prevention": "prevention",
    "mitigate": "mitigation",
    "mitigation": "mitigation",
    "repair": "repair",
    "investigate": "investigation",
    "investigation": "investigation",
    "process": "process",
}


def canonical_action_type(label: str | None) -> str | None:
    """The canonical type of an action item's ``type`` label.

    Aliases merge case-insensitively: ``detect``/``detection``,
    ``prevent``/``prevention``, ``mitigate``/``mitigation``, ``repair``,
    ``investigate``/``investigation``, ``process``. Any other label is its own
    type, lower-cased with surrounding spaces removed, so that ``Docs`` and
    ``docs`` still count together.

    Args:
        label: The label as written.

    Returns:
        The type, or ``None`` for a missing or blank label.

    Example:
        >>> canonical_action_type("Detect"), canonical_action_type(" PREVENTION ")
        ('detection', 'prevention')
        >>> canonical_action_type("Runbook")
        'runbook'
    """
    label = optional_text(label, "label")
    if label is None:
        return None
    text = " ".join(label.split()).casefold()
    if not text:
        return None
    return _ALIASES.get(text, text)


_STATUS_SEPARATORS: Final = re.compile(r"[\s_-]+")


def _normal_status(status: str | None) -> str:
    if not status:
        return ""
    # "Won’t-fix", "wont_fix" and "won't fix" are one status.
    text = status.casefold().replace("\u2019", "'")
    return " ".join(_STATUS_SEPARATORS.split(text)).strip()


# --- policy -------------------------------------------------------------------------

#: Severity level → action-item types required (SEV0-2: a way to see it
#: coming and a way to stop it recurring; SEV3: a way to stop it recurring).
DEFAULT_REQUIRED_TYPES_BY_LEVEL: Final[Mapping[int, frozenset[str]]] = MappingProxyType(
    {
        0: frozenset({"detection", "prevention"}),
        1: frozenset({"detection", "prevention"}),
        2: frozenset({"detection", "prevention"}),
        3: frozenset({"prevention"}),
    }
)

#: Statuses (compared case-insensitively, ``_`` and ``-`` read as spaces)
#: that mean no more work is pending, so the item cannot be overdue. Dropped
#: items (cancelled, won't fix) are among them: nothing is late about them.
DEFAULT_DONE_STATUSES: Final = frozenset(
    {
        "done",
        "complete",
        "completed",
        "closed",
        "resolved",
        "fixed",
        "finished",
        "shipped",
        "released",
        "merged",
        "verified",
        "cancelled",
        "canceled",
        "wontfix",
        "won't fix",
        "wont fix",
        "won't do",
        "wont do",
        "duplicate",
        "obsolete",
        "rejected",
    }
)

_STOP_WORDS_TEXT: Final = """
    a about above after again against all also am an and any are as at be
    because been before being below between both but by can could did do does
    doing down during each etc few for from further had has have having he her
    here hers him his how i if in into is it its itself just me more most my
    no nor not now of off on once only or other our out over own per re same
    she should so some such than that the their them then there these they
    this those through to too under until up very via was we were what when
    where which while who whom why will with would you your
    lack lacking lacked missing insufficient inadequate poor incorrect wrong
    without none never
    add adding added implement implementing create creating ensure improve
    improving introduce introducing make making set use using new all
    """

#: Words that say nothing about what a factor or an item is about: English
#: function words, the negations factors are written with ("no", "missing",
#: "insufficient") and the verbs items start with ("add", "implement").
DEFAULT_STOP_WORDS: Final = frozenset(_STOP_WORDS_TEXT.split())


def _level_types(value: Mapping[int, Iterable[str]]) -> Mapping[int, frozenset[str]]:
    parameter = "required_types_by_level"
    levels = mapping(value, parameter, "severity level to action-item types")
    whole_keys(levels, parameter)
    converted: dict[int, frozenset[str]] = {}
    for level, types in levels.items():
        # A lone type ({1: "detection"}) is one type, not its letters.
        labels = texts(types, f"{parameter}[{level!r}]")
        canonical = (canonical_action_type(label) for label in labels)
        converted[level] = frozenset(kind for kind in canonical if kind is not None)
    return FrozenMapping.of(converted)


def _statuses(value: Iterable[str]) -> frozenset[str]:
    return frozenset(_normal_status(status) for status in texts(value, "done_statuses"))


def _words(value: Iterable[str]) -> frozenset[str]:
    return frozenset(word.casefold() for word in texts(value, "stop_words"))


def _at_least_one(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, int) and value >= 1):
        raise ValidationError(
            [f"{attribute.name}: must be a whole number >= 1 ({value!r})"]
        )


@attrs.frozen
class ActionItemPolicy:
    """What action items a severity requires, and how coverage is judged.

    Attributes:
        required_types_by_level: Severity level → types required (aliases are
            merged). Levels not listed, and unknown severities, require
            nothing. Default: detection and prevention for SEV0-2, prevention
            for SEV3.
        done_statuses: Statuses meaning no work is pending (see
            :data:`DEFAULT_DONE_STATUSES`).
        stop_words: Words ignored when matching factors to items.
        min_shared_words: Stems an item must share with a factor to address
            it (fewer when the factor has fewer).

    Example:
        >>> policy = ActionItemPolicy(required_types_by_level={4: ["Detect"]})
        >>> policy.required_types(4), policy.required_types(None)
        (frozenset({'detection'}), frozenset())

    A lone string where a collection is expected is one value:
    ``done_statuses="closed"`` means ``{"closed"}``.

    Raises:
        ValidationError: When a table is not a mapping of severity levels
            (ints) to types, or a collection holds something else than
            strings.
    """

    required_types_by_level: Mapping[int, frozenset[str]] = attrs.field(
        default=DEFAULT_REQUIRED_TYPES_BY_LEVEL, converter=_level_types
    )
    done_statuses: frozenset[str] = attrs.field(
        default=DEFAULT_DONE_STATUSES, converter=_statuses
    )
    stop_words: frozenset[str] = attrs.field(
        default=DEFAULT_STOP_WORDS, converter=_words
    )
    min_shared_words: int = attrs.field(default=2, validator=_at_least_one)

    def required_types(self, level: int | None) -> frozenset[str]:
        """The types required at a severity level (none when it is unknown)."""
        if level is None:
            return frozenset()
        return self.required_types_by_level.get(level, frozenset())

    def is_done(self, status: str | None) -> bool:
        """Whether an item with this status has no work pending."""
        return _normal_status(status) in self.done_statuses


# --- matching factors to items ------------------------------------------------------

_WORD: Final = re.compile(r"[^\W_]+")


def _stem(word: str) -> str:
    # Deliberately small: enough to meet "tests"/"testing", "alerting"/"alerts",
    # "documentation"/"document", "integration"/"integrate", without a
    # dictionary. Each step keeps a stem of at least three letters.
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix, shortest in (("ation", 3), ("ment", 5), ("ing", 3), ("ed", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            word = word[: -len(suffix)]
            break
    for suffix in ("ate", "at", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def meaningful_words(
    text: str | None, stop_words: Iterable[str] = DEFAULT_STOP_WORDS
) -> frozenset[str]:
    """The stems of the meaningful words of a text, as the factor matching uses.

    Args:
        text: Any text.
        stop_words: Lower-case words to drop before stemming.

    Returns:
        The set of stems.

    Example:
        >>> sorted(meaningful_words("Missing connection pool sizing documentation"))
        ['connection', 'document', 'pool', 'siz']
    """
    if not text:
        return frozenset()
    stops = stop_words if isinstance(stop_words, (set, frozenset)) else set(stop_words)
    return frozenset(
        _stem(word)
        for word in _WORD.findall(text.casefold())
        if not word.isdigit() and word not in stops
    )


# --- the coverage -------------------------------------------------------------------


@attrs.frozen
class ActionItemCoverage:
    """How well an incident's action items cover what they should.

    Item lists are indices into ``rec.action_items``, factor indices into
    ``rec.resolution.contributing_factors``.

    Attributes:
        by_type: Canonical type → number of items; the six canonical types
            always appear (possibly with 0), first and in order, then other
            types alphabetically.
        required_types: Types the record's severity requires.
        missing_types: Required types with no item.
        overdue: Items not done whose deadline is before ``as_of``'s date.
        without_owner: Items with no owner (missing or blank).
        without_deadline: Items with no deadline.
        unaddressed_factors: Contributing factors no item addresses.
        unaddressed_factor_indices: Their positions, parallel to
            :attr:`unaddressed_factors`.
        without_type: Items with no type (missing or blank).
        factor_items: For every contributing factor, the items that address
            it.
        as_of: The UTC day the deadlines were compared with (``date.min`` or
            ``date.max`` when an offset pushes ``as_of`` beyond them).

    The fields after :attr:`unaddressed_factors` have defaults and
    :attr:`as_of` is keyword-only, for results built by hand (in tests of code
    that consumes them).
    """

    by_type: Mapping[str, int] = attrs.field(hash=False)
    required_types: frozenset[str]
    missing_types: frozenset[str]
    overdue: tuple[int, ...]
    without_owner: tuple[int, ...]
    without_deadline: tuple[int, ...]
    unaddressed_factors: tuple[str, ...]
    unaddressed_factor_indices: tuple[int, ...] = ()
    without_type: tuple[int, ...] = ()
    factor_items: tuple[tuple[int, ...], ...] = ()
    as_of: date = attrs.field(kw_only=True)

    def __str__(self) -> str:
        """The result as text: readable durations, labels and sample sizes."""
        return _display.text(self)

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


def _as_of_day(as_of: object) -> tuple[date | None, int]:
    """``as_of`` as a UTC day, and where it lies if that is not representable.

    Returns ``(day, 0)``, or ``(None, -1)``/``(None, 1)`` when the UTC day
    falls before 0001-01-01 or after 9999-12-31 (an offset can push it there).
    """
    if isinstance(as_of, datetime):
        offset = as_of.utcoffset()
        if offset is None:
            raise ValidationError(
                [
                    "as_of: a datetime needs a UTC offset; pass an aware datetime "
                    f"or a date ({as_of!r})"
                ]
            )
        try:
            return as_of.astimezone(timezone.utc).date(), 0
        except OverflowError:
            return None, (-1 if offset > timedelta(0) else 1)
    if isinstance(as_of, date):
        return as_of, 0
    raise ValidationError([f"as_of: must be a date or an aware datetime ({as_of!r})"])


@attrs.frozen(eq=False)
class ItemFacts:
    """What the action-item rules say of each item of :class:`ItemColumns`.

    Attributes:
        kind: The canonical type of each item (``None`` without a type).
        done: Whether its status means no work is pending.
        overdue: Not done, and its deadline is before ``as_of``'s UTC day
            (all false without ``as_of``).
    """

    kind: NDArray[np.object_]
    done: NDArray[np.bool_]
    overdue: NDArray[np.bool_]


def item_facts(
    items: ItemColumns, policy: ActionItemPolicy, as_of: date | datetime | None
) -> ItemFacts:
    """The action-item rules, applied to many items at once (the one engine).

    Each rule runs once per distinct type, status and deadline.
    """
    done = items.status.map(policy.is_done, bool)
    if as_of is None:
        late = np.zeros(len(items.deadline), dtype=bool)
    else:
        day, beyond = _as_of_day(as_of)

        def is_late(deadline: date | None) -> bool:
            if deadline is None:
                return False
            return beyond > 0 if day is None else deadline < day

        late = items.deadline.map(is_late, bool)
    return ItemFacts(
        kind=items.type.map(canonical_action_type, object),
        done=done,
        overdue=late & ~done,
    )


def _ordered_counts(counts: dict[str, int]) -> Mapping[str, int]:
    ordered = {kind: counts.get(kind, 0) for kind in CANONICAL_ACTION_TYPES}
    ordered.update(
        sorted((kind, n) for kind, n in counts.items() if kind not in ordered)
    )
    return ordered


def item_coverage(
    rec: IncidentRecord,
    rules: ActionItemPolicy,
    level: int | None,
    as_of: date | datetime,
) -> ActionItemCoverage:
    """One record's action-item coverage, its severity being ``level``.

    :func:`incidentkit.action_item_coverage` is the public form, with the
    whole :class:`~incidentkit.Policy`.
    """
    policy = rules
    day, beyond = _as_of_day(as_of)
    items = rec.action_items
    facts = item_facts(incident_columns([rec]).items, policy, as_of)
    kinds: list[str | None] = facts.kind.tolist()
    counts: dict[str, int] = {}
    for kind in kinds:
        if kind is not None:
            counts[kind] = counts.get(kind, 0) + 1

    required = policy.required_types(level)
    factors = rec.resolution.contributing_factors if rec.resolution else ()
    item_words = [meaningful_words(item.title, policy.stop_words) for item in items]
    factor_items = []
    for factor in factors:
        words = meaningful_words(factor, policy.stop_words)
        needed = min(policy.min_shared_words, len(words))
        factor_items.append(
            tuple(
                index
                for index, shared in enumerate(item_words)
                if words and len(words & shared) >= needed
            )
        )
    unaddressed = [index for index, found in enumerate(factor_items) if not found]
    return ActionItemCoverage(
        by_type=_ordered_counts(counts),
        required_types=required,
        missing_types=frozenset(kind for kind in required if not counts.get(kind)),
        overdue=tuple(np.flatnonzero(facts.overdue).tolist()),
        without_owner=tuple(
            index
            for index, item in enumerate(items)
            if item.owner is None or not item.owner.strip()
        ),
        without_deadline=tuple(
            index for index, item in enumerate(items) if item.deadline is None
        ),
        without_type=tuple(index for index, kind in enumerate(kinds) if kind is None),
        unaddressed_factors=tuple(factors[index] for index in unaddressed),
        unaddressed_factor_indices=tuple(unaddressed),
        factor_items=tuple(factor_items),
        as_of=day if day is not None else (date.min if beyond < 0 else date.max),
    )
