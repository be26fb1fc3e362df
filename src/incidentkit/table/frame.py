"""Many incidents as NumPy columns: :class:`IncidentTable` and :func:`load_table`.

A table holds one row per incident and one NumPy array per column, built
from records (:meth:`IncidentTable.from_records`) or straight from JSON
bytes (:func:`load_table`, which never builds a record object per incident
on its fast path). Every per-incident figure in it is the one the
one-incident functions give (:func:`~incidentkit.figures.timeline.phase_durations`,
:func:`~incidentkit.figures.impact.impact_score`,
:func:`~incidentkit.figures.actions.action_item_coverage`), under the same policy
objects.

Columns
    ``id``
        The incident id (stored as UTF-8 bytes and offsets; ``table["id"]``
        gives ``str`` objects).
    ``severity``
        The numeric severity level (``int8``; lower is more severe), ``-1``
        when the label maps to no level.
    ``severity_label``, ``service``, ``status``
        Categorical: integer codes plus a sorted label array
        (:meth:`IncidentTable.codes`); ``table[name]`` gives the labels,
        ``None`` where missing.
    ``started_at`` … ``resolved_at``
        The seven milestones as ``datetime64[us]`` in UTC, NaT when unknown;
        under the default policy ``declared_at`` is ``incident.declared_at``.
    ``resolved``
        Whether the ``resolved`` milestone is known.
    ``time_to_detect`` … ``time_open`` and ``detection`` … ``monitoring``
        The seven figures and five phases of
        :func:`~incidentkit.figures.timeline.phase_durations`, in float64 seconds,
        NaN when a boundary is unknown, negative when the milestones are out
        of order.
    ``impact_score``, ``user_minutes``
        From :func:`~incidentkit.figures.impact.impact_score` (NaN when unknown).
    ``action_items`` and ``action_items_*``
        Counts of action items: all (``action_items``), per canonical type
        (``action_items_detection``... and one per type the policy requires
        that is not canonical), of other types (``action_items_other``),
        without a type (``action_items_untyped``), not done
        (``action_items_open``), and not done past their deadline
        (``action_items_overdue``, only when the table has an ``as_of``).
    ``check_errors``, ``check_warnings``
        Findings of :func:`incidentkit.check` per level, when the table is
        built with ``checks=``.

Counts are the narrowest signed integer type that holds them.
"""

from __future__ import annotations

import itertools
import math
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit import _display
from incidentkit._args import choice
from incidentkit.errors import ValidationError
from incidentkit.figures.columns import NAT as _NAT
from incidentkit.figures.columns import seconds as _seconds
from incidentkit.figures.policy import DEFAULT_POLICY, Policy
from incidentkit.records import io as _io
from incidentkit.records.schema import MAINTENANCE, IncidentRecord
from incidentkit.table import build as _build
from incidentkit.table import interchange as _interchange
from incidentkit.table import verbs as _verbs
from incidentkit.table._checks import _check_count
from incidentkit.table.build import (
    CATEGORICAL_COLUMNS,
    MILESTONE_COLUMNS,
    UNKNOWN_LEVEL,
    Parts,
    id_offsets,
)
from incidentkit.table.build import SPANS as _SPANS
from incidentkit.table.build import as_of_moment as _as_of_moment
from incidentkit.table.build import narrow as _narrow
from incidentkit.table.build import readonly as _readonly
from incidentkit.table.periods import PERIODS, period_keys, period_labels, zone
from incidentkit.table.results import (
    MAINTENANCE_CHOICES,
    RowsLeftOut,
    _ByGroup,
    _import_pandas,
    _python,
)
from incidentkit.table.stats import (
    STATS,
    BootstrapStats,
    Comparison,
    Grouping,
    GroupStats,
    IntervalStats,
    SurvivalStats,
    compare_samples,
    grouped_bootstrap,
    grouped_intervals,
    grouped_kaplan_meier,
    grouped_summary,
)

if TYPE_CHECKING:
    import pandas as pd

    from incidentkit.checks.engine import CheckPolicy

