"""Building a table's columns: from records, or straight from JSON documents.

Both paths read their incidents into
:class:`~incidentkit.figures.columns.IncidentColumns` and compute every
figure with the one-incident rules written over arrays: the milestone
selectors' ``select_columns``,
:func:`~incidentkit.figures.impact.impact_columns` and
:func:`~incidentkit.figures.actions.item_facts`. What differs is only where
the incidents come from: record objects, or (with the ``fast`` extra) the
accelerated decoder's twins of them, which :mod:`incidentkit.records.fast`
derives from the schema. A document the decoder does not take goes through the
converter, exactly as :func:`incidentkit.load_many` reads it.
"""

from __future__ import annotations

import itertools
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any, Final

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit._args import instance_of, items
from incidentkit.checks.engine import CheckPolicy, check, count_levels
from incidentkit.errors import ValidationError
from incidentkit.figures.actions import (
    CANONICAL_ACTION_TYPES,
    _as_of_day,
    item_facts,
)
from incidentkit.figures.columns import (
    NAT,
    IncidentColumns,
    incident_columns,
    micros,
    seconds,
)
from incidentkit.figures.impact import impact_columns
from incidentkit.figures.policy import Policy
from incidentkit.figures.timeline import (
    FIGURES,
    MILESTONE_NAMES,
    PHASES,
    find_milestones,
    milestone_columns,
)
from incidentkit.records import fast as _fast
from incidentkit.records import io as _io
from incidentkit.records.schema import IncidentRecord

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

#: The column of each milestone.
MILESTONE_COLUMNS: Final[Mapping[str, str]] = types.MappingProxyType(
    {name: f"{name}_at" for name in MILESTONE_NAMES}
)
#: Columns stored as integer codes plus a label array.
CATEGORICAL_COLUMNS: Final = ("severity_label", "service", "status", "kind", "source")
#: The ``severity`` of a row whose label maps to no level.
UNKNOWN_LEVEL: Final = -1
#: Every span column: the figures, then the phases.
SPANS: Final[Mapping[str, tuple[str, str]]] = types.MappingProxyType(
    {**FIGURES, **PHASES}
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)


def as_of_moment(as_of: object) -> int | None:
    """``as_of`` in microseconds since 1970 UTC (a date: its midnight UTC)."""
    if as_of is None:
        return None
    _as_of_day(as_of)  # the same checks and messages as the one-incident rules
    if isinstance(as_of, datetime):
        return micros(as_of)
    assert isinstance(as_of, date)
    return micros(datetime(as_of.year, as_of.month, as_of.day, tzinfo=timezone.utc))


def _check_type(value: object, expected: type, name: str) -> None:
    if not isinstance(value, expected):
        raise ValidationError(
            [f"{name}: expected {expected.__name__}, got {type(value).__name__}"]
        )


@attrs.frozen(eq=False)
class Settings:
    """The policy, the check rules and the moment a table's rows were computed with."""

    as_of: date | datetime | None
    policy: Policy = attrs.field(validator=instance_of(Policy))
    check_policy: CheckPolicy | None
    as_of_us: int | None = attrs.field(init=False)
    type_columns: tuple[str, ...] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "as_of_us", as_of_moment(self.as_of))
        levels = self.policy.actions.required_types_by_level.values()
        extra = sorted(set().union(*levels).difference(CANONICAL_ACTION_TYPES))
        object.__setattr__(self, "type_columns", (*CANONICAL_ACTION_TYPES, *extra))

    @property
    def count_columns(self) -> tuple[str, ...]:
        """The integer count columns, in order."""
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

    @property
    def needs_records(self) -> bool:
        """Whether rows need record objects (checks, or selectors without columns)."""
        return self.check_policy is not None or not self.policy.milestones.columnar

    def same_as(self, other: Settings) -> bool:
        """Whether two tables' columns mean the same."""
        return (
            self.as_of == other.as_of
            and self.policy == other.policy
            and self.check_policy == other.check_policy
        )


def settings(
    as_of: date | datetime | None, policy: Policy, checks: bool | CheckPolicy
) -> Settings:
    """Validated :class:`Settings` from a table builder's arguments."""
    check_policy: CheckPolicy | None
    if checks is False:
        check_policy = None
    elif checks is True:
        check_policy = CheckPolicy()
    elif isinstance(checks, CheckPolicy):
        check_policy = checks
    else:
        raise ValidationError(
            [f"checks: expected True, False or a CheckPolicy ({checks!r})"]
        )
    return Settings(as_of, policy, check_policy)


@attrs.define
class Chunk:
    """Raw columns of consecutive rows, before categories and narrowing."""

    ids: list[str]
    categorical: dict[str, list[str | None]]
    times: dict[str, IntArray]
    impact: FloatArray
    user_minutes: FloatArray
    counts: dict[str, IntArray]

    def __len__(self) -> int:
        return len(self.ids)


