"""Building tables straight from JSON: :func:`load_table` and its fast path.

:func:`load_table` reads the sources of :func:`incidentkit.load_many` into an
:class:`~incidentkit.table.frame.IncidentTable` without building a record
object per incident on its fast path; the columns are those listed in
:mod:`incidentkit.table.frame`.
"""

from __future__ import annotations

import codecs
import json
import math
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit.errors import ValidationError
from incidentkit.figures.actions import ActionItemPolicy
from incidentkit.figures.impact import ImpactScales, ImpactWeights, impact_score
from incidentkit.figures.timeline import DEFAULT_MILESTONE_POLICY, MilestonePolicy
from incidentkit.records import io as _io
from incidentkit.records.converter import Invalid, parse_date, parse_timestamp
from incidentkit.records.labels import DEFAULT_SEVERITY_LABELS, SeverityLabels
from incidentkit.records.schema import EventType, IncidentRecord
from incidentkit.table.frame import (
    _DEFAULT_ACTIONS,
    _DEFAULT_SCALES,
    _DEFAULT_WEIGHTS,
    _EPOCH,
    _MICROSECOND,
    _NAT,
    _NEVER,
    CATEGORICAL_COLUMNS,
    IncidentTable,
    IntArray,
    _assemble,
    _Chunk,
    _ItemRules,
    _micros,
    _Rows,
    _Settings,
    _settings,
)
from incidentkit.table.stats import _check_count

if TYPE_CHECKING:
    from incidentkit.checks.engine import CheckPolicy

__all__ = ["load_table"]


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
