from __future__ import annotations

import itertools
import math
from collections import Counter
from fractions import Fraction
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidentkit.errors import ValidationError
from incidentkit.table.stats import (
    BOOTSTRAP_MIN_COUNT,
    MAX_RESAMPLES,
    BootstrapStats,
    Grouping,
    GroupStats,
    _permutation_p_many,
    _replicates,
    _sorted_groups,
    compare_samples,
    detectable_change,
    grouped_bootstrap,
    grouped_intervals,
    grouped_kaplan_meier,
    grouped_summary,
    order_statistic_ranks,
)

# --- references: plain loops -------------------------------------------------


def loop_summary(values: list[float], codes: list[int], n_groups: int) -> dict:
    """One group at a time with numpy.percentile, as a user would write it."""
    out: dict[str, list[float]] = {
        key: []
        for key in ("count", "missing", "mean", "median", "p90", "p95", "min", "max")
    }
    for group in range(n_groups):
        rows = [
            value for value, code in zip(values, codes, strict=True) if code == group
        ]
        present = np.array([value for value in rows if not math.isnan(value)])
        out["count"].append(present.size)
        out["missing"].append(len(rows) - present.size)
        if present.size == 0:
            for key in ("mean", "median", "p90", "p95", "min", "max"):
                out[key].append(math.nan)
            continue
        out["mean"].append(float(np.mean(present)))
        out["median"].append(float(np.percentile(present, 50)))
        out["p90"].append(float(np.percentile(present, 90)))
        out["p95"].append(float(np.percentile(present, 95)))
        out["min"].append(float(np.min(present)))
        out["max"].append(float(np.max(present)))
    return out


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def assert_summary_matches(values, codes, n_groups, method):
    result = grouped_summary(
        np.array(values, dtype=np.float64), Grouping(codes, n_groups), method=method
    )
    expected = loop_summary(values, codes, n_groups)
    assert result.count.tolist() == expected["count"]
    assert result.missing.tolist() == expected["missing"]
    for key in ("median", "p90", "p95", "min", "max"):
        got = getattr(result, key).tolist()
        assert all(map(same, got, expected[key])), (key, got, expected[key])
    for got, want, group in zip(
        result.mean.tolist(), expected["mean"], range(n_groups), strict=True
    ):
        if math.isnan(want):
            assert math.isnan(got)
        else:
            scale = max(
                abs(v)
                for v, c in zip(values, codes, strict=True)
                if c == group and v == v
            )
            assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12 * scale)


# --- grouped_summary ---------------------------------------------------------

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, width=64)
value_lists = st.lists(finite | st.just(math.nan) | st.just(-0.0), max_size=60)


@given(data=st.data(), method=st.sampled_from(["sort", "select", "auto"]))
def test_summary_equals_a_loop_with_numpy_percentile(data, method):
    n_groups = data.draw(st.integers(min_value=1, max_value=6))
    values = data.draw(value_lists)
    # Negative codes put rows in no group; some groups stay empty.
    codes = data.draw(
        st.lists(
            st.integers(min_value=-1, max_value=n_groups - 1),
            min_size=len(values),
            max_size=len(values),
        )
    )
    assert_summary_matches(values, codes, n_groups, method)


@given(
    values=st.lists(
        st.floats(allow_nan=True, allow_infinity=False, width=64), max_size=30
    ),
    method=st.sampled_from(["sort", "select"]),
)
def test_summary_quantiles_over_the_whole_float_range(values, method):
    # Extreme magnitudes force the lexsort path (value bits + group bits > 64)
    # and the widest buckets; means may overflow, quantiles may not differ.
    codes = [index % 2 for index in range(len(values))]
    result = grouped_summary(
        np.array(values, dtype=float), Grouping(codes, 2), method=method
    )
    with np.errstate(all="ignore"):  # numpy's own overflow near the limits
        expected = loop_summary(values, codes, 2)
    for key in ("median", "p90", "p95", "min", "max"):
        assert all(map(same, getattr(result, key).tolist(), expected[key])), key


def test_summary_by_hand():
    # Group 0 holds 1, 3, 5 (and a NaN): median 3; p90 at rank 0.9 × 2 = 1.8,
    # 3 + 0.8 × (5 − 3) = 4.6; p95 at 1.9: 3 + 0.9 × 2 = 4.8; mean 9 / 3 = 3.
    # Group 1 holds −2 alone; group 2 is empty.
    result = grouped_summary(
        [5.0, 1.0, math.nan, 3.0, -2.0], Grouping([0, 0, 0, 0, 1], 3)
    )
    assert result.count.tolist() == [3, 1, 0]
    assert result.missing.tolist() == [1, 0, 0]
    assert result.mean[:2].tolist() == [3.0, -2.0]
    assert result.median[:2].tolist() == [3.0, -2.0]
    assert result.p90[0] == pytest.approx(4.6)
    assert result.p95[0] == pytest.approx(4.8)
    assert result.min[:2].tolist() == [1.0, -2.0]
    assert result.max[:2].tolist() == [5.0, -2.0]
    assert np.isnan(result.median[2])
    assert np.isnan(result.mean[2])


