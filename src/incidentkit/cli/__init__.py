"""The ``incidentkit`` command: ``report``, ``check`` and ``stats``.

Run ``incidentkit --help`` (or ``python -m incidentkit --help``) for the
commands and ``incidentkit COMMAND --help`` for each one's options and
examples. :func:`main` is the entry point; it returns the exit status instead
of exiting, so that it can be called in-process:

* 0: everything loaded and no finding reached ``--fail-on``;
* 1: a finding reached ``--fail-on``, or a source failed to load;
* 2: the command line itself was wrong (argparse's convention).

Bad data never produces a traceback: every load problem is printed on
stderr as ``FILE: path: message``, the form of
:attr:`incidentkit.ValidationError.errors`.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, Final, TextIO

import attrs

from incidentkit._version import __version__
from incidentkit.checks.engine import CheckPolicy, Finding, check, count_levels
from incidentkit.checks.rules import LEVELS
from incidentkit.errors import ValidationError
from incidentkit.figures.actions import action_item_coverage
from incidentkit.figures.communications import communications_summary
from incidentkit.figures.impact import impact_score
from incidentkit.figures.timeline import (
    FIGURE_NAMES,
    FIGURES,
    PHASE_NAMES,
    PHASES,
    phase_durations,
)
from incidentkit.records.io import (
    FORMATS,
    example_path,
    from_dict,
    iter_sources,
    load,
    parse_json,
)
from incidentkit.records.schema import IncidentRecord
from incidentkit.render.html import format_duration, format_number, format_timestamp
from incidentkit.table.frame import IncidentTable, load_table

__all__ = ["JSON_SCHEMA_VERSION", "PROGRESS_THRESHOLD", "build_parser", "main"]

#: Bumped whenever the JSON output changes incompatibly; tools should check it.
JSON_SCHEMA_VERSION: Final = 1
#: Sources with at least this many files get a progress bar (on a terminal).
PROGRESS_THRESHOLD: Final = 2000

OUTPUT_FORMATS: Final = ("text", "json", "markdown")
STATS_GROUPINGS: Final = ("severity", "service", "month")
#: Metrics of ``stats`` that are numbers, not durations.
NUMBER_METRICS: Final = ("impact_score", "user_minutes")
#: Statistics that ``stats --ci`` gives intervals for.
INTERVAL_STATS: Final = ("median", "p90")

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

_MISSING: Final = "—"

# C0 and C1 control characters (but the newline that ends our own lines) and
# the bidirectional overrides, embeddings and isolates: record text holding
# them could drive the reader's terminal (colours, cursor moves, a title that
# rewrites the window) or show text in another order than it is stored.
_UNSAFE: Final = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


# --- the parser ------------------------------------------------------------------


def _day(text: str) -> date:
    if text.strip().casefold() == "today":
        return _today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD or 'today', got {text!r}"
        ) from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative integer, got {text!r}"
        )
    return value


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a level between 0 and 1 (e.g. 0.95), got {text!r}"
        )
    return value


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


def _selected_codes(text: str) -> list[str]:
    # An empty selection would run no rule and pass every record: in CI an
    # unset `--select "$RULES"` would make the linter a silent no-op.
    codes = _codes(text)
    if not codes:
        raise argparse.ArgumentTypeError(
            f"expected one or more comma-separated codes, names or families, "
            f"got {text!r}"
        )
    return codes


_EPILOGS: Final = {
    "main": """\
examples:
  incidentkit report                      the bundled example incident
  incidentkit report inc.json --format markdown > review.md
  incidentkit check postmortems/          a linter for postmortem records
  incidentkit stats incidents.jsonl --by severity --ci

exit status: 0 ok, 1 findings or load errors, 2 bad command line.
""",
    "report": """\
examples:
  incidentkit report                      report on the bundled example
  incidentkit report inc.json
  incidentkit report inc.json --format json | jq .impact.score
  incidentkit report sp.json --input-format statuspage
""",
    "check": """\
examples:
  incidentkit check postmortems/
  incidentkit check a.json b.json --fail-on warning
  incidentkit check all.jsonl --select IK1,timeline --format json
  incidentkit check postmortems/ --ignore IK405,action-item-without-owner

Each finding is printed as FILE:PATH:CODE:LEVEL: MESSAGE, where PATH is the
place in the record. Codes, rule names and families (severity, timeline,
consistency, communications, action_items) are accepted by --select and
--ignore, as is a code prefix such as IK2.
""",
    "stats": """\
