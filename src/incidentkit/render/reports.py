"""Every result as a report model, and that model as the result's ``str()``.

A result (a :class:`~incidentkit.GroupStats`, a
:class:`~incidentkit.Milestones`, a findings list...) is turned here into
the report model of :mod:`incidentkit.render.document`: a heading, a few
lines and :class:`~incidentkit.render.document.Section` blocks whose cells
are already text. :func:`~incidentkit.render.document.render_text` writes
it as the result's ``__str__`` (registered with
:func:`incidentkit._display.text`, so that the result classes, in lower
layers, never import this one), and
:func:`~incidentkit.render.html.report_html` writes the same model as the
notebook fragment of the results by group: both show the same cells,
formatted by one rule.

The rules of the cells: durations read as ``2h 30m``
(:func:`~incidentkit._format.format_seconds`), other numbers with three
significant digits (:func:`~incidentkit._format.format_number`), a missing
value as ``—``, and a value that cannot be given says why in words (``too
few incidents``, ``not reached``), with the full reason in a note below.

Example:
    >>> import incidentkit as ik
    >>> print(ik.phase_durations(ik.example()).milestones)
    Milestones
      started       2024-01-15 14:15 UTC
      detected      2024-01-15 14:20 UTC
      acknowledged  —
      declared      2024-01-15 14:23 UTC
      identified    2024-01-15 14:45 UTC
      mitigated     2024-01-15 15:30 UTC
      resolved      2024-01-15 16:45 UTC
      —: unknown, no event or field of the record gives it
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import attrs
import numpy as np

from incidentkit import _display
from incidentkit._format import (
    MISSING,
    format_duration,
    format_number,
    format_seconds,
    format_timestamp,
)
from incidentkit.checks.findings import Finding, Findings
from incidentkit.figures.actions import ActionItemCoverage
from incidentkit.figures.communications import CommunicationsSummary
from incidentkit.figures.impact import ImpactScore
from incidentkit.figures.timeline import (
    FIGURE_NAMES,
    FIGURES,
    MILESTONE_NAMES,
    PHASE_NAMES,
    PHASES,
    Milestones,
    PhaseDurations,
)
from incidentkit.render.document import Section, render_text
from incidentkit.table.build import UNKNOWN_LEVEL
from incidentkit.table.frame import CoverageStats
from incidentkit.table.stats import (
    BootstrapStats,
    Comparison,
    GroupStats,
    IntervalStats,
    SurvivalStats,
)

__all__ = [
    "Report",
    "action_item_coverage_report",
    "bootstrap_stats_report",
    "communications_summary_report",
    "comparison_report",
    "coverage_stats_report",
    "findings_report",
    "group_labels",
    "group_stats_report",
    "impact_score_report",
    "interval_stats_report",
    "is_duration",
    "key_label",
    "milestones_report",
    "phase_durations_report",
    "survival_stats_report",
    "text",
    "value_cell",
]

#: Groups shown of a result by group; the rest are counted in a note.
MAX_GROUPS: Final = 200

#: What a statistic a group has no value for says (its ``count`` is 0).
NO_VALUE_NOTE: Final = "—: no value in the group (count 0)"


@attrs.define
class Report:
    """A report: what :func:`~incidentkit.render.document.render_text` writes.

    Attributes:
        heading: The first line.
        detail: A short qualifier of the heading (``3 groups``).
        lines: Lines of facts under the heading.
        sections: The blocks.
    """

    heading: str
    detail: str = ""
    lines: list[str] = attrs.field(factory=list)
    sections: list[Section] = attrs.field(factory=list)


def text(report: Report) -> str:
    """A report as plain text, without the final newline (a ``__str__``)."""
    heading = f"{report.heading}: {report.detail}" if report.detail else report.heading
    return render_text(heading, report.lines, report.sections).rstrip("\n")


# --- cells -------------------------------------------------------------------


def is_duration(column: object) -> bool:
    """Whether a column holds seconds between milestones (a figure or phase)."""
    return column in FIGURE_NAMES or column in PHASE_NAMES


def value_cell(value: object, seconds: bool) -> str:
    """One value of a table or a statistic, as text.

    Example:
        >>> value_cell(3449.5505000000003, True), value_cell(3449.5505, False)
        ('57m 30s', '3,450')
        >>> value_cell(float("nan"), True), value_cell(np.int64(1234), False)
        ('—', '1,234')
    """
    if value is None:
        return MISSING
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return MISSING
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


def key_label(value: object, key: str | None) -> str:
    """One value of a grouping key, as text: a severity level as ``SEV1``.

    Example:
        >>> key_label(1, "severity"), key_label(-1, "severity"), key_label(3, None)
        ('SEV1', 'unknown', '3')
    """
    if key == "severity" and isinstance(value, (int, np.integer)):
        return "unknown" if value == UNKNOWN_LEVEL else f"SEV{int(value)}"
    return value_cell(value, seconds=False)


def group_labels(stats: Any) -> list[str]:
    """A printable label per group: ``SEV1``, ``2024-01``, ``a / b``."""
    groups = np.asarray(stats.groups)
    keys = tuple(getattr(stats, "by", ()) or ())
    if groups.dtype.names:
        return [
            " / ".join(key_label(row[name], name) for name in groups.dtype.names)
            for row in groups
        ]
    key = keys[0] if len(keys) == 1 else None
    # tolist() turns numpy scalars of labels into Python ones; datetime64
    # groups (months) stay numpy, for value_cell's calendar formatting.
    values = groups.tolist() if groups.dtype.kind in "OUiu" else list(groups)
    return [key_label(value, key) for value in values]


def _key_header(stats: Any) -> str:
    return " / ".join(tuple(getattr(stats, "by", ()) or ())) or "group"


def _title(what: str, stats: Any) -> str:
    keys = tuple(getattr(stats, "by", ()) or ())
    return what + (f" by {', '.join(keys)}" if keys else "")


def _groups_detail(count: int) -> str:
    return f"{count:,} {'group' if count == 1 else 'groups'}"


def _count(value: object) -> str:
    return f"{int(value):,}"  # type: ignore[call-overload]


def _shown(labels: list[str], notes: list[str]) -> list[str]:
    hidden = len(labels) - MAX_GROUPS
    if hidden > 0:
        notes.append(f"… and {hidden:,} more groups")
    return labels[:MAX_GROUPS]


# --- results by group --------------------------------------------------------

_GROUP_STATS: Final = ("median", "p90", "p95", "mean", "min", "max")


def group_stats_report(stats: GroupStats, *, seconds: bool | None = None) -> Report:
    """Grouped statistics: one row per group, with its sample size.

    Args:
        stats: A :class:`~incidentkit.GroupStats`.
        seconds: Show the values as durations; by default they are when the
            column is one of the figures or phases (seconds).

    Example:
        >>> import incidentkit as ik
        >>> table = ik.IncidentTable.from_records([ik.example()])
        >>> print(table.group_stats("time_to_resolve", by="severity"))
        time_to_resolve by severity: 1 group
        <BLANKLINE>
          severity  count  missing  zero  negative  invalid  median     p90     p95    mean     min     max
          SEV1          1        0     0         0        0  2h 30m  2h 30m  2h 30m  2h 30m  2h 30m  2h 30m
    """  # noqa: E501 (a table as printed)
    column = getattr(stats, "column", None)
    as_time = is_duration(column) if seconds is None else seconds
    # Zero, negative and invalid counts, when the summary has them (a
    # GroupStats does; a look-alike built by hand may not).
    counts = [name for name in ("zero", "negative", "invalid") if hasattr(stats, name)]
    notes: list[str] = []
    labels = group_labels(stats)
    rows: list[Sequence[str]] = []
    for i, label in enumerate(_shown(labels, notes)):
        row = [label, _count(stats.count[i]), _count(stats.missing[i])]
        row.extend(_count(getattr(stats, name)[i]) for name in counts)
        row.extend(
            value_cell(float(getattr(stats, name)[i]), as_time) for name in _GROUP_STATS
        )
        rows.append(row)
    if any(int(count) == 0 for count in stats.count[: len(rows)]):
        notes.insert(0, NO_VALUE_NOTE)
    _left_out(stats, notes)
    part = Section("", notes=notes)
    part.table(
        (_key_header(stats), "count", "missing", *counts, *_GROUP_STATS),
        rows,
        (False, *([True] * (2 + len(counts) + len(_GROUP_STATS)))),
    )
    title = _title(str(column) if column else "Group statistics", stats)
    return Report(title, _groups_detail(len(labels)), sections=[part])


def _left_out(stats: object, notes: list[str]) -> None:
    """The rows ``maintenance=`` left out of a statistic, said in a note."""
    # A look-alike built by hand may have no note.
    note = getattr(stats, "note", None)
    if isinstance(note, str):
        notes.append(note)


def _interval(stats: BootstrapStats | IntervalStats, i: int, as_time: bool) -> str:
    """The interval of group ``i``, or the first words of why there is none."""
    reason = stats.reason[i]
    if reason is not None:
        # The first words ("too few incidents"); the whole reason is a note.
        return str(reason).split(":")[0]
    low = value_cell(float(stats.low[i]), as_time)
    high = value_cell(float(stats.high[i]), as_time)
    return f"{low} – {high}"


def _reasons(
    stats: BootstrapStats | IntervalStats, labels: list[str], notes: list[str]
) -> None:
    notes.extend(
        f"{label}: {stats.reason[i]}"
        for i, label in enumerate(labels)
        if stats.reason[i] is not None
    )


def bootstrap_stats_report(stats: BootstrapStats) -> Report:
    """A statistic by group with its bootstrap interval, or why it has none.

    Example:
        >>> import incidentkit as ik
        >>> table = ik.IncidentTable.from_records([ik.example()] * 3)
        >>> print(table.bootstrap("time_to_resolve", by="severity", n=50, seed=1))
        median of time_to_resolve by severity: bootstrap, 50 resamples
        <BLANKLINE>
          severity  count  median             95% CI
          SEV1          3  2h 30m  too few incidents
          SEV1: too few incidents: a bootstrap interval of a median needs 30, this group has 3
    """  # noqa: E501 (a table as printed)
    as_time = is_duration(stats.column)
    notes: list[str] = []
    labels = _shown(group_labels(stats), notes)
    rows: list[Sequence[str]] = [
        (
            label,
            _count(stats.count[i]),
            value_cell(float(stats.estimate[i]), as_time),
            _interval(stats, i, as_time),
        )
        for i, label in enumerate(labels)
    ]
    _reasons(stats, labels, notes)
    _left_out(stats, notes)
    part = Section("", notes=notes)
    part.table(
        (_key_header(stats), "count", stats.stat, f"{stats.confidence:.0%} CI"),
        rows,
        (False, True, True, True),
    )
    title = _title(f"{stats.stat} of {stats.column}", stats)
    return Report(title, f"bootstrap, {stats.n:,} resamples", sections=[part])


def interval_stats_report(stats: IntervalStats) -> Report:
    """A statistic by group with its interval and the confidence it reaches.

    Example:
        >>> import incidentkit as ik
        >>> table = ik.IncidentTable.from_records([ik.example()] * 3)
        >>> print(table.intervals("time_to_resolve", by="severity"))
        median of time_to_resolve by severity: order statistics
        <BLANKLINE>
          severity  count  median       95% interval  reached
          SEV1          3  2h 30m  too few incidents        —
          SEV1: too few incidents: a 95% interval of a median needs 6, this group has 3
    """
    as_time = is_duration(stats.column)
    notes: list[str] = []
    labels = _shown(group_labels(stats), notes)
    rows: list[Sequence[str]] = []
    for i, label in enumerate(labels):
        if stats.reason[i] is None:
            reached = float(stats.reached[i])
            # Bootstrap intervals have no exact coverage, only simulated.
            level = "simulated" if math.isnan(reached) else f"{reached:.1%}"
        else:
            level = MISSING
        rows.append(
            (
                label,
                _count(stats.count[i]),
                value_cell(float(stats.estimate[i]), as_time),
                _interval(stats, i, as_time),
                level,
            )
        )
    _reasons(stats, labels, notes)
    _left_out(stats, notes)
    part = Section("", notes=notes)
    part.table(
        (
            _key_header(stats),
            "count",
            stats.stat,
            f"{stats.confidence:.0%} interval",
            "reached",
        ),
        rows,
        (False, True, True, True, True),
    )
    title = _title(f"{stats.stat} of {stats.column}", stats)
    return Report(title, stats.method, sections=[part])


#: What a Kaplan–Meier quantile the estimate never reaches says.
NOT_REACHED: Final = "not reached"


def survival_stats_report(stats: SurvivalStats) -> Report:
    """Kaplan–Meier quantiles by group, saying which are not reached yet.

    Example:
        >>> import incidentkit as ik
        >>> table = ik.IncidentTable.from_records([ik.example()] * 2)
        >>> print(table.survival(by="severity"))  # doctest: +NORMALIZE_WHITESPACE
        time_to_resolve by severity, open incidents as lasting at least their age: 1 group
        <BLANKLINE>
          severity  count  ended  still open  missing  invalid  median     p90     p95
          SEV1          2      2           0        0        0  2h 30m  2h 30m  2h 30m
    """  # noqa: E501 (a table as printed)
    as_time = is_duration(stats.column)
    notes: list[str] = []
    labels = _shown(group_labels(stats), notes)
    rows: list[Sequence[str]] = []
    unreached = empty = False
    for i, label in enumerate(labels):
        row = [
            label,
            _count(stats.count[i]),
            _count(stats.ended[i]),
            _count(stats.censored[i]),
            _count(stats.missing[i]),
            _count(stats.invalid[i]),
        ]
        for name in ("median", "p90", "p95"):
            value = float(getattr(stats, name)[i])
            if not math.isnan(value):
                row.append(value_cell(value, as_time))
            elif int(stats.count[i]) == 0:
                row.append(MISSING)
                empty = True
            else:
                row.append(NOT_REACHED)
                unreached = True
        rows.append(row)
    if empty:
        notes.insert(0, NO_VALUE_NOTE)
    if unreached:
        notes.insert(
            0,
            f"{NOT_REACHED}: too many of the group are still open to say by when "
            "that share of it ends",
        )
    _left_out(stats, notes)
    part = Section("", notes=notes)
    part.table(
        (
            _key_header(stats),
            "count",
            "ended",
            "still open",
            "missing",
            "invalid",
            "median",
            "p90",
            "p95",
        ),
        rows,
        (False, *([True] * 8)),
    )
    title = _title(stats.column, stats) + (
        ", open incidents as lasting at least their age"
        + (f" on {stats.as_of}" if stats.as_of else "")
    )
    return Report(title, _groups_detail(len(group_labels(stats))), sections=[part])


def coverage_stats_report(stats: CoverageStats) -> Report:
    """Action-item coverage by group.

    Example:
        >>> import incidentkit as ik
        >>> from datetime import date
        >>> table = ik.IncidentTable.from_records([ik.example()],
        ...                                       as_of=date(2024, 1, 30))
        >>> print(table.action_item_coverage(by="severity"))
        Action-item coverage by severity: 1 group
        <BLANKLINE>
          severity  incidents  requiring  covered  share  missing detection  missing prevention  items  open  overdue  with overdue
          SEV1              1          1        1   100%                  0                   0      5     5        2             1
    """  # noqa: E501 (a table as printed)
    notes: list[str] = []
    labels = _shown(group_labels(stats), notes)
    overdue = stats.overdue_items is not None and stats.with_overdue is not None
    rows: list[Sequence[str]] = []
    for i, label in enumerate(labels):
        share = float(stats.share[i])
        row = [
            label,
            _count(stats.incidents[i]),
            _count(stats.requiring[i]),
            _count(stats.covered[i]),
            MISSING if math.isnan(share) else f"{share:.0%}",
        ]
        row.extend(_count(counts[i]) for counts in stats.missing.values())
        row.extend([_count(stats.items[i]), _count(stats.open_items[i])])
        if stats.overdue_items is not None and stats.with_overdue is not None:
            row.extend([_count(stats.overdue_items[i]), _count(stats.with_overdue[i])])
        rows.append(row)
    if any(math.isnan(float(share)) for share in stats.share[: len(rows)]):
        notes.insert(0, "share —: no incident of the group requires an item type")
    if not overdue:
        notes.append("overdue items unknown: the table has no as_of to compare with")
    header = [
        _key_header(stats),
        "incidents",
        "requiring",
        "covered",
        "share",
        *(f"missing {kind}" for kind in stats.missing),
        "items",
        "open",
    ]
    if overdue:
        header.extend(["overdue", "with overdue"])
    _left_out(stats, notes)
    part = Section("", notes=notes)
    part.table(header, rows, (False, *([True] * (len(header) - 1))))
    title = _title("Action-item coverage", stats)
    return Report(title, _groups_detail(len(group_labels(stats))), sections=[part])


# --- comparisons -------------------------------------------------------------


def comparison_report(result: Comparison) -> Report:
    """A comparison: its summary in words, the first line as the heading.

    Example:
        >>> from incidentkit.table.stats import compare_samples
        >>> result = compare_samples([60, 120, 180], [120, 240, 360], seed=1,
        ...                          unit="s", column="time_to_resolve")
        >>> report = comparison_report(result)
        >>> report.heading
        'median time_to_resolve: 2m (n=3) vs 4m (n=3)'
    """
    first, *rest = result.summary().splitlines()
    return Report(first, lines=rest)


# --- one incident ------------------------------------------------------------

_UNKNOWN_MILESTONE: Final = "—: unknown, no event or field of the record gives it"


def milestones_report(found: Milestones) -> Report:
    """The seven milestones, each a UTC moment or ``—`` when unknown."""
    part = Section(
        "",
        pairs=[
            (name, format_timestamp(getattr(found, name))) for name in MILESTONE_NAMES
        ],
    )
    if any(moment is None for moment in found):
        part.notes.append(_UNKNOWN_MILESTONE)
    return Report("Milestones", sections=[part])


def _phase_rows(durations: PhaseDurations) -> tuple[list[Sequence[str]], ...]:
    # Name, from → to, duration: of the figures, then of the phases.
    figures: list[Sequence[str]] = [
        (name, " → ".join(FIGURES[name]), format_duration(span))
        for name, span in durations.figures.items()
    ]
    phases: list[Sequence[str]] = [
        (name, " → ".join(PHASES[name]), format_duration(span))
        for name, span in durations.phases.items()
    ]
    return figures, phases


def phase_durations_report(durations: PhaseDurations) -> Report:
    """The figures and the phases of one incident, each from → to.

    Example:
        >>> import incidentkit as ik
        >>> print(ik.phase_durations(ik.example()))  # doctest: +ELLIPSIS
        Durations
        <BLANKLINE>
        Figures
          figure               from → to               duration
          time_to_detect       started → detected            5m
          ...
    """
    figures, phases = _phase_rows(durations)
    header = ("from → to", "duration")
    first = Section("Figures")
    first.table(("figure", *header), figures, (False, False, True))
    second = Section("Phases")
    second.table(("phase", *header), phases, (False, False, True))
    # Each table says what its own unknown and negative spans mean.
    for section, spans in (
        (first, durations.figures.values()),
        (second, durations.phases.values()),
    ):
        if any(span is None for span in spans):
            section.notes.append(
                "—: unknown, a milestone it is measured from is unknown"
            )
        if any(span is not None and span.total_seconds() < 0 for span in spans):
            section.notes.append("negative: the milestones are out of order")
    return Report("Durations", sections=[first, second])


def impact_score_report(score: ImpactScore) -> Report:
    """An impact score with each component's weight, value and points.

    Example:
        >>> import incidentkit as ik
        >>> print(ik.impact_score(ik.example()))  # doctest: +ELLIPSIS
        Impact score 41.6 / 100
        user-minutes 937,500
        impact duration 1h 15m
        <BLANKLINE>
        Components
          component            group     weight  value  points
          users_share          breadth       10  0.450    4.50
        ...
    """
    heading = (
        f"Impact score unknown ({score.reason})"
        if score.score is None
        else f"Impact score {score.score:.1f} / 100"
    )
    lines = [
        f"user-minutes {format_number(score.user_minutes)}",
        f"impact duration {format_duration(score.impact_duration)}",
    ]
    part = Section("Components")
    part.table(
        ("component", "group", "weight", "value", "points"),
        [
            (
                name,
                component.group,
                format_number(component.weight),
                f"{component.value:.3f}",
                f"{component.contribution:.2f}",
            )
            for name, component in score.components.items()
        ],
        (False, False, True, True, True),
    )
    return Report(heading, lines=lines, sections=[part])


def _judged(broken: bool | None) -> str:
    return {True: "broken", False: "kept", None: "not judged (no update followed)"}[
        broken
    ]


def communications_summary_report(summary: CommunicationsSummary) -> Report:
    """Updates, gaps and promises of one incident's external communications.

    Example:
        >>> import incidentkit as ik
        >>> print(ik.communications_summary(ik.example()))  # doctest: +ELLIPSIS
        Communications
        <BLANKLINE>
          external updates      4
          time to first update  7m
          longest gap           1h 30m
        ...
    """
    facts = Section(
        "",
        pairs=[
            ("external updates", f"{len(summary.external_updates):,}"),
            ("time to first update", format_duration(summary.time_to_first_update)),
            ("longest gap", format_duration(max(summary.gaps, default=None))),
            ("gaps over the limit", f"{len(summary.long_gaps):,}"),
            ("promises", f"{len(summary.promises):,}"),
            ("broken promises", f"{len(summary.broken_promises):,}"),
        ],
    )
    if summary.time_to_first_update is None:
        facts.notes.append("time to first update —: no update, or no declared time")
    sections = [facts]
    if summary.promises:
        promises = Section("Promises")
        promises.table(
            ("made at", "promised by", "next update", "kept"),
            [
                (
                    format_timestamp(promise.made_at),
                    format_timestamp(promise.promised_by),
                    format_timestamp(promise.next_update_at),
                    _judged(promise.broken),
                )
                for promise in summary.promises
            ],
        )
        sections.append(promises)
    return Report("Communications", sections=sections)


def _positions(values: Sequence[int]) -> str:
    return ", ".join(str(value) for value in values) or "none"


def action_item_coverage_report(coverage: ActionItemCoverage) -> Report:
    """Action items by type, required types missing, and items needing care.

    Example:
        >>> import incidentkit as ik
        >>> from datetime import date
        >>> print(ik.action_item_coverage(ik.example(), as_of=date(2024, 1, 30)))
        ... # doctest: +ELLIPSIS
        Action items: as of 2024-01-30
        <BLANKLINE>
        By type
          type           items
          detection          1
        ...
          overdue           0, 2
        ...
    """
    by_type = Section("By type")
    by_type.table(
        ("type", "items"),
        [(kind, f"{count:,}") for kind, count in coverage.by_type.items()],
        (False, True),
    )
    facts = Section(
        "Items",
        detail="positions in action_items",
        pairs=[
            ("required types", ", ".join(sorted(coverage.required_types)) or "none"),
            ("missing types", ", ".join(sorted(coverage.missing_types)) or "none"),
            ("overdue", _positions(coverage.overdue)),
            ("without owner", _positions(coverage.without_owner)),
            ("without deadline", _positions(coverage.without_deadline)),
        ],
    )
    sections = [by_type, facts]
    if coverage.unaddressed_factors:
        factors = Section("Contributing factors no item addresses")
        factors.notes.extend(coverage.unaddressed_factors)
        sections.append(factors)
    return Report("Action items", f"as of {coverage.as_of.isoformat()}", [], sections)


# --- findings ----------------------------------------------------------------


def findings_report(findings: Sequence[Finding]) -> Report:
    """A list of check findings, one row each, with the count of each level.

    Example:
        >>> import incidentkit as ik
        >>> print(ik.check(ik.example()))  # doctest: +ELLIPSIS
        Findings: 5 warning
        <BLANKLINE>
          level    code   path                           message
          warning  IK503  action_items[1].deadline       action_items[1] 'Implement ...
          ...
        >>> print(ik.Findings())
        Findings: no findings
    """
    if not findings:
        return Report("Findings", "no findings")
    counts: dict[str, int] = {}
    for finding in findings:
        counts[str(finding.level)] = counts.get(str(finding.level), 0) + 1
    detail = ", ".join(f"{count} {level}" for level, count in counts.items())
    part = Section("")
    part.table(
        ("level", "code", "path", "message"),
        [
            (str(finding.level), finding.code, finding.path or "$", finding.message)
            for finding in findings
        ],
    )
    return Report("Findings", detail, sections=[part])


# --- registrations -----------------------------------------------------------


def _register() -> None:
    # Calls rather than decorators: a function decorated with ``register``
    # loses its signature for type checkers.
    builders: list[tuple[type[Any], Any]] = [
        (GroupStats, group_stats_report),
        (BootstrapStats, bootstrap_stats_report),
        (IntervalStats, interval_stats_report),
        (SurvivalStats, survival_stats_report),
        (CoverageStats, coverage_stats_report),
        (Milestones, milestones_report),
        (PhaseDurations, phase_durations_report),
        (ImpactScore, impact_score_report),
        (CommunicationsSummary, communications_summary_report),
        (ActionItemCoverage, action_item_coverage_report),
        (Findings, findings_report),
    ]
    for kind, build in builders:
        _display.text.register(kind, lambda obj, build=build: text(build(obj)))


_register()