@pytest.mark.parametrize(
    ("values", "method"),
    [
        ([1.0, 2.0, 2.0, 3.0], "sort-uint8"),  # a few bits of value, one group bit
        ([1.0, 1.5, 2.5, 3.0], "sort-uint64"),  # mantissa bits spread out
        ([-1e300, 1e300, 5.0, -5.0], "lexsort"),  # 64 value bits + a group bit
    ],
)
def test_sort_path_uses_the_narrowest_key(values, method):
    result = grouped_summary(values, Grouping([0, 1, 0, 1], 2), method="sort")
    assert result.method == method
    assert_summary_matches(values, [0, 1, 0, 1], 2, "sort")


def test_select_path_on_a_large_heavy_tailed_sample():
    rng = np.random.default_rng(5)
    n = 80_000
    values = np.round(rng.lognormal(8, 1.5, n))
    values[rng.random(n) < 0.1] = np.nan
    values[:100] = -values[:100]  # negative spans
    codes = rng.integers(-1, 7, n)
    result = grouped_summary(values, Grouping(codes, 7))
    assert result.method == "select"
    assert_summary_matches(values.tolist(), codes.tolist(), 7, "select")


def test_summary_of_nothing():
    result = grouped_summary(np.empty(0), Grouping(np.empty(0, dtype=int), 2))
    assert result.count.tolist() == [0, 0]
    assert np.isnan(result.median).all()
    all_missing = grouped_summary(
        [math.nan] * 3, Grouping([0, 1, 1], 2), method="select"
    )
    assert all_missing.missing.tolist() == [1, 2]


def test_grouping_rejects_bad_codes():
    with pytest.raises(ValidationError, match="codes: must be below n_groups=2"):
        Grouping([0, 2], 2)
    with pytest.raises(
        ValidationError, match="codes: expected a 1-D array of integers"
    ):
        Grouping([0.5], 2)
    with pytest.raises(ValidationError, match="n_groups: must be >= 0"):
        Grouping([], -1)
    with pytest.raises(
        ValidationError, match="values: has 1 rows but the grouping has 2"
    ):
        grouped_summary([1.0], Grouping([0, 0], 1))
    with pytest.raises(ValidationError, match="method: expected"):
        grouped_summary([1.0], Grouping([0], 1), method="fast")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="values: expected numbers"):
        grouped_summary(["a"], Grouping([0], 1))


def test_summary_does_not_modify_its_input():
    values = np.array([3.0, math.nan, -1.0])
    codes = np.array([0, 0, 1])
    grouped_summary(values, Grouping(codes, 2), method="select")
    grouped_summary(values, Grouping(codes, 2), method="sort")
    assert values[0] == 3.0
    assert math.isnan(values[1])
    assert values[2] == -1.0
    assert codes.tolist() == [0, 0, 1]


# --- bootstrap ---------------------------------------------------------------


def exact_resampling_distribution(sample: list[float], statistic) -> Counter:
    """Every resample with replacement, equally likely: the true distribution."""
    found: Counter = Counter()
    for draw in itertools.product(sample, repeat=len(sample)):
        found[statistic(np.array(draw))] += 1
    return found


@pytest.mark.parametrize(
    ("stat", "statistic"),
    [
        ("median", lambda x: float(np.percentile(x, 50))),
        ("p90", lambda x: float(np.percentile(x, 90))),
        ("mean", lambda x: float(np.mean(x))),
    ],
)
def test_bootstrap_replicates_follow_the_resampling_distribution(stat, statistic):
    # The order-statistic shortcut must draw exactly what resampling all m
    # values draws; with 4 values there are 4**4 = 256 equally likely
    # resamples to enumerate.
    sample = [1.0, 2.0, 4.0, 8.0]
    exact = exact_resampling_distribution(sample, statistic)
    q = {"median": 0.5, "p90": 0.9, "mean": None}[stat]
    ordered = _sorted_groups(np.array(sample), Grouping([0] * 4, 1))
    n = 40_000
    drawn = _replicates(ordered, q, n, np.random.default_rng(11))[:, 0]
    seen = Counter(np.round(drawn, 9).tolist())
    total = sum(exact.values())
    for value, ways in exact.items():
        p = ways / total
        # Within five standard errors of the binomial count.
        assert abs(seen[round(value, 9)] - n * p) <= 5 * math.sqrt(n * p * (1 - p)) + 1
    assert set(seen) <= {round(value, 9) for value in exact}


