"""Many incidents as NumPy columns: :class:`IncidentTable` and :func:`load_table`.

A table holds one row per incident and one NumPy array per column, built
from records (:meth:`IncidentTable.from_records`) or straight from JSON
bytes (:func:`load_table`, which never builds a record object per incident
on its fast path). Every per-incident figure in it is the one the
one-incident functions give (:func:`~incidentkit.figures.timeline.phase_durations`,
:func:`~incidentkit.figures.impact.impact_score`,
:func:`~incidentkit.figures.actions.action_item_coverage`), under the same policy
objects.

Columns
    ``id``
        The incident id (stored as UTF-8 bytes and offsets; ``table["id"]``
        gives ``str`` objects).
    ``severity``
        The numeric severity level (``int8``; lower is more severe), ``-1``
        when the label maps to no level.
    ``severity_label``, ``service``, ``status``
        Categorical: integer codes plus a sorted label array
        (:meth:`IncidentTable.codes`); ``table[name]`` gives the labels,
        ``None`` where missing.
    ``started_at`` … ``resolved_at``
        The six milestones as ``datetime64[us]`` in UTC, NaT when unknown;
        under the default policy ``declared_at`` is ``incident.declared_at``.
    ``resolved``
        Whether the ``resolved`` milestone is known.
    ``time_to_detect`` … ``time_open`` and ``detection`` … ``monitoring``
        The six figures and five phases of
        :func:`~incidentkit.figures.timeline.phase_durations`, in float64 seconds,
        NaN when a boundary is unknown, negative when the milestones are out
        of order.
    ``impact_score``, ``user_minutes``
        From :func:`~incidentkit.figures.impact.impact_score` (NaN when unknown).
    ``action_items`` and ``action_items_*``
        Counts of action items: all (``action_items``), per canonical type
        (``action_items_detection``... and one per type the policy requires
        that is not canonical), of other types (``action_items_other``),
        without a type (``action_items_untyped``), not done
        (``action_items_open``), and not done past their deadline
        (``action_items_overdue``, only when the table has an ``as_of``).
    ``check_errors``, ``check_warnings``
        Findings of :func:`incidentkit.check` per level, when the table is
        built with ``checks=``.

Counts are the narrowest signed integer type that holds them.
"""

from __future__ import annotations

import codecs
import itertools
import json
import math
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit.errors import ValidationError
from incidentkit.figures.actions import (
    CANONICAL_ACTION_TYPES,
    ActionItemPolicy,
    _as_of_day,
    canonical_action_type,
)
from incidentkit.figures.impact import ImpactScales, ImpactWeights, impact_score
from incidentkit.figures.timeline import (
    DEFAULT_MILESTONE_POLICY,
    FIGURES,
    MILESTONE_NAMES,
    PHASES,
    MilestonePolicy,
    milestones,
)
from incidentkit.records import io as _io
from incidentkit.records.converter import Invalid, parse_date, parse_timestamp
from incidentkit.records.labels import DEFAULT_SEVERITY_LABELS, SeverityLabels
from incidentkit.records.schema import EventType, IncidentRecord
from incidentkit.table.stats import (
    BootstrapStats,
    Comparison,
    Grouping,
    GroupStats,
    SurvivalStats,
    _as_tuple,
    _ByGroup,
    _check_count,
    _import_pandas,
    compare_samples,
    grouped_bootstrap,
    grouped_kaplan_meier,
    grouped_summary,
)

if TYPE_CHECKING:
    import pandas as pd

    from incidentkit.checks.engine import CheckPolicy

