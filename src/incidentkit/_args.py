"""Checks of the arguments the analytics and the policies are given.

Bad arguments must raise :class:`~incidentkit.errors.ValidationError` naming
the parameter, the rule and the bad value, not a ``TypeError`` from deep
inside a computation, and must not be silently misread (a lone string read
as a collection of its characters). Every check here costs an
``isinstance`` or a pass over a few policy entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeGuard, TypeVar

import attrs

from incidentkit.errors import ValidationError

__all__ = [
    "choice",
    "instance",
    "instance_of",
    "is_whole",
    "items",
    "mapping",
    "optional_text",
    "positive_number",
    "texts",
    "whole",
    "whole_keys",
]

_T = TypeVar("_T")


def _a(name: str) -> str:
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def instance(value: object, kind: type[_T], parameter: str) -> _T:
    """``value`` when it is a ``kind``; a :class:`ValidationError` otherwise.

    Example:
        >>> import incidentkit as ik
        >>> instance({}, ik.IncidentRecord, "rec")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          rec: expected an IncidentRecord, got dict
    """
    if not isinstance(value, kind):
        raise ValidationError(
            [f"{parameter}: expected {_a(kind.__name__)}, got {type(value).__name__}"]
        )
    return value


def instance_of(kind: type[Any]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """An attrs validator raising :class:`ValidationError` for a wrong type."""

    def validate(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        instance(value, kind, attribute.name)

    return validate


def is_whole(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an ``int`` (``bool`` is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def whole(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator for a whole number such as a severity level."""
    if not is_whole(value):
        raise ValidationError([f"{attribute.name}: must be an int ({value!r})"])


def texts(
    value: object, parameter: str, *, expected: str | None = None
) -> tuple[str, ...]:
    """The strings of a collection; a lone string is one value, not its letters.

    A mapping is refused although it iterates over its keys: ``{"a": 1}``
    is a mistake, not a request for ``a``. ``expected`` words every error as
    ``parameter: expected <expected> (bad value)``.

    Example:
        >>> texts("open", "done_statuses"), texts({"done"}, "done_statuses")
        (('open',), ('done',))
        >>> texts([5], "done_statuses")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          done_statuses: every item must be a string (5)
    """
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable) or isinstance(value, (bytes, Mapping)):
        wanted = expected or "a string or a collection of strings"
        raise ValidationError([f"{parameter}: expected {wanted} ({value!r})"])
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            problem = (
                "every item must be a string"
                if expected is None
                else f"expected {expected}"
            )
            raise ValidationError([f"{parameter}: {problem} ({item!r})"])
    return items


def mapping(value: object, parameter: str, what: str) -> Mapping[Any, Any]:
    """``value`` when it is a mapping; ``what`` says of what to what.

    Example:
        >>> mapping([1], "deadline_days", "priority level to days")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          deadline_days: expected a mapping of priority level to days ([1])
    """
    if not isinstance(value, Mapping):
        raise ValidationError(
            [f"{parameter}: expected a mapping of {what} ({value!r})"]
        )
    return value


def whole_keys(value: Mapping[Any, Any], parameter: str) -> None:
    """Reject keys that are not severity levels (ints).

    A key such as ``"1"`` or ``"SEV1"`` would never equal a level, so the
    entry would silently never apply.
    """
    problems = [
        f"{parameter}[{key!r}]: a severity level must be an int ({key!r})"
        for key in value
        if not is_whole(key)
    ]
    if problems:
        raise ValidationError(problems)


def items(value: object, parameter: str, what: str) -> Iterator[Any]:
    """The items of a collection of ``what``; the items are checked by the caller.

    A string, bytes or a mapping is refused: each iterates, but over its
    letters or keys, which is never what was meant.

    Example:
        >>> list(items(None, "records", "IncidentRecords"))
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          records: expected a collection of IncidentRecords, got NoneType
    """
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes, Mapping)):
        kind = type(value).__name__
        raise ValidationError(
            [f"{parameter}: expected a collection of {what}, got {kind}"]
        )
    return iter(value)


def positive_number(value: object, parameter: str) -> float:
    """``value`` as a float when it is a finite number above zero.

    Example:
        >>> positive_number("8", "width")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          width: expected a number above 0 ('8')
    """
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        return float(value)
    raise ValidationError([f"{parameter}: expected a number above 0 ({value!r})"])


def choice(value: object, choices: Iterable[str], parameter: str) -> str:
    """``value`` when it is one of ``choices`` (a list is not hashed, just refused).

    Example:
        >>> choice([], ("mean", "median"), "stat")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          stat: expected one of mean, median ([])
    """
    options = tuple(choices)
    if isinstance(value, str) and value in options:
        return value
    raise ValidationError(
        [f"{parameter}: expected one of {', '.join(options)} ({value!r})"]
    )


def optional_text(value: object, parameter: str) -> str | None:
    """``value`` when it is a string or ``None``.

    Example:
        >>> optional_text(1, "label")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          label: expected a string or None (1)
    """
    if value is None or isinstance(value, str):
        return value
    raise ValidationError([f"{parameter}: expected a string or None ({value!r})"])