__all__ = [
    "CATEGORICAL_COLUMNS",
    "MILESTONE_COLUMNS",
    "UNKNOWN_LEVEL",
    "CoverageStats",
    "IncidentTable",
    "compare",
    "load_table",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: What ``by=`` takes: a key (a column name, a period such as ``"quarter"``
#: or ``"month:started_at"``, or an array of one value per row), a list of
#: keys, or ``None``.
By = str | NDArray[Any] | Sequence[Any] | None


# --- the table ---------------------------------------------------------------


class IncidentTable:
    """Many incidents as NumPy columns, one row per incident.

    Build one with :meth:`from_records` or :func:`load_table`; the columns
    are listed in :mod:`incidentkit.table`. A table is immutable: its arrays
    are read-only, and selecting rows (``table[mask]``) gives a new table.
    Groupings are computed once per key and reused.

    Example:
        >>> import incidentkit as ik
        >>> table = IncidentTable.from_records([ik.example()])
        >>> len(table), table["time_to_resolve"].tolist(), table["service"].tolist()
        (1, [9000.0], ['payment-gateway'])
        >>> table["severity"].tolist(), table.codes("service")[1].tolist()
        ([1], ['payment-gateway'])
    """

    __slots__ = (
        "_cache",
        "_columns",
        "_id_bytes",
        "_id_offsets",
        "_labels",
        "_settings",
        "errors",
    )

    _columns: dict[str, NDArray[Any]]
    _labels: dict[str, NDArray[Any]]
    _id_offsets: NDArray[Any]
    _id_bytes: NDArray[np.uint8]
    _settings: _build.Settings
    _cache: dict[object, Any]
    #: Documents that did not load, when :func:`load_table` collected errors.
    errors: tuple[ValidationError, ...]

    def __init__(self) -> None:
        raise TypeError(
            "build an IncidentTable with IncidentTable.from_records() or "
            "incidentkit.load_table()"
        )

    @classmethod
    def _create(cls, parts: Parts) -> IncidentTable:
        table = object.__new__(cls)
        table._columns = parts.columns
        table._labels = parts.labels
        table._id_offsets = parts.offsets
        table._id_bytes = parts.buffer
        table._settings = parts.settings
        table._cache = {}
        table.errors = tuple(parts.errors)
        return table

    # --- building ---------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: Iterable[IncidentRecord],
        *,
        as_of: date | datetime | None = None,
        policy: Policy = DEFAULT_POLICY,
        checks: bool | CheckPolicy = False,
    ) -> IncidentTable:
        """Build a table from records, one row each, in order.

        Args:
            records: The records.
            as_of: The moment the data describes (a ``date`` or an aware
                ``datetime``): overdue action items are counted against its
                UTC day, and :meth:`survival` ages open incidents to it.
                Without it there is no ``action_items_overdue`` column. The
                clock is never read.
            policy: The rules every column follows (milestones, severity
                labels, impact weights and scales, action items), as for
                the one-incident functions.
            checks: ``True`` or a :class:`~incidentkit.CheckPolicy` adds the
                ``check_errors`` and ``check_warnings`` columns (running
                :func:`incidentkit.check` on every record).

        Raises:
            ValidationError: When an item is not an ``IncidentRecord`` or a
                policy is not valid.
        """
        table_settings = _build.settings(as_of, policy, checks)
        return cls._create(_build.from_records(records, table_settings))

    @classmethod
    def concat(cls, tables: Iterable[IncidentTable]) -> IncidentTable:
        """One table with the rows of several, in order.

        The tables must have been built with the same ``as_of`` and policies
        (so that their columns mean the same); their labels are merged.

        Raises:
            ValidationError: When there is no table, or they differ.

        Example:
            >>> import incidentkit as ik
            >>> one = IncidentTable.from_records([ik.example()])
            >>> len(IncidentTable.concat([one, one, one]))
            3
        """
        parts = list(tables)
        for index, part in enumerate(parts):
            if not isinstance(part, IncidentTable):
                raise ValidationError(
                    [
                        f"tables[{index}]: expected an IncidentTable, got "
                        f"{type(part).__name__}"
                    ]
                )
        if not parts:
            raise ValidationError(["tables: nothing to concatenate (empty)"])
        first = parts[0]
        for index, part in enumerate(parts[1:], start=1):
            if not part._settings.same_as(first._settings):
                raise ValidationError(
                    [
                        f"tables[{index}]: built with another as_of or other "
                        "policies than tables[0]; their columns do not mean the same"
                    ]
                )
        columns: dict[str, NDArray[Any]] = {}
        labels: dict[str, NDArray[Any]] = {}
        for name in first._columns:
            if name in first._labels:
                merged = np.array(
                    sorted(
                        set().union(*(part._labels[name].tolist() for part in parts))
                    ),
                    dtype=object,
                )
                recoded = []
                for part in parts:
                    mapping = (
                        np.append(
                            np.searchsorted(merged, part._labels[name]).astype(
                                np.int64
                            ),
                            -1,
                        )
                        if merged.size
                        else np.array([-1], dtype=np.int64)
                    )
                    recoded.append(mapping[part._columns[name]])
                columns[name] = _readonly(_narrow(np.concatenate(recoded)))
                labels[name] = _readonly(merged)
            else:
                joined = np.concatenate([part._columns[name] for part in parts])
                if joined.dtype.kind == "i":
                    joined = _narrow(joined.astype(np.int64))
                columns[name] = _readonly(joined)
        lengths = np.concatenate(
            [np.diff(part._id_offsets).astype(np.int64) for part in parts]
        )
        buffer = np.concatenate([part._id_bytes for part in parts])
        return cls._create(
            Parts(
                columns, labels, id_offsets(lengths), _readonly(buffer), first._settings
            )
        )

    # --- reading ---------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._id_offsets.size - 1)

    def __repr__(self) -> str:
        return f"<IncidentTable: {len(self)} incidents, {len(self.columns)} columns>"

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("id", *self._columns)

    @property
    def as_of(self) -> date | datetime | None:
        """The moment the table's data describes, as given when it was built."""
        return self._settings.as_of

    @property
    def policy(self) -> Policy:
        """The policy every column follows."""
        return self._settings.policy

    @property
    def nbytes(self) -> int:
        """Bytes held by the table's arrays (label arrays: their strings too)."""
        total = self._id_offsets.nbytes + self._id_bytes.nbytes
        total += sum(array.nbytes for array in self._columns.values())
        for array in self._labels.values():
            total += array.nbytes + sum(len(label) + 49 for label in array.tolist())
        return int(total)

    def __contains__(self, name: object) -> bool:
        return name == "id" or name in self._columns

    @typing.overload
    def __getitem__(self, key: str) -> NDArray[Any]: ...

    @typing.overload
    def __getitem__(
        self, key: NDArray[Any] | Sequence[int] | Sequence[bool] | slice
    ) -> IncidentTable: ...

    def __getitem__(self, key: object) -> NDArray[Any] | IncidentTable:
        """A column by name, or the rows selected by a mask, indices or a slice.

        A categorical column gives its labels (``None`` where missing); the
        ``id`` column gives ``str`` objects; every other column is the
        table's own read-only array.
        """
        if isinstance(key, str):
            return self._column(key)
        return self.take(key)  # type: ignore[arg-type]

    def _column(self, name: str) -> NDArray[Any]:
        if name == "id":
            data = self._id_bytes.tobytes()
            bounds = self._id_offsets.tolist()
            out = np.empty(len(self), dtype=object)
            out[:] = [
                data[start:end].decode("utf-8", "surrogatepass")
                for start, end in itertools.pairwise(bounds)
            ]
            return out
        array = self._get(name)
        if name in self._labels:
            labels = np.empty(self._labels[name].size + 1, dtype=object)
            labels[:-1] = self._labels[name]
            shown: NDArray[Any] = labels[array]
            return shown
        return array

    def _get(self, name: str) -> NDArray[Any]:
        try:
            return self._columns[name]
        except (KeyError, TypeError):
            raise ValidationError(
                [f"column: no column {name!r} (columns: {', '.join(self.columns)})"]
            ) from None

    def codes(self, name: str) -> tuple[NDArray[Any], NDArray[Any]]:
        """The integer codes of a column and the labels they index.

        For a categorical column these are the stored codes (−1 where the
        value is missing) and its sorted label array. For ``severity``,
        ``month`` and other columns they are computed: codes into the sorted
        distinct values present.

        Example:
            >>> import incidentkit as ik
            >>> table = IncidentTable.from_records([ik.example()])
            >>> codes, labels = table.codes("status")
            >>> codes.tolist(), labels.tolist()
            ([0], ['resolved'])
        """
        return self._codes(name, "name")

    def _codes(self, name: str, parameter: str) -> tuple[NDArray[Any], NDArray[Any]]:
        """:meth:`codes`, with errors naming the argument ``name`` came from."""
        if name in self._labels:
            return self._columns[name], self._labels[name]
        return self._key(name, parameter=parameter)

    def take(
        self, rows: NDArray[Any] | Sequence[int] | Sequence[bool] | slice
    ) -> IncidentTable:
        """A new table with the rows selected by a boolean mask, indices or a slice.

        Example:
            >>> import incidentkit as ik
            >>> table = IncidentTable.from_records([ik.example()] * 3)
            >>> len(table[table["severity"] == 1]), len(table[[0, 0]]), len(table[1:])
            (3, 2, 2)
        """
        n = len(self)
        if isinstance(key := rows, slice):
            index = np.arange(n)[key]
        else:
            array = np.asarray(key)
            if array.dtype.kind == "b":
                if array.shape != (n,):
                    raise ValidationError(
                        [
                            f"mask: expected {n} true/false values, got shape "
                            f"{array.shape}"
                        ]
                    )
                index = np.flatnonzero(array)
            elif array.dtype.kind in "iu" or array.size == 0:
                index = array.astype(np.int64).ravel()
                if index.size and (index.max() >= n or index.min() < -n):
                    raise ValidationError(
                        [f"rows: index out of range for {n} rows ({int(index.max())})"]
                    )
                index = np.where(index < 0, index + n, index)
            else:
                raise ValidationError(
                    [
                        "rows: expected a column name, a boolean mask, row "
                        f"indices or a slice (got {array.dtype})"
                    ]
                )
        columns = {
            name: _readonly(array[index]) for name, array in self._columns.items()
        }
        labels = {}
        for name, known in self._labels.items():
            # Keep only the labels still used, so that a selection equals the
            # table built from the selected records.
            codes = columns[name].astype(np.int64)
            used = np.zeros(known.size + 1, dtype=bool)
            used[codes] = True
            used = used[:-1]
            remap = np.append(np.cumsum(used) - 1, -1)
            columns[name] = _readonly(_narrow(remap[codes]))
            labels[name] = _readonly(known[used])
        starts = self._id_offsets[:-1].astype(np.int64)[index]
        lengths = np.diff(self._id_offsets).astype(np.int64)[index]
        offsets = id_offsets(lengths)
        new_starts = offsets[:-1].astype(np.int64)
        gather = np.repeat(starts - new_starts, lengths) + np.arange(int(offsets[-1]))
        return IncidentTable._create(
            Parts(
                columns,
                labels,
                offsets,
                _readonly(self._id_bytes[gather]),
                self._settings,
            )
        )

    # --- exports ------------------------------------------------------------------

    def to_dict(self) -> dict[str, list[Any]]:
        """Column name → list of Python values (NaN and NaT become ``None``)."""
        return {name: [_python(value) for value in self[name]] for name in self.columns}

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per incident (NaN and NaT become ``None``)."""
        columns = self.to_dict()
        return [
            {name: values[row] for name, values in columns.items()}
            for row in range(len(self))
        ]

    def to_pandas(
        self, *, durations: Literal["seconds", "timedelta"] = "seconds"
    ) -> pd.DataFrame:
        """A pandas DataFrame: categoricals as ``Categorical``, times in UTC.

        Args:
            durations: ``"seconds"`` (float seconds, NaN when unknown) or
                ``"timedelta"`` (``timedelta64[us]``, NaT when unknown; exact,
                computed from the milestones).

        :meth:`from_frame` reads the frame back into an equal table.

        Raises:
            ImportError: When pandas (the ``pandas`` extra) is not installed.
        """
        frame: pd.DataFrame = _interchange.to_pandas(
            self["id"], self._columns, self._labels, durations
        )
        return frame

    # --- groups -----------------------------------------------------------------

    def _period(self, name: str, parameter: str = "by") -> tuple[str, str] | None:
        """``(period, time column)`` of a key such as ``"quarter:started_at"``."""
        period, _, column = name.partition(":")
        if period not in PERIODS:
            return None
        column = column or "declared_at"
        array = self._columns.get(column)
        if array is None or array.dtype.kind != "M":
            times = [
                key for key, value in self._columns.items() if value.dtype.kind == "M"
            ]
            problem = (
                f"no column {column!r} in this table"
                if array is None
                else f"{column!r} is not a time column"
            )
            raise ValidationError(
                [
                    f"{parameter}: {name!r} groups by a time column: {problem} "
                    f"(time columns: {', '.join(times) or 'none'})"
                ]
            )
        return period, column

    def _key(
        self, name: str, tz: tzinfo | None = None, parameter: str = "by"
    ) -> tuple[IntArray, NDArray[Any]]:
        """Codes (−1: no group) into the sorted labels present, for one key.

        ``parameter`` is the argument the key came from, which errors name.
        """
        period = self._period(name, parameter)
        # The zone matters to periods only; other keys share one cache entry.
        cache_key = ("key", name, tz if period else None)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        codes: IntArray
        labels: NDArray[Any]
        if period is not None:
            values, keep = period_keys(self._columns[period[1]], period[0], tz)
            codes, distinct = _compact(values, keep)
            labels = period_labels(distinct, period[0])
        elif name == "id":
            raise ValidationError(
                [f"{parameter}: cannot group by id (every row is its own group)"]
            )
        elif name in self._labels:
            stored = self._columns[name].astype(np.int64)
            counts = np.bincount(stored + 1, minlength=self._labels[name].size + 1)
            present = counts[1:] > 0
            if present.all():  # a table as built: every label is used
                codes, labels = stored, self._labels[name]
            else:
                remap = np.append(np.cumsum(present) - 1, -1)
                codes, labels = remap[stored], self._labels[name][present]
        else:
            if name not in self._columns:
                raise ValidationError(
                    [
                        f"{parameter}: no column or period {name!r} (periods: "
                        f"{', '.join(PERIODS)}; columns: {', '.join(self.columns)})"
                    ]
                )
            array = self._get(name)
            if array.dtype.kind in "iub":
                values = array.astype(np.int64)
                # A severity label no policy knows is a missing key.
                keep = (
                    values != UNKNOWN_LEVEL
                    if name == "severity"
                    else np.ones(values.size, dtype=bool)
                )
                codes, distinct = _compact(values, keep)
                labels = distinct.astype(array.dtype)
            elif array.dtype.kind == "M":
                values = array.view(np.int64)
                codes, distinct = _compact(values, values != _NAT)
                labels = distinct.view(array.dtype)
            else:
                known = ~np.isnan(array)
                labels, inverse = np.unique(array[known], return_inverse=True)
                codes = np.full(array.size, -1, dtype=np.int64)
                codes[known] = inverse
        result = (codes, labels)
        _readonly(result[0])
        self._cache[cache_key] = result
        return result

    def _array_key(self, given: object, position: int) -> tuple[IntArray, NDArray[Any]]:
        """Codes into the sorted distinct values of a caller's array key."""
        values = np.asarray(given)
        if values.ndim != 1 or values.size != len(self):
            raise ValidationError(
                [
                    f"by[{position}]: an array key needs one value per row "
                    f"({len(self)} rows), got shape {values.shape}"
                ]
            )
        if values.dtype.kind == "f":
            keep = ~np.isnan(values)
        elif values.dtype.kind in "mM":
            keep = ~np.isnat(values)
        elif values.dtype.kind == "O":
            # None and NaN (NaN != NaN) are missing, as pandas writes them.
            keep = np.not_equal(values, np.array(None)) & np.equal(values, values)
        else:
            keep = np.ones(values.size, dtype=bool)
        codes = np.full(values.size, -1, dtype=np.int64)
        try:
            labels, inverse = np.unique(values[keep], return_inverse=True)
        except TypeError:
            raise ValidationError(
                [
                    f"by[{position}]: the array key's values cannot be sorted "
                    "(mixed types?)"
                ]
            ) from None
        codes[keep] = inverse.reshape(-1)
        return codes, labels

    def _grouping(
        self, by: By, tz: object = None
    ) -> tuple[Grouping, NDArray[Any], tuple[str, ...]]:
        given = _by_keys(by)
        names = tuple(
            key if isinstance(key, str) else _array_name(key, index)
            for index, key in enumerate(given)
        )
        if len(set(names)) != len(names):
            raise ValidationError([f"by: a key appears twice ({list(names)})"])
        zone_ = zone(tz)
        if zone_ is not None and not any(
            isinstance(key, str) and self._period(key) for key in given
        ):
            raise ValidationError(
                [
                    "tz: applies to week, month, quarter or year keys; "
                    f"by has none ({tz!r})"
                ]
            )
        # A caller's array may change after the call: never cached.
        cacheable = all(isinstance(key, str) for key in given)
        keys = names
        cached = self._cache.get(("grouping", keys, zone_)) if cacheable else None
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        n = len(self)
        if not keys:
            result = (
                Grouping(np.zeros(n, dtype=np.int64), 1),
                np.array(["all"], dtype=object),
                keys,
            )
            self._cache[("grouping", keys, zone_)] = result
            return result
        if len(keys) == 1 and cacheable:
            small = self._small_key(keys[0])
            if small is not None:
                self._cache[("grouping", keys, zone_)] = small
                return small
        parts = [
            self._key(key, zone_)
            if isinstance(key, str)
            else self._array_key(key, index)
            for index, key in enumerate(given)
        ]
        sizes = [part[1].size for part in parts]
        if len(keys) == 1:
            # A key's codes already index the labels present, each used.
            codes, groups = parts[0][0], parts[0][1]
        else:
            if math.prod(sizes) >= 2**62:
                raise ValidationError([f"by: too many combinations of {list(keys)}"])
            combined = parts[0][0]
            for part_codes, labels in parts[1:]:
                missing = (combined < 0) | (part_codes < 0)
                combined = combined * labels.size + part_codes
                combined[missing] = -1
            codes, present = _compact(combined, combined >= 0)
            groups = np.empty(
                present.size,
                dtype=[
                    (key, part[1].dtype) for key, part in zip(keys, parts, strict=True)
                ],
            )
            rest = present.copy()
            for key, part, size in reversed(list(zip(keys, parts, sizes, strict=True))):
                groups[key] = part[1][rest % size]
                rest //= size
        n_groups = groups.size
        # Grouping's own form: rows in no group hold n_groups.
        codes = np.where(codes < 0, n_groups, codes)
        grouping = Grouping._trusted(
            codes, n_groups, np.bincount(codes, minlength=n_groups + 1)
        )
        result = (grouping, _readonly(groups), keys)
        if cacheable:
            self._cache[("grouping", keys, zone_)] = result
        return result

    def _small_key(
        self, name: str
    ) -> tuple[Grouping, NDArray[Any], tuple[str, ...]] | None:
        """The grouping by a one-byte column (codes, levels, flags), in 3 passes.

        Each byte value is counted once, and a 256-entry table maps every
        byte to its group: no sort, no temporary array of int64 codes.
        """
        array = self._columns.get(name)
        if array is None or array.dtype not in (np.int8, np.uint8, np.bool_):
            return None
        raw = array.view(np.uint8)
        counts = np.bincount(raw, minlength=256)
        values = np.arange(256, dtype=np.uint8)
        if array.dtype == np.int8:
            values = values.view(np.int8)
        present = counts > 0
        # Codes and severity levels use -1 for "no value": no group.
        if name in self._labels or name == "severity":
            present &= values.astype(np.int64) >= 0
        order = np.flatnonzero(present)
        order = order[np.argsort(values[order].astype(np.int64), kind="stable")]
        n_groups = order.size
        lookup = np.full(256, n_groups, dtype=np.int64)
        lookup[order] = np.arange(n_groups)
        codes = lookup[raw]
        sizes = np.append(counts[order], len(self) - int(counts[order].sum()))
        if name in self._labels:
            groups = self._labels[name][values[order].astype(np.int64)]
        else:
            groups = values[order].astype(array.dtype)
        grouping = Grouping._trusted(codes, n_groups, sizes.astype(np.int64))
        return grouping, _readonly(groups), (name,)

    def maintenance_rows(self) -> NDArray[np.bool_]:
        """A mask of the rows that are maintenances (``kind`` is ``"maintenance"``).

        Example:
            >>> import attrs
            >>> import incidentkit as ik
            >>> rec = ik.example()
            >>> planned = attrs.evolve(
            ...     rec, incident=attrs.evolve(rec.incident, kind="maintenance"))
            >>> IncidentTable.from_records([rec, planned]).maintenance_rows().tolist()
            [False, True]
        """
        cached = self._cache.get("maintenance_rows")
        if cached is None:
            # Every statistic asks; the table never changes, so once is enough.
            codes, labels = self.codes("kind")
            cached = _readonly(np.isin(codes, np.flatnonzero(labels == MAINTENANCE)))
            self._cache["maintenance_rows"] = cached
        return cached

    def _left_out_rows(self, maintenance: str) -> NDArray[np.bool_] | None:
        """The rows ``maintenance=`` leaves out of a statistic (``None``: none)."""
        choice(maintenance, MAINTENANCE_CHOICES, "maintenance")
        if maintenance == "include":
            return None
        if "kind" not in self:
            # A selection without the column cannot tell maintenances apart:
            # guessing "none" would fold them into the figures unseen.
            raise ValidationError(
                [
                    f"maintenance: {maintenance!r} needs the kind column, which "
                    "this table does not have; select() it, or pass "
                    "maintenance='include'"
                ]
            )
        rows = self.maintenance_rows()
        return rows if maintenance == "exclude" else ~rows

    def _statistics_grouping(
        self, by: By, tz: object, maintenance: str
    ) -> tuple[Grouping, NDArray[Any], tuple[str, ...], RowsLeftOut]:
        """The grouping of a statistic under ``maintenance=``, and the rows left out.

        Every statistic reads its rows through this one rule: rows left out
        belong to no group, a group that only they formed is dropped, and
        their number goes into the result (never left out silently), as does
        the number of rows without a key, which are in no group either.
        """
        choice(maintenance, MAINTENANCE_CHOICES, "maintenance")
        grouping, groups, keys = self._grouping(by, tz)
        out = self._left_out_rows(maintenance)
        left_out = 0 if out is None else int(np.count_nonzero(out))
        if not left_out:
            return (
                grouping,
                groups,
                keys,
                RowsLeftOut(maintenance, 0, grouping.unassigned),
            )
        assert out is not None
        n = grouping.n_groups
        codes = grouping.codes.copy()
        codes[out] = n
        # The whole table is one group even when empty, as without a kind.
        present = np.flatnonzero(
            np.bincount(codes, minlength=n + 1)[:n] > 0 if keys else np.ones(n, bool)
        )
        lookup = np.full(n + 1, present.size, dtype=np.int64)
        lookup[present] = np.arange(present.size)
        codes = lookup[codes]
        kept = Grouping._trusted(
            codes, present.size, np.bincount(codes, minlength=present.size + 1)
        )
        accounting = RowsLeftOut(maintenance, left_out, kept.unassigned - left_out)
        return kept, _readonly(groups[present]), keys, accounting

    def _kind(self, name: str) -> str:
        """What a column holds, as error messages name it."""
        if name == "id":
            return "text"
        if name in self._labels:
            return "labels"
        return str(self._columns[name].dtype)

    def _is_numeric(self, name: str) -> bool:
        return name not in self._labels and self._columns[name].dtype.kind in "fiub"

    def _numbers(self, column: str) -> FloatArray:
        # "id" is a column although it is not in _columns (its text is kept
        # as bytes): it must read "not numeric", never "no column".
        # Callers pass anything; a non-string (a list, say) is no column, which
        # _get says, and must not reach a dict lookup that it cannot hash.
        given: object = column
        known = isinstance(given, str) and given in self
        if known and (column == "id" or not self._is_numeric(column)):
            numeric = ", ".join(filter(self._is_numeric, self._columns))
            raise ValidationError(
                [
                    f"column: {column!r} is not a numeric column "
                    f"({self._kind(column)}); numeric columns: {numeric}"
                ]
            )
        array = self._get(column)
        if column == "severity":
            return np.where(array == UNKNOWN_LEVEL, np.nan, array.astype(np.float64))
        return array if array.dtype == np.float64 else array.astype(np.float64)

    def _aggregated(self, column: str, keep_negative: bool) -> FloatArray:
        """The column's values as aggregates see them: negative durations NaN.

        A negative duration or user-minutes (resolved before started) is a
        data error that ``check`` reports; folded into a mean or a median it
        moves them unseen, so aggregates leave it out unless asked to keep it.
        """
        values = self._numbers(column)
        if keep_negative or not _negative_is_invalid(column):
            return values
        return np.where(values < 0, np.nan, values)

    def group_stats(
        self,
        column: str,
        by: By = None,
        *,
        tz: str | tzinfo | None = None,
        method: Literal["auto", "sort", "select"] = "auto",
        keep_negative: bool = False,
        maintenance: Literal["exclude", "include", "only"] = "exclude",
    ) -> GroupStats:
        """Count, mean, median, p90, p95, min and max of a column by group.

        Args:
            column: A numeric column, e.g. ``"time_to_resolve"``.
            by: A key or a list of keys, or ``None`` for the whole table.
                A key is a column name (``"severity"``, ``"service"``,
                ``"status"``, any categorical, integer or time column), a
                calendar period of ``declared_at`` (``"week"``, ``"month"``,
                ``"quarter"``, ``"year"``) or of another time column
                (``"quarter:started_at"``), or an array of one value per
                row (named by its ``name`` if it has one, ``by[i]``
                otherwise). Rows whose key is missing (``None``, NaN, NaT)
                belong to no group. Weeks are ISO weeks (``"2024-W03"``),
                quarters read ``"2024Q3"``, months are ``datetime64[M]`` and
                years integers.
            tz: The time zone of the periods' calendar (an IANA name such as
                ``"Europe/Paris"`` or a ``tzinfo``); UTC by default.
            method: How order statistics are found (see
                :mod:`incidentkit.table.stats`); every method gives the same values.
            keep_negative: Use negative durations (and user-minutes) in the
                statistics. By default they are left out and counted as
                ``invalid``: they are data errors.
            maintenance: ``"exclude"`` (the default) leaves maintenances
                (rows whose ``kind`` is ``"maintenance"``) out: they are
                planned work, not incidents. ``"include"`` counts them with
                the incidents, ``"only"`` reads them alone. The result's
                ``left_out`` says how many rows were left out.

        Returns:
            One row per group present, groups sorted; ``count`` is the number
            of values used, ``missing`` the rows without one (open incidents
            for ``time_to_resolve``), ``invalid`` the values left out,
            ``zero`` and ``negative`` the values at and below zero.

        Example:
            >>> import incidentkit as ik
            >>> from incidentkit import synth
            >>> table = IncidentTable.from_records(synth.generate(300, seed=3))
            >>> stats = table.group_stats("time_to_resolve", by="severity")
            >>> stats.groups.tolist()
            [0, 1, 2, 3, 4]
            >>> int(stats.count.sum()), int(stats.missing.sum())  # open: missing
            (..., ...)
            >>> int(stats.count.sum() + stats.missing.sum())
            300
            >>> bool((stats.median <= stats.p90).all())
            True
        """
        values = self._numbers(column)
        grouping, groups, keys, accounting = self._statistics_grouping(
            by, tz, maintenance
        )
        summary = grouped_summary(
            values,
            grouping,
            method=method,
            drop_negative=not keep_negative and _negative_is_invalid(column),
        )
        return GroupStats(
            column=column,
            by=keys,
            groups=groups,
            count=summary.count,
            missing=summary.missing,
            zero=summary.zero,
            negative=summary.negative,
            invalid=summary.invalid,
            mean=summary.mean,
            median=summary.median,
            p90=summary.p90,
            p95=summary.p95,
            min=summary.min,
            max=summary.max,
            method=summary.method,
            **accounting.fields(),
        )

    def bootstrap(
        self,
        column: str,
        stat: str = "median",
        by: By = None,
        *,
        tz: str | tzinfo | None = None,
        n: int = 2000,
        seed: int | np.random.Generator | None = None,
        confidence: float = 0.95,
        min_count: int | None = None,
        keep_negative: bool = False,
        maintenance: Literal["exclude", "include", "only"] = "exclude",
    ) -> BootstrapStats:
        """A statistic by group with its bootstrap confidence interval.

        Each group is resampled on its own; the interval is the percentile
        interval of the resampled statistic. The same seed gives the same
        intervals. The percentile bootstrap covers less than it claims on
        small groups (a "95%" interval of a median covers about half the
        time with 2 incidents), so a group below
        :data:`~incidentkit.table.stats.BOOTSTRAP_MIN_COUNT` incidents (30
        for a median, 300 for a mean) gets no interval: NaN bounds and a
        ``reason`` that says "too few incidents". For quantiles prefer
        :meth:`intervals`, whose order-statistic intervals hold from 6
        incidents (a median).

        Args:
            column: A numeric column.
            stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
            by: As for :meth:`group_stats`.
            tz: As for :meth:`group_stats`.
            n: Resamples.
            seed: Seed for :func:`numpy.random.default_rng`.
            confidence: Coverage of the intervals.
            min_count: Smallest group given an interval;
                :data:`~incidentkit.table.stats.BOOTSTRAP_MIN_COUNT` of the
                statistic by default.
            keep_negative: As for :meth:`group_stats`.
            maintenance: As for :meth:`group_stats`.

        Example:
            >>> import incidentkit as ik
            >>> from incidentkit import synth
            >>> table = IncidentTable.from_records(synth.generate(300, seed=3))
            >>> ci = table.bootstrap("time_to_resolve", by="severity", seed=1)
            >>> shown = ~np.isnan(ci.low)
            >>> bool((ci.count[shown] >= 30).all()), bool((ci.count[~shown] < 30).all())
            (True, True)
            >>> inside = (ci.low <= ci.estimate) & (ci.estimate <= ci.high)
            >>> bool(inside[shown].all())
            True
        """
        # Checked here, before a list is hashed deep in the statistics.
        choice(stat, STATS, "stat")
        values = self._aggregated(column, keep_negative)
        grouping, groups, keys, accounting = self._statistics_grouping(
            by, tz, maintenance
        )
        found = grouped_bootstrap(
            values,
            grouping,
            stat=stat,
            n=n,
            seed=seed,
            confidence=confidence,
            min_count=min_count,
        )
        return BootstrapStats(
            column=column,
            stat=stat,
            by=keys,
            groups=groups,
            count=found.count,
            estimate=found.estimate,
            low=found.low,
            high=found.high,
            reason=found.reason,
            confidence=float(confidence),
            n=int(n),
            **accounting.fields(),
        )

    def intervals(
        self,
        column: str,
        stat: str = "median",
        by: By = None,
        *,
        tz: str | tzinfo | None = None,
        confidence: float = 0.95,
        method: str = "auto",
        n: int = 2000,
        seed: int | np.random.Generator | None = None,
        min_count: int | None = None,
        keep_negative: bool = False,
        maintenance: Literal["exclude", "include", "only"] = "exclude",
    ) -> IntervalStats:
        """A statistic by group with an interval that covers what it claims.

        Quantiles get distribution-free intervals between two of the
        group's own values (order statistics), with the exact confidence
        each reaches (``reached``, at least ``confidence``). A group too
        small for one (a 95% interval of a median needs 6 incidents, of a
        p90 29, of a p95 59) gets none: NaN bounds and a ``reason`` that
        says "too few incidents". The mean gets a bootstrap interval, only
        for groups of at least
        :data:`~incidentkit.table.stats.BOOTSTRAP_MIN_COUNT` incidents. See
        :func:`~incidentkit.table.stats.grouped_intervals`.

        Args:
            column: A numeric column.
            stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
            by: As for :meth:`group_stats`.
            tz: As for :meth:`group_stats`.
            confidence: The coverage asked for.
            method: ``"auto"``, ``"order"`` or ``"bootstrap"``.
            n: Bootstrap resamples (bootstrap only).
            seed: Seed of the bootstrap.
            min_count: Smallest group given a bootstrap interval.
            keep_negative: As for :meth:`group_stats`.
            maintenance: As for :meth:`group_stats`.

        Example:
            >>> import incidentkit as ik
            >>> from incidentkit import synth
            >>> table = IncidentTable.from_records(synth.generate(300, seed=3))
            >>> ci = table.intervals("time_to_resolve", by="severity")
            >>> bool((ci.reached[ci.available] >= 0.95).all())
            True
            >>> inside = (ci.low <= ci.estimate) & (ci.estimate <= ci.high)
            >>> bool(inside[ci.available].all())
            True
        """
        values = self._aggregated(column, keep_negative)
        grouping, groups, keys, accounting = self._statistics_grouping(
            by, tz, maintenance
        )
        found = grouped_intervals(
            values,
            grouping,
            stat=stat,
            confidence=confidence,
            method=method,
            n=n,
            seed=seed,
            min_count=min_count,
        )
        return IntervalStats(
            column=column,
            stat=stat,
            by=keys,
            groups=groups,
            count=found.count,
            estimate=found.estimate,
            low=found.low,
            high=found.high,
            reached=found.reached,
            reason=found.reason,
            confidence=float(confidence),
            method=found.method,
            **accounting.fields(),
        )

    def survival(
        self,
        column: str = "time_to_resolve",
        by: By = None,
        *,
        tz: str | tzinfo | None = None,
        as_of: date | datetime | None = None,
        keep_negative: bool = False,
        maintenance: Literal["exclude", "include", "only"] = "exclude",
    ) -> SurvivalStats:
        """Kaplan–Meier median and quantiles, counting open incidents as censored.

        An incident whose end milestone is unknown and that is not resolved
        is still running: it lasts *at least* its age at ``as_of`` (from its
        start milestone). The Kaplan–Meier estimate uses that, instead of
        dropping open incidents (which makes durations look shorter) or
        closing them at "now" silently. Incidents that ended count with
        their recorded duration. With no open incident the quantiles are the
        smallest durations that at least ``q`` of the incidents reach
        (``numpy.percentile(..., method="inverted_cdf")``).

        Args:
            column: A figure or phase, e.g. ``"time_to_resolve"``.
            by: As for :meth:`group_stats`.
            tz: As for :meth:`group_stats`.
            as_of: When the ages are taken (a ``date`` means its midnight
                UTC); the table's ``as_of`` by default. Needed only when
                some incident is open.
            keep_negative: Use negative durations (ended before they
                started) in the estimate. By default they are left out and
                counted as ``invalid``: they are data errors.
            maintenance: As for :meth:`group_stats`.

        Raises:
            ValidationError: When an incident is open and there is no
                ``as_of``, or the column is not a duration.

        Example:
            >>> import incidentkit as ik
            >>> from datetime import date
            >>> from incidentkit import synth
            >>> table = IncidentTable.from_records(synth.generate(300, seed=3))
            >>> km = table.survival(by="severity", as_of=date(2025, 2, 1))
            >>> stats = table.group_stats("time_to_resolve", by="severity")
            >>> km.ended.tolist() == stats.count.tolist()
            True
            >>> km.censored.tolist() == stats.missing.tolist()  # open incidents
            True
        """
        if column not in _SPANS:
            raise ValidationError(
                [
                    f"column: {column!r} is not a duration between milestones "
                    f"(one of {', '.join(_SPANS)})"
                ]
            )
        moment = self._settings.as_of if as_of is None else as_of
        start_name, end_name = _SPANS[column]
        start = self._columns[MILESTONE_COLUMNS[start_name]].view(np.int64)
        end = self._columns[MILESTONE_COLUMNS[end_name]].view(np.int64)
        observed = (start != _NAT) & (end != _NAT)
        open_rows = (start != _NAT) & (end == _NAT) & ~self._columns["resolved"]
        out = self._left_out_rows(maintenance)
        if out is not None:
            # A row left out needs no age: an open maintenance asks no as_of.
            open_rows &= ~out
        durations = np.where(observed, self._columns[column], np.nan)
        # An end before the start is a data error: left out unless kept,
        # as in every other summary (see _aggregated).
        negative = observed & (durations < 0)
        if not keep_negative:
            durations[negative] = np.nan
        if open_rows.any():
            as_of_us = _as_of_moment(moment)
            if as_of_us is None:
                raise ValidationError(
                    [
                        f"as_of: {int(open_rows.sum())} incidents are still open; "
                        "give as_of (when the data was taken) to age them"
                    ]
                )
            ages = _seconds(start[open_rows], np.full(int(open_rows.sum()), as_of_us))
            # An incident that starts after as_of did not exist yet.
            ages[ages < 0] = np.nan
            durations[open_rows] = ages
        grouping, groups, keys, accounting = self._statistics_grouping(
            by, tz, maintenance
        )
        km = grouped_kaplan_meier(durations, observed, grouping)
        n_groups = grouping.n_groups
        sizes = grouping.sizes[:n_groups]
        invalid = np.zeros(n_groups, dtype=np.int64)
        if not keep_negative:
            negative_codes = grouping.codes[negative]
            negative_codes = negative_codes[negative_codes < n_groups]
            invalid = np.bincount(negative_codes, minlength=n_groups).astype(np.int64)
        shown = None
        if moment is not None:
            shown = moment.isoformat()
        return SurvivalStats(
            column=column,
            by=keys,
            groups=groups,
            count=km.count,
            ended=km.events,
            censored=km.censored,
            missing=(sizes - km.count - invalid).astype(np.int64),
            invalid=invalid,
            median=km.quantiles[0],
            p90=km.quantiles[1],
            p95=km.quantiles[2],
            as_of=shown,
            **accounting.fields(),
        )

    def action_item_coverage(
        self,
        by: By = None,
        *,
        tz: str | tzinfo | None = None,
        maintenance: Literal["exclude", "include", "only"] = "exclude",
    ) -> CoverageStats:
        """Action-item coverage by group: who has every required type.

        The required types of each incident come from the table's
        :attr:`policy` (its ``actions``) and its ``severity`` level, read
        with the same policy's labels, as in
        :func:`incidentkit.action_item_coverage`.

        Args:
            by: As for :meth:`group_stats`.
            tz: As for :meth:`group_stats`.
            maintenance: As for :meth:`group_stats`.

        Example:
            >>> import incidentkit as ik
            >>> from incidentkit import synth
            >>> from datetime import date
            >>> table = IncidentTable.from_records(
            ...     synth.generate(300, seed=3), as_of=date(2025, 2, 1))
            >>> cov = table.action_item_coverage(by="severity")
            >>> int(cov.incidents.sum()), int(cov.requiring[-1])  # SEV4: none
            (300, 0)
            >>> print(cov.share.round(2))
            [... nan]
        """
        grouping, groups, keys, accounting = self._statistics_grouping(
            by, tz, maintenance
        )
        policy = self._settings.policy.actions
        levels = self._columns["severity"].astype(np.int64)
        distinct = np.unique(levels)
        required_types = sorted(set().union(*policy.required_types_by_level.values()))
        required = {kind: np.zeros(len(self), dtype=bool) for kind in required_types}
        for level in distinct.tolist():
            kinds = policy.required_types(None if level == UNKNOWN_LEVEL else level)
            rows = levels == level
            for kind in kinds:
                required[kind] |= rows
        missing = {
            kind: rows & (self._columns[f"action_items_{kind}"] == 0)
            for kind, rows in required.items()
        }
        requiring = np.zeros(len(self), dtype=bool)
        lacking = np.zeros(len(self), dtype=bool)
        for kind in required_types:
            requiring |= required[kind]
            lacking |= missing[kind]
        n_groups = grouping.n_groups

        def total(values: NDArray[Any]) -> IntArray:
            return np.bincount(
                grouping.codes,
                weights=values.astype(np.float64),
                minlength=n_groups + 1,
            )[:n_groups].astype(np.int64)

        incidents = grouping.sizes[:n_groups].astype(np.int64)
        requiring_count = total(requiring)
        covered = total(requiring & ~lacking)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(requiring_count > 0, covered / requiring_count, np.nan)
        overdue = (
            total(self._columns["action_items_overdue"])
            if "action_items_overdue" in self._columns
            else None
        )
        with_overdue = (
            total(self._columns["action_items_overdue"] > 0)
            if "action_items_overdue" in self._columns
            else None
        )
        return CoverageStats(
            by=keys,
            groups=groups,
            incidents=incidents,
            requiring=requiring_count,
            covered=covered,
            share=share,
            missing={kind: total(missing[kind]) for kind in required_types},
            items=total(self._columns["action_items"]),
            open_items=total(self._columns["action_items_open"]),
            overdue_items=overdue,
            with_overdue=with_overdue,
            **accounting.fields(),
        )

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)

    # --- verbs (implemented in incidentkit.table.verbs) --------------------------

    def time(self, name: str = "declared_at") -> _verbs.TimeColumn:
        """A time column whose comparisons take dates, datetimes and ISO strings.

        ``table.time("declared_at") >= "2024-07-01"`` gives a mask; a
        ``date`` or a bare ISO date means its midnight UTC, a ``datetime``
        or an ISO time needs a UTC offset, a ``datetime64`` is read as UTC.
        Unknown moments compare false.

        Example:
            >>> import incidentkit as ik
            >>> from datetime import date
            >>> table = IncidentTable.from_records([ik.example()])
            >>> (table.time("declared_at") < date(2024, 3, 1)).tolist()
            [True]
        """
        array = self._get(name) if name != "id" else None
        if array is None or array.dtype.kind != "M":
            times = ", ".join(
                key for key, column in self._columns.items() if column.dtype.kind == "M"
            )
            raise ValidationError(
                [f"on: {name!r} is not a time column (time columns: {times})"]
            )
        return _verbs.TimeColumn(name, array)

    def between(
        self, start: object = None, end: object = None, *, on: str = "declared_at"
    ) -> IncidentTable:
        """The rows whose ``on`` moment is in ``[start, end)``, as a new table.

        The interval is half-open, so that consecutive periods (months,
        quarters) share no incident; ``None`` leaves a side open. Rows
        whose moment is unknown are left out. Bounds are read as
        :meth:`time` reads them.

        Example:
            >>> import incidentkit as ik
            >>> from datetime import datetime, timezone
            >>> table = IncidentTable.from_records([ik.example()])
            >>> len(table.between("2024-01-01", "2025-01-01"))
            1
            >>> len(table.between(end=datetime(2024, 1, 1, tzinfo=timezone.utc)))
            0
        """
        return self.take(self.time(on).between(start, end))

    def where(
        self, condition: _verbs.Condition | None = None, /, **equals: object
    ) -> IncidentTable:
        """The rows meeting a condition, as a new table.

        Args:
            condition: A boolean mask (``table["severity"] <= 1``,
                ``table.time("declared_at") >= "2024-07-01"``), or a function
                of the table giving one (handy in a chain).
            **equals: Column = value (or a list of values): rows whose
                value is one of them. Categorical columns compare their
                labels; ``None`` matches a missing value.

        Example:
            >>> import incidentkit as ik
            >>> table = IncidentTable.from_records([ik.example()] * 2)
            >>> len(table.where(service="payment-gateway"))
            2
            >>> len(table.where(severity=[0, 2], status="resolved"))
            0
            >>> len(table.where(lambda t: t["time_to_resolve"] > 3600))
            2
        """
        mask = np.ones(len(self), dtype=bool)
        if condition is not None:
            mask &= _verbs.mask_from(condition, len(self), self)
        for name, wanted in equals.items():
            if name == "id":
                labels, codes = np.unique(self["id"].astype(str), return_inverse=True)
                labels = labels.astype(object)
            else:
                codes, labels = self._codes(name, name)
            mask &= _verbs.equals_mask(name, wanted, codes, labels)
        return self.take(mask)

    def sort(
        self, by: str | Sequence[str], *, descending: bool | Sequence[bool] = False
    ) -> IncidentTable:
        """The rows ordered by one column or several, as a new table.

        The sort is stable; missing values (NaN, NaT, no label, an unknown
        severity) come last whichever the direction. Categorical columns
        sort by label.

        Example:
            >>> from incidentkit import synth
            >>> table = IncidentTable.from_records(synth.generate(50, seed=1))
            >>> worst = table.sort("impact_score", descending=True).head(3)
            >>> bool((worst["impact_score"][:-1] >= worst["impact_score"][1:]).all())
            True
        """
        names = _verbs.key_names(by)
        flags = _verbs.descending_flags(descending, len(names))
        keys = []
        for name in names:
            values = self._column(name) if name == "id" else self._get(name)
            if name in self._labels:
                keys.append(_verbs.sort_key(values, missing_code=-1))
            elif name == "severity":
                keys.append(_verbs.sort_key(values, missing_code=UNKNOWN_LEVEL))
            else:
                keys.append(_verbs.sort_key(values))
        return self.take(_verbs.sort_order(keys, flags))

    def head(self, n: int = 5) -> IncidentTable:
        """The first ``n`` rows (all of them when there are fewer), as a new table."""
        return self.take(slice(0, _verbs.row_count(n, "n")))

    def tail(self, n: int = 5) -> IncidentTable:
        """The last ``n`` rows (all of them when there are fewer), as a new table."""
        count = _verbs.row_count(n, "n")
        return self.take(slice(max(len(self) - count, 0), len(self)))

    def select(self, columns: str | Sequence[str]) -> IncidentTable:
        """A new table with only these columns, in this order (``id`` always).

        For exports (:meth:`to_pandas`, :meth:`to_dict`...) of the columns
        that matter; a statistic that needs a column left out raises a
        ``ValidationError`` naming it.

        Example:
            >>> import incidentkit as ik
            >>> table = IncidentTable.from_records([ik.example()])
            >>> table.select(["service", "time_to_resolve"]).columns
            ('id', 'service', 'time_to_resolve')
        """
        names = _verbs.key_names(columns, "columns")
        kept, labels = _verbs.selected(names, self._columns, self._labels)
        return IncidentTable._create(
            Parts(kept, labels, self._id_offsets, self._id_bytes, self._settings)
        )

    # --- interchange (implemented in incidentkit.table.interchange) ------------

    def to_polars(
        self, *, durations: Literal["seconds", "timedelta"] = "seconds"
    ) -> Any:
        """A polars DataFrame: categoricals as ``Enum``, times in UTC.

        Args:
            durations: As for :meth:`to_pandas` (``Duration("us")`` for
                ``"timedelta"``).

        Raises:
            ImportError: When polars is not installed.

        Example:
            >>> import incidentkit as ik
            >>> frame = IncidentTable.from_records([ik.example()]).to_polars()
            >>> frame["declared_at"].dtype, frame["time_to_resolve"][0]
            (Datetime(time_unit='us', time_zone='UTC'), 9000.0)
        """
        return _interchange.to_polars(
            self["id"], self._columns, self._labels, durations
        )

    def to_arrow(
        self, *, durations: Literal["seconds", "timedelta"] = "seconds"
    ) -> Any:
        """A pyarrow Table: categoricals as dictionaries, UTC timestamps.

        Args:
            durations: As for :meth:`to_pandas` (``duration("us")`` for
                ``"timedelta"``).

        Raises:
            ImportError: When pyarrow (the ``arrow`` extra) is not installed.
        """
        return _interchange.to_arrow(self["id"], self._columns, self._labels, durations)

    @classmethod
    def from_frame(
        cls,
        frame: object,
        *,
        as_of: date | datetime | None = None,
        policy: Policy = DEFAULT_POLICY,
    ) -> IncidentTable:
        """A table from a pandas or polars DataFrame or a pyarrow Table.

        The frame has an ``id`` column and any of a table's columns, in the
        forms :meth:`to_pandas`, :meth:`to_polars` and :meth:`to_arrow` give
        (durations in float seconds or as timedeltas; times with a time
        zone, converted to UTC). ``IncidentTable.from_frame(table.to_pandas(),
        as_of=table.as_of, policy=table.policy)`` equals ``table``. Columns
        are taken as they are: nothing is recomputed from the milestones.

        Args:
            frame: The frame.
            as_of: The ``as_of`` the frame's columns were computed with.
            policy: The policy they were computed with.

        Raises:
            ValidationError: For a column no table has, a column of the
                wrong type, naive times, or a missing ``id``.

        Example:
            >>> import incidentkit as ik
            >>> table = IncidentTable.from_records([ik.example()])
            >>> back = IncidentTable.from_frame(table.to_pandas(durations="timedelta"))
            >>> back["time_to_resolve"].tolist(), back["service"].tolist()
            ([9000.0], ['payment-gateway'])
        """
        table_settings = _build.settings(as_of, policy, False)
        return cls._create(_interchange.columns_from_frame(frame, table_settings))