def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    rng = np.random.default_rng(3)
    values = rng.lognormal(7, 1.0, 500)
    codes = rng.integers(0, 3, 500)
    first = grouped_bootstrap(values, Grouping(codes, 3), seed=42, n=1000)
    second = grouped_bootstrap(values, Grouping(codes, 3), seed=42, n=1000)
    assert first.low.tolist() == second.low.tolist()
    assert first.high.tolist() == second.high.tolist()
    for group in range(3):
        present = values[codes == group]
        assert first.estimate[group] == np.percentile(present, 50)
        assert first.count[group] == present.size
        assert first.low[group] < first.estimate[group] < first.high[group]


def test_bootstrap_edge_groups():
    # Group 0 has one value: every resample is that value. Group 1 is empty.
    result = grouped_bootstrap(
        [7.0, math.nan], Grouping([0, 1], 2), seed=1, n=50, min_count=1
    )
    assert result.low[0] == result.high[0] == result.estimate[0] == 7.0
    assert np.isnan([result.low[1], result.high[1], result.estimate[1]]).all()
    assert result.reason.tolist() == [None, "no values"]


def test_bootstrap_gives_intervals_only_from_the_minimum_size():
    # A group of 5 gets no bootstrap interval of its median (the percentile
    # bootstrap covers far less than 95% there); a group of 400 does.
    rng = np.random.default_rng(11)
    values = np.concatenate([rng.exponential(1.0, 5), rng.exponential(1.0, 400)])
    grouping = Grouping(np.repeat([0, 1], [5, 400]), 2)
    result = grouped_bootstrap(values, grouping, seed=2, n=1000)
    assert result.count.tolist() == [5, 400]
    assert np.isnan(result.low[0])
    assert np.isnan(result.high[0])
    assert result.estimate[0] == np.median(values[:5])
    assert result.reason[0] == (
        "too few incidents: a bootstrap interval of a median needs 30, this group has 5"
    )
    assert result.reason[1] is None
    # The median of Exp(1) is ln 2; 400 draws put it within about ±0.1.
    assert result.low[1] < np.median(values[5:]) < result.high[1]
    assert 0.05 < result.high[1] - result.low[1] < 0.4
    assert result.low[1] < math.log(2) < result.high[1]
    assert BOOTSTRAP_MIN_COUNT["median"] == 30


def test_compare_gives_no_interval_below_the_minimum_size():
    rng = np.random.default_rng(12)
    small = rng.exponential(1.0, 20)
    large = rng.exponential(1.0, 400)
    few = compare_samples(small, large, seed=1, n=300, permutations=100)
    assert math.isnan(few.difference_low)
    assert math.isnan(few.difference_high)
    assert math.isnan(few.ratio_low)
    assert math.isnan(few.ratio_high)
    assert few.reason == (
        "too few incidents: a bootstrap interval of a median needs 30, a has 20"
    )
    assert "no 95% interval: too few incidents" in few.summary()
    assert not math.isnan(few.p_value)
    other = compare_samples(large, small, seed=1, n=300, permutations=100)
    assert other.reason is not None
    assert other.reason.endswith("b has 20")
    both = compare_samples(large, large * 1.5, seed=1, n=300, permutations=100)
    assert both.reason is None
    assert both.difference_low < both.difference < both.difference_high
    assert both.ratio_low < 1 / 1.5 < both.ratio_high


def test_bootstrap_arguments():
    with pytest.raises(ValidationError, match="stat: expected one of mean, median"):
        grouped_bootstrap([1.0], Grouping([0], 1), stat="mode")
    with pytest.raises(ValidationError, match="n: must be at least 1"):
        grouped_bootstrap([1.0], Grouping([0], 1), n=0)
    with pytest.raises(ValidationError, match="confidence: expected a number between"):
        grouped_bootstrap([1.0], Grouping([0], 1), confidence=95)


# --- Kaplan–Meier ------------------------------------------------------------


def kaplan_meier_exact(times, ended, levels):
    """The textbook estimator with exact fractions, one group."""
    rows = sorted(zip(times, ended, strict=True), key=lambda row: (row[0], not row[1]))
    at_risk = len(rows)
    survival = Fraction(1)
    found = [math.nan] * len(levels)
    for time, end in rows:
        if end:
            survival *= Fraction(at_risk - 1, at_risk)
            for index, level in enumerate(levels):
                if math.isnan(found[index]) and survival <= 1 - Fraction(level):
                    found[index] = time
        at_risk -= 1
    return found


