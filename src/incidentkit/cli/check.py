"""``incidentkit check``: findings of many records, one per line."""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from multiprocessing.reduction import ForkingPickler
from types import MappingProxyType
from typing import Any, Final, NamedTuple, TextIO, TypeAlias

import attrs

from incidentkit.checks.config import (
    CONDITION_KINDS,
    Settings,
    find_settings,
    load_settings,
)
from incidentkit.checks.engine import CheckPolicy, Finding, check
from incidentkit.checks.rules import LEVELS, RULES
from incidentkit.cli._output import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    JSON_SCHEMA_VERSION,
    _json_dump,
    _print_errors,
    _Progress,
    _today,
)
from incidentkit.cli._reports import gitlab_report, sarif_report
from incidentkit.cli._sources import (
    DEFAULT_EXCLUDE,
    STDIN,
    STDIN_NAME,
    _count_files,
    _expand,
    _load_all,
    _missing_source,
    _read_stdin,
)
from incidentkit.errors import ValidationError
from incidentkit.figures.policy import Policy
from incidentkit.records.io import iter_sources
from incidentkit.records.positions import json_positions, locate
from incidentkit.render.document import md_code as _md_code
from incidentkit.render.document import md_table as _md_table
from incidentkit.render.document import one_line as _one_line
from incidentkit.render.document import visible as _visible


@attrs.frozen
class _Run:
    """What ``report`` and ``check`` apply: the file's settings, then options."""

    settings: Settings
    rules: CheckPolicy
    as_of: date | None
    as_of_text: str
    fail_on: str
    exclude: tuple[str, ...]
    _by_file: dict[tuple[str, ...], CheckPolicy] = attrs.field(factory=dict)

    def rules_for(self, where: str) -> CheckPolicy:
        """The rules of one document, with the file's per-file ignores."""
        ignored = self.settings.ignored_in(_file_of(where))
        if not ignored:
            return self.rules
        if ignored not in self._by_file:
            self._by_file[ignored] = attrs.evolve(
                self.rules, ignore=self.rules.ignore | set(ignored)
            )
        return self._by_file[ignored]


def _file_of(where: str) -> str:
    # A JSONL document is "file.jsonl:LINE"; its file is what patterns match.
    name, _, line = where.rpartition(":")
    return name if line.isdigit() and name.endswith(".jsonl") else where


@attrs.frozen
class _Options:
    """What the command line sets over every settings file (plain data)."""

    select: frozenset[str] | None
    ignore: frozenset[str]
    as_of: str | None
    fail_on: str | None
    exclude: tuple[str, ...] | None
    extend_exclude: tuple[str, ...]

    @classmethod
    def of(cls, args: argparse.Namespace) -> _Options:
        return cls(
            select=None if args.select is None else frozenset(args.select),
            ignore=frozenset(args.ignore or ()),
            as_of=args.as_of,
            fail_on=getattr(args, "fail_on", None),
            exclude=getattr(args, "exclude", None),
            extend_exclude=tuple(getattr(args, "extend_exclude", None) or ()),
        )


def _settings(args: argparse.Namespace, start: str) -> Settings:
    """The settings of a run; a bad file is a usage error (exit 2, like ruff)."""
    if args.isolated:
        return Settings()
    if args.config:
        # As ruff does with --config: one file for every path, and its
        # per-file patterns relative to the folder the command runs in.
        return attrs.evolve(load_settings(args.config), root=os.getcwd())
    path = find_settings(start)
    return Settings() if path is None else load_settings(path)


def _run_of(settings: Settings, options: _Options) -> _Run:
    """The rules ``report`` and ``check`` apply, from one file and the options.

    Options win over the file: ``--select`` replaces its ``select``,
    ``--ignore`` adds to its ``ignore``, ``--as-of`` and ``--fail-on``
    replace its values; the file's levels and limits stay.

    Raises:
        ValidationError: When ``--select`` or ``--ignore`` names no rule.
    """
    base = settings.rules
    rules = attrs.evolve(
        base,
        select=base.select if options.select is None else options.select,
        ignore=base.ignore | options.ignore,
    )
    as_of = options.as_of or settings.as_of or "today"
    day = (
        None
        if as_of == "none"
        else _today()
        if as_of == "today"
        else date.fromisoformat(as_of)
    )
    exclude_base = (
        options.exclude
        if options.exclude is not None
        else settings.exclude
        if settings.exclude is not None
        else DEFAULT_EXCLUDE
    )
    exclude = (*exclude_base, *settings.extend_exclude, *options.extend_exclude)
    return _Run(
        settings,
        rules,
        day,
        as_of,
        options.fail_on or settings.fail_on or "error",
        exclude,
    )


