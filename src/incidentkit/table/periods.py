"""Calendar periods of instants, vectorised: ISO week, month, quarter, year.

Review meetings count incidents per week, month, quarter or year of the
local calendar. :func:`period_keys` turns ``datetime64[us]`` instants (UTC)
into one integer per period, which sorts like the periods, and
:func:`period_labels` gives each such integer its label: ``2024-W03``
(ISO 8601 week), ``datetime64[M]`` months, ``2024Q3``, and the year as an
integer.

A time zone moves every instant by the zone's UTC offset *at that
instant*. :mod:`zoneinfo` gives offsets one instant at a time, so the
offsets are asked only at the start of each distinct UTC day in the data
(a loop over days, never over rows); a day whose offset changes is searched
to the second for the change, and every row then takes its offset with
:func:`numpy.searchsorted`. Limit: a zone changing its offset twice in one
UTC day (no zone in the tz database does since 1970) gets only the first
change.

Example:
    >>> import numpy as np
    >>> times = np.array(["2024-01-15T12:00", "2024-07-01T00:30"],
    ...                  dtype="datetime64[us]")
    >>> keys, keep = period_keys(times, "week")
    >>> period_labels(keys, "week").tolist(), keep.tolist()
    (['2024-W03', '2024-W27'], [True, True])
    >>> keys, _ = period_keys(times, "quarter", "America/New_York")
    >>> period_labels(keys, "quarter").tolist()  # 20:30 on 30 June there
    ['2024Q1', '2024Q2']
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from incidentkit.errors import ValidationError

__all__ = ["PERIODS", "period_keys", "period_labels", "zone"]

#: The calendar periods a table groups by.
PERIODS: Final = ("week", "month", "quarter", "year")

_DAY_US: Final = 86_400_000_000
_SECOND_US: Final = 1_000_000
_NAT: Final = np.iinfo(np.int64).min
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)


def zone(tz: object, name: str = "tz") -> tzinfo | None:
    """``None`` (UTC), a :class:`~datetime.tzinfo` or an IANA name as a zone.

    Example:
        >>> zone("Europe/Paris")
        zoneinfo.ZoneInfo(key='Europe/Paris')
        >>> zone("Mars/Olympus")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          tz: no time zone named 'Mars/Olympus' (an IANA name such as 'Europe/Paris')
    """
    if tz is None or isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValidationError(
        [f"{name}: no time zone named {tz!r} (an IANA name such as 'Europe/Paris')"]
    )


def _offset_us(tz: tzinfo, instant_us: int) -> int:
    moment = _EPOCH + timedelta(microseconds=instant_us)
    offset = moment.astimezone(tz).utcoffset()
    return 0 if offset is None else offset // timedelta(microseconds=1)


def local_us(times_us: NDArray[np.int64], tz: tzinfo | None) -> NDArray[np.int64]:
    """UTC microseconds (NaT: int64 min) as local wall-clock microseconds."""
    known = times_us != _NAT
    if tz is None or not known.any():
        return times_us
    day_of = times_us[known] // _DAY_US
    days = np.unique(day_of)
    # Offsets at the start of each distinct day and of the day after: a
    # loop over days present, not rows; each day's change found by bisection.
    starts = [_offset_us(tz, int(day) * _DAY_US) for day in days.tolist()]
    ends = [_offset_us(tz, (int(day) + 1) * _DAY_US) for day in days.tolist()]
    changes = []
    for day, first, last in zip(days.tolist(), starts, ends, strict=True):
        if first == last:
            changes.append(np.iinfo(np.int64).max)
            continue
        # Offsets change on whole seconds: bisect the day's seconds.
        low, high = day * 86_400, (day + 1) * 86_400
        while high - low > 1:
            middle = (low + high) // 2
            if _offset_us(tz, middle * _SECOND_US) == first:
                low = middle
            else:
                high = middle
        changes.append(high * _SECOND_US)
    index = np.searchsorted(days, day_of)
    before = np.asarray(starts, dtype=np.int64)[index]
    after = np.asarray(ends, dtype=np.int64)[index]
    change = np.asarray(changes, dtype=np.int64)[index]
    shifted: NDArray[np.int64] = times_us.copy()
    shifted[known] += np.where(times_us[known] < change, before, after)
    return shifted


def period_keys(
    times: NDArray[Any], period: str, tz: object = None
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """One sortable integer per row for its period, and which rows have one.

    ``week`` gives the day number of the ISO week's Monday, ``month`` months
    since 1970-01, ``quarter`` quarters since 1970Q1, ``year`` the year.
    """
    if period not in PERIODS:
        raise ValidationError(
            [f"by: not a period: {period!r} (one of {', '.join(PERIODS)})"]
        )
    times_us = times.astype("datetime64[us]").view(np.int64)
    keep = times_us != _NAT
    local = local_us(times_us, zone(tz))
    # NaT rows get day 0; they are masked by keep.
    days = np.where(keep, local // _DAY_US, 0)
    if period == "week":
        # 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
        return days - (days + 3) % 7, keep
    months = days.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    if period == "month":
        return months, keep
    if period == "quarter":
        return months // 3, keep
    return months // 12 + 1970, keep


def period_labels(keys: NDArray[np.int64], period: str) -> NDArray[Any]:
    """The labels of :func:`period_keys`' integers."""
    if period == "month":
        return keys.astype("datetime64[M]")
    if period == "year":
        return keys.astype(np.int64)
    if period == "quarter":
        years, quarters = keys // 4 + 1970, keys % 4 + 1
        texts = [
            f"{y}Q{q}" for y, q in zip(years.tolist(), quarters.tolist(), strict=True)
        ]
    else:
        # The ISO year and week are those of the week's Thursday.
        thursdays = keys + 3
        years = thursdays.astype("datetime64[D]").astype("datetime64[Y]")
        weeks = (thursdays - years.astype("datetime64[D]").view(np.int64)) // 7 + 1
        texts = [
            f"{y}-W{w:02d}"
            for y, w in zip(
                (years.view(np.int64) + 1970).tolist(), weeks.tolist(), strict=True
            )
        ]
    labels = np.empty(len(texts), dtype=object)
    labels[:] = texts
    return labels
