"""A table to and from pandas, polars and Arrow, without losing a value.

The work behind :meth:`IncidentTable.to_pandas`, :meth:`~IncidentTable.to_polars`,
:meth:`~IncidentTable.to_arrow` and :meth:`~IncidentTable.from_frame`. Each
library is imported when a function needs it (they are optional extras).

How each kind of column travels:

* ``id``: strings; ``severity_label``, ``service``, ``status``: categorical
  (pandas ``Categorical``, polars ``Enum``, Arrow dictionary), missing as
  null;
* milestones: timestamps in microseconds, UTC, missing as null (NaT);
* durations (the figures and phases): float seconds, NaN when unknown, or
  with ``durations="timedelta"`` microsecond timedeltas, null when unknown.
  Those are computed from the milestones (``end - start``), so they are
  exact however long the span;
* everything else as its NumPy type.

:func:`columns_from_frame` reads any of the three back, so that
``IncidentTable.from_frame(table.to_polars())`` equals the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from incidentkit._args import choice
from incidentkit.errors import ValidationError
from incidentkit.figures.columns import NAT, seconds
from incidentkit.table.build import (
    CATEGORICAL_COLUMNS,
    MILESTONE_COLUMNS,
    SPANS,
    Parts,
    Settings,
    _categories,
    _encode_ids,
    narrow,
    readonly,
)
from incidentkit.table.verbs import Columns

__all__ = [
    "DURATIONS",
    "columns_from_frame",
    "to_arrow",
    "to_pandas",
    "to_polars",
]

#: How :func:`to_pandas` and the others give durations.
DURATIONS: Final = ("seconds", "timedelta")
_FLOATS: Final = ("impact_score", "user_minutes")


def _import(name: str, extra: str) -> Any:
    # Imported here, not at the top: each library is an optional extra.
    try:
        return __import__(name)
    except ImportError:
        raise ImportError(
            f"this needs {name}; install the extra: pip install 'incidentkit[{extra}]'"
        ) from None


def _durations(
    columns: Mapping[str, NDArray[Any]], durations: str
) -> dict[str, NDArray[Any]]:
    """Each duration column as exact ``timedelta64[us]`` (NaT when unknown)."""
    choice(durations, DURATIONS, "durations")
    if durations == "seconds":
        return {}
    out = {}
    for name, (start, end) in SPANS.items():
        if name not in columns:
            continue
        start_name, end_name = MILESTONE_COLUMNS[start], MILESTONE_COLUMNS[end]
        if start_name in columns and end_name in columns:
            out[name] = columns[end_name] - columns[start_name]
        else:
            # Without its milestones (a select()ed table), from the seconds:
            # exact up to 2**53 microseconds (285 years).
            values = columns[name]
            micro = np.where(np.isnan(values), 0, np.round(values * 1e6))
            delta = micro.astype(np.int64).view("timedelta64[us]")
            out[name] = np.where(np.isnan(values), np.timedelta64("NaT", "us"), delta)
    return out


def _labels_of(codes: NDArray[Any], labels: NDArray[Any]) -> NDArray[Any]:
    shown = np.empty(labels.size + 1, dtype=object)
    shown[:-1] = labels
    out: NDArray[Any] = shown[codes.astype(np.int64)]
    return out


def to_pandas(
    ids: NDArray[Any],
    columns: Mapping[str, NDArray[Any]],
    labels: Mapping[str, NDArray[Any]],
    durations: str = "seconds",
) -> Any:
    """A pandas DataFrame of the columns (see the module's rules)."""
    deltas = _durations(columns, durations)
    pandas = _import("pandas", "pandas")
    data: dict[str, Any] = {"id": ids}
    for name, array in columns.items():
        if name in labels:
            data[name] = pandas.Categorical.from_codes(
                array.astype(np.int64), categories=labels[name]
            )
        elif array.dtype.kind == "M":
            data[name] = pandas.Series(array).dt.tz_localize("UTC")
        elif name in deltas:
            data[name] = pandas.Series(deltas[name])
        else:
            data[name] = array
    return pandas.DataFrame(data)


def to_polars(
    ids: NDArray[Any],
    columns: Mapping[str, NDArray[Any]],
    labels: Mapping[str, NDArray[Any]],
    durations: str = "seconds",
) -> Any:
    """A polars DataFrame of the columns (see the module's rules)."""
    deltas = _durations(columns, durations)
    pl = _import("polars", "polars")
    series = [pl.Series("id", ids.tolist(), dtype=pl.String)]
    for name, array in columns.items():
        if name in labels:
            kind = pl.Enum(labels[name].tolist())
            values = _labels_of(array, labels[name]).tolist()
            series.append(pl.Series(name, values, dtype=kind))
        elif array.dtype.kind == "M":
            moments = pl.Series(name, array).cast(pl.Datetime("us"))
            series.append(moments.dt.replace_time_zone("UTC"))
        elif name in deltas:
            series.append(pl.Series(name, deltas[name]).cast(pl.Duration("us")))
        else:
            # NaN stays NaN (polars keeps it apart from null).
            series.append(pl.Series(name, array, nan_to_null=False))
    return pl.DataFrame(series)


def to_arrow(
    ids: NDArray[Any],
    columns: Mapping[str, NDArray[Any]],
    labels: Mapping[str, NDArray[Any]],
    durations: str = "seconds",
) -> Any:
    """A pyarrow Table of the columns (see the module's rules)."""
    deltas = _durations(columns, durations)
    pa = _import("pyarrow", "arrow")
    arrays = [pa.array(ids.tolist(), type=pa.string())]
    for name, array in columns.items():
        if name in labels:
            codes = array.astype(np.int32)
            indices = pa.array(codes, mask=codes < 0, type=pa.int32())
            dictionary = pa.array(labels[name].tolist(), type=pa.string())
            arrays.append(pa.DictionaryArray.from_arrays(indices, dictionary))
        elif array.dtype.kind == "M":
            arrays.append(
                pa.array(array, mask=np.isnat(array), type=pa.timestamp("us", "UTC"))
            )
        elif name in deltas:
            delta = deltas[name]
            arrays.append(pa.array(delta, mask=np.isnat(delta), type=pa.duration("us")))
        else:
            arrays.append(pa.array(array))
    return pa.Table.from_arrays(arrays, names=["id", *columns])


# --- reading a frame ------------------------------------------------------------


def _kind(name: str, settings: Settings) -> str | None:
    """What a column of this name holds in a table with these settings."""
    if name == "id":
        return "id"
    if name in CATEGORICAL_COLUMNS:
        return "labels"
    if name in MILESTONE_COLUMNS.values():
        return "time"
    if name in SPANS:
        return "duration"
    if name in _FLOATS:
        return "float"
    if name == "resolved":
        return "bool"
    counts = settings.count_columns
    if (
        name == "severity"
        or name in counts
        or name in ("check_errors", "check_warnings")
    ):
        return "int"
    return None


def _library(frame: object) -> str:
    module = type(frame).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow") and hasattr(frame, "columns"):
        return module
    raise ValidationError(
        [
            "frame: expected a pandas or polars DataFrame or a pyarrow Table, "
            f"got {type(frame).__module__}.{type(frame).__name__}"
        ]
    )


def _read(frame: Any, library: str, name: str) -> tuple[str, Any]:
    """One column as ("text", list), ("time", M8[us]), ("delta", m8[us]) or a number."""
    where = f"frame[{name!r}]"
    if library == "pandas":
        series = frame[name]
        dtype = series.dtype
        kind = getattr(dtype, "kind", "O")
        if kind == "M":
            if getattr(dtype, "tz", None) is None:
                raise ValidationError(
                    [
                        f"{where}: times must carry a time zone (the table is UTC; "
                        f"localise them, e.g. .dt.tz_localize('UTC')) ({dtype})"
                    ]
                )
            naive = series.dt.tz_convert("UTC").dt.tz_localize(None)
            return "time", naive.to_numpy(dtype="datetime64[us]")
        if kind == "m":
            return "delta", series.to_numpy(dtype="timedelta64[us]")
        if kind in "fiub" and not hasattr(dtype, "na_value"):
            return "number", series.to_numpy()
        if kind in "fiu":  # a nullable extension type
            return "number", series.to_numpy(dtype=np.float64, na_value=np.nan)
        values = series.astype(object)
        return "text", values.where(series.notna(), None).tolist()
    if library == "polars":
        pl = _import("polars", "polars")
        series = frame.get_column(name)
        dtype = series.dtype
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is None:
                raise ValidationError(
                    [
                        f"{where}: times must carry a time zone (the table is UTC; "
                        f"e.g. .dt.replace_time_zone('UTC')) ({dtype})"
                    ]
                )
            naive = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            return "time", naive.cast(pl.Datetime("us")).to_numpy()
        if isinstance(dtype, pl.Duration):
            return "delta", series.cast(pl.Duration("us")).to_numpy()
        if dtype.is_numeric() or dtype == pl.Boolean:
            if dtype.is_float():
                series = series.fill_null(np.nan)
            elif series.null_count():
                return "number", series.cast(pl.Float64).fill_null(np.nan).to_numpy()
            return "number", series.to_numpy()
        return "text", series.cast(pl.String).to_list()
    pa = _import("pyarrow", "arrow")
    column = frame.column(name)
    dtype = column.type
    if pa.types.is_timestamp(dtype):
        if dtype.tz is None:
            raise ValidationError(
                [f"{where}: times must carry a time zone (the table is UTC) ({dtype})"]
            )
        as_us = column.cast(pa.timestamp("us", "UTC"))
        return "time", as_us.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    if pa.types.is_duration(dtype):
        as_us = column.cast(pa.duration("us"))
        return "delta", as_us.to_numpy(zero_copy_only=False).astype("timedelta64[us]")
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype):
        if column.null_count:
            values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
            return "number", np.where(np.isnan(values), np.nan, values)
        return "number", column.to_numpy(zero_copy_only=False)
    if pa.types.is_boolean(dtype) and not column.null_count:
        return "number", column.to_numpy(zero_copy_only=False)
    return "text", column.cast(pa.string()).to_pylist()


