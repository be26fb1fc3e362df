"""Results by group: the objects the grouped statistics of a table return."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit import _display
from incidentkit.table.grouping import FloatArray, IntArray

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAINTENANCE_CHOICES",
    "BootstrapStats",
    "GroupStats",
    "IntervalStats",
    "RowsLeftOut",
    "SurvivalStats",
    "kind_note",
]

#: What ``maintenance=`` of a table's statistics takes: leave maintenances
#: out (the default: they are planned work, not incidents), count them with
#: the incidents, or read them alone.
MAINTENANCE_CHOICES: Final = ("exclude", "include", "only")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@attrs.frozen
class RowsLeftOut:
    """The rows of a table a grouped statistic did not count, and why.

    Attributes:
        maintenance: What ``maintenance=`` was.
        left_out: Rows that ``maintenance=`` left out.
        ungrouped: Rows without a value for a key (no service, an unknown
            severity...), which belong to no group.
    """

    maintenance: str
    left_out: int
    ungrouped: int

    def fields(self) -> dict[str, Any]:
        """The result fields of the same names."""
        return attrs.asdict(self)


def kind_note(maintenance: str, left_out: int) -> str | None:
    """What a result says about the rows ``maintenance=`` left out; ``None``: none.

    Example:
        >>> kind_note("exclude", 2)
        "2 maintenances left out (maintenance='include' counts them)"
        >>> kind_note("only", 1)
        'maintenances only: 1 incident left out'
        >>> kind_note("exclude", 0) is None
        True
    """
    if maintenance == "only":
        return f"maintenances only: {_plural(left_out, 'incident')} left out"
    if not left_out:
        return None
    return (
        f"{_plural(left_out, 'maintenance')} left out "
        "(maintenance='include' counts them)"
    )


# --- results by group --------------------------------------------------------


def _python(value: object) -> object:
    """A JSON-ready Python value: NaN/NaT become None, numpy scalars plain."""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        unit = np.datetime_data(value.dtype)[0]
        return str(value) if unit in ("Y", "M", "D") else str(value) + "Z"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class _ByGroup:
    """What every result by group shares: labels and exports."""

    by: tuple[str, ...]
    groups: NDArray[Any]
    _FIELDS: tuple[str, ...] = ()

    def _key_columns(self) -> dict[str, NDArray[Any]]:
        if not self.by:
            return {"group": self.groups}
        if len(self.by) == 1:
            return {self.by[0]: self.groups}
        return {name: self.groups[name] for name in self.by}

    def _columns(self) -> dict[str, NDArray[Any]]:
        columns = self._key_columns()
        columns.update({name: getattr(self, name) for name in self._FIELDS})
        return columns

    def __len__(self) -> int:
        return int(self.groups.size)

    def to_dict(self) -> dict[str, list[Any]]:
        """Column name → list of values, one per group (NaN becomes None)."""
        return {
            name: [_python(value) for value in array]
            for name, array in self._columns().items()
        }

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per group (NaN becomes None)."""
        columns = self.to_dict()
        names = list(columns)
        return [
            {name: columns[name][row] for name in names} for row in range(len(self))
        ]

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame with one row per group, indexed by the group labels.

        Raises:
            ImportError: When pandas (the ``pandas`` extra) is not installed.
        """
        pandas = _import_pandas()
        keys = self._key_columns()
        frame: pd.DataFrame = pandas.DataFrame(
            {name: getattr(self, name) for name in self._FIELDS},
        )
        if len(keys) == 1:
            ((name, labels),) = keys.items()
            frame.index = pandas.Index(labels, name=name)
        else:
            frame.index = pandas.MultiIndex.from_arrays(
                list(keys.values()), names=list(keys)
            )
        return frame

    #: What ``maintenance=`` was, how many rows it left out of every group,
    #: and how many rows had no key (each result class declares the three
    #: as fields).
    maintenance: str
    left_out: int
    ungrouped: int

    @property
    def note(self) -> str | None:
        """The rows no group counts, in words (``None`` when there are none)."""
        notes = [kind_note(self.maintenance, self.left_out)]
        if self.ungrouped:
            keys = " / ".join(self.by)
            notes.append(
                f"{_plural(self.ungrouped, 'incident')} without a {keys}, in no group"
            )
        said = [note for note in notes if note is not None]
        return "; ".join(said) if said else None

    def __str__(self) -> str:
        """The result as text: readable durations, labels and sample sizes."""
        return _display.text(self)

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


class _Intervals(_ByGroup):
    """What the interval results share: ``low`` is NaN where there is none."""

    low: FloatArray

    @property
    def available(self) -> NDArray[np.bool_]:
        """Whether each group has an interval."""
        return ~np.isnan(self.low)


def _import_pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "to_pandas() needs pandas; install the extra: "
            "pip install 'incidentkit[pandas]'"
        ) from None
    return pandas


@attrs.frozen(eq=False, repr=False)
class GroupStats(_ByGroup):
    """Count, mean and quantiles of a column, group by group.

    Quantiles use linear interpolation between order statistics, exactly as
    :func:`numpy.percentile` does, on the values present in each group.

    Attributes:
        column: The column summarised.
        by: The keys the groups are formed by (empty for the whole table).
        groups: The group labels, sorted; a structured array with one field
            per key when there are several keys.
        count: Values present per group.
        missing: Rows of the group without a value (NaN), e.g. open
            incidents for ``time_to_resolve``.
        zero: Values that are exactly zero (counted in ``count``): many
            imports record a start and an end at the same instant.
        negative: Values below zero (for a duration, resolved before
            started: a data error that ``check`` reports).
        invalid: Values left out of every statistic as invalid (the
            negative durations, unless kept); not in ``count``.
        mean: Mean of the values present.
        median: 50th percentile.
        p90: 90th percentile.
        p95: 95th percentile.
        min: Smallest value.
        max: Largest value.
        method: How the order statistics were found (see
            :mod:`incidentkit.table.stats`).
        maintenance: What ``maintenance=`` was (``"exclude"``,
            ``"include"`` or ``"only"``).
        left_out: Rows that ``maintenance=`` left out of every group
            (maintenances by default); said in :attr:`note` and ``str()``.
        ungrouped: Rows without a key value, in no group; said in
            :attr:`note` too.
    """

    column: str
    by: tuple[str, ...]
    groups: NDArray[Any]
    count: IntArray
    missing: IntArray
    zero: IntArray
    negative: IntArray
    invalid: IntArray
    mean: FloatArray
    median: FloatArray
    p90: FloatArray
    p95: FloatArray
    min: FloatArray
    max: FloatArray
    method: str = "sort"
    maintenance: str = "include"
    left_out: int = 0
    ungrouped: int = 0

    _FIELDS = (
        "count",
        "missing",
        "zero",
        "negative",
        "invalid",
        "mean",
        "median",
        "p90",
        "p95",
        "min",
        "max",
    )

    def __repr__(self) -> str:
        return f"GroupStats({self.column!r} by {list(self.by)}, {len(self)} groups)"


@attrs.frozen(eq=False, repr=False)
class BootstrapStats(_Intervals):
    """A statistic per group with its bootstrap percentile interval.

    Attributes:
        column: The column.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        by: The keys.
        groups: The group labels, sorted.
        count: Values present per group (the sample size behind each interval).
        estimate: The statistic of each group's sample.
        low: Lower end of the interval; NaN where there is none.
        high: Upper end; NaN where there is none.
        reason: Why a group has no interval (``"too few incidents: ..."``
            below :data:`~incidentkit.table.stats.BOOTSTRAP_MIN_COUNT`),
            else ``None``.
        confidence: Coverage of the intervals, e.g. 0.95.
        n: Resamples.
        maintenance: What ``maintenance=`` was (``"exclude"``,
            ``"include"`` or ``"only"``).
        left_out: Rows that ``maintenance=`` left out of every group
            (maintenances by default); said in :attr:`note` and ``str()``.
        ungrouped: Rows without a key value, in no group; said in
            :attr:`note` too.
    """

    column: str
    stat: str
    by: tuple[str, ...]
    groups: NDArray[Any]
    count: IntArray
    estimate: FloatArray
    low: FloatArray
    high: FloatArray
    # NDArray[Any], not NDArray[np.object_]: the documentation's type hints
    # would read "numpy.object_" as a link target.
    reason: NDArray[Any]
    confidence: float
    n: int
    maintenance: str = "include"
    left_out: int = 0
    ungrouped: int = 0

    _FIELDS = ("count", "estimate", "low", "high", "reason")

    def __repr__(self) -> str:
        return (
            f"BootstrapStats({self.stat} {self.column!r} by {list(self.by)}, "
            f"{len(self)} groups, {self.confidence:.0%})"
        )


@attrs.frozen(eq=False, repr=False)
class IntervalStats(_Intervals):
    """A statistic per group with a confidence interval that covers what it claims.

    Attributes:
        column: The column.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        by: The keys.
        groups: The group labels, sorted.
        count: Values used per group (the sample size behind each interval).
        estimate: The statistic of each group's sample.
        low: Lower end of the interval; NaN where there is none.
        high: Upper end; NaN where there is none.
        reached: The confidence each interval reaches exactly (order
            statistics: at least ``confidence``); NaN for bootstrap intervals,
            whose coverage is known from simulation only, and where there is
            no interval.
        reason: Why a group has no interval (``"too few incidents: ..."``),
            else ``None``.
        confidence: The coverage asked for, e.g. 0.95.
        method: ``"order statistics"`` or ``"bootstrap"``.
        maintenance: What ``maintenance=`` was (``"exclude"``,
            ``"include"`` or ``"only"``).
        left_out: Rows that ``maintenance=`` left out of every group
            (maintenances by default); said in :attr:`note` and ``str()``.
        ungrouped: Rows without a key value, in no group; said in
            :attr:`note` too.
    """

    column: str
    stat: str
    by: tuple[str, ...]
    groups: NDArray[Any]
    count: IntArray
    estimate: FloatArray
    low: FloatArray
    high: FloatArray
    reached: FloatArray
    reason: NDArray[np.object_]
    confidence: float
    method: str
    maintenance: str = "include"
    left_out: int = 0
    ungrouped: int = 0

    _FIELDS = ("count", "estimate", "low", "high", "reached", "reason")

    def __repr__(self) -> str:
        return (
            f"IntervalStats({self.stat} {self.column!r} by {list(self.by)}, "
            f"{len(self)} groups, {self.confidence:.0%}, {self.method})"
        )


@attrs.frozen(eq=False, repr=False)
class SurvivalStats(_ByGroup):
    """Kaplan–Meier quantiles of a duration whose open incidents are censored.

    Attributes:
        column: The duration column.
        by: The keys.
        groups: The group labels, sorted.
        count: Rows used (ended and still open).
        ended: Rows whose duration ended (e.g. resolved incidents).
        censored: Rows still open at ``as_of``, counted as lasting at least
            their age.
        missing: Rows of the group left out (no start, or started after
            ``as_of``, or ended without the end milestone).
        invalid: Rows left out as invalid: durations that end before they
            start (a data error that ``check`` reports), unless kept with
            ``keep_negative=True``; not in ``count`` nor ``missing``.
        median: Duration by which half of the incidents had ended; NaN when
            the estimate never falls that low (too many still open).
        p90: Duration by which 90% had ended.
        p95: Duration by which 95% had ended.
        as_of: When the open incidents' ages were taken (ISO 8601).
        maintenance: What ``maintenance=`` was (``"exclude"``,
            ``"include"`` or ``"only"``).
        left_out: Rows that ``maintenance=`` left out of every group
            (maintenances by default); said in :attr:`note` and ``str()``.
        ungrouped: Rows without a key value, in no group; said in
            :attr:`note` too.
    """

    column: str
    by: tuple[str, ...]
    groups: NDArray[Any]
    count: IntArray
    ended: IntArray
    censored: IntArray
    missing: IntArray
    invalid: IntArray
    median: FloatArray
    p90: FloatArray
    p95: FloatArray
    as_of: str | None
    maintenance: str = "include"
    left_out: int = 0
    ungrouped: int = 0

    _FIELDS = (
        "count",
        "ended",
        "censored",
        "missing",
        "invalid",
        "median",
        "p90",
        "p95",
    )

    def __repr__(self) -> str:
        return f"SurvivalStats({self.column!r} by {list(self.by)}, {len(self)} groups)"