def _resolve(
    args: argparse.Namespace, parser: argparse.ArgumentParser, start: str
) -> _Run:
    """The rules ``report``, ``check`` and ``review`` apply to ``start``."""
    settings = _settings(args, start)
    try:
        return _run_of(settings, _Options.of(args))
    except ValidationError as exc:
        # The policy names its parameters; the user typed options.
        parser.error("; ".join(f"--{error}" for error in exc.errors))


def _resolve_or_exit(
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    start: str,
    out: TextIO,
    err: TextIO,
) -> _Run | int:
    """The run of ``start``, or the exit status when the command ends here.

    It ends on a settings file that is not valid (a usage error, named) and
    on ``--show-settings`` (the settings are the output).
    """
    try:
        run = _resolve(args, parser, start)
    except ValidationError as exc:
        _print_errors(exc, err)
        return EXIT_USAGE
    if args.show_settings:
        return _show_settings(run, out)
    return run


@attrs.define
class _Runs:
    """Each file's run: its nearest settings file with the options over it.

    As ruff does, a file is judged by the settings file closest to it,
    walking up from its folder, and only by that one (files are not
    merged); ``--config`` and ``--isolated`` give one run to every file.
    Found files are cached by folder, loaded ones by path. Plain data, so
    that each worker process gets a copy and fills its own caches.
    """

    first: _Run
    options: _Options
    fixed: bool
    _folders: dict[str, str | None] = attrs.field(factory=dict)
    _by_path: dict[str | None, _Run] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        self._by_path[self.first.settings.path] = self.first

    def run_for(self, where: str) -> _Run:
        """The run of one document (``file.json``, ``file.jsonl:3``, ``<stdin>``).

        Raises:
            ValidationError: When its settings file is not valid.
        """
        if self.fixed:
            return self.first
        folder = (
            os.getcwd()
            if where == STDIN_NAME
            else os.path.dirname(os.path.abspath(_file_of(where)))
        )
        if folder not in self._folders:
            found = find_settings(folder)
            self._folders[folder] = None if found is None else os.fspath(found)
        path = self._folders[folder]
        if path not in self._by_path:
            settings = Settings() if path is None else load_settings(path)
            self._by_path[path] = _run_of(settings, self.options)
        return self._by_path[path]


def _show_settings(run: _Run, out: TextIO) -> int:
    """``--show-settings``: what the run would apply, and where it comes from."""
    settings, rules, policy = run.settings, run.rules, run.settings.policy
    days = ", ".join(f"{k} = {v}" for k, v in sorted(policy.deadline_days.items()))
    gaps = ", ".join(
        f"{k} = {span.total_seconds() / 60:g}"
        for k, span in sorted(policy.communications.max_gap_by_level.items())
    )
    required = ", ".join(
        f"{k} = {sorted(types)}"
        for k, types in sorted(policy.actions.required_types_by_level.items())
    )
    lines = [
        f"# settings from {settings.path or 'the defaults (no configuration file)'}",
        f"as-of = {run.as_of_text!r}  # {run.as_of or 'deadlines not judged'}",
        f"fail-on = {run.fail_on!r}",
        f"exclude = {list(run.exclude)!r}",
        f"enabled = {list(rules.enabled)!r}",
        "levels = {"
        + ", ".join(f"{code} = {rules.level_of(code)!r}" for code in rules.enabled)
        + "}",
        "per-file-ignores = {"
        + ", ".join(
            f"{pattern!r} = {list(codes)!r}"
            for pattern, codes in settings.per_file_ignores.items()
        )
        + "}",
        *_severity_lines(policy),
        f"max-update-gap-minutes = {{{gaps}}}",
        f"required-action-types = {{{required}}}",
        f"done-statuses = {sorted(policy.actions.done_statuses)!r}",
        f"deadline-days = {{{days}}}",
        f"postmortem-max-level = {rules.postmortem_max_level}",
    ]
    out.write(_visible("\n".join(lines) + "\n"))
    return EXIT_OK


