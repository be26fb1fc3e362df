"""Groups of rows and the machinery that orders values within them.

A :class:`Grouping` gives one integer code per row. Values are mapped to unsigned
keys that sort like the floats, sorted or bucketed by group, and quantile ranks
are interpolated as :func:`numpy.percentile` does (see
:mod:`incidentkit.table.summaries`).
"""

from __future__ import annotations

import math
import threading
from typing import Any, Final

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from incidentkit.table._checks import _problem

__all__ = [
    "Grouping",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_SIGN: Final = np.uint64(1 << 63)
# float64 holds every whole number below 2**53 exactly.
_EXACT: Final = float(1 << 53)
_ALL: Final = np.uint64((1 << 64) - 1)
_UINTS: Final = ((8, np.uint8), (16, np.uint16), (32, np.uint32), (64, np.uint64))


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
