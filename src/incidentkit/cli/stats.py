"""``incidentkit stats``: grouped statistics of many incidents."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone
from typing import Any, Final, Literal, TextIO

import numpy as np

from incidentkit.cli._output import (
    _MISSING,
    EXIT_FAILED,
    EXIT_OK,
    JSON_SCHEMA_VERSION,
    RENDERERS,
    _finite,
    _json_dump,
    _print_errors,
    _span,
)
from incidentkit.cli._sources import _load_table, _missing_source
from incidentkit.errors import ValidationError
from incidentkit.figures.timeline import FIGURE_NAMES, PHASE_NAMES
from incidentkit.render.document import Section as _Section
from incidentkit.render.html import format_number
from incidentkit.render.reports import is_duration
from incidentkit.table.bootstrap import TOO_FEW
from incidentkit.table.frame import IncidentTable
from incidentkit.table.periods import PERIODS, zone

#: The usual ``--by`` keys; any key of ``IncidentTable.group_stats`` works,
#: such as ``quarter:started_at`` or ``severity_label``.
STATS_GROUPINGS: Final = (
    "severity",
    "service",
    "status",
    "week",
    "month",
    "quarter",
    "year",
)
#: Metrics of ``stats`` that are numbers, not durations.
NUMBER_METRICS: Final = ("impact_score", "user_minutes")
#: Statistics that ``stats --ci`` gives intervals for.
INTERVAL_STATS: Final = ("median", "p90")


def _metrics() -> tuple[str, ...]:
    return (*FIGURE_NAMES, *PHASE_NAMES, *NUMBER_METRICS)


def _group_label(value: Any, by: str) -> str:
    if value is None:
        return _MISSING
    if by == "severity":
        return f"SEV{value}"
    return str(value)


def time_bound(text: str) -> date | datetime:
    """A ``--since``/``--until`` value: a date or an ISO 8601 timestamp.

    Example:
        >>> time_bound("2024-07-01"), time_bound("2024-07-01T09:30Z")
        (datetime.date(2024, 7, 1), datetime.datetime(2024, 7, 1, 9, 30, tzinfo=datetime.timezone.utc))
    """  # noqa: E501
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        # Python before 3.11 reads no "Z"; it means UTC.
        return datetime.fromisoformat(
            text[:-1] + "+00:00" if text.endswith("Z") else text
        )
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date (2024-07-01) or an ISO 8601 timestamp "
            f"(2024-07-01T09:30:00Z), got {text!r}"
        ) from None


def _instant(bound: date | datetime, tz: str | None) -> np.datetime64:
    """A bound as a UTC instant: dates at midnight, naive times in ``tz``."""
    where = zone(tz, "--tz") or timezone.utc
    if not isinstance(bound, datetime):
        bound = datetime(bound.year, bound.month, bound.day)
    if bound.tzinfo is None:
        bound = bound.replace(tzinfo=where)
    utc = bound.astimezone(timezone.utc).replace(tzinfo=None)
    return np.datetime64(utc, "us")


def in_range(
    table: IncidentTable,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    tz: str | None = None,
) -> IncidentTable:
    """The incidents declared from ``since`` (inclusive) to ``until`` (exclusive).

    A date is its midnight, and a timestamp without an offset is read, in
    ``tz`` (UTC by default). With either bound, incidents without a
    ``declared_at`` are left out: they are in no range.

    Example:
        >>> import incidentkit as ik
        >>> table = IncidentTable.from_records([ik.example()])
        >>> table["declared_at"].tolist()
        [datetime.datetime(2024, 1, 15, 14, 23)]
        >>> len(in_range(table, since=date(2024, 1, 15))), len(
        ...     in_range(table, until=date(2024, 1, 15)))
        (1, 0)
    """
    if since is None and until is None:
        return table
    declared = table["declared_at"]
    keep = ~np.isnat(declared)
    if since is not None:
        keep &= declared >= _instant(since, tz)
    if until is not None:
        keep &= declared < _instant(until, tz)
    kept: IncidentTable = table[keep]
    return kept


def _has_period(keys: Sequence[str]) -> bool:
    return any(key.partition(":")[0] in PERIODS for key in keys)


def stats_data(
    table: IncidentTable,
    *,
    metric: str,
    by: str | Sequence[str],
    tz: str | None = None,
    intervals: bool = False,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    interval_method: str = "order",
    keep_negative: bool = False,
    maintenance: Literal["exclude", "include", "only"] = "exclude",
) -> dict[str, Any]:
    """What ``incidentkit stats`` shows, as JSON-ready data.

    The grouped figures are :meth:`IncidentTable.group_stats`'s, with the
    zero, negative and invalid counts; the intervals, when asked for,
    :meth:`IncidentTable.intervals`'s for the median and the p90: each with
    the confidence it reaches, or none and the reason ("too few incidents").
    Maintenances are left out unless ``maintenance`` says otherwise, and
    ``left_out`` counts the rows it left out.

    With one key, each group's ``group`` is its label and ``by`` the key;
    with several, ``group`` is the list of labels and ``by`` the list of
    keys.

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.table.frame import IncidentTable
        >>> table = IncidentTable.from_records([ik.example()])
        >>> data = stats_data(table, metric="time_to_resolve", by="severity")
        >>> data["groups"][0]["group"], data["groups"][0]["median"]
        (1, 9000.0)
        >>> data = stats_data(table, metric="time_to_resolve",
        ...                   by=["severity", "quarter"])
        >>> data["by"], data["groups"][0]["group"]
        (['severity', 'quarter'], [1, '2024Q1'])
    """
    keys = [by] if isinstance(by, str) else list(by)
    # A time zone only shifts periods; given with no period key, it is moot.
    stats = table.group_stats(
        metric,
        by=keys,
        keep_negative=keep_negative,
        tz=tz,
        maintenance=maintenance,
    )
    groups = []
    for row in stats.to_records():
        labels = [row.pop(key) for key in keys]
        groups.append({"group": labels[0] if len(keys) == 1 else labels, **row})
    data: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "metric": metric,
        "by": keys[0] if len(keys) == 1 else keys,
        "tz": tz,
        "unit": "seconds" if is_duration(metric) else None,
        "incidents": len(table),
        # Rows whose key is unknown (a severity no label maps to, no service,
        # no declared_at) are in no group; say how many, not silently drop.
        "ungrouped": stats.ungrouped,
        # Maintenances are planned work: left out of incident figures unless
        # asked for, and counted here.
        "maintenance": maintenance,
        "left_out": stats.left_out,
        # Negative durations are data errors: left out of every figure
        # (counted per group as invalid) unless the caller keeps them.
        "negative_values": "kept" if keep_negative else "left out",
        "intervals": None,
        "groups": groups,
    }
    if intervals:
        bootstrap = interval_method == "bootstrap"
        data["intervals"] = {
            "method": "bootstrap percentile" if bootstrap else "order statistics",
            "confidence": confidence,
            "resamples": resamples if bootstrap else None,
            "seed": seed if bootstrap else None,
        }
        for stat in INTERVAL_STATS:
            found = table.intervals(
                metric,
                stat,
                by=keys,
                tz=tz,
                confidence=confidence,
                method=interval_method,
                n=resamples,
                seed=seed,
                keep_negative=keep_negative,
                maintenance=maintenance,
            )
            for group, low, high, reached, reason in zip(
                groups,
                found.low.tolist(),
                found.high.tolist(),
                found.reached.tolist(),
                found.reason.tolist(),
                strict=True,
            ):
                group[f"{stat}_ci"] = [_finite(low), _finite(high)]
                group[f"{stat}_ci_confidence"] = _finite(reached)
                group[f"{stat}_ci_reason"] = reason
    return data


def _stats_sections(data: dict[str, Any]) -> tuple[str, list[str], list[_Section]]:
    metric = data["metric"]
    keys = [data["by"]] if isinstance(data["by"], str) else data["by"]
    by = " and ".join(keys)
    show = _span if data["unit"] == "seconds" else format_number
    heading = f"{metric} by {by}"
    facts = []
    since, until = data.get("since"), data.get("until")
    if since or until:
        facts.append(
            "declared "
            + " ".join(
                part
                for part in (
                    f"from {since}" if since else "",
                    f"before {until}" if until else "",
                )
                if part
            )
            + f" ({data.get('out_of_range', 0):,} incidents outside left out)"
        )
    facts.append(f"{data['incidents']:,} incidents in {len(data['groups'])} groups")
    if data.get("tz"):
        facts.append(f"periods in {data['tz']}")
    if data["ungrouped"]:
        facts.append(f"{data['ungrouped']:,} incidents without a {by} left out")
    left_out = data.get("left_out", 0)
    if data.get("maintenance") == "only":
        noun = "incident" if left_out == 1 else "incidents"
        facts.append(f"maintenances only ({left_out:,} {noun} left out)")
    elif left_out:
        noun = "maintenance" if left_out == 1 else "maintenances"
        facts.append(
            f"{left_out:,} {noun} left out (--maintenance include counts them)"
        )
    intervals = data["intervals"]
    if intervals and intervals["resamples"] is not None:
        facts.append(
            f"{intervals['confidence']:.0%} bootstrap intervals "
            f"({intervals['resamples']:,} resamples, seed {intervals['seed']}); "
            "none for groups too small for the bootstrap to hold"
        )
    elif intervals:
        facts.append(
            f"intervals: distribution-free (order statistics), each at least "
            f"{intervals['confidence']:.0%} (the confidence reached in brackets); "
            '"too few incidents" where no such interval exists for the group size'
        )
    if data["unit"] == "seconds":
        facts.append(f"missing: incidents whose {metric} is unknown (e.g. still open)")
        facts.append(
            "zero: values of exactly 0 s, in the figures; "
            + (
                "negative: values below 0 s, kept in the figures (--keep-negative)"
                if data["negative_values"] == "kept"
                else "invalid: negative values (resolved before started), "
                "left out of the figures"
            )
        )
    kept = data["negative_values"] == "kept"
    negative_name = "negative" if kept else "invalid"
    header: list[str] = [*keys, "count", "missing", "zero", negative_name, "median"]
    if intervals:
        header.append("median CI")
    header.append("p90")
    if intervals:
        header.append("p90 CI")
    header.extend(["p95", "mean"])
    rows: list[Sequence[str]] = []
    for group in data["groups"]:
        labels = [group["group"]] if len(keys) == 1 else group["group"]
        row = [
            *(
                _group_label(label, key)
                for label, key in zip(labels, keys, strict=True)
            ),
            f"{group['count']:,}",
            f"{group['missing']:,}",
            f"{group['zero']:,}",
            f"{group[negative_name]:,}",
            show(group["median"]),
        ]
        if intervals:
            row.append(_interval_text(group, "median", show))
        row.append(show(group["p90"]))
        if intervals:
            row.append(_interval_text(group, "p90", show))
        row.extend([show(group["p95"]), show(group["mean"])])
        rows.append(row)
    section = _Section("")
    section.table(
        header, rows, [*([False] * len(keys)), *([True] * (len(header) - len(keys)))]
    )
    return heading, facts, [section]


def _interval_text(group: dict[str, Any], stat: str, show: Callable[[Any], str]) -> str:
    low, high = group[f"{stat}_ci"]
    if low is None or high is None:
        reason = group[f"{stat}_ci_reason"] or ""
        # The reason in full is in the JSON; a table cell says the gist.
        return TOO_FEW if reason.startswith(TOO_FEW) else _MISSING
    reached = group[f"{stat}_ci_confidence"]
    level = "" if reached is None else f" ({reached:.1%})"
    return f"{show(low)} – {show(high)}{level}"


def _run_stats(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    parser: argparse.ArgumentParser,
) -> int:
    if args.metric not in _metrics():
        parser.error(
            f"--metric: not a metric: {args.metric!r} (one of {', '.join(_metrics())})"
        )
    missing = _missing_source(args.source)
    if missing is not None:
        _print_errors(missing, err)
        return EXIT_FAILED
    if args.tz is not None:
        try:
            zone(args.tz, "--tz")
        except ValidationError as problem:
            parser.error(problem.errors[0])
    table, errors = _load_table(args.source, args, err)
    for error in errors:
        _print_errors(error, err)
    loaded = len(table)
    table = in_range(table, args.since, args.until, args.tz)
    try:
        data = stats_data(
            table,
            metric=args.metric,
            by=args.by,
            tz=args.tz if _has_period(args.by) else None,
            intervals=args.ci,
            confidence=args.confidence,
            resamples=args.resamples,
            seed=args.seed,
            interval_method=args.interval_method,
            keep_negative=args.keep_negative,
            maintenance=args.maintenance,
        )
    except ValidationError as problem:
        # A --by key the table cannot group by is a usage error.
        parser.error("--" + "; ".join(problem.errors))
    data["source"] = args.source
    data["since"] = None if args.since is None else args.since.isoformat()
    data["until"] = None if args.until is None else args.until.isoformat()
    data["out_of_range"] = loaded - len(table)
    data["failed_to_load"] = len(errors)
    if args.format == "json":
        _json_dump(data, out)
    else:
        heading, facts, sections = _stats_sections(data)
        render = RENDERERS[args.format]
        out.write(render(heading, facts, sections))
    if errors:
        err.write(f"{len(errors)} documents failed to load\n")
        return EXIT_FAILED
    return EXIT_OK
