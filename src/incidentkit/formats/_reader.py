"""Reading a foreign document field by field, collecting every problem.

The importers read other tools' JSON by hand rather than through the cattrs
converter: the shapes differ from ours, most of a source document is ignored,
and the paths in errors must be the source's paths. :class:`Reader` gives
them typed accessors that never raise; each problem is recorded with its path
and :meth:`Reader.raise_if_invalid` turns them all into one
:class:`~incidentkit.errors.ValidationError` whose every error starts with the
format's name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Final, TypeVar

from incidentkit.errors import ValidationError
from incidentkit.records.converter import Invalid, parse_timestamp, show

__all__ = ["Reader", "child", "chronological", "item"]

T = TypeVar("T")

#: A JSON object as the importers see it: keys are strings, values anything.
JSONObject = Mapping[str, object]

_MISSING: Final = "required field is missing"

# Whole numbers are kept only within 64 bits: they become int64 columns in
# tables, and far larger ones cannot even be written back as JSON text.
_INT_MIN: Final = -(2**63)
_INT_MAX: Final = 2**63 - 1


def child(path: str, key: str) -> str:
    """The path of ``key`` inside the object at ``path`` (``""`` is the root)."""
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    """The path of element ``index`` of the list at ``path``."""
    return f"{path}[{index}]"


def _where(path: str) -> str:
    return path or "$"


class Reader:
    """Typed access to one source document; problems are collected, not raised.

    Every accessor returns ``None`` (or an empty list) for a value that is
    missing, ``null`` or of the wrong type, and records a problem for the
    wrong type, or for a missing value when ``required`` is set.

    Example:
        >>> reader = Reader("statuspage")
        >>> reader.text({"name": 3}, "name", "incident")
        >>> reader.errors
        ['statuspage: incident.name: expected a string, got 3 (int)']
    """

    def __init__(self, format: str, *, assume_utc: bool = False) -> None:
        """Start reading a document of ``format``."""
        self.format = format
        self.assume_utc = assume_utc
        self.errors: list[str] = []

    def problem(self, path: str, message: str) -> None:
        """Record a problem at ``path`` (``""`` for the whole document)."""
        self.errors.append(f"{self.format}: {_where(path)}: {message}")

    def raise_if_invalid(self) -> None:
        """Raise one :class:`ValidationError` listing every recorded problem."""
        if self.errors:
            raise ValidationError(self.errors)

    # --- values ------------------------------------------------------------

    def as_object(self, value: object, path: str) -> JSONObject | None:
        """``value`` when it is a JSON object; else a problem and ``None``."""
        if isinstance(value, dict):
            return value
        self.problem(path, f"expected a JSON object, got {show(value)}")
        return None

    def as_text(self, value: object, path: str) -> str | None:
        """``value`` when it is a string; else a problem and ``None``."""
        if isinstance(value, str):
            return value
        self.problem(path, f"expected a string, got {show(value)}")
        return None

    def as_time(self, value: object, path: str) -> datetime | None:
        """``value`` parsed as an ISO 8601 timestamp; else a problem."""
        try:
            return parse_timestamp(value, assume_utc=self.assume_utc)
        except Invalid as exc:
            self.problem(path, str(exc))
            return None

    # --- fields ------------------------------------------------------------

    def _field(
        self,
        parent: JSONObject,
        key: str,
        path: str,
        read: Callable[[object, str], T | None],
        *,
        required: bool,
    ) -> T | None:
        value = parent.get(key)
        where = child(path, key)
        if value is None:
            if required:
                self.problem(where, _MISSING)
            return None
        return read(value, where)

    def obj(
        self, parent: JSONObject, key: str, path: str, *, required: bool = False
    ) -> JSONObject | None:
        """The object at ``parent[key]``, ``None`` when absent or ``null``."""
        return self._field(parent, key, path, self.as_object, required=required)

    def text(
        self, parent: JSONObject, key: str, path: str, *, required: bool = False
    ) -> str | None:
        """The string at ``parent[key]``, ``None`` when absent or ``null``."""
        return self._field(parent, key, path, self.as_text, required=required)

    def time(
        self, parent: JSONObject, key: str, path: str, *, required: bool = False
    ) -> datetime | None:
        """The timestamp at ``parent[key]``, ``None`` when absent or ``null``."""
        return self._field(parent, key, path, self.as_time, required=required)

    def integer(self, parent: JSONObject, key: str, path: str) -> int | None:
        """The whole number at ``parent[key]``, ``None`` when absent or ``null``."""
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return self._in_range(value, child(path, key))
        self.problem(child(path, key), f"expected a whole number, got {show(value)}")
        return None

    def number(self, parent: JSONObject, key: str, path: str) -> int | float | None:
        """The finite number at ``parent[key]``, ``None`` when absent or ``null``."""
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return self._in_range(value, child(path, key))
        if isinstance(value, float) and math.isfinite(value):
            return value
        self.problem(child(path, key), f"expected a finite number, got {show(value)}")
        return None

    def _in_range(self, value: int, path: str) -> int | None:
        if _INT_MIN <= value <= _INT_MAX:
            return value
        self.problem(path, f"whole number {show(value)} does not fit in 64 bits")
        return None

    def objects(
        self, parent: JSONObject, key: str, path: str
    ) -> Iterator[tuple[str, JSONObject]]:
        """The objects of the list at ``parent[key]``, each with its path.

        An absent or ``null`` list is empty. Elements that are not objects are
        recorded as problems and skipped. Elements are yielded one by one, so
        that problems are recorded in document order.
        """
        value = parent.get(key)
        where = child(path, key)
        if value is None:
            return
        if not isinstance(value, list):
            self.problem(where, f"expected a list, got {show(value)}")
            return
        for index, element in enumerate(value):
            element_path = item(where, index)
            checked = self.as_object(element, element_path)
            if checked is not None:
                yield element_path, checked

    def name_of(
        self, parent: JSONObject, key: str, path: str, *names: str
    ) -> str | None:
        """The first of ``names`` that is a string in the object ``parent[key]``.

        Tools refer to users, services and teams by small objects
        (``{"id": ..., "summary": "Jane"}``); this reads the label of one.
        """
        reference = self.obj(parent, key, path)
        if reference is None:
            return None
        for name in names:
            label = self.text(reference, name, child(path, key))
            if label is not None:
                return label
        return None


def chronological(
    items: Sequence[T], times: Sequence[datetime], newest_first: bool = False
) -> list[T]:
    """``items`` in time order, whatever order the source listed them in.

    Tools list history newest first (Statuspage updates, PagerDuty log
    entries by default) or oldest first. A list whose first element is
    strictly earlier than its last is read as oldest first, one whose first
    is strictly later as newest first, and reversed. When the first and the
    last share one time, the times do not tell: ``newest_first`` says how
    the source lists (by default the list is kept as it is). A stable sort
    by time then orders it, so that elements with equal times keep the
    order in which they happened.

    Example:
        >>> from datetime import datetime, timezone
        >>> t = [datetime(2024, 1, day, tzinfo=timezone.utc) for day in (3, 1, 1)]
        >>> chronological(["c", "b", "a"], t)
        ['a', 'b', 'c']
        >>> same = t[1:]
        >>> chronological(["x", "y"], same), chronological(["y", "x"], same, True)
        (['x', 'y'], ['x', 'y'])
    """
    pairs = list(zip(items, times, strict=True))
    if pairs and pairs[0][1] != pairs[-1][1]:
        newest_first = pairs[0][1] > pairs[-1][1]
    if newest_first:
        pairs.reverse()
    pairs.sort(key=lambda pair: pair[1])
    return [element for element, _ in pairs]


#: The key of ``incident.extra`` that says which tool a record came from:
#: ``{"source": {"format": "pagerduty"}}``. Rules read it to skip what the
#: source format cannot record.
SOURCE_KEY: Final = "source"


def incident_extra(format: str, own: JSONObject) -> dict[str, object]:
    """An imported incident's ``extra``: its source format, and its own fields."""
    extra: dict[str, object] = {SOURCE_KEY: {"format": format}}
    if own:
        extra[format] = own
    return extra
