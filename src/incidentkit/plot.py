"""Plots of one incident and of many: timeline, distributions, trends.

Needs matplotlib, the ``plot`` extra (``pip install "incidentkit[plot]"``);
importing this module does not, only calling a function does. Every function
builds a :class:`matplotlib.figure.Figure` directly, without ``pyplot``: no
global figure state is touched (so nothing leaks in a long-running process),
the figure shows once when a notebook cell returns it, and
``fig.savefig("out.png")`` writes it anywhere.

Example:
    >>> import incidentkit as ik
    >>> from incidentkit import plot
    >>> fig = plot.timeline(ik.example())
    >>> fig.axes[0].get_xlabel()
    'time (UTC)'
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from incidentkit._args import positive_number
from incidentkit._format import escape_surrogates, format_number, format_seconds
from incidentkit.errors import ValidationError
from incidentkit.figures.incident import communications_summary, phase_durations
from incidentkit.figures.timeline import MILESTONE_NAMES, PHASES
from incidentkit.records.schema import EventType, IncidentRecord
from incidentkit.render.reports import is_duration, key_label
from incidentkit.table.frame import IncidentTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SEVERITY_COLOURS", "durations", "severity_colour", "timeline", "trend"]

_INSTALL: Final = 'incidentkit.plot needs matplotlib: pip install "incidentkit[plot]"'

# One colour per phase, light enough for text on top; Okabe-Ito hues, which
# stay distinct for the common forms of colour blindness.
_PHASE_COLOURS: Final = {
    "detection": "#E69F00",
    "declaration": "#56B4E9",
    "diagnosis": "#009E73",
    "mitigation": "#F0E442",
    "monitoring": "#0072B2",
}
_EVENT_STYLE: Final = {
    EventType.TRIGGER: ("#D55E00", "v"),
    EventType.DETECTION: ("#E69F00", "o"),
    EventType.ACKNOWLEDGEMENT: ("#E69F00", "d"),
    EventType.DECLARATION: ("#56B4E9", "D"),
    EventType.INVESTIGATION: ("#009E73", "s"),
    EventType.COMMUNICATION: ("#CC79A7", "P"),
    EventType.ESCALATION: ("#000000", "^"),
    EventType.MITIGATION: ("#0072B2", "X"),
    EventType.RESOLUTION: ("#009E73", "*"),
}
_GROUP_COLOURS: Final = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
#: One colour per severity level, the same in every plot (and for the user's
#: own: :func:`severity_colour`); read-only, as every shared value is.
#: Okabe-Ito hues, from the warmest for the most severe; a level beyond
#: these and an unknown one are grey.
SEVERITY_COLOURS: Final = types.MappingProxyType(
    {
        0: "#D55E00",
        1: "#E69F00",
        2: "#CC79A7",
        3: "#0072B2",
        4: "#009E73",
    }
)
_UNKNOWN_COLOUR: Final = "#999999"
_UPDATES_ROW: Final = "external updates"
#: Longest record text shown in a label or a title, in characters.
MAX_LABEL: Final = 60
#: Longest title, which names the incident and its severity.
MAX_TITLE: Final = 120


def _matplotlib() -> Any:
    try:
        import matplotlib
        import matplotlib.dates
        import matplotlib.figure
    except ImportError as exc:
        raise ImportError(_INSTALL) from exc
    return matplotlib


def _figure(width: float, height: float) -> Figure:
    mpl = _matplotlib()
    figure: Figure = mpl.figure.Figure(figsize=(width, height), layout="constrained")
    return figure


def _target(ax: object, width: float, height: float) -> tuple[Figure, Any]:
    """The figure and axes to draw in: the user's ``ax``, or a new figure's."""
    if ax is None:
        figure = _figure(width, height)
        return figure, figure.add_subplot()
    mpl = _matplotlib()
    import matplotlib.axes  # noqa: F401 - loads mpl.axes

    if not isinstance(ax, mpl.axes.Axes):
        raise ValidationError(
            [f"ax: expected a matplotlib Axes, got {type(ax).__name__} ({ax!r})"]
        )
    return ax.figure, ax


def severity_colour(level: int | None) -> str:
    """The colour of a severity level in every plot (grey when unknown).

    Example:
        >>> severity_colour(0), severity_colour(None)
        ('#D55E00', '#999999')
    """
    if level is None or not _whole(level):
        return _UNKNOWN_COLOUR
    return SEVERITY_COLOURS.get(level, _UNKNOWN_COLOUR)


def _group_colour(by: str | None, name: str, slot: int) -> str:
    # Severity keeps its colour whichever groups a plot shows; other keys
    # take the palette in order.
    if by == "severity" and name.startswith("SEV") and name[3:].isdigit():
        return severity_colour(int(name[3:]))
    return _GROUP_COLOURS[slot % len(_GROUP_COLOURS)]


def _num(moment: datetime) -> float:
    # Matplotlib's date numbers, from the naive UTC time: matplotlib reads
    # aware datetimes through its own default timezone, and the record's
    # moments are UTC whatever the user's rcParams say.
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return float(_matplotlib().dates.date2num(naive))


# --- one incident ------------------------------------------------------------------


@typing.overload
def timeline(rec: IncidentRecord, *, width: float = ..., ax: None = None) -> Figure: ...
@typing.overload
def timeline(rec: IncidentRecord, *, width: float = ..., ax: Axes) -> Axes: ...
def timeline(
    rec: IncidentRecord, *, width: float = 10.0, ax: Axes | None = None
) -> Figure | Axes:
    """One incident on a time axis.

    Each event type present has a row of markers; the five phases are shaded
    bands between their milestones (a phase with an unknown or negative span
    is left out); the milestones are dashed lines named on the top axis; and
    the external updates (see
    :func:`incidentkit.figures.communications.communications_summary`) are ticks on a
    row of their own. Times are UTC.

    Args:
        rec: The record.
        width: Figure width in inches (of a new figure).
        ax: Draw into this matplotlib ``Axes`` (of the user's own figure or
            grid) instead of a new figure.

    Returns:
        A new figure with one axes; the ``ax`` drawn into when one is given.

    Raises:
        ImportError: When matplotlib is not installed.

    Example:
        >>> import incidentkit as ik
        >>> fig = timeline(ik.example())
        >>> [t.get_text() for t in fig.axes[0].get_yticklabels()][:3]
        ['trigger', 'detection', 'declaration']
    """
    width = positive_number(width, "width")
    mpl = _matplotlib()
    mdates = mpl.dates
    found = phase_durations(rec).milestones
    updates = communications_summary(rec).external_updates

    present = [kind for kind in EventType if any(e.type is kind for e in rec.events)]
    rows = [kind.value for kind in present]
    if updates:
        rows.append(_UPDATES_ROW)
    own = ax is None
    figure, ax = _target(ax, width, 1.6 + 0.35 * max(len(rows), 2))

    for position, kind in enumerate(present):
        moments = [_num(e.timestamp) for e in rec.events if e.type is kind]
        colour, marker = _EVENT_STYLE[kind]
        ax.scatter(
            moments,
            [position] * len(moments),
            color=colour,
            marker=marker,
            s=42,
            zorder=3,
            label=f"{kind.value} ({len(moments)})",
        )
    if updates:
        ax.scatter(
            [_num(moment) for moment in updates],
            [len(rows) - 1] * len(updates),
            color="#444444",
            marker="|",
            s=260,
            linewidths=2,
            zorder=3,
            label=f"{_UPDATES_ROW} ({len(updates)})",
        )

    for phase, (start_name, end_name) in PHASES.items():
        start = getattr(found, start_name)
        end = getattr(found, end_name)
        if start is None or end is None or end <= start:
            continue
        ax.axvspan(
            _num(start),
            _num(end),
            color=_PHASE_COLOURS[phase],
            alpha=0.18,
            zorder=1,
            label=f"{phase} phase",
        )

    marked = [
        (name, _num(moment))
        for name in MILESTONE_NAMES
        if (moment := getattr(found, name)) is not None
    ]
    for _, moment in marked:
        ax.axvline(moment, color="#555555", linestyle="--", linewidth=0.8, zorder=2)

    moments = [moment for _, moment in marked]
    moments += [_num(e.timestamp) for e in rec.events]
    moments += [_num(moment) for moment in updates]
    _set_time_limits(ax, moments, mdates)
    if marked:
        ticks = _merged_ticks(marked, ax.get_xlim())
        top = ax.secondary_xaxis("top")
        top.set_xticks(
            [moment for moment, _ in ticks],
            labels=[", ".join(names) for _, names in ticks],
        )
        top.tick_params(axis="x", labelrotation=90, labelsize=7.5, length=0)

    ax.set_yticks(range(len(rows)), labels=rows)
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)  # the first row on top
    ax.set_xlabel("time (UTC)")
    # Ticks in UTC, whatever timezone the user's rcParams name.
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9, tz=timezone.utc)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=timezone.utc))
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    incident = rec.incident
    severity = "severity unknown" if incident.severity is None else incident.severity
    title = f"{incident.id} · {incident.title} ({severity})"
    ax.set_title(_literal(title, MAX_TITLE), loc="left")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
        )
    return figure if own else ax


def _merged_ticks(
    marked: Sequence[tuple[str, float]], limits: tuple[float, float]
) -> list[tuple[float, list[str]]]:
    """Milestones as top-axis ticks, those at (nearly) one moment sharing one.

    Milestones often coincide (``started`` is ``declared`` when no trigger
    is recorded); their names would print over each other. Moments closer
    than half a percent of the axis share the first one's tick.
    """
    close = (limits[1] - limits[0]) * 0.005
    ticks: list[tuple[float, list[str]]] = []
    for name, moment in sorted(marked, key=lambda pair: pair[1]):
        if ticks and moment - ticks[-1][0] <= close:
            ticks[-1][1].append(name)
        else:
            ticks.append((moment, [name]))
    return ticks


def _literal(text: str, limit: int = MAX_LABEL) -> str:
    r"""Record text as matplotlib shows it verbatim, on one bounded line.

    A pair of dollar signs would start mathtext ("lost $5 and $10",
    ``$\frac{$``), which renders wrongly or fails at draw time; escaped,
    they are plain dollars. Lone surrogates are shown as escapes (the
    font machinery cannot encode them), line breaks as spaces, and text
    over ``limit`` characters is cut with an ellipsis: laying out 100 KB of
    label text takes matplotlib most of a minute.
    """
    line = " ".join(escape_surrogates(text).split())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return line.replace("$", r"\$")


def _legend_label(text: str) -> str:
    # Matplotlib leaves labels that start with "_" out of the legend (its
    # marker for helper artists); a group may well be called "_staging".
    return " " + text if text.startswith("_") else text


def _set_time_limits(ax: Any, moments: Sequence[float], mdates: Any) -> None:
    if not moments:
        return
    low, high = min(moments), max(moments)
    pad = max((high - low) * 0.04, 1.0 / 1440)  # at least a minute each side
    # Padding must not leave the calendar (year 1 to 9999) that matplotlib
    # can turn back into dates for its ticks.
    first = float(mdates.date2num(datetime(1, 1, 1)))
    last = float(mdates.date2num(datetime(9999, 12, 31)))
    ax.set_xlim(max(first, low - pad), min(last, high + pad))


# --- many incidents --------------------------------------------------------------

# Durations people read at a glance, for the ticks of a log time axis.
_NICE_SECONDS: Final = (
    1,
    10,
    60,
    5 * 60,
    15 * 60,
    30 * 60,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    86400,
    2 * 86400,
    7 * 86400,
    30 * 86400,
    365 * 86400,
)
_TIME_UNITS: Final = (("minutes", 60.0), ("hours", 3600.0), ("days", 86400.0))


def _check_column(
    table: object, column: object, parameter: str = "column"
) -> IncidentTable:
    if not isinstance(table, IncidentTable):
        raise ValidationError(
            [f"table: expected an IncidentTable, got {type(table).__name__}"]
        )
    if not isinstance(column, str) or column not in table:
        raise ValidationError(
            [f"{parameter}: no column {column!r} (columns: {', '.join(table.columns)})"]
        )
    return table


def _groups(
    table: IncidentTable, column: str, by: str | None
) -> tuple[list[str], list[NDArray[np.float64]]]:
    """Each group's label and its values present, sorted.

    Groups come from the table's own grouping (:meth:`IncidentTable.codes`),
    in its label order; rows whose key is missing are in no group.
    """
    values = np.asarray(table[column], dtype=np.float64)
    if by is None:
        return ["all"], [np.sort(values[~np.isnan(values)])]
    codes, labels = table.codes(by)
    codes = np.asarray(codes, dtype=np.int64)
    keep = codes >= 0
    if not keep.any():
        # Nothing to draw, and no group to name: say so for the parameter
        # rather than fail in the grouping below.
        what = "a known severity" if by == "severity" else f"a value of {by!r}"
        raise ValidationError(
            [
                f"by: no incident has {what} to group by "
                f"({len(table)} rows, {by} missing in every one); "
                "pass by=None for all incidents together"
            ]
        )
    order = np.argsort(codes[keep], kind="stable")
    grouped = values[keep][order]
    sizes = np.bincount(codes[keep], minlength=len(labels))
    parts = np.split(grouped, np.cumsum(sizes)[:-1])
    names, samples = [], []
    for label, part, size in zip(labels, parts, sizes.tolist(), strict=True):
        if size:
            names.append(_literal(key_label(label, by)))
            samples.append(np.sort(part[~np.isnan(part)]))
    return names, samples


def _medians(table: IncidentTable, column: str, by: str | None) -> dict[str, float]:
    # The medians marked are the library's own (IncidentTable.group_stats),
    # not a second computation that could disagree with the tables.
    stats = table.group_stats(column, by=by)
    if by is None:
        return {"all": float(stats.median[0])}
    return {
        _literal(key_label(label, by)): float(median)
        for label, median in zip(stats.groups, stats.median, strict=True)
    }


def _log_time_axis(axis: Any, low: float, high: float, mpl: Any) -> None:
    ticks = [t for t in _NICE_SECONDS if low / 1.5 <= t <= high * 1.5]
    while len(ticks) > 8:  # a wide range: every other nice duration
        ticks = ticks[::2]
    if len(ticks) >= 2:
        axis.set_major_locator(mpl.ticker.FixedLocator(ticks))
        axis.set_minor_locator(mpl.ticker.NullLocator())
    axis.set_major_formatter(
        mpl.ticker.FuncFormatter(lambda value, _: format_seconds(value))
    )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _horizontal(mpl: Any) -> dict[str, Any]:
    # ``vert=False`` is deprecated from matplotlib 3.10, which has
    # ``orientation``; older versions know only ``vert``.
    if tuple(mpl.__version_info__[:2]) >= (3, 10):
        return {"orientation": "horizontal"}
    return {"vert": False}


def durations(
    table: IncidentTable,
    column: str = "time_to_resolve",
    by: str | None = "severity",
    *,
    kind: str = "ecdf",
    max_groups: int = 8,
    log: bool | None = None,
    width: float = 8.0,
    ax: Axes | None = None,
) -> Figure | Axes:
    """The distribution of a column in each group, medians marked.

    Incident durations are heavy-tailed, so a duration is drawn on a log
    axis, where a log-normal looks symmetric and a factor of two is the same
    distance everywhere. Values that are missing (open incidents) are left
    out, and so are negative durations (data errors, left out of every
    figure as invalid). Zero durations count: on a log axis, which has no
    zero, the curve starts at the share of incidents at or below zero. The
    legend gives each group's sample size and says how many were at zero
    and how many were left out.

    Args:
        table: An :class:`~incidentkit.IncidentTable`.
        column: A numeric column, e.g. ``"time_to_resolve"``.
        by: A column to group by (``"severity"``, ``"service"``,
            ``"month"``...) or ``None`` for all incidents together.
        kind: ``"ecdf"`` (the share of incidents at or below each value) or
            ``"box"`` (a box per group with its points over it).
        max_groups: The largest groups shown; the others are counted in the
            title.
        log: A log axis; by default when the column is a duration.
        width: Figure width in inches (of a new figure).
        ax: Draw into this matplotlib ``Axes`` instead of a new figure.

    Returns:
        A new figure with one axes; the ``ax`` drawn into when one is given.
        Grouped by severity, each level has its colour
        (:data:`SEVERITY_COLOURS`), the same in every plot.

    Raises:
        ValidationError: For an unknown column, ``kind`` or a bad
            ``max_groups``.
        ImportError: When matplotlib is not installed.

    Example:
        >>> from incidentkit import synth
        >>> from incidentkit.table.frame import IncidentTable
        >>> table = IncidentTable.from_records(synth.generate(200, seed=1))
        >>> fig = durations(table, "time_to_resolve", by="severity")
        >>> fig.axes[0].get_xscale(), fig.axes[0].get_legend().get_texts()[0].get_text()
        ('log', 'SEV0 (n=1, median 1h)')
    """
    _check_column(table, column)
    width = positive_number(width, "width")
    if by is not None and by != "month":
        _check_column(table, by, "by")
    if kind not in ("ecdf", "box"):
        raise ValidationError([f"kind: expected 'ecdf' or 'box' ({kind!r})"])
    if not _whole(max_groups) or max_groups < 1:
        raise ValidationError(
            [f"max_groups: expected a whole number >= 1 ({max_groups!r})"]
        )
    mpl = _matplotlib()
    import matplotlib.ticker  # noqa: F401 - loads mpl.ticker

    as_time = is_duration(column)
    use_log = as_time if log is None else bool(log)
    show = format_seconds if as_time else format_number
    names, samples = _groups(table, column, by)
    medians = _medians(table, column, by)
    # The largest groups, shown in label order.
    keep = sorted(
        sorted(range(len(names)), key=lambda i: -samples[i].size)[:max_groups]
    )
    hidden = len(names) - len(keep)

    height = 4.2 if kind == "ecdf" else 1.2 + 0.45 * max(len(keep), 2)
    own = ax is None
    figure, ax = _target(ax, width, height)
    drawn: list[NDArray[np.float64]] = []
    for slot, index in enumerate(keep):
        sample = samples[index]
        invalid = 0
        if as_time:
            # As in group_stats: a negative duration is a data error.
            invalid = int(np.count_nonzero(sample < 0))
            sample = sample[sample >= 0]
        used = sample.size
        at_or_below_zero = int(np.count_nonzero(sample <= 0))
        if use_log:
            sample = sample[sample > 0]
        drawn.append(sample)
        median = medians.get(names[index], float("nan"))
        label = _legend_label(f"{names[index]} (n={used:,}, median {show(median)})")
        if use_log and at_or_below_zero:
            label += f", {at_or_below_zero / used:.0%} at ≤ 0"
        if invalid:
            label += f", {invalid:,} negative left out"
        colour = _group_colour(by, names[index], slot)
        if kind == "ecdf":
            if sample.size:
                # Shares of all the values used, the ones at or below zero
                # (off a log axis) included: the curve starts at their share.
                below = used - sample.size
                shares = np.arange(below + 1, used + 1) / used
                if below:
                    sample = np.concatenate([[sample[0] / 2], sample])
                    shares = np.concatenate([[below / used], shares])
                ax.step(sample, shares, where="post", color=colour, label=label)
            else:
                ax.plot([], [], color=colour, label=label)
            if np.isfinite(median) and (median > 0 or not use_log):
                ax.plot(
                    [median], [0.5], marker="o", color=colour, markersize=6, zorder=3
                )
        else:
            if sample.size:
                ax.boxplot(
                    [sample],
                    positions=[slot],
                    **_horizontal(mpl),
                    widths=0.6,
                    showfliers=False,
                    patch_artist=True,
                    boxprops={"facecolor": colour, "alpha": 0.25},
                    medianprops={"color": colour, "linewidth": 2},
                )
                rng = np.random.default_rng(slot)
                strip = sample
                if strip.size > 400:  # enough points to see the shape
                    strip = rng.choice(strip, 400, replace=False)
                ax.scatter(
                    strip,
                    slot + rng.uniform(-0.22, 0.22, strip.size),
                    s=5,
                    color=colour,
                    alpha=0.35,
                    linewidths=0,
                )
            ax.plot([], [], color=colour, linewidth=6, alpha=0.5, label=label)
    values = np.concatenate(drawn) if drawn else np.empty(0)
    if use_log and values.size:
        ax.set_xscale("log")
        if as_time:
            _log_time_axis(ax.xaxis, float(values.min()), float(values.max()), mpl)
    elif as_time:
        ax.xaxis.set_major_formatter(
            mpl.ticker.FuncFormatter(lambda value, _: format_seconds(value))
        )
    if kind == "ecdf":
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("share of incidents at or below")
        ax.axhline(0.5, color="#999999", linewidth=0.6, linestyle=":")
    else:
        ax.set_yticks(range(len(keep)), labels=[names[i] for i in keep])
        ax.set_ylim(len(keep) - 0.5, -0.5)
    scale = " (log scale)" if use_log and values.size else ""
    ax.set_xlabel(f"{column}{scale}")
    grouping = f" by {by}" if by else ""
    title = f"{column}{grouping}"
    if hidden:
        title += f" ({len(keep)} largest of {len(names)} groups)"
    ax.set_title(_literal(title, MAX_TITLE), loc="left")
    ax.grid(color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    if kind == "ecdf":
        ax.legend(fontsize=8, loc="lower right")
    else:
        ax.legend(
            fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
        )
    return figure if own else ax


def trend(
    table: IncidentTable,
    column: str = "time_to_resolve",
    freq: str = "month",
    *,
    n: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    width: float = 9.0,
    method: str = "order",
    ax: Axes | None = None,
    counts_ax: Axes | None = None,
) -> Figure | Axes:
    """Median and p90 of a column per period, with interval bands and counts.

    The statistics are :meth:`IncidentTable.group_stats`'s by ``month`` (of
    ``declared_at``), the bands :meth:`IncidentTable.intervals`'s:
    distribution-free, drawn only for the months that have an interval at
    ``confidence`` (a 95% band of a median needs 6 incidents in the month,
    of a p90 29); the title says how many months have none. A lower panel
    shows how many incidents each period has, and how many of them lack a
    value: a band is wide, and a change within it is noise, when the count
    is small.

    Args:
        table: An :class:`~incidentkit.IncidentTable`.
        column: A numeric column.
        freq: The period; ``"month"``.
        n: Bootstrap resamples (``method="bootstrap"`` only).
        seed: Seed of the bootstrap, for the same bands every time.
        confidence: Coverage of the bands.
        width: Figure width in inches (of a new figure).
        method: ``"order"`` (order statistics) or ``"bootstrap"``.
        ax: Draw the statistics into this matplotlib ``Axes`` instead of a
            new figure.
        counts_ax: With ``ax``, draw the counts panel here (left out when
            not given).

    Returns:
        A new figure with two axes (the statistics, and the counts); the
        ``ax`` drawn into when one is given.

    Raises:
        ValidationError: For an unknown column or ``freq``.
        ImportError: When matplotlib is not installed.

    Example:
        >>> from incidentkit import synth
        >>> from incidentkit.table.frame import IncidentTable
        >>> table = IncidentTable.from_records(synth.generate(300, seed=2))
        >>> fig = trend(table, "time_to_resolve", n=200)
        >>> [line.get_label() for line in fig.axes[0].get_lines()]
        ['median', 'p90']
    """
    _check_column(table, column)
    width = positive_number(width, "width")
    if freq != "month":
        raise ValidationError([f"freq: only 'month' is supported ({freq!r})"])
    mpl = _matplotlib()
    import matplotlib.ticker  # noqa: F401 - loads mpl.ticker

    stats = table.group_stats(column, by="month")
    bands = {
        stat: table.intervals(
            column,
            stat,
            by="month",
            confidence=confidence,
            method=method,
            n=n,
            seed=seed,
        )
        for stat in ("median", "p90")
    }
    months = np.asarray(stats.groups).astype("datetime64[D]").astype("datetime64[us]")
    x = mpl.dates.date2num(months.astype(object)) if months.size else np.empty(0)

    as_time = is_duration(column)
    scale, unit = 1.0, ""
    if as_time:
        finite = stats.p90[np.isfinite(stats.p90)]
        top = float(finite.max()) if finite.size else 0.0
        # The unit that keeps the axis's numbers between about 1 and 100.
        if top < 2 * 3600:
            unit, scale = _TIME_UNITS[0]
        elif top < 3 * 86400:
            unit, scale = _TIME_UNITS[1]
        else:
            unit, scale = _TIME_UNITS[2]

    own = ax is None
    if ax is None:
        if counts_ax is not None:
            raise ValidationError(
                ["counts_ax: give it with ax (the statistics' axes), or neither"]
            )
        figure = _figure(width, 5.2)
        grid = figure.add_gridspec(2, 1, height_ratios=(3, 1))
        ax = figure.add_subplot(grid[0])
        counts_ax = figure.add_subplot(grid[1], sharex=ax)
    else:
        figure, ax = _target(ax, width, 5.2)
        if counts_ax is not None:
            _target(counts_ax, width, 5.2)  # the same check, for its parameter name
    colours = {"median": "#0072B2", "p90": "#D55E00"}
    for stat in ("median", "p90"):
        values = getattr(stats, stat) / scale
        band = bands[stat]
        ax.plot(x, values, marker="o", markersize=3.5, color=colours[stat], label=stat)
        # No band where a month has no interval: a band there would claim a
        # coverage it does not have. A lone month with one shows as a bar.
        available = band.available
        ax.fill_between(
            x,
            band.low / scale,
            band.high / scale,
            where=available,
            color=colours[stat],
            alpha=0.18,
            linewidth=0,
            label=f"{stat} {confidence:.0%} interval",
        )
        ax.vlines(
            x[available],
            band.low[available] / scale,
            band.high[available] / scale,
            color=colours[stat],
            alpha=0.35,
            linewidth=3,
        )
    ax.set_ylabel(f"{column} ({unit})" if unit else column)
    ax.set_ylim(bottom=0)
    title = f"{column} by month: median and p90, {confidence:.0%} bands"
    without = [
        f"{stat} in {int((~bands[stat].available).sum())} of {len(stats)}"
        for stat in ("median", "p90")
        if not bands[stat].available.all()
    ]
    if without:
        title += "; no band (too few incidents): " + ", ".join(without) + " months"
    ax.set_title(_literal(title, MAX_TITLE), loc="left")
    ax.grid(color="#e5e5e5", linewidth=0.6)
    ax.legend(fontsize=8, loc="upper left")
    bar_width = 20.0  # days: a month's bar, with a gap
    if counts_ax is not None:
        ax.tick_params(labelbottom=False)
        counts_ax.bar(
            x, stats.count, width=bar_width, color="#888888", label="with a value"
        )
        counts_ax.bar(
            x,
            stats.missing,
            bottom=stats.count,
            width=bar_width,
            color="#dddddd",
            label="without (e.g. open)",
        )
        counts_ax.set_ylabel("incidents")
        counts_ax.legend(fontsize=7, loc="upper left", ncols=2)
        counts_ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    # The time axis is the counts panel's when there is one.
    date_axes = [ax] if counts_ax is None else [ax, counts_ax]
    if x.size:
        # Limits set here, not autoscaled: a month's bar padded around
        # January of year 1 reaches into year 0, which matplotlib cannot
        # turn into a tick date (a ValueError at draw time).
        first = float(mpl.dates.date2num(datetime(1, 1, 1)))
        last = float(mpl.dates.date2num(datetime(9999, 12, 31)))
        low, high = float(np.min(x)), float(np.max(x))
        pad = max((high - low) * 0.03, bar_width)
        for axes in date_axes:
            axes.set_xlim(max(first, low - pad), min(last, high + pad))
    locator = mpl.dates.AutoDateLocator(minticks=3, maxticks=10, tz=timezone.utc)
    date_axes[-1].xaxis.set_major_locator(locator)
    date_axes[-1].xaxis.set_major_formatter(
        mpl.dates.ConciseDateFormatter(locator, tz=timezone.utc)
    )
    return figure if own else ax
