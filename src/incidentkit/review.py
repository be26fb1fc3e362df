"""A quarterly (or monthly, yearly, weekly) review of many incidents, in one call.

:func:`review` selects the incidents declared in a period and gathers what
a reliability review asks of them: counts by severity and by month, the
time-to-x figures with their intervals, this period against the previous
one (and the smallest change those sample sizes could detect), the services
with the most incident time, overdue and missing follow-ups, the findings
of the checks, and the incidents with the highest impact score.

Every number is one the table already computes
(:meth:`~incidentkit.IncidentTable.group_stats`,
:meth:`~incidentkit.IncidentTable.intervals`, :func:`~incidentkit.compare`,
:meth:`~incidentkit.IncidentTable.action_item_coverage`); this module only
selects and arranges them. The result, a :class:`Review`, is written
through the report model of :mod:`incidentkit.render.document` as text and
Markdown, and through :func:`incidentkit.render.html.render_html` as one
self-contained HTML page (plots inline as SVG, no network at all), so that
every piece of record text is escaped by the one rule of each format.

Example:
    >>> import incidentkit as ik
    >>> from incidentkit import synth
    >>> table = ik.IncidentTable.from_records(synth.generate(300, seed=3))
    >>> result = review(table, period="2024Q3", plots=False, detectable=False)
    >>> result.period.label, result.previous.label
    ('2024Q3', '2024Q2')
    >>> result.incidents == len(table.between("2024-07-01", "2024-10-01"))
    True
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Final

import attrs
import numpy as np
from numpy.typing import NDArray

from incidentkit import _display
from incidentkit import plot as _plot
from incidentkit._format import MISSING, format_number, format_seconds
from incidentkit._frozen import FrozenMapping
from incidentkit.checks.rules import RULES
from incidentkit.errors import ValidationError
from incidentkit.render.document import Section, render_markdown, render_text
from incidentkit.render.html import _e as _escape_html
from incidentkit.render.html import render_html
from incidentkit.render.reports import key_label, value_cell
from incidentkit.table.build import UNKNOWN_LEVEL
from incidentkit.table.frame import CoverageStats, IncidentTable, compare
from incidentkit.table.periods import period_keys, period_labels, zone
from incidentkit.table.stats import Comparison, GroupStats, IntervalStats

__all__ = ["MTTX_FIGURES", "Period", "Review", "parse_period", "review"]

#: The time-to-x figures a review shows, those the table has values for.
MTTX_FIGURES: Final = (
    "time_to_detect",
    "time_to_acknowledge",
    "time_to_mitigate",
    "time_to_resolve",
)
#: Incidents listed by name in a section before the rest are counted.
MAX_LISTED: Final = 10
#: Services listed by incident time.
MAX_SERVICES: Final = 10
#: Incidents listed by impact score.
TOP_IMPACT: Final = 5

_QUARTER: Final = re.compile(r"(\d{4})-?[Qq]([1-4])")
_MONTH: Final = re.compile(r"(\d{4})-(\d{2})")
_YEAR: Final = re.compile(r"\d{4}")
_WEEK: Final = re.compile(r"(\d{4})-?W(\d{2})")
_NAMED_FORMS: Final = (
    "a quarter (2024Q3), a month (2024-07), a year (2024) or an ISO week (2024-W27)"
)
_PERIOD_FORMS: Final = (
    "a period's name (2024Q3, 2024-07, 2024, 2024-W27) or a (start, end) pair of dates"
)


# --- periods -----------------------------------------------------------------


@attrs.frozen
class Period:
    """A span of the calendar: ``[start, end)``, both aware.

    Attributes:
        label: How the period reads: ``2024Q3``, ``2024-07``, ``2024``,
            ``2024-W27`` or ``2024-07-01 to 2024-09-30``.
        kind: ``"quarter"``, ``"month"``, ``"year"``, ``"week"`` or ``"range"``.
        start: The first moment in it.
        end: The first moment after it.
    """

    label: str
    kind: str
    start: datetime
    end: datetime

    def previous(self) -> Period:
        """The period of the same kind just before this one.

        Example:
            >>> parse_period("2024Q1").previous().label
            '2023Q4'
            >>> parse_period("2024-01").previous().label
            '2023-12'
        """
        where = self.start.tzinfo
        if self.kind == "quarter":
            year, month = self.start.year, self.start.month
            month -= 3
            if month < 1:
                year, month = year - 1, month + 12
            return parse_period(f"{year}Q{(month - 1) // 3 + 1}", where)
        if self.kind == "month":
            year, month = self.start.year, self.start.month - 1
            if month < 1:
                year, month = year - 1, 12
            return parse_period(f"{year}-{month:02d}", where)
        if self.kind == "year":
            return parse_period(f"{self.start.year - 1}", where)
        if self.kind == "week":
            before = (self.start - timedelta(days=7)).date().isocalendar()
            return parse_period(f"{before.year}-W{before.week:02d}", where)
        span = self.end - self.start
        return _range(self.start - span, self.start)


def _local(day: date, where: tzinfo | None) -> datetime:
    # Midnight of the local calendar day: a quarter in Europe/Paris starts
    # at 22:00 UTC the evening before.
    return datetime(day.year, day.month, day.day, tzinfo=where or timezone.utc)


def _range(start: datetime, end: datetime) -> Period:
    last = (end - timedelta(microseconds=1)).date()
    label = f"{start.date().isoformat()} to {last.isoformat()}"
    return Period(label, "range", start, end)


def _bound(value: object, where: tzinfo | None) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return None  # a naive moment is ambiguous: rejected by the caller
        return value
    if isinstance(value, date):
        return _local(value, where)
    if isinstance(value, str):
        try:
            return _local(date.fromisoformat(value), where)
        except ValueError:
            return None
    return None


def _bad_period(value: object, rule: str = "") -> ValidationError:
    return ValidationError([f"period: expected {rule or _PERIOD_FORMS} ({value!r})"])


def parse_period(period: object, tz: str | tzinfo | None = None) -> Period:
    """A period of the calendar from its name, in ``tz`` (UTC by default).

    Args:
        period: ``"2024Q3"``, ``"2024-07"``, ``"2024"``, ``"2024-W27"`` (ISO
            week), or a ``(start, end)`` pair of dates, ISO dates or aware
            datetimes (end excluded).
        tz: The time zone of the calendar: an IANA name or a ``tzinfo``.

    Raises:
        ValidationError: Naming ``period``, the forms it takes and the value.

    Example:
        >>> p = parse_period("2024Q3")
        >>> p.start.isoformat(), p.end.isoformat()
        ('2024-07-01T00:00:00+00:00', '2024-10-01T00:00:00+00:00')
        >>> parse_period("2024-W01").start.date().isoformat()
        '2024-01-01'
        >>> parse_period("2024Q5")
        Traceback (most recent call last):
        ...
        incidentkit.errors.ValidationError: 1 problem:
          period: expected a quarter (2024Q3), a month (2024-07), a year (2024) or an ISO week (2024-W27) ('2024Q5')
    """  # noqa: E501
    where = zone(tz)
    if isinstance(period, (tuple, list)):
        if len(period) != 2:
            raise _bad_period(period)
        start, end = (_bound(value, where) for value in period)
        if start is None or end is None:
            raise _bad_period(
                period, "dates, ISO dates or aware datetimes as (start, end)"
            )
        if not start < end:
            raise _bad_period(period, "a start before the end")
        return _range(start, end)
    if not isinstance(period, str):
        raise _bad_period(period)
    # A name is what was meant: the error lists the names only.
    text = period.strip()
    try:
        if found := _QUARTER.fullmatch(text):
            year, quarter = int(found[1]), int(found[2])
            first = date(year, 3 * quarter - 2, 1)
            after = (
                date(year + 1, 1, 1) if quarter == 4 else date(year, first.month + 3, 1)
            )
            return Period(
                f"{year}Q{quarter}",
                "quarter",
                _local(first, where),
                _local(after, where),
            )
        if found := _MONTH.fullmatch(text):
            year, month = int(found[1]), int(found[2])
            first = date(year, month, 1)
            after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return Period(
                f"{year}-{month:02d}",
                "month",
                _local(first, where),
                _local(after, where),
            )
        if _YEAR.fullmatch(text):
            year = int(text)
            return Period(
                text,
                "year",
                _local(date(year, 1, 1), where),
                _local(date(year + 1, 1, 1), where),
            )
        if found := _WEEK.fullmatch(text):
            year, week = int(found[1]), int(found[2])
            monday = date.fromisocalendar(year, week, 1)
            return Period(
                f"{year}-W{week:02d}",
                "week",
                _local(monday, where),
                _local(monday + timedelta(days=7), where),
            )
    except (ValueError, OverflowError):
        # Month 13, week 54, year 9999's successor: the shape was right,
        # the calendar has no such period.
        raise _bad_period(period, "a period the calendar has") from None
    raise _bad_period(period, _NAMED_FORMS)


# --- the review --------------------------------------------------------------


@attrs.frozen(eq=False)
class FigureStats:
    """One time-to-x figure of a period: its summary and its intervals.

    Attributes:
        column: The figure, e.g. ``"time_to_resolve"``.
        stats: :meth:`~incidentkit.IncidentTable.group_stats` of the period
            (one group): count, missing, invalid, median, p90...
        median: The median's interval, or why there is none.
        p90: The p90's interval, or why there is none.
    """

    column: str
    stats: GroupStats
    median: IntervalStats
    p90: IntervalStats


@attrs.frozen(eq=False)
class Review:
    """The review of one period; build it with :func:`review`.

    Attributes:
        period: The period reviewed.
        previous: The period it is compared with, or ``None``.
        tz: The time zone of the calendar (``None``: UTC).
        as_of: The moment overdue action items are judged against (the
            table's), or ``None`` when they are not judged.
        table: The incidents declared in the period.
        previous_table: Those of the previous period, or ``None``.
        undated: Incidents of the whole table without a ``declared_at``:
            in no period, so in no review; counted, not guessed.
        by_severity: ``(severity, incidents)`` pairs, most severe first;
            ``"unknown"`` for a label no level maps to.
        by_month: ``(month, incidents)`` for every month of the period,
            months without incidents included.
        figures: The time-to-x figures with at least one value in the
            period, by name.
        without_values: The time-to-x figures of :data:`MTTX_FIGURES` the
            period has no value of.
        comparisons: For each figure, the median of the period against the
            previous one (:func:`incidentkit.compare`).
        not_compared: For each figure not compared, why.
        services: ``time_to_resolve`` by service, or ``None`` without
            incidents.
        follow_up_table: The incidents of the period whose source records
            action items: all but those of :attr:`untracked_sources`.
        untracked_sources: Source format → incidents of the period imported
            from a tool that records no action items (the formats IK505 is
            not applied to); they are left out of the follow-ups.
        coverage: Action-item coverage of :attr:`follow_up_table`, or
            ``None`` when it is empty.
        per_incident: The same, one group per incident (its row order), which
            names the incidents that lack a required type.
        findings: Level → ``(findings, incidents with one)``, from the
            table's ``check_errors``/``check_warnings`` columns; ``None``
            when the table was built without ``checks=``.
        top_impact: The incidents with the highest known impact score,
            highest first (at most :data:`TOP_IMPACT`).
        unknown_impact: Incidents of the period whose impact score is unknown.
        plots: Name → inline SVG of each plot drawn.
        plots_note: Why there are no plots, or ``None``.
    """

    period: Period
    previous: Period | None
    tz: str | None
    as_of: date | datetime | None
    table: IncidentTable
    previous_table: IncidentTable | None
    undated: int
    by_severity: tuple[tuple[str, int], ...]
    by_month: tuple[tuple[str, int], ...]
    figures: Mapping[str, FigureStats]
    without_values: tuple[str, ...]
    comparisons: Mapping[str, Comparison]
    not_compared: Mapping[str, str]
    services: GroupStats | None
    follow_up_table: IncidentTable
    untracked_sources: Mapping[str, int]
    coverage: CoverageStats | None
    per_incident: CoverageStats | None
    findings: Mapping[str, tuple[int, int]] | None
    top_impact: IncidentTable
    unknown_impact: int
    plots: Mapping[str, str]
    plots_note: str | None

    @property
    def incidents(self) -> int:
        """How many incidents were declared in the period."""
        return len(self.table)

    def report(self) -> tuple[str, list[str], list[Section]]:
        """The review as a report model: heading, facts and sections."""
        return _report(self)

    def to_text(self) -> str:
        """The review as plain text (no plots)."""
        return render_text(*self.report())

    def to_markdown(self) -> str:
        """The review as Markdown (GitHub's); the plots are in the HTML only."""
        return render_markdown(*self.report())

    def to_html(self) -> str:
        """The review as one self-contained HTML page: no script, no network."""
        title = _escape_html(f"Incident review {self.period.label}")
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            # The page may load nothing: the plots are inline SVG.
            '<meta http-equiv="Content-Security-Policy" content="default-src '
            "'none'; style-src 'unsafe-inline'; img-src data:\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{_PAGE_STYLE}</style></head>"
            f"<body><main>{self._fragment()}</main></body></html>\n"
        )

    def write(self, path: str | Path, *, markdown: str | Path | None = None) -> None:
        """Write the HTML page to ``path``, and the Markdown to ``markdown``."""
        Path(path).write_text(self.to_html(), encoding="utf-8")
        if markdown is not None:
            Path(markdown).write_text(self.to_markdown(), encoding="utf-8")

    def _fragment(self) -> str:
        heading, lines, sections = _report(self, html=True)
        parts = [render_html(heading, lines, [])]
        for section in sections:
            # The section's title as the fragment's heading: render_html
            # writes a section title as plain bold text.
            parts.append(
                render_html(section.title, [], [attrs.evolve(section, title="")])
            )
            if section.title == _MTTX_TITLE:
                parts.extend(
                    f'<figure class="ik-plot">{svg}</figure>'
                    for svg in self.plots.values()
                )
        return "".join(parts)

    def _repr_html_(self) -> str:
        # Through the one dispatch point of notebook HTML, as every result.
        return _display.html(self)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        previous = "" if self.previous is None else f" vs {self.previous.label}"
        return f"Review({self.period.label}{previous}, {self.incidents} incidents)"


_MTTX_TITLE: Final = "Time to detect, acknowledge, mitigate and resolve"
_PAGE_STYLE: Final = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#222;background:#fff;margin:0}"
    "main{max-width:1100px;margin:0 auto;padding:1.5em 1.5em 3em}"
    "main>div.incidentkit{margin:0 0 1.6em 0}"
    "main>div.incidentkit>div:first-of-type>strong{font-size:1.25em}"
    "main>div.incidentkit:first-child>div:first-of-type>strong{font-size:1.8em}"
    "main table.ik-table{font-size:0.92em}"
    "main table.ik-table th{border-bottom:1px solid #bbb}"
    "main table.ik-table tr:nth-child(even) td{background:#f6f6f6}"
    "figure.ik-plot{margin:0.5em 0 1.5em 0}"
    "figure.ik-plot svg{max-width:100%;height:auto}"
)