levels = (0.5, 0.9, 0.95)


@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=8).map(float),  # many ties
            st.booleans(),
            st.integers(min_value=-1, max_value=2),
        ),
        max_size=30,
    )
)
def test_kaplan_meier_equals_the_exact_textbook_estimate(rows):
    times = [row[0] for row in rows]
    ended = [row[1] for row in rows]
    codes = [row[2] for row in rows]
    result = grouped_kaplan_meier(
        np.array(times), np.array(ended, dtype=bool), Grouping(codes, 3), levels
    )
    for group in range(3):
        mine = [(t, e) for t, e, c in rows if c == group]
        expected = kaplan_meier_exact(
            [t for t, _ in mine],
            [e for _, e in mine],
            [Fraction(str(q)) for q in levels],
        )
        got = result.quantiles[:, group].tolist()
        assert all(map(same, got, expected)), (group, got, expected)
        assert result.count[group] == len(mine)
        assert result.events[group] == sum(e for _, e in mine)
        assert result.censored[group] == len(mine) - sum(e for _, e in mine)


@given(
    times=st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=40)
)
def test_kaplan_meier_without_censoring_is_the_inverted_cdf_quantile(times):
    result = grouped_kaplan_meier(
        np.array(times), np.ones(len(times), dtype=bool), Grouping([0] * len(times), 1)
    )
    for index, q in enumerate(levels):
        assert result.quantiles[index, 0] == np.percentile(
            times, q * 100, method="inverted_cdf"
        )


def test_kaplan_meier_by_hand():
    # Durations 1, 2+, 3, 4 (2 still open). S(1) = 3/4; at 3, two are at risk:
    # S(3) = 3/4 × 1/2 = 3/8 <= 1/2, so the median is 3; S(4) = 0, so the p90
    # and p95 are 4. Dropping the open one would also give a median of 3 here,
    # but closing it at 2 would give 2.
    result = grouped_kaplan_meier(
        [1.0, 2.0, 3.0, 4.0], [True, False, True, True], Grouping([0, 0, 0, 0], 1)
    )
    assert result.quantiles[:, 0].tolist() == [3.0, 4.0, 4.0]
    # With most incidents still open the median is never reached.
    open_heavy = grouped_kaplan_meier(
        [1.0, 5.0, 6.0, 7.0], [True, False, False, False], Grouping([0] * 4, 1)
    )
    assert np.isnan(open_heavy.quantiles[:, 0]).all()


def test_kaplan_meier_arguments():
    with pytest.raises(ValidationError, match="observed: expected one true/false"):
        grouped_kaplan_meier([1.0], [1], Grouping([0], 1))
    with pytest.raises(ValidationError, match="quantiles: expected fractions"):
        grouped_kaplan_meier([1.0], [True], Grouping([0], 1), quantiles=[50])


# --- compare -----------------------------------------------------------------


def test_compare_a_clear_change():
    rng = np.random.default_rng(8)
    before = rng.lognormal(8, 1.0, 300)
    after = 3 * rng.lognormal(8, 1.0, 300)
    result = compare_samples(after, before, seed=2, n=500, permutations=200)
    assert result.estimate_a == np.percentile(after, 50)
    assert result.estimate_b == np.percentile(before, 50)
    assert result.difference == result.estimate_a - result.estimate_b
    assert result.ratio == pytest.approx(result.estimate_a / result.estimate_b)
    # No shuffle is as extreme as a threefold change: p = 1 / (200 + 1).
    assert result.p_value == pytest.approx(1 / 201)
    assert result.significant
    assert result.difference_low > 0
    assert result.ratio_low > 1
    assert "The median differs" in result.summary()


def test_compare_a_ten_percent_change_is_usually_not_detectable():
    # Log-normal durations (sigma 1), 150 incidents a side: the median's
    # relative standard error is about 1.25 × sqrt(2/150) ≈ 14%, so a 10%
    # change hides in the noise.
    rng = np.random.default_rng(21)
    before = rng.lognormal(np.log(3600), 1.0, 150)
    after = 1.1 * rng.lognormal(np.log(3600), 1.0, 150)
    result = compare_samples(after, before, seed=3, n=500, permutations=300, unit="s")
    assert not result.significant
    assert result.difference_low < 0 < result.difference_high
    assert result.ratio_low < 1.1 < result.ratio_high
    assert "No detectable change" in str(result)


def test_compare_is_reproducible_and_skips_missing_values():
    a = [1.0, 2.0, math.nan, 3.0]
    b = [2.0, 3.0, 4.0]
    first = compare_samples(
        a, b, stat="mean", seed=5, n=200, permutations=100, min_count=1
    )
    second = compare_samples(
        a, b, stat="mean", seed=5, n=200, permutations=100, min_count=1
    )
    assert first == second
    assert (first.count_a, first.count_b) == (3, 3)
    assert (first.estimate_a, first.estimate_b) == (2.0, 3.0)