examples:
  incidentkit stats incidents/ --by severity
  incidentkit stats incidents.jsonl --by month --metric time_to_mitigate
  incidentkit stats incidents/ --by service --ci --seed 7 --format json
  incidentkit stats statuspage/ --input-format statuspage --by month

Durations are in seconds in JSON, human-readable in text and Markdown.
""",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``incidentkit`` command."""
    common = argparse.ArgumentParser(add_help=False)
    output = common.add_argument_group("input and output")
    output.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        default="text",
        help="output: text for people, json for tools, markdown for documents "
        "(default: text)",
    )
    output.add_argument(
        "--input-format",
        choices=FORMATS,
        default="incidentkit",
        metavar="{" + ",".join(FORMATS) + "}",
        help="the format of the input documents (default: incidentkit)",
    )
    output.add_argument(
        "--assume-utc",
        action="store_true",
        help="read timestamps without a UTC offset as UTC instead of rejecting them",
    )

    parser = argparse.ArgumentParser(
        prog="incidentkit",
        description="Incident and postmortem records: reports, checks, statistics.",
        epilog=_EPILOGS["main"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"incidentkit {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    report = commands.add_parser(
        "report",
        parents=[common],
        help="a readable report on one incident",
        description="Milestones, durations and phases, communications, impact "
        "score, action-item coverage and findings of one incident.",
        epilog=_EPILOGS["report"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the day to judge action-item deadlines on (default: today, UTC)",
    )
    report.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="an incident document (default: the bundled example)",
    )

    check = commands.add_parser(
        "check",
        parents=[common],
        help="check records for inconsistencies, like a linter",
        description="Check every record and print its findings, one per line. "
        "Exits 1 when a finding reaches --fail-on or a document fails to load.",
        epilog=_EPILOGS["check"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "sources",
        nargs="+",
        metavar="FILE|FOLDER",
        help="JSON files, JSONL files (one record a line) or folders of *.json",
    )
    check.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="judge overdue action items (IK508) on this day, or 'today'; "
        "without it that rule does not run, so that a check passing today "
        "passes tomorrow",
    )
    check.add_argument(
        "--fail-on",
        choices=LEVELS,
        default="error",
        help="the lowest level that makes the exit status 1 (default: error)",
    )
    check.add_argument(
        "--select",
        type=_selected_codes,
        action="extend",
        metavar="CODES",
        help="only these rules (comma-separated codes, names, families or prefixes)",
    )
    check.add_argument(
        "--ignore",
        type=_codes,
        action="extend",
        metavar="CODES",
        help="skip these rules (same forms as --select)",
    )

    for command in (report, check):
        command.set_defaults(parser=command)
    stats = commands.add_parser(
        "stats",
        parents=[common],
        help="grouped statistics of many incidents",
        description="Count, median, p90 and p95 of a duration, by group. Open "
        "incidents count as missing, never as closed now.",
        epilog=_EPILOGS["stats"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stats.add_argument(
        "source",
        metavar="SOURCE",
        help="a folder of *.json, a JSONL file or a JSON file",
    )
    stats.add_argument(
        "--by",
        choices=STATS_GROUPINGS,
        required=True,
        help="how to group the incidents",
    )
    stats.add_argument(
        "--metric",
        default="time_to_resolve",
        help="the duration to summarise (default: time_to_resolve)",
    )
    stats.add_argument(
        "--ci",
        action="store_true",
        help="add bootstrap confidence intervals for the median and p90",
    )
    stats.add_argument(
        "--confidence",
        type=_confidence,
        default=0.95,
        help="confidence level of the intervals (default: 0.95)",
    )
    stats.add_argument(
        "--resamples",
        type=_positive_int,
        default=1000,
        help="bootstrap resamples (default: 1000)",
    )
    stats.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seed of the bootstrap's generator (default: 0), for repeatable intervals",
    )
    stats.set_defaults(parser=stats)
    return parser


# --- output helpers -----------------------------------------------------------------


@attrs.define
class _Section:
    """A titled block of a report, rendered as text or Markdown."""

    title: str
    detail: str = ""
    pairs: list[tuple[str, str]] = attrs.field(factory=list)
    tables: list[tuple[Sequence[str], list[Sequence[str]], Sequence[bool]]] = (
        attrs.field(factory=list)
    )
    notes: list[str] = attrs.field(factory=list)

    def table(
        self,
        header: Sequence[str],
        rows: list[Sequence[str]],
        numeric: Sequence[bool] = (),
    ) -> None:
        self.tables.append((header, rows, numeric))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _visible(text: str) -> str:
    r"""``text`` with control and bidi characters shown as escapes (``\x1b``).

    Applied to everything the text and Markdown renderers write, so that an
    untrusted record cannot send escape sequences to the reader's terminal.

    Example:
        >>> print(_visible("\x1b[31mred\u202e\x00 ok"))
        \x1b[31mred\u202e\x00 ok
    """
    return _UNSAFE.sub(_escape, text)


def _one_line(text: object) -> str:
    # Escaped here too, not only on output: table widths count the escapes.
    return _visible(" ".join(str(text).split()))


def _text_table(
    header: Sequence[str], rows: list[Sequence[str]], numeric: Sequence[bool]
) -> list[str]:
    cells = [list(header), *[[_one_line(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = []
        for i, cell in enumerate(row):
            right = i < len(numeric) and numeric[i]
            last = i == len(row) - 1
            if right:
                parts.append(cell.rjust(widths[i]))
            else:
                parts.append(cell if last else cell.ljust(widths[i]))
        lines.append("  " + "  ".join(parts).rstrip())
    return lines


def _render_text(heading: str, lines: Sequence[str], sections: list[_Section]) -> str:
    out = [heading, *lines]
    for section in sections:
        out.append("")
        if section.title:
            detail = f" ({section.detail})" if section.detail else ""
            out.append(section.title + detail)
        if section.pairs:
            width = max(len(key) for key, _ in section.pairs)
            out.extend(
                f"  {key.ljust(width)}  {_one_line(value)}"
                for key, value in section.pairs
            )
        for header, rows, numeric in section.tables:
            out.extend(_text_table(header, rows, numeric))
        out.extend(f"  {note}" for note in section.notes)
    return _visible("\n".join(out) + "\n")


def _md(text: object) -> str:
    # A pipe ends a cell and a newline ends a row; backslash-escape the first,
    # fold the second, so that any record text fits in one cell. Markdown
    # renderers pass HTML through: record text must not become markup.
    escaped = html.escape(_one_line(text), quote=False)
    return escaped.replace("\\", "\\\\").replace("|", "\\|")


def _md_table(
    header: Sequence[str], rows: list[Sequence[str]], numeric: Sequence[bool]
) -> list[str]:
    align = [
        "---:" if i < len(numeric) and numeric[i] else "---" for i in range(len(header))
    ]
    lines = [
        "| " + " | ".join(_md(name) for name in header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines.extend("| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows)
    return lines


def _render_markdown(
    heading: str, lines: Sequence[str], sections: list[_Section]
) -> str:
    out = [f"## {_md(heading)}", ""]
    if lines:
        out.extend(f"{_md(line)}  " for line in lines)
        out.append("")
    for section in sections:
        if section.title:
            detail = f" ({section.detail})" if section.detail else ""
            out.extend([f"### {_md(section.title + detail)}", ""])
        if section.pairs:
            out.extend(
                f"- **{_md(key)}**: {_md(value)}" for key, value in section.pairs
            )
            out.append("")
        for header, rows, numeric in section.tables:
            out.extend([*_md_table(header, rows, numeric), ""])
        if section.notes:
            out.extend([*(_md(note) for note in section.notes), ""])
    return _visible("\n".join(out).rstrip("\n") + "\n")


def _json_dump(data: Any, stream: TextIO) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    # json escapes C0 controls only; C1 controls (U+009B is a terminal's CSI)
    # and bidi overrides would reach a terminal raw. Outside strings JSON has
    # none of them, so a \uXXXX escape decodes to the same data.
    stream.write(_UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text))
    stream.write("\n")


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else span.total_seconds()


def _iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.isoformat().replace("+00:00", "Z")
    return moment.isoformat()


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: a missing statistic is ``null``."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _print_errors(error: ValidationError, stream: TextIO) -> None:
    for line in error.errors:
        # Errors quote record values and file names: _one_line escapes them.
        stream.write(f"{_one_line(line)}\n")


def _today() -> date:
    return datetime.now(timezone.utc).date()


# --- progress ------------------------------------------------------------------------


class _Progress:
    """A one-line progress bar on stderr, drawn only on a terminal.

    Redrawn at most ten times a second: a bar that writes for every one of
    200,000 files would cost more than the work it reports.
    """

    def __init__(self, total: int | None, stream: TextIO, label: str) -> None:
        self.total = total
        self.stream = stream
        self.label = label
        self.done = 0
        self.shown = 0.0
        self.enabled = bool(
            total is not None and total >= PROGRESS_THRESHOLD and _isatty(stream)
        )

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.shown >= 0.1:
            self.shown = now
            self._draw()

    def _draw(self) -> None:
        assert self.total is not None
        share = min(1.0, self.done / self.total) if self.total else 1.0
        filled = int(share * 30)
        bar = "#" * filled + "-" * (30 - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {self.done:,}/{self.total:,} {share:4.0%}"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _count_files(sources: Sequence[str]) -> int | None:
    """How many documents ``sources`` hold, when that is cheap to know.

    A folder's ``*.json`` files are counted from its listing; a JSONL file's
    lines are not counted (that would read it twice), so its size is unknown.
    """
    total = 0
    for source in sources:
        path = Path(source)
        if path.is_dir():
            total += sum(1 for _ in path.glob("*.json"))
        elif path.suffix == ".jsonl":
            return None
        else:
            total += 1
    return total


# --- loading --------------------------------------------------------------------------


@attrs.frozen
class _Loaded:
    where: str
    record: IncidentRecord | None
    error: ValidationError | None


def _missing_source(source: str) -> ValidationError | None:
    if os.path.lexists(source) and os.path.exists(source):
        return None
    return ValidationError(["$: no such file or folder"], source=source)


def _iter_records(
    sources: Sequence[str], *, input_format: str, assume_utc: bool
) -> Iterator[_Loaded]:
    """Every document of ``sources`` as a record or its located error.

    Streams one document at a time, as :func:`incidentkit.load_many` reads
    them, so that checking a 200,000-line JSONL file holds one record at once.
    """
    for source in sources:
        missing = _missing_source(source)
        if missing is not None:
            yield _Loaded(source, None, missing)
            continue
        for where, raw in iter_sources(source):
            yield _load_one(
                where, raw, input_format=input_format, assume_utc=assume_utc
            )


def _load_one(
    where: str, raw: bytes | ValidationError, *, input_format: str, assume_utc: bool
) -> _Loaded:
    try:
        if isinstance(raw, ValidationError):
            raise raw
        record = from_dict(parse_json(raw), assume_utc=assume_utc, format=input_format)
    except ValidationError as exc:
        return _Loaded(where, None, ValidationError(exc.errors, source=where))
    return _Loaded(where, record, None)


# --- report ---------------------------------------------------------------------------


def report_data(
    rec: IncidentRecord, *, as_of: date, source: str | None = None
) -> dict[str, Any]:
    """Everything ``incidentkit report`` shows, as JSON-ready data.

    This is the ``--format json`` output (documented field by field in the
    command-line page of the documentation): durations are seconds,
    moments are ISO 8601 UTC strings ending in ``Z``, and anything unknown
    is ``null``.

    Args:
        rec: The record.
        as_of: The day to judge action-item deadlines on.
        source: Where the record came from, copied into the output.
    """
    durations = phase_durations(rec)
    comms = communications_summary(rec)
    impact = impact_score(rec)
    coverage = action_item_coverage(rec, as_of=as_of)
    findings = check(rec, as_of=as_of)
    incident = rec.incident
    limit = comms.long_gaps[0].limit if comms.long_gaps else None
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "source": source,
        "as_of": as_of.isoformat(),
        "incident": {
            "id": incident.id,
            "title": incident.title,
            "severity": incident.severity,
            "severity_level": incident.severity_level,
            "status": incident.status,
            "service": incident.service,
            "commander": incident.commander,
            "declared_at": _iso(incident.declared_at),
            "resolved_at": _iso(incident.resolved_at),
        },
        "milestones": {
            name: _iso(moment)
            for name, moment in durations.milestones.as_dict().items()
        },
        "figures": {name: _seconds(span) for name, span in durations.figures.items()},
        "phases": {name: _seconds(span) for name, span in durations.phases.items()},
        "communications": {
            "source": comms.source,
            "external_updates": [_iso(moment) for moment in comms.external_updates],
            "time_to_first_update": _seconds(comms.time_to_first_update),
            "gaps": [_seconds(gap) for gap in comms.gaps],
            "gap_limit": _seconds(limit),
            "long_gaps": [
                {
                    "start": _iso(gap.start),
                    "end": _iso(gap.end),
                    "length": _seconds(gap.length),
                    "limit": _seconds(gap.limit),
                }
                for gap in comms.long_gaps
            ],
            "promises": [
                {
                    "made_at": _iso(promise.made_at),
                    "promised_by": _iso(promise.promised_by),
                    "next_update_at": _iso(promise.next_update_at),
                    "broken": promise.broken,
                }
                for promise in comms.promises
            ],
            "broken_promises": len(comms.broken_promises),
        },
        "impact": {
            "score": impact.score,
            "user_minutes": impact.user_minutes,
            "impact_duration": _seconds(impact.impact_duration),
            "components": {
                name: {
                    "group": part.group,
                    "weight": part.weight,
                    "value": part.value,
                    "contribution": part.contribution,
                }
                for name, part in impact.components.items()
            },
        },
        "action_items": {
            "count": len(rec.action_items),
            "by_type": dict(coverage.by_type),
            "required_types": sorted(coverage.required_types),
            "missing_types": sorted(coverage.missing_types),
            "overdue": list(coverage.overdue),
            "without_owner": list(coverage.without_owner),
            "without_deadline": list(coverage.without_deadline),
            "unaddressed_factors": list(coverage.unaddressed_factors),
        },
        "findings": [_finding_data(finding) for finding in findings],
    }


def _finding_data(finding: Finding, where: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {} if where is None else {"source": where}
    data.update(
        code=finding.code,
        level=str(finding.level),
        path=finding.path,
        message=finding.message,
    )
    return data


def _span(seconds: float | None) -> str:
    if seconds is None:
        return _MISSING
    return format_duration(timedelta(seconds=seconds))


def _moment(text: str | None) -> str:
    return _MISSING if text is None else format_timestamp(datetime.fromisoformat(text))


def _item_list(rec: IncidentRecord, indices: Sequence[int]) -> str:
    if not indices:
        return "none"
    return "; ".join(f"#{i} {rec.action_items[i].title}" for i in indices)


def _report_sections(
    rec: IncidentRecord, data: dict[str, Any]
) -> tuple[str, list[str], list[_Section]]:
    incident = data["incident"]
    heading = f"{incident['id']} · {incident['title']}"
    level = incident["severity_level"]
    facts = [
        f"severity {incident['severity']}"
        + ("" if level is None else f" (level {level})")
        + f" · status {incident['status']}"
        + (f" · service {incident['service']}" if incident["service"] else ""),
    ]
    if data["source"]:
        facts.append(f"source: {data['source']}")

    milestones = _Section("Milestones")
    milestones.pairs = [(name, _moment(m)) for name, m in data["milestones"].items()]

    figures = _Section("Durations")
    figures.table(
        ("figure", "duration", "from → to"),
        [
            (name, _span(value), " → ".join(FIGURES[name]))
            for name, value in data["figures"].items()
        ],
        (False, True, False),
    )
    phases = _Section("Phases")
    known = [v for v in data["phases"].values() if v is not None and v > 0]
    whole = sum(known)
    rows: list[Sequence[str]] = []
    for name, value in data["phases"].items():
        share = ""
        if value is not None and value > 0 and whole > 0:
            share = f"{value / whole:4.0%} " + "█" * max(1, round(20 * value / whole))
        rows.append((name, _span(value), " → ".join(PHASES[name]), share))
    phases.table(("phase", "duration", "from → to", "share"), rows, (False, True))

    comms = data["communications"]
    communications = _Section("Communications")
    gaps = ", ".join(_span(gap) for gap in comms["gaps"]) or "none"
    broken = [p for p in comms["promises"] if p["broken"]]
    communications.pairs = [
        ("external updates", str(len(comms["external_updates"]))),
        ("time to first update", _span(comms["time_to_first_update"])),
        ("gaps", gaps),
    ]
    if comms["gap_limit"] is not None:
        longest = ", ".join(_span(gap["length"]) for gap in comms["long_gaps"])
        communications.pairs.append(
            (f"gaps over {_span(comms['gap_limit'])}", longest or "none")
        )
    communications.pairs.append(
        ("promises", f"{len(comms['promises'])} made, {len(broken)} broken")
    )
    for promise in broken:
        communications.notes.append(
            f"broken: update at {_moment(promise['made_at'])} promised the next "
            f"by {_moment(promise['promised_by'])}; it came at "
            f"{_moment(promise['next_update_at'])}"
        )

    impact_data = data["impact"]
    impact = _Section(
        f"Impact score {impact_data['score']:.1f} / 100",
        f"user-minutes {format_number(impact_data['user_minutes'])}",
    )
    impact.table(
        ("component", "group", "weight", "value", "points"),
        [
            (
                name,
                part["group"],
                format_number(part["weight"]),
                f"{part['value']:.3f}",
                f"{part['contribution']:.2f}",
            )
            for name, part in impact_data["components"].items()
        ],
        (False, False, True, True, True),
    )

    items = data["action_items"]
    actions = _Section("Action items", f"{items['count']}, as of {data['as_of']}")
    counted = [f"{kind} {n}" for kind, n in items["by_type"].items() if n]
    actions.pairs = [
        ("by type", ", ".join(counted) or "none"),
        ("required types", ", ".join(items["required_types"]) or "none"),
        ("missing types", ", ".join(items["missing_types"]) or "none"),
        ("overdue", _item_list(rec, items["overdue"])),
        ("without owner", _item_list(rec, items["without_owner"])),
        ("without deadline", _item_list(rec, items["without_deadline"])),
        ("unaddressed factors", "; ".join(items["unaddressed_factors"]) or "none"),
    ]

    findings = _Section("Findings", _level_counts(data["findings"]))
    if data["findings"]:
        findings.table(
            ("level", "code", "path", "message"),
            [
                (f["level"], f["code"], f["path"] or "$", f["message"])
                for f in data["findings"]
            ],
        )
    else:
        findings.notes.append("none")
    sections = [milestones, figures, phases, communications, impact, actions, findings]
    return heading, facts, sections


def _level_counts(findings: Sequence[dict[str, Any]]) -> str:
    counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
    for finding in findings:
        counts[finding["level"]] = counts.get(finding["level"], 0) + 1
    return _level_counts_text(counts)


def _load_one_file(path: str, input_format: str, assume_utc: bool) -> IncidentRecord:
    """One document, read with :func:`incidentkit.load`; errors name the file."""
    if os.path.isdir(path):
        raise ValidationError(
            [
                "$: is a folder; report reads one incident document (check and "
                "stats read folders)"
            ],
            source=path,
        )
    # load() turns every OSError into "cannot read (...)"; a missing file
    # reads as check and stats say it.
    missing = _missing_source(path)
    if missing is not None:
        raise missing
    try:
        return load(path, assume_utc=assume_utc, format=input_format)
    except FileNotFoundError:
        raise ValidationError(["$: no such file or folder"], source=path) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValidationError([f"$: cannot read ({reason})"], source=path) from None


def _run_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.file is None:
        if args.input_format != "incidentkit":
            err.write(
                "incidentkit report: --input-format needs a FILE (the bundled "
                "example is in incidentkit's own format)\n"
            )
            return EXIT_USAGE
        path = str(example_path())
    else:
        path = args.file
    try:
        rec = _load_one_file(path, args.input_format, args.assume_utc)
    except ValidationError as exc:
        _print_errors(exc, err)
        return EXIT_FAILED
    data = report_data(rec, as_of=args.as_of or _today(), source=path)
    if args.format == "json":
        _json_dump(data, out)
        return EXIT_OK
    heading, facts, sections = _report_sections(rec, data)
    render = _render_markdown if args.format == "markdown" else _render_text
    out.write(render(heading, facts, sections))
    return EXIT_OK


# --- check ----------------------------------------------------------------------------


def _run_check(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    parser: argparse.ArgumentParser,
) -> int:
    try:
        policy = CheckPolicy(select=args.select, ignore=args.ignore or ())
    except ValidationError as exc:
        # The policy names its parameters; the user typed options.
        parser.error("; ".join(f"--{error}" for error in exc.errors))
    as_of = args.as_of
    failing = set(LEVELS[: LEVELS.index(args.fail_on) + 1])

    progress = _Progress(_count_files(args.sources), err, "checking")
    findings: list[dict[str, Any]] = []
    load_errors: list[dict[str, Any]] = []
    counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
    checked = 0
    text = args.format == "text"
    for loaded in _iter_records(
        args.sources, input_format=args.input_format, assume_utc=args.assume_utc
    ):
        progress.advance()
        if loaded.error is not None or loaded.record is None:
            assert loaded.error is not None
            if progress.enabled:
                err.write("\n")
            _print_errors(loaded.error, err)
            load_errors.append(
                {"source": loaded.where, "errors": list(loaded.error.errors)}
            )
            continue
        checked += 1
        found = check(loaded.record, policy=policy, as_of=as_of)
        for level, count in count_levels(found).items():
            counts[level] += count
        for finding in found:
            data = _finding_data(finding, loaded.where)
            findings.append(data)
            if text:
                # Streamed, as a linter does: a long run shows findings early.
                out.write(_finding_line(data))
    progress.close()

    status = (
        EXIT_FAILED
        if load_errors or any(counts.get(level) for level in failing)
        else EXIT_OK
    )
    if args.format == "json":
        _json_dump(
            {
                "schema_version": JSON_SCHEMA_VERSION,
                "as_of": None if as_of is None else as_of.isoformat(),
                "fail_on": args.fail_on,
                "checked": checked,
                "failed_to_load": len(load_errors),
                "counts": counts,
                "exit_status": status,
                "findings": findings,
                "load_errors": load_errors,
            },
            out,
        )
    elif args.format == "markdown":
        out.write(_check_markdown(findings, checked, load_errors, counts))
    else:
        err.write(_check_summary(checked, counts, len(load_errors)) + "\n")
    return status


def _level_counts_text(counts: dict[str, int]) -> str:
    names = {"error": "errors", "warning": "warnings"}
    return ", ".join(
        f"{n} {level if n == 1 else names.get(level, level)}"
        for level, n in counts.items()
    )


def _check_summary(checked: int, counts: dict[str, int], failed: int) -> str:
    noun = "record" if checked == 1 else "records"
    summary = f"{checked} {noun} checked: {_level_counts_text(counts)}"
    if failed:
        summary += f"; {failed} failed to load"
    return summary


def _finding_line(data: dict[str, Any]) -> str:
    path = data["path"] or "$"
    return (
        _visible(
            f"{data['source']}:{path}:{data['code']}:{data['level']}: "
            f"{_one_line(data['message'])}"
        )
        + "\n"
    )


def _check_markdown(
    findings: list[dict[str, Any]],
    checked: int,
    load_errors: list[dict[str, Any]],
    counts: dict[str, int],
) -> str:
    lines = [
        "## incidentkit check",
        "",
        _check_summary(checked, counts, len(load_errors)),
        "",
    ]
    if findings:
        lines.extend(
            _md_table(
                ("source", "path", "code", "level", "message"),
                [
                    (f["source"], f["path"] or "$", f["code"], f["level"], f["message"])
                    for f in findings
                ],
                (),
            )
        )
        lines.append("")
    if load_errors:
        lines.extend(["### Failed to load", ""])
        lines.extend(
            f"- `{_md(error)}`" for item in load_errors for error in item["errors"]
        )
        lines.append("")
    return _visible("\n".join(lines).rstrip("\n") + "\n")


# --- stats ------------------------------------------------------------------------


def _metrics() -> tuple[str, ...]:
    return (*FIGURE_NAMES, *PHASE_NAMES, *NUMBER_METRICS)


def _is_duration(metric: str) -> bool:
    return metric not in NUMBER_METRICS


def _load_table(
    source: str, args: argparse.Namespace, err: TextIO
) -> tuple[IncidentTable, list[ValidationError]]:
    """The table of ``source`` and the documents that failed to load.

    A large folder is read in slices, so that the progress bar moves; the
    slices are the same documents in the same order, and one table results.
    """

    def read(part: str | list[str]) -> IncidentTable:
        return load_table(
            part,
            format=args.input_format,
            errors="collect",
            assume_utc=args.assume_utc,
        )

    total = _count_files([source])
    progress = _Progress(total, err, "loading")
    if not progress.enabled:
        table = read(source)
        return table, list(table.errors)
    assert total is not None
    path = Path(source)
    files = [str(f) for f in sorted(path.glob("*.json"))] if path.is_dir() else []
    if not files:
        table = read(source)
        return table, list(table.errors)
    step = max(200, total // 50)
    parts = []
    for start in range(0, len(files), step):
        parts.append(read(files[start : start + step]))
        progress.advance(len(files[start : start + step]))
    progress.close()
    errors = [error for part in parts for error in part.errors]
    return IncidentTable.concat(parts), errors


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
) -> dict[str, Any]:
    """What ``incidentkit stats`` shows, as JSON-ready data.

    The grouped figures are :meth:`IncidentTable.group_stats`'s; the
    intervals, when asked for, :meth:`IncidentTable.bootstrap`'s for the
    median and the p90.

    Example:
        >>> import incidentkit as ik
        >>> from incidentkit.table.frame import IncidentTable
        >>> table = IncidentTable.from_records([ik.example()])
        >>> data = stats_data(table, metric="time_to_resolve", by="severity")
        >>> data["groups"][0]["group"], data["groups"][0]["median"]
        (1, 9000.0)
    """
    stats = table.group_stats(metric, by=by)
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
        "ungrouped": len(table) - int(stats.count.sum() + stats.missing.sum()),
        "intervals": None,
        "groups": groups,
    }
    if intervals:
        data["intervals"] = {
            "method": "bootstrap percentile",
            "confidence": confidence,
            "resamples": resamples,
            "seed": seed,
        }
        for stat in INTERVAL_STATS:
            found = table.bootstrap(
                metric, stat, by=by, n=resamples, seed=seed, confidence=confidence
            )
            for group, low, high in zip(
                groups, found.low.tolist(), found.high.tolist(), strict=True
            ):
                group[f"{stat}_ci"] = [_finite(low), _finite(high)]
    return data


def _stats_sections(data: dict[str, Any]) -> tuple[str, list[str], list[_Section]]:
    metric, by = data["metric"], data["by"]
    show = _span if data["unit"] == "seconds" else format_number
    heading = f"{metric} by {by}"
    facts = [f"{data['incidents']:,} incidents in {len(data['groups'])} groups"]
    if data["ungrouped"]:
        facts.append(f"{data['ungrouped']:,} incidents without a {by} left out")
    intervals = data["intervals"]
    if intervals:
        facts.append(
            f"{intervals['confidence']:.0%} bootstrap intervals "
            f"({intervals['resamples']:,} resamples, seed {intervals['seed']})"
        )
    if data["unit"] == "seconds":
        facts.append(f"missing: incidents whose {metric} is unknown (e.g. still open)")
    header: list[str] = [by, "count", "missing", "median"]
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
            show(group["median"]),
        ]
        if intervals:
            row.append(_interval_text(group["median_ci"], show))
        row.append(show(group["p90"]))
        if intervals:
            row.append(_interval_text(group["p90_ci"], show))
        row.extend([show(group["p95"]), show(group["mean"])])
        rows.append(row)
    section = _Section("")
    section.table(header, rows, [False, *([True] * (len(header) - 1))])
    return heading, facts, [section]


def _interval_text(bounds: list[float | None], show: Callable[[Any], str]) -> str:
    low, high = bounds
    if low is None or high is None:
        return _MISSING
    return f"{show(low)} – {show(high)}"


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
    )
    data["source"] = args.source
    data["failed_to_load"] = len(errors)
    if args.format == "json":
        _json_dump(data, out)
    else:
        heading, facts, sections = _stats_sections(data)
        render = _render_markdown if args.format == "markdown" else _render_text
        out.write(render(heading, facts, sections))
    if errors:
        err.write(f"{len(errors)} documents failed to load\n")
        return EXIT_FAILED
    return EXIT_OK


# --- entry point --------------------------------------------------------------------

_Runner = Callable[..., int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``incidentkit`` command and return its exit status.

    Args:
        argv: The arguments after the program name; ``None`` reads
            ``sys.argv[1:]``.

    Returns:
        0 when everything loaded and no finding reached ``--fail-on``; 1 when
        one did or a source failed to load; 2 for a bad command line.
    """
    parser = build_parser()
    out, err = sys.stdout, sys.stderr
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command == "report":
            return _run_report(args, out, err)
        if args.command == "check":
            return _run_check(args, out, err, args.parser)
        return _run_stats(args, out, err, args.parser)
    except SystemExit as exc:  # parser.error() inside a command
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except ValidationError as exc:
        # A bad argument the library rejected (never bad data, which each
        # command reports per document): the same clean lines.
        _print_errors(exc, err)
        return EXIT_FAILED
    except BrokenPipeError:
        # `incidentkit check ... | head`: the reader left; stop quietly, and
        # keep Python from complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
