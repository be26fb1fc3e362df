"""The ``incidentkit`` command: ``report``, ``check``, ``stats`` and ``review``.

Run ``incidentkit --help`` (or ``python -m incidentkit --help``) for the
commands and ``incidentkit COMMAND --help`` for each one's options and
examples. :func:`main` is the entry point; it returns the exit status instead
of exiting, so that it can be called in-process:

* 0: everything loaded and no finding reached ``--fail-on``;
* 1: a finding reached ``--fail-on``, or a source failed to load;
* 2: a usage error: the command line itself was wrong (argparse's
  convention), or ``check`` found no record to check.

The commands live in :mod:`incidentkit.cli.report`,
:mod:`incidentkit.cli.check`, :mod:`incidentkit.cli.stats` and
:mod:`incidentkit.cli.review`; what they
share, in ``_output`` (rendering) and ``_sources`` (reading inputs).

Bad data never produces a traceback: every load problem is printed on
stderr as ``FILE: path: message``, the form of
:attr:`incidentkit.ValidationError.errors`.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Final, TextIO

from incidentkit._version import __version__
from incidentkit.checks.config import as_of_text
from incidentkit.checks.rules import LEVELS
from incidentkit.cli._output import CHECK_FORMATS as CHECK_FORMATS
from incidentkit.cli._output import EXIT_FAILED as EXIT_FAILED
from incidentkit.cli._output import EXIT_OK as EXIT_OK
from incidentkit.cli._output import EXIT_USAGE as EXIT_USAGE
from incidentkit.cli._output import JSON_SCHEMA_VERSION as JSON_SCHEMA_VERSION
from incidentkit.cli._output import OUTPUT_FORMATS as OUTPUT_FORMATS
from incidentkit.cli._output import PROGRESS_THRESHOLD as PROGRESS_THRESHOLD
from incidentkit.cli._output import _print_errors
from incidentkit.cli._sources import DEFAULT_EXCLUDE as DEFAULT_EXCLUDE
from incidentkit.cli.check import _run_check
from incidentkit.cli.report import _run_report
from incidentkit.cli.report import report_data as report_data
from incidentkit.cli.review import _run_review, add_review_options
from incidentkit.cli.stats import INTERVAL_STATS as INTERVAL_STATS
from incidentkit.cli.stats import NUMBER_METRICS as NUMBER_METRICS
from incidentkit.cli.stats import STATS_GROUPINGS as STATS_GROUPINGS
from incidentkit.cli.stats import _run_stats, time_bound
from incidentkit.cli.stats import stats_data as stats_data
from incidentkit.errors import ValidationError
from incidentkit.records.io import AUTO, FORMATS
from incidentkit.table.bootstrap import MAX_RESAMPLES
from incidentkit.table.results import MAINTENANCE_CHOICES

__all__ = ["JSON_SCHEMA_VERSION", "PROGRESS_THRESHOLD", "build_parser", "main"]


# --- the parser ------------------------------------------------------------------


def _day(text: str) -> str:
    # Kept as text and resolved once the configuration file is read: an
    # option given wins over the file's as-of, a default would not.
    word = as_of_text(text)
    if word is None:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD, 'today' or 'none', got {text!r}"
        )
    return word


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _resamples(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_RESAMPLES:
        raise argparse.ArgumentTypeError(
            f"expected at most {MAX_RESAMPLES:,} resamples, got {text!r}"
        )
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


def _comma_list(text: str) -> list[str]:
    """Rule codes or exclude patterns, comma-separated: the non-empty items."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _selected_codes(text: str) -> list[str]:
    # An empty selection would run no rule and pass every record: in CI an
    # unset `--select "$RULES"` would make the linter a silent no-op.
    codes = _comma_list(text)
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
  incidentkit review incidents/ --period 2024Q3