def test_compare_needs_values():
    with pytest.raises(ValidationError, match="a: no values to compare"):
        compare_samples([math.nan], [1.0])
    with pytest.raises(ValidationError, match="permutations: must be at least 1"):
        compare_samples([1.0], [1.0], permutations=0)


# --- results -----------------------------------------------------------------


def test_group_stats_exports():
    stats = GroupStats(
        column="time_to_resolve",
        by=("severity",),
        groups=np.array([1, 2]),
        count=np.array([2, 0]),
        missing=np.array([0, 1]),
        zero=np.array([0, 0]),
        negative=np.array([1, 0]),
        invalid=np.array([1, 0]),
        mean=np.array([1.5, math.nan]),
        median=np.array([1.5, math.nan]),
        p90=np.array([1.9, math.nan]),
        p95=np.array([1.95, math.nan]),
        min=np.array([1.0, math.nan]),
        max=np.array([2.0, math.nan]),
    )
    assert len(stats) == 2
    as_dict = stats.to_dict()
    assert as_dict["severity"] == [1, 2]
    assert as_dict["median"] == [1.5, None]
    assert stats.to_records()[0] == {
        "severity": 1,
        "count": 2,
        "missing": 0,
        "zero": 0,
        "negative": 1,
        "invalid": 1,
        "mean": 1.5,
        "median": 1.5,
        "p90": 1.9,
        "p95": 1.95,
        "min": 1.0,
        "max": 2.0,
    }
    frame = stats.to_pandas()
    assert frame.index.name == "severity"
    assert frame.loc[1, "p90"] == 1.9
    # Seconds as durations: 1.5, 1.9 and 1.95 s round to 2 s, 1.0 to 1 s; the
    # empty group says it has no value instead of printing nan.
    lines = str(stats).splitlines()
    assert lines[0] == "time_to_resolve by severity: 2 groups"
    assert [line.split() for line in lines[2:5]] == [
        [
            "severity",
            "count",
            "missing",
            "zero",
            "negative",
            "invalid",
            "median",
            "p90",
            "p95",
            "mean",
            "min",
            "max",
        ],
        ["SEV1", "2", "0", "0", "1", "1", "2s", "2s", "2s", "2s", "1s", "2s"],
        ["SEV2", "0", "1", "0", "0", "0", "—", "—", "—", "—", "—", "—"],
    ]
    assert lines[5] == "  —: no value in the group (count 0)"


def test_several_keys_export_as_several_columns():
    groups = np.array(
        [(1, "api"), (2, "db")], dtype=[("severity", int), ("service", object)]
    )
    stats = BootstrapStats(
        column="x",
        stat="median",
        by=("severity", "service"),
        groups=groups,
        count=np.array([3, 4]),
        estimate=np.array([1.0, 2.0]),
        low=np.array([0.5, 1.5]),
        high=np.array([1.5, 2.5]),
        reason=np.array([None, None], dtype=object),
        confidence=0.95,
        n=100,
    )
    assert stats.to_dict()["service"] == ["api", "db"]
    frame = stats.to_pandas()
    assert list(frame.index.names) == ["severity", "service"]
    assert frame.loc[(2, "db"), "high"] == 2.5


# --- argument checks ---------------------------------------------------------


@pytest.mark.parametrize(
    "seed", [-1, np.int64(-2), "x", 1.5, True, [1, 2], np.random.SeedSequence(1)]
)
def test_bad_seed_is_a_validation_error_naming_it(seed):
    grouping = Grouping([0, 0, 0], 1)
    expected = [
        "seed: expected None, a non-negative whole number or a "
        f"numpy.random.Generator ({seed!r})"
    ]
    with pytest.raises(ValidationError) as raised:
        grouped_bootstrap([1.0, 2.0, 3.0], grouping, n=10, seed=seed)
    assert raised.value.errors == expected
    with pytest.raises(ValidationError) as raised:
        compare_samples([1.0, 2.0], [3.0, 4.0], n=10, permutations=10, seed=seed)
    assert raised.value.errors == expected


def test_good_seeds_are_accepted_and_repeatable():
    grouping = Grouping([0] * 5, 1)
    values = [1.0, 2.0, 3.0, 4.0, 100.0]

    def low(seed: object) -> float:
        found = grouped_bootstrap(values, grouping, n=50, seed=seed, min_count=5)  # type: ignore[arg-type]
        return float(found.low[0])

    assert low(0) == low(np.int64(0)) == low(np.random.default_rng(0))
    assert low(2**70) == low(2**70)  # SeedSequence takes any size
    assert not math.isnan(low(None))