def review(
    table: IncidentTable,
    period: object,
    *,
    previous: object = "auto",
    tz: str | tzinfo | None = None,
    as_of: date | datetime | None = None,
    plots: bool = True,
    detectable: bool = True,
    seed: int = 0,
) -> Review:
    """The review of the incidents declared in ``period``.

    Args:
        table: The incidents; those declared in the period are reviewed,
            those of the previous period are the comparison.
        period: ``"2024Q3"``, ``"2024-07"``, ``"2024"``, ``"2024-W27"`` or a
            ``(start, end)`` pair (see :func:`parse_period`); of
            ``declared_at``, in ``tz``.
        previous: ``"auto"`` (the period of the same kind just before),
            another period in the same forms, or ``None`` for no comparison.
        tz: The calendar's time zone (an IANA name or a ``tzinfo``); UTC
            by default.
        as_of: The day overdue action items are judged on. They are counted
            when the table is built (``as_of=`` of
            :meth:`~incidentkit.IncidentTable.from_records` or
            :func:`~incidentkit.load_table`), so this must be the table's;
            by default it is.
        plots: Draw the distributions (needs matplotlib, the ``plot``
            extra; without it the review says so and has no plots).
        detectable: Say the smallest change the two periods' sizes could
            detect (a few seconds per figure on thousands of incidents).
        seed: Seed of the bootstrap and the permutations, for the same
            numbers every time.

    Raises:
        ValidationError: For a bad ``period``, ``previous``, ``tz`` or an
            ``as_of`` that is not the table's.
    """
    if not isinstance(table, IncidentTable):
        raise ValidationError(
            [f"table: expected an IncidentTable, got {type(table).__name__}"]
        )
    where = zone(tz)
    span = parse_period(period, where)
    before: Period | None
    if previous is None:
        before = None
    elif isinstance(previous, str) and previous == "auto":
        before = span.previous()
    else:
        try:
            before = parse_period(previous, where)
        except ValidationError as problem:
            raise ValidationError(
                [problem.errors[0].replace("period:", "previous:", 1)]
            ) from None
    if as_of is not None and as_of != table.as_of:
        raise ValidationError(
            [
                f"as_of: overdue action items were counted when the table was "
                f"built, as of {table.as_of}; build it with as_of={as_of!r} "
                f"({as_of!r})"
            ]
        )
    current = table.between(span.start, span.end)
    earlier = None if before is None else table.between(before.start, before.end)
    undated = int(np.count_nonzero(np.isnat(table["declared_at"])))

    figures: dict[str, FigureStats] = {}
    without: list[str] = []
    for column in MTTX_FIGURES:
        if column not in table:
            continue
        stats = current.group_stats(column) if len(current) else None
        if stats is None or int(stats.count[0]) == 0:
            without.append(column)
            continue
        figures[column] = FigureStats(
            column,
            stats,
            current.intervals(column, "median"),
            current.intervals(column, "p90"),
        )
    comparisons, not_compared = _comparisons(
        current, earlier, span, before, figures, detectable, seed
    )
    known = ~np.isnan(np.asarray(current["impact_score"], dtype=np.float64))
    top = current.take(known).sort("impact_score", descending=True).head(TOP_IMPACT)
    drawn, note = _draw(current, figures) if plots else ({}, None)
    found = _findings(current)
    untracked, untracked_sources = _untracked(current)
    tracked = current.take(~untracked)
    return Review(
        period=span,
        previous=before,
        tz=None if tz is None else str(tz),
        as_of=table.as_of,
        table=current,
        previous_table=earlier,
        undated=undated,
        by_severity=_by_severity(current),
        by_month=_by_month(current, span, where),
        # Read-only, as the result is: a caller cannot change a part of it.
        figures=FrozenMapping.of(figures),
        without_values=tuple(without),
        comparisons=FrozenMapping.of(comparisons),
        not_compared=FrozenMapping.of(not_compared),
        services=current.group_stats("time_to_resolve", by="service")
        if len(current)
        else None,
        follow_up_table=tracked,
        untracked_sources=FrozenMapping.of(untracked_sources),
        coverage=tracked.action_item_coverage() if len(tracked) else None,
        per_incident=tracked.action_item_coverage(by=np.arange(len(tracked)))
        if len(tracked)
        else None,
        findings=None if found is None else FrozenMapping.of(found),
        top_impact=top,
        unknown_impact=int(np.count_nonzero(~known)),
        plots=FrozenMapping.of(drawn),
        plots_note=note,
    )


