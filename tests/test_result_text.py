"""``str()`` of every result: readable durations, labels, sample sizes, words.

Every expected line is worked out by hand from the small input of its test
(the arithmetic is in the comments), not copied from the code's output.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit import _display, synth
from incidentkit.figures.timeline import durations_between
from incidentkit.records.schema import (
    ActionItem,
    Event,
    EventType,
    Incident,
    IncidentRecord,
)
from incidentkit.table.stats import DetectableChange, compare_samples

UTC = timezone.utc
DAY = datetime(2024, 5, 1, tzinfo=UTC)
# A number with more than three decimals, as a raw float prints.
LONG_DECIMALS = re.compile(r"\d\.\d{4,}")


def _record(
    start: datetime,
    seconds: float | None,
    *,
    severity: str = "SEV2",
    items: tuple[ActionItem, ...] = (),
) -> IncidentRecord:
    end = None if seconds is None else start + timedelta(seconds=seconds)
    return IncidentRecord(
        incident=Incident(
            id=f"INC-{start:%d%H%M}",
            title="t",
            severity=severity,
            status="resolved" if end else "investigating",
            declared_at=start,
            resolved_at=end,
        ),
        events=(Event(timestamp=start, type=EventType.TRIGGER),),
        action_items=items,
    )


def _table(seconds: list[float | None], **kwargs: object) -> ik.IncidentTable:
    rows = [_record(DAY + timedelta(hours=i), s) for i, s in enumerate(seconds)]
    return ik.IncidentTable.from_records(rows, **kwargs)  # type: ignore[arg-type]


def _cells(text: str) -> list[list[str]]:
    """Each line split on runs of two or more spaces (cells hold one space)."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]


def test_group_stats():
    stats = _table([60, 120, 180]).group_stats("time_to_resolve", by="severity")
    # [60, 120, 180] s: median 120 s = 2m; p90 at rank 0.9 × 2 = 1.8, so
    # 120 + 0.8 × 60 = 168 s = 2m 48s; p95 at 1.9: 174 s = 2m 54s; mean
    # 120 s; min 1m; max 3m.
    assert _cells(str(stats)) == [
        ["time_to_resolve by severity: 1 group"],
        [""],
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
        ["SEV2", "3", "0", "0", "0", "0", "2m", "2m 48s", "2m 54s", "2m", "1m", "3m"],
    ]


def test_group_stats_of_a_group_without_values_says_so():
    stats = _table([None], as_of=DAY + timedelta(days=1)).group_stats(
        "time_to_resolve", by="severity"
    )
    lines = str(stats).splitlines()
    assert _cells(lines[3]) == [["SEV2", "0", "1", "0", "0", "0", *["—"] * 6]]
    assert lines[-1] == "  —: no value in the group (count 0)"


def test_interval_stats():
    stats = _table([60, 120, 180, 240, 300, 360]).intervals(
        "time_to_resolve", "median", by="severity"
    )
    # Six values: the median is (180 + 240) / 2 = 210 s = 3m 30s. The only
    # 95% interval of a median from six values is (min, max) = 1m – 6m,
    # which covers with probability 1 − 2 × 0.5⁶ = 0.96875 → 96.9%.
    assert _cells(str(stats)) == [
        ["median of time_to_resolve by severity: order statistics"],
        [""],
        ["severity", "count", "median", "95% interval", "reached"],
        ["SEV2", "6", "3m 30s", "1m – 6m", "96.9%"],
    ]


def test_interval_stats_say_too_few_in_words():
    stats = _table([60, 120, 180]).intervals("time_to_resolve", by="severity")
    lines = str(stats).splitlines()
    assert _cells(lines[3]) == [["SEV2", "3", "2m", "too few incidents", "—"]]
    assert lines[4] == (
        "  SEV2: too few incidents: a 95% interval of a median needs 6, "
        "this group has 3"
    )


def test_bootstrap_stats():
    stats = _table([60, 120, 180]).bootstrap(
        "time_to_resolve", "median", by="severity", n=20, seed=1
    )
    # 3 incidents, below the 30 a bootstrap interval of a median needs.
    assert _cells(str(stats)) == [
        ["median of time_to_resolve by severity: bootstrap, 20 resamples"],
        [""],
        ["severity", "count", "median", "95% CI"],
        ["SEV2", "3", "2m", "too few incidents"],
        [
            "SEV2: too few incidents: a bootstrap interval of a median needs 30, "
            "this group has 3"
        ],
    ]