@pytest.mark.parametrize(("confidence", "z"), [(0.95, 1.959964), (0.90, 1.644854)])
def test_bootstrap_interval_has_the_stated_coverage(confidence, z):
    # The bootstrap distribution of the mean of 1..50 is close to normal with
    # the population's standard deviation over sqrt(50) (ddof=0: resampling
    # draws from the sample itself), so the percentile interval is about
    # mean ± z·sd/√50, z the normal quantile of the stated confidence.
    sample = np.arange(1.0, 51.0)
    half_width = z * sample.std() / np.sqrt(len(sample))
    result = grouped_bootstrap(
        sample,
        Grouping(np.zeros(50, dtype=np.int64), 1),
        stat="mean",
        n=20_000,
        seed=3,
        confidence=confidence,
        min_count=50,
    )
    assert result.low[0] == pytest.approx(25.5 - half_width, rel=0.01)
    assert result.high[0] == pytest.approx(25.5 + half_width, rel=0.01)


def test_bootstrap_seed_is_used():
    values = np.arange(1.0, 41.0) ** 2
    grouping = Grouping(np.zeros(40, dtype=np.int64), 1)
    one = grouped_bootstrap(values, grouping, n=300, seed=1)
    two = grouped_bootstrap(values, grouping, n=300, seed=2)
    assert (one.low[0], one.high[0]) != (two.low[0], two.high[0])


# --- bounds on resamples and permutations ------------------------------------------


@pytest.mark.parametrize("n", [1_000_001, 10**10, 2**63])
def test_resample_counts_are_bounded(n):
    # Refused before any array is made: 10^10 replicates would need ~80 GB.
    with pytest.raises(ValidationError, match=r"n: must be at most 1,000,000"):
        grouped_bootstrap([1.0, 2.0], Grouping([0, 0], 1), n=n)
    with pytest.raises(ValidationError, match=r"n: must be at most 1,000,000"):
        compare_samples([1.0, 2.0], [3.0, 4.0], n=n)
    with pytest.raises(ValidationError, match=r"permutations: must be at most"):
        compare_samples([1.0, 2.0], [3.0, 4.0], permutations=n)


def test_the_largest_resample_count_is_accepted():
    assert MAX_RESAMPLES == 1_000_000
    result = grouped_bootstrap([1.0, 2.0], Grouping([0, 0], 1), n=MAX_RESAMPLES)
    assert float(result.estimate[0]) == 1.5  # the median of 1 and 2


# --- zero and negative values ------------------------------------------------


@given(
    values=st.lists(
        st.sampled_from([-3.0, -0.0, 0.0, 2.0, 7.5, math.nan]), max_size=40
    ),
    drop=st.booleans(),
)
def test_zero_and_negative_counts_equal_a_loop(values, drop):
    codes = [i % 2 for i in range(len(values))]
    result = grouped_summary(
        np.array(values, dtype=np.float64), Grouping(codes, 2), drop_negative=drop
    )
    for group in range(2):
        rows = [v for v, c in zip(values, codes, strict=True) if c == group]
        negative = sum(1 for v in rows if v < 0)
        used = [v for v in rows if v == v and not (drop and v < 0)]
        assert result.zero[group] == sum(1 for v in used if v == 0)
        assert result.negative[group] == negative
        assert result.invalid[group] == (negative if drop else 0)
        assert result.count[group] == len(used)
        assert result.missing[group] == sum(1 for v in rows if v != v)
        if used:
            assert result.min[group] == min(used)
            assert result.median[group] == float(np.percentile(used, 50))


# --- distribution-free quantile intervals ------------------------------------


def binomial_cdfs(m: int, q: Fraction) -> list[Fraction]:
    """P(B <= k) for k = -1 .. m, B ~ Binomial(m, q), exactly."""
    total = Fraction(0)
    out = [total]
    for i in range(m + 1):
        total += math.comb(m, i) * q**i * (1 - q) ** (m - i)
        out.append(total)
    return out


def shortest_ranks_by_hand(m: int, q: Fraction, confidence: Fraction):
    """Every (l, u) pair tried with exact fractions; the fewest ranks between."""
    cdf = binomial_cdfs(m, q)  # cdf[k + 1] = P(B <= k)
    best = None
    for low in range(1, m + 1):
        for high in range(low, m + 1):
            covered = cdf[high] - cdf[low]  # P(low <= B <= high - 1)
            if covered >= confidence:
                if best is None or high - low < best[1] - best[0]:
                    best = (low, high, covered)
                break
    return best


