"""Comparing two samples, and how large a change a sample could detect."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Final

import attrs
import numpy as np
from numpy.typing import ArrayLike

from incidentkit import _display
from incidentkit._format import format_duration
from incidentkit.table._checks import (
    _check_confidence,
    _check_count,
    _check_stat,
    _problem,
    _rng,
)
from incidentkit.table.bootstrap import (
    _CHUNK_ELEMENTS,
    MAX_RESAMPLES,
    _bootstrap_min_count,
    _estimate,
    _interval,
    _replicates,
    _too_few,
)
from incidentkit.table.grouping import (
    FloatArray,
    Grouping,
    _float_column,
    _sorted_groups,
)
from incidentkit.table.results import kind_note

__all__ = [
    "CHANGES",
    "Comparison",
    "DetectableChange",
    "compare_samples",
    "detectable_change",
]


# timedelta's range; longer "durations" are shown as plain numbers.
_LONGEST_SPAN_SECONDS: Final = timedelta.max.total_seconds()


# --- compare -----------------------------------------------------------------


def _format_value(value: float, unit: str | None) -> str:
    if math.isnan(value):
        return "n/a"
    if unit != "s" or not abs(value) < _LONGEST_SPAN_SECONDS:
        return f"{value:.4g}" + (f" {unit}" if unit else "")
    # Durations read the same here as in every table and report.
    return format_duration(timedelta(seconds=value))


def _p_value(p: float) -> str:
    # Below 0.001 the digits only say how many permutations ran (the
    # smallest p is 1 / (permutations + 1)), not how small p really is.
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


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
        difference_low: Lower end of the bootstrap interval of the difference;
            NaN when either sample is below
            :data:`~incidentkit.table.stats.BOOTSTRAP_MIN_COUNT` (see
            :attr:`reason`).
        difference_high: Upper end.
        ratio: ``estimate_a / estimate_b`` (NaN when ``estimate_b`` is 0).
        ratio_low: Lower end of the bootstrap interval of the ratio; NaN as
            for :attr:`difference_low`.
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
        reason: Why the difference and the ratio have no interval
            (``"too few incidents: ..."``), else ``None``.
        maintenance: What ``maintenance=`` of
            :func:`incidentkit.table.frame.compare` was.
        left_out_a: Rows of ``a`` that ``maintenance=`` left out
            (maintenances by default); said in :meth:`summary`.
        left_out_b: Rows of ``b`` left out.
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
    reason: str | None = None
    maintenance: str = "include"
    left_out_a: int = 0
    left_out_b: int = 0

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
        ]
        if self.reason is not None:
            lines.append(
                f"difference {_signed(self.difference, self.unit)}"
                + (f", ratio {self.ratio:.2f}" if math.isfinite(self.ratio) else "")
                + f"; no {level} interval: {self.reason}"
            )
        else:
            lines.append(
                f"difference {_signed(self.difference, self.unit)}, {level} "
                f"interval [{_signed(self.difference_low, self.unit)}, "
                f"{_signed(self.difference_high, self.unit)}]"
            )
            if math.isfinite(self.ratio):
                lines.append(
                    f"ratio {self.ratio:.2f}, {level} interval "
                    f"[{self.ratio_low:.2f}, {self.ratio_high:.2f}]"
                )
        lines.append(
            f"permutation {_p_value(self.p_value)} ({self.permutations} permutations)"
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
        for name, left_out in (("a", self.left_out_a), ("b", self.left_out_b)):
            note = kind_note(self.maintenance, left_out)
            if note is not None:
                lines.append(f"{name}: {note}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """The notebook rendering: the summary's lines (every text escaped)."""
        return _display.html(self)


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
    min_count: int | None = None,
) -> Comparison:
    """Compare a statistic of two samples: difference, interval, p-value.

    The interval comes from resampling each sample on its own (bootstrap
    percentile interval), given only when both samples have at least
    :data:`~incidentkit.table.stats.BOOTSTRAP_MIN_COUNT` values of the
    statistic (NaN bounds and a ``reason`` otherwise); the p-value from
    shuffling the pooled values between the two samples (a permutation test
    of "same distribution", two-sided, counting shuffles at least as extreme
    as the observed difference). NaN values are left out.

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
        min_count: The smallest sample given bootstrap intervals;
            :data:`~incidentkit.table.stats.BOOTSTRAP_MIN_COUNT` of the
            statistic by default.

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
    least = _bootstrap_min_count(stat, min_count)
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
    difference_bounds = (float(difference_low[0]), float(difference_high[0]))
    reason = None
    for name, sample in (("a", first), ("b", second)):
        if reason is None and sample.size < least:
            reason = _too_few(stat, least, int(sample.size), name)
    if reason is not None:
        difference_bounds = ratio_bounds = (math.nan, math.nan)
    p_value = _permutation_p(first, second, q, difference, shuffles, rng)
    return Comparison(
        column=column,
        stat=stat,
        count_a=int(first.size),
        count_b=int(second.size),
        estimate_a=estimate_a,
        estimate_b=estimate_b,
        difference=difference,
        difference_low=difference_bounds[0],
        difference_high=difference_bounds[1],
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
        reason=reason,
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

    def __str__(self) -> str:
        return self.summary()


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
