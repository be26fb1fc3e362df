"""Intervals that claim only the coverage they have: order statistics or bootstrap."""

from __future__ import annotations

from typing import Any, Final

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from incidentkit.table._checks import (
    _check_confidence,
    _check_stat,
    _problem,
)
from incidentkit.table.bootstrap import (
    BOOTSTRAP_MIN_COUNT,
    NO_VALUES,
    TOO_FEW,
    _estimate,
    grouped_bootstrap,
)
from incidentkit.table.grouping import (
    FloatArray,
    Grouping,
    IntArray,
    _float_column,
    _sorted_groups,
)

__all__ = [
    "BOOTSTRAP_MIN_COUNT",
    "INTERVAL_METHODS",
    "grouped_intervals",
    "order_statistic_ranks",
]


# --- intervals that claim only the coverage they have -----------------------

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
        found_arrays = grouped_bootstrap(
            column,
            grouping,
            stat=stat,
            n=n,
            seed=seed,
            confidence=level,
            min_count=min_count,
        )
        low, high = found_arrays.low, found_arrays.high
        reached = np.full(counts.size, np.nan)
        reason = found_arrays.reason
        used = "bootstrap"
    for group in np.flatnonzero(counts == 0).tolist():
        reason[group] = NO_VALUES
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