def _shown(value: object) -> str:
    """A value as TOML writes it (true, 0.5, 'text'), for ``--show-settings``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def _severity_lines(policy: Policy) -> list[str]:
    """The ``[severity]`` keys in force: labels, major, scale, each level's criteria."""
    severity = policy.severity
    labels = ", ".join(
        f"{name!r} = {level}" for name, level in policy.severity_labels.names.items()
    )
    lines = [
        f"severity.labels = {{{labels}}}",
        f"severity.major = {severity.major}",
        f"severity.revenue-scale = {list(severity.revenue_scale)!r}",
    ]
    for level in severity.levels:
        key = f"severity.levels.{level.level}"
        lines.append(
            f"{key} = {{label = {level.label!r}, summary = {level.summary!r}}}"
        )
        for criterion in level.criteria:
            fields = [f"description = {criterion.description!r}"]
            for name in CONDITION_KINDS:
                value = getattr(criterion, name.replace("-", "_"))
                if value is not None:
                    fields.append(f"{name} = {_shown(value)}")
            lines.append(f"{key}.criteria.{criterion.name} = {{{', '.join(fields)}}}")
    return lines


def _failing(counts: Mapping[str, int], fail_on: str) -> bool:
    """Whether a finding reached ``--fail-on`` (the one rule of both commands)."""
    return any(counts.get(level) for level in LEVELS[: LEVELS.index(fail_on) + 1])


def _nothing_found(sources: Sequence[str], exclude: Sequence[str]) -> str:
    # As ruff does when it finds no file: a check of nothing is not a pass
    # (a wrong folder, a pattern the shell did not expand, an --exclude too
    # broad), so it is said, and the exit status is the usage error's.
    names = ", ".join(_one_line(source) for source in sources)
    skipped = ", ".join(exclude) or "nothing"
    return (
        f"incidentkit check: no record found in {names} (folders are searched "
        f"recursively for *.json; --exclude skips {skipped}); nothing checked\n"
    )