def _bad(name: str, expected: str, got: object) -> ValidationError:
    return ValidationError([f"frame[{name!r}]: expected {expected} ({got})"])


def columns_from_frame(frame: object, settings: Settings) -> Parts:
    """The parts of a table from a pandas, polars or Arrow frame.

    The frame holds ``id`` and any of a table's columns, under their names
    and in the forms the exports give (durations as seconds or timedeltas,
    times aware of their zone). Missing values are null (or NaN, NaT).
    """
    library = _library(frame)
    given: Any = frame
    # An Arrow table's .columns are its arrays; its names are column_names.
    names = [
        str(name)
        for name in (given.column_names if library == "pyarrow" else given.columns)
    ]
    if "id" not in names:
        raise ValidationError([f"frame: no 'id' column (columns: {names})"])
    if len(set(names)) != len(names):
        raise ValidationError([f"frame: a column name appears twice ({names})"])
    columns = Columns()
    labels: dict[str, NDArray[Any]] = {}
    offsets = buffer = None
    for name in names:
        if name == "action_items_overdue" and settings.as_of is None:
            raise ValidationError(
                [
                    "as_of: the frame has action_items_overdue, which is counted "
                    "against an as_of; give the as_of it was built with (None)"
                ]
            )
        kind = _kind(name, settings)
        if kind is None:
            raise ValidationError(
                [f"frame: {name!r} is no column of an incident table"]
            )
        form, values = _read(frame, library, name)
        if kind in ("id", "labels"):
            if form != "text":
                raise _bad(name, "text", form)
            if kind == "id":
                if any(value is None for value in values):
                    raise _bad(name, "an id on every row", "a missing id")
                offsets, buffer = _encode_ids(values)
            else:
                columns[name], labels[name] = _categories(values)
        elif kind == "time":
            if form != "time":
                raise _bad(name, "UTC times", form)
            columns[name] = values
        elif kind == "duration":
            if form == "delta":
                micro = values.view(np.int64)
                columns[name] = seconds(np.where(micro == NAT, NAT, 0), micro)
            elif form == "number" and values.dtype.kind == "f":
                columns[name] = values.astype(np.float64)
            else:
                raise _bad(name, "float seconds or timedeltas", form)
        elif form != "number":
            raise _bad(name, "numbers", form)
        elif kind == "float":
            columns[name] = values.astype(np.float64)
        elif kind == "bool":
            if values.dtype.kind != "b":
                raise _bad(name, "true/false values", values.dtype)
            columns[name] = values
        else:
            if values.dtype.kind == "f":
                raise _bad(name, "whole numbers, none missing", values.dtype)
            if values.dtype.kind not in "iu":
                raise _bad(name, "whole numbers", values.dtype)
            columns[name] = narrow(values.astype(np.int64))
    for name, array in columns.items():
        # A copy: the frame's memory stays the frame's to change.
        columns[name] = readonly(np.array(array, copy=True))
    assert offsets is not None
    assert buffer is not None
    return Parts(columns, labels, offsets, buffer, settings)