exit status: 0 ok, 1 findings at --fail-on or load errors, 2 usage error
(bad command line, or no record found).
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
  incidentkit check postmortems/ --ignore IK404,action-item-without-owner
  incidentkit check 'postmortems/**/*.json' --extend-exclude drafts

Folders are walked recursively for *.json files, skipping hidden files and
folders (--exclude '.*' by default). A run that finds no record exits 2.

Each finding is printed as FILE:PATH:CODE:LEVEL: MESSAGE, where PATH is the
place in the record. Codes, rule names and families (severity, timeline,
consistency, communications, action_items) are accepted by --select and
--ignore, as is a code prefix such as IK2.
""",
    "stats": """\
examples:
  incidentkit stats incidents/ --by severity
  incidentkit stats incidents/ --by severity --by quarter --since 2024-01-01
  incidentkit stats incidents/ --by week --tz Europe/Paris --until 2024-07-01
  incidentkit stats incidents.jsonl --by month --metric time_to_mitigate
  incidentkit stats incidents/ --by service --ci --seed 7 --format json
  incidentkit stats statuspage/ --input-format statuspage --by month

Durations are in seconds in JSON, human-readable in text and Markdown.
""",
    "review": """\
examples:
  incidentkit review incidents/ --period 2024Q3
  incidentkit review incidents.jsonl --period 2024-07 -o july.html
  incidentkit review statuspage/ --period 2024 --previous none --as-of none
  incidentkit review incidents/ --period 2024-W27 --tz Europe/Paris

