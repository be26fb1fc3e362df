"""``incidentkit stats``: grouped statistics of many incidents."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any, Final, TextIO

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
from incidentkit.figures.timeline import FIGURE_NAMES, PHASE_NAMES
from incidentkit.render.document import Section as _Section
from incidentkit.render.html import format_number
from incidentkit.table.frame import IncidentTable
from incidentkit.table.stats import TOO_FEW

STATS_GROUPINGS: Final = ("severity", "service", "month")
#: Metrics of ``stats`` that are numbers, not durations.
NUMBER_METRICS: Final = ("impact_score", "user_minutes")
#: Statistics that ``stats --ci`` gives intervals for.
INTERVAL_STATS: Final = ("median", "p90")


def _metrics() -> tuple[str, ...]:
    return (*FIGURE_NAMES, *PHASE_NAMES, *NUMBER_METRICS)


def _is_duration(metric: str) -> bool:
    return metric not in NUMBER_METRICS


def _group_label(value: Any, by: str) -> str:
    if value is None:
        return _MISSING
    if by == "severity":
        return f"SEV{value}"
    return str(value)


def stats_data(
    table: IncidentTable,
    *,
    metric: str,
    by: str,
    intervals: bool = False,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    interval_method: str = "order",
    keep_negative: bool = False,
) -> dict[str, Any]:
    """What ``incidentkit stats`` shows, as JSON-ready data.

    The grouped figures are :meth:`IncidentTable.group_stats`'s, with the
    zero, negative and invalid counts; the intervals, when asked for,
    :meth:`IncidentTable.intervals`'s for the median and the p90: each with
    the confidence it reaches, or none and the reason ("too few incidents").

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.table.frame import IncidentTable
        >>> table = IncidentTable.from_records([ik.example()])
        >>> data = stats_data(table, metric="time_to_resolve", by="severity")
        >>> data["groups"][0]["group"], data["groups"][0]["median"]
        (1, 9000.0)
    """
    stats = table.group_stats(metric, by=by, keep_negative=keep_negative)
    groups = []
    for row in stats.to_records():
        row["group"] = row.pop(by)
        groups.append({"group": row.pop("group"), **row})
    data: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "metric": metric,
        "by": by,
        "unit": "seconds" if _is_duration(metric) else None,
        "incidents": len(table),
        # Rows whose key is unknown (a severity no label maps to, no service,
        # no declared_at) are in no group; say how many, not silently drop.
        "ungrouped": len(table)
        - int(stats.count.sum() + stats.missing.sum() + stats.invalid.sum()),
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
                by=by,
                confidence=confidence,
                method=interval_method,
                n=resamples,
                seed=seed,
                keep_negative=keep_negative,
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
    metric, by = data["metric"], data["by"]
    show = _span if data["unit"] == "seconds" else format_number
    heading = f"{metric} by {by}"
    facts = [f"{data['incidents']:,} incidents in {len(data['groups'])} groups"]
    if data["ungrouped"]:
        facts.append(f"{data['ungrouped']:,} incidents without a {by} left out")
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
    header: list[str] = [by, "count", "missing", "zero", negative_name, "median"]
    if intervals:
        header.append("median CI")
    header.append("p90")
    if intervals:
        header.append("p90 CI")
    header.extend(["p95", "mean"])
    rows: list[Sequence[str]] = []
    for group in data["groups"]:
        row = [
            _group_label(group["group"], by),
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
    section.table(header, rows, [False, *([True] * (len(header) - 1))])
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
    table, errors = _load_table(args.source, args, err)
    for error in errors:
        _print_errors(error, err)
    data = stats_data(
        table,
        metric=args.metric,
        by=args.by,
        intervals=args.ci,
        confidence=args.confidence,
        resamples=args.resamples,
        seed=args.seed,
        interval_method=args.interval_method,
        keep_negative=args.keep_negative,
    )
    data["source"] = args.source
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