def test_survival_stats_say_what_is_not_reached():
    # Ended after 60, 120 and 180 s; the fourth, declared at 03:00, is
    # still open at 04:00 (aged 1 h). S(60) = 3/4, S(120) = 2/4 → median
    # 120 s = 2m; S(180) = 1/2 × 1/2 = 1/4 and the open one keeps it there,
    # above 0.1 and 0.05: p90 and p95 are not reached.
    table = _table([60, 120, 180, None])
    km = table.survival(by="severity", as_of=DAY + timedelta(hours=4))
    assert _cells(str(km)) == [
        [
            "time_to_resolve by severity, open incidents as lasting at least "
            "their age on 2024-05-01T04:00:00+00:00: 1 group"
        ],
        [""],
        [
            "severity",
            "count",
            "ended",
            "still open",
            "missing",
            "invalid",
            "median",
            "p90",
            "p95",
        ],
        ["SEV2", "4", "3", "1", "0", "0", "2m", "not reached", "not reached"],
        [
            "not reached: too many of the group are still open to say by when "
            "that share of it ends"
        ],
    ]


def test_coverage_stats():
    # One SEV1 incident (detection and prevention required) with a single
    # prevention item, open and due 2024-05-10, before as_of 2024-06-01:
    # requiring 1, covered 0 (share 0%), detection missing once, one item,
    # open, overdue, in one incident with an overdue item.
    item = ActionItem(
        title="fix", type="prevention", status="open", deadline=date(2024, 5, 10)
    )
    rec = _record(DAY, 60, severity="SEV1", items=(item,))
    table = ik.IncidentTable.from_records([rec], as_of=date(2024, 6, 1))
    lines = str(table.action_item_coverage(by="severity")).splitlines()
    assert lines[0] == "Action-item coverage by severity: 1 group"
    assert _cells("\n".join(lines[2:])) == [
        [
            "severity",
            "incidents",
            "requiring",
            "covered",
            "share",
            "missing detection",
            "missing prevention",
            "items",
            "open",
            "overdue",
            "with overdue",
        ],
        ["SEV1", "1", "1", "0", "0%", "1", "0", "1", "1", "1", "1"],
    ]


def test_coverage_stats_without_as_of_say_overdue_is_unknown():
    table = ik.IncidentTable.from_records([_record(DAY, 60, severity="SEV4")])
    text = str(table.action_item_coverage(by="severity"))
    # SEV4 requires no type: the share is not 0% but has no meaning.
    assert "share —: no incident of the group requires an item type" in text
    assert "overdue items unknown: the table has no as_of to compare with" in text


def test_comparison_says_there_is_no_interval_in_words():
    result = compare_samples(
        [60, 120, 180],
        [120, 240, 360],
        seed=1,
        n=50,
        permutations=50,
        unit="s",
        column="time_to_resolve",
    )
    lines = str(result).splitlines()
    # Medians 120 s = 2m and 240 s = 4m; difference −120 s, ratio 0.5.
    assert lines[0] == "median time_to_resolve: 2m (n=3) vs 4m (n=3)"
    assert lines[1] == (
        "difference -2m, ratio 0.50; no 95% interval: too few incidents: a "
        "bootstrap interval of a median needs 30, a has 3"
    )
    assert re.fullmatch(r"permutation p = \d\.\d{3} \(50 permutations\)", lines[2])


def test_comparison_p_value_below_a_thousandth():
    # 2000 permutations: the smallest p is 1 / 2001; samples this far apart
    # (no overlap) give it, and the text says "< 0.001" rather than 0.0005.
    result = compare_samples(
        np.arange(100.0), np.arange(1000.0, 1100.0), permutations=2000, seed=1, n=50
    )
    assert "permutation p < 0.001 (2000 permutations)" in str(result)


def test_detectable_change():
    found = DetectableChange(
        stat="median",
        count_a=40,
        count_b=1200,
        change=0.45,
        power=0.8,
        reached=0.83,
        alpha=0.05,
        trials=200,
        permutations=200,
    )
    assert str(found) == (
        "With 40 and 1,200 incidents, only a change of 45% or more in the "
        "median would be detectable (80% power)."
    )


