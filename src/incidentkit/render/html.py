"""Rich display in notebooks: HTML renderings of records and results.

Jupyter shows an object through its ``_repr_html_`` method. The record and
result classes are frozen attrs classes defined in lower layers, which do not
import this one: each ``_repr_html_`` calls :func:`incidentkit._display.html`,
which dispatches to the function here registered for the class, so that all
the markup (and all its escaping) lives in one module. Every piece of text
taken from a record goes through :func:`html.escape`: a title such as
``<script>`` renders as text.

The functions return a self-contained HTML fragment (no scripts, inline
styles only), which notebooks, Sphinx galleries and e-mail clients all render.

Example:
    >>> import incidentkit as ik
    >>> fragment = record_html(ik.example())
    >>> fragment.startswith('<div class="incidentkit">')
    True
    >>> "Payment Service Degradation" in fragment
    True
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np

from incidentkit import _display
from incidentkit._format import MISSING as _MISSING
from incidentkit._format import (
    escape_surrogates,
    format_duration,
    format_number,
    format_seconds,
    format_timestamp,
)
from incidentkit.checks.findings import Finding
from incidentkit.checks.findings import Findings as Findings
from incidentkit.figures.actions import ActionItemCoverage
from incidentkit.figures.communications import CommunicationsSummary
from incidentkit.figures.impact import ImpactScore
from incidentkit.figures.incident import phase_durations
from incidentkit.figures.timeline import (
    FIGURE_NAMES,
    FIGURES,
    MILESTONE_NAMES,
    PHASE_NAMES,
    PHASES,
    PhaseDurations,
)
from incidentkit.records.schema import IncidentRecord
from incidentkit.render.document import Section
from incidentkit.table.frame import IncidentTable
from incidentkit.table.stats import BootstrapStats, GroupStats, IntervalStats

__all__ = [
    "MAX_EVENTS",
    "MAX_ROWS",
    "action_item_coverage_html",
    "bootstrap_stats_html",
    "communications_summary_html",
    "findings_html",
    "format_duration",
    "format_number",
    "format_seconds",
    "format_timestamp",
    "group_stats_html",
    "impact_score_html",
    "interval_stats_html",
    "phase_durations_html",
    "record_html",
    "render_html",
    "table_html",
]

#: Events shown in a record's timeline before the rest are summarised.
MAX_EVENTS: Final = 40
#: Rows shown of a findings list or a table's head.
MAX_ROWS: Final = 50

# Every selector names the wrapper div, its class, the table and the table's
# class: specificity (0,2,3) for a cell, above JupyterLab's
# ".jp-RenderedHTMLCommon td" (0,1,1) and its other table rules, which
# otherwise right-align every cell (a plain browser and classic Notebook
# showed it fine). No !important, so a user's own stylesheet can still win.
_STYLE: Final = (
    "<style>"
    "div.incidentkit table.ik-table{border-collapse:collapse;margin:0.3em 0 0.6em 0}"
    "div.incidentkit table.ik-table th,div.incidentkit table.ik-table td"
    "{padding:0.15em 0.6em;text-align:left;vertical-align:top}"
    "div.incidentkit table.ik-table td.num"
    "{text-align:right;font-variant-numeric:tabular-nums}"
    "div.incidentkit .muted{opacity:0.65}"
    "</style>"
)

_LEVEL_COLOURS: Final = {"error": "#c62828", "warning": "#ef6c00", "info": "#1565c0"}


# --- HTML building blocks -------------------------------------------------------


def _e(value: object) -> str:
    # Lone surrogates as escapes: the notebook sends HTML as UTF-8, which
    # cannot hold them (and &#xd800; is read as U+FFFD, hiding the value).
    return html.escape(escape_surrogates(str(value)), quote=True)


def _wrap(*parts: str) -> str:
    return '<div class="incidentkit">' + _STYLE + "".join(parts) + "</div>"


def _table_tag(head: str, rows: list[str]) -> str:
    # The class is what the scoped style selects (see _STYLE).
    body = "".join(rows)
    return (
        f"<table class='ik-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _heading(text: str, detail: str = "") -> str:
    extra = f' <span class="muted">{_e(detail)}</span>' if detail else ""
    return f"<div><strong>{_e(text)}</strong>{extra}</div>"


def _table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Sequence[bool] = (),
) -> str:
    head = "".join(f"<th>{_e(name)}</th>" for name in header)
    body = []
    for row in rows:
        cells = []
        for position, cell in enumerate(row):
            right = position < len(numeric) and numeric[position]
            attribute = ' class="num"' if right else ""
            cells.append(f"<td{attribute}>{_e(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return _table_tag(head, body)


def _note(text: str) -> str:
    return f'<div class="muted">{_e(text)}</div>'


def _kind_note(stats: object) -> str:
    """The rows ``maintenance=`` left out, as a note (empty when none were)."""
    # A look-alike built by hand may have no note.
    note = getattr(stats, "note", None)
    return _note(note) if isinstance(note, str) else ""


def _indices(values: Sequence[int]) -> str:
    return ", ".join(str(value) for value in values) or "none"


def render_html(heading: str, lines: Sequence[str], sections: list[Section]) -> str:
    """A report model (:mod:`incidentkit.render.document`) as a notebook fragment.

    The same model the command line writes as text and Markdown, so that the
    three show the same content; every piece of text is escaped by
    :func:`_e`.

    Example:
        >>> from incidentkit.render.document import Section
        >>> part = Section("Durations")
        >>> part.table(["figure", "duration"], [["time_to_resolve", "2h 30m"]])
        >>> out = render_html("INC-1 · <b>", ["severity SEV1"], [part])
        >>> "&lt;b&gt;" in out and "<td>2h 30m</td>" in out
        True
    """
    parts = [_heading(heading)]
    parts.extend(_note(line) for line in lines)
    for section in sections:
        if section.title:
            parts.append(_heading(section.title, section.detail))
        if section.pairs:
            parts.append(_table(["", ""], section.pairs))
        for header, rows, numeric in section.tables:
            parts.append(_table(header, rows, numeric=numeric))
        parts.extend(_note(note) for note in section.notes)
    return _wrap(*parts)


# --- one incident -----------------------------------------------------------------


def record_html(rec: IncidentRecord, *, max_events: int = MAX_EVENTS) -> str:
    """A compact summary of a record: header, milestones and timeline.

    Args:
        rec: The record.
        max_events: Timeline rows shown; the rest are counted.

    Example:
        >>> import attrs, incidentkit as ik
        >>> rec = ik.example()
        >>> bad = attrs.evolve(rec, incident=attrs.evolve(
        ...     rec.incident, title="<script>alert(1)</script>"))
        >>> "<script>" in record_html(bad)
        False
        >>> "&lt;script&gt;alert(1)&lt;/script&gt;" in record_html(bad)
        True
    """
    incident = rec.incident
    durations = phase_durations(rec)
    level = incident.severity_level
    severity = (
        "unknown"
        if incident.severity is None
        else incident.severity
        if level is None
        else f"{incident.severity} ({level})"
    )
    summary = _table(
        ("severity", "status", "service", "declared", "resolved", "time to resolve"),
        [
            (
                severity,
                incident.status,
                incident.service or _MISSING,
                format_timestamp(incident.declared_at),
                format_timestamp(incident.resolved_at),
                format_duration(durations.time_to_resolve),
            )
        ],
    )
    found = durations.milestones
    marks = _table(
        MILESTONE_NAMES,
        [[format_timestamp(getattr(found, name)) for name in MILESTONE_NAMES]],
    )
    events = sorted(rec.events, key=lambda event: event.timestamp)
    shown = events[: max(0, max_events)]
    timeline = _table(
        ("time", "type", "actor", "description"),
        [
            (
                format_timestamp(event.timestamp),
                event.type.value,
                event.actor or "",
                event.description or "",
            )
            for event in shown
        ],
    )
    hidden = len(events) - len(shown)
    more = _note(f"… and {hidden} more events") if hidden else ""
    counts = (
        f"{len(rec.events)} events, "
        f"{len(rec.communications or ())} communications, "
        f"{len(rec.action_items)} action items"
    )
    return _wrap(
        _heading(f"{incident.id} · {incident.title}", counts),
        summary,
        _heading("Milestones"),
        marks,
        _heading("Timeline"),
        timeline,
        more,
    )


def phase_durations_html(durations: PhaseDurations) -> str:
    """The figures and the phases, each with where it starts and ends.

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.figures.incident import phase_durations
        >>> "2h 30m" in phase_durations_html(ik.phase_durations(ik.example()))
        True
    """
    figures = _table(
        ("figure", "from → to", "duration"),
        [
            (name, " → ".join(FIGURES[name]), format_duration(span))
            for name, span in durations.figures.items()
        ],
        numeric=(False, False, True),
    )
    phases = _table(
        ("phase", "from → to", "duration"),
        [
            (name, " → ".join(PHASES[name]), format_duration(span))
            for name, span in durations.phases.items()
        ],
        numeric=(False, False, True),
    )
    return _wrap(_heading("Figures"), figures, _heading("Phases"), phases)


def impact_score_html(score: ImpactScore) -> str:
    """An impact score with each component's weight, value and points.

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.figures.incident import impact_score
        >>> "users_share" in impact_score_html(ik.impact_score(ik.example()))
        True
    """
    rows = [
        (
            name,
            component.group,
            format_number(component.weight),
            f"{component.value:.3f}",
            f"{component.contribution:.2f}",
        )
        for name, component in score.components.items()
    ]
    components = _table(
        ("component", "group", "weight", "value", "points"),
        rows,
        numeric=(False, False, True, True, True),
    )
    minutes = score.user_minutes
    detail = f"user-minutes {format_number(minutes)}"
    heading = (
        f"Impact score unknown ({score.reason})"
        if score.score is None
        else f"Impact score {score.score:.1f} / 100"
    )
    return _wrap(_heading(heading, detail), components)


def communications_summary_html(summary: CommunicationsSummary) -> str:
    """Updates, gaps and promises of one incident's external communications.

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.figures.incident import communications_summary
        >>> "broken" in communications_summary_html(
        ...     ik.communications_summary(ik.example()))
        True
    """
    facts = _table(
        (
            "external updates",
            "time to first update",
            "longest gap",
            "promises",
            "broken",
        ),
        [
            (
                len(summary.external_updates),
                format_duration(summary.time_to_first_update),
                format_duration(max(summary.gaps, default=None)),
                len(summary.promises),
                len(summary.broken_promises),
            )
        ],
    )
    promises = ""
    if summary.promises:
        promises = _table(
            ("made at", "promised by", "next update", "kept"),
            [
                (
                    format_timestamp(promise.made_at),
                    format_timestamp(promise.promised_by),
                    format_timestamp(promise.next_update_at),
                    {True: "broken", False: "kept", None: "not judged"}[promise.broken],
                )
                for promise in summary.promises
            ],
        )
    return _wrap(_heading("Communications"), facts, promises)


def action_item_coverage_html(coverage: ActionItemCoverage) -> str:
    """Action items by type, required types missing, and items needing care.

    Example:
        >>> from types import SimpleNamespace as S
        >>> cov = S(by_type={"prevention": 2}, required_types=frozenset(
        ...     {"prevention", "detection"}), missing_types=frozenset({"detection"}),
        ...     overdue=(1,), without_owner=(), without_deadline=(),
        ...     unaddressed_factors=())
        >>> "detection" in action_item_coverage_html(cov)
        True
    """
    by_type = _table(
        ("type", "items"),
        list(coverage.by_type.items()),  # canonical types first, in order
        numeric=(False, True),
    )
    facts = _table(
        ("required", "missing", "overdue", "without owner", "without deadline"),
        [
            (
                ", ".join(sorted(coverage.required_types)) or "none",
                ", ".join(sorted(coverage.missing_types)) or "none",
                _indices(coverage.overdue),
                _indices(coverage.without_owner),
                _indices(coverage.without_deadline),
            )
        ],
    )
    factors = ""
    if coverage.unaddressed_factors:
        factors = _heading("Contributing factors no item addresses") + _table(
            ("factor",), [(factor,) for factor in coverage.unaddressed_factors]
        )
    return _wrap(_heading("Action items"), by_type, facts, factors)


# --- findings -------------------------------------------------------------------


def findings_html(findings: Sequence[Finding], *, max_rows: int = MAX_ROWS) -> str:
    """A list of check findings as a table, errors first in each level's colour.

    Example:
        >>> from types import SimpleNamespace as S
        >>> f = S(code="X1", level="error", path="incident.title",
        ...       message="<b>bold</b>")
        >>> "&lt;b&gt;bold&lt;/b&gt;" in findings_html([f])
        True
        >>> "no findings" in findings_html([])
        True
    """
    if not findings:
        return _wrap(_heading("Findings", "no findings"))
    counts: dict[str, int] = {}
    for finding in findings:
        counts[str(finding.level)] = counts.get(str(finding.level), 0) + 1
    detail = ", ".join(f"{count} {level}" for level, count in counts.items())
    rows = []
    for finding in list(findings)[: max(0, max_rows)]:
        level = str(finding.level)
        colour = _LEVEL_COLOURS.get(level)
        style = f' style="color:{colour}"' if colour else ""
        rows.append(
            "<tr>"
            f"<td{style}>{_e(level)}</td>"
            f"<td>{_e(finding.code)}</td>"
            f"<td><code>{_e(finding.path or '$')}</code></td>"
            f"<td>{_e(finding.message)}</td>"
            "</tr>"
        )
    head = "".join(f"<th>{name}</th>" for name in ("level", "code", "path", "message"))
    table = _table_tag(head, rows)
    hidden = len(findings) - min(len(findings), max(0, max_rows))
    more = _note(f"… and {hidden} more findings") if hidden else ""
    return _wrap(_heading("Findings", detail), table, more)


@_display.html.register(Findings)
def _findings_fragment(findings: Findings) -> str:
    # Findings live with the checks, a lower layer (still importable from
    # here); they reach their markup through incidentkit._display. An adapter
    # keeps findings_html's own signature (register() would type it as
    # Callable[..., str]).
    return findings_html(findings)


# --- many incidents ---------------------------------------------------------------


def _is_duration(column: object) -> bool:
    return column in FIGURE_NAMES or column in PHASE_NAMES


def _value_cell(value: object, seconds: bool) -> str:
    """One value of a table or a statistic, as text."""
    if value is None:
        return _MISSING
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return _MISSING
        unit = np.datetime_data(value.dtype)[0]
        if unit in ("Y", "M", "D"):
            return str(value)
        return f"{np.datetime_as_string(value, unit='m').replace('T', ' ')} UTC"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return format_seconds(number) if seconds else format_number(number)
    return str(value)


def _group_labels(stats: GroupStats | BootstrapStats | IntervalStats) -> list[str]:
    """A printable label per group: ``SEV1``, ``2024-01``, ``a / b``."""
    groups = np.asarray(stats.groups)
    keys = tuple(getattr(stats, "by", ()) or ())

    def one(value: object, key: str | None) -> str:
        if key == "severity" and isinstance(value, (int, np.integer)):
            return f"SEV{int(value)}"
        return _value_cell(value, seconds=False)

    if groups.dtype.names:
        return [
            " / ".join(one(row[name], name) for name in groups.dtype.names)
            for row in groups
        ]
    key = keys[0] if len(keys) == 1 else None
    return (
        [one(value, key) for value in groups.tolist()]
        if groups.dtype.kind
        in (
            "O",
            "U",
            "i",
            "u",
        )
        else [one(value, key) for value in groups]
    )


def group_stats_html(stats: GroupStats, *, seconds: bool | None = None) -> str:
    """Grouped statistics as a table: one row per group, sample sizes shown.

    Args:
        stats: A :class:`~incidentkit.GroupStats`.
        seconds: Show the values as durations; by default they are when the
            column is one of the figures or phases (seconds).

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.table.frame import IncidentTable
        >>> table = IncidentTable.from_records([ik.example()])
        >>> html = group_stats_html(table.group_stats("time_to_resolve", by="severity"))
        >>> "<td>SEV1</td>" in html, "2h 30m" in html
        (True, True)
    """
    column = getattr(stats, "column", None)
    as_time = _is_duration(column) if seconds is None else seconds
    names = ("median", "p90", "p95", "mean", "min", "max")
    # Zero, negative and invalid counts, when the summary has them (a
    # GroupStats does; a look-alike built by hand may not).
    counts = [name for name in ("zero", "negative", "invalid") if hasattr(stats, name)]
    labels = _group_labels(stats)
    shown = labels[: MAX_ROWS * 4]
    rows = []
    for position, label in enumerate(shown):
        row: list[object] = [
            label,
            f"{int(stats.count[position]):,}",
            f"{int(stats.missing[position]):,}",
        ]
        row.extend(f"{int(getattr(stats, name)[position]):,}" for name in counts)
        row.extend(
            _value_cell(float(getattr(stats, name)[position]), as_time)
            for name in names
        )
        rows.append(row)
    keys = tuple(getattr(stats, "by", ()) or ())
    table = _table(
        (
            " / ".join(keys) or "group",
            "count",
            "missing",
            *counts,
            *names,
        ),
        rows,
        numeric=(False, *([True] * (2 + len(counts) + len(names)))),
    )
    title = str(column) if column else "Group statistics"
    if keys:
        title += f" by {', '.join(keys)}"
    noun = "group" if len(labels) == 1 else "groups"
    hidden = len(labels) - len(shown)
    more = _note(f"… and {hidden} more groups") if hidden else ""
    return _wrap(
        _heading(title, f"{len(labels)} {noun}"), table, more, _kind_note(stats)
    )


def bootstrap_stats_html(stats: BootstrapStats) -> str:
    """A statistic by group with its bootstrap interval and sample size.

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.table.frame import IncidentTable
        >>> table = IncidentTable.from_records([ik.example()] * 3)
        >>> ci = table.bootstrap("time_to_resolve", by="severity", n=50, seed=1)
        >>> "too few incidents" in bootstrap_stats_html(ci)
        True
        >>> ci = table.bootstrap("time_to_resolve", by="severity", n=50, seed=1,
        ...                      min_count=3)
        >>> "2h 30m – 2h 30m" in bootstrap_stats_html(ci)
        True
    """
    as_time = _is_duration(stats.column)
    labels = _group_labels(stats)
    rows = [
        (
            label,
            f"{int(stats.count[i]):,}",
            _value_cell(float(stats.estimate[i]), as_time),
            _interval_cell(stats, i, as_time),
        )
        for i, label in enumerate(labels[: MAX_ROWS * 4])
    ]
    keys = tuple(stats.by)
    table = _table(
        (
            " / ".join(keys) or "group",
            "count",
            stats.stat,
            f"{stats.confidence:.0%} CI",
        ),
        rows,
        numeric=(False, True, True, True),
    )
    title = f"{stats.stat} of {stats.column}" + (
        f" by {', '.join(keys)}" if keys else ""
    )
    detail = f"bootstrap, {stats.n:,} resamples"
    return _wrap(_heading(title, detail), table, _kind_note(stats))


def _interval_cell(stats: BootstrapStats | IntervalStats, i: int, as_time: bool) -> str:
    """The interval of group ``i``, or the first words of why there is none."""
    reason = stats.reason[i]
    if reason is not None:
        # The first words: "too few incidents" (the rest is in .reason).
        return str(reason).split(":")[0]
    return (
        f"{_value_cell(float(stats.low[i]), as_time)} – "
        f"{_value_cell(float(stats.high[i]), as_time)}"
    )


def interval_stats_html(stats: IntervalStats) -> str:
    """A statistic by group with its interval, the confidence it reaches, or why none.

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.table.frame import IncidentTable
        >>> table = IncidentTable.from_records([ik.example()] * 3)
        >>> ci = table.intervals("time_to_resolve", by="severity")
        >>> "too few incidents" in interval_stats_html(ci)
        True
    """
    as_time = _is_duration(stats.column)
    labels = _group_labels(stats)
    rows = []
    for i, label in enumerate(labels[: MAX_ROWS * 4]):
        interval = _interval_cell(stats, i, as_time)
        if stats.reason[i] is None:
            reached = float(stats.reached[i])
            level = "simulated" if math.isnan(reached) else f"{reached:.1%}"
        else:
            level = "—"
        rows.append(
            (
                label,
                f"{int(stats.count[i]):,}",
                _value_cell(float(stats.estimate[i]), as_time),
                interval,
                level,
            )
        )
    keys = tuple(stats.by)
    table = _table(
        (
            " / ".join(keys) or "group",
            "count",
            stats.stat,
            f"{stats.confidence:.0%} interval",
            "reached",
        ),
        rows,
        numeric=(False, True, True, True, True),
    )
    title = f"{stats.stat} of {stats.column}" + (
        f" by {', '.join(keys)}" if keys else ""
    )
    return _wrap(_heading(title, stats.method), table, _kind_note(stats))


#: Columns shown first in a table's preview, when present.
_PREVIEW_COLUMNS: Final = (
    "id",
    "severity_label",
    "service",
    "status",
    "declared_at",
    "resolved",
    "time_to_detect",
    "time_to_mitigate",
    "time_to_resolve",
    "impact_score",
    "action_items",
)


def table_html(table: IncidentTable, *, rows: int = 5) -> str:
    """An incident table's shape and its first rows, in its main columns.

    Args:
        table: An :class:`~incidentkit.IncidentTable`.
        rows: How many rows to show.

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.table.frame import IncidentTable
        >>> html = table_html(IncidentTable.from_records([ik.example()] * 7))
        >>> "7 incidents" in html, html.count("<td>INC-2024-0142</td>")
        (True, 5)
    """
    count = len(table)
    columns = list(table.columns)
    preview = [name for name in _PREVIEW_COLUMNS if name in columns]
    shown = min(count, max(0, rows))
    # Only the first rows are taken before reading columns: the id column of
    # a large table is decoded row by row.
    head = table[:shown]
    values = {name: head[name] for name in preview}
    body = [
        [_value_cell(values[name][row], _is_duration(name)) for name in preview]
        for row in range(shown)
    ]
    grid = _table(preview, body)
    notes = []
    if count > shown:
        notes.append(f"… {count - shown:,} more rows")
    if len(columns) > len(preview):
        notes.append(f"{len(columns) - len(preview)} more columns: table.columns")
    noun = "incident" if count == 1 else "incidents"
    return _wrap(
        _heading("IncidentTable", f"{count:,} {noun} × {len(columns)} columns"),
        grid,
        _note("; ".join(notes)) if notes else "",
    )


# --- registrations ------------------------------------------------------------------

# The results' ``_repr_html_`` call :func:`incidentkit._display.html`, which
# dispatches on the type to these. (Calls rather than decorators: a function
# decorated with ``register`` loses its signature for type checkers.)
_display.html.register(IncidentRecord, record_html)
_display.html.register(PhaseDurations, phase_durations_html)
_display.html.register(ImpactScore, impact_score_html)
_display.html.register(CommunicationsSummary, communications_summary_html)
_display.html.register(ActionItemCoverage, action_item_coverage_html)


_display.html.register(IncidentTable, table_html)
_display.html.register(GroupStats, group_stats_html)
_display.html.register(BootstrapStats, bootstrap_stats_html)
_display.html.register(IntervalStats, interval_stats_html)
