"""Grouped statistics on NumPy arrays: summaries, bootstrap, Kaplan–Meier, compare.

This module works on plain arrays; :class:`incidentkit.IncidentTable` feeds it
its columns. Rows are put in groups by a :class:`Grouping` (one integer code
per row), and every function answers for all groups at once, without a Python
loop over rows or over groups.

How :func:`grouped_summary` finds quantiles
    Quantiles are *order statistics*: the value of a given rank among a
    group's sorted values. Each float64 is mapped to an unsigned 64-bit key
    that sorts like the float (the sign bit flipped for positive numbers,
    every bit flipped for negative ones), so that negative spans sort
    correctly. Two exact paths then find the ranks:

    * ``"sort"``: the key, less the smallest key, goes in the low bits and
      the group code in the high bits of one unsigned integer, in the
      narrowest type that holds both (``uint8`` to ``uint64``); one
      :func:`numpy.sort` orders every group at once, and sums come from
      :func:`numpy.add.reduceat`. When value and group bits together need
      more than 64, :func:`numpy.lexsort` on (group, value) replaces the
      single sort (``"lexsort"``).
    * ``"select"``, for large arrays: rows are counted into buckets by group
      and by the top bits of their key (one :func:`numpy.bincount`, which
      also gives the sums), the bucket holding each wanted rank is found
      from the cumulative counts, and only the rows of those buckets, a few
      percent of the data, are sorted. No full sort is needed, which is what
      makes it faster than pandas and polars on a million rows.

    Both give the values of :func:`numpy.percentile` (its default "linear"
    method, with the same interpolation arithmetic) computed group by group
    on the values present; :attr:`Summary.method` says which path ran.

Missing values are NaN; they are counted (``missing``) and left out.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from incidentkit import _display
from incidentkit._args import texts
from incidentkit._format import format_duration
from incidentkit.errors import ValidationError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BOOTSTRAP_MIN_COUNT",
    "CHANGES",
    "INTERVAL_METHODS",
    "QUANTILES",
    "STATS",
    "BootstrapStats",
    "Comparison",
    "DetectableChange",
    "GroupStats",
    "Grouping",
    "IntervalStats",
    "Summary",
    "SurvivalStats",
    "compare_samples",
    "detectable_change",
    "grouped_bootstrap",
    "grouped_intervals",
    "grouped_kaplan_meier",
    "grouped_summary",
    "order_statistic_ranks",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The quantiles every summary reports, by name, as fractions.
QUANTILES: Final[Mapping[str, float]] = MappingProxyType(
    {"median": 0.5, "p90": 0.9, "p95": 0.95}
)

#: The statistics :func:`grouped_bootstrap` and :func:`compare_samples` know.
STATS: Final = ("mean", "median", "p90", "p95")

Method = Literal["auto", "sort", "select"]

_SIGN: Final = np.uint64(1 << 63)
# float64 holds every whole number below 2**53 exactly.
_EXACT: Final = float(1 << 53)
_ALL: Final = np.uint64((1 << 64) - 1)
_UINTS: Final = ((8, np.uint8), (16, np.uint16), (32, np.uint32), (64, np.uint64))
# Below this many rows one sort is as fast as bucketing, and simpler.
_SELECT_MIN_ROWS: Final = 1 << 16
# Elements drawn at once by the resampling loops: bounds their memory.
_CHUNK_ELEMENTS: Final = 1 << 22
# Kaplan–Meier survival is a product of many factors, computed as a sum of
# logarithms; a crossing of a quantile's level is accepted within this
# relative rounding, so that S = 0.5 computed as 0.5000000000000001 counts.
_SURVIVAL_RTOL: Final = 1e-9


# timedelta's range; longer "durations" are shown as plain numbers.
_LONGEST_SPAN_SECONDS: Final = timedelta.max.total_seconds()


def _problem(message: str) -> ValidationError:
    return ValidationError([message])


# --- groups ------------------------------------------------------------------


class Grouping:
    """Rows assigned to groups ``0 .. n_groups - 1``.

    A negative code puts a row in no group: it is left out of every result
    (a table does this for rows whose key is missing).

    Attributes:
        codes: One ``int64`` per row; rows in no group hold ``n_groups``.
        n_groups: How many groups.
        sizes: Rows per group; ``sizes[n_groups]`` counts the rows in none.

    Example:
        >>> g = Grouping([0, 1, 1, -1], n_groups=3)
        >>> g.sizes.tolist(), g.unassigned
        ([1, 2, 0, 1], 1)
    """

    __slots__ = ("_cache", "codes", "n_groups", "sizes")

    codes: IntArray
    n_groups: int
    sizes: IntArray

    def __init__(self, codes: ArrayLike, n_groups: int) -> None:
        """Build from one code per row (negative: no group)."""
        array = np.asarray(codes)
        # An empty list reads as float64; it still holds no bad code.
        if array.ndim != 1 or not (array.dtype.kind in "iu" or array.size == 0):
            raise _problem(
                f"codes: expected a 1-D array of integers, got {array.dtype} "
                f"with shape {array.shape}"
            )
        if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)):
            raise _problem(f"n_groups: expected a whole number ({n_groups!r})")
        n = int(n_groups)
        if n < 0:
            raise _problem(f"n_groups: must be >= 0 ({n})")
        codes64 = array.astype(np.int64)
        if codes64.size and int(codes64.max()) >= n:
            raise _problem(
                f"codes: must be below n_groups={n} (largest is {int(codes64.max())})"
            )
        np.putmask(codes64, codes64 < 0, n)
        codes64.flags.writeable = False
        self.codes = codes64
        self.n_groups = n
        self.sizes = np.bincount(codes64, minlength=n + 1)
        self.sizes.flags.writeable = False
        self._cache: dict[object, Any] = {}

    @classmethod
    def _trusted(cls, codes: IntArray, n_groups: int, sizes: IntArray) -> Grouping:
        """From codes known valid (``n_groups`` for no group) and their counts."""
        grouping = object.__new__(cls)
        codes.flags.writeable = False
        sizes.flags.writeable = False
        grouping.codes = codes
        grouping.n_groups = n_groups
        grouping.sizes = sizes
        grouping._cache = {}
        return grouping

    @property
    def unassigned(self) -> int:
        """Rows in no group."""
        return int(self.sizes[self.n_groups])

    def __len__(self) -> int:
        return int(self.codes.size)

    def _check(self, values: FloatArray, name: str = "values") -> None:
        if values.shape != self.codes.shape:
            raise _problem(
                f"{name}: has {values.size} rows but the grouping has {self.codes.size}"
            )


def _float_column(values: ArrayLike, name: str = "values") -> FloatArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise _problem(f"{name}: expected a 1-D array, got shape {array.shape}")
    if array.dtype.kind not in "fiub":
        raise _problem(f"{name}: expected numbers, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.float64)


# --- order-preserving keys -------------------------------------------------------


def _ordered_key(values: FloatArray) -> NDArray[np.uint64]:
    """Unsigned keys that sort like the floats (−0.0 just below +0.0)."""
    bits = values.view(np.uint64)
    # All ones for negative numbers (arithmetic shift of the sign), else 0.
    flip = (values.view(np.int64) >> 63).view(np.uint64)
    flip |= _SIGN
    flip ^= bits
    return flip


def _from_key(keys: NDArray[np.uint64]) -> FloatArray:
    """The floats whose keys these are (inverse of :func:`_ordered_key`)."""
    flip = ~((keys.view(np.int64) >> 63).view(np.uint64))
    flip |= _SIGN
    flip ^= keys
    return flip.view(np.float64)


def _key_of(value: float) -> int:
    return int(_ordered_key(np.array([value], dtype=np.float64))[0])


def _narrowest_uint(bits: int) -> type[np.unsignedinteger[Any]]:
    for width, dtype in _UINTS:
        if bits <= width:
            return dtype
    raise AssertionError(bits)  # pragma: no cover - callers check <= 64


# --- the two paths -----------------------------------------------------------


@attrs.frozen(eq=False)
class _Sorted:
    """Every group's present values, sorted, group after group."""

    values: FloatArray
    counts: IntArray
    starts: IntArray
    method: str

    def sums(self) -> FloatArray:
        sums = np.zeros(self.counts.size, dtype=np.float64)
        nonempty = np.flatnonzero(self.counts)
        if nonempty.size:
            # reduceat sums from each start to the next one given; passing
            # only non-empty groups keeps every segment exactly its group.
            with np.errstate(over="ignore", invalid="ignore"):
                sums[nonempty] = np.add.reduceat(self.values, self.starts[nonempty])
        return sums