def test_milestones():
    found = ik.Milestones(
        started=DAY,
        detected=DAY + timedelta(minutes=5),
        resolved=DAY + timedelta(hours=2),
    )
    assert str(found).splitlines() == [
        "Milestones",
        "",
        "  started       2024-05-01 00:00 UTC",
        "  detected      2024-05-01 00:05 UTC",
        "  acknowledged  —",
        "  declared      —",
        "  identified    —",
        "  mitigated     —",
        "  resolved      2024-05-01 02:00 UTC",
        "  —: unknown, no event or field of the record gives it",
    ]


def test_phase_durations():
    found = ik.Milestones(
        started=DAY,
        detected=DAY + timedelta(minutes=5),
        declared=DAY + timedelta(minutes=8),
        resolved=DAY + timedelta(hours=2, minutes=5),
    )
    lines = str(durations_between(found)).splitlines()
    cells = {row[0]: row[1:] for row in _cells("\n".join(lines))}
    # started 00:00, detected 00:05, declared 00:08, resolved 02:05.
    assert cells["time_to_detect"] == ["started → detected", "5m"]
    assert cells["time_to_declare"] == ["detected → declared", "3m"]
    assert cells["time_to_resolve"] == ["started → resolved", "2h 5m"]
    assert cells["time_open"] == ["declared → resolved", "1h 57m"]
    assert cells["time_to_acknowledge"] == ["detected → acknowledged", "—"]
    assert cells["declaration"] == ["detected → declared", "3m"]
    assert lines[-1] == "  —: unknown, a milestone it is measured from is unknown"


def test_phase_durations_out_of_order_say_so():
    # Detected five minutes before it started: time_to_detect and the
    # detection phase are −5 minutes, shown with their sign and explained.
    found = ik.Milestones(started=DAY, detected=DAY - timedelta(minutes=5))
    text = str(durations_between(found))
    cells = {row[0]: row[1:] for row in _cells(text)}
    assert cells["time_to_detect"] == ["started → detected", "-5m"]
    assert cells["detection"] == ["started → detected", "-5m"]
    assert text.count("negative: the milestones are out of order") == 2


def test_impact_score_unknown_says_why():
    score = ik.ImpactScore(
        score=None,
        components={
            "users_share": ik.ImpactComponent(
                weight=10, value=0.0, contribution=0.0, group="breadth"
            )
        },
        user_minutes=None,
        impact_duration=timedelta(minutes=90),
        reason="no impact data",
    )
    assert str(score).splitlines() == [
        "Impact score unknown (no impact data)",
        "user-minutes —",
        "impact duration 1h 30m",
        "",
        "Components",
        "  component    group    weight  value  points",
        "  users_share  breadth      10  0.000    0.00",
    ]


def test_communications_summary():
    made = DAY + timedelta(minutes=10)
    promise = ik.Promise(
        made_at=made,
        promised_by=made + timedelta(minutes=30),
        next_update_at=None,
        broken=None,
        index=0,
        source="communications",
        message="next update in 30 minutes",
    )
    summary = ik.CommunicationsSummary(
        external_updates=(made,),
        time_to_first_update=timedelta(minutes=7),
        gaps=(),
        promises=(promise,),
        broken_promises=(),
        long_gaps=(),
    )
    assert str(summary).splitlines() == [
        "Communications",
        "",
        "  external updates      1",
        "  time to first update  7m",
        "  longest gap           —",
        "  gaps over the limit   0",
        "  promises              1",
        "  broken promises       0",
        "",
        "Promises",
        "  made at               promised by           next update  kept",
        "  2024-05-01 00:10 UTC  2024-05-01 00:40 UTC  —            "
        "not judged (no update followed)",
    ]


def test_action_item_coverage():
    coverage = ik.ActionItemCoverage(
        by_type={"detection": 0, "prevention": 2},
        required_types=frozenset({"detection", "prevention"}),
        missing_types=frozenset({"detection"}),
        overdue=(1,),
        without_owner=(0, 1),
        without_deadline=(),
        unaddressed_factors=("pool too small",),
        as_of=date(2024, 6, 1),
    )
    assert str(coverage).splitlines() == [
        "Action items: as of 2024-06-01",
        "",
        "By type",
        "  type        items",
        "  detection       0",
        "  prevention      2",
        "",
        "Items (positions in action_items)",
        "  required types    detection, prevention",
        "  missing types     detection",
        "  overdue           1",
        "  without owner     0, 1",
        "  without deadline  none",
        "",
        "Contributing factors no item addresses",
        "  pool too small",
    ]