__all__ = [
    "CATEGORICAL_COLUMNS",
    "MILESTONE_COLUMNS",
    "UNKNOWN_LEVEL",
    "CoverageStats",
    "IncidentTable",
    "compare",
    "load_table",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The column of each milestone.
MILESTONE_COLUMNS: Final[Mapping[str, str]] = types.MappingProxyType(
    {name: f"{name}_at" for name in MILESTONE_NAMES}
)
#: Columns stored as integer codes plus a label array.
CATEGORICAL_COLUMNS: Final = ("severity_label", "service", "status")
#: The ``severity`` of a row whose label maps to no level.
UNKNOWN_LEVEL: Final = -1

_NAT: Final = int(np.iinfo(np.int64).min)
_NEVER: Final = int(np.iinfo(np.int64).max)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND: Final = timedelta(microseconds=1)
# float64 holds every integer up to 2**53 exactly; beyond, the microseconds
# go through Python's correctly rounded int / int, as timedelta does.
_EXACT: Final = 1 << 53
_SPANS: Final[Mapping[str, tuple[str, str]]] = types.MappingProxyType(
    {**FIGURES, **PHASES}
)
_TIME_COLUMNS: Final = tuple(MILESTONE_COLUMNS.values())
_DEFAULT_WEIGHTS: Final = ImpactWeights()
_DEFAULT_SCALES: Final = ImpactScales()
_DEFAULT_ACTIONS: Final = ActionItemPolicy()


# --- settings shared by every row --------------------------------------------


def _as_of_moment(as_of: object) -> int | None:
    """``as_of`` in microseconds since 1970 UTC (a date: its midnight UTC)."""
    if as_of is None:
        return None
    _as_of_day(as_of)  # the same checks and messages as the one-incident rules
    if isinstance(as_of, datetime):
        return (as_of - _EPOCH) // _MICROSECOND
    assert isinstance(as_of, date)
    moment = datetime(as_of.year, as_of.month, as_of.day, tzinfo=timezone.utc)
    return (moment - _EPOCH) // _MICROSECOND


def _check_type(value: object, expected: type, name: str) -> None:
    if not isinstance(value, expected):
        raise ValidationError(
            [f"{name}: expected {expected.__name__}, got {type(value).__name__}"]
        )


@attrs.frozen(eq=False)
class _Settings:
    """The policies and the moment a table's rows were computed with."""

    as_of: date | datetime | None
    milestone_policy: MilestonePolicy
    impact_weights: ImpactWeights
    impact_scales: ImpactScales
    action_policy: ActionItemPolicy
    severity_labels: SeverityLabels
    check_policy: CheckPolicy | None
    day: date | None = attrs.field(init=False)
    beyond: int = attrs.field(init=False)
    as_of_us: int | None = attrs.field(init=False)
    type_columns: tuple[str, ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        _check_type(self.milestone_policy, MilestonePolicy, "milestone_policy")
        _check_type(self.impact_weights, ImpactWeights, "impact_weights")
        _check_type(self.impact_scales, ImpactScales, "impact_scales")
        _check_type(self.action_policy, ActionItemPolicy, "action_policy")
        _check_type(self.severity_labels, SeverityLabels, "severity_labels")
        day, beyond = (None, 0) if self.as_of is None else _as_of_day(self.as_of)
        object.__setattr__(self, "day", day)
        object.__setattr__(self, "beyond", beyond)
        object.__setattr__(self, "as_of_us", _as_of_moment(self.as_of))
        required = set().union(*self.action_policy.required_types_by_level.values())
        extra = sorted(required.difference(CANONICAL_ACTION_TYPES))
        object.__setattr__(self, "type_columns", (*CANONICAL_ACTION_TYPES, *extra))

    @property
    def count_columns(self) -> tuple[str, ...]:
        names = [
            "action_items",
            *(f"action_items_{kind}" for kind in self.type_columns),
            "action_items_other",
            "action_items_untyped",
            "action_items_open",
        ]
        if self.as_of is not None:
            names.append("action_items_overdue")
        if self.check_policy is not None:
            names += ["check_errors", "check_warnings"]
        return tuple(names)

    def same_as(self, other: _Settings) -> bool:
        return (
            self.as_of == other.as_of
            and self.milestone_policy == other.milestone_policy
            and self.impact_weights == other.impact_weights
            and self.impact_scales == other.impact_scales
            and self.action_policy == other.action_policy
            and self.severity_labels == other.severity_labels
            and self.check_policy == other.check_policy
        )


def _settings(
    as_of: date | datetime | None,
    milestone_policy: MilestonePolicy,
    impact_weights: ImpactWeights,
    impact_scales: ImpactScales,
    action_policy: ActionItemPolicy,
    severity_labels: SeverityLabels,
    checks: bool | CheckPolicy,
) -> _Settings:
    check_policy: CheckPolicy | None = None
    if checks is not False:
        from incidentkit.checks.engine import CheckPolicy

        if checks is True:
            check_policy = CheckPolicy()
        elif isinstance(checks, CheckPolicy):
            check_policy = checks
        else:
            raise ValidationError(
                [f"checks: expected True, False or a CheckPolicy ({checks!r})"]
            )
    return _Settings(
        as_of,
        milestone_policy,
        impact_weights,
        impact_scales,
        action_policy,
        severity_labels,
        check_policy,
    )


class _ItemRules:
    """Counts a record's action items, memoising the text rules per label."""

    def __init__(self, settings: _Settings) -> None:
        self.settings = settings
        self.slot = {kind: 1 + i for i, kind in enumerate(settings.type_columns)}
        self.other = 1 + len(settings.type_columns)
        self.untyped = self.other + 1
        self.open = self.other + 2
        self.overdue = self.other + 3 if settings.as_of is not None else None
        self.width = self.other + (4 if self.overdue is not None else 3)
        self._kinds: dict[str | None, int] = {}
        self._done: dict[str | None, bool] = {}

    def kind(self, label: str | None) -> int:
        slot = self._kinds.get(label)
        if slot is None:
            kind = canonical_action_type(label)
            slot = self.untyped if kind is None else self.slot.get(kind, self.other)
            self._kinds[label] = slot
        return slot

    def done(self, status: str | None) -> bool:
        found = self._done.get(status)
        if found is None:
            found = self._done[status] = self.settings.action_policy.is_done(status)
        return found

    def count(
        self, items: Iterable[tuple[str | None, str | None, date | None]]
    ) -> list[int]:
        counts = [0] * self.width
        day = self.settings.day
        late_anyway = self.settings.beyond > 0
        for label, status, deadline in items:
            counts[0] += 1
            counts[self.kind(label)] += 1
            if not self.done(status):
                counts[self.open] += 1
                if (
                    self.overdue is not None
                    and deadline is not None
                    and (late_anyway if day is None else deadline < day)
                ):
                    counts[self.overdue] += 1
        return counts


# --- rows from records -------------------------------------------------------


def _micros(moment: datetime | None) -> int:
    return _NAT if moment is None else (moment - _EPOCH) // _MICROSECOND


class _Rows:
    """Column lists filled one record at a time (the record path)."""

    def __init__(self, settings: _Settings) -> None:
        self.settings = settings
        self.items = _ItemRules(settings)
        self.ids: list[str] = []
        self.categorical: dict[str, list[str | None]] = {
            name: [] for name in CATEGORICAL_COLUMNS
        }
        self.times: dict[str, list[int]] = {name: [] for name in _TIME_COLUMNS}
        self.impact: list[float] = []
        self.user_minutes: list[float] = []
        self.counts: list[list[int]] = []

    def add(self, rec: IncidentRecord) -> None:
        settings = self.settings
        incident = rec.incident
        self.ids.append(incident.id)
        self.categorical["severity_label"].append(incident.severity)
        self.categorical["service"].append(incident.service)
        self.categorical["status"].append(incident.status)
        found = milestones(rec, settings.milestone_policy)
        for name, moment in zip(MILESTONE_NAMES, found, strict=True):
            self.times[MILESTONE_COLUMNS[name]].append(_micros(moment))
        score = impact_score(
            rec,
            settings.impact_weights,
            scales=settings.impact_scales,
            milestone_policy=settings.milestone_policy,
        )
        self.impact.append(score.score)
        self.user_minutes.append(
            math.nan if score.user_minutes is None else score.user_minutes
        )
        counts = self.items.count(
            (item.type, item.status, item.deadline) for item in rec.action_items
        )
        if settings.check_policy is not None:
            from incidentkit.checks.engine import check, count_levels

            levels = count_levels(
                check(rec, policy=settings.check_policy, as_of=settings.as_of)
            )
            counts += [levels["error"], levels["warning"]]
        self.counts.append(counts)

    def chunk(self) -> _Chunk:
        names = self.settings.count_columns
        counts = (
            np.array(self.counts, dtype=np.int64).reshape(len(self.ids), len(names))
            if self.ids
            else np.zeros((0, len(names)), dtype=np.int64)
        )
        return _Chunk(
            ids=self.ids,
            categorical=self.categorical,
            times={
                name: np.array(values, dtype=np.int64)
                for name, values in self.times.items()
            },
            impact=np.array(self.impact, dtype=np.float64),
            user_minutes=np.array(self.user_minutes, dtype=np.float64),
            counts={name: counts[:, i] for i, name in enumerate(names)},
        )


@attrs.define
class _Chunk:
    """Raw columns of consecutive rows, before categories and narrowing."""

    ids: list[str]
    categorical: dict[str, list[str | None]]
    times: dict[str, IntArray]
    impact: FloatArray
    user_minutes: FloatArray
    counts: dict[str, IntArray]

    def __len__(self) -> int:
        return len(self.ids)


# --- assembling a table ------------------------------------------------------


def _seconds(start: IntArray, end: IntArray) -> FloatArray:
    """``end - start`` in seconds, exactly as ``timedelta.total_seconds()``."""
    known = (start != _NAT) & (end != _NAT)
    span = np.where(known, end - np.where(known, start, 0), 0)
    # int / int is correctly rounded in Python, and so is float division of
    # two exactly represented floats: the results agree below 2**53 µs.
    out = np.where(known, span / 1e6, np.nan)
    large = np.flatnonzero(known & (np.abs(span) > _EXACT))
    if large.size:  # spans of more than 285 years: rare, done one by one
        out[large] = [int(value) / 10**6 for value in span[large].tolist()]
    return out


def _narrow(values: IntArray) -> NDArray[np.signedinteger[Any]]:
    """The narrowest signed integer type that holds every value."""
    if values.size == 0:
        return values.astype(np.int8)
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    return values.astype(np.int64)


def _categories(values: list[str | None]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Integer codes (−1 for None) and the sorted labels."""
    index: dict[str | None, int] = {None: -1}
    raw = np.fromiter(
        (index.setdefault(value, len(index) - 1) for value in values),
        dtype=np.int64,
        count=len(values),
    )
    del index[None]
    labels = np.array(list(index), dtype=object)
    order = np.argsort(labels, kind="stable") if labels.size else np.empty(0, np.intp)
    new_code = np.empty(labels.size + 1, dtype=np.int64)
    new_code[order] = np.arange(labels.size)
    new_code[-1] = -1  # raw code -1 indexes the last slot
    return _narrow(new_code[raw]), _readonly(labels[order])


def _readonly(array: NDArray[Any]) -> NDArray[Any]:
    array.flags.writeable = False
    return array


def _encode_ids(ids: list[str]) -> tuple[NDArray[Any], NDArray[np.uint8]]:
    encoded = [text.encode("utf-8", "surrogatepass") for text in ids]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    offset_type = np.int32 if offsets[-1] < 2**31 else np.int64
    return _readonly(offsets.astype(offset_type)), _readonly(buffer)


def _assemble(
    chunks: Sequence[_Chunk],
    settings: _Settings,
    errors: Sequence[ValidationError] = (),
) -> IncidentTable:
    def joined(parts: list[NDArray[Any]], dtype: type) -> NDArray[Any]:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    columns: dict[str, NDArray[Any]] = {}
    labels: dict[str, NDArray[Any]] = {}
    ids = [text for chunk in chunks for text in chunk.ids]
    offsets, buffer = _encode_ids(ids)
    severity_labels = [
        value for chunk in chunks for value in chunk.categorical["severity_label"]
    ]
    codes, label_array = _categories(severity_labels)
    level_of = np.array(
        [
            UNKNOWN_LEVEL
            if (level := settings.severity_labels.level(label)) is None
            else level
            for label in label_array.tolist()
        ]
        + [UNKNOWN_LEVEL],
        dtype=np.int64,
    )
    columns["severity"] = _narrow(level_of[codes])
    columns["severity_label"], labels["severity_label"] = codes, label_array
    for name in ("service", "status"):
        values = [value for chunk in chunks for value in chunk.categorical[name]]
        columns[name], labels[name] = _categories(values)
    times = {
        name: joined([chunk.times[name] for chunk in chunks], np.int64)
        for name in _TIME_COLUMNS
    }
    for name in _TIME_COLUMNS:
        columns[name] = times[name].view("datetime64[us]")
    columns["resolved"] = times[MILESTONE_COLUMNS["resolved"]] != _NAT
    for name, (start, end) in _SPANS.items():
        columns[name] = _seconds(
            times[MILESTONE_COLUMNS[start]], times[MILESTONE_COLUMNS[end]]
        )
    columns["impact_score"] = joined([chunk.impact for chunk in chunks], np.float64)
    columns["user_minutes"] = joined(
        [chunk.user_minutes for chunk in chunks], np.float64
    )
    for name in settings.count_columns:
        columns[name] = _narrow(
            joined([chunk.counts[name] for chunk in chunks], np.int64)
        )
    for array in columns.values():
        array.flags.writeable = False
    return IncidentTable._create(columns, labels, offsets, buffer, settings, errors)


# --- the table ---------------------------------------------------------------


class IncidentTable:
    """Many incidents as NumPy columns, one row per incident.

    Build one with :meth:`from_records` or :func:`load_table`; the columns
    are listed in :mod:`incidentkit.table.frame`. A table is immutable: its arrays
    are read-only, and selecting rows (``table[mask]``) gives a new table.
    Groupings are computed once per key and reused.

    Example:
        >>> import incidentkit as ik
        >>> table = IncidentTable.from_records([ik.example()])
        >>> len(table), table["time_to_resolve"].tolist(), table["service"].tolist()
        (1, [9000.0], ['payment-gateway'])
        >>> table["severity"].tolist(), table.codes("service")[1].tolist()
        ([1], ['payment-gateway'])
    """

    __slots__ = (
        "_cache",
        "_columns",
        "_id_bytes",
        "_id_offsets",
        "_labels",
        "_settings",
        "errors",
    )

    _columns: dict[str, NDArray[Any]]
    _labels: dict[str, NDArray[Any]]
    _id_offsets: NDArray[Any]
    _id_bytes: NDArray[np.uint8]
    _settings: _Settings
    _cache: dict[object, Any]
    #: Documents that did not load, when :func:`load_table` collected errors.
    errors: tuple[ValidationError, ...]

    def __init__(self) -> None:
        raise TypeError(
            "build an IncidentTable with IncidentTable.from_records() or "
            "incidentkit.load_table()"
        )

    @classmethod
    def _create(
        cls,
        columns: dict[str, NDArray[Any]],
        labels: dict[str, NDArray[Any]],
        offsets: NDArray[Any],
        buffer: NDArray[np.uint8],
        settings: _Settings,
        errors: Sequence[ValidationError] = (),
    ) -> IncidentTable:
        table = object.__new__(cls)
        table._columns = columns
        table._labels = labels
        table._id_offsets = offsets
        table._id_bytes = buffer
        table._settings = settings
        table._cache = {}
        table.errors = tuple(errors)
        return table

    # --- building ---------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: Iterable[IncidentRecord],
        *,
        as_of: date | datetime | None = None,
        milestone_policy: MilestonePolicy = DEFAULT_MILESTONE_POLICY,
        impact_weights: ImpactWeights = _DEFAULT_WEIGHTS,
        impact_scales: ImpactScales = _DEFAULT_SCALES,
        action_policy: ActionItemPolicy = _DEFAULT_ACTIONS,
        severity_labels: SeverityLabels = DEFAULT_SEVERITY_LABELS,
        checks: bool | CheckPolicy = False,
    ) -> IncidentTable:
        """Build a table from records, one row each, in order.

        Args:
            records: The records.
            as_of: The moment the data describes (a ``date`` or an aware
                ``datetime``): overdue action items are counted against its
                UTC day, and :meth:`survival` ages open incidents to it.
                Without it there is no ``action_items_overdue`` column. The
                clock is never read.
            milestone_policy: The milestone rules (figures, phases, impact).
            impact_weights: Weights of the impact score.
            impact_scales: Scales of the impact score.
            action_policy: Done statuses and required types of action items.
            severity_labels: How severity labels map to levels.
            checks: ``True`` or a :class:`~incidentkit.CheckPolicy` adds the
                ``check_errors`` and ``check_warnings`` columns (running
                :func:`incidentkit.check` on every record).

        Raises:
            ValidationError: When an item is not an ``IncidentRecord`` or a
                policy is not valid.
        """
        settings = _settings(
            as_of,
            milestone_policy,
            impact_weights,
            impact_scales,
            action_policy,
            severity_labels,
            checks,
        )
        rows = _Rows(settings)
        for index, rec in enumerate(records):
            if not isinstance(rec, IncidentRecord):
                raise ValidationError(
                    [
                        f"records[{index}]: expected an IncidentRecord, got "
                        f"{type(rec).__name__}"
                    ]
                )
            rows.add(rec)
        return _assemble([rows.chunk()], settings)

    @classmethod
    def concat(cls, tables: Iterable[IncidentTable]) -> IncidentTable:
        """One table with the rows of several, in order.

        The tables must have been built with the same ``as_of`` and policies
        (so that their columns mean the same); their labels are merged.

        Raises:
            ValidationError: When there is no table, or they differ.

        Example:
            >>> import incidentkit as ik
            >>> one = IncidentTable.from_records([ik.example()])
            >>> len(IncidentTable.concat([one, one, one]))
            3
        """
        parts = list(tables)
        for index, part in enumerate(parts):
            if not isinstance(part, IncidentTable):
                raise ValidationError(
                    [
                        f"tables[{index}]: expected an IncidentTable, got "
                        f"{type(part).__name__}"
                    ]
                )
        if not parts:
            raise ValidationError(["tables: nothing to concatenate (empty)"])
        first = parts[0]
        for index, part in enumerate(parts[1:], start=1):
            if not part._settings.same_as(first._settings):
                raise ValidationError(
                    [
                        f"tables[{index}]: built with another as_of or other "
                        "policies than tables[0]; their columns do not mean the same"
                    ]
                )
        columns: dict[str, NDArray[Any]] = {}
        labels: dict[str, NDArray[Any]] = {}
        for name in first._columns:
            if name in first._labels:
                merged = np.array(
                    sorted(
                        set().union(*(part._labels[name].tolist() for part in parts))
                    ),
                    dtype=object,
                )
                recoded = []
                for part in parts:
                    mapping = (
                        np.append(
                            np.searchsorted(merged, part._labels[name]).astype(
                                np.int64
                            ),
                            -1,
                        )
                        if merged.size
                        else np.array([-1], dtype=np.int64)
                    )
                    recoded.append(mapping[part._columns[name]])
                columns[name] = _readonly(_narrow(np.concatenate(recoded)))
                labels[name] = _readonly(merged)
            else:
                joined = np.concatenate([part._columns[name] for part in parts])
                if joined.dtype.kind == "i":
                    joined = _narrow(joined.astype(np.int64))
                columns[name] = _readonly(joined)
        lengths = np.concatenate([np.diff(part._id_offsets) for part in parts])
        offsets = np.zeros(lengths.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        offset_type = np.int32 if offsets[-1] < 2**31 else np.int64
        buffer = np.concatenate([part._id_bytes for part in parts])
        return cls._create(
            columns,
            labels,
            _readonly(offsets.astype(offset_type)),
            _readonly(buffer),
            first._settings,
        )

    # --- reading ---------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._id_offsets.size - 1)

    def __repr__(self) -> str:
        return f"<IncidentTable: {len(self)} incidents, {len(self.columns)} columns>"

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("id", *self._columns)

    @property
    def as_of(self) -> date | datetime | None:
        """The moment the table's data describes, as given when it was built."""
        return self._settings.as_of

    @property
    def action_policy(self) -> ActionItemPolicy:
        """The action-item policy the counts and coverage follow."""
        return self._settings.action_policy

    @property
    def nbytes(self) -> int:
        """Bytes held by the table's arrays (label arrays: their strings too)."""
        total = self._id_offsets.nbytes + self._id_bytes.nbytes
        total += sum(array.nbytes for array in self._columns.values())
        for array in self._labels.values():
            total += array.nbytes + sum(len(label) + 49 for label in array.tolist())
        return int(total)

    def __contains__(self, name: object) -> bool:
        return name == "id" or name in self._columns

    @typing.overload
    def __getitem__(self, key: str) -> NDArray[Any]: ...

    @typing.overload
    def __getitem__(
        self, key: NDArray[Any] | Sequence[int] | Sequence[bool] | slice
    ) -> IncidentTable: ...

    def __getitem__(self, key: object) -> NDArray[Any] | IncidentTable:
        """A column by name, or the rows selected by a mask, indices or a slice.

        A categorical column gives its labels (``None`` where missing); the
        ``id`` column gives ``str`` objects; every other column is the
        table's own read-only array.
        """
        if isinstance(key, str):
            return self._column(key)
        return self.take(key)  # type: ignore[arg-type]

    def _column(self, name: str) -> NDArray[Any]:
        if name == "id":
            data = self._id_bytes.tobytes()
            bounds = self._id_offsets.tolist()
            out = np.empty(len(self), dtype=object)
            out[:] = [
                data[start:end].decode("utf-8", "surrogatepass")
                for start, end in itertools.pairwise(bounds)
            ]
            return out
        array = self._get(name)
        if name in self._labels:
            labels = np.empty(self._labels[name].size + 1, dtype=object)
            labels[:-1] = self._labels[name]
            shown: NDArray[Any] = labels[array]
            return shown
        return array

    def _get(self, name: str) -> NDArray[Any]:
        try:
            return self._columns[name]
        except (KeyError, TypeError):
            raise ValidationError(
                [f"column: no column {name!r} (columns: {', '.join(self.columns)})"]
            ) from None

    def codes(self, name: str) -> tuple[NDArray[Any], NDArray[Any]]:
        """The integer codes of a column and the labels they index.

        For a categorical column these are the stored codes (−1 where the
        value is missing) and its sorted label array. For ``severity``,
        ``month`` and other columns they are computed: codes into the sorted
        distinct values present.

        Example:
            >>> import incidentkit as ik
            >>> table = IncidentTable.from_records([ik.example()])
            >>> codes, labels = table.codes("status")
            >>> codes.tolist(), labels.tolist()
            ([0], ['resolved'])
        """
        if name in self._labels:
            return self._columns[name], self._labels[name]
        codes, labels = self._key(name)
        return codes, labels

    def take(
        self, rows: NDArray[Any] | Sequence[int] | Sequence[bool] | slice
    ) -> IncidentTable:
        """A new table with the rows selected by a boolean mask, indices or a slice.

        Example:
            >>> import incidentkit as ik
            >>> table = IncidentTable.from_records([ik.example()] * 3)
            >>> len(table[table["severity"] == 1]), len(table[[0, 0]]), len(table[1:])
            (3, 2, 2)
        """
        n = len(self)
        if isinstance(key := rows, slice):
            index = np.arange(n)[key]
        else:
            array = np.asarray(key)
            if array.dtype.kind == "b":
                if array.shape != (n,):
                    raise ValidationError(
                        [
                            f"mask: expected {n} true/false values, got shape "
                            f"{array.shape}"
                        ]
                    )
                index = np.flatnonzero(array)
            elif array.dtype.kind in "iu" or array.size == 0:
                index = array.astype(np.int64).ravel()
                if index.size and (index.max() >= n or index.min() < -n):
                    raise ValidationError(
                        [f"rows: index out of range for {n} rows ({int(index.max())})"]
                    )
                index = np.where(index < 0, index + n, index)
            else:
                raise ValidationError(
                    [
                        "rows: expected a column name, a boolean mask, row "
                        f"indices or a slice (got {array.dtype})"
                    ]
                )
        columns = {
            name: _readonly(array[index]) for name, array in self._columns.items()
        }
        labels = {}
        for name, known in self._labels.items():
            # Keep only the labels still used, so that a selection equals the
            # table built from the selected records.
            codes = columns[name].astype(np.int64)
            used = np.zeros(known.size + 1, dtype=bool)
            used[codes] = True
            used = used[:-1]
            remap = np.append(np.cumsum(used) - 1, -1)
            columns[name] = _readonly(_narrow(remap[codes]))
            labels[name] = _readonly(known[used])
        starts = self._id_offsets[:-1].astype(np.int64)[index]
        lengths = np.diff(self._id_offsets).astype(np.int64)[index]
        offsets = np.zeros(index.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        gather = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        offset_type = np.int32 if offsets[-1] < 2**31 else np.int64
        return IncidentTable._create(
            columns,
            labels,
            _readonly(offsets.astype(offset_type)),
            _readonly(self._id_bytes[gather]),
            self._settings,
        )

    # --- exports ------------------------------------------------------------------

    def to_dict(self) -> dict[str, list[Any]]:
        """Column name → list of Python values (NaN and NaT become ``None``)."""
        from incidentkit.table.stats import _python

        return {name: [_python(value) for value in self[name]] for name in self.columns}

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per incident (NaN and NaT become ``None``)."""
        columns = self.to_dict()
        return [
            {name: values[row] for name, values in columns.items()}
            for row in range(len(self))
        ]

    def to_pandas(self) -> pd.DataFrame:
        """A pandas DataFrame: categoricals as ``Categorical``, times in UTC.

        Raises:
            ImportError: When pandas (the ``pandas`` extra) is not installed.
        """
        pandas = _import_pandas()
        data: dict[str, Any] = {"id": self["id"]}
        for name, array in self._columns.items():
            if name in self._labels:
                data[name] = pandas.Categorical.from_codes(
                    array.astype(np.int64), categories=self._labels[name]
                )
            elif array.dtype.kind == "M":
                data[name] = pandas.Series(array).dt.tz_localize("UTC")
            else:
                data[name] = array
        frame: pd.DataFrame = pandas.DataFrame(data)
        return frame

    # --- groups -----------------------------------------------------------------

    def _key(self, name: str) -> tuple[IntArray, NDArray[Any]]:
        """Codes (−1: no group) into the sorted labels present, for one key."""
        cached = self._cache.get(("key", name))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        codes: IntArray
        labels: NDArray[Any]
        if name == "month":
            months = self._columns["declared_at"].astype("datetime64[M]")
            values = months.view(np.int64)
            codes, distinct = _compact(values, values != _NAT)
            labels = distinct.astype("datetime64[M]")
        elif name == "id":
            raise ValidationError(
                ["by: cannot group by id (every row is its own group)"]
            )
        elif name in self._labels:
            stored = self._columns[name].astype(np.int64)
            counts = np.bincount(stored + 1, minlength=self._labels[name].size + 1)
            present = counts[1:] > 0
            if present.all():  # a table as built: every label is used
                codes, labels = stored, self._labels[name]
            else:
                remap = np.append(np.cumsum(present) - 1, -1)
                codes, labels = remap[stored], self._labels[name][present]
        else:
            array = self._get(name)
            if array.dtype.kind in "iub":
                values = array.astype(np.int64)
                # A severity label no policy knows is a missing key.
                keep = (
                    values != UNKNOWN_LEVEL
                    if name == "severity"
                    else np.ones(values.size, dtype=bool)
                )
                codes, distinct = _compact(values, keep)
                labels = distinct.astype(array.dtype)
            elif array.dtype.kind == "M":
                values = array.view(np.int64)
                codes, distinct = _compact(values, values != _NAT)
                labels = distinct.view(array.dtype)
            else:
                known = ~np.isnan(array)
                labels, inverse = np.unique(array[known], return_inverse=True)
                codes = np.full(array.size, -1, dtype=np.int64)
                codes[known] = inverse
        result = (codes, labels)
        _readonly(result[0])
        self._cache[("key", name)] = result
        return result

    def _grouping(
        self, by: str | Iterable[str] | None
    ) -> tuple[Grouping, NDArray[Any], tuple[str, ...]]:
        keys = _as_tuple(by)
        if len(set(keys)) != len(keys):
            raise ValidationError([f"by: a key appears twice ({list(keys)})"])
        cached = self._cache.get(("grouping", keys))
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        n = len(self)
        if not keys:
            result = (
                Grouping(np.zeros(n, dtype=np.int64), 1),
                np.array(["all"], dtype=object),
                keys,
            )
            self._cache[("grouping", keys)] = result
            return result
        if len(keys) == 1:
            small = self._small_key(keys[0])
            if small is not None:
                self._cache[("grouping", keys)] = small
                return small
        parts = [self._key(key) for key in keys]
        sizes = [part[1].size for part in parts]
        if len(keys) == 1:
            # A key's codes already index the labels present, each used.
            codes, groups = parts[0][0], parts[0][1]
        else:
            if math.prod(sizes) >= 2**62:
                raise ValidationError([f"by: too many combinations of {list(keys)}"])
            combined = parts[0][0]
            for part_codes, labels in parts[1:]:
                missing = (combined < 0) | (part_codes < 0)
                combined = combined * labels.size + part_codes
                combined[missing] = -1
            codes, present = _compact(combined, combined >= 0)
            groups = np.empty(
                present.size,
                dtype=[
                    (key, part[1].dtype) for key, part in zip(keys, parts, strict=True)
                ],
            )
            rest = present.copy()
            for key, part, size in reversed(list(zip(keys, parts, sizes, strict=True))):
                groups[key] = part[1][rest % size]
                rest //= size
        n_groups = groups.size
        # Grouping's own form: rows in no group hold n_groups.
        codes = np.where(codes < 0, n_groups, codes)
        grouping = Grouping._trusted(
            codes, n_groups, np.bincount(codes, minlength=n_groups + 1)
        )
        result = (grouping, _readonly(groups), keys)
        self._cache[("grouping", keys)] = result
        return result

    def _small_key(
        self, name: str
    ) -> tuple[Grouping, NDArray[Any], tuple[str, ...]] | None:
        """The grouping by a one-byte column (codes, levels, flags), in 3 passes.

        Each byte value is counted once, and a 256-entry table maps every
        byte to its group: no sort, no temporary array of int64 codes.
        """
        array = self._columns.get(name)
        if array is None or array.dtype not in (np.int8, np.uint8, np.bool_):
            return None
        raw = array.view(np.uint8)
        counts = np.bincount(raw, minlength=256)
        values = np.arange(256, dtype=np.uint8)
        if array.dtype == np.int8:
            values = values.view(np.int8)
        present = counts > 0
        # Codes and severity levels use -1 for "no value": no group.
        if name in self._labels or name == "severity":
            present &= values.astype(np.int64) >= 0
        order = np.flatnonzero(present)
        order = order[np.argsort(values[order].astype(np.int64), kind="stable")]
        n_groups = order.size
        lookup = np.full(256, n_groups, dtype=np.int64)
        lookup[order] = np.arange(n_groups)
        codes = lookup[raw]
        sizes = np.append(counts[order], len(self) - int(counts[order].sum()))
        if name in self._labels:
            groups = self._labels[name][values[order].astype(np.int64)]
        else:
            groups = values[order].astype(array.dtype)
        grouping = Grouping._trusted(codes, n_groups, sizes.astype(np.int64))
        return grouping, _readonly(groups), (name,)

    def _kind(self, name: str) -> str:
        """What a column holds, as error messages name it."""
        if name == "id":
            return "text"
        if name in self._labels:
            return "labels"
        return str(self._columns[name].dtype)

    def _is_numeric(self, name: str) -> bool:
        return name not in self._labels and self._columns[name].dtype.kind in "fiub"

    def _numbers(self, column: str) -> FloatArray:
        # "id" is a column although it is not in _columns (its text is kept
        # as bytes): it must read "not numeric", never "no column".
        # Callers pass anything; a non-string (a list, say) is no column, which
        # _get says, and must not reach a dict lookup that it cannot hash.
        given: object = column
        known = isinstance(given, str) and given in self
        if known and (column == "id" or not self._is_numeric(column)):
            numeric = ", ".join(filter(self._is_numeric, self._columns))
            raise ValidationError(
                [
                    f"column: {column!r} is not a numeric column "
                    f"({self._kind(column)}); numeric columns: {numeric}"
                ]
            )
        array = self._get(column)
        if column == "severity":
            return np.where(array == UNKNOWN_LEVEL, np.nan, array.astype(np.float64))
        return array if array.dtype == np.float64 else array.astype(np.float64)

    def group_stats(
        self,
        column: str,
        by: str | Sequence[str] | None = None,
        *,
        method: Literal["auto", "sort", "select"] = "auto",
    ) -> GroupStats:
        """Count, mean, median, p90, p95, min and max of a column by group.

        Args:
            column: A numeric column, e.g. ``"time_to_resolve"``.
            by: A column name (``"severity"``, ``"service"``, ``"status"``...),
                ``"month"`` (of ``declared_at``), a list of them, or ``None``
                for the whole table. Rows whose key is missing belong to no
                group.
            method: How order statistics are found (see
                :mod:`incidentkit.table.stats`); every method gives the same values.

        Returns:
            One row per group present, groups sorted; ``count`` is the number
            of values present, ``missing`` the rows without one (open
            incidents for ``time_to_resolve``).

        Example:
            >>> import incidentkit as ik
            >>> from incidentkit import synth
            >>> table = IncidentTable.from_records(synth.generate(300, seed=3))
            >>> stats = table.group_stats("time_to_resolve", by="severity")
            >>> stats.groups.tolist()
            [0, 1, 2, 3, 4]
            >>> int(stats.count.sum()), int(stats.missing.sum())  # open: missing
            (..., ...)
            >>> int(stats.count.sum() + stats.missing.sum())
            300
            >>> bool((stats.median <= stats.p90).all())
            True
        """
        values = self._numbers(column)
        grouping, groups, keys = self._grouping(by)
        summary = grouped_summary(values, grouping, method=method)
        return GroupStats(
            column=column,
            by=keys,
            groups=groups,
            count=summary.count,
            missing=summary.missing,
            mean=summary.mean,
            median=summary.median,
            p90=summary.p90,
            p95=summary.p95,
            min=summary.min,
            max=summary.max,
            method=summary.method,
        )

    def bootstrap(
        self,
        column: str,
        stat: str = "median",
        by: str | Sequence[str] | None = None,
        *,
        n: int = 2000,
        seed: int | np.random.Generator | None = None,
        confidence: float = 0.95,
    ) -> BootstrapStats:
        """A statistic by group with its bootstrap confidence interval.

        Each group is resampled on its own; the interval is the percentile
        interval of the resampled statistic. The same seed gives the same
        intervals.

        Args:
            column: A numeric column.
            stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
            by: As for :meth:`group_stats`.
            n: Resamples.
            seed: Seed for :func:`numpy.random.default_rng`.
            confidence: Coverage of the intervals.

        Example:
            >>> import incidentkit as ik
            >>> from incidentkit import synth
            >>> table = IncidentTable.from_records(synth.generate(300, seed=3))
            >>> ci = table.bootstrap("time_to_resolve", by="severity", seed=1)
            >>> bool(((ci.low <= ci.estimate) & (ci.estimate <= ci.high))[1:].all())
            True
        """
        values = self._numbers(column)
        grouping, groups, keys = self._grouping(by)
        found = grouped_bootstrap(
            values, grouping, stat=stat, n=n, seed=seed, confidence=confidence
        )
        return BootstrapStats(
            column=column,
            stat=stat,
            by=keys,
            groups=groups,
            count=found.count,
            estimate=found.estimate,
            low=found.low,
            high=found.high,
            confidence=float(confidence),
            n=int(n),
        )

    def survival(
        self,
        column: str = "time_to_resolve",
        by: str | Sequence[str] | None = None,
        *,
        as_of: date | datetime | None = None,
    ) -> SurvivalStats:
        """Kaplan–Meier median and quantiles, counting open incidents as censored.

        An incident whose end milestone is unknown and that is not resolved
        is still running: it lasts *at least* its age at ``as_of`` (from its
        start milestone). The Kaplan–Meier estimate uses that, instead of
        dropping open incidents (which makes durations look shorter) or
        closing them at "now" silently. Incidents that ended count with
        their recorded duration. With no open incident the quantiles are the
        smallest durations that at least ``q`` of the incidents reach
        (``numpy.percentile(..., method="inverted_cdf")``).

        Args:
            column: A figure or phase, e.g. ``"time_to_resolve"``.
            by: As for :meth:`group_stats`.
            as_of: When the ages are taken (a ``date`` means its midnight
                UTC); the table's ``as_of`` by default. Needed only when
                some incident is open.

        Raises:
            ValidationError: When an incident is open and there is no
                ``as_of``, or the column is not a duration.

        Example:
            >>> import incidentkit as ik
            >>> from datetime import date
            >>> from incidentkit import synth
            >>> table = IncidentTable.from_records(synth.generate(300, seed=3))
            >>> km = table.survival(by="severity", as_of=date(2025, 2, 1))
            >>> stats = table.group_stats("time_to_resolve", by="severity")
            >>> km.ended.tolist() == stats.count.tolist()
            True
            >>> km.censored.tolist() == stats.missing.tolist()  # open incidents
            True
        """
        if column not in _SPANS:
            raise ValidationError(
                [
                    f"column: {column!r} is not a duration between milestones "
                    f"(one of {', '.join(_SPANS)})"
                ]
            )
        moment = self._settings.as_of if as_of is None else as_of
        start_name, end_name = _SPANS[column]
        start = self._columns[MILESTONE_COLUMNS[start_name]].view(np.int64)
        end = self._columns[MILESTONE_COLUMNS[end_name]].view(np.int64)
        observed = (start != _NAT) & (end != _NAT)
        open_rows = (start != _NAT) & (end == _NAT) & ~self._columns["resolved"]
        durations = np.where(observed, self._columns[column], np.nan)
        if open_rows.any():
            as_of_us = _as_of_moment(moment)
            if as_of_us is None:
                raise ValidationError(
                    [
                        f"as_of: {int(open_rows.sum())} incidents are still open; "
                        "give as_of (when the data was taken) to age them"
                    ]
                )
            ages = _seconds(start[open_rows], np.full(int(open_rows.sum()), as_of_us))
            # An incident that starts after as_of did not exist yet.
            ages[ages < 0] = np.nan
            durations[open_rows] = ages
        grouping, groups, keys = self._grouping(by)
        km = grouped_kaplan_meier(durations, observed, grouping)
        sizes = grouping.sizes[: grouping.n_groups]
        shown = None
        if moment is not None:
            shown = moment.isoformat()
        return SurvivalStats(
            column=column,
            by=keys,
            groups=groups,
            count=km.count,
            ended=km.events,
            censored=km.censored,
            missing=(sizes - km.count).astype(np.int64),
            median=km.quantiles[0],
            p90=km.quantiles[1],
            p95=km.quantiles[2],
            as_of=shown,
        )

    def action_item_coverage(
        self, by: str | Sequence[str] | None = None
    ) -> CoverageStats:
        """Action-item coverage by group: who has every required type.

        The required types of each incident come from the table's
        :attr:`action_policy` and its ``severity`` level, as in
        :func:`incidentkit.action_item_coverage`.

        Args:
            by: As for :meth:`group_stats`.

        Example:
            >>> import incidentkit as ik
            >>> from incidentkit import synth
            >>> from datetime import date
            >>> table = IncidentTable.from_records(
            ...     synth.generate(300, seed=3), as_of=date(2025, 2, 1))
            >>> cov = table.action_item_coverage(by="severity")
            >>> int(cov.incidents.sum()), int(cov.requiring[-1])  # SEV4: none
            (300, 0)
            >>> print(cov.share.round(2))
            [... nan]
        """
        grouping, groups, keys = self._grouping(by)
        policy = self._settings.action_policy
        levels = self._columns["severity"].astype(np.int64)
        distinct = np.unique(levels)
        required_types = sorted(set().union(*policy.required_types_by_level.values()))
        required = {kind: np.zeros(len(self), dtype=bool) for kind in required_types}
        for level in distinct.tolist():
            kinds = policy.required_types(None if level == UNKNOWN_LEVEL else level)
            rows = levels == level
            for kind in kinds:
                required[kind] |= rows
        missing = {
            kind: rows & (self._columns[f"action_items_{kind}"] == 0)
            for kind, rows in required.items()
        }
        requiring = np.zeros(len(self), dtype=bool)
        lacking = np.zeros(len(self), dtype=bool)
        for kind in required_types:
            requiring |= required[kind]
            lacking |= missing[kind]
        n_groups = grouping.n_groups

        def total(values: NDArray[Any]) -> IntArray:
            return np.bincount(
                grouping.codes,
                weights=values.astype(np.float64),
                minlength=n_groups + 1,
            )[:n_groups].astype(np.int64)

        incidents = grouping.sizes[:n_groups].astype(np.int64)
        requiring_count = total(requiring)
        covered = total(requiring & ~lacking)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(requiring_count > 0, covered / requiring_count, np.nan)
        overdue = (
            total(self._columns["action_items_overdue"])
            if "action_items_overdue" in self._columns
            else None
        )
        with_overdue = (
            total(self._columns["action_items_overdue"] > 0)
            if "action_items_overdue" in self._columns
            else None
        )
        return CoverageStats(
            by=keys,
            groups=groups,
            incidents=incidents,
            requiring=requiring_count,
            covered=covered,
            share=share,
            missing={kind: total(missing[kind]) for kind in required_types},
            items=total(self._columns["action_items"]),
            open_items=total(self._columns["action_items_open"]),
            overdue_items=overdue,
            with_overdue=with_overdue,
        )

    def _repr_html_(self) -> str:
        """The notebook rendering (every text escaped)."""
        from incidentkit.render.html import table_html

        return table_html(self)


def _compact(values: IntArray, keep: NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """Codes into the sorted distinct kept values (−1 elsewhere), and those values."""
    if not keep.any():
        return np.full(values.size, -1, dtype=np.int64), np.empty(0, dtype=np.int64)
    every = bool(keep.all())
    if every:
        low, high = int(values.min()), int(values.max())
    else:
        low = int(values.min(where=keep, initial=np.iinfo(np.int64).max))
        high = int(values.max(where=keep, initial=np.iinfo(np.int64).min))
    span = high - low + 1
    if span <= max(4 * values.size, 1 << 20):
        # Small range: count each value in place of a sort.
        index = values - low
        if not every:
            np.putmask(index, ~keep, span)  # a slot for the rows left out
        present = np.bincount(index, minlength=span + 1)[:span] > 0
        lookup = np.full(span + 1, -1, dtype=np.int64)
        lookup[:span][present] = np.arange(int(present.sum()))
        return lookup[index], np.flatnonzero(present) + low
    codes = np.full(values.size, -1, dtype=np.int64)
    found, inverse = np.unique(values[keep], return_inverse=True)
    codes[keep] = inverse
    return codes, found


@attrs.frozen(eq=False, repr=False)
class CoverageStats(_ByGroup):
    """Action-item coverage, group by group.

    Attributes:
        by: The keys.
        groups: The group labels, sorted.
        incidents: Incidents in the group.
        requiring: Incidents whose severity requires at least one type.
        covered: Of those, incidents with every required type.
        share: ``covered / requiring`` (NaN when nothing is required).
        missing: For each type required somewhere, the incidents that
            require it and have no item of it.
        items: Action items in the group.
        open_items: Items not done.
        overdue_items: Items not done past their deadline; ``None`` when the
            table has no ``as_of``.
        with_overdue: Incidents with at least one overdue item; ``None``
            without ``as_of``.
    """

    by: tuple[str, ...]
    groups: NDArray[Any]
    incidents: IntArray
    requiring: IntArray
    covered: IntArray
    share: FloatArray
    missing: Mapping[str, IntArray]
    items: IntArray
    open_items: IntArray
    overdue_items: IntArray | None
    with_overdue: IntArray | None

    def _columns(self) -> dict[str, NDArray[Any]]:
        columns = self._key_columns()
        columns.update(
            incidents=self.incidents,
            requiring=self.requiring,
            covered=self.covered,
            share=self.share,
        )
        columns.update(
            {f"missing_{kind}": counts for kind, counts in self.missing.items()}
        )
        columns.update(items=self.items, open_items=self.open_items)
        if self.overdue_items is not None and self.with_overdue is not None:
            columns.update(
                overdue_items=self.overdue_items, with_overdue=self.with_overdue
            )
        return columns

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame with one row per group, indexed by the group labels."""
        pandas = _import_pandas()
        keys = self._key_columns()
        frame: pd.DataFrame = pandas.DataFrame(
            {name: array for name, array in self._columns().items() if name not in keys}
        )
        if len(keys) == 1:
            ((name, labels),) = keys.items()
            frame.index = pandas.Index(labels, name=name)
        else:
            frame.index = pandas.MultiIndex.from_arrays(
                list(keys.values()), names=list(keys)
            )
        return frame

    def __repr__(self) -> str:
        return f"CoverageStats(by {list(self.by)}, {len(self)} groups)"


# --- compare -----------------------------------------------------------------


def compare(
    a: IncidentTable,
    b: IncidentTable,
    column: str = "time_to_resolve",
    stat: str = "median",
    *,
    n: int = 2000,
    permutations: int = 2000,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
) -> Comparison:
    """Whether a statistic of a column differs between two tables, and by how much.

    ``a`` is the table of interest (say, this quarter), ``b`` the reference
    (last quarter). The result gives both estimates with their sample
    sizes, the difference ``a - b`` and the ratio ``a / b`` with bootstrap
    intervals, and a permutation p-value; :meth:`Comparison.summary` says
    in words whether the change is detectable. Incident durations are
    heavy-tailed, so a change of 10% in a median usually is not, with the
    sample sizes of a quarter.

    Args:
        a: The table of interest.
        b: The reference table.
        column: A numeric column.
        stat: ``"mean"``, ``"median"``, ``"p90"`` or ``"p95"``.
        n: Bootstrap resamples.
        permutations: Shuffles for the p-value.
        seed: Seed for :func:`numpy.random.default_rng`.
        confidence: Coverage of the intervals.

    Raises:
        ValidationError: When either table has no value in the column.
    """
    for name, table in (("a", a), ("b", b)):
        if not isinstance(table, IncidentTable):
            raise ValidationError(
                [f"{name}: expected an IncidentTable, got {type(table).__name__}"]
            )
    return compare_samples(
        a._numbers(column),
        b._numbers(column),
        stat=stat,
        n=n,
        permutations=permutations,
        seed=seed,
        confidence=confidence,
        column=column,
        unit="s" if column in _SPANS else None,
    )


# --- timestamps in bulk ------------------------------------------------------

# "YYYY-MM-DDTHH:MM:SS", then ".fff" or ".ffffff" or nothing, then "Z" or
# "+HH:MM"/"-HH:MM": the forms records use. Any other string is parsed one by
# one with parse_timestamp, so that the result (or the error) is its own.
_FORMS: Final[Mapping[int, tuple[int, bool]]] = types.MappingProxyType(
    {
        20: (0, False),
        24: (3, False),
        27: (6, False),
        25: (0, True),
        29: (3, True),
        32: (6, True),
    }
)
_DATE_DIGITS: Final = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)
_DAYS_BEFORE_MONTH: Final = np.array(
    [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], dtype=np.int64
)
_MONTH_DAYS: Final = np.array(
    [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64
)
# 0001-01-01T00:00:00 and 9999-12-31T23:59:59.999999 UTC in µs since 1970.
_FIRST_US: Final = (datetime(1, 1, 1, tzinfo=timezone.utc) - _EPOCH) // _MICROSECOND
_LAST_US: Final = (
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc) - _EPOCH
) // _MICROSECOND


def _parse_form(
    chars: NDArray[np.unsignedinteger[Any]], digits_after: int, offset: bool
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Microseconds since 1970 UTC of timestamps of one form; ok where valid.

    ``chars`` holds one timestamp per row, one character code per column.
    """
    length = chars.shape[1]
    digit_positions = list(_DATE_DIGITS)
    separators = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":"}
    if digits_after:
        separators[19] = "."
        digit_positions += range(20, 20 + digits_after)
    if offset:
        digit_positions += [length - 5, length - 4, length - 2, length - 1]
        separators[length - 3] = ":"
    else:
        separators[length - 1] = "Z"
    columns = {
        position: chars[:, position].astype(np.int32) - 48
        for position in digit_positions
    }
    ok = np.ones(chars.shape[0], dtype=bool)
    for column in columns.values():
        ok &= (column >= 0) & (column <= 9)
    for position, char in separators.items():
        ok &= chars[:, position] == ord(char)

    def number(*positions: int) -> NDArray[np.int32]:
        value = columns[positions[0]]
        for position in positions[1:]:
            value = value * 10 + columns[position]
        return value

    year, month, day = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    hour, minute, second = number(11, 12), number(14, 15), number(17, 18)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    month_index = np.clip(month, 0, 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok &= day <= _MONTH_DAYS[month_index] + (leap & (month == 2))
    # Days since 0001-01-01 (proleptic Gregorian), then since 1970-01-01.
    before = year - 1
    days = before * 365 + before // 4 - before // 100 + before // 400
    days += _DAYS_BEFORE_MONTH[month_index] + (leap & (month > 2)) + day - 1 - 719162
    seconds = days.astype(np.int64) * 86400 + (hour * 3600 + minute * 60 + second)
    micros = seconds * 1_000_000
    if digits_after:
        fraction = number(*range(20, 20 + digits_after))
        micros += fraction * (1000 if digits_after == 3 else 1)
    if offset:
        mark = chars[:, length - 6]
        sign = (mark == ord("+")).astype(np.int64) - (mark == ord("-"))
        ok &= sign != 0
        off_hours = number(length - 5, length - 4)
        off_minutes = number(length - 2, length - 1)
        ok &= (off_hours <= 23) & (off_minutes <= 59)
        micros -= sign * (off_hours * 60 + off_minutes) * 60_000_000
        # A moment pushed beyond years 1-9999 by its offset is an error.
        ok &= (micros >= _FIRST_US) & (micros <= _LAST_US)
    return micros, ok


def _parse_timestamps(
    texts: Sequence[str], *, assume_utc: bool
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Microseconds since 1970 UTC, exactly as :func:`parse_timestamp` gives.

    Returns the values and whether each string is a valid timestamp.
    """
    n = len(texts)
    micros = np.full(n, _NAT, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    if not n:
        return micros, ok
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    for length, (digits_after, offset) in _FORMS.items():
        rows = np.flatnonzero(lengths == length)
        if not rows.size:
            continue
        chosen = texts if rows.size == n else [texts[row] for row in rows.tolist()]
        try:
            # One ASCII buffer viewed as a (rows, length) matrix of bytes.
            raw = "".join(chosen).encode("ascii")
        except UnicodeEncodeError:
            continue  # not a timestamp of these forms; read one by one below
        chars = np.frombuffer(raw, dtype=np.uint8).reshape(rows.size, length)
        found, valid = _parse_form(chars, digits_after, offset)
        micros[rows] = found
        ok[rows] = valid
    for row in np.flatnonzero(~ok).tolist():
        try:
            moment = parse_timestamp(texts[row], assume_utc=assume_utc)
        except Invalid:
            continue
        micros[row] = _micros(moment)
        ok[row] = True
    return micros, ok


# --- the fast path: columns straight from JSON -------------------------------
#
# A document is checked against the schema by small functions derived from
# the record classes' type hints (and their own attrs validators), without
# building objects. Anything unusual — a wrong type, a timestamp not in the
# common forms, deep nesting, a parse that needed the stdlib — raises _Slow,
# and that document goes through the converter, exactly as load_many reads
# it: so errors are load_many's, and valid documents the checks did not
# recognise still load. Accepting means valid: every rule the converter
# applies is applied here, or the document is handed over.


class _Slow(Exception):
    """This document needs the converter."""


def _slow() -> NoReturn:
    raise _Slow


_Checker = Callable[[Any, "_Batch"], None]
_EVENT_CODES: Final[Mapping[str, int]] = types.MappingProxyType(
    {member.value: index for index, member in enumerate(EventType)}
)
_TRIGGER, _DETECTION, _MITIGATION, _RESOLUTION = (
    _EVENT_CODES[kind.value]
    for kind in (
        EventType.TRIGGER,
        EventType.DETECTION,
        EventType.MITIGATION,
        EventType.RESOLUTION,
    )
)
# Much deeper than real metadata, much shallower than the converter's limit.
_FAST_DEPTH: Final = 64


def _json_depth(value: Any, depth: int) -> None:
    if depth > _FAST_DEPTH:
        _slow()
    items = value.values() if type(value) is dict else value
    for item in items:
        kind = type(item)
        if kind is dict or kind is list:
            _json_depth(item, depth + 1)


def _to_converter(value: Any, batch: _Batch) -> None:
    _slow()


def _check_json(value: Any, batch: _Batch) -> None:
    kind = type(value)
    if kind is dict or kind is list:
        _json_depth(value, 1)


def _check_json_object(value: Any, batch: _Batch) -> None:
    if type(value) is not dict:
        _slow()
    _json_depth(value, 1)


def _check_str(value: Any, batch: _Batch) -> None:
    if type(value) is not str:
        _slow()


def _check_bool(value: Any, batch: _Batch) -> None:
    if type(value) is not bool:
        _slow()


def _check_timestamp(value: Any, batch: _Batch) -> None:
    if type(value) is not str:
        _slow()
    batch.times.append(value)
    batch.time_rows.append(batch.row)


def _check_date(value: Any, batch: _Batch) -> None:
    batch.date(value)


def _check_date_or_timestamp(value: Any, batch: _Batch) -> None:
    if type(value) is str and len(value) == 10:
        batch.date(value)
    else:
        _check_timestamp(value, batch)


def _check_event_type(value: Any, batch: _Batch) -> None:
    if type(value) is not str or value not in _EVENT_CODES:
        _slow()


def _validated(field: attrs.Attribute[Any], convert: Callable[[Any], Any]) -> _Checker:
    validator = field.validator

    def check(value: Any, batch: _Batch) -> None:
        converted = convert(value)
        if validator is not None:
            try:
                validator(None, field, converted)
            except ValueError:
                _slow()

    return check


def _as_int(value: Any) -> int:
    kind = type(value)
    if kind is int:
        return int(value)
    if kind is float and value.is_integer():
        return int(value)
    _slow()


def _as_float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return float(value)
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            _slow()
    _slow()


def _list_of(check: _Checker) -> _Checker:
    def each(value: Any, batch: _Batch) -> None:
        if type(value) is not list:
            _slow()
        for item in value:
            check(item, batch)

    return each


def _list_of_str(value: Any, batch: _Batch) -> None:
    if type(value) is not list:
        _slow()
    for item in value:
        if type(item) is not str:
            _slow()


@attrs.frozen
class _FieldCheck:
    """How one field is checked: by its exact type alone, or by a function."""

    types: tuple[type, ...] | None
    check: _Checker | None
    nullable: bool


def _field_check(hint: Any, field: attrs.Attribute[Any], strict: bool) -> _FieldCheck:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        rest = tuple(arg for arg in args if arg is not type(None))
        if set(rest) == {datetime, date}:
            return _FieldCheck(None, _check_date_or_timestamp, True)
        (only,) = rest
        inner = _field_check(only, field, strict)
        return attrs.evolve(inner, nullable=len(rest) < len(args))
    if hint is str or hint is bool:
        return _FieldCheck((hint,), None, False)
    return _FieldCheck(None, _checker_for(hint, field, strict), False)


def _checker_for(hint: Any, field: attrs.Attribute[Any], strict: bool) -> _Checker:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is int:
        return _validated(field, _as_int)
    if hint is float:
        return _validated(field, _as_float)
    if hint is datetime:
        return _check_timestamp
    if hint is date:
        return _check_date
    if hint is EventType:
        return _check_event_type
    if hint is Any:
        return _check_json
    if origin in (Mapping, dict):
        return _check_json_object
    if origin is tuple:
        element = args[0]
        if element is Any:
            return _list_of(_check_json)
        if element is str:
            return _list_of_str
        return _list_of(_checker_for(element, field, strict))
    if attrs.has(hint):
        return _class_checker(hint, strict)
    raise AssertionError(f"no fast check for {hint!r}")  # pragma: no cover


def _class_checker(
    cls: type, strict: bool, overrides: Mapping[str, _Checker] | None = None
) -> _Checker:
    hints = typing.get_type_hints(cls)
    simple: dict[str, tuple[type, ...]] = {}
    calls: dict[str, _Checker] = {}
    nullable: set[str] = set()
    required = set()
    for field in attrs.fields(cls):
        if field.name == "extra":
            continue
        if field.default is attrs.NOTHING:
            required.add(field.name)
        found = _field_check(hints[field.name], field, strict)
        if found.check is None:
            assert found.types is not None
            simple[field.name] = (
                (*found.types, type(None)) if found.nullable else found.types
            )
        else:
            calls[field.name] = found.check
            if found.nullable:
                nullable.add(field.name)
    for name, checker in (overrides or {}).items():
        simple.pop(name, None)
        calls[name] = checker
        nullable.discard(name)
    # A key spelled like the ``extra`` field is not kept as an unknown key by
    # the record classes: leave that document to the converter.
    calls["extra"] = _to_converter
    needed = frozenset(required)
    may_be_null = frozenset(nullable)

    def check(value: Any, batch: _Batch) -> None:
        if type(value) is not dict or not value.keys() >= needed:
            _slow()
        for key, item in value.items():
            allowed = simple.get(key)
            if allowed is not None:
                if type(item) not in allowed:
                    _slow()
                continue
            checker = calls.get(key)
            if checker is not None:
                if item is None and key in may_be_null:
                    continue
                checker(item, batch)
            elif strict:
                _slow()
            else:
                kind = type(item)
                if kind is dict or kind is list:
                    _json_depth(item, 1)

    return check


@attrs.frozen
class _Checkers:
    """The per-section checks of one strictness."""

    document: _Checker
    incident: _Checker
    event: _Checker
    action_item: _Checker

    @classmethod
    def build(cls, strict: bool) -> _Checkers:
        from incidentkit.records.schema import ActionItem, Event, Incident

        def nothing(value: Any, batch: _Batch) -> None:
            """Checked where the value is read."""

        # The sections the table reads are checked and read by _Batch.scan;
        # the document check skips them.
        skip = {"incident": nothing, "events": nothing, "action_items": nothing}
        return cls(
            document=_class_checker(IncidentRecord, strict, skip),
            incident=_class_checker(
                Incident, strict, {"declared_at": nothing, "resolved_at": nothing}
            ),
            event=_class_checker(Event, strict, {"timestamp": nothing}),
            action_item=_class_checker(ActionItem, strict),
        )


_CHECKERS: dict[bool, _Checkers] = {}


def _checkers(strict: bool) -> _Checkers:
    found = _CHECKERS.get(strict)
    if found is None:
        found = _CHECKERS[strict] = _Checkers.build(strict)
    return found


_ImpactInputs = tuple[Any, Any]


def _impact_inputs(doc: dict[str, Any]) -> _ImpactInputs:
    """The sections the impact score reads, as records, from a checked document."""
    from incidentkit.records.schema import CustomerImpact, Impact, Resolution

    impact = doc.get("impact")
    resolution = doc.get("resolution")
    customer = resolution.get("customer_impact") if resolution is not None else None
    built_impact = None
    if impact is not None:
        share = impact.get("affected_users_percentage")
        built_impact = Impact(
            revenue_impact=impact.get("revenue_impact"),
            affected_users_percentage=None if share is None else float(share),
            affected_regions=tuple(impact.get("affected_regions", ())),
            data_integrity_risk=impact.get("data_integrity_risk"),
            security_breach=impact.get("security_breach"),
            customer_facing=impact.get("customer_facing"),
            degradation_type=impact.get("degradation_type"),
            workaround_available=impact.get("workaround_available"),
        )
    built_resolution = None
    if resolution is not None:
        built_customer = None
        if customer is not None:
            users = customer.get("affected_users")
            failed = customer.get("failed_transactions")
            revenue = customer.get("revenue_impact_usd")
            built_customer = CustomerImpact(
                affected_users=None if users is None else int(users),
                failed_transactions=None if failed is None else int(failed),
                revenue_impact_usd=None if revenue is None else float(revenue),
                data_loss=customer.get("data_loss"),
            )
        built_resolution = Resolution(customer_impact=built_customer)
    return built_impact, built_resolution


def _moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


class _Impact:
    """:func:`incidentkit.figures.impact.impact_score` itself, on a record cut to size.

    The record holds the sections the score reads and an incident whose
    ``declared_at`` and ``resolved_at`` are the start and end of the impact
    (``started`` and ``mitigated``, or ``resolved``); a milestone policy that
    reads just those two gives the score the same span. The tests compare
    the result with the full record's on thousands of records.
    """

    def __init__(self, weights: ImpactWeights, scales: ImpactScales) -> None:
        from incidentkit.figures.timeline import IncidentField

        self.weights = weights
        self.scales = scales
        self.policy = MilestonePolicy(
            started=(IncidentField("declared_at"),),
            detected=(),
            declared=(IncidentField("declared_at"),),
            identified=(),
            mitigated=(),
            resolved=(IncidentField("resolved_at"),),
        )

    def score(
        self, inputs: _ImpactInputs, start: int, end: int | None
    ) -> tuple[float, float]:
        from incidentkit.records.schema import Incident

        impact, resolution = inputs
        incident = Incident(
            id="",
            title="",
            severity="",
            status="",
            declared_at=_moment(start),
            resolved_at=None if end is None else _moment(end),
        )
        rec = IncidentRecord(incident=incident, impact=impact, resolution=resolution)
        found = impact_score(
            rec, self.weights, scales=self.scales, milestone_policy=self.policy
        )
        return (
            found.score,
            math.nan if found.user_minutes is None else found.user_minutes,
        )


class _Batch:
    """Documents of one batch: checked and read into flat lists, then columns."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.row = 0
        self.ids: list[str] = []
        self.categorical: dict[str, list[str | None]] = {
            name: [] for name in CATEGORICAL_COLUMNS
        }
        self.declared: list[str] = []
        self.resolved_field: list[str | None] = []
        self.event_rows: list[int] = []
        self.event_types: list[int] = []
        self.event_times: list[str] = []
        self.event_identified: list[bool] = []
        self.times: list[str] = []
        self.time_rows: list[int] = []
        self.impact: list[_ImpactInputs] = []
        self.counts: list[list[int]] = []
        self.docs: list[Any] = []
        self.wheres: list[str] = []
        self.positions: list[int] = []
        # Rows read through the converter: row → record.
        self.records: dict[int, IncidentRecord] = {}

    def __len__(self) -> int:
        return len(self.docs)

    def date(self, value: Any) -> date:
        if type(value) is not str:
            _slow()
        dates = self.reader.dates
        found = dates.get(value)
        if found is None:
            try:
                found = parse_date(value)
            except Invalid:
                _slow()
            dates[value] = found
        return found

    def add(self, where: str, position: int, doc: Any) -> None:
        """Check and read one parsed document, or hand it to the converter."""
        self.row = row = len(self.docs)
        marks = (len(self.event_rows), len(self.times))
        try:
            self.scan(doc)
        except _Slow:
            del self.event_rows[marks[0] :], self.event_types[marks[0] :]
            del self.event_times[marks[0] :], self.event_identified[marks[0] :]
            del self.times[marks[1] :], self.time_rows[marks[1] :]
            del self.ids[row:], self.declared[row:], self.resolved_field[row:]
            del self.impact[row:], self.counts[row:]
            for values in self.categorical.values():
                del values[row:]
            record = self.reader.convert(where, position, doc)
            if record is not None:
                self.add_record(where, position, doc, record)
            return
        self.docs.append(doc)
        self.wheres.append(where)
        self.positions.append(position)

    def add_record(
        self, where: str, position: int, doc: Any, record: IncidentRecord
    ) -> None:
        """A row read through the converter: its columns come from the record."""
        self.records[len(self.docs)] = record
        self.ids.append("")
        for values in self.categorical.values():
            values.append(None)
        self.declared.append("")
        self.resolved_field.append(None)
        self.impact.append((None, None))
        self.counts.append([])
        self.docs.append(doc)
        self.wheres.append(where)
        self.positions.append(position)

    def scan(self, doc: Any) -> None:
        checks = self.reader.checkers
        if type(doc) is not dict:
            _slow()
        checks.document(doc, self)
        incident: dict[str, Any] = doc["incident"]
        checks.incident(incident, self)
        declared = incident["declared_at"]
        resolved = incident.get("resolved_at")
        if type(declared) is not str or (
            resolved is not None and type(resolved) is not str
        ):
            _slow()
        events = doc.get("events", ())
        if type(events) is not list and type(events) is not tuple:
            _slow()
        row = self.row
        check_event = checks.event
        for event in events:
            check_event(event, self)
            moment = event["timestamp"]
            if type(moment) is not str:
                _slow()
            self.event_rows.append(row)
            self.event_types.append(_EVENT_CODES[event["type"]])
            self.event_times.append(moment)
            metadata = event.get("metadata")
            status = metadata.get("status") if metadata else None
            self.event_identified.append(
                type(status) is str and status.strip().casefold() == "identified"
            )
        items = doc.get("action_items", ())
        if type(items) is not list and type(items) is not tuple:
            _slow()
        check_item = checks.action_item
        read: list[tuple[str | None, str | None, date | None]] = []
        for item in items:
            check_item(item, self)
            deadline = item.get("deadline")
            read.append(
                (
                    item.get("type"),
                    item.get("status"),
                    None if deadline is None else self.date(deadline),
                )
            )
        self.ids.append(incident["id"])
        self.categorical["severity_label"].append(incident["severity"])
        self.categorical["service"].append(incident.get("service"))
        self.categorical["status"].append(incident["status"])
        self.declared.append(declared)
        self.resolved_field.append(resolved)
        self.impact.append(_impact_inputs(doc))
        self.counts.append(self.reader.items.count(read))

    def invalid_rows(self) -> tuple[IntArray, ...]:
        """Parse every timestamp; rows with an invalid one go to the converter."""
        assume_utc = self.reader.assume_utc
        n = len(self.docs)
        bad = np.zeros(n, dtype=bool)
        _, times_ok = _parse_timestamps(self.times, assume_utc=assume_utc)
        bad[np.array(self.time_rows, dtype=np.int64)[~times_ok]] = True
        events, events_ok = _parse_timestamps(self.event_times, assume_utc=assume_utc)
        event_rows = np.array(self.event_rows, dtype=np.int64)
        bad[event_rows[~events_ok]] = True
        declared, declared_ok = _parse_timestamps(self.declared, assume_utc=assume_utc)
        resolved_given = [value for value in self.resolved_field if value is not None]
        given = np.array(
            [value is not None for value in self.resolved_field], dtype=bool
        )
        resolved_values, resolved_ok = _parse_timestamps(
            resolved_given, assume_utc=assume_utc
        )
        resolved = np.full(n, _NAT, dtype=np.int64)
        resolved[given] = resolved_values
        bad[np.flatnonzero(given)[~resolved_ok]] = True
        bad[~declared_ok] = True
        for row in self.records:
            bad[row] = False
        return bad, events, event_rows, declared, resolved

    def finish(self) -> _Chunk:
        """The batch's columns; rows that turn out invalid are reported."""
        reader = self.reader
        bad, events, event_rows, declared, resolved_field = self.invalid_rows()
        slow_rows = set(self.records)
        for row in np.flatnonzero(bad).tolist():
            record = reader.convert(
                self.wheres[row], self.positions[row], self.docs[row]
            )
            if record is not None:
                self.records[row] = record
        keep = np.array(
            [
                row in self.records or (row not in slow_rows and not bad[row])
                for row in range(len(self.docs))
            ],
            dtype=bool,
        )
        fast = keep.copy()
        fast[list(self.records)] = False
        chunk = self._columns(events, event_rows, declared, resolved_field, fast)
        if self.records:
            rows = _Rows(reader.settings)
            for row in sorted(self.records):
                rows.add(self.records[row])
            _put(chunk, sorted(self.records), rows.chunk())
        return _select(chunk, np.flatnonzero(keep))

    def _columns(
        self,
        events: IntArray,
        event_rows: IntArray,
        declared: IntArray,
        resolved_field: IntArray,
        fast: NDArray[np.bool_],
    ) -> _Chunk:
        """The default milestone rules, vectorised over the batch's events."""
        n = len(self.docs)
        types_ = np.array(self.event_types, dtype=np.int8)
        identified = np.array(self.event_identified, dtype=bool)

        def earliest(mask: NDArray[np.bool_]) -> IntArray:
            out = np.full(n, _NEVER, dtype=np.int64)
            np.minimum.at(out, event_rows[mask], events[mask])
            out[out == _NEVER] = _NAT
            return out

        trigger = earliest(types_ == _TRIGGER)
        detected = earliest(types_ == _DETECTION)
        resolution_event = earliest(types_ == _RESOLUTION)
        first_identified = earliest(identified)
        resolved = np.where(resolved_field != _NAT, resolved_field, resolution_event)
        started = np.where(
            trigger != _NAT, trigger, np.where(detected != _NAT, detected, declared)
        )
        bound = resolved[event_rows]
        mitigation = (types_ == _MITIGATION) & ((bound == _NAT) | (events <= bound))
        mitigated = np.full(n, _NAT, dtype=np.int64)
        np.maximum.at(mitigated, event_rows[mitigation], events[mitigation])
        times = {
            "started_at": started,
            "detected_at": detected,
            "declared_at": declared,
            "identified_at": first_identified,
            "mitigated_at": mitigated,
            "resolved_at": resolved,
        }
        impact = np.full(n, np.nan)
        user_minutes = np.full(n, np.nan)
        # started is always known under the default rules (it falls back to
        # declared_at, which every record has).
        ends = np.where(mitigated != _NAT, mitigated, resolved).tolist()
        starts = started.tolist()
        scorer = self.reader.impact
        for row in np.flatnonzero(fast).tolist():
            end = ends[row]
            impact[row], user_minutes[row] = scorer.score(
                self.impact[row], starts[row], None if end == _NAT else end
            )
        names = self.reader.settings.count_columns
        width = len(names)
        counts = np.zeros((n, width), dtype=np.int64)
        for row in np.flatnonzero(fast).tolist():
            counts[row] = self.counts[row]
        return _Chunk(
            ids=list(self.ids),
            categorical={
                name: list(values) for name, values in self.categorical.items()
            },
            times=times,
            impact=impact,
            user_minutes=user_minutes,
            counts={name: counts[:, i] for i, name in enumerate(names)},
        )


def _put(chunk: _Chunk, rows: list[int], values: _Chunk) -> None:
    """Write ``values`` (one row each) into ``chunk`` at ``rows``."""
    for target, source in enumerate(rows):
        chunk.ids[source] = values.ids[target]
        for name, column in chunk.categorical.items():
            column[source] = values.categorical[name][target]
    index = np.array(rows, dtype=np.int64)
    for name, array in chunk.times.items():
        array[index] = values.times[name]
    chunk.impact[index] = values.impact
    chunk.user_minutes[index] = values.user_minutes
    for name, array in chunk.counts.items():
        array[index] = values.counts[name]


def _select(chunk: _Chunk, rows: IntArray) -> _Chunk:
    picked = rows.tolist()
    return _Chunk(
        ids=[chunk.ids[row] for row in picked],
        categorical={
            name: [values[row] for row in picked]
            for name, values in chunk.categorical.items()
        },
        times={name: array[rows] for name, array in chunk.times.items()},
        impact=chunk.impact[rows],
        user_minutes=chunk.user_minutes[rows],
        counts={name: array[rows] for name, array in chunk.counts.items()},
    )


def _no_constants(name: str) -> NoReturn:
    raise ValueError(name)


class _Reader:
    """Reads documents into table chunks, batch by batch, as load_many would."""

    def __init__(
        self,
        settings: _Settings,
        *,
        errors: str,
        assume_utc: bool,
        strict: bool,
        format: str,
        fast: bool,
    ) -> None:
        self.settings = settings
        self.collect = errors == "collect"
        self.assume_utc = assume_utc
        self.strict = strict
        self.format = format
        self.fast = fast
        self.checkers = _checkers(strict)
        self.items = _ItemRules(settings)
        self.impact = _Impact(settings.impact_weights, settings.impact_scales)
        self.dates: dict[str, date] = {}
        self.failures: list[tuple[int, ValidationError]] = []

    def convert(self, where: str, position: int, data: Any) -> IncidentRecord | None:
        """The record load_many would build, or its error (raised or kept)."""
        try:
            if isinstance(data, ValidationError):
                raise data
            if isinstance(data, bytes):
                data = _io.parse_json(data)
            return _io.from_dict(
                data, assume_utc=self.assume_utc, strict=self.strict, format=self.format
            )
        except ValidationError as exc:
            located = ValidationError(exc.errors, source=where)
            if not self.collect:
                raise located from None
            self.failures.append((position, located))
            return None

    def parse(self, raw: bytes) -> Any:
        """The parsed document, or the raw bytes when only the stdlib may read it."""
        if raw[:3] == codecs.BOM_UTF8:
            return raw
        if _io.orjson_reads_exactly(raw):
            try:
                return _io.orjson.loads(raw)
            except _io.orjson.JSONDecodeError:
                return raw
        if _io.orjson is not None:
            return raw
        try:
            return json.loads(raw, parse_constant=_no_constants)
        except (ValueError, RecursionError):
            return raw

    def read(self, source: _io.Source, batch_size: int) -> Iterator[_Chunk]:
        batch = _Batch(self)
        rows = _Rows(self.settings) if not self.fast else None
        for position, (where, raw) in enumerate(_io.iter_sources(source)):
            if rows is not None:
                record = self.convert(where, position, raw)
                if record is not None:
                    rows.add(record)
                    if len(rows.ids) >= batch_size:
                        yield rows.chunk()
                        rows = _Rows(self.settings)
                continue
            if isinstance(raw, ValidationError):
                self._fail_in_order(batch, where, position, raw)
                continue
            doc = self.parse(raw)
            if isinstance(doc, bytes):
                try:
                    parsed = _io.parse_json(doc)
                except ValidationError as exc:
                    self._fail_in_order(batch, where, position, exc)
                    continue
                doc = parsed
                # A document the stdlib had to read (NaN, huge integers...)
                # goes through the converter whole.
                record = self._convert_in_order(batch, where, position, doc)
                if record is not None:
                    batch.add_record(where, position, doc, record)
                continue
            try:
                batch.add(where, position, doc)
            except ValidationError:
                # Earlier documents of the batch may be invalid too: report
                # the first one in source order, as load_many does.
                batch.finish()
                raise
            if len(batch) >= batch_size:
                yield batch.finish()
                batch = _Batch(self)
        if rows is not None:
            yield rows.chunk()
        elif len(batch):
            yield batch.finish()

    def _fail_in_order(
        self, batch: _Batch, where: str, position: int, error: ValidationError
    ) -> None:
        if not self.collect and len(batch):
            batch.finish()  # raises for an earlier invalid document, if any
        self.convert(where, position, error)

    def _convert_in_order(
        self, batch: _Batch, where: str, position: int, doc: Any
    ) -> IncidentRecord | None:
        try:
            return self.convert(where, position, doc)
        except ValidationError:
            if len(batch):
                batch.finish()
            raise


def load_table(
    source: _io.Source,
    *,
    as_of: date | datetime | None = None,
    format: str = "incidentkit",
    errors: Literal["raise", "collect"] = "raise",
    assume_utc: bool = False,
    strict: bool = False,
    milestone_policy: MilestonePolicy = DEFAULT_MILESTONE_POLICY,
    impact_weights: ImpactWeights = _DEFAULT_WEIGHTS,
    impact_scales: ImpactScales = _DEFAULT_SCALES,
    action_policy: ActionItemPolicy = _DEFAULT_ACTIONS,
    severity_labels: SeverityLabels = DEFAULT_SEVERITY_LABELS,
    checks: bool | CheckPolicy = False,
    batch_size: int = 4096,
) -> IncidentTable:
    """Read a folder, a JSONL file or a list of paths straight into a table.

    The sources are those of :func:`incidentkit.load_many`, and so are the
    errors: with ``errors="raise"`` the first invalid document (in source
    order) raises a ``ValidationError`` naming its file and line; with
    ``"collect"`` every valid document becomes a row and the table's
    :attr:`~IncidentTable.errors` keeps one error per invalid one.

    The fast path goes from bytes to columns without building a record
    object per incident: documents are parsed (orjson when installed),
    checked against the schema in place, their timestamps converted in bulk
    and the milestones found with array operations. It gives the same
    columns as ``IncidentTable.from_records(load_many(source).records)``.
    Documents it does not recognise as plainly valid go through the
    converter, one by one. The whole load takes the record path (one record
    per document, as :meth:`IncidentTable.from_records`) for another
    ``format``, a ``milestone_policy`` other than the default, or ``checks``.

    Args:
        source: A folder, a ``.jsonl`` file, a ``.json`` file, or an
            iterable of those.
        as_of: See :meth:`IncidentTable.from_records`.
        format: The format of every document (see :func:`incidentkit.load`).
        errors: ``"raise"`` or ``"collect"``.
        assume_utc: Read timestamps without an offset as UTC.
        strict: Reject keys the schema does not know.
        milestone_policy: The milestone rules.
        impact_weights: Weights of the impact score.
        impact_scales: Scales of the impact score.
        action_policy: Done statuses and required types of action items.
        severity_labels: How severity labels map to levels.
        checks: ``True`` or a :class:`~incidentkit.CheckPolicy` adds the
            ``check_errors`` and ``check_warnings`` columns.
        batch_size: Documents read between two conversions to columns
            (bounds the memory held by parsed documents).

    Raises:
        ValidationError: For the first invalid document (``errors="raise"``)
            or a bad argument.

    Example:
        >>> import incidentkit as ik
        >>> table = load_table([ik.example_path()])
        >>> len(table), table["id"].tolist(), table["time_open"].tolist()
        (1, ['INC-2024-0142'], [8520.0])
    """
    _io.check_many_options(errors, format)
    _check_count(batch_size, "batch_size")
    settings = _settings(
        as_of,
        milestone_policy,
        impact_weights,
        impact_scales,
        action_policy,
        severity_labels,
        checks,
    )
    fast = (
        format == "incidentkit"
        and settings.milestone_policy == DEFAULT_MILESTONE_POLICY
        and settings.check_policy is None
    )
    reader = _Reader(
        settings,
        errors=errors,
        assume_utc=assume_utc,
        strict=strict,
        format=format,
        fast=fast,
    )
    chunks = list(reader.read(source, batch_size))
    failures = [error for _, error in sorted(reader.failures, key=lambda pair: pair[0])]
    return _assemble(chunks, settings, failures)
