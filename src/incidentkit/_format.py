"""Text formatting of durations, moments and numbers, in one place.

Pure string formatting with no knowledge of records or results: the table
statistics (:meth:`incidentkit.Comparison.summary`), the HTML renderings, the
plots and the command line all show a duration or a number through these
functions, so that it reads the same everywhere. The render layer
re-exports them (:mod:`incidentkit.render.html`).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from typing import Final

__all__ = [
    "MISSING",
    "SURROGATE",
    "escape_surrogates",
    "format_duration",
    "format_number",
    "format_seconds",
    "format_timestamp",
]

#: What every rendering shows for a value that is missing.
MISSING: Final = "—"

#: A lone surrogate (U+D800 to U+DFFF). JSON can spell one (``"\\ud800"``)
#: and records keep it as loaded, but no encoding writes it: a renderer
#: that passes it on fails in ``.encode()``, far from the record.
SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _surrogate(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def escape_surrogates(text: str) -> str:
    r"""``text`` with each lone surrogate shown as its escape, ``\ud800``.

    The one rule of every renderer (text, Markdown, HTML, plots): the
    reader sees which code point the record holds, and the output encodes.
    JSON output writes the same escape, which decodes to the same string.

    Example:
        >>> print(escape_surrogates("a\ud800b"))
        a\ud800b
    """
    return SURROGATE.sub(_surrogate, text)


def format_duration(span: timedelta | None) -> str:
    """A span as its two largest units, e.g. ``2h 30m``; ``—`` for ``None``.

    Units are days, hours, minutes and seconds; the second unit is the one
    right below the first, and is left out when it is zero (``2h``), so the
    text is rounded down to that unit. Negative spans (milestones out of
    order) keep their sign.

    Example:
        >>> format_duration(timedelta(hours=2, minutes=30))
        '2h 30m'
        >>> format_duration(timedelta(minutes=-7)), format_duration(None)
        ('-7m', '—')
        >>> format_duration(timedelta(days=3, hours=4, minutes=5))
        '3d 4h'
        >>> format_duration(timedelta(seconds=45)), format_duration(timedelta(0))
        ('45s', '0s')
    """
    if span is None:
        return MISSING
    # Whole microseconds as a Python int: exact, and free of the overflow
    # that abs(timedelta.min) would raise.
    micro = span // timedelta(microseconds=1)
    sign = "-" if micro < 0 else ""
    whole, fraction = divmod(abs(micro), 1_000_000)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    for position, (amount, unit) in enumerate(units):
        if amount:
            if position == len(units) - 1:
                return f"{sign}{amount}{unit}"
            following, next_unit = units[position + 1]
            if not following:
                return f"{sign}{amount}{unit}"
            return f"{sign}{amount}{unit} {following}{next_unit}"
    return f"{sign}<1s" if fraction else "0s"


def format_seconds(seconds: float | None) -> str:
    """A number of seconds (NaN or ``None`` for missing) as :func:`format_duration`.

    Example:
        >>> format_seconds(5400.0), format_seconds(float("nan"))
        ('1h 30m', '—')
    """
    if seconds is None or not math.isfinite(seconds):
        return MISSING
    bound = timedelta.max.total_seconds()
    if abs(seconds) > bound:
        return f"{seconds:.3g}s"
    return format_duration(timedelta(seconds=round(seconds)))


def format_timestamp(moment: datetime | date | None) -> str:
    """A UTC moment as ``2024-01-15 14:23 UTC`` (seconds only when not zero).

    Example:
        >>> format_timestamp(datetime(2024, 1, 15, 14, 23, tzinfo=timezone.utc))
        '2024-01-15 14:23 UTC'
    """
    if moment is None:
        return MISSING
    if not isinstance(moment, datetime):
        return moment.isoformat()
    # isoformat, not strftime: strftime("%Y") drops the zero padding of
    # years before 1000 on some platforms.
    spec = "seconds" if moment.second or moment.microsecond else "minutes"
    if moment.utcoffset():
        moment = moment.astimezone(timezone.utc)
    naive = moment.replace(tzinfo=None)
    return f"{naive.isoformat(sep=' ', timespec=spec)} UTC"


def format_number(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; ``—`` for NaN or ``None``.

    Numbers with more integer digits than that are rounded to a whole
    number rather than written in exponent form, and none is shown with
    more than three decimals: smaller ones than 0.001 read ``<0.001``, as
    durations below a second read ``<1s``.

    Example:
        >>> format_number(43.4567), format_number(937500.0), format_number(None)
        ('43.5', '937,500', '—')
        >>> format_number(3449.5505000000003), format_number(0.01234)
        ('3,450', '0.012')
        >>> format_number(0.00004), format_number(-0.00004)
        ('<0.001', '-<0.001')
    """
    if value is None or not math.isfinite(value):
        return MISSING
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if 10**digits <= abs(value) < 1e15:
        return f"{value:,.0f}"
    if abs(value) < 1:
        rounded = round(value, 3)
        if rounded == 0:
            return f"{'-' if value < 0 else ''}<0.001"
        return f"{rounded:.{digits}g}"
    return f"{value:,.{digits}g}"