@pytest.mark.parametrize("stat", ["median", "p90", "p95"])
def test_order_statistic_ranks_are_the_shortest_exact_intervals(stat):
    q = {"median": Fraction(1, 2), "p90": Fraction(9, 10), "p95": Fraction(19, 20)}
    sizes = [*range(1, 21), 33, 40] if stat == "median" else [5, 28, 29, 30, 58, 59, 70]
    low, high, reached = order_statistic_ranks(sizes, float(q[stat]), 0.95)
    for m, lo, hi, got in zip(sizes, low, high, reached, strict=True):
        best = shortest_ranks_by_hand(m, q[stat], Fraction(95, 100))
        if best is None:
            assert (lo, hi) == (0, 0)
            assert math.isnan(got)
            continue
        assert hi - lo == best[1] - best[0], m
        cdf = binomial_cdfs(m, q[stat])
        exact = cdf[int(hi)] - cdf[int(lo)]
        assert exact >= Fraction(95, 100)
        assert got == pytest.approx(float(exact), abs=1e-12)


def test_the_smallest_groups_with_a_95_percent_interval():
    # 1 - q**m - (1 - q)**m >= 0.95 first at m = 6 (median), 29 (p90), 59 (p95).
    for q, needed in ((0.5, 6), (0.9, 29), (0.95, 59)):
        low, _, _ = order_statistic_ranks([needed - 1, needed], q, 0.95)
        assert low.tolist()[0] == 0
        assert low.tolist()[1] >= 1


def true_quantiles(name: str) -> dict[str, float]:
    # Quantiles of the distributions simulated below, from their formulas.
    z = {0.5: 0.0, 0.9: 1.2815515655446004, 0.95: 1.6448536269514722}
    if name == "lognormal":
        return {
            k: math.exp(1.5 * z[p])
            for k, p in (("median", 0.5), ("p90", 0.9), ("p95", 0.95))
        }
    if name == "exponential":
        return {"median": math.log(2), "p90": math.log(10), "p95": math.log(20)}
    # 30% exactly zero, else log-normal(0, 1.5): P(X <= x) = 0.3 + 0.7 Φ(ln x / 1.5).
    # The p-quantile solves Φ(ln x / 1.5) = (p - 0.3) / 0.7.
    inner = {0.5: 2 / 7, 0.9: 6 / 7, 0.95: 6.5 / 7}
    return {
        k: math.exp(1.5 * NormalDist().inv_cdf(inner[p]))
        for k, p in (("median", 0.5), ("p90", 0.9), ("p95", 0.95))
    }