def test_findings():
    findings = ik.Findings(
        [
            ik.Finding("IK101", "error", "incident.severity", "too mild"),
            ik.Finding("IK304", "warning", "", "gap"),
        ]
    )
    assert str(findings).splitlines() == [
        "Findings: 1 error, 1 warning",
        "",
        "  level    code   path               message",
        "  error    IK101  incident.severity  too mild",
        "  warning  IK304  $                  gap",
    ]
    assert str(ik.Findings()) == "Findings: no findings"
    # Still a list in every other respect.
    assert findings == list(findings)


def test_text_escapes_record_text():
    findings = ik.Findings([ik.Finding("IK101", "error", "x", "\x1b[31mred\nline")])
    text = str(findings)
    assert "\x1b" not in text
    assert "\\x1b[31mred line" in text


# --- every result, and no raw floats -------------------------------------------

RESULT_CLASSES = (
    ik.GroupStats,
    ik.BootstrapStats,
    ik.IntervalStats,
    ik.SurvivalStats,
    ik.CoverageStats,
    ik.Milestones,
    ik.PhaseDurations,
    ik.ImpactScore,
    ik.CommunicationsSummary,
    ik.ActionItemCoverage,
    ik.Findings,
)


@pytest.mark.parametrize("cls", RESULT_CLASSES, ids=lambda cls: cls.__name__)
def test_every_result_has_a_text_rendering(cls):
    assert _display.text.dispatch(cls) is not _display.text.dispatch(object)
    assert cls.__str__ is not object.__str__


def _all_texts(table: ik.IncidentTable) -> list[str]:
    texts = []
    for by in ("severity", ["severity", "service"], "month", None):
        texts.append(str(table.group_stats("time_to_resolve", by=by)))
        texts.append(str(table.group_stats("impact_score", by=by)))
        texts.append(str(table.intervals("time_to_resolve", "p90", by=by)))
        texts.append(str(table.bootstrap("time_to_detect", by=by, n=20, seed=1)))
        texts.append(str(table.survival(by=by)))
        texts.append(str(table.action_item_coverage(by=by)))
    return texts


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60))
def test_no_text_of_a_result_prints_a_raw_float(seed, n):
    records = list(synth.generate(n, seed=seed))
    table = ik.IncidentTable.from_records(records, as_of=date(2030, 1, 1))
    texts = _all_texts(table)
    half = table[: max(1, len(table) // 2)]
    if not np.isnan(half["time_to_resolve"]).all():
        texts.append(str(ik.compare(table, half, seed=1, n=50, permutations=50)))
    for rec in records[:3]:
        texts.append(str(ik.phase_durations(rec)))
        texts.append(str(ik.phase_durations(rec).milestones))
        texts.append(str(ik.impact_score(rec)))
        texts.append(str(ik.communications_summary(rec)))
        texts.append(str(ik.action_item_coverage(rec, as_of=date(2030, 1, 1))))
        texts.append(str(ik.check(rec)))
    for text in texts:
        assert not LONG_DECIMALS.search(text), text
        assert "nan" not in text.split()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
        min_size=1,
        max_size=12,
    )
)
def test_no_float_of_any_size_prints_raw(seconds):
    values = np.array(seconds)
    stats = ik.GroupStats(
        column="time_to_resolve",
        by=(),
        groups=np.array(["all"], dtype=object),
        count=np.array([values.size]),
        missing=np.array([0]),
        zero=np.array([0]),
        negative=np.array([0]),
        invalid=np.array([0]),
        mean=np.array([values.mean()]),
        median=np.array([np.median(values)]),
        p90=np.array([np.percentile(values, 90)]),
        p95=np.array([np.percentile(values, 95)]),
        min=np.array([values.min()]),
        max=np.array([values.max()]),
    )
    assert not LONG_DECIMALS.search(str(stats))
    as_numbers = ik.GroupStats(**{**_fields(stats), "column": "impact_score"})
    assert not LONG_DECIMALS.search(str(as_numbers))


def _fields(stats: ik.GroupStats) -> dict[str, object]:
    import attrs

    return attrs.asdict(stats, recurse=False)
