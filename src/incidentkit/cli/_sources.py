"""Reading the commands' inputs: files, folders and JSONL files of incidents.

Every load problem becomes a :class:`~incidentkit.ValidationError` that names
its document, never a traceback.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import attrs

from incidentkit.cli._output import _Progress
from incidentkit.errors import ValidationError
from incidentkit.records.io import (
    from_dict,
    is_folder,
    iter_sources,
    load,
    parse_json,
    path_problem,
    shown_path,
)
from incidentkit.records.schema import IncidentRecord
from incidentkit.table.frame import IncidentTable, load_table


def _count_files(sources: Sequence[str]) -> int | None:
    """How many documents ``sources`` hold, when that is cheap to know.

    A folder's ``*.json`` files are counted from its listing; a JSONL file's
    lines are not counted (that would read it twice), so its size is unknown.
    """
    total = 0
    for source in sources:
        path = Path(source)
        if is_folder(path):
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


def _missing_source(source: str) -> ValidationError | None:
    # "no such file" only when there is none: a NUL byte, a name too long or
    # a folder that may not be searched say so (an unreadable file is read,
    # and says "Permission denied").
    problem = path_problem(source)
    if problem is None:
        return None
    return ValidationError([f"$: {problem}"], source=shown_path(source))


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
    return load(path, assume_utc=assume_utc, format=input_format)


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
