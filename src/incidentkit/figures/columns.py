"""What the figures are computed from, for many incidents at once, as arrays.

:func:`incident_columns` reads records in one pass into :class:`IncidentColumns`:
the incident's own timestamps, every event, the impact inputs and every
action item, flattened into NumPy arrays with a row number per incident.
The milestone selectors, the impact formula and the action-item rules are
written over these arrays; the one-incident functions call them with one
row, and the table with many, so each rule exists once.

Records are read by attribute only, so the accelerated decoder's twins
(:mod:`incidentkit.records.fast`) are read exactly as records are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any, Final

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit.formats import format_in
from incidentkit.records.schema import EventType

__all__ = [
    "NAT",
    "EventColumns",
    "ImpactInputs",
    "IncidentColumns",
    "ItemColumns",
    "TextColumn",
    "incident_columns",
    "micros",
    "seconds",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: An unknown moment in an int64 microsecond column (NumPy's NaT).
NAT: Final = int(np.iinfo(np.int64).min)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND: Final = timedelta(microseconds=1)
# float64 holds every integer up to 2**53 exactly; beyond, the microseconds
# go through Python's correctly rounded int / int, as timedelta does.
_EXACT: Final = 1 << 53
#: The code of each event type in :attr:`EventColumns.type`.
EVENT_CODES: Final = {member: code for code, member in enumerate(EventType)}


def micros(moment: datetime | None) -> int:
    """Microseconds since 1970 UTC (:data:`NAT` for ``None``)."""
    return NAT if moment is None else (moment - _EPOCH) // _MICROSECOND


def moment(value: int) -> datetime | None:
    """The UTC ``datetime`` of a microsecond value (``None`` for :data:`NAT`)."""
    return None if value == NAT else _EPOCH + timedelta(microseconds=value)


def seconds(start: IntArray, end: IntArray) -> FloatArray:
    """``end - start`` in seconds, exactly as ``timedelta.total_seconds()``.

    NaN where either end is unknown.
    """
    known = (start != NAT) & (end != NAT)
    span = np.where(known, end - np.where(known, start, 0), 0)
    # int / int is correctly rounded in Python, and so is float division of
    # two exactly represented floats: the results agree below 2**53 µs.
    out = np.where(known, span / 1e6, np.nan)
    large = np.flatnonzero(known & (np.abs(span) > _EXACT))
    if large.size:  # spans of more than 285 years: rare, done one by one
        out[large] = [int(value) / 10**6 for value in span[large].tolist()]
    return out


class TextColumn:
    """Values (texts, mostly) as codes into their distinct values.

    Rules that read a text (a case-insensitive match, a label's level) are
    evaluated once per distinct value, then spread to the rows.
    """

    __slots__ = ("codes", "values")

    def __init__(self, values: Sequence[object]) -> None:
        index: dict[object, int] = {}
        codes = [index.setdefault(value, len(index)) for value in values]
        self.codes: NDArray[np.intp] = np.array(codes, dtype=np.intp)
        self.values: list[object] = list(index)

    def __len__(self) -> int:
        return int(self.codes.size)

    def map(self, rule: Callable[[Any], Any], dtype: Any) -> NDArray[Any]:
        """``rule(value)`` for every row, evaluated once per distinct value."""
        per_value = np.array([rule(value) for value in self.values], dtype=dtype)
        if not per_value.size:
            return np.empty(len(self), dtype=dtype)
        return per_value[self.codes]


@attrs.frozen(eq=False)
class EventColumns:
    """Every event of many incidents; ``row`` is the incident's position."""

    row: IntArray
    at: IntArray
    type: NDArray[np.int8]
    actor: TextColumn
    status: TextColumn  # metadata["status"] when it is a text, else None

    def earliest(self, mask: BoolArray, n: int) -> IntArray:
        """Per incident, the earliest moment among the masked events."""
        out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(out, self.row[mask], self.at[mask])
        out[out == np.iinfo(np.int64).max] = NAT
        return out

    def latest(self, mask: BoolArray, n: int) -> IntArray:
        """Per incident, the latest moment among the masked events."""
        out = np.full(n, NAT, dtype=np.int64)
        np.maximum.at(out, self.row[mask], self.at[mask])
        return out


@attrs.frozen(eq=False)
class ImpactInputs:
    """What the impact score reads, one value per incident (NaN when absent)."""

    users_share: FloatArray
    affected_users: FloatArray
    affected_users_exact: list[int | None]
    regions: IntArray
    degradation: TextColumn
    workaround_available: TextColumn
    revenue_impact: TextColumn
    failed_transactions: FloatArray
    revenue_lost: FloatArray
    data_integrity_risk: BoolArray
    data_loss: BoolArray
    security_breach: BoolArray
    customer_facing: TextColumn
    # False when the record has no impact section and no customer impact in
    # its resolution: nothing to score, so the score is unknown (SPEC §7).
    has_data: BoolArray


@attrs.frozen(eq=False)
class ItemColumns:
    """Every action item of many incidents; ``row`` is the incident's position."""

    row: IntArray
    type: TextColumn
    status: TextColumn
    deadline: TextColumn  # date or None


@attrs.frozen(eq=False)
class IncidentColumns:
    """Many incidents' inputs to the figures, one row each, in order."""

    ids: list[str]
    severity: list[str | None]
    service: list[str | None]
    status: list[str]
    kind: list[str]
    source: list[str | None]
    declared_at: IntArray
    resolved_at: IntArray
    events: EventColumns
    impact: ImpactInputs
    items: ItemColumns

    def __len__(self) -> int:
        return len(self.ids)


def _float(value: float | None) -> float:
    return np.nan if value is None else float(value)


def incident_columns(records: Iterable[Any]) -> IncidentColumns:
    """Read records (or their accelerated twins) into columns, in one pass."""
    ids: list[str] = []
    severity: list[str | None] = []
    service: list[str | None] = []
    status: list[str] = []
    kind: list[str] = []
    source: list[str | None] = []
    declared: list[int] = []
    resolved: list[int] = []
    event_row: list[int] = []
    event_at: list[int] = []
    event_type: list[int] = []
    event_actor: list[str | None] = []
    event_status: list[str | None] = []
    share: list[float] = []
    users: list[int | None] = []
    regions: list[int] = []
    degradation: list[str | None] = []
    workaround: list[bool | None] = []
    revenue: list[str | None] = []
    failed: list[float] = []
    lost: list[float] = []
    integrity: list[bool] = []
    data_loss: list[bool] = []
    breach: list[bool] = []
    facing: list[bool | None] = []
    has_data: list[bool] = []
    item_row: list[int] = []
    item_type: list[str | None] = []
    item_status: list[str | None] = []
    item_deadline: list[date | None] = []
    codes = EVENT_CODES
    epoch, unit = _EPOCH, _MICROSECOND
    for row, rec in enumerate(records):
        incident = rec.incident
        ids.append(incident.id)
        severity.append(incident.severity)
        service.append(incident.service)
        status.append(incident.status)
        kind.append(incident.kind)
        # The decoder's twins have no unknown keys (a document with any goes
        # through the converter), so no source format either.
        extra = getattr(incident, "extra", None)
        source.append(None if not extra else format_in(extra))
        declared.append((incident.declared_at - epoch) // unit)
        end = incident.resolved_at
        resolved.append(NAT if end is None else (end - epoch) // unit)
        for event in rec.events:
            event_row.append(row)
            event_at.append((event.timestamp - epoch) // unit)
            event_type.append(codes[event.type])
            event_actor.append(event.actor)
            # Only a text can match a status rule; anything else is no status.
            label = event.metadata.get("status")
            event_status.append(label if isinstance(label, str) else None)
        impact = rec.impact
        if impact is None:
            share.append(np.nan)
            regions.append(0)
            degradation.append(None)
            workaround.append(None)
            revenue.append(None)
            integrity.append(False)
            breach.append(False)
            facing.append(None)
        else:
            share.append(_float(impact.affected_users_percentage))
            regions.append(len(set(impact.affected_regions)))
            degradation.append(impact.degradation_type)
            workaround.append(impact.workaround_available)
            revenue.append(impact.revenue_impact)
            integrity.append(impact.data_integrity_risk is True)
            breach.append(impact.security_breach is True)
            facing.append(impact.customer_facing)
        resolution = rec.resolution
        customer = None if resolution is None else resolution.customer_impact
        has_data.append(impact is not None or customer is not None)
        if customer is None:
            users.append(None)
            failed.append(np.nan)
            lost.append(np.nan)
            data_loss.append(False)
        else:
            users.append(customer.affected_users)
            failed.append(_float(customer.failed_transactions))
            lost.append(_float(customer.revenue_impact_usd))
            data_loss.append(customer.data_loss is True)
        for item in rec.action_items:
            item_row.append(row)
            item_type.append(item.type)
            item_status.append(item.status)
            item_deadline.append(item.deadline)
    return IncidentColumns(
        ids=ids,
        severity=severity,
        service=service,
        status=status,
        kind=kind,
        source=source,
        declared_at=np.array(declared, dtype=np.int64),
        resolved_at=np.array(resolved, dtype=np.int64),
        events=EventColumns(
            row=np.array(event_row, dtype=np.int64),
            at=np.array(event_at, dtype=np.int64),
            type=np.array(event_type, dtype=np.int8),
            actor=TextColumn(event_actor),
            status=TextColumn(event_status),
        ),
        impact=ImpactInputs(
            users_share=np.array(share, dtype=np.float64),
            affected_users=np.array(
                [np.nan if count is None else float(count) for count in users],
                dtype=np.float64,
            ),
            affected_users_exact=users,
            regions=np.array(regions, dtype=np.int64),
            degradation=TextColumn(degradation),
            workaround_available=TextColumn(workaround),
            revenue_impact=TextColumn(revenue),
            failed_transactions=np.array(failed, dtype=np.float64),
            revenue_lost=np.array(lost, dtype=np.float64),
            data_integrity_risk=np.array(integrity, dtype=bool),
            data_loss=np.array(data_loss, dtype=bool),
            security_breach=np.array(breach, dtype=bool),
            customer_facing=TextColumn(facing),
            has_data=np.array(has_data, dtype=bool),
        ),
        items=ItemColumns(
            row=np.array(item_row, dtype=np.int64),
            type=TextColumn(item_type),
            status=TextColumn(item_status),
            deadline=TextColumn(item_deadline),
        ),
    )
