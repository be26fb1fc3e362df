"""pandas, polars and Arrow round trips: every column back, value for value.

The expected values are the table's own columns, read with ``tolist()``;
the frames are read by each library's own accessors, never by the code
that writes them.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit import synth
from incidentkit.errors import ValidationError
from strategies import records

EXPORTS = ["to_pandas", "to_polars", "to_arrow"]
TABLE = ik.IncidentTable.from_records(
    synth.generate(300, seed=4, open_fraction=0.2, flaw_fraction=0.3),
    as_of=date(2025, 1, 1),
)


def assert_same(a: ik.IncidentTable, b: ik.IncidentTable) -> None:
    assert a.columns == b.columns
    assert len(a) == len(b)
    for name in a.columns:
        x, y = a[name], b[name]
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), name
        else:
            assert x.tolist() == y.tolist(), name
        assert x.dtype.kind == y.dtype.kind, name
    for name in a.columns[1:]:
        assert a.codes(name)[1].tolist() == b.codes(name)[1].tolist(), name


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("durations", ["seconds", "timedelta"])
def test_round_trip_of_a_synthetic_table(export: str, durations: str) -> None:
    frame = getattr(TABLE, export)(durations=durations)
    back = ik.IncidentTable.from_frame(frame, as_of=TABLE.as_of)
    assert_same(TABLE, back)
    assert back.as_of == TABLE.as_of
    # The statistics agree too, as they must with the same columns.
    assert (
        back.group_stats("time_to_resolve", "service").to_dict()
        == TABLE.group_stats("time_to_resolve", "service").to_dict()
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(records(), min_size=0, max_size=4),
    st.sampled_from(EXPORTS),
    st.sampled_from(["seconds", "timedelta"]),
)
def test_round_trip_of_any_records(recs, export: str, durations: str) -> None:
    # Timestamps from year 1 to 9999: spans of thousands of years, which
    # timedeltas carry exactly only because they come from the milestones.
    table = ik.IncidentTable.from_records(recs)
    back = ik.IncidentTable.from_frame(getattr(table, export)(durations=durations))
    assert_same(table, back)


def test_exports_read_by_each_library() -> None:
    row = 0
    declared = TABLE["declared_at"][row].astype("datetime64[us]").item()
    seconds = float(TABLE["time_to_declare"][row])
    frame = TABLE.to_pandas(durations="timedelta")
    assert str(frame["declared_at"].dt.tz) == "UTC"
    assert frame["declared_at"][row].to_pydatetime().replace(tzinfo=None) == declared
    assert frame["time_to_declare"][row].to_pytimedelta() == timedelta(seconds=seconds)
    assert frame["service"].dtype == "category"
    polars = TABLE.to_polars(durations="timedelta")
    assert polars["declared_at"].dtype == pl.Datetime("us", "UTC")
    assert polars["time_to_declare"][row] == timedelta(seconds=seconds)
    assert polars["service"].to_list() == TABLE["service"].tolist()
    arrow = TABLE.to_arrow()
    assert arrow.schema.field("declared_at").type == pa.timestamp("us", "UTC")
    assert arrow.column("service").to_pylist() == TABLE["service"].tolist()
    open_rows = np.isnan(TABLE["time_to_resolve"])
    assert open_rows.any()
    nulls = TABLE.to_arrow(durations="timedelta").column("time_to_resolve").is_null()
    assert nulls.to_pylist() == open_rows.tolist()


def test_a_frame_in_another_zone_reads_as_utc() -> None:
    frame = TABLE.to_pandas()
    frame["declared_at"] = frame["declared_at"].dt.tz_convert("Asia/Kolkata")
    back = ik.IncidentTable.from_frame(frame, as_of=TABLE.as_of)
    assert back["declared_at"].tolist() == TABLE["declared_at"].tolist()


def test_the_table_keeps_its_values_when_the_frame_changes() -> None:
    frame = TABLE.select(["impact_score"]).to_pandas()
    back = ik.IncidentTable.from_frame(frame)
    frame.loc[0, "impact_score"] = -1.0
    assert back["impact_score"][0] == TABLE["impact_score"][0]
    assert not back["impact_score"].flags.writeable


def test_a_selection_round_trips_and_names_what_is_missing() -> None:
    picked = TABLE.select(["service", "time_to_resolve"])
    back = ik.IncidentTable.from_frame(picked.to_polars(durations="timedelta"))
    assert_same(picked, back)
    with pytest.raises(ValidationError, match=r"no column 'started_at'"):
        back.survival()


def test_bad_frames_name_column_rule_and_value() -> None:
    frame = TABLE.to_pandas()
    cases = [
        (frame.drop(columns="id"), r"frame: no 'id' column"),
        (frame.assign(extra=1), r"frame: 'extra' is no column of an incident table"),
        (
            frame.assign(declared_at=frame["declared_at"].dt.tz_localize(None)),
            r"frame\['declared_at'\]: times must carry a time zone .*datetime64",
        ),
        (frame.assign(service=1), r"frame\['service'\]: expected text \(number\)"),
        (
            frame.assign(action_items=0.5),
            r"frame\[.action_items.\]: expected whole numbers, none missing",
        ),
        (
            {"id": ["a"]},
            r"frame: expected a pandas or polars DataFrame .*got builtins.dict",
        ),
    ]
    for bad, pattern in cases:
        with pytest.raises(ValidationError, match=pattern):
            ik.IncidentTable.from_frame(bad, as_of=TABLE.as_of)
    with pytest.raises(
        ValidationError, match=r"as_of: the frame has action_items_overdue"
    ):
        ik.IncidentTable.from_frame(frame)
    with pytest.raises(ValidationError, match=r"durations: .*'minutes'"):
        TABLE.to_polars(durations="minutes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("module", "export"), [("polars", "to_polars"), ("pyarrow", "to_arrow")]
)
def test_a_missing_library_names_the_extra(
    monkeypatch, module: str, export: str
) -> None:
    monkeypatch.setitem(__import__("sys").modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'incidentkit\["):
        getattr(TABLE, export)()