def draw(name: str, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    if name == "lognormal":
        return rng.lognormal(0.0, 1.5, shape)
    if name == "exponential":
        return rng.exponential(1.0, shape)
    values = rng.lognormal(0.0, 1.5, shape)
    values[rng.random(shape) < 0.3] = 0.0
    return values


TRIALS = 2000


@pytest.mark.parametrize("name", ["lognormal", "zero-mixture", "exponential"])
@pytest.mark.parametrize("n", [2, 3, 5, 10, 30, 100])
def test_quantile_intervals_cover_what_they_claim(name, n):
    # All trials at once: one group per trial, one call.
    rng = np.random.default_rng(n * 7 + len(name))
    values = draw(name, rng, (TRIALS, n)).ravel()
    grouping = Grouping(np.repeat(np.arange(TRIALS), n), TRIALS)
    truth = true_quantiles(name)
    for stat in ("median", "p90", "p95"):
        result = grouped_intervals(values, grouping, stat=stat, confidence=0.95)
        given_ = ~np.isnan(result.low)
        # An interval is given to every trial or to none: they share one size.
        assert given_.all() or not given_.any()
        if not given_.any():
            assert all(r.startswith("too few incidents") for r in result.reason)
            continue
        assert (result.reached >= 0.95).all()
        covered = (result.low <= truth[stat]) & (truth[stat] <= result.high)
        # 0.95 less three binomial standard errors of 2,000 trials (0.015).
        assert covered.mean() >= 0.93, (name, n, stat, covered.mean())


def test_every_size_from_the_threshold_has_an_interval():
    sizes = np.arange(1, 200)
    codes = np.repeat(np.arange(sizes.size), sizes)
    values = np.random.default_rng(0).exponential(1.0, codes.size)
    result = grouped_intervals(values, Grouping(codes, sizes.size), stat="p90")
    assert np.flatnonzero(~np.isnan(result.low))[0] + 1 == 29
    assert (~np.isnan(result.low[28:])).all()


def test_bootstrap_intervals_need_their_minimum():
    values = np.arange(1.0, 41.0)
    grouping = Grouping(np.repeat([0, 1], [10, 30]), 2)
    result = grouped_intervals(
        values, grouping, stat="median", method="bootstrap", seed=1
    )
    assert math.isnan(result.low[0])
    assert result.reason[0] == (
        "too few incidents: a bootstrap interval of a median needs 30, "
        "this group has 10"
    )
    assert not math.isnan(result.low[1])
    assert math.isnan(result.reached[1])  # known by simulation only
    lowered = grouped_intervals(
        values, grouping, stat="median", method="bootstrap", seed=1, min_count=5
    )
    assert not math.isnan(lowered.low[0])


def test_interval_arguments_name_the_parameter():
    grouping = Grouping([0], 1)
    with pytest.raises(
        ValidationError, match=r"method: expected one of auto, order, bootstrap \('x'\)"
    ):
        grouped_intervals([1.0], grouping, method="x")
    with pytest.raises(
        ValidationError, match="method: 'order' gives intervals of quantiles only"
    ):
        grouped_intervals([1.0], grouping, stat="mean", method="order")
    with pytest.raises(
        ValidationError, match="confidence: expected a number between 0 and 1"
    ):
        grouped_intervals([1.0], grouping, confidence=1.5)
    with pytest.raises(ValidationError, match="min_count: must be at least 1"):
        grouped_intervals([1.0], grouping, stat="mean", min_count=0)


# --- compare under the null, and the smallest detectable change --------------


def test_compare_p_value_is_rarely_below_005_under_the_null():
    # Both samples from one log-normal: "p < 0.05" must be a ~5% event.
    # 1,000 trials: the false-positive rate's standard error is 0.007.
    rng = np.random.default_rng(12)
    rejected = 0
    trials = 1000
    for trial in range(trials):
        a = rng.lognormal(8.0, 1.2, 20)
        b = rng.lognormal(8.0, 1.2, 25)
        result = compare_samples(a, b, n=1, permutations=199, seed=trial)
        rejected += result.p_value < 0.05
    assert rejected / trials <= 0.065


def test_permutation_p_values_of_many_trials_are_uniform_under_the_null():
    # The vectorised test behind detectable_change, 2,000 trials at once.
    rng = np.random.default_rng(3)
    first = rng.exponential(1.0, (2000, 30))
    second = rng.exponential(1.0, (2000, 30))
    p = _permutation_p_many(first, second, 0.5, 199, rng)
    assert (p < 0.05).mean() <= 0.065


def test_detectable_change_by_hand_on_a_clear_case():
    # Values 1..200 (about uniform), 200 a side. The median of 200 draws has
    # standard error 1 / (2 f sqrt(n)) = 200 / (2 sqrt(200)) = 7.1, a
    # difference of two 10; 80% power at the 5% level needs a shift of
    # (1.96 + 0.84) x 10 = 28 in a median of 100 by normal theory: a change
    # of 0.28 at best. A permutation test of medians does a little worse.
    values = np.arange(1.0, 201.0)
    found = detectable_change(values, values, seed=2, trials=200, permutations=99)
    assert found.change is not None
    assert 0.25 <= found.change <= 0.5
    assert found.reached >= 0.8
    assert found.summary().startswith("With 200 and 200 incidents, only a change of")


def test_detectable_change_grows_as_samples_shrink():
    rng = np.random.default_rng(5)
    big = rng.lognormal(8.0, 1.0, 400)
    small = detectable_change(big[:15], big[15:30], seed=1, trials=100, permutations=99)
    large = detectable_change(big[:200], big[200:], seed=1, trials=100, permutations=99)
    assert large.change is not None
    assert small.change is None or small.change > large.change


def test_detectable_change_says_a_zero_median_cannot_change():
    found = detectable_change([0.0, 0.0, 0.0, 5.0], [0.0, 0.0, 7.0], seed=1)
    assert found.change is None
    assert found.summary() == (
        "With 4 and 3 incidents, no relative change is detectable: "
        "the median of the values is 0 (most are zero)."
    )


def test_compare_summary_says_what_is_detectable():
    rng = np.random.default_rng(7)
    result = compare_samples(
        rng.lognormal(8, 1, 34), rng.lognormal(8, 1, 41), seed=1, detectable=True
    )
    assert result.detectable is not None
    assert result.summary().splitlines()[-1].startswith("With 34 and 41 incidents, ")


def test_detectable_change_arguments():
    with pytest.raises(
        ValidationError, match=r"alpha: expected a number between 0 and 1 \(2\)"
    ):
        detectable_change([1.0], alpha=2)
    with pytest.raises(ValidationError, match="trials: must be at least 1"):
        detectable_change([1.0], trials=0)
    with pytest.raises(ValidationError, match="a: no values"):
        detectable_change([math.nan])
