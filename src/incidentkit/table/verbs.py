"""Table verbs over NumPy columns: time bounds, sorting, masks, column selection.

The work behind :meth:`IncidentTable.between`, :meth:`~IncidentTable.sort`,
:meth:`~IncidentTable.head`, :meth:`~IncidentTable.tail`,
:meth:`~IncidentTable.select`, :meth:`~IncidentTable.where` and
:meth:`~IncidentTable.time`. Everything here works on arrays and gives row
indices or masks; the table turns those into a new table (this module does
not know the table class, so that the table can import it).

Moments given by a user (a bound, a comparison) are read by one rule,
:func:`moment`: an aware ``datetime``, a ``date`` (its midnight UTC), an ISO
8601 string of either, or a ``numpy.datetime64`` (UTC, as the columns are).
A naive ``datetime`` is refused: its time zone is a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from incidentkit._args import is_whole
from incidentkit.errors import ValidationError
from incidentkit.figures.columns import NAT, micros

__all__ = [
    "Columns",
    "TimeColumn",
    "moment",
    "row_count",
    "sort_order",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# Microseconds per unit of the datetime64 units finer than a microsecond.
_FINER: Final = {"ns": 1_000, "ps": 1_000_000, "fs": 1_000_000_000, "as": 10**12}


def moment(value: object, parameter: str) -> tuple[int, int]:
    """A moment as microseconds since 1970 UTC: ``(floor, ceiling)``.

    The two differ only for a ``datetime64`` finer than a microsecond (the
    columns' unit); comparisons pick the one that keeps them exact.

    Raises:
        ValidationError: For another type, a naive ``datetime``, an ISO
            string that is not a date or a time with an offset, NaT, or a
            ``datetime64`` out of the columns' range.

    Example:
        >>> from datetime import date
        >>> moment(date(1970, 1, 2), "start")
        (86400000000, 86400000000)
        >>> moment("1970-01-01T00:00:01+01:00", "start")
        (-3599000000, -3599000000)
    """
    if isinstance(value, np.datetime64):
        return _datetime64(value, parameter)
    if isinstance(value, str):
        value = _iso(value, parameter)
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValidationError(
                [
                    f"{parameter}: a datetime needs a UTC offset (the columns are "
                    f"UTC); pass an aware datetime or a date ({value!r})"
                ]
            )
        exact = micros(value)
        return exact, exact
    if isinstance(value, date):
        exact = micros(
            datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
        )
        return exact, exact
    raise ValidationError(
        [
            f"{parameter}: expected a datetime, a date, an ISO 8601 string or a "
            f"numpy.datetime64, got {type(value).__name__} ({value!r})"
        ]
    )


def _iso(text: str, parameter: str) -> date | datetime:
    # A bare date reads as that day (its midnight UTC), as a `date` does.
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        found = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            [
                f"{parameter}: not an ISO 8601 date or date and time "
                f"(e.g. '2024-07-01' or '2024-07-01T09:30:00Z') ({text!r})"
            ]
        ) from None
    if found.utcoffset() is None:
        raise ValidationError(
            [
                f"{parameter}: an ISO time needs a UTC offset such as 'Z' or "
                f"'+02:00' (the columns are UTC) ({text!r})"
            ]
        )
    return found


def _datetime64(value: np.datetime64, parameter: str) -> tuple[int, int]:
    if np.isnat(value):
        raise ValidationError([f"{parameter}: NaT is no moment ({value!r})"])
    unit, _ = np.datetime_data(value.dtype)
    if unit in _FINER:
        count = int(value.astype(np.int64))
        per = _FINER[unit]
        return count // per, -(-count // per)
    converted = value.astype("datetime64[us]")
    # A coarse unit (days, years) reaches moments a microsecond count cannot.
    if np.isnat(converted) or converted.astype(value.dtype) != value:
        raise ValidationError(
            [f"{parameter}: out of the range of microseconds since 1970 ({value!r})"]
        )
    exact = int(converted.astype(np.int64))
    return exact, exact


class TimeColumn:
    """A time column whose comparisons take moments as :func:`moment` reads them.

    ``table.time("declared_at") >= "2024-07-01"`` is a boolean mask, one
    value per row; unknown moments (NaT) compare false, except with ``!=``.
    Combine masks with ``&``, ``|`` and ``~`` and give them to
    :meth:`IncidentTable.where` or ``table[mask]``.

    Example:
        >>> import numpy as np
        >>> column = TimeColumn("t", np.array(["2024-01-01", "NaT"], "M8[us]"))
        >>> (column >= "2024-01-01").tolist(), (column < "2024-01-01").tolist()
        ([True, False], [False, False])
    """

    __slots__ = ("_known", "_name", "_values")

    def __init__(self, name: str, values: NDArray[Any]) -> None:
        self._name = name
        self._values: IntArray = values.view(np.int64)
        self._known: BoolArray = self._values != NAT

    @property
    def name(self) -> str:
        """The column's name."""
        return self._name

    def __repr__(self) -> str:
        return f"<TimeColumn {self._name!r}: {self._values.size} rows>"

    def _bound(self, other: object) -> tuple[int, int]:
        return moment(other, self._name)

    def __ge__(self, other: object) -> BoolArray:
        return self._known & (self._values >= self._bound(other)[1])

    def __gt__(self, other: object) -> BoolArray:
        return self._known & (self._values > self._bound(other)[0])

    def __le__(self, other: object) -> BoolArray:
        return self._known & (self._values <= self._bound(other)[0])

    def __lt__(self, other: object) -> BoolArray:
        return self._known & (self._values < self._bound(other)[1])

    def __eq__(self, other: object) -> BoolArray:  # type: ignore[override]
        low, high = self._bound(other)
        if low != high:  # between two microseconds: no column value is it
            return np.zeros(self._values.size, dtype=bool)
        equal: BoolArray = self._known & (self._values == low)
        return equal

    def __ne__(self, other: object) -> BoolArray:  # type: ignore[override]
        differ: BoolArray = ~(self == other)
        return differ

    __hash__ = None  # type: ignore[assignment]

    def between(self, start: object = None, end: object = None) -> BoolArray:
        """Rows with ``start <= moment < end`` (``None``: no bound on that side).

        Half-open, so that consecutive periods share no row.
        """
        mask: BoolArray = self._known.copy()
        if start is not None:
            mask &= self._values >= moment(start, "start")[1]
        if end is not None:
            mask &= self._values < moment(end, "end")[1]
        return mask


def row_count(value: object, parameter: str) -> int:
    """A whole number of rows, at least 0."""
    if not is_whole(value) and not isinstance(value, np.integer):
        raise ValidationError(
            [f"{parameter}: expected a whole number of rows, got {value!r}"]
        )
    count = int(value)
    if count < 0:
        raise ValidationError([f"{parameter}: must be 0 or more ({count})"])
    return count


def _ranks(array: NDArray[Any], missing: BoolArray) -> IntArray:
    """Dense ranks of the known values (their order), 0 where missing."""
    ranks = np.zeros(array.size, dtype=np.int64)
    known = ~missing
    if known.any():
        _, inverse = np.unique(array[known], return_inverse=True)
        ranks[known] = inverse.ravel()
    return ranks


def sort_order(
    keys: Sequence[tuple[NDArray[Any], BoolArray]],
    descending: Sequence[bool],
) -> IntArray:
    """The stable row order by several keys, missing values last either way.

    Args:
        keys: For each key, its values (any sortable dtype) and where they
            are missing.
        descending: For each key, whether larger values come first.
    """
    columns: list[IntArray] = []
    for (values, missing), down in zip(keys, descending, strict=True):
        ranks = _ranks(values, missing)
        columns.append(missing.astype(np.int64))
        columns.append(-ranks if down else ranks)
    # np.lexsort sorts by its last key first and is stable.
    order: IntArray = np.lexsort(columns[::-1])
    return order


def _missing_mask(values: NDArray[Any], missing_code: int | None) -> BoolArray:
    if missing_code is not None:
        coded: BoolArray = values == missing_code
        return coded
    if values.dtype.kind == "f":
        nan: BoolArray = np.isnan(values)
        return nan
    if values.dtype.kind == "M":
        nat: BoolArray = np.isnat(values)
        return nat
    if values.dtype.kind == "O":
        return np.array([value is None for value in values.tolist()], dtype=bool)
    return np.zeros(values.size, dtype=bool)


def sort_key(
    values: NDArray[Any], missing_code: int | None = None
) -> tuple[NDArray[Any], BoolArray]:
    """A column's values and where they are missing, for :func:`sort_order`."""
    missing = _missing_mask(values, missing_code)
    if values.dtype.kind == "O":
        # Text: missing entries out of the comparison (None is not orderable).
        values = np.where(missing, "", values)
    return values, missing


def descending_flags(descending: object, n_keys: int) -> tuple[bool, ...]:
    """``descending`` as one flag per key (one ``bool`` applies to all)."""
    if isinstance(descending, bool | np.bool_):
        return (bool(descending),) * n_keys
    if isinstance(descending, Sequence) and not isinstance(descending, str):
        flags = list(descending)
        if len(flags) == n_keys and all(
            isinstance(flag, bool | np.bool_) for flag in flags
        ):
            return tuple(bool(flag) for flag in flags)
    raise ValidationError(
        [
            f"descending: expected True, False or one of them per key "
            f"({n_keys} keys), got {descending!r}"
        ]
    )


def key_names(by: object, parameter: str = "by") -> tuple[str, ...]:
    """One column name or several, as a tuple (a lone string is one name)."""
    if isinstance(by, str):
        return (by,)
    if isinstance(by, Sequence) and by and all(isinstance(key, str) for key in by):
        return tuple(by)
    raise ValidationError(
        [f"{parameter}: expected a column name or a list of them, got {by!r}"]
    )


def mask_from(
    condition: object, n: int, table: object, parameter: str = "condition"
) -> BoolArray:
    """A boolean mask of ``n`` rows from a mask or a function of the table."""
    if callable(condition):
        condition = condition(table)
    array = np.asarray(condition)
    if array.dtype.kind != "b" or array.shape != (n,):
        raise ValidationError(
            [
                f"{parameter}: expected {n} true/false values (a mask such as "
                f"table['severity'] <= 1) or a function giving one, got "
                f"{array.dtype} of shape {array.shape}"
            ]
        )
    mask: BoolArray = array
    return mask


def equals_mask(
    name: str,
    wanted: object,
    codes: NDArray[Any],
    labels: NDArray[Any],
) -> BoolArray:
    """Rows whose key equals ``wanted``, or one of them when it is a list.

    ``codes`` index ``labels`` (−1: missing); a missing key matches ``None``.
    Looking the wanted values up among the labels, not each row among the
    wanted values, keeps it one pass over the codes.
    """
    many = isinstance(wanted, list | tuple | set | frozenset)
    values = list(wanted) if many else [wanted]  # type: ignore[call-overload]
    label_list = labels.tolist()
    position = {label: index for index, label in enumerate(label_list)}
    picked = np.zeros(len(label_list) + 1, dtype=bool)
    for value in values:
        if value is None:
            picked[-1] = True
            continue
        try:
            index = position.get(value)
        except TypeError:
            raise ValidationError(
                [f"{name}: cannot compare with {type(value).__name__} ({value!r})"]
            ) from None
        if index is not None:
            picked[index] = True
    selected: BoolArray = picked[codes.astype(np.int64)]
    return selected


class Columns(dict[str, NDArray[Any]]):
    """A table's columns after :meth:`IncidentTable.select`.

    Reading a column that was not selected says so, naming the column and
    the selection, instead of a bare ``KeyError`` from inside a statistic.
    """

    __slots__ = ()

    def __missing__(self, name: str) -> NDArray[Any]:
        raise ValidationError(
            [
                f"column: no column {name!r} in this table (it has "
                f"{', '.join(['id', *self])}); select() it to use it"
            ]
        )


def selected(
    names: Sequence[str],
    columns: Mapping[str, NDArray[Any]],
    labels: Mapping[str, NDArray[Any]],
) -> tuple[Columns, dict[str, NDArray[Any]]]:
    """The columns and labels kept by a selection, in the order asked."""
    known = ("id", *columns)
    seen: set[str] = set()
    for name in names:
        if name not in known:
            raise ValidationError(
                [f"columns: no column {name!r} (columns: {', '.join(known)})"]
            )
        if name in seen:
            raise ValidationError([f"columns: {name!r} appears twice"])
        seen.add(name)
    kept = Columns({name: columns[name] for name in names if name != "id"})
    return kept, {name: labels[name] for name in kept if name in labels}


Condition = NDArray[np.bool_] | Sequence[bool] | Callable[[Any], Any]