def _present(values: FloatArray, grouping: Grouping) -> tuple[FloatArray, IntArray]:
    keep = ~np.isnan(values)
    if grouping.unassigned:
        keep &= grouping.codes < grouping.n_groups
    if keep.all():
        return values, grouping.codes
    return values[keep], grouping.codes[keep]


def _sorted_groups(values: FloatArray, grouping: Grouping) -> _Sorted:
    n_groups = grouping.n_groups
    present, codes = _present(values, grouping)
    counts = np.bincount(codes, minlength=n_groups)[:n_groups]
    starts = np.zeros(n_groups, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    if present.size == 0:
        return _Sorted(present, counts, starts, "sort")
    smallest, largest = float(present.min()), float(present.max())
    whole = (
        largest - smallest < _EXACT
        and math.isfinite(smallest)
        and math.isfinite(largest)
        and bool(np.equal(np.floor(present), present).all())
    )
    if whole:
        # Whole numbers (durations in whole seconds): the key is the offset
        # from the smallest, exact below 2**53, and needs few bits.
        keys = (present - smallest).astype(np.uint64)
        value_bits = int(largest - smallest).bit_length()
    else:
        keys = _ordered_key(present)
        low = keys.min()
        keys -= low
        value_bits = int(keys.max()).bit_length()
    group_bits = max(n_groups - 1, 0).bit_length()
    if value_bits + group_bits <= 64:
        dtype = _narrowest_uint(max(value_bits + group_bits, 1))
        composite = keys.astype(dtype)
        if group_bits:
            composite |= codes.astype(dtype) << dtype(value_bits)
        composite.sort()
        if group_bits:
            composite &= dtype((1 << value_bits) - 1) if value_bits else dtype(0)
        if whole:
            ordered = composite.astype(np.float64) + smallest
        else:
            restored = composite.astype(np.uint64)
            restored += low
            ordered = _from_key(restored)
        return _Sorted(ordered, counts, starts, f"sort-{dtype.__name__}")
    order = np.lexsort((present, codes))
    return _Sorted(present[order], counts, starts, "lexsort")


_SCRATCH: Final = threading.local()


def _scratch(size: int) -> tuple[NDArray[np.uint64], IntArray, NDArray[np.bool_]]:
    """Work arrays of ``size`` rows, kept per thread between calls.

    Fresh arrays of a million rows cost more in page faults than the
    arithmetic done in them; the arrays of the last size used are reused.
    """
    found: tuple[NDArray[np.uint64], IntArray, NDArray[np.bool_]] | None = getattr(
        _SCRATCH, "arrays", None
    )
    if found is None or found[0].size != size:
        found = (
            np.empty(size, dtype=np.uint64),
            np.empty(size, dtype=np.int64),
            np.empty(size, dtype=bool),
        )
        _SCRATCH.arrays = found
    return found


class _Buckets:
    """Rows counted into buckets by group and by the top bits of their key.

    Bucket ``(g << bucket_bits) + b`` holds the present values of group ``g``
    whose key, less the smallest key, has top bits ``b``; buckets are in
    value order within a group, so the cumulative counts locate any rank.
    Block ``n_groups`` takes missing values and rows in no group.
    """

    def __init__(self, values: FloatArray, grouping: Grouping) -> None:
        n_groups = grouping.n_groups
        low_value = float(np.fmin.reduce(values))
        high_value = float(np.fmax.reduce(values))
        if math.isnan(low_value):  # nothing present: one empty range
            low_value = high_value = 0.0
        # Durations are rarely negative: for values >= +0.0 the key is the
        # float's bits with the sign bit set, which the subtraction of the
        # smallest key removes, so the bits themselves serve (fewer passes).
        plain = low_value > 0 or (low_value == 0 and not np.signbit(values).any())
        # ±0.0 compare equal but have different keys: widen to both.
        self.low_key = _key_of(low_value if plain or low_value != 0 else -0.0)
        high_key = _key_of(0.0 if high_value == 0 else high_value)
        span = high_key - self.low_key
        total_bits = min(max(values.size.bit_length() - 2, 10), 16)
        self.bucket_bits = bucket_bits = max(total_bits - n_groups.bit_length(), 1)
        self.shift = max(span.bit_length() - bucket_bits, 0)
        n_buckets = (n_groups + 1) << bucket_bits

        norm, buckets, nan = _scratch(values.size)
        if plain:
            np.subtract(
                values.view(np.uint64), np.uint64(self.low_key ^ (1 << 63)), out=norm
            )
        else:
            norm[:] = _ordered_key(values)
            norm -= np.uint64(self.low_key)
        # NaN rows wrap around to anything; they are moved to block n_groups.
        np.right_shift(norm, np.uint64(self.shift), out=buckets.view(np.uint64))
        base = grouping._cache.get(("bucket-base", bucket_bits))
        if base is None:
            base = grouping.codes << bucket_bits
            grouping._cache[("bucket-base", bucket_bits)] = base
        buckets += base
        np.isnan(values, out=nan)
        if nan.any():
            np.putmask(buckets, nan, n_groups << bucket_bits)
        self.norm = norm
        self.buckets = buckets
        self.mask = nan  # free again: fetch reuses it
        self.counts = np.bincount(buckets, minlength=n_buckets)
        in_groups = n_groups << bucket_bits
        self.group_counts = self.counts[:in_groups].reshape(n_groups, -1).sum(axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            sums = np.bincount(buckets, weights=values, minlength=n_buckets)
            self.group_sums = sums[:in_groups].reshape(n_groups, -1).sum(axis=1)
        self.ends = np.cumsum(self.counts)
        self.starts = self.ends - self.counts
        self.group_starts = self.starts[np.arange(n_groups) << bucket_bits]

    def fetch(self, group: IntArray, rank: IntArray) -> FloatArray:
        """The values at ``rank`` (0-based) within ``group``, row by row."""
        position = self.group_starts[group] + rank
        target = np.searchsorted(self.ends, position, side="right")
        needed = np.zeros(self.counts.size, dtype=bool)
        needed[target] = True
        # The rows of the needed buckets: a few percent of all.
        chosen = np.flatnonzero(np.take(needed, self.buckets, out=self.mask))
        chosen_norm = self.norm[chosen]
        chosen_buckets = self.buckets[chosen]
        order_of_bucket = np.cumsum(needed) - 1
        kept = np.where(needed, self.counts, 0)
        offset = np.cumsum(kept) - kept
        shift = self.shift
        low_mask = np.uint64((1 << shift) - 1)
        rank_bits = int(order_of_bucket[-1]).bit_length()
        if rank_bits + shift <= 64:
            # Sort the chosen rows by (bucket, key) in one unsigned sort.
            composite = order_of_bucket[chosen_buckets].astype(np.uint64)
            composite <<= np.uint64(shift)
            composite |= chosen_norm & low_mask
            composite.sort()
            low_bits = composite & low_mask
        else:  # pragma: no cover - needs thousands of groups over a 64-bit span
            order = np.lexsort((chosen_norm, chosen_buckets))
            low_bits = chosen_norm[order] & low_mask
        picked = low_bits[offset[target] + (position - self.starts[target])]
        top = (target & ((1 << self.bucket_bits) - 1)).astype(np.uint64)
        restored = (top << np.uint64(shift)) | picked
        restored += np.uint64(self.low_key)
        return _from_key(restored)


# --- quantile arithmetic -----------------------------------------------------


def _lerp(low: FloatArray, high: FloatArray, gamma: FloatArray) -> FloatArray:
    # numpy.percentile's own interpolation, step for step, so that results
    # match it to the last bit (it switches formulas at gamma = 0.5). Values
    # near the float limits overflow to inf, as they do in numpy.
    with np.errstate(over="ignore", invalid="ignore"):
        diff = high - low
        out: FloatArray = low + diff * gamma
        np.subtract(high, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _quantile_ranks(
    counts: IntArray, q: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """The ranks to interpolate between, and the weight, per group."""
    last = np.maximum(counts - 1, 0)
    virtual = last.astype(np.float64) * q
    below = np.floor(virtual)
    gamma = virtual - below
    low = below.astype(np.int64)
    high = np.minimum(low + 1, last)
    at_top = virtual >= last
    low = np.where(at_top, last, low)
    high = np.where(at_top, last, high)
    return low, high, gamma


@attrs.frozen(eq=False)
class Summary:
    """Per-group summary arrays (see :func:`grouped_summary`).

    Attributes:
        count: Values used per group (present, and not left out as invalid).
        missing: Rows of the group without a value (NaN).
        zero: Values used that are exactly zero (part of ``count``).
        negative: Values below zero, used or not.
        invalid: Values left out as invalid: the negative ones, when
            ``drop_negative`` (not part of ``count``).
        mean: Mean of the values used.
        median: 50th percentile (linear interpolation, as ``numpy.percentile``).
        p90: 90th percentile.
        p95: 95th percentile.
        min: Smallest value.
        max: Largest value.
        method: The path that found the order statistics: ``"select"``,
            ``"sort-uint8"`` .. ``"sort-uint64"`` or ``"lexsort"``.
    """

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
    method: str


def _sign_counts(
    column: FloatArray, grouping: Grouping, drop_negative: bool
) -> tuple[FloatArray, IntArray, IntArray, IntArray]:
    """The values to aggregate, and per group the zero, negative, invalid counts.

    A negative duration (resolved before started) is a data error; folded
    into a mean or a median it moves them without anyone seeing why, so it
    is left out and counted where asked, and always counted.
    """
    n_groups = grouping.n_groups
    below = column < 0  # NaN compares false
    negative = np.bincount(grouping.codes[below], minlength=n_groups + 1)[:n_groups]
    zero = np.bincount(grouping.codes[column == 0], minlength=n_groups + 1)
    if drop_negative and negative.any():
        column = np.where(below, np.nan, column)
        invalid = negative
    else:
        invalid = np.zeros(n_groups, dtype=np.int64)
    return column, zero[:n_groups].astype(np.int64), negative.astype(np.int64), invalid


def grouped_summary(
    values: ArrayLike,
    grouping: Grouping,
    *,
    method: Method = "auto",
    drop_negative: bool = False,
) -> Summary:
    """Count, mean, median, p90, p95, min and max of every group.

    Args:
        values: One number per row; NaN is a missing value.
        grouping: The group of every row.
        method: ``"sort"``, ``"select"`` or ``"auto"`` (select for large
            arrays); both are exact (see the module documentation).
        drop_negative: Leave negative values out of every statistic and
            count them as ``invalid`` (for durations, where they are errors).

    Returns:
        One entry per group; a group without values has count 0 and NaN
        statistics. Zero and negative values are counted apart too.

    Example:
        >>> s = grouped_summary([5.0, 1.0, 3.0, float("nan"), -2.0],
        ...                     Grouping([0, 0, 0, 0, 1], n_groups=3))
        >>> s.count.tolist(), s.missing.tolist(), s.median.tolist()
        ([3, 1, 0], [1, 0, 0], [3.0, -2.0, nan])
        >>> s.p90.tolist()[0]  # numpy.percentile([1, 3, 5], 90)
        4.6
        >>> s = grouped_summary([0.0, 0.0, 60.0, -5.0], Grouping([0, 0, 0, 0], 1),
        ...                     drop_negative=True)
        >>> s.count.tolist(), s.zero.tolist(), s.invalid.tolist(), s.min.tolist()
        ([3], [2], [1], [0.0])
    """
    column = _float_column(values)
    grouping._check(column)
    if method not in ("auto", "sort", "select"):
        raise _problem(f"method: expected 'auto', 'sort' or 'select' ({method!r})")
    column, zero, negative, invalid = _sign_counts(column, grouping, drop_negative)
    n_groups = grouping.n_groups
    use_select = method == "select" or (
        method == "auto"
        and column.size >= _SELECT_MIN_ROWS
        and n_groups <= column.size >> 8
    )
    if use_select and column.size:
        buckets = _Buckets(column, grouping)
        counts, sums, fetch = buckets.group_counts, buckets.group_sums, buckets.fetch
        used = "select"
    else:
        ordered = _sorted_groups(column, grouping)
        counts, sums = ordered.counts, ordered.sums()

        def fetch(group: IntArray, rank: IntArray) -> FloatArray:
            found: FloatArray = ordered.values[ordered.starts[group] + rank]
            return found

        used = ordered.method

    present = counts > 0
    groups = np.flatnonzero(present)
    ranks: list[IntArray] = [np.zeros(n_groups, np.int64), np.maximum(counts - 1, 0)]
    weights = []
    for q in QUANTILES.values():
        low, high, gamma = _quantile_ranks(counts, q)
        ranks += [low, high]
        weights.append(gamma)
    stacked = np.stack([rank[groups] for rank in ranks])
    found = fetch(np.tile(groups, len(ranks)), stacked.ravel()).reshape(stacked.shape)
    table = np.full((len(ranks), n_groups), np.nan)
    table[:, groups] = found
    quantiles = [
        _lerp(table[2 + 2 * i], table[3 + 2 * i], weights[i])
        for i in range(len(QUANTILES))
    ]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, sums / np.maximum(counts, 1), np.nan)
    sizes = grouping.sizes[:n_groups]
    return Summary(
        count=counts.astype(np.int64),
        missing=(sizes - counts - invalid).astype(np.int64),
        zero=zero,
        negative=negative,
        invalid=invalid,
        mean=mean,
        median=quantiles[0],
        p90=quantiles[1],
        p95=quantiles[2],
        min=table[0],
        max=table[1],
        method=used,
    )


# --- bootstrap ---------------------------------------------------------------


def _check_stat(stat: str) -> float | None:
    if stat == "mean":
        return None
    if stat not in QUANTILES:
        raise _problem(f"stat: expected one of {', '.join(STATS)} ({stat!r})")
    return QUANTILES[stat]


#: The most bootstrap resamples and permutations a call takes. Replicates
#: are held as an (n, groups) array: 10^10 of them asked for ~80 GB and ended
#: in a MemoryError; 10^6 gives intervals far finer than any data needs.
MAX_RESAMPLES: Final = 1_000_000


def _check_count(
    value: object, name: str, minimum: int = 1, maximum: int | None = None
) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise _problem(f"{name}: expected a whole number ({value!r})")
    if value < minimum:
        raise _problem(f"{name}: must be at least {minimum} ({value!r})")
    if maximum is not None and value > maximum:
        raise _problem(f"{name}: must be at most {maximum:,} ({value!r})")
    return int(value)


def _check_confidence(confidence: object) -> float:
    if not (
        isinstance(confidence, (float, int))
        and not isinstance(confidence, bool)
        and 0 < confidence < 1
    ):
        raise _problem(
            f"confidence: expected a number between 0 and 1, e.g. 0.95 ({confidence!r})"
        )
    return float(confidence)


def _rng(seed: object) -> np.random.Generator:
    """The generator of ``seed``, or a ValidationError naming it.

    Checked here rather than left to :func:`numpy.random.default_rng`, whose
    own errors (a ValueError for -1, a TypeError for "x") name no parameter.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise _problem(
            "seed: expected None, a non-negative whole number or a "
            f"numpy.random.Generator ({seed!r})"
        )
    return np.random.default_rng(seed)


def _estimate(ordered: _Sorted, q: float | None) -> FloatArray:
    counts = ordered.counts
    present = counts > 0
    if q is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(present, ordered.sums() / np.maximum(counts, 1), np.nan)
    low, high, gamma = _quantile_ranks(counts, q)
    at = np.where(present, ordered.starts, 0)
    size = max(ordered.values.size, 1)
    padded = ordered.values if ordered.values.size else np.full(1, np.nan)
    result = _lerp(
        padded[np.minimum(at + low, size - 1)],
        padded[np.minimum(at + high, size - 1)],
        gamma,
    )
    return np.where(present, result, np.nan)


def _replicates(
    ordered: _Sorted, q: float | None, n: int, rng: np.random.Generator
) -> FloatArray:
    """``n`` bootstrap replicates of the statistic for every group: (n, groups).

    A quantile needs only two order statistics of each resample. The k-th
    smallest of m draws with replacement from m sorted values is the value
    at index ``floor(m U)``, where ``U`` is the k-th smallest of m uniform
    numbers, which follows Beta(k, m - k + 1); the next one is
    ``U + (1 - U) Beta(1, m - k)``. Drawing those two numbers per resample
    gives exactly the distribution of resampling all m values, in O(1).
    """
    counts = ordered.counts
    n_groups = counts.size
    out = np.full((n, n_groups), np.nan)
    present = np.flatnonzero(counts)
    if present.size == 0:
        return out
    m = counts[present]
    starts = ordered.starts[present]
    if q is not None:
        low, _, gamma = _quantile_ranks(m, q)
        at_top = low >= m - 1
        first = rng.beta(low + 1, m - low, size=(n, present.size))
        rest = np.where(at_top, 1, m - low - 1)
        second = first + (1 - first) * rng.beta(1, rest, size=(n, present.size))
        low_index = np.minimum(np.floor(m * first).astype(np.int64), m - 1)
        high_index = np.minimum(np.floor(m * second).astype(np.int64), m - 1)
        high_index = np.where(at_top, low_index, np.maximum(high_index, low_index))
        out[:, present] = _lerp(
            ordered.values[starts + low_index],
            ordered.values[starts + high_index],
            np.broadcast_to(gamma, low_index.shape),
        )
        return out
    # The mean needs every draw: resample all rows, chunk by chunk.
    rows = int(m.sum())
    row_group = np.repeat(np.arange(present.size), m)
    row_start = starts[row_group]
    row_size = m[row_group].astype(np.float64)
    segment = np.zeros(present.size, dtype=np.int64)
    np.cumsum(m[:-1], out=segment[1:])
    chunk = max(1, _CHUNK_ELEMENTS // rows)
    done = 0
    while done < n:
        k = min(chunk, n - done)
        picks = np.floor(rng.random((k, rows)) * row_size).astype(np.int64)
        np.minimum(picks, m[row_group] - 1, out=picks)
        picks += row_start
        drawn = ordered.values[picks]
        out[done : done + k, present] = np.add.reduceat(drawn, segment, axis=1) / m
        done += k
    return out


def _interval(
    replicates: FloatArray, confidence: float
) -> tuple[FloatArray, FloatArray]:
    tail = (1 - confidence) / 2 * 100
    low = np.full(replicates.shape[1:], np.nan)
    high = np.full(replicates.shape[1:], np.nan)
    finite = ~np.isnan(replicates).any(axis=0)
    if finite.any():
        low[finite], high[finite] = np.percentile(
            replicates[:, finite], [tail, 100 - tail], axis=0
        )
    return low, high


@attrs.frozen(eq=False)
class _BootstrapArrays:
    count: IntArray
    estimate: FloatArray
    low: FloatArray
    high: FloatArray


def grouped_bootstrap(
    values: ArrayLike,
    grouping: Grouping,
    *,
    stat: str = "median",
    n: int = 2000,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
) -> _BootstrapArrays:
    """Bootstrap percentile confidence intervals of a statistic, per group.

    Each group is resampled on its own (with replacement, its own size).

    Args:
        values: One number per row; NaN is missing.
        grouping: The group of every row.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        n: Resamples.
        seed: Seed or generator for :func:`numpy.random.default_rng`.
        confidence: Coverage of the interval, e.g. 0.95.

    Returns:
        ``count``, ``estimate`` (the statistic of the sample), ``low`` and
        ``high`` arrays, one entry per group; NaN for empty groups.

    Example:
        >>> r = grouped_bootstrap([1.0, 2.0, 3.0, 4.0, 100.0],
        ...                       Grouping([0] * 5, 1), n=500, seed=1)
        >>> float(r.estimate[0]), bool(r.low[0] <= 3.0 <= r.high[0])
        (3.0, True)
    """
    q = _check_stat(stat)
    resamples = _check_count(n, "n", maximum=MAX_RESAMPLES)
    level = _check_confidence(confidence)
    column = _float_column(values)
    grouping._check(column)
    rng = _rng(seed)
    ordered = _sorted_groups(column, grouping)
    replicates = _replicates(ordered, q, resamples, rng)
    low, high = _interval(replicates, level)
    return _BootstrapArrays(ordered.counts, _estimate(ordered, q), low, high)


# --- intervals that claim only the coverage they have -----------------------

#: The smallest group a bootstrap interval is given for, by statistic. Below
#: these sizes the percentile bootstrap covers far less than it claims: in
#: 2,000 simulated groups per size (tests/test_stats.py), a "95%" interval of
#: a log-normal (σ = 1) sample's mean covered 0.88 of the time at n = 30 and
#: 0.92 at n = 100, its p90 0.85 at n = 30, its median 0.93 at n = 5 but 0.49
#: at n = 2. Heavier tails need more still.
BOOTSTRAP_MIN_COUNT: Final[Mapping[str, int]] = MappingProxyType(
    {"mean": 300, "median": 30, "p90": 100, "p95": 200}
)

#: How ``grouped_intervals`` finds intervals: order statistics for
#: quantiles and the bootstrap for the mean (``"auto"``), or one of them.
INTERVAL_METHODS: Final = ("auto", "order", "bootstrap")

# Lower ranks tried below the equal-tailed one when looking for the
# shortest interval: the shortest is within a few ranks of equal tails for
# large groups, and the whole range is tried for small ones.
_RANK_WINDOW: Final = 64


def _binomial() -> Any:
    # scipy is imported only when an interval is asked for: importing
    # scipy.stats costs more than the rest of incidentkit, and it is an
    # optional extra.
    try:
        from scipy.stats import binom
    except ImportError:
        raise ImportError(
            "quantile intervals need scipy; install the extra: "
            "pip install '.[stats]' from a checkout"
        ) from None
    return binom


def order_statistic_ranks(
    counts: ArrayLike, q: float, confidence: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """The ranks of the shortest distribution-free interval of a quantile.

    Among ``m`` values, the number below the true ``q`` quantile follows
    Binomial(m, q) (for any continuous distribution), so the interval
    between the ``l``-th and ``u``-th smallest values (1-based) covers the
    quantile with probability ``P(l <= B <= u - 1)`` exactly, and at least
    that where values tie (a mass at zero). For each group size this picks
    the pair with the fewest ranks between them whose probability is at
    least ``confidence``, and returns that probability: the confidence the
    interval reaches.

    Args:
        counts: Group sizes.
        q: The quantile, a fraction in (0, 1).
        confidence: The coverage asked for.

    Returns:
        ``low`` and ``high`` ranks (1-based) and the confidence ``reached``;
        ranks 0 and NaN where no interval of that confidence exists: all
        ``m`` values together cover the quantile with probability
        ``1 - q**m - (1 - q)**m`` only.

    Example:
        >>> low, high, reached = order_statistic_ranks([5, 6, 29], 0.5, 0.95)
        >>> low.tolist(), high.tolist(), [round(r, 4) for r in reached.tolist()]
        ([0, 1, 10], [0, 6, 21], [nan, 0.9688, 0.9572])
    """
    sizes = np.asarray(counts, dtype=np.int64)
    low = np.zeros(sizes.shape, dtype=np.int64)
    high = np.zeros(sizes.shape, dtype=np.int64)
    reached = np.full(sizes.shape, np.nan)
    if sizes.size == 0:
        return low, high, reached
    binom = _binomial()
    unique, back = np.unique(np.maximum(sizes, 0), return_inverse=True)
    m = unique[:, None]
    # The equal-tailed lower rank, and the window of ranks at or below it.
    equal = binom.ppf((1 - confidence) / 2, unique, q).astype(np.int64)
    lows = equal[:, None] + 1 - np.arange(_RANK_WINDOW)[None, :]
    usable = (lows >= 1) & (lows <= m)
    below = np.where(usable, binom.cdf(lows - 1, m, q), 1.0)
    target = np.minimum(confidence + below, 1.0)
    highs = binom.ppf(target, m, q) + 1
    covered = binom.cdf(highs - 1, m, q) - below
    # ppf inverts a rounded cdf: where it fell a rank short, take the next.
    short = covered < confidence
    highs = np.where(short, highs + 1, highs)
    covered = np.where(short, binom.cdf(highs - 1, m, q) - below, covered)
    usable &= (confidence + below < 1) & (highs <= m) & (covered >= confidence)
    width = np.where(usable, highs - lows, np.inf)
    best = np.argmin(width, axis=1)
    rows = np.arange(unique.size)
    found = usable[rows, best]
    unique_low = np.where(found, lows[rows, best], 0)
    unique_high = np.where(found, highs[rows, best], 0).astype(np.int64)
    unique_reached = np.where(found, covered[rows, best], np.nan)
    back = back.reshape(sizes.shape)
    return unique_low[back], unique_high[back], unique_reached[back]


@attrs.frozen(eq=False)
class _IntervalArrays:
    count: IntArray
    estimate: FloatArray
    low: FloatArray
    high: FloatArray
    reached: FloatArray
    reason: NDArray[np.object_]
    method: str


TOO_FEW: Final = "too few incidents"


def grouped_intervals(
    values: ArrayLike,
    grouping: Grouping,
    *,
    stat: str = "median",
    confidence: float = 0.95,
    method: str = "auto",
    n: int = 2000,
    seed: int | np.random.Generator | None = None,
    min_count: int | None = None,
) -> _IntervalArrays:
    """Confidence intervals of a statistic, per group, that cover what they claim.

    Quantiles get distribution-free intervals between two order statistics
    (see :func:`order_statistic_ranks`), with the exact confidence they
    reach; where a group is too small for any interval at ``confidence``
    (a 95% interval of a median needs 6 values, of a p90 29, of a p95 59)
    its bounds are NaN and its reason says so. The mean has no
    distribution-free interval: it gets a bootstrap percentile interval,
    only for groups of at least :data:`BOOTSTRAP_MIN_COUNT` values, with
    ``reached`` NaN (its coverage is known from simulation only).

    Args:
        values: One number per row; NaN is missing.
        grouping: The group of every row.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        confidence: The coverage asked for, e.g. 0.95.
        method: ``"auto"`` (order statistics for quantiles, bootstrap for
            the mean), ``"order"`` or ``"bootstrap"``.
        n: Bootstrap resamples.
        seed: Seed or generator of the bootstrap.
        min_count: The smallest group a bootstrap interval is given for;
            :data:`BOOTSTRAP_MIN_COUNT` of the statistic by default.

    Returns:
        ``count``, ``estimate``, ``low``, ``high``, ``reached`` (the
        confidence each interval reaches, NaN when not known exactly or no
        interval), ``reason`` (why a group has no interval, else None) and
        ``method`` (``"order statistics"`` or ``"bootstrap"``).

    Example:
        >>> r = grouped_intervals([3.0, 1.0, 2.0, 5.0, 4.0, 6.0, 7.0],
        ...                       Grouping([0, 0, 0, 0, 0, 0, 1], 2))
        >>> r.low.tolist(), r.high.tolist(), round(float(r.reached[0]), 4)
        ([1.0, nan], [6.0, nan], 0.9688)
        >>> r.reason.tolist()  # doctest: +NORMALIZE_WHITESPACE
        [None,
         'too few incidents: a 95% interval of a median needs 6, this group has 1']
    """
    q = _check_stat(stat)
    level = _check_confidence(confidence)
    if method not in INTERVAL_METHODS:
        raise _problem(
            f"method: expected one of {', '.join(INTERVAL_METHODS)} ({method!r})"
        )
    if method == "order" and q is None:
        raise _problem(
            "method: 'order' gives intervals of quantiles only, not of the mean; "
            "use 'bootstrap' or 'auto' for stat='mean'"
        )
    column = _float_column(values)
    grouping._check(column)
    ordered = _sorted_groups(column, grouping)
    counts = ordered.counts
    estimate = _estimate(ordered, q)
    low = np.full(counts.size, np.nan)
    high = np.full(counts.size, np.nan)
    reason = np.full(counts.size, None, dtype=object)
    if q is not None and method != "bootstrap":
        low_rank, high_rank, reached = order_statistic_ranks(counts, q, level)
        found = np.flatnonzero(low_rank > 0)
        starts = ordered.starts[found]
        low[found] = ordered.values[starts + low_rank[found] - 1]
        high[found] = ordered.values[starts + high_rank[found] - 1]
        needed = _smallest_order_count(q, level)
        for group in np.flatnonzero((low_rank == 0) & (counts > 0)).tolist():
            reason[group] = (
                f"{TOO_FEW}: a {_percent(level)} interval of a {stat} needs {needed}, "
                f"this group has {int(counts[group])}"
            )
        used = "order statistics"
    else:
        least = BOOTSTRAP_MIN_COUNT[stat] if min_count is None else min_count
        least = _check_count(least, "min_count")
        found_arrays = grouped_bootstrap(
            column, grouping, stat=stat, n=n, seed=seed, confidence=level
        )
        enough = counts >= least
        low = np.where(enough, found_arrays.low, np.nan)
        high = np.where(enough, found_arrays.high, np.nan)
        reached = np.full(counts.size, np.nan)
        for group in np.flatnonzero(~enough & (counts > 0)).tolist():
            reason[group] = (
                f"{TOO_FEW}: a bootstrap interval of a {stat} needs {least}, "
                f"this group has {int(counts[group])}"
            )
        used = "bootstrap"
    for group in np.flatnonzero(counts == 0).tolist():
        reason[group] = "no values"
    return _IntervalArrays(
        counts.astype(np.int64), estimate, low, high, reached, reason, used
    )


def _percent(level: float) -> str:
    return f"{level * 100:g}%"


def _smallest_order_count(q: float, confidence: float) -> int:
    """The fewest values with an order-statistic interval at ``confidence``."""
    # Coverage of [min, max] is 1 - q**m - (1 - q)**m, increasing in m.
    m = 1
    while 1 - q**m - (1 - q) ** m < confidence:
        m += 1
    return m


# --- Kaplan–Meier ------------------------------------------------------------


@attrs.frozen(eq=False)
class _SurvivalArrays:
    count: IntArray
    events: IntArray
    censored: IntArray
    quantiles: FloatArray  # (len(levels), groups)


def grouped_kaplan_meier(
    durations: ArrayLike,
    observed: ArrayLike,
    grouping: Grouping,
    quantiles: Sequence[float] = (0.5, 0.9, 0.95),
) -> _SurvivalArrays:
    """Kaplan–Meier quantiles of durations some of which are censored.

    A censored duration (``observed`` false) says "at least this long": the
    incident was still open at that age. The Kaplan–Meier estimate of the
    share still open after ``t`` is the product, over observed ends up to
    ``t``, of ``1 - 1 / at_risk``; ends and censorings at the same moment
    count the end first. The ``q`` quantile is the first observed duration
    at which that share falls to ``1 - q`` or below; NaN when it never does
    (too many still open).

    Args:
        durations: One duration per row; NaN rows are left out.
        observed: Whether each duration ended (true) or was cut off (false).
        grouping: The group of every row.
        quantiles: Fractions in (0, 1).

    Returns:
        ``count`` (rows used), ``events``, ``censored`` and ``quantiles``
        (one row per level, one column per group).

    Example:
        >>> km = grouped_kaplan_meier([1.0, 2.0, 3.0, 4.0], [True, False, True, True],
        ...                           Grouping([0, 0, 0, 0], 1), quantiles=[0.5])
        >>> float(km.quantiles[0, 0])  # S(1) = 3/4, S(3) = 3/4 × 1/2 = 3/8
        3.0
    """
    times = _float_column(durations, "durations")
    ended = np.asarray(observed)
    if ended.shape != times.shape or ended.dtype.kind != "b":
        raise _problem(
            "observed: expected one true/false per duration "
            f"(dtype {ended.dtype}, shape {ended.shape})"
        )
    grouping._check(times, "durations")
    levels = np.asarray(quantiles, dtype=np.float64)
    if levels.ndim != 1 or not ((levels > 0) & (levels < 1)).all():
        raise _problem(f"quantiles: expected fractions between 0 and 1 ({quantiles!r})")
    n_groups = grouping.n_groups
    keep = ~np.isnan(times) & (grouping.codes < n_groups)
    times, ended, codes = times[keep], ended[keep], grouping.codes[keep]
    order = np.lexsort((~ended, times, codes))
    times, ended, codes = times[order], ended[order], codes[order]
    counts = np.bincount(codes, minlength=n_groups)[:n_groups]
    events = np.bincount(codes[ended], minlength=n_groups)[:n_groups]
    result = np.full((levels.size, n_groups), np.nan)
    if times.size:
        starts = np.zeros(n_groups, dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        at_risk = counts[codes] - (np.arange(times.size) - starts[codes])
        # log S after each row: the running sum of log(1 - 1/at_risk) over
        # ended rows, restarted at each group. An end with one incident at
        # risk takes S to 0 (log -inf), so it is marked apart instead.
        factor = np.zeros(times.size)
        steps = ended & (at_risk > 1)
        factor[steps] = np.log1p(-1.0 / at_risk[steps])
        running = np.cumsum(factor)
        first = starts[codes]
        log_survival = running - (running[first] - factor[first])
        log_survival[ended & (at_risk == 1)] = -np.inf
        for index, level in enumerate(levels.tolist()):
            bar = math.log1p(-level) + _SURVIVAL_RTOL
            hit = np.flatnonzero(ended & (log_survival <= bar))
            if hit.size:
                hit_group = codes[hit]
                leading = np.r_[True, hit_group[1:] != hit_group[:-1]]
                result[index, hit_group[leading]] = times[hit[leading]]
    return _SurvivalArrays(
        count=counts.astype(np.int64),
        events=events.astype(np.int64),
        censored=(counts - events).astype(np.int64),
        quantiles=result,
    )


# --- compare -----------------------------------------------------------------


def _format_value(value: float, unit: str | None) -> str:
    if math.isnan(value):
        return "n/a"
    if unit != "s" or not abs(value) < _LONGEST_SPAN_SECONDS:
        return f"{value:.4g}" + (f" {unit}" if unit else "")
    # Durations read the same here as in every table and report.
    return format_duration(timedelta(seconds=value))


def _signed(value: float, unit: str | None) -> str:
    text = _format_value(value, unit)
    return text if text.startswith(("-", "n/a")) else "+" + text


@attrs.frozen
class Comparison:
    """Whether a statistic differs between two samples, and by how much.

    ``a`` is the sample of interest (say, this quarter) and ``b`` the
    reference (last quarter): the difference is ``a - b`` and the ratio
    ``a / b``.

    Attributes:
        column: What was compared (a column name, or ``None``).
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        count_a: Values present in ``a``.
        count_b: Values present in ``b``.
        estimate_a: The statistic of ``a``.
        estimate_b: The statistic of ``b``.
        difference: ``estimate_a - estimate_b``.
        difference_low: Lower end of the bootstrap interval of the difference.
        difference_high: Upper end.
        ratio: ``estimate_a / estimate_b`` (NaN when ``estimate_b`` is 0).
        ratio_low: Lower end of the bootstrap interval of the ratio.
        ratio_high: Upper end.
        p_value: Two-sided permutation p-value of "no difference".
        confidence: Coverage of the intervals.
        n: Bootstrap resamples.
        permutations: Permutations behind :attr:`p_value`.
        unit: Unit of the values (``"s"`` for durations), used by
            :meth:`summary`.
        detectable: The smallest relative change these sample sizes could
            detect with 80% power (:func:`detectable_change`), or ``None``
            when not asked for.
    """

    column: str | None
    stat: str
    count_a: int
    count_b: int
    estimate_a: float
    estimate_b: float
    difference: float
    difference_low: float
    difference_high: float
    ratio: float
    ratio_low: float
    ratio_high: float
    p_value: float
    confidence: float
    n: int
    permutations: int
    unit: str | None = None
    detectable: DetectableChange | None = None

    @property
    def significant(self) -> bool:
        """Whether ``p_value < 1 - confidence``: a change these samples can tell."""
        return self.p_value < 1 - self.confidence

    def summary(self) -> str:
        """The comparison in words, saying plainly whether a change is detectable."""
        what = f"{self.stat} {self.column}" if self.column else self.stat
        level = f"{self.confidence:.0%}"
        lines = [
            f"{what}: {_format_value(self.estimate_a, self.unit)} "
            f"(n={self.count_a}) vs {_format_value(self.estimate_b, self.unit)} "
            f"(n={self.count_b})",
            f"difference {_signed(self.difference, self.unit)}, {level} interval "
            f"[{_signed(self.difference_low, self.unit)}, "
            f"{_signed(self.difference_high, self.unit)}]",
        ]
        if math.isfinite(self.ratio):
            lines.append(
                f"ratio {self.ratio:.2f}, {level} interval "
                f"[{self.ratio_low:.2f}, {self.ratio_high:.2f}]"
            )
        lines.append(
            f"permutation p = {self.p_value:.3g} ({self.permutations} permutations)"
        )
        if self.significant:
            lines.append(
                f"The {self.stat} differs: a difference this large would be rare "
                "if both samples came from the same distribution."
            )
        else:
            spread = ""
            if math.isfinite(self.ratio_low) and math.isfinite(self.ratio_high):
                spread = (
                    f" Changes between {self.ratio_low - 1:+.0%} and "
                    f"{self.ratio_high - 1:+.0%} are all consistent with "
                    "these samples."
                )
            lines.append(
                f"No detectable change: these samples cannot tell whether the "
                f"{self.stat} changed.{spread}"
            )
        if self.detectable is not None:
            lines.append(self.detectable.summary())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _permutation_p(
    a: FloatArray,
    b: FloatArray,
    q: float | None,
    observed: float,
    permutations: int,
    rng: np.random.Generator,
) -> float:
    pooled = np.concatenate([a, b])
    total = pooled.size
    split = a.size
    chunk = max(1, _CHUNK_ELEMENTS // total)
    rows = np.arange(total, dtype=np.int64)
    extreme = 0
    done = 0
    # Differences equal to the observed one up to rounding count as extreme.
    bar = abs(observed) * (1 - 1e-12)
    while done < permutations:
        k = min(chunk, permutations - done)
        shuffled = pooled[rng.permuted(np.broadcast_to(rows, (k, total)), axis=1)]
        first, second = shuffled[:, :split], shuffled[:, split:]
        if q is None:
            diff = first.mean(axis=1) - second.mean(axis=1)
        else:
            diff = np.percentile(first, q * 100, axis=1) - np.percentile(
                second, q * 100, axis=1
            )
        extreme += int(np.count_nonzero(np.abs(diff) >= bar))
        done += k
    return (extreme + 1) / (permutations + 1)


def compare_samples(
    a: ArrayLike,
    b: ArrayLike,
    *,
    stat: str = "median",
    n: int = 2000,
    permutations: int = 2000,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
    column: str | None = None,
    unit: str | None = None,
    detectable: bool = False,
) -> Comparison:
    """Compare a statistic of two samples: difference, interval, p-value.

    The interval comes from resampling each sample on its own (bootstrap
    percentile interval); the p-value from shuffling the pooled values
    between the two samples (a permutation test of "same distribution",
    two-sided, counting shuffles at least as extreme as the observed
    difference). NaN values are left out.

    Args:
        a: The sample of interest.
        b: The reference sample.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        n: Bootstrap resamples.
        permutations: Shuffles for the p-value.
        seed: Seed or generator for :func:`numpy.random.default_rng`.
        confidence: Coverage of the intervals.
        column: A name for :meth:`Comparison.summary`.
        unit: ``"s"`` shows values as durations in the summary.
        detectable: Also simulate the smallest relative change these sample
            sizes could detect (:func:`detectable_change`, 80% power, level
            ``1 - confidence``), for :meth:`Comparison.summary`.

    Raises:
        ValidationError: When a sample has no values, or for bad arguments.

    Example:
        Durations of incidents are heavy-tailed; with 200 incidents a side a
        10% longer median is usually not detectable:

        >>> rng = np.random.default_rng(4)
        >>> before = rng.lognormal(np.log(3600), 1.0, 200)
        >>> after = 1.1 * rng.lognormal(np.log(3600), 1.0, 200)
        >>> result = compare_samples(after, before, seed=1, unit="s")
        >>> result.significant
        False
    """
    q = _check_stat(stat)
    resamples = _check_count(n, "n", maximum=MAX_RESAMPLES)
    shuffles = _check_count(permutations, "permutations", maximum=MAX_RESAMPLES)
    level = _check_confidence(confidence)
    first = _float_column(a, "a")
    second = _float_column(b, "b")
    first = first[~np.isnan(first)]
    second = second[~np.isnan(second)]
    for name, sample in (("a", first), ("b", second)):
        if sample.size == 0:
            raise _problem(f"{name}: no values to compare (all missing or empty)")
    rng = _rng(seed)
    both = np.concatenate([first, second])
    grouping = Grouping(np.repeat([0, 1], [first.size, second.size]), 2)
    ordered = _sorted_groups(both, grouping)
    estimate_a, estimate_b = _estimate(ordered, q).tolist()
    replicates = _replicates(ordered, q, resamples, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = replicates[:, 0] / replicates[:, 1]
        ratio = estimate_a / estimate_b if estimate_b else math.nan
    difference_low, difference_high = _interval(
        (replicates[:, 0] - replicates[:, 1])[:, None], level
    )
    finite = ratios[np.isfinite(ratios)]
    if finite.size == ratios.size:
        ratio_low, ratio_high = _interval(finite[:, None], level)
        ratio_bounds = (float(ratio_low[0]), float(ratio_high[0]))
    else:
        ratio_bounds = (math.nan, math.nan)
    difference = estimate_a - estimate_b
    p_value = _permutation_p(first, second, q, difference, shuffles, rng)
    return Comparison(
        column=column,
        stat=stat,
        count_a=int(first.size),
        count_b=int(second.size),
        estimate_a=estimate_a,
        estimate_b=estimate_b,
        difference=difference,
        difference_low=float(difference_low[0]),
        difference_high=float(difference_high[0]),
        ratio=ratio,
        ratio_low=ratio_bounds[0],
        ratio_high=ratio_bounds[1],
        p_value=p_value,
        confidence=level,
        n=resamples,
        permutations=shuffles,
        unit=unit,
        detectable=detectable_change(
            first, second, stat=stat, alpha=1 - level, seed=rng
        )
        if detectable
        else None,
    )


# --- how large a change could be seen ----------------------------------------

#: Relative changes tried by :func:`detectable_change`, smallest first.
CHANGES: Final = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 1.0,
                  1.5, 2.0, 3.0, 5.0, 10.0)  # fmt: skip


@attrs.frozen
class DetectableChange:
    """The smallest relative change in a statistic a test would detect.

    Attributes:
        stat: The statistic, e.g. ``"median"``.
        count_a: Sample size of ``a``.
        count_b: Sample size of ``b``.
        change: The smallest relative change (0.45 for +45%) among
            :data:`CHANGES` detected with at least :attr:`power`; ``None``
            when even a tenfold change is not (or the statistic is 0 and
            cannot change by scaling).
        power: The power asked for, e.g. 0.8.
        reached: The share of simulated trials in which that change was
            detected (NaN when ``change`` is None).
        alpha: The test's level.
        trials: Simulated pairs of samples per change tried.
        permutations: Shuffles per trial's permutation test.
        reason: Why no change is detectable when it is not for a reason
            other than the sample sizes, else ``None``.
    """

    stat: str
    count_a: int
    count_b: int
    change: float | None
    power: float
    reached: float
    alpha: float
    trials: int
    permutations: int
    reason: str | None = None

    def summary(self) -> str:
        """The answer in words."""
        sizes = f"With {self.count_a:,} and {self.count_b:,} incidents"
        if self.reason is not None:
            return f"{sizes}, no relative change is detectable: {self.reason}."
        if self.change is None:
            return (
                f"{sizes}, not even a tenfold change in the {self.stat} would be "
                f"detectable ({self.power:.0%} power)."
            )
        return (
            f"{sizes}, only a change of {self.change:.0%} or more in the "
            f"{self.stat} would be detectable ({self.power:.0%} power)."
        )


def _permutation_p_many(
    first: FloatArray,
    second: FloatArray,
    q: float | None,
    permutations: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Permutation p-values of many pairs of samples at once, row by row."""
    trials, split = first.shape
    pooled = np.concatenate([first, second], axis=1)
    total = pooled.shape[1]

    def stat_of(values: FloatArray) -> FloatArray:
        found: FloatArray = (
            values.mean(axis=-1)
            if q is None
            else np.percentile(values, q * 100, axis=-1)
        )
        return found

    observed = np.abs(stat_of(first) - stat_of(second))
    bar = observed * (1 - 1e-12)
    extreme = np.zeros(trials, dtype=np.int64)
    rows = np.arange(total, dtype=np.int64)
    chunk = max(1, _CHUNK_ELEMENTS // (total * trials))
    done = 0
    while done < permutations:
        k = min(chunk, permutations - done)
        order = rng.permuted(np.broadcast_to(rows, (trials, k, total)), axis=2)
        shuffled = np.take_along_axis(pooled[:, None, :], order, axis=2)
        diff = stat_of(shuffled[:, :, :split]) - stat_of(shuffled[:, :, split:])
        extreme += np.count_nonzero(np.abs(diff) >= bar[:, None], axis=1)
        done += k
    p: FloatArray = (extreme + 1) / (permutations + 1)
    return p


def detectable_change(
    a: ArrayLike,
    b: ArrayLike | None = None,
    *,
    stat: str = "median",
    power: float = 0.8,
    alpha: float = 0.05,
    trials: int = 200,
    permutations: int = 200,
    seed: int | np.random.Generator | None = None,
) -> DetectableChange:
    """The smallest relative change in a statistic :func:`compare_samples` would detect.

    By simulation on the data's own values: pairs of samples of the sizes
    of ``a`` and ``b`` are drawn with replacement from the values of both,
    one of each pair is multiplied by ``1 + change`` (a change of that
    relative size in every quantile), and the permutation test of
    :func:`compare_samples` is run on each pair. The answer is the smallest
    change of :data:`CHANGES` detected (``p < alpha``) in at least
    ``power`` of the trials. The same random draws serve every change, so
    the power grows with the change and a bisection over :data:`CHANGES`
    finds it.

    Args:
        a: One sample (NaN left out).
        b: The other; ``None`` for two samples of ``a``'s size from ``a``.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        power: The share of trials that must detect the change.
        alpha: The test's level (``compare``'s ``1 - confidence``).
        trials: Simulated pairs per change.
        permutations: Shuffles per permutation test.
        seed: Seed or generator.

    Raises:
        ValidationError: For an empty sample or bad arguments.

    Example:
        Log-normal durations (σ = 1), 40 incidents a side:

        >>> rng = np.random.default_rng(0)
        >>> found = detectable_change(rng.lognormal(8, 1, 40),
        ...                           rng.lognormal(8, 1, 40), seed=1)
        >>> found.change is not None and found.change >= 0.3
        True
    """
    q = _check_stat(stat)
    level = _check_confidence(power)
    given: object = alpha  # callers pass anything; say so by name
    if isinstance(given, bool) or not (
        isinstance(given, (int, float)) and 0 < given < 1
    ):
        raise _problem(f"alpha: expected a number between 0 and 1 ({alpha!r})")
    rounds = _check_count(trials, "trials", maximum=100_000)
    shuffles = _check_count(permutations, "permutations", maximum=100_000)
    first = _float_column(a, "a")
    first = first[~np.isnan(first)]
    second = first if b is None else _float_column(b, "b")
    second = second[~np.isnan(second)]
    for name, sample in (("a", first), ("b", second)):
        if sample.size == 0:
            raise _problem(f"{name}: no values (all missing or empty)")
    pool = first if b is None else np.concatenate([first, second])
    rng = _rng(seed)
    pooled = pool[None, :]
    centre = float(pooled.mean() if q is None else np.percentile(pooled, q * 100))
    if centre == 0:
        # Zeros stay zero when scaled: a statistic of 0 cannot change by a
        # relative amount, however many incidents there are.
        return DetectableChange(
            stat=stat,
            count_a=int(first.size),
            count_b=int(second.size),
            change=None,
            power=level,
            reached=math.nan,
            alpha=float(alpha),
            trials=rounds,
            permutations=shuffles,
            reason=f"the {stat} of the values is 0 (most are zero)",
        )
    draw_a = pool[rng.integers(0, pool.size, (rounds, first.size))]
    draw_b = pool[rng.integers(0, pool.size, (rounds, second.size))]
    # One generator state per change: the same shuffles for every change.
    state = rng.integers(0, 2**63)

    def detected(change: float) -> float:
        p = _permutation_p_many(
            draw_a * (1 + change), draw_b, q, shuffles, np.random.default_rng(state)
        )
        return float(np.mean(p < alpha))

    low, high = 0, len(CHANGES) - 1
    top = detected(CHANGES[high])
    if top < level:
        found: float | None = None
        reached = math.nan
    else:
        reached = top
        while low < high:
            middle = (low + high) // 2
            share = detected(CHANGES[middle])
            if share >= level:
                high, reached = middle, share
            else:
                low = middle + 1
        found = CHANGES[high]
    return DetectableChange(
        stat=stat,
        count_a=int(first.size),
        count_b=int(second.size),
        change=found,
        power=level,
        reached=reached,
        alpha=float(alpha),
        trials=rounds,
        permutations=shuffles,
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

    def __str__(self) -> str:
        columns = {
            name: [_cell(value) for value in array]
            for name, array in self._columns().items()
        }
        widths = {
            name: max([len(name), *(len(cell) for cell in cells)])
            for name, cells in columns.items()
        }
        lines = ["  ".join(name.rjust(widths[name]) for name in columns)]
        lines += [
            "  ".join(columns[name][row].rjust(widths[name]) for name in columns)
            for row in range(len(self))
        ]
        return "\n".join(line.rstrip() for line in lines)


def _cell(value: object) -> str:
    shown = _python(value)
    if shown is None:
        return "nan" if isinstance(value, (float, np.floating)) else "-"
    if isinstance(shown, float):
        return f"{shown:.6g}"
    return str(shown)


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

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


@attrs.frozen(eq=False, repr=False)
class BootstrapStats(_ByGroup):
    """A statistic per group with its bootstrap percentile interval.

    Attributes:
        column: The column.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        by: The keys.
        groups: The group labels, sorted.
        count: Values present per group (the sample size behind each interval).
        estimate: The statistic of each group's sample.
        low: Lower end of the interval.
        high: Upper end.
        confidence: Coverage of the intervals, e.g. 0.95.
        n: Resamples.
    """

    column: str
    stat: str
    by: tuple[str, ...]
    groups: NDArray[Any]
    count: IntArray
    estimate: FloatArray
    low: FloatArray
    high: FloatArray
    confidence: float
    n: int

    _FIELDS = ("count", "estimate", "low", "high")

    def __repr__(self) -> str:
        return (
            f"BootstrapStats({self.stat} {self.column!r} by {list(self.by)}, "
            f"{len(self)} groups, {self.confidence:.0%})"
        )

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


@attrs.frozen(eq=False, repr=False)
class IntervalStats(_ByGroup):
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

    _FIELDS = ("count", "estimate", "low", "high", "reached", "reason")

    @property
    def available(self) -> NDArray[np.bool_]:
        """Whether each group has an interval."""
        return ~np.isnan(self.low)

    def __repr__(self) -> str:
        return (
            f"IntervalStats({self.stat} {self.column!r} by {list(self.by)}, "
            f"{len(self)} groups, {self.confidence:.0%}, {self.method})"
        )

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        return _display.html(self)


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
        median: Duration by which half of the incidents had ended; NaN when
            the estimate never falls that low (too many still open).
        p90: Duration by which 90% had ended.
        p95: Duration by which 95% had ended.
        as_of: When the open incidents' ages were taken (ISO 8601).
    """

    column: str
    by: tuple[str, ...]
    groups: NDArray[Any]
    count: IntArray
    ended: IntArray
    censored: IntArray
    missing: IntArray
    median: FloatArray
    p90: FloatArray
    p95: FloatArray
    as_of: str | None

    _FIELDS = ("count", "ended", "censored", "missing", "median", "p90", "p95")

    def __repr__(self) -> str:
        return f"SurvivalStats({self.column!r} by {list(self.by)}, {len(self)} groups)"


def _as_tuple(value: str | Iterable[str] | None, name: str = "by") -> tuple[str, ...]:
    """``None``, a name or an iterable of names as a tuple of names."""
    if value is None:
        return ()
    return texts(value, name, expected="a column name or a list of them")