def _run_check(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    parser: argparse.ArgumentParser,
) -> int:
    run = _resolve_or_exit(args, parser, args.sources[0], out, err)
    if isinstance(run, int):
        return run
    as_of, exclude = run.as_of, run.exclude
    sources = _expand(args.sources)
    runs = _Runs(run, _Options.of(args), fixed=bool(args.config or args.isolated))

    progress = _Progress(_count_files(sources, exclude=exclude), err, "checking")
    findings: list[dict[str, Any]] = []
    load_errors: list[dict[str, Any]] = []
    counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
    checked = 0
    failing = False
    text = args.format == "text"
    context = _Context(runs, args.input_format, args.assume_utc)
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    documents = _with_settings(_documents(sources, exclude), runs)
    try:
        for file_results in _checked(documents, context, jobs):
            progress.advance()
            # One result per document: a file's, or each element's of a list.
            for result in file_results:
                if result.errors is not None:
                    if progress.enabled:
                        err.write("\n")
                    _print_errors(ValidationError(result.errors), err)
                    load_errors.append(
                        {"source": result.where, "errors": result.errors}
                    )
                    continue
                checked += 1
                failing = failing or result.failing
                for data in result.findings:
                    counts[data["level"]] += 1
                    findings.append(data)
                    if text:
                        # Streamed, as a linter does: a long run shows findings
                        # early.
                        out.write(_finding_line(data))
                    elif args.format == "json-lines":
                        _json_line(data, out)
                    elif args.format == "github":
                        out.write(_github_line(data))
    except ValidationError as exc:
        # A settings file met on the way (nearer to some file than the
        # first path's) is not valid: a usage error, as at the start.
        progress.close()
        _print_errors(exc, err)
        return EXIT_USAGE
    progress.close()
    if not checked and not load_errors:
        err.write(_nothing_found(args.sources, exclude))
        return EXIT_USAGE

    # Each record fails by its own settings' fail-on (_check_document).
    status = EXIT_FAILED if load_errors or failing else EXIT_OK
    if args.exit_zero and status == EXIT_FAILED:
        # Reported, never failing: a team adopting the linter sees the
        # findings in CI before it lets them block a merge.
        status = EXIT_OK
    if args.statistics:
        err.write(_statistics(findings))
    if args.format == "json":
        _json_dump(
            {
                "schema_version": JSON_SCHEMA_VERSION,
                "as_of": None if as_of is None else as_of.isoformat(),
                "fail_on": run.fail_on,
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
    elif args.format in ("gitlab", "sarif"):
        report = (
            gitlab_report(findings, load_errors)
            if args.format == "gitlab"
            else sarif_report(findings, load_errors, status)
        )
        _json_dump(report, out)
        err.write(_check_summary(checked, counts, len(load_errors)) + "\n")
    elif args.format in ("json-lines", "github"):
        if args.format == "github":
            for item in load_errors:
                for error in item["errors"]:
                    out.write(_github_command("error", {"file": item["source"]}, error))
        err.write(_check_summary(checked, counts, len(load_errors)) + "\n")
    else:
        err.write(_check_summary(checked, counts, len(load_errors)) + "\n")
    return status


class _Context(NamedTuple):
    """What a worker needs to check a document: sent once, to each worker."""

    runs: _Runs
    input_format: str
    assume_utc: bool


class _Result(NamedTuple):
    """One document's outcome as plain data: what crosses between processes."""

    where: str
    findings: list[dict[str, Any]]
    #: The document's load errors (``FILE: path: message`` without FILE),
    #: or ``None`` when it loaded.
    errors: list[str] | None
    #: Whether a finding reached the fail-on of the record's settings.
    failing: bool = False


#: A document as read: its name and its bytes, or why it could not be read
#: (the errors' lines, each starting with the name).
_Document: TypeAlias = tuple[str, bytes | list[str]]

#: Fewer documents than this are checked in this process: starting workers
#: (each imports incidentkit, about half a second) costs more than it saves.
_POOL_MIN: int = 256
#: Documents sent to a worker at once, and batches in flight per worker:
#: enough to keep workers busy, few enough to hold little in memory (a
#: 200,000-line JSONL file is streamed, never read whole).
_BATCH: Final = 32
_IN_FLIGHT: Final = 4

# A worker's context, set once when its process starts (_start_worker): the
# policy is sent once per worker rather than with every batch.
_WORKER_CONTEXT: list[_Context] = []


def _documents(sources: Sequence[str], exclude: Sequence[str]) -> Iterator[_Document]:
    """Every document of ``sources`` as read, in the order of one process."""
    for source in sources:
        if source == STDIN:
            yield _read(STDIN_NAME, _read_stdin())
            continue
        missing = _missing_source(source)
        if missing is not None:
            yield source, list(missing.errors)
            continue
        for where, read in iter_sources(source, recursive=True, exclude=exclude):
            yield _read(where, read)


def _with_settings(documents: Iterator[_Document], runs: _Runs) -> Iterator[_Document]:
    """``documents``, each file's settings found and loaded first, here.

    The workers load the same files again (each has its own cache); loading
    them first in this process turns a bad settings file into one usage
    error, not an exception in a worker.
    """
    for document in documents:
        runs.run_for(document[0])
        yield document


def _read(where: str, read: bytes | ValidationError) -> _Document:
    if isinstance(read, ValidationError):
        return where, ValidationError(read.errors, source=where).errors
    return where, read


def _check_document(document: _Document, context: _Context) -> list[_Result]:
    """Load and check one document, or each element of an API list response.

    Each result is named as the document is (``file.json[3]`` for an
    element); findings are located in the file's text.
    """
    where, raw = document
    if isinstance(raw, list):
        return [_Result(where, [], raw)]
    loaded = _load_all(
        where,
        raw,
        input_format=context.input_format,
        assume_utc=context.assume_utc,
    )
    positions: dict[str, Any] | None = None
    results = []
    for one in loaded:
        if one.error is not None or one.record is None:
            assert one.error is not None
            results.append(_Result(one.where, [], list(one.error.errors)))
            continue
        run = context.runs.run_for(where)
        found = check(
            one.record,
            policy=run.settings.policy,
            rules=run.rules_for(where),
            as_of=run.as_of,
        )
        # Scanned only when there is something to point at (most files of a
        # healthy repository have no finding), and once per file.
        if found and positions is None:
            positions = json_positions(_text(one.raw))
        findings = []
        for finding in found:
            data = _finding_data(finding, one.where)
            data.update(_location(where, positions or {}, finding.path, one.where))
            findings.append(data)
        counts = Counter(str(finding.level) for finding in found)
        results.append(
            _Result(one.where, findings, None, _failing(counts, run.fail_on))
        )
    return results


def _mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _read_only, (dict(proxy),)


def _read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


# The policy's read-only mappings (MappingProxyType) do not pickle; the
# workers get a copy of each, read-only again. Registered for the pickler of
# process pools only, not for pickle at large.
ForkingPickler.register(MappingProxyType, _mapping_proxy)


def _start_worker(context: _Context) -> None:
    _WORKER_CONTEXT[:] = [context]


def _check_batch(batch: list[_Document]) -> list[list[_Result]]:
    context = _WORKER_CONTEXT[0]
    return [_check_document(document, context) for document in batch]


def _checked(
    documents: Iterator[_Document], context: _Context, jobs: int
) -> Iterator[list[_Result]]:
    """Each document's results, in the order of ``documents``, on ``jobs`` processes.

    The output is the same for any ``jobs``: batches are submitted in order
    and their results taken in order, whichever worker finishes first.
    """
    head = list(itertools.islice(documents, _POOL_MIN))
    if jobs <= 1 or len(head) < _POOL_MIN:
        for document in itertools.chain(head, documents):
            yield _check_document(document, context)
        return
    batches = _batched(itertools.chain(head, documents), _BATCH)
    # spawn, not fork: the same on every system, and no fork of a process
    # that may hold threads (Python 3.12 warns about that).
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(context,),
    ) as pool:
        pending: deque[Future[list[list[_Result]]]] = deque()
        for batch in batches:
            pending.append(pool.submit(_check_batch, batch))
            if len(pending) >= jobs * _IN_FLIGHT:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _batched(items: Iterator[_Document], size: int) -> Iterator[list[_Document]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def _text(raw: bytes | None) -> str:
    if raw is None:
        return ""
    return raw.decode("utf-8", errors="replace")


def _location(
    where: str, positions: dict[str, Any], path: str, element: str | None = None
) -> dict[str, Any]:
    """The file, line and column of a finding (column within a JSONL line).

    ``element`` (``where[3]``) is a list response's element: its path in the
    file is ``[3]`` (a JSON array) or ``incidents[3]``, and ``element`` is
    also the finding's ``element``, the name text output shows.
    """
    extra: dict[str, Any] = {}
    if element is not None and element != where:
        index = element[len(where) :]
        prefix = index if index in positions else f"incidents{index}"
        path = f"{prefix}.{path}" if path else prefix
        extra = {"element": element}
    position = locate(positions, path or "$")
    line, column = (1, 1) if position is None else position[:2]
    name, _, number = where.rpartition(":")
    if number.isdigit() and name.endswith(".jsonl"):
        # The scan saw one line of the file: its line 1 is the file's line.
        return {"file": name, "line": int(number) + line - 1, "column": column}
    return {"file": where, "line": line, "column": column, **extra}


def _json_line(data: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=True, sort_keys=True) + "\n")


def _github_escape(text: str, *, property_value: bool = False) -> str:
    # The escapes of GitHub's workflow commands: %, CR and LF always, and in
    # a property also the ":" and "," that would end it.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github_command(level: str, properties: dict[str, Any], message: str) -> str:
    shown = ",".join(
        f"{key}={_github_escape(str(value), property_value=True)}"
        for key, value in properties.items()
    )
    return f"::{level} {shown}::{_github_escape(message)}\n"


def _github_line(data: dict[str, Any]) -> str:
    # GitHub knows error, warning and notice; info is a notice.
    level = {"error": "error", "warning": "warning"}.get(data["level"], "notice")
    properties = {
        "file": data["file"],
        "line": data["line"],
        "col": data["column"],
        "title": f"{data['code']} {RULES[data['code']].name}",
    }
    return _github_command(level, properties, f"{data['code']} {data['message']}")


def _statistics(findings: Sequence[dict[str, Any]]) -> str:
    """``--statistics``: findings counted by rule, most frequent first, as ruff."""
    counts = Counter(finding["code"] for finding in findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    return "".join(
        f"{n:>{width}}  {code}  [{RULES[code].level}] {RULES[code].name}\n"
        for code, n in rows
    )


def _finding_data(finding: Finding, where: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {} if where is None else {"source": where}
    data.update(
        code=finding.code,
        level=str(finding.level),
        path=finding.path,
        message=finding.message,
    )
    return data


def _level_counts(findings: Sequence[dict[str, Any]]) -> str:
    counts: dict[str, int] = dict.fromkeys(LEVELS, 0)
    for finding in findings:
        counts[finding["level"]] = counts.get(finding["level"], 0) + 1
    return _level_counts_text(counts)


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
    # One line per finding, whatever the file name or the record holds: a
    # newline in either would forge a FILE:PATH:CODE:LEVEL line for CI.
    # An element of a list response is named as itself: file.json[3].
    source = _one_line(data.get("element", data["file"]))
    code = _one_line(data["code"])
    level, message = _one_line(data["level"]), _one_line(data["message"])
    place = f"{source}:{data['line']}:{data['column']}"
    return f"{place}: {code} [{level}] {message}\n"


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
                ("file", "line", "column", "path", "code", "level", "message"),
                [
                    (
                        f["file"],
                        str(f["line"]),
                        str(f["column"]),
                        f["path"] or "$",
                        f["code"],
                        f["level"],
                        f["message"],
                    )
                    for f in findings
                ],
                (False, True, True),
            )
        )
        lines.append("")
    if load_errors:
        lines.extend(["### Failed to load", ""])
        lines.extend(
            f"- {_md_code(error)}" for item in load_errors for error in item["errors"]
        )
        lines.append("")
    return _visible("\n".join(lines).rstrip("\n") + "\n")
