"""Grouped summaries: count, mean, quantiles, min and max of every group at once.

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

from typing import Final, Literal

import attrs
import numpy as np
from numpy.typing import ArrayLike

from incidentkit.table._checks import QUANTILES, _problem
from incidentkit.table.grouping import (
    FloatArray,
    Grouping,
    IntArray,
    _Buckets,
    _float_column,
    _lerp,
    _quantile_ranks,
    _sorted_groups,
)

__all__ = [
    "Summary",
    "grouped_summary",
]

Method = Literal["auto", "sort", "select"]
# Below this many rows one sort is as fast as bucketing, and simpler.
_SELECT_MIN_ROWS: Final = 1 << 16


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