Writes one self-contained HTML file (plots inline when matplotlib is
installed, nothing fetched from the network) and its Markdown version.
""",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``incidentkit`` command."""
    common = argparse.ArgumentParser(add_help=False)
    output = common.add_argument_group("input and output")
    output.add_argument(
        "--input-format",
        choices=(AUTO, *FORMATS),
        default=AUTO,
        metavar="{" + ",".join((AUTO, *FORMATS)) + "}",
        help="the format of the input documents; auto reads each in the format "
        "its top-level keys show, else as incidentkit's own (default: auto)",
    )
    output.add_argument(
        "--assume-utc",
        action="store_true",
        help="read timestamps without a UTC offset as UTC instead of rejecting them",
    )

    # report, check and review judge records with the same rules and the
    # same defaults: the one place their options are declared.
    linting = argparse.ArgumentParser(add_help=False)
    rules = linting.add_argument_group("rules")
    rules.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD|today|none",
        help="the day to judge action-item deadlines (IK508) on; 'none' skips "
        "that rule, so that a record passing today passes tomorrow "
        "(default: as-of in the configuration, else today, UTC)",
    )
    rules.add_argument(
        "--select",
        type=_selected_codes,
        action="extend",
        metavar="CODES",
        help="only these rules (comma-separated codes, names, families or prefixes)",
    )
    rules.add_argument(
        "--ignore",
        type=_comma_list,
        action="extend",
        metavar="CODES",
        help="skip these rules, in addition to the configuration's ignore "
        "(same forms as --select)",
    )
    settings = linting.add_argument_group("configuration")
    found = settings.add_mutually_exclusive_group()
    found.add_argument(
        "--config",
        metavar="FILE",
        help="read settings from this incidentkit.toml or pyproject.toml for "
        "every path, instead of the one nearest to each file",
    )
    found.add_argument(
        "--isolated",
        action="store_true",
        help="ignore every configuration file: defaults and options only",
    )
    settings.add_argument(
        "--show-settings",
        action="store_true",
        help="print the resolved settings and the file they come from, and exit",
    )

    # Only report and check exit on findings; review counts them.
    failing = argparse.ArgumentParser(add_help=False)
    failing.add_argument_group("exit status").add_argument(
        "--fail-on",
        choices=LEVELS,
        help="the lowest level that makes the exit status 1 (default: fail-on "
        "in the configuration, else error)",
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
        parents=[common, linting, failing],
        help="a readable report on one incident",
        description="Milestones, durations and phases, communications, impact "
        "score, action-item coverage and findings of one incident.",
        epilog=_EPILOGS["report"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="an incident document (default: the bundled example)",
    )

    check = commands.add_parser(
        "check",
        parents=[common, linting, failing],
        help="check records for inconsistencies, like a linter",
        description="Check every record and print its findings, one per line. "
        "Exits 1 when a finding reaches --fail-on or a document fails to load, "
        "2 when no record is found.",
        epilog=_EPILOGS["check"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "sources",
        nargs="+",
        metavar="FILE|FOLDER|GLOB",
        help="JSON files, JSONL files (one record a line), folders (walked "
        "recursively for *.json), glob patterns ('pm/**/*.json'), or - for "
        "one document on standard input (named <stdin>)",
    )
    walking = check.add_argument_group("finding files")
    walking.add_argument(
        "--exclude",
        type=_comma_list,
        metavar="PATTERNS",
        help="comma-separated glob patterns of files and folders to skip inside "
        "folders, matched against each name and each path relative to the "
        f"folder given; replaces the default ({','.join(DEFAULT_EXCLUDE)}: "
        "hidden files and folders)",
    )
    walking.add_argument(
        "--extend-exclude",
        type=_comma_list,
        action="extend",
        metavar="PATTERNS",
        help="patterns to skip in addition to --exclude or its default",
    )

    check_output = check.add_argument_group("check's output")
    check_output.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=CHECK_FORMATS,
        default="text",
        help="text (FILE:LINE:COL: CODE [level] message), json, json-lines, "
        "github (workflow commands that annotate a pull request), gitlab (a "
        "code quality report), sarif (2.1.0, for code scanning), markdown "
        "(default: text)",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        metavar="N",
        help="check files in N processes (default: the machine's cores); the "
        "output is the same for any N",
    )
    check_output.add_argument(
        "--statistics",
        action="store_true",
        help="print on stderr how many findings each rule made",
    )
    check_output.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when a finding reaches --fail-on or a file fails to "
        "load (usage errors still exit 2)",
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
    for command in (report, stats):
        command.add_argument(
            "--format",
            "--output-format",
            dest="format",
            choices=OUTPUT_FORMATS,
            default="text",
            help="output: text for people, json for tools, markdown for "
            "documents, html for a browser (default: text)",
        )
    stats.add_argument(
        "source",
        metavar="SOURCE",
        help="a folder of *.json, a JSONL file or a JSON file",
    )
    stats.add_argument(
        "--by",
        action="append",
        required=True,
        metavar="KEY",
        help="how to group the incidents; repeat it for several keys "
        "(--by severity --by quarter). A column (severity, service, status...), "
        "a period of declared_at (week, month, quarter, year) or of another "
        "time column (quarter:started_at)",
    )
    stats.add_argument(
        "--since",
        type=time_bound,
        metavar="WHEN",
        help="only incidents declared at or after WHEN (inclusive): a date "
        "(midnight) or an ISO 8601 timestamp; UTC unless it has an offset or "
        "--tz is given",
    )
    stats.add_argument(
        "--until",
        type=time_bound,
        metavar="WHEN",
        help="only incidents declared before WHEN (exclusive), read like --since",
    )
    stats.add_argument(
        "--tz",
        metavar="ZONE",
        help="time zone of the periods and of --since/--until without an offset "
        "(an IANA name such as Europe/Paris; default: UTC)",
    )
    stats.add_argument(
        "--metric",
        default="time_to_resolve",
        help="the duration to summarise (default: time_to_resolve)",
    )
    stats.add_argument(
        "--ci",
        action="store_true",
        help="add confidence intervals for the median and p90: distribution-free "
        "(order statistics) with the confidence each reaches, or 'too few "
        "incidents' where the group is too small for one",
    )
    stats.add_argument(
        "--interval-method",
        choices=("order", "bootstrap"),
        default="order",
        help="order statistics (default) or the percentile bootstrap, given only "
        "for groups large enough for it to hold",
    )
    stats.add_argument(
        "--keep-negative",
        action="store_true",
        help="keep negative durations (resolved before started) in the figures; "
        "by default they are left out and counted as invalid",
    )
    stats.add_argument(
        "--maintenance",
        choices=MAINTENANCE_CHOICES,
        default="exclude",
        help="scheduled maintenances (kind maintenance): left out of the figures "
        "and counted (exclude, the default), counted with the incidents "
        "(include), or alone (only)",
    )
    stats.add_argument(
        "--confidence",
        type=_confidence,
        default=0.95,
        help="confidence level of the intervals (default: 0.95)",
    )
    stats.add_argument(
        "--resamples",
        type=_resamples,
        default=1000,
        help="bootstrap resamples, with --interval-method bootstrap (default: 1000)",
    )
    stats.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="seed of the bootstrap's generator (default: 0), for repeatable intervals",
    )
    stats.set_defaults(parser=stats)
    review = commands.add_parser(
        "review",
        parents=[common, linting],
        help="a period's review as one HTML file and its Markdown",
        description="Counts by severity and month, time-to-x figures with "
        "intervals, the period against the previous one, the services with the "
        "most incident time, overdue and missing follow-ups, the findings and "
        "the incidents with the highest impact, for the incidents declared in "
        "a period.",
        epilog=_EPILOGS["review"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_review_options(review)
    review.set_defaults(parser=review)
    return parser


# --- entry point --------------------------------------------------------------------


_Runner = Callable[..., int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``incidentkit`` command and return its exit status.

    Args:
        argv: The arguments after the program name; ``None`` reads
            ``sys.argv[1:]``.

    Returns:
        0 when everything loaded and no finding reached ``--fail-on``; 1 when
        one did or a source failed to load; 2 for a bad command line or a
        ``check`` that found no record.
    """
    parser = build_parser()
    # A closed stream (`incidentkit check x >&-`) is None in Python: writes
    # go nowhere, and the missing output is said where it can be.
    out = sys.stdout if sys.stdout is not None else _Discard()
    err = sys.stderr if sys.stderr is not None else _Discard()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if sys.stdout is None:
        _say(err, "incidentkit: standard output is closed; nothing written")
        return EXIT_FAILED
    try:
        status = _run(args, out, err)
        # Flushed here, not at exit: a full disk must fail inside this try.
        out.flush()
        return status
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
        _silence_stdout()
        return EXIT_FAILED
    except KeyboardInterrupt:
        _say(err, "interrupted")
        return 130
    except ImportError as exc:
        # An optional extra the command needs (scipy for --ci): its message
        # says which one to install.
        _say(err, f"incidentkit: {exc}")
        return EXIT_USAGE
    except (OSError, ValueError) as exc:
        # Writing the output failed: a full disk (ENOSPC), a stream closed
        # while running ("I/O operation on closed file"). Bad data and bad
        # arguments never get here (they are ValidationErrors, caught above).
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        _say(err, f"incidentkit: cannot write the output ({reason})")
        _silence_stdout()
        return EXIT_FAILED


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "report":
        return _run_report(args, out, err, args.parser)
    if args.command == "check":
        return _run_check(args, out, err, args.parser)
    if args.command == "review":
        return _run_review(args, out, err, args.parser)
    return _run_stats(args, out, err, args.parser)


class _Discard(io.StringIO):
    """Where output goes when the stream it was meant for is closed."""


def _say(err: TextIO, message: str) -> None:
    try:
        err.write(message + "\n")
        err.flush()
    except (OSError, ValueError):
        pass  # stderr is gone too: the exit status is all that is left


def _silence_stdout() -> None:
    # Python flushes stdout again at exit and would report the same failure
    # with a traceback-like "Exception ignored" message; point it at devnull.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test's capture): nothing is flushed at exit