#: The rule whose declaration names the sources that record no action
#: items (its ``not_for``): their incidents cannot have follow-ups, so the
#: review leaves them out of the follow-ups instead of listing them all.
_ACTION_ITEMS_RULE: Final = "IK505"


def _untracked(table: IncidentTable) -> tuple[NDArray[np.bool_], dict[str, int]]:
    """Rows from sources that record no action items, and how many per source."""
    reasons = RULES[_ACTION_ITEMS_RULE].not_for
    if "source" not in table or not reasons:
        return np.zeros(len(table), dtype=bool), {}
    sources = table["source"]
    rows = np.isin(sources, np.array(list(reasons), dtype=object))
    names, counts = np.unique(sources[rows].astype(str), return_counts=True)
    return rows, dict(zip(names.tolist(), counts.tolist(), strict=True))


def _by_severity(table: IncidentTable) -> tuple[tuple[str, int], ...]:
    levels, counts = np.unique(
        np.asarray(table["severity"], dtype=np.int64), return_counts=True
    )
    # Unknown (-1) sorts first numerically; it goes last, after the levels.
    pairs = sorted(
        zip(levels.tolist(), counts.tolist(), strict=True),
        key=lambda pair: (pair[0] == UNKNOWN_LEVEL, pair[0]),
    )
    return tuple((key_label(level, "severity"), count) for level, count in pairs)


