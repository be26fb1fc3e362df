"""Table verbs: time bounds of every type, sort, head/tail, where, select.

Each verb is checked against a plain Python loop over the rows (the
columns read with ``tolist()``, bounds converted with ``datetime``), on
synthetic tables with open incidents and flawed records (NaN, NaT,
missing labels).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit import synth
from incidentkit.errors import ValidationError
from incidentkit.table.verbs import moment

UTC = timezone.utc
TABLE = ik.IncidentTable.from_records(
    synth.generate(400, seed=11, open_fraction=0.2, flaw_fraction=0.3)
)
TIME_COLUMNS = [
    name for name in TABLE.columns if name != "id" and TABLE[name].dtype.kind == "M"
]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def as_utc(value: datetime | None) -> datetime | None:
    # tolist() of datetime64[us] gives naive datetimes in UTC.
    return None if value is None else value.replace(tzinfo=UTC)


moments = st.datetimes(
    min_value=datetime(2023, 6, 1), max_value=datetime(2025, 6, 1)
).map(lambda moment: moment.replace(tzinfo=UTC))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@st.composite
def bounds(draw: st.DrawFn) -> tuple[object, datetime]:
    """A bound in one of the accepted forms, and the aware datetime it means."""
    exact = draw(moments)
    form = draw(st.sampled_from(["datetime", "date", "iso", "iso-date", "np"]))
    if form == "date":
        day = exact.date()
        return day, datetime(day.year, day.month, day.day, tzinfo=UTC)
    if form == "iso-date":
        day = exact.date()
        return day.isoformat(), datetime(day.year, day.month, day.day, tzinfo=UTC)
    local = exact.astimezone(draw(offsets))
    if form == "datetime":
        return local, exact
    if form == "iso":
        return local.isoformat(), exact
    return np.datetime64(exact.replace(tzinfo=None), "us"), exact


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TIME_COLUMNS), bounds() | st.none(), bounds() | st.none())
def test_between_equals_a_loop(
    on: str,
    start: tuple[object, datetime] | None,
    end: tuple[object, datetime] | None,
) -> None:
    got = TABLE.between(
        None if start is None else start[0], None if end is None else end[0], on=on
    )
    expected = [
        identifier
        for identifier, raw in zip(TABLE["id"], TABLE[on].tolist(), strict=True)
        if (value := as_utc(raw)) is not None
        and (start is None or value >= start[1])
        and (end is None or value < end[1])
    ]
    assert got["id"].tolist() == expected


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TIME_COLUMNS), bounds())
def test_comparisons_equal_a_loop(on: str, bound: tuple[object, datetime]) -> None:
    column = TABLE.time(on)
    values = [as_utc(value) for value in TABLE[on].tolist()]
    given_value, exact = bound
    checks = {
        ">=": (column >= given_value, lambda v: v >= exact),
        ">": (column > given_value, lambda v: v > exact),
        "<=": (column <= given_value, lambda v: v <= exact),
        "<": (column < given_value, lambda v: v < exact),
        "==": (column == given_value, lambda v: v == exact),
    }
    for operator, (mask, rule) in checks.items():
        expected = [value is not None and rule(value) for value in values]
        assert mask.tolist() == expected, operator
    assert (column != given_value).tolist() == (~(column == given_value)).tolist()


def test_an_exact_moment_matches_itself() -> None:
    first = as_utc(TABLE["declared_at"].tolist()[0])
    assert first is not None
    for form in (first, first.isoformat(), np.datetime64(first.replace(tzinfo=None))):
        assert (TABLE.time("declared_at") == form)[0]


def test_sub_microsecond_bounds_stay_exact() -> None:
    column = ik.IncidentTable.from_records([ik.example()]).time("declared_at")
    at = np.datetime64(int(column._values[0]), "us").astype("datetime64[ns]")
    later = at + np.timedelta64(1, "ns")
    assert (column >= at).tolist() == [True]
    assert (column >= later).tolist() == [False]
    assert (column > at - np.timedelta64(1, "ns")).tolist() == [True]
    assert (column <= later).tolist() == [True]
    assert (column == later).tolist() == [False]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (datetime(2024, 1, 1), "needs a UTC offset"),
        ("2024-01-01T10:00", "needs a UTC offset"),
        ("next tuesday", "not an ISO 8601"),
        (5, "got int (5)"),
        (np.datetime64("NaT"), "NaT"),
        (np.datetime64(10**15, "D"), "out of the range"),
    ],
)
def test_bad_bounds_name_parameter_rule_and_value(value: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        TABLE.between(value, None)
    assert info.value.errors[0].startswith("start: ")
    assert fragment in info.value.errors[0]
    assert repr(value) in info.value.errors[0] or fragment == "got int (5)"


def test_moment_reads_years_1_and_9999() -> None:
    assert moment(date(1, 1, 1), "x")[0] == (
        datetime(1, 1, 1, tzinfo=UTC) - EPOCH
    ) // timedelta(microseconds=1)
    high = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=5)))
    assert moment(high, "x")[0] == (high - EPOCH) // timedelta(microseconds=1)


def test_time_refuses_a_column_that_is_no_time() -> None:
    with pytest.raises(ValidationError, match=r"on: 'service' is not a time column"):
        TABLE.between("2024-01-01", on="service")
    with pytest.raises(ValidationError, match=r"no column 'nope'"):
        TABLE.time("nope")


SORT_COLUMNS = [
    "id",
    "severity",
    "service",
    "status",
    "declared_at",
    "resolved_at",
    "time_to_resolve",
    "impact_score",
    "resolved",
    "action_items",
]


def missing(name: str, value: object) -> bool:
    if value is None:
        return True
    if name == "severity":
        return value == -1
    return isinstance(value, float) and value != value


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(SORT_COLUMNS), min_size=1, max_size=3, unique=True),
    st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_sort_equals_sorted(by: list[str], descending: list[bool]) -> None:
    flags = descending[: len(by)]
    got = TABLE.sort(by, descending=flags)
    rows = list(range(len(TABLE)))
    columns = {name: TABLE[name].tolist() for name in by}
    # Python's sort is stable: sort by the last key first. Missing values
    # go last in either direction.
    for name, down in reversed(list(zip(by, flags, strict=True))):
        values = columns[name]
        present = [row for row in rows if not missing(name, values[row])]
        absent = [row for row in rows if missing(name, values[row])]
        # reverse=True keeps tied rows in their order, as a stable sort must.
        present.sort(key=lambda row: values[row], reverse=down)
        rows = present + absent
    assert got["id"].tolist() == [TABLE["id"][row] for row in rows]


def test_sort_one_key_and_bad_arguments() -> None:
    ordered = TABLE.sort("time_to_resolve")
    values = ordered["time_to_resolve"]
    known = values[~np.isnan(values)]
    assert (np.diff(known) >= 0).all()
    assert np.isnan(values[known.size :]).all()
    with pytest.raises(ValidationError, match=r"descending: .*\(2 keys\), got 'yes'"):
        TABLE.sort(["severity", "service"], descending="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"descending: .*got \[True\]"):
        TABLE.sort(["severity", "service"], descending=[True])
    with pytest.raises(ValidationError, match=r"by: expected a column name .* got 3"):
        TABLE.sort(3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"no column 'nope'"):
        TABLE.sort("nope")


@given(st.integers(min_value=0, max_value=450))
def test_head_and_tail(n: int) -> None:
    ids = TABLE["id"].tolist()
    assert TABLE.head(n)["id"].tolist() == ids[:n]
    assert TABLE.tail(n)["id"].tolist() == (ids[-n:] if n else [])


@pytest.mark.parametrize("bad", [-1, 2.0, "3", True])
def test_head_refuses_a_bad_count(bad: object) -> None:
    with pytest.raises(ValidationError, match=r"^1 problem:\n  n: "):
        TABLE.head(bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=repr(bad).replace(".", r"\.")):
        TABLE.tail(bad)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(["payment-gateway", "checkout", "cart", "nope", None]),
        max_size=3,
    ),
    st.lists(st.integers(min_value=-1, max_value=4), max_size=3),
)
def test_where_equals_a_loop(services: list[str | None], levels: list[int]) -> None:
    got = TABLE.where(service=services, severity=levels)
    expected = [
        identifier
        for identifier, service, level in zip(
            TABLE["id"], TABLE["service"], TABLE["severity"].tolist(), strict=True
        )
        if service in services and level in levels
    ]
    assert got["id"].tolist() == expected


def test_where_takes_masks_functions_and_ids() -> None:
    mask = TABLE["severity"] <= 1
    assert TABLE.where(mask)["id"].tolist() == TABLE[mask]["id"].tolist()
    chained = TABLE.where(lambda t: t.time("declared_at") >= "2024-07-01")
    assert chained["id"].tolist() == TABLE.between("2024-07-01")["id"].tolist()
    first = TABLE["id"][0]
    assert TABLE.where(id=first)["id"].tolist() == [first]
    assert len(TABLE.where(service="api", status="resolved")) == sum(
        service == "api" and status == "resolved"
        for service, status in zip(TABLE["service"], TABLE["status"], strict=True)
    )
    with pytest.raises(ValidationError, match=r"condition: expected 400 true/false"):
        TABLE.where(np.ones(3, dtype=bool))
    with pytest.raises(ValidationError, match=r"nope: no column or period 'nope'"):
        TABLE.where(nope=1)


def test_select_keeps_columns_in_order_and_names_what_is_gone() -> None:
    picked = TABLE.select(["time_to_resolve", "service"])
    assert picked.columns == ("id", "time_to_resolve", "service")
    assert picked["service"].tolist() == TABLE["service"].tolist()
    # Without the kind column, maintenances cannot be told apart: the
    # statistic says so, unless they are counted with the incidents.
    with pytest.raises(ValidationError, match=r"maintenance: 'exclude' needs the kind"):
        picked.group_stats("time_to_resolve", by="service")
    assert picked.group_stats(
        "time_to_resolve", by="service", maintenance="include"
    ).groups.tolist() == (
        TABLE.group_stats("time_to_resolve", by="service").groups.tolist()
    )
    assert list(picked.to_pandas().columns) == ["id", "time_to_resolve", "service"]
    with pytest.raises(ValidationError, match=r"no column 'started_at' in this"):
        picked.survival()
    with pytest.raises(ValidationError, match=r"no column 'declared_at'"):
        picked.group_stats("time_to_resolve", by="month")
    with pytest.raises(ValidationError, match=r"columns: 'service' appears twice"):
        TABLE.select(["service", "service"])
    with pytest.raises(ValidationError, match=r"columns: no column 'x'"):
        TABLE.select("x")
    # Rows of a selection select as any table's do.
    assert picked.sort("service").head(2).columns == picked.columns


def test_verbs_return_new_read_only_tables() -> None:
    before = {name: np.array(TABLE[name], copy=True) for name in TABLE.columns}
    results = [
        TABLE.between("2024-01-01", "2024-07-01"),
        TABLE.sort("impact_score", descending=True),
        TABLE.head(3),
        TABLE.tail(3),
        TABLE.where(service="api"),
        TABLE.select(["service"]),
    ]
    for result in results:
        assert isinstance(result, ik.IncidentTable)
        assert result is not TABLE
        # The stored arrays are read-only: categorical codes (a reader gets
        # a fresh label array) and every other column.
        for name in result.columns[1:]:
            array = result[name]
            if array.dtype.kind == "O":
                array = result.codes(name)[0]
            assert not array.flags.writeable, name
    # Nothing changed in the source table.
    for name in TABLE.columns:
        assert TABLE[name].tolist() == before[name].tolist() or (
            TABLE[name].dtype.kind == "f"
            and np.array_equal(TABLE[name], before[name], equal_nan=True)
        )
