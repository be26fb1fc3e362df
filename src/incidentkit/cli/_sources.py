"""Reading the commands' inputs: files, folders and JSONL files of incidents.

Every load problem becomes a :class:`~incidentkit.ValidationError` that names
its document, never a traceback.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final, TextIO

import attrs

from incidentkit.checks.policy import CheckPolicy
from incidentkit.cli._output import _Progress
from incidentkit.errors import ValidationError
from incidentkit.figures.policy import DEFAULT_POLICY, Policy
from incidentkit.formats import list_documents
from incidentkit.records.io import (
    MAX_DOCUMENT_BYTES,
    from_dict,
    is_folder,
    iter_sources,
    load,
    parse_json,
    path_problem,
    records_of,
    shown_path,
)
from incidentkit.records.schema import IncidentRecord
from incidentkit.table.frame import IncidentTable, load_table

#: What ``check`` skips inside folders unless ``--exclude`` says otherwise:
#: hidden files and folders (``.git``, ``.venv``, editors' ``.#draft.json``),
#: which hold copies and drafts, never the records of a repository.
DEFAULT_EXCLUDE: Final = (".*",)

#: The source that reads one document from standard input, as ruff's ``-``.
STDIN: Final = "-"
#: How findings and errors name it: not a file anyone could open.
STDIN_NAME: Final = "<stdin>"


def _read_stdin(max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes | ValidationError:
    """Standard input's bytes (one document), or why they cannot be read."""
    stream = sys.stdin
    if stream is None:
        return ValidationError(["$: standard input is closed"])
    try:
        # One byte more than allowed tells "too large" from "exactly full".
        raw = stream.buffer.read(max_bytes + 1)
    except (OSError, ValueError, AttributeError) as exc:
        return ValidationError([f"$: cannot read standard input ({exc})"])
    if len(raw) > max_bytes:
        return ValidationError(
            [f"$: document larger than {max_bytes:,} bytes on standard input"]
        )
    return raw


def _expand(sources: Sequence[str]) -> list[str]:
    """``sources`` with glob patterns expanded, in order, each match sorted.

    A path that exists is taken as it is, even when its name holds ``*`` or
    ``[``: quoting a pattern (``'pm/**/*.json'``) is how a user gets the same
    matches on every shell. A pattern that matches nothing stays, and is then
    reported as a missing file. Like the shells, ``*`` skips hidden names.
    """
    expanded: list[str] = []
    for source in sources:
        if glob.has_magic(source) and path_problem(source) is not None:
            matches = sorted(glob.glob(source, recursive=True))
            expanded.extend(matches or [source])
        else:
            expanded.append(source)
    return expanded


def _excluded(name: str, relative: str, exclude: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(relative, pattern)
        for pattern in exclude
    )


def _count_tree(folder: str, exclude: Sequence[str]) -> int:
    """How many ``*.json`` files a recursive walk would read, for a progress bar.

    Listing only, with no link followed: an estimate (the bar caps at 100%),
    never what is read; reading is :func:`incidentkit.records.io.iter_sources`.
    """
    total = 0
    for top, folders, files in os.walk(folder):
        base = os.path.relpath(top, folder)

        def relative(name: str, base: str = base) -> str:
            return name if base == "." else f"{Path(base).as_posix()}/{name}"

        folders[:] = [
            name for name in folders if not _excluded(name, relative(name), exclude)
        ]
        total += sum(
            1
            for name in files
            if name.endswith(".json") and not _excluded(name, relative(name), exclude)
        )
    return total


def _count_files(
    sources: Sequence[str], *, exclude: Sequence[str] | None = None
) -> int | None:
    """How many documents ``sources`` hold, when that is cheap to know.

    A folder's ``*.json`` files are counted from its listing (its whole tree
    when ``exclude`` is given, as ``check`` walks it); a JSONL file's lines
    are not counted (that would read it twice), so its size is unknown.
    """
    total = 0
    for source in sources:
        path = Path(source)
        if is_folder(path) and exclude is not None:
            total += _count_tree(source, exclude)
        elif is_folder(path):
            total += len(_plain_files(source) or ())
        elif path.suffix == ".jsonl":
            return None
        else:
            total += 1
    return total


