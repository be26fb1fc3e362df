"""Grouping by calendar periods, several keys and the caller's arrays.

Expected values come from the standard library one row at a time
(``datetime.astimezone``, ``date.isocalendar``) and from plain dicts, never
from the vectorised code under test.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit import synth
from incidentkit.cli import main
from incidentkit.errors import ValidationError
from incidentkit.table.frame import IncidentTable
from incidentkit.table.periods import local_us, period_keys, period_labels

ZONES = [
    None,
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kathmandu",  # +05:45
    "Pacific/Apia",  # skipped a whole day in 2011
    "America/Sao_Paulo",  # DST at midnight, then none since 2019
]
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def loop_label(moment: datetime, period: str, zone: str | None) -> Any:
    local = moment if zone is None else moment.astimezone(ZoneInfo(zone))
    if period == "week":
        year, week, _ = local.date().isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{local.year:04d}-{local.month:02d}"
    if period == "quarter":
        return f"{local.year}Q{(local.month - 1) // 3 + 1}"
    return local.year


instants = st.lists(
    st.integers(
        min_value=int(datetime(1990, 1, 1, tzinfo=timezone.utc).timestamp()),
        max_value=int(datetime(2037, 12, 31, tzinfo=timezone.utc).timestamp()),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    seconds=instants,
    period=st.sampled_from(["week", "month", "quarter", "year"]),
    zone=st.sampled_from(ZONES),
)
def test_periods_equal_the_standard_library_row_by_row(seconds, period, zone):
    times = np.array(seconds, dtype="datetime64[s]").astype("datetime64[us]")
    keys, keep = period_keys(times, period, zone)
    labels = period_labels(keys, period)
    # Months are datetime64[M]; their text starts with YYYY-MM.
    found = [
        str(label)[:7] if period == "month" else label for label in labels.tolist()
    ]
    expected = [
        loop_label(EPOCH + timedelta(seconds=second), period, zone)
        for second in seconds
    ]
    assert keep.all()
    assert found == expected


@settings(max_examples=100, deadline=None)
@given(
    seconds=st.lists(
        st.integers(min_value=0, max_value=2_200_000_000), min_size=1, max_size=30
    ),
    zone=st.sampled_from(ZONES[1:]),
)
def test_local_times_equal_astimezone(seconds, zone):
    times = np.array(seconds, dtype=np.int64) * 1_000_000
    found = local_us(times, ZoneInfo(zone))
    expected = []
    for second in seconds:
        local = (EPOCH + timedelta(seconds=second)).astimezone(ZoneInfo(zone))
        wall = local.replace(tzinfo=timezone.utc) - EPOCH
        expected.append(wall // timedelta(microseconds=1))
    assert found.tolist() == expected


def test_nat_has_no_period_and_weeks_cross_years():
    times = np.array(
        ["2024-12-30T00:00", "NaT", "2021-01-03T23:59", "2020-12-31T23:00"],
        dtype="datetime64[us]",
    )
    keys, keep = period_keys(times, "week")
    assert keep.tolist() == [True, False, True, True]
    assert period_labels(keys[keep], "week").tolist() == [
        "2025-W01",
        "2020-W53",
        "2020-W53",
    ]
    # In Paris the last row is already 2021.
    keys, _ = period_keys(times, "year", "Europe/Paris")
    assert period_labels(keys[keep], "year").tolist() == [2024, 2021, 2021]


# --- the table -------------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> IncidentTable:
    return IncidentTable.from_records(
        synth.generate(400, seed=11), as_of=date(2025, 6, 1)
    )


def loop_groups(table: IncidentTable, keys: list[Any], zone: str | None):
    """Row indices per key tuple, computed one row at a time."""
    columns = []
    for key in keys:
        if isinstance(key, str) and key.split(":")[0] in (
            "week",
            "month",
            "quarter",
            "year",
        ):
            period, _, column = key.partition(":")
            values = []
            for value in table[column or "declared_at"].tolist():
                if value is None:
                    values.append(None)
                    continue
                moment = value.replace(tzinfo=timezone.utc)
                values.append(loop_label(moment, period, zone))
            columns.append(values)
        elif isinstance(key, str):
            values = table[key].tolist()
            if key == "severity":
                values = [None if value == -1 else value for value in values]
            columns.append(values)
        else:
            columns.append(list(key))
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for row in range(len(table)):
        label = tuple(column[row] for column in columns)
        if any(part is None or part != part for part in label):
            continue
        groups[label].append(row)
    return groups


def shown(value: Any) -> Any:
    if isinstance(value, np.datetime64):
        return str(value)[:7]
    return value.item() if isinstance(value, np.generic) else value


@settings(max_examples=25, deadline=None)
@given(
    keys=st.lists(
        st.sampled_from(
            [
                "severity",
                "service",
                "status",
                "week",
                "month",
                "quarter",
                "year",
                "quarter:started_at",
                "month:resolved_at",
                "array",
            ]
        ),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    zone=st.sampled_from([None, "Europe/Paris", "Asia/Kathmandu"]),
    seed=st.integers(0, 5),
)
def test_group_stats_by_many_keys_equal_a_loop(table, keys, zone, seed):
    rng = np.random.default_rng(seed)
    labels = np.array(["a", "b", None], dtype=object)[rng.integers(0, 3, len(table))]
    given_keys = [labels if key == "array" else key for key in keys]
    tz = (
        zone
        if any(k.split(":")[0] in ("week", "month", "quarter", "year") for k in keys)
        else None
    )
    stats = table.group_stats("time_to_resolve", by=given_keys, tz=tz)
    expected = loop_groups(table, given_keys, tz)
    names = [f"by[{i}]" if key == "array" else key for i, key in enumerate(keys)]
    assert list(stats.by) == names
    found = [
        tuple(shown(group[name]) for name in names)
        if len(names) > 1
        else (shown(group),)
        for group in stats.groups
    ]
    assert found == sorted(expected)
    values = table["time_to_resolve"]
    for index, key in enumerate(found):
        rows = values[expected[key]]
        used = rows[~np.isnan(rows) & (rows >= 0)]
        assert stats.count[index] == used.size
        if used.size:
            assert stats.median[index] == np.percentile(used, 50)


def test_every_summary_takes_several_keys_and_gives_a_multiindex(table):
    pytest.importorskip("pandas")
    by = ["severity", "quarter"]
    results = [
        table.group_stats("time_to_resolve", by=by),
        table.intervals("time_to_resolve", by=by),
        table.bootstrap("time_to_resolve", by=by, n=50, seed=1),
        table.survival(by=by),
        table.action_item_coverage(by=by),
    ]
    for result in results:
        frame = result.to_pandas()
        assert list(frame.index.names) == by
        assert frame.index.nlevels == 2
        assert len(frame) == len(result)
    quarters = set(results[0].groups["quarter"].tolist())
    assert quarters <= {f"{y}Q{q}" for y in range(2020, 2026) for q in range(1, 5)}


def test_a_pandas_series_key_brings_its_name(table):
    pandas = pytest.importorskip("pandas")
    team = pandas.Series(np.arange(len(table)) % 2, name="team")
    stats = table.group_stats("time_to_resolve", by=["severity", team])
    assert stats.by == ("severity", "team")
    alone = table.group_stats("time_to_resolve", by=np.arange(len(table)) % 2)
    assert alone.by == ("by[0]",)
    assert alone.groups.tolist() == [0, 1]


def test_month_keeps_its_labels(table):
    stats = table.group_stats("time_to_resolve", by="month")
    assert stats.groups.dtype == np.dtype("datetime64[M]")


@pytest.mark.parametrize(
    ("by", "kwargs", "message"),
    [
        ([np.arange(3)], {}, r"by\[0\]: an array key needs one value per row"),
        ("month:severity", {}, "by: 'month:severity' groups by a time column"),
        ("week", {"tz": "Mars/Olympus"}, "tz: no time zone named 'Mars/Olympus'"),
        ("severity", {"tz": "Europe/Paris"}, "tz: applies to week, month"),
        (["severity", 5], {}, r"by\[1\]: expected a column name"),
        ({"severity": 1}, {}, "by: expected a column name"),
        (["week", "week"], {}, "by: a key appears twice"),
    ],
)
def test_bad_keys_are_named(table, by, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        table.group_stats("time_to_resolve", by=by, **kwargs)


# --- the command line ------------------------------------------------------------


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("stats") / "incidents.jsonl"
    synth.write_jsonl(str(path), 300, seed=5)
    return str(path)


def _stats(capsys, *argv: str) -> tuple[int, Any, str]:
    status = main(["stats", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_repeated_by_gives_one_column_per_key(capsys, jsonl):
    status, out, _ = _stats(
        capsys, jsonl, "--by", "severity", "--by", "quarter", "--format", "json"
    )
    assert status == 0
    data = json.loads(out)
    assert data["by"] == ["severity", "quarter"]
    table = ik.load_table(jsonl)
    stats = table.group_stats("time_to_resolve", by=["severity", "quarter"])
    assert [group["group"] for group in data["groups"]] == [
        [int(row["severity"]), str(row["quarter"])] for row in stats.groups
    ]
    status, out, _ = _stats(capsys, jsonl, "--by", "severity", "--by", "quarter")
    assert out.splitlines()[0] == "time_to_resolve by severity and quarter"
    assert "severity  quarter  count" in out


def test_cli_since_is_inclusive_and_until_exclusive(capsys, jsonl):
    table = ik.load_table(jsonl)
    declared = table["declared_at"]
    moment = sorted(value for value in declared.tolist() if value is not None)[100]
    text = moment.isoformat() + "Z"
    expected_since = sum(
        1 for value in declared.tolist() if value is not None and value >= moment
    )
    _, out, _ = _stats(
        capsys, jsonl, "--by", "year", "--since", text, "--format", "json"
    )
    data = json.loads(out)
    assert data["incidents"] == expected_since
    assert data["out_of_range"] == len(table) - expected_since
    _, out, _ = _stats(
        capsys, jsonl, "--by", "year", "--until", text, "--format", "json"
    )
    assert json.loads(out)["incidents"] == 100
    # A date is its midnight; in Paris, an hour (or two) before UTC's.
    day = moment.date().isoformat()
    counts = {}
    for tz in ("UTC", "Europe/Paris"):
        _, out, _ = _stats(
            capsys,
            jsonl,
            "--by",
            "month",
            "--until",
            day,
            "--tz",
            tz,
            "--format",
            "json",
        )
        counts[tz] = json.loads(out)["incidents"]
    midnight = datetime.fromisoformat(day)
    paris = (
        midnight.replace(tzinfo=ZoneInfo("Europe/Paris"))
        .astimezone(timezone.utc)
        .replace(tzinfo=None)
    )
    assert counts["UTC"] == sum(
        1 for value in declared.tolist() if value is not None and value < midnight
    )
    assert counts["Europe/Paris"] == sum(
        1 for value in declared.tolist() if value is not None and value < paris
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--by", "nothing"], "--by: no column or period 'nothing'"),
        (["--by", "month:severity"], "--by: 'month:severity' groups by a time column"),
        (["--by", "week", "--since", "yesterday"], "--since: expected a date"),
        (["--by", "week", "--tz", "Mars/Olympus"], "--tz: no time zone named"),
    ],
)
def test_cli_bad_grouping_is_a_usage_error(capsys, jsonl, argv, message):
    assert main(["stats", jsonl, *argv]) == 2
    assert message in capsys.readouterr().err