def _month_key(moment: datetime) -> int:
    return (moment.year - 1970) * 12 + moment.month - 1


def _by_month(
    table: IncidentTable, span: Period, where: tzinfo | None
) -> tuple[tuple[str, int], ...]:
    # Months of the local calendar, the periods module's rule (the one
    # group_stats(by="month") follows); every month of the period is listed,
    # a month without incidents with 0.
    keys, keep = period_keys(table["declared_at"], "month", where)
    present, counts = np.unique(keys[keep], return_counts=True)
    found = dict(zip(present.tolist(), counts.tolist(), strict=True))
    last = span.end.astimezone(span.start.tzinfo) - timedelta(microseconds=1)
    months = np.arange(_month_key(span.start), _month_key(last) + 1, dtype=np.int64)
    labels = period_labels(months, "month")
    return tuple(
        (str(label), int(found.get(int(key), 0)))
        for key, label in zip(months.tolist(), labels, strict=True)
    )


def _comparisons(
    current: IncidentTable,
    earlier: IncidentTable | None,
    span: Period,
    before: Period | None,
    figures: Mapping[str, FigureStats],
    detectable: bool,
    seed: int,
) -> tuple[dict[str, Comparison], dict[str, str]]:
    found: dict[str, Comparison] = {}
    reasons: dict[str, str] = {}
    if earlier is None or before is None:
        return found, reasons
    for column in MTTX_FIGURES:
        if column not in current:
            continue
        if column not in figures:
            reasons[column] = f"no {column} value in {span.label}"
            continue
        earlier_count = int(earlier.group_stats(column).count[0]) if len(earlier) else 0
        if earlier_count == 0:
            reasons[column] = f"no {column} value in {before.label}"
            continue
        found[column] = compare(
            current, earlier, column, "median", seed=seed, detectable=detectable
        )
    return found, reasons