def _plain_files(folder: str) -> list[str] | None:
    """The folder's ``*.json`` files, sorted, when all are plain files.

    ``None`` when it cannot be listed or holds a link, a folder or a FIFO:
    those are read as the folder (where the walk's limits apply), never as
    a list of paths, which would be read whatever they are.
    """
    try:
        with os.scandir(folder) as listing:
            entries = [entry for entry in listing if entry.name.endswith(".json")]
            if not all(entry.is_file(follow_symlinks=False) for entry in entries):
                return None
    except OSError:
        return None
    return sorted(entry.path for entry in entries)


@attrs.frozen
class _Loaded:
    where: str
    record: IncidentRecord | None
    error: ValidationError | None
    #: The document's text, kept to locate findings in it (line and column).
    raw: bytes | None = None


def _missing_source(source: str) -> ValidationError | None:
    # "no such file" only when there is none: a NUL byte, a name too long or
    # a folder that may not be searched say so (an unreadable file is read,
    # and says "Permission denied").
    problem = path_problem(source)
    if problem is None:
        return None
    if glob.has_magic(source):
        problem = "no file or folder matches this pattern"
    return ValidationError([f"$: {problem}"], source=shown_path(source))


def _load_one(
    where: str, raw: bytes | ValidationError, *, input_format: str, assume_utc: bool
) -> _Loaded:
    try:
        if isinstance(raw, ValidationError):
            raise raw
        record = from_dict(parse_json(raw), assume_utc=assume_utc, format=input_format)
    except ValidationError as exc:
        return _Loaded(where, None, ValidationError(exc.errors, source=where))
    return _Loaded(where, record, None, raw)


def _load_all(
    where: str, raw: bytes | ValidationError, *, input_format: str, assume_utc: bool
) -> list[_Loaded]:
    """Every document of ``raw``: one, or each element of an API list response.

    Read with :func:`incidentkit.records.io.records_of`, the one path of the
    bulk loaders: an element is named ``where[index]``, and keeps the file's
    text (``raw``) to locate its findings in.
    """
    text = raw if isinstance(raw, bytes) else None
    return [
        _Loaded(located, None, read)
        if isinstance(read, ValidationError)
        else _Loaded(located, read, None, text)
        for located, read in records_of(
            where, raw, assume_utc=assume_utc, strict=False, format=input_format
        )
    ]


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
    except ValidationError:
        count = _list_count(path)
        if count is None:
            raise
    raise ValidationError(
        [
            f"$: a list of {count} incident{'' if count == 1 else 's'} (an API "
            "list response or a JSON array); report reads one incident: check "
            "each with `incidentkit check FILE`, summarize them with "
            "`incidentkit stats FILE`"
        ],
        source=path,
    )


def _list_count(path: str) -> int | None:
    """How many elements the list response at ``path`` holds, else ``None``.

    Read only after :func:`~incidentkit.load` refused the file, to tell a
    list (which ``check`` and ``stats`` read element by element) from a
    broken document.
    """
    if path.endswith(".jsonl"):
        return None
    for _, raw in iter_sources(path):
        try:
            if isinstance(raw, ValidationError):
                return None
            elements = list_documents(parse_json(raw), "incidentkit")
        except ValidationError:
            return None
        return None if elements is None else len(elements)
    return None


def _load_table(
    source: str,
    args: argparse.Namespace,
    err: TextIO,
    *,
    as_of: date | None = None,
    checks: bool | CheckPolicy = False,
    policy: Policy = DEFAULT_POLICY,
) -> tuple[IncidentTable, list[ValidationError]]:
    """The table of ``source`` and the documents that failed to load.

    A large folder is read in slices, so that the progress bar moves; the
    slices are the same documents in the same order, and one table results.
    ``as_of``, ``checks`` and ``policy`` are :func:`~incidentkit.load_table`'s.
    """

    def read(part: str | list[str]) -> IncidentTable:
        return load_table(
            part,
            format=args.input_format,
            errors="collect",
            assume_utc=args.assume_utc,
            as_of=as_of,
            checks=checks,
            policy=policy,
        )

    total = _count_files([source])
    progress = _Progress(total, err, "loading")
    if not progress.enabled:
        table = read(source)
        return table, list(table.errors)
    assert total is not None
    files = _plain_files(source) if is_folder(source) else None
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
