"""``incidentkit review``: a period's review, written as HTML and Markdown."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from incidentkit.cli._output import EXIT_FAILED, EXIT_OK, _print_errors
from incidentkit.cli._sources import _load_table, _missing_source
from incidentkit.cli.check import _resolve_or_exit
from incidentkit.errors import ValidationError
from incidentkit.review import parse_period, review
from incidentkit.table.periods import zone

__all__ = ["add_review_options"]


def add_review_options(command: argparse.ArgumentParser) -> None:
    """The arguments of ``incidentkit review`` (the input options are shared)."""
    command.add_argument(
        "source",
        metavar="SOURCE",
        help="a folder of *.json, a JSONL file or a JSON file",
    )
    command.add_argument(
        "--period",
        required=True,
        metavar="PERIOD",
        help="the period reviewed, of declared_at: a quarter (2024Q3), a month "
        "(2024-07), a year (2024) or an ISO week (2024-W27)",
    )
    command.add_argument(
        "--previous",
        default="auto",
        metavar="PERIOD|auto|none",
        help="the period compared with: auto (the one just before, the default), "
        "another period, or none",
    )
    command.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="the HTML file written (default: review-PERIOD.html)",
    )
    command.add_argument(
        "--markdown",
        metavar="FILE",
        help="the Markdown file written (default: the HTML file's name with .md)",
    )
    command.add_argument(
        "--tz",
        metavar="ZONE",
        help="time zone of the period's calendar (an IANA name such as "
        "Europe/Paris; default: UTC)",
    )


def _run_review(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    parser: argparse.ArgumentParser,
) -> int:
    # Checked before the (possibly long) load; the messages name the options
    # the user typed, where the library names its parameters.
    try:
        where = zone(args.tz, "--tz")
    except ValidationError as problem:
        parser.error(problem.errors[0])
    try:
        span = parse_period(args.period, where)
    except ValidationError as problem:
        parser.error("--" + problem.errors[0])
    previous = None if args.previous == "none" else args.previous
    if previous != "auto" and previous is not None:
        try:
            parse_period(previous, where)
        except ValidationError as problem:
            parser.error("--previous" + problem.errors[0].removeprefix("period"))
    html_path = Path(args.output or f"review-{span.label}.html")
    markdown_path = (
        Path(args.markdown) if args.markdown else html_path.with_suffix(".md")
    )
    if markdown_path == html_path:
        # One file would silently overwrite the other.
        parser.error(
            f"--markdown: the same file as --output ({str(html_path)!r}); "
            "name another with --markdown"
        )
    # The settings nearest the source, as report and check read them: the
    # findings counted and the overdue items are theirs.
    run = _resolve_or_exit(args, parser, args.source, out, err)
    if isinstance(run, int):
        return run
    missing = _missing_source(args.source)
    if missing is not None:
        _print_errors(missing, err)
        return EXIT_FAILED
    table, errors = _load_table(
        args.source,
        args,
        err,
        as_of=run.as_of,
        checks=run.rules,
        policy=run.settings.policy,
    )
    for error in errors:
        _print_errors(error, err)
    result = review(table, span.label, previous=previous, tz=args.tz)
    result.write(html_path, markdown=markdown_path)
    out.write(
        f"{result.incidents:,} incidents in {span.label}: wrote {html_path} "
        f"and {markdown_path}\n"
    )
    if errors:
        err.write(f"{len(errors)} documents failed to load\n")
        return EXIT_FAILED
    return EXIT_OK
