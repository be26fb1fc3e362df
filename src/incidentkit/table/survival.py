"""Grouped Kaplan–Meier estimates for spans that have not all ended."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import attrs
import numpy as np
from numpy.typing import ArrayLike

from incidentkit.table._checks import _problem
from incidentkit.table.grouping import FloatArray, Grouping, IntArray, _float_column

__all__ = [
    "grouped_kaplan_meier",
]

# Kaplan–Meier survival is a product of many factors, computed as a sum of
# logarithms; a crossing of a quantile's level is accepted within this
# relative rounding, so that S = 0.5 computed as 0.5000000000000001 counts.
_SURVIVAL_RTOL: Final = 1e-9


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