def _findings(table: IncidentTable) -> dict[str, tuple[int, int]] | None:
    if "check_errors" not in table:
        return None
    found = {}
    for level, column in (("error", "check_errors"), ("warning", "check_warnings")):
        counts = np.asarray(table[column], dtype=np.int64)
        found[level] = (int(counts.sum()), int(np.count_nonzero(counts)))
    return found


def _draw(
    table: IncidentTable, figures: Mapping[str, FigureStats]
) -> tuple[dict[str, str], str | None]:
    if not figures:
        return {}, None
    try:
        _plot._matplotlib()
    except ImportError as missing:
        # Honest and not fatal: the numbers do not need matplotlib.
        return {}, f"No plots: {missing}."
    known = bool(np.any(np.asarray(table["severity"]) != UNKNOWN_LEVEL))
    drawn = {}
    for column in figures:
        figure = _plot.durations(
            table, column, by="severity" if known else None, width=10.0
        )
        drawn[column] = _svg(figure, f"ik-{column}-")
    return drawn, None


def _svg(figure: Any, prefix: str) -> str:
    out = io.StringIO()
    # No metadata: no date, and no creator or licence links in a page that
    # references nothing.
    figure.savefig(
        out,
        format="svg",
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    text = out.getvalue()
    # Inline SVG in HTML takes no XML prolog or doctype.
    text = text[text.index("<svg") :]
    # Several plots share one page, hence one id space: each plot's ids
    # (glyphs, clip paths) and the references to them get its own prefix.
    text = _SVG_ID.sub(lambda found: f'id="{prefix}{found[1]}"', text)
    text = _SVG_HREF.sub(lambda found: f'href="#{prefix}{found[1]}"', text)
    return _SVG_URL.sub(lambda found: f"url(#{prefix}{found[1]})", text)


_SVG_ID: Final = re.compile(r'\bid="([^"]+)"')
_SVG_HREF: Final = re.compile(r'href="#([^"]+)"')
_SVG_URL: Final = re.compile(r"url\(#([^)]+)\)")


# --- the report model --------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else MISSING


def _interval(stats: IntervalStats) -> str:
    """The interval of the one group, with the confidence it reaches, or why none."""
    reason = stats.reason[0]
    if reason is not None:
        # The gist, "too few incidents"; the full reason is in the result.
        return str(reason).split(":")[0]
    reached = float(stats.reached[0])
    level = "" if math.isnan(reached) else f" ({reached:.1%})"
    low, high = float(stats.low[0]), float(stats.high[0])
    return f"{format_seconds(low)} – {format_seconds(high)}{level}"


def _report(
    result: Review, *, html: bool = False
) -> tuple[str, list[str], list[Section]]:
    span = result.period
    heading = f"Incident review {span.label}"
    zone_name = result.tz or "UTC"
    last = (span.end - timedelta(microseconds=1)).date()
    lines = [
        f"Incidents declared from {span.start.date().isoformat()} to "
        f"{last.isoformat()} (calendar in {zone_name}): {result.incidents:,}",
    ]
    if result.previous is not None and result.previous_table is not None:
        lines.append(
            f"Previous period {result.previous.label}: "
            f"{len(result.previous_table):,} incidents"
        )
    if result.undated:
        lines.append(
            f"{result.undated:,} incidents of the source have no declared_at: "
            "in no period, left out"
        )
    lines.append(
        "Overdue action items judged as of "
        + (str(result.as_of) if result.as_of is not None else "no day (not judged)")
    )
    if not result.incidents:
        lines.append(f"No incidents in {span.label}.")
        return heading, lines, [_severity_section(result), _month_section(result)]
    sections = [
        _severity_section(result),
        _month_section(result),
        _mttx_section(result, html),
    ]
    if result.previous is not None:
        sections.append(_compare_section(result))
    sections.extend(
        [
            _services_section(result),
            *_follow_up_sections(result),
            _findings_section(result),
            _impact_section(result),
        ]
    )
    return heading, lines, sections


def _severity_section(result: Review) -> Section:
    section = Section("Incidents by severity")
    total = result.incidents
    if not result.by_severity:
        section.notes.append(f"No incidents in {result.period.label}.")
        return section
    section.table(
        ["severity", "incidents", "share"],
        [
            [name, f"{count:,}", _share(count, total)]
            for name, count in result.by_severity
        ],
        [False, True, True],
    )
    return section


def _month_section(result: Review) -> Section:
    section = Section("Incidents by month")
    section.table(
        ["month", "incidents"],
        [[month, f"{count:,}"] for month, count in result.by_month],
        [False, True],
    )
    return section


def _mttx_section(result: Review, html: bool) -> Section:
    section = Section(_MTTX_TITLE)
    rows: list[Sequence[str]] = []
    for column, figure in result.figures.items():
        stats = figure.stats
        rows.append(
            [
                column,
                f"{int(stats.count[0]):,}",
                f"{int(stats.missing[0]):,}",
                f"{int(stats.invalid[0]):,}",
                f"{int(stats.zero[0]):,}",
                format_seconds(float(stats.median[0])),
                _interval(figure.median),
                format_seconds(float(stats.p90[0])),
                _interval(figure.p90),
            ]
        )
    section.table(
        [
            "figure",
            "with a value",
            "missing",
            "invalid",
            "zero",
            "median",
            "median 95% interval",
            "p90",
            "p90 95% interval",
        ],
        rows,
        [False, *([True] * 8)],
    )
    section.notes.append(
        "Intervals are distribution-free (order statistics), each reaching at "
        "least 95% (the confidence reached in brackets); 'too few incidents' "
        "where the period has too few values for one (6 for a median, 29 for "
        "a p90). Missing: no value (an open incident, a milestone not "
        "recorded); invalid: negative (milestones out of order), left out; "
        "zero: exactly 0 s (both ends recorded at the same instant), in the "
        "figures."
    )
    for column in result.without_values:
        section.notes.append(f"{column}: no incident of {result.period.label} has one.")
    if result.plots_note:
        section.notes.append(result.plots_note)
    elif result.plots and not html:
        # In the page itself the plots follow this section.
        section.notes.append(
            "Plots of each figure's distribution by severity are in the HTML version."
        )
    return section


def _compare_section(result: Review) -> Section:
    assert result.previous is not None
    now, then = result.period.label, result.previous.label
    section = Section(f"{now} against {then}")
    rows: list[Sequence[str]] = []
    for column, found in result.comparisons.items():
        interval = (
            "too few incidents"
            if found.reason is not None
            else f"{_signed(found.difference_low)} to {_signed(found.difference_high)}"
        )
        rows.append(
            [
                column,
                f"{format_seconds(found.estimate_a)} (n={found.count_a:,})",
                f"{format_seconds(found.estimate_b)} (n={found.count_b:,})",
                _signed(found.difference),
                interval,
                f"{found.p_value:.3g}",
            ]
        )
    section.table(
        ["median of", now, then, "difference", "its 95% interval", "p-value"],
        rows,
        [False, True, True, True, True, True],
    )
    for column, found in result.comparisons.items():
        # The comparison's own words: whether the change is detectable, and
        # the smallest change these sizes could detect.
        words = found.summary().splitlines()[2:]
        section.notes.extend(
            f"{column}: {line}"
            for line in words
            if not line.startswith(("ratio", "permutation"))
        )
    for column, reason in result.not_compared.items():
        section.notes.append(f"{column}: not compared ({reason}).")
    return section


def _signed(seconds: float) -> str:
    text = format_seconds(seconds)
    return text if text.startswith(("-", MISSING)) else "+" + text


def _services_section(result: Review) -> Section:
    section = Section("Services with the most incident time")
    stats = result.services
    assert stats is not None
    counts = stats.count.astype(np.int64)
    totals = stats.mean * counts  # the sum of each service's values
    totals = np.where(counts > 0, totals, 0.0)
    order = sorted(range(len(stats)), key=lambda i: (-float(totals[i]), i))
    rows: list[Sequence[str]] = []
    for i in order[:MAX_SERVICES]:
        incidents = int(stats.count[i] + stats.missing[i] + stats.invalid[i])
        rows.append(
            [
                value_cell(stats.groups[i], seconds=False),
                f"{incidents:,}",
                f"{int(stats.count[i]):,}",
                format_seconds(float(totals[i])),
                format_seconds(float(stats.median[i])),
            ]
        )
    if rows:
        section.table(
            ["service", "incidents", "resolved", "incident time", "median"],
            rows,
            [False, True, True, True, True],
        )
    section.notes.append(
        "Incident time: the sum of time_to_resolve (started to resolved) of "
        "the resolved incidents; an open incident (or one without a start) "
        "adds nothing, and is counted in incidents, not in resolved."
    )
    if len(stats) > MAX_SERVICES:
        section.notes.append(f"… and {len(stats) - MAX_SERVICES:,} more services.")
    grouped = int((stats.count + stats.missing + stats.invalid).sum())
    if grouped < result.incidents:
        section.notes.append(
            f"{result.incidents - grouped:,} incidents name no service: left out."
        )
    return section


def _follow_up_sections(result: Review) -> list[Section]:
    section = Section("Follow-ups (action items)")
    reasons = RULES[_ACTION_ITEMS_RULE].not_for
    for source, count in result.untracked_sources.items():
        noun = "incident" if count == 1 else "incidents"
        section.notes.append(
            f"{count:,} {noun} from {source} left out: {reasons[source]}."
        )
    coverage, rows = result.coverage, result.per_incident
    if coverage is None or rows is None:
        section.notes.append(
            f"No incident of {result.period.label} comes from a source that "
            "records action items."
        )
        return [section]
    requiring, covered = int(coverage.requiring[0]), int(coverage.covered[0])
    overdue = (
        "not judged (no as_of)"
        if coverage.overdue_items is None
        else f"{int(coverage.overdue_items[0]):,}"
    )
    with_overdue = (
        "not judged (no as_of)"
        if coverage.with_overdue is None
        else f"{int(coverage.with_overdue[0]):,}"
    )
    section.pairs.extend(
        [
            ("incidents requiring action items", f"{requiring:,}"),
            (
                "with every required type",
                f"{covered:,} ({_share(covered, requiring)})",
            ),
            ("missing a required type", f"{requiring - covered:,}"),
            ("action items", f"{int(coverage.items[0]):,}"),
            ("not done", f"{int(coverage.open_items[0]):,}"),
            ("overdue (not done, past the deadline)", overdue),
            ("incidents with an overdue item", with_overdue),
        ]
    )
    missing: list[Sequence[str]] = [
        [kind, f"{int(counts[0]):,}"]
        for kind, counts in coverage.missing.items()
        if int(counts[0])
    ]
    if missing:
        section.table(
            ["required type", "incidents without one"], missing, [False, True]
        )
    section.notes.append(
        "Required types by severity are the table's policy (its actions)."
    )
    if not int(coverage.items[0]):
        section.notes.append(
            f"No incident of {result.period.label} has an action item: the "
            "source may not record follow-ups (a status page does not)."
        )
    sections = [section]
    table = result.follow_up_table
    ids = table["id"]
    severity = np.asarray(table["severity"], dtype=np.int64)
    if "action_items_overdue" in table:
        late = np.asarray(table["action_items_overdue"], dtype=np.int64)
        open_items = np.asarray(table["action_items_open"], dtype=np.int64)
        order = [i for i in np.argsort(-late, kind="stable").tolist() if late[i] > 0]
        if order:
            section = Section("Overdue follow-ups")
            sections.append(section)
            section.table(
                ["incident with overdue items", "severity", "overdue", "not done"],
                [
                    [
                        str(ids[i]),
                        key_label(int(severity[i]), "severity"),
                        f"{int(late[i]):,}",
                        f"{int(open_items[i]):,}",
                    ]
                    for i in order[:MAX_LISTED]
                ],
                [False, False, True, True],
            )
            if len(order) > MAX_LISTED:
                section.notes.append(
                    f"… and {len(order) - MAX_LISTED:,} more incidents with "
                    "overdue items."
                )
    lacking = np.flatnonzero(rows.requiring > rows.covered)
    # Most severe first: a SEV1 without a prevention item matters most.
    lacking = lacking[np.argsort(severity[lacking] % 256, kind="stable")]
    if lacking.size:
        section = Section("Missing follow-ups")
        sections.append(section)
        section.table(
            ["incident missing a follow-up", "severity", "required types missing"],
            [
                [
                    str(ids[i]),
                    key_label(int(severity[i]), "severity"),
                    ", ".join(
                        kind for kind, counts in rows.missing.items() if int(counts[i])
                    ),
                ]
                for i in lacking[:MAX_LISTED].tolist()
            ],
        )
        if lacking.size > MAX_LISTED:
            section.notes.append(
                f"… and {lacking.size - MAX_LISTED:,} more incidents missing a "
                "required type."
            )
    return sections


def _findings_section(result: Review) -> Section:
    section = Section("Findings of the checks")
    if result.findings is None:
        section.notes.append(
            "Not checked: the table was built without checks= (the command "
            "line builds it with them). Counts by rule: incidentkit check "
            "--statistics."
        )
        return section
    section.table(
        ["level", "findings", "incidents with one"],
        [
            [
                level,
                f"{count:,}",
                f"{incidents:,} ({_share(incidents, result.incidents)})",
            ]
            for level, (count, incidents) in result.findings.items()
        ],
        [False, True, True],
    )
    section.notes.append(
        "Counts by rule: incidentkit check --statistics on the same records."
    )
    return section


def _impact_section(result: Review) -> Section:
    section = Section(f"The {TOP_IMPACT} incidents with the highest impact score")
    top = result.top_impact
    ids, services = top["id"], top["service"]
    severity = np.asarray(top["severity"], dtype=np.int64)
    scores = np.asarray(top["impact_score"], dtype=np.float64)
    resolve = np.asarray(top["time_to_resolve"], dtype=np.float64)
    declared = top["declared_at"]
    if len(top):
        section.table(
            [
                "#",
                "incident",
                "severity",
                "service",
                "declared",
                "impact score",
                "time to resolve",
            ],
            [
                [
                    str(rank),
                    str(ids[i]),
                    key_label(int(severity[i]), "severity"),
                    MISSING if services[i] is None else str(services[i]),
                    value_cell(declared[i], seconds=False),
                    format_number(float(scores[i])),
                    format_seconds(float(resolve[i])),
                ]
                for rank, i in enumerate(range(len(top)), start=1)
            ],
            [True, False, False, False, False, True, True],
        )
    if result.unknown_impact:
        section.notes.append(
            f"{result.unknown_impact:,} incidents have an unknown impact score "
            "(the record lacks what the score needs): left out of this ranking."
        )
    if not len(top):
        section.notes.append("No incident of the period has a known impact score.")
    return section


def _review_fragment(result: Review) -> str:
    return result._fragment()


_display.html.register(Review, _review_fragment)