def _item_counts(columns: IncidentColumns, settings: Settings) -> dict[str, IntArray]:
    """The action-item count columns, from the one set of action-item rules."""
    items = columns.items
    facts = item_facts(items, settings.policy.actions, settings.as_of)
    n = len(columns)

    def per_row(mask: NDArray[np.bool_] | None = None) -> IntArray:
        rows = items.row if mask is None else items.row[mask]
        return np.bincount(rows, minlength=n).astype(np.int64)

    kinds = facts.kind
    # Elementwise on an object array: an item without a kind is untyped.
    known: NDArray[np.bool_] = kinds != np.array(None, dtype=object)
    listed = np.isin(kinds, np.array(settings.type_columns, dtype=object)) & known
    counts = {"action_items": per_row()}
    for kind in settings.type_columns:
        counts[f"action_items_{kind}"] = per_row(kinds == kind)
    counts["action_items_other"] = per_row(known & ~listed)
    counts["action_items_untyped"] = per_row(~known)
    counts["action_items_open"] = per_row(~facts.done)
    if settings.as_of is not None:
        counts["action_items_overdue"] = per_row(facts.overdue)
    return counts


def chunk(
    rows: Iterable[Any], settings: Settings, records: Sequence[IncidentRecord] = ()
) -> Chunk:
    """The columns of some incidents (records, or the decoder's twins of them).

    ``records`` are the same incidents as record objects, needed only when
    :attr:`Settings.needs_records`.
    """
    columns = incident_columns(rows)
    policy = settings.policy
    if policy.milestones.columnar:
        found = milestone_columns(columns, policy.milestones)
    else:
        each = [find_milestones(rec, policy.milestones) for rec in records]
        found = {
            name: np.array([micros(getattr(m, name)) for m in each], dtype=np.int64)
            for name in MILESTONE_NAMES
        }
    impact = impact_columns(columns, found, policy.impact_weights, policy.impact_scales)
    counts = _item_counts(columns, settings)
    if settings.check_policy is not None:
        levels = [
            count_levels(
                check(
                    rec,
                    policy=policy,
                    rules=settings.check_policy,
                    as_of=settings.as_of,
                )
            )
            for rec in records
        ]
        counts["check_errors"] = np.array(
            [level["error"] for level in levels], dtype=np.int64
        )
        counts["check_warnings"] = np.array(
            [level["warning"] for level in levels], dtype=np.int64
        )
    return Chunk(
        ids=columns.ids,
        categorical={
            "severity_label": list(columns.severity),
            "service": columns.service,
            "status": list(columns.status),
            # Incident.kind itself: the record path and the decoder's twins
            # (which take the field's default from the schema) read one field.
            "kind": list(columns.kind),
            "source": columns.source,
        },
        times={MILESTONE_COLUMNS[name]: found[name] for name in MILESTONE_NAMES},
        impact=impact.score,
        user_minutes=impact.user_minutes,
        counts=counts,
    )


# --- assembling -----------------------------------------------------------------


def narrow(values: IntArray) -> NDArray[np.signedinteger[Any]]:
    """The narrowest signed integer type that holds every value."""
    if values.size == 0:
        return values.astype(np.int8)
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    return values.astype(np.int64)


def readonly(array: NDArray[Any]) -> NDArray[Any]:
    """The array, made read-only."""
    array.flags.writeable = False
    return array


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
    return narrow(new_code[raw]), readonly(labels[order])


def id_offsets(lengths: NDArray[np.int64]) -> NDArray[Any]:
    """Read-only offsets of ids of these byte lengths into one buffer.

    int32 while the buffer is below 2 GiB: four bytes a row saved.
    """
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    offset_type = np.int32 if offsets[-1] < 2**31 else np.int64
    return readonly(offsets.astype(offset_type))


def _encode_ids(ids: list[str]) -> tuple[NDArray[Any], NDArray[np.uint8]]:
    encoded = [text.encode("utf-8", "surrogatepass") for text in ids]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    return id_offsets(lengths), readonly(buffer)


@attrs.frozen(eq=False)
class Parts:
    """Everything a table is made of (see ``IncidentTable._create``)."""

    columns: dict[str, NDArray[Any]]
    labels: dict[str, NDArray[Any]]
    offsets: NDArray[Any]
    buffer: NDArray[np.uint8]
    settings: Settings
    errors: Sequence[ValidationError] = ()