def _is_array_key(value: object) -> bool:
    return isinstance(value, (np.ndarray, list, tuple)) or (
        not isinstance(value, (str, bytes, Mapping)) and hasattr(value, "__array__")
    )


def _by_keys(by: object) -> tuple[Any, ...]:
    """``by=`` as a tuple of keys: names and arrays.

    A list is a list of keys (``["severity", "quarter"]``); an array of one
    value per row is one key, and goes in a list to combine with others.
    """
    if by is None:
        return ()
    if isinstance(by, str) or (_is_array_key(by) and not isinstance(by, (list, tuple))):
        return (by,)
    if not isinstance(by, Iterable) or isinstance(by, (bytes, Mapping)):
        raise ValidationError(
            [
                "by: expected a column name, a period, an array of one value "
                f"per row, or a list of them ({by!r})"
            ]
        )
    keys = tuple(by)
    for index, key in enumerate(keys):
        if not isinstance(key, str) and not _is_array_key(key):
            raise ValidationError(
                [
                    f"by[{index}]: expected a column name, a period or an array "
                    f"of one value per row ({key!r})"
                ]
            )
    return keys


def _array_name(key: object, index: int) -> str:
    # A pandas or polars Series brings its name; a bare array is by[i].
    name = getattr(key, "name", None)
    return name if isinstance(name, str) and name else f"by[{index}]"