def assemble(
    chunks: Sequence[Chunk], settings: Settings, errors: Sequence[ValidationError] = ()
) -> Parts:
    """Join chunks into a table's columns: categories, spans, narrowed counts."""

    def joined(parts: list[NDArray[Any]], dtype: type) -> NDArray[Any]:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    columns: dict[str, NDArray[Any]] = {}
    labels: dict[str, NDArray[Any]] = {}
    ids = [text for part in chunks for text in part.ids]
    offsets, buffer = _encode_ids(ids)
    severity_labels = [
        value for part in chunks for value in part.categorical["severity_label"]
    ]
    codes, label_array = _categories(severity_labels)
    level_of = np.array(
        [
            UNKNOWN_LEVEL if (level := settings.policy.level(label)) is None else level
            for label in label_array.tolist()
        ]
        + [UNKNOWN_LEVEL],
        dtype=np.int64,
    )
    columns["severity"] = narrow(level_of[codes])
    columns["severity_label"], labels["severity_label"] = codes, label_array
    for name in ("service", "status", "kind", "source"):
        texts = [value for part in chunks for value in part.categorical[name]]
        columns[name], labels[name] = _categories(texts)
    times = {
        name: joined([part.times[name] for part in chunks], np.int64)
        for name in MILESTONE_COLUMNS.values()
    }
    for name, moments in times.items():
        columns[name] = moments.view("datetime64[us]")
    columns["resolved"] = times[MILESTONE_COLUMNS["resolved"]] != NAT
    for name, (start, end) in SPANS.items():
        columns[name] = seconds(
            times[MILESTONE_COLUMNS[start]], times[MILESTONE_COLUMNS[end]]
        )
    columns["impact_score"] = joined([part.impact for part in chunks], np.float64)
    columns["user_minutes"] = joined([part.user_minutes for part in chunks], np.float64)
    for name in settings.count_columns:
        columns[name] = narrow(joined([part.counts[name] for part in chunks], np.int64))
    for array in columns.values():
        array.flags.writeable = False
    return Parts(columns, labels, offsets, buffer, settings, tuple(errors))


def from_records(records: Iterable[IncidentRecord], settings: Settings) -> Parts:
    """The parts of a table of records, one row each, in order."""
    rows: list[IncidentRecord] = []
    for index, rec in enumerate(items(records, "records", "IncidentRecords")):
        if not isinstance(rec, IncidentRecord):
            raise ValidationError(
                [
                    f"records[{index}]: expected an IncidentRecord, got "
                    f"{type(rec).__name__}"
                ]
            )
        rows.append(rec)
    return assemble([chunk(rows, settings, rows)], settings)


# --- from JSON --------------------------------------------------------------------


class _Reader:
    """Reads documents into chunks, batch by batch, as load_many would."""

    def __init__(
        self,
        settings: Settings,
        *,
        errors: str,
        assume_utc: bool,
        strict: bool,
        format: str,
    ) -> None:
        self.settings = settings
        self.collect = errors == "collect"
        self.assume_utc = assume_utc
        self.strict = strict
        self.format = format
        # The accelerated decoder gives twins, not records: where a rule
        # needs record objects, or another format is read, the converter
        # builds every record. With "auto" a document the decoder takes is
        # one that detect_format reads as incidentkit's own (declared_at).
        self.decode = (
            None
            if format not in ("incidentkit", _io.AUTO) or settings.needs_records
            else _fast.decoder(assume_utc)
        )
        self.failures: list[ValidationError] = []

    def convert(
        self, where: str, data: bytes | ValidationError
    ) -> Iterator[IncidentRecord]:
        """The records load_many would build; their errors raised or kept."""
        for _, read in _io.records_of(
            where,
            data,
            assume_utc=self.assume_utc,
            strict=self.strict,
            format=self.format,
        ):
            if isinstance(read, ValidationError):
                if not self.collect:
                    raise read
                self.failures.append(read)
                continue
            yield read

    def rows(self, source: _io.Source) -> Iterator[Any]:
        """Every valid document as a record or its twin, in source order."""
        decode = self.decode
        for where, raw in _io.iter_sources(source):
            row = None
            if decode is not None and isinstance(raw, bytes):
                row = decode(raw)
            if row is not None:
                yield row
                continue
            # A document the decoder does not take (a list response among
            # them) goes through the one path load_many reads.
            yield from self.convert(where, raw)

    def read(self, source: _io.Source, batch_size: int) -> Iterator[Chunk]:
        """The chunks of every valid document, in source order."""
        rows = self.rows(source)
        while True:
            if self.settings.needs_records:
                batch = list(itertools.islice(rows, batch_size))
                if not batch:
                    return
                yield chunk(batch, self.settings, batch)
                continue
            # Streamed: each twin is read into the column lists and dropped
            # at once, so none lives long enough for the garbage collector to
            # promote and rescan it; keeping whole batches of twins cost about
            # 30% of load_table's time (20,000 synthetic records, CPU time).
            part = chunk(itertools.islice(rows, batch_size), self.settings)
            if not len(part):
                return
            yield part


def read(
    source: _io.Source,
    settings: Settings,
    *,
    errors: str,
    assume_utc: bool,
    strict: bool,
    format: str,
    batch_size: int,
) -> Parts:
    """The parts of a table of every document in ``source`` (see ``load_table``)."""
    reader = _Reader(
        settings, errors=errors, assume_utc=assume_utc, strict=strict, format=format
    )
    chunks = list(reader.read(source, batch_size))
    return assemble(chunks, settings, reader.failures)