def _compact(values: IntArray, keep: NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """Codes into the sorted distinct kept values (−1 elsewhere), and those values."""
    if not keep.any():
        return np.full(values.size, -1, dtype=np.int64), np.empty(0, dtype=np.int64)
    every = bool(keep.all())
    if every:
        low, high = int(values.min()), int(values.max())
    else:
        low = int(values.min(where=keep, initial=np.iinfo(np.int64).max))
        high = int(values.max(where=keep, initial=np.iinfo(np.int64).min))
    span = high - low + 1
    if span <= max(4 * values.size, 1 << 20):
        # Small range: count each value in place of a sort.
        index = values - low
        if not every:
            np.putmask(index, ~keep, span)  # a slot for the rows left out
        present = np.bincount(index, minlength=span + 1)[:span] > 0
        lookup = np.full(span + 1, -1, dtype=np.int64)
        lookup[:span][present] = np.arange(int(present.sum()))
        return lookup[index], np.flatnonzero(present) + low
    codes = np.full(values.size, -1, dtype=np.int64)
    found, inverse = np.unique(values[keep], return_inverse=True)
    codes[keep] = inverse
    return codes, found


@attrs.frozen(eq=False, repr=False)
class CoverageStats(_ByGroup):
    """Action-item coverage, group by group.

    Attributes:
        by: The keys.
        groups: The group labels, sorted.
        incidents: Incidents in the group.
        requiring: Incidents whose severity requires at least one type.
        covered: Of those, incidents with every required type.
        share: ``covered / requiring`` (NaN when nothing is required).
        missing: For each type required somewhere, the incidents that
            require it and have no item of it.
        items: Action items in the group.
        open_items: Items not done.
        overdue_items: Items not done past their deadline; ``None`` when the
            table has no ``as_of``.
        with_overdue: Incidents with at least one overdue item; ``None``
            without ``as_of``.
        maintenance: What ``maintenance=`` was.
        left_out: Rows that ``maintenance=`` left out of every group.
        ungrouped: Rows without a key value, in no group.
    """

    by: tuple[str, ...]
    groups: NDArray[Any]
    incidents: IntArray
    requiring: IntArray
    covered: IntArray
    share: FloatArray
    missing: Mapping[str, IntArray]
    items: IntArray
    open_items: IntArray
    overdue_items: IntArray | None
    with_overdue: IntArray | None
    maintenance: str = "include"
    left_out: int = 0
    ungrouped: int = 0

    def _columns(self) -> dict[str, NDArray[Any]]:
        columns = self._key_columns()
        columns.update(
            incidents=self.incidents,
            requiring=self.requiring,
            covered=self.covered,
            share=self.share,
        )
        columns.update(
            {f"missing_{kind}": counts for kind, counts in self.missing.items()}
        )
        columns.update(items=self.items, open_items=self.open_items)
        if self.overdue_items is not None and self.with_overdue is not None:
            columns.update(
                overdue_items=self.overdue_items, with_overdue=self.with_overdue
            )
        return columns

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame with one row per group, indexed by the group labels."""
        pandas = _import_pandas()
        keys = self._key_columns()
        frame: pd.DataFrame = pandas.DataFrame(
            {name: array for name, array in self._columns().items() if name not in keys}
        )
        if len(keys) == 1:
            ((name, labels),) = keys.items()
            frame.index = pandas.Index(labels, name=name)
        else:
            frame.index = pandas.MultiIndex.from_arrays(
                list(keys.values()), names=list(keys)
            )
        return frame

    def __repr__(self) -> str:
        return f"CoverageStats(by {list(self.by)}, {len(self)} groups)"


# --- compare -----------------------------------------------------------------


def compare(
    a: IncidentTable,
    b: IncidentTable,
    column: str = "time_to_resolve",
    stat: str = "median",
    *,
    n: int = 2000,
    permutations: int = 2000,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
    detectable: bool = True,
    maintenance: Literal["exclude", "include", "only"] = "exclude",
) -> Comparison:
    """Whether a statistic of a column differs between two tables, and by how much.

    ``a`` is the table of interest (say, this quarter), ``b`` the reference
    (last quarter). The result gives both estimates with their sample
    sizes, the difference ``a - b`` and the ratio ``a / b`` with bootstrap
    intervals, and a permutation p-value; :meth:`Comparison.summary` says
    in words whether the change is detectable. Incident durations are
    heavy-tailed, so a change of 10% in a median usually is not, with the
    sample sizes of a quarter.

    Args:
        a: The table of interest.
        b: The reference table.
        column: A numeric column.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        n: Bootstrap resamples.
        permutations: Shuffles for the p-value.
        seed: Seed for :func:`numpy.random.default_rng`.
        confidence: Coverage of the intervals.
        detectable: Also say the smallest relative change the two tables'
            sizes could detect with 80% power, simulated on their own values
            (:func:`~incidentkit.table.stats.detectable_change`; a few
            seconds on thousands of incidents).
        maintenance: As for :meth:`IncidentTable.group_stats`, in each
            table; the result's ``left_out_a`` and ``left_out_b`` say how
            many rows were left out.

    Raises:
        ValidationError: When either table has no value in the column.
    """
    for name, table in (("a", a), ("b", b)):
        if not isinstance(table, IncidentTable):
            raise ValidationError(
                [f"{name}: expected an IncidentTable, got {type(table).__name__}"]
            )
    choice(stat, STATS, "stat")
    samples = []
    left_out = []
    for table in (a, b):
        values = table._aggregated(column, keep_negative=False)
        out = table._left_out_rows(maintenance)
        samples.append(values if out is None else values[~out])
        left_out.append(0 if out is None else int(np.count_nonzero(out)))
    found = compare_samples(
        samples[0],
        samples[1],
        stat=stat,
        n=n,
        permutations=permutations,
        seed=seed,
        confidence=confidence,
        column=column,
        unit="s" if column in _SPANS else None,
        detectable=detectable,
    )
    return attrs.evolve(
        found, maintenance=maintenance, left_out_a=left_out[0], left_out_b=left_out[1]
    )


def _negative_is_invalid(column: str) -> bool:
    """Whether a negative value of ``column`` is a data error."""
    return column in _SPANS or column == "user_minutes"


def load_table(
    source: _io.Source,
    *,
    as_of: date | datetime | None = None,
    format: str = "incidentkit",
    errors: Literal["raise", "collect"] = "raise",
    assume_utc: bool = False,
    strict: bool = False,
    policy: Policy = DEFAULT_POLICY,
    checks: bool | CheckPolicy = False,
    batch_size: int = 4096,
) -> IncidentTable:
    """Read a folder, a JSONL file or a list of paths straight into a table.

    The sources are those of :func:`incidentkit.load_many`, and so are the
    errors: with ``errors="raise"`` the first invalid document (in source
    order) raises a ``ValidationError`` naming its file and line; with
    ``"collect"`` every valid document becomes a row and the table's
    :attr:`~IncidentTable.errors` keeps one error per invalid one.

    It gives the same columns as
    ``IncidentTable.from_records(load_many(source).records)``, computed by
    the same rules over arrays. With the ``fast`` extra, documents are
    decoded by msgspec into twins of the record classes (derived from the
    schema) without building a record per incident; a document they do not
    take goes through the converter, one by one, exactly as ``load_many``
    reads it. Records are built for every document when ``checks`` are
    asked for, for another ``format``, or when the policy has a milestone
    selector without ``select_columns``.

    Args:
        source: A folder, a ``.jsonl`` file, a ``.json`` file, or an
            iterable of those.
        as_of: See :meth:`IncidentTable.from_records`.
        format: The format of every document (see :func:`incidentkit.load`).
        errors: ``"raise"`` or ``"collect"``.
        assume_utc: Read timestamps without an offset as UTC.
        strict: Reject keys the schema does not know.
        policy: See :meth:`IncidentTable.from_records`.
        checks: ``True`` or a :class:`~incidentkit.CheckPolicy` adds the
            ``check_errors`` and ``check_warnings`` columns.
        batch_size: Documents read between two conversions to columns
            (bounds the memory held by parsed documents).

    Raises:
        ValidationError: For the first invalid document (``errors="raise"``)
            or a bad argument.

    Example:
        >>> import incidentkit as ik
        >>> table = load_table([ik.example_path()])
        >>> len(table), table["id"].tolist(), table["time_open"].tolist()
        (1, ['INC-2024-0142'], [8520.0])
    """
    _io.check_many_options(errors, format)
    _io.check_flags(assume_utc=assume_utc, strict=strict)
    _check_count(batch_size, "batch_size")
    table_settings = _build.settings(as_of, policy, checks)
    return IncidentTable._create(
        _build.read(
            source,
            table_settings,
            errors=errors,
            assume_utc=assume_utc,
            strict=strict,
            format=format,
            batch_size=batch_size,
        )
    )
