"""Reading and writing records: one document, a folder, a JSONL file.

Everything that reads bytes ends in :class:`~incidentkit.errors.ValidationError`
for bad data, whatever the bytes. JSON goes through orjson when it is
installed (the ``fast`` extra) and through the stdlib otherwise; when orjson
refuses a document the stdlib reads it again, so that errors (and NaN, which
the checks then locate) come out the same with or without the extra.
"""

from __future__ import annotations

import codecs
import fnmatch
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import IO, Any, Final, Literal, cast

import attrs

from incidentkit.errors import ValidationError
from incidentkit.formats import (
    IMPORTERS,
    detect_format,
    import_document,
    list_documents,
)
from incidentkit.records import fast
from incidentkit.records.converter import show, structure_record, unstructure_record
from incidentkit.records.schema import IncidentRecord


def _optional_orjson() -> Any:
    try:  # the optional ``fast`` extra
        import orjson
    except ImportError:  # pragma: no cover - exercised in environments without it
        return None
    return orjson


orjson: Any = _optional_orjson()

__all__ = [
    "FORMATS",
    "LoadResult",
    "dump",
    "dumps",
    "example",
    "from_dict",
    "iter_sources",
    "load",
    "load_many",
    "loads",
    "parse_json",
    "records_of",
    "to_dict",
]

_MAYBE_HUGE_INTEGER: Final = re.compile(rb"\d{19}")

#: The document formats ``format=`` accepts: the library's own, then the
#: importers' (:data:`incidentkit.formats.IMPORTERS`, the one list of them).
FORMATS: Final = ("incidentkit", *IMPORTERS)

#: ``format=`` that reads each document in the format it looks like
#: (:func:`incidentkit.formats.detect_format`), else in incidentkit's own.
AUTO: Final = "auto"

_UNRECOGNISED: Final = (
    "$: matches none of the formats auto-detection knows, so it was read as "
    "incidentkit's own; name its format with --input-format or format= "
    f"(one of {', '.join(FORMATS)})"
)

PathLike = str | os.PathLike[str]
Source = PathLike | Iterable[PathLike]


def orjson_reads_exactly(raw: bytes) -> bool:
    """Whether orjson is installed and reads ``raw`` without changing it.

    orjson reads integers beyond 64 bits as floats; a run of 19 digits
    (usually inside a long id string, which would be harmless) sends the
    document to the stdlib, which keeps every integer exact.
    """
    return orjson is not None and _MAYBE_HUGE_INTEGER.search(raw) is None


def parse_json(data: str | bytes | bytearray | memoryview) -> Any:
    """Parse JSON text or UTF-8 bytes, raising only ``ValidationError``.

    A leading UTF-8 byte order mark is skipped (RFC 8259 lets parsers ignore
    it). Duplicate keys keep the last value, as every JSON parser does.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if orjson_reads_exactly(raw):
            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass  # read again below for the stdlib's error or its NaN
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                [
                    f"$: not UTF-8 text (byte {raw[exc.start]:#04x} at "
                    f"offset {exc.start})"
                ]
            ) from None
    elif isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        raise ValidationError(
            [f"data: expected JSON text (str or bytes), got {type(data).__name__}"]
        )
    if not text.strip():
        raise ValidationError(["$: empty document (expected a JSON object)"])
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [f"$: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]
        ) from None
    except RecursionError:
        raise ValidationError(["$: nested too deeply to read"]) from None
    except ValueError as exc:  # e.g. an integer with more digits than allowed
        raise ValidationError([f"$: not readable JSON: {exc}"]) from None


def _check_format(format: str) -> None:
    if format not in FORMATS and format != AUTO:
        raise ValidationError(
            [
                f"format: unknown format {format!r} (one of "
                f"{', '.join((*FORMATS, AUTO))})"
            ]
        )


def _detected(data: object, format: str) -> str:
    """``format``, or with ``"auto"`` the format ``data`` looks like.

    A document that looks like none stays ``"auto"``: :func:`_structure`
    reads it as incidentkit's own and says which formats exist.
    """
    if format != AUTO:
        return format
    return detect_format(data) or AUTO


def check_flags(*, assume_utc: object, strict: object) -> None:
    """Validate the ``assume_utc=`` and ``strict=`` options of every loader."""
    problems = [
        f"{name}: expected True or False, got {show(value)}"
        for name, value in (("assume_utc", assume_utc), ("strict", strict))
        if not isinstance(value, bool)
    ]
    if problems:
        raise ValidationError(problems)


def check_many_options(errors: str, format: str) -> None:
    """Validate the ``errors=`` and ``format=`` options of the bulk loaders."""
    if errors not in ("raise", "collect"):
        raise ValidationError(
            [f"errors: expected 'raise' or 'collect', got {errors!r}"]
        )
    _check_format(format)


def _structure(
    data: object, *, assume_utc: bool, strict: bool, format: str
) -> IncidentRecord:
    _check_format(format)
    format = _detected(data, format)
    elements = list_documents(data, format)
    if elements is not None:
        kind = "a JSON array" if isinstance(data, list) else "a list response"
        count = len(elements)
        raise ValidationError(
            [
                f"$: {kind} of {count} document{'' if count == 1 else 's'}, not one "
                "incident; read it with load_many or load_table, which take each "
                "element as a document"
            ]
        )
    if format == AUTO:
        try:
            return structure_record(data, assume_utc=assume_utc, strict=strict)
        except ValidationError as exc:
            # The schema's errors name the fields; the user also learns that
            # the document may be another tool's, and how to say which.
            raise ValidationError([*exc.errors, _UNRECOGNISED]) from None
    if format == "incidentkit":
        return structure_record(data, assume_utc=assume_utc, strict=strict)
    return import_document(data, format, assume_utc=assume_utc)


def from_dict(
    data: object,
    *,
    assume_utc: bool = False,
    strict: bool = False,
    format: str = "incidentkit",
) -> IncidentRecord:
    """Build a record from a parsed JSON document.

    Args:
        data: The document as ``json.loads`` returns it.
        assume_utc: Read timestamps without an offset as UTC.
        strict: Reject keys the schema does not know instead of keeping them.
        format: ``"incidentkit"``, the name of another tool's format, or
            ``"auto"`` for the format the document looks like.

    Raises:
        ValidationError: Naming every problem with its path.

    Example:
        >>> rec = from_dict({"incident": {"id": "INC-7", "title": "Slow search",
        ...     "severity": "SEV3", "status": "investigating",
        ...     "declared_at": "2024-03-01T09:00:00+01:00"}})
        >>> rec.incident.declared_at.isoformat()
        '2024-03-01T08:00:00+00:00'
    """
    check_flags(assume_utc=assume_utc, strict=strict)
    return _structure(data, assume_utc=assume_utc, strict=strict, format=format)


def to_dict(record: IncidentRecord) -> dict[str, Any]:
    """The record as a JSON-ready ``dict``; unknown keys are written back.

    Fields that are ``None`` or empty are left out. Everything in it is a new
    plain ``dict``, ``list`` or JSON scalar (``metadata`` and unknown keys
    included, thawed from the record's read-only mappings and tuples), so
    changing it leaves the record as it was.
    """
    if not isinstance(record, IncidentRecord):
        raise ValidationError(
            [f"record: expected an IncidentRecord, got {type(record).__name__}"]
        )
    return unstructure_record(record)


def loads(
    data: str | bytes,
    *,
    assume_utc: bool = False,
    strict: bool = False,
    format: str = "incidentkit",
) -> IncidentRecord:
    """Read a record from JSON text or bytes (see :func:`from_dict`)."""
    check_flags(assume_utc=assume_utc, strict=strict)
    return _structure(
        parse_json(data), assume_utc=assume_utc, strict=strict, format=format
    )


def load(
    source: PathLike | IO[bytes] | IO[str],
    *,
    assume_utc: bool = False,
    strict: bool = False,
    format: str = "incidentkit",
) -> IncidentRecord:
    """Read a record from a path or an open file.

    Errors name the file, so that a message from a loop over files says which.
    A file larger than :data:`MAX_DOCUMENT_BYTES` is refused unread.

    Example:
        >>> import incidentkit as ik
        >>> rec = ik.load(ik.example_path())
        >>> rec.incident.id
        'INC-2024-0142'
    """
    check_flags(assume_utc=assume_utc, strict=strict)
    if isinstance(source, (str, os.PathLike)):
        name: str | None = os.fspath(source)
        raw: object = _read_capped(os.fspath(source), MAX_DOCUMENT_BYTES)
        if isinstance(raw, ValidationError):
            raise ValidationError(raw.errors, source=name)
    elif callable(getattr(source, "read", None)):
        raw = source.read()
        attribute = getattr(source, "name", None)
        name = attribute if isinstance(attribute, str) else None
    else:
        raise ValidationError(
            [f"source: expected a path or an open file, got {show(source)}"]
        )
    try:
        return _structure(
            parse_json(raw),  # type: ignore[arg-type]  # parse_json checks it
            assume_utc=assume_utc,
            strict=strict,
            format=format,
        )
    except ValidationError as exc:
        raise ValidationError(exc.errors, source=name) from None


def _json_text(data: Any, indent: int | None, *, ascii_only: bool = False) -> str:
    if orjson is not None and indent in (None, 2) and not ascii_only:
        try:
            text: str = orjson.dumps(
                data, option=orjson.OPT_INDENT_2 if indent else 0
            ).decode()
        except TypeError:
            pass  # integers beyond 64 bits or lone surrogates: the stdlib copes
        else:
            return text
    separators = None if indent else (",", ":")
    return json.dumps(
        data, indent=indent, ensure_ascii=ascii_only, separators=separators
    )


def dumps(record: IncidentRecord, *, indent: int | None = None) -> str:
    """Write a record as JSON text; ``loads(dumps(r)) == r`` for every record.

    Example:
        >>> import incidentkit as ik
        >>> rec = ik.example()
        >>> ik.loads(ik.dumps(rec)) == rec
        True
    """
    return _json_text(to_dict(record), indent)


def dump(
    record: IncidentRecord,
    target: PathLike | IO[str],
    *,
    indent: int | None = 2,
) -> None:
    """Write a record as UTF-8 JSON to a path or an open text file."""
    data = to_dict(record)
    text = _json_text(data, indent) + "\n"
    if not isinstance(target, (str, os.PathLike)):
        target.write(text)
        return
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (which JSON's \ud800 escapes can produce) has no
        # UTF-8 form; escaped ASCII keeps it.
        encoded = (_json_text(data, indent, ascii_only=True) + "\n").encode()
    Path(target).write_bytes(encoded)


def example_path() -> Path:
    """Where the bundled example document lies (a copy of the canonical one)."""
    return Path(str(resources.files("incidentkit").joinpath("example.json")))


def example() -> IncidentRecord:
    """The bundled example: the SEV1 payment-gateway incident of the spec.

    Example:
        >>> rec = example()
        >>> rec.incident.title
        'Payment Service Degradation'
    """
    return load(example_path())


@attrs.frozen
class LoadResult:
    """What :func:`load_many` read.

    Attributes:
        records: Every record that loaded, in source order.
        sources: Where each record came from (``file`` or ``file:line``),
            parallel to :attr:`records`.
        errors: One :class:`ValidationError` per document that did not load,
            each naming its file (and line, for JSONL).
    """

    records: list[IncidentRecord]
    sources: list[str]
    errors: list[ValidationError]

    def __len__(self) -> int:
        return len(self.records)

    def __str__(self) -> str:
        """How many loaded and failed, with the first problems, one per line.

        Example:
            >>> result = load_many([example_path()])
            >>> print(result)
            1 record loaded, 0 documents failed
        """
        loaded = len(self.records)
        failed = len(self.errors)
        lines = [
            f"{loaded:,} record{'' if loaded == 1 else 's'} loaded, "
            f"{failed:,} document{'' if failed == 1 else 's'} failed"
        ]
        problems = [problem for error in self.errors for problem in error.errors]
        # Enough to see what went wrong; all of them are in .errors.
        lines += [f"  {problem}" for problem in problems[:_SHOWN_PROBLEMS]]
        hidden = len(problems) - _SHOWN_PROBLEMS
        if hidden > 0:
            lines.append(f"  … and {hidden:,} more problems (see .errors)")
        return "\n".join(lines)


#: How many problems ``str(load_result)`` lists.
_SHOWN_PROBLEMS: Final = 10


#: The largest document :func:`iter_sources` reads (a file, or one line of
#: a JSONL file): 256 MiB. Incidents are kilobytes; a larger document is a
#: wrong file (a disk image named ``.json``, a link to ``/dev/zero``), read
#: whole before the parser could say so. Pass ``max_bytes=`` to change it.
MAX_DOCUMENT_BYTES: Final = 256 * 2**20

_KINDS: Final = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _reason(exc: OSError | ValueError) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)  # "embedded null byte"


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_max_bytes(max_bytes: object) -> int:
    """Validate the ``max_bytes=`` option of the loaders that read files."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValidationError(
            [f"max_bytes: expected a positive number of bytes, got {show(max_bytes)}"]
        )
    return max_bytes


def _too_large(size: int, max_bytes: int) -> ValidationError:
    return ValidationError(
        [
            f"$: document larger than max_bytes={max_bytes:,} bytes "
            f"({size:,} bytes or more); pass a larger max_bytes= to read it"
        ]
    )


def _read_capped(path: str, max_bytes: int) -> bytes | ValidationError:
    """The file's bytes, or why not; never more than ``max_bytes`` are read."""
    try:
        with open(path, "rb") as file:
            # One byte over the limit says that the file is larger, whatever
            # its size claims (/proc files say 0, devices have none).
            raw = file.read(max_bytes + 1)
    except (OSError, ValueError) as exc:
        return ValidationError([f"$: cannot read ({_reason(exc)})"])
    if len(raw) > max_bytes:
        return _too_large(len(raw), max_bytes)
    return raw


def path_problem(path: PathLike) -> str | None:
    """Why ``path`` cannot be a source (missing, not a valid path), or ``None``.

    A path that exists but cannot be read is not a problem here: reading it
    says why (``cannot read (Permission denied)``), never "no such file".
    """
    try:
        os.stat(path)
    except FileNotFoundError:
        return "no such file or folder"
    except (OSError, ValueError) as exc:
        # A NUL byte, a name longer than the system allows, a loop of links.
        return f"not a usable path ({_reason(exc)})"
    return None


def shown_path(path: PathLike) -> str:
    text = os.fspath(path)
    # A path too long for the system is shown in part: the message must stay
    # readable, and the start of the path is what finds it.
    return text if len(text) <= 200 else text[:200] + "..."


@attrs.frozen
class _Walk:
    """How a folder named by the caller is walked (the same for every level)."""

    max_bytes: int
    root: str  # the real path of the folder named
    top: str  # the folder as named, for paths relative to it
    recursive: bool
    exclude: tuple[str, ...]

    def excluded(self, path: str, name: str) -> bool:
        if not self.exclude:
            return False
        relative = Path(os.path.relpath(path, self.top)).as_posix()
        return any(
            fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(relative, pattern)
            for pattern in self.exclude
        )


def _listed(entry: os.DirEntry[str], walk: _Walk) -> bool:
    if walk.excluded(entry.path, entry.name):
        return False
    if entry.name.endswith(".json"):
        return True
    try:
        # Followed: a link to a folder is a folder here, and the walk below
        # applies the limits on links to it as to any other.
        return walk.recursive and entry.is_dir()
    except OSError:
        return False


def _walk_folder(
    folder: str, walk: _Walk, seen: set[tuple[int, int]]
) -> Iterator[tuple[str, bytes | ValidationError]]:
    """Every ``*.json`` document of ``folder``, sorted by name, or why not.

    Links are followed only to files and folders inside ``walk.root`` (the
    real path of the folder named by the caller) and never back into a folder
    being walked; FIFOs, devices and sockets are not read. Subfolders are
    walked when ``walk.recursive`` (or when named ``*.json``, as before).
    """
    try:
        with os.scandir(folder) as listing:
            names = sorted(entry.name for entry in listing if _listed(entry, walk))
    except (OSError, ValueError) as exc:
        yield folder, ValidationError([f"$: cannot list the folder ({_reason(exc)})"])
        return
    max_bytes, root = walk.max_bytes, walk.root
    for name in names:
        path = os.path.join(folder, name)
        try:
            real = os.path.realpath(path, strict=True)
            status = os.stat(real)
        except (OSError, ValueError) as exc:
            yield path, ValidationError([f"$: cannot read ({_reason(exc)})"])
            continue
        if os.path.commonpath([root, real]) != root:
            yield (
                path,
                ValidationError(
                    [
                        f"$: links outside the folder {root!r} (to {real!r}); "
                        "not followed"
                    ]
                ),
            )
        elif stat.S_ISDIR(status.st_mode):
            identity = (status.st_dev, status.st_ino)
            if identity in seen:
                yield (
                    path,
                    ValidationError(
                        [
                            f"$: links back to a folder being read ({real!r}); "
                            "not followed"
                        ]
                    ),
                )
                continue
            yield from _walk_folder(path, walk, seen | {identity})
        elif not stat.S_ISREG(status.st_mode):
            # A FIFO would block the walk forever and a device never ends.
            yield (
                path,
                ValidationError(
                    [f"$: {_kind(status.st_mode)}, not a regular file; not read"]
                ),
            )
        elif status.st_size > max_bytes:
            yield path, _too_large(status.st_size, max_bytes)
        else:
            yield path, _read_capped(path, max_bytes)


def _iter_folder(
    folder: str, max_bytes: int, recursive: bool, exclude: tuple[str, ...]
) -> Iterator[tuple[str, bytes | ValidationError]]:
    try:
        root = os.path.realpath(folder, strict=True)
        status = os.stat(root)
    except (OSError, ValueError) as exc:
        yield folder, ValidationError([f"$: cannot list the folder ({_reason(exc)})"])
        return
    walk = _Walk(max_bytes, root, folder, recursive, exclude)
    yield from _walk_folder(folder, walk, {(status.st_dev, status.st_ino)})


def check_exclude(exclude: object) -> tuple[str, ...]:
    """Validate the ``exclude=`` option: glob patterns (a lone one is one)."""
    if isinstance(exclude, str):
        return (exclude,)
    if isinstance(exclude, Iterable) and not isinstance(exclude, (bytes, bytearray)):
        patterns = tuple(cast(Iterable[object], exclude))
        bad = [
            f"exclude[{i}]: expected a glob pattern (text), got {show(item)}"
            for i, item in enumerate(patterns)
            if not isinstance(item, str)
        ]
        if bad:
            raise ValidationError(bad)
        return cast(tuple[str, ...], patterns)
    raise ValidationError(
        [f"exclude: expected glob patterns such as ['.*'], got {show(exclude)}"]
    )


def is_folder(path: PathLike) -> bool:
    """Whether ``path`` is a folder; ``False`` for any path that is not one."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False  # reading it says why


def iter_sources(
    source: Source,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    recursive: bool = False,
    exclude: Iterable[str] = (),
) -> Iterator[tuple[str, bytes | ValidationError]]:
    """Yield ``(where, raw bytes)`` for every document in ``source``.

    ``source`` is a folder (every ``*.json`` in it, sorted by name), a
    ``.jsonl`` file (one document a line, streamed), a single ``.json`` file,
    or an iterable of such paths. A file that cannot be read yields a
    ``ValidationError`` in place of its bytes, so that one unreadable file
    does not stop the rest; so does a folder that cannot be listed (it is
    never read as empty).

    A folder is walked with limits: a link is followed only to a file or a
    folder inside the folder named (never outside it, never back into a
    folder being walked), and FIFOs, devices and sockets in it are not read.
    A path named explicitly is read whatever it is (``<(command)`` in a
    shell is a FIFO). No document larger than ``max_bytes`` is read
    (default :data:`MAX_DOCUMENT_BYTES`); it yields an error instead.

    With ``recursive=True`` every subfolder of a folder is walked too, under
    the same limits, in name order. ``exclude`` holds glob patterns
    (:mod:`fnmatch`); a file or folder inside a walked folder whose name, or
    whose path relative to the folder named (``/``-separated), matches one
    is skipped, with everything under it: ``[".*"]`` skips hidden files and
    folders, ``["archive/2019"]`` one subfolder. A path named explicitly is
    read even when it matches.

    Raises:
        ValidationError: When ``source`` is not a path or a list of paths,
            does not exist or is not a valid path (a NUL byte, a name too
            long), ``max_bytes`` is not a positive int, ``recursive`` not a
            bool or ``exclude`` not a collection of patterns.
    """
    check_max_bytes(max_bytes)
    if not isinstance(recursive, bool):
        raise ValidationError(
            [f"recursive: expected True or False, got {show(recursive)}"]
        )
    patterns = check_exclude(exclude)
    if isinstance(source, (str, os.PathLike)):
        problem = path_problem(source)
        if problem is not None:
            raise ValidationError([f"source: {problem} {shown_path(source)!r}"])
        paths: Iterable[PathLike] = [source]
    elif isinstance(cast(object, source), Iterable) and not isinstance(
        cast(object, source), (bytes, bytearray)
    ):
        paths = source
    else:
        raise ValidationError(
            [
                "source: expected a folder, a file or a list of paths, "
                f"got {show(source)}"
            ]
        )
    for position, item in enumerate(paths):
        if not isinstance(item, (str, os.PathLike)):
            raise ValidationError(
                [f"source[{position}]: expected a path, got {show(item)}"]
            )
        # As pathlib shows it ("./a/" is "a"): the names sources had before.
        where = str(Path(item))
        if is_folder(item):
            yield from _iter_folder(where, max_bytes, recursive, patterns)
        elif where.endswith(".jsonl"):
            yield from _iter_jsonl(where, max_bytes)
        else:
            yield where, _read_capped(where, max_bytes)


def _iter_jsonl(
    path: str, max_bytes: int
) -> Iterator[tuple[str, bytes | ValidationError]]:
    try:
        file = open(path, "rb")  # noqa: SIM115  # closed by the with below
    except (OSError, ValueError) as exc:
        yield path, ValidationError([f"$: cannot read ({_reason(exc)})"])
        return
    with file:
        # A line at a time: a large JSONL file is never held in memory as a
        # whole, nor is a line without end (a capped read finds it).
        number = 0
        while True:
            try:
                line = file.readline(max_bytes + 1)
            except OSError as exc:
                yield (
                    f"{path}:{number + 1}",
                    ValidationError([f"$: cannot read ({_reason(exc)})"]),
                )
                return
            if not line:
                return
            number += 1
            if len(line) > max_bytes and not line.endswith(b"\n"):
                yield f"{path}:{number}", _too_large(len(line), max_bytes)
                # Skip the rest of the overlong line, a capped read at a time.
                while line and not line.endswith(b"\n"):
                    line = file.readline(max_bytes + 1)
                continue
            if line.strip():
                yield f"{path}:{number}", line


def records_of(
    where: str,
    raw: bytes | ValidationError,
    *,
    assume_utc: bool,
    strict: bool,
    format: str,
) -> Iterator[tuple[str, IncidentRecord | ValidationError]]:
    """The record of each document in ``raw``, or its error, with where it was.

    ``raw`` is one document, or an API list response (see
    :func:`incidentkit.formats.list_documents`) whose elements are named
    ``where[index]``. The bulk loaders (:func:`load_many`, ``load_table``)
    read every source through this one function.
    """
    try:
        if isinstance(raw, ValidationError):
            raise raw
        data = parse_json(raw)
    except ValidationError as exc:
        yield where, ValidationError(exc.errors, source=where)
        return
    # A list response is read in the format of its first element.
    format = _detected(data, format)
    elements = list_documents(data, format)
    documents = (
        [(where, data)]
        if elements is None
        else [(f"{where}[{index}]", element) for index, element in enumerate(elements)]
    )
    for located, document in documents:
        yield (
            located,
            _located_record(
                located, document, assume_utc=assume_utc, strict=strict, format=format
            ),
        )


def _located_record(
    where: str, document: object, *, assume_utc: bool, strict: bool, format: str
) -> IncidentRecord | ValidationError:
    try:
        return _structure(document, assume_utc=assume_utc, strict=strict, format=format)
    except ValidationError as exc:
        return ValidationError(exc.errors, source=where)


def load_many(
    source: Source,
    *,
    errors: Literal["raise", "collect"] = "raise",
    assume_utc: bool = False,
    strict: bool = False,
    format: str = "incidentkit",
    max_bytes: int = MAX_DOCUMENT_BYTES,
    recursive: bool = False,
    exclude: Iterable[str] = (),
) -> LoadResult:
    """Load every record of a folder, a JSONL file or a list of paths.

    Args:
        source: See :func:`iter_sources`.
        errors: ``"raise"`` stops at the first bad document with a
            ``ValidationError`` naming its file; ``"collect"`` loads every
            good document and keeps one error per bad one.
        assume_utc: Read timestamps without an offset as UTC.
        strict: Reject keys the schema does not know.
        format: The format of every document, or ``"auto"`` for the
            format each looks like.
        max_bytes: The largest document read (a file, or a JSONL line); a
            larger one is an error, found without reading it whole.
        recursive: Walk the subfolders of a folder too.
        exclude: Glob patterns of files and folders to skip inside folders
            (see :func:`iter_sources`).

    Example:
        >>> import incidentkit as ik
        >>> result = ik.load_many([ik.example_path()])
        >>> len(result.records), result.errors
        (1, [])
    """
    check_many_options(errors, format)
    check_flags(assume_utc=assume_utc, strict=strict)
    records: list[IncidentRecord] = []
    sources: list[str] = []
    failures: list[ValidationError] = []
    # With the fast extra, documents of this format that it takes skip the
    # converter (same records); every other one goes through it as before.
    # "auto" may take it too: a document the decoder takes has the
    # incident.declared_at that detect_format reads as incidentkit's own.
    decode = (
        fast.record_decoder(assume_utc) if format in ("incidentkit", AUTO) else None
    )
    walked = iter_sources(
        source, max_bytes=max_bytes, recursive=recursive, exclude=exclude
    )
    for where, raw in walked:
        if decode is not None and isinstance(raw, bytes):
            decoded = decode(raw)
            if decoded is not None:
                records.append(decoded)
                sources.append(where)
                continue
        for located, read in records_of(
            where, raw, assume_utc=assume_utc, strict=strict, format=format
        ):
            if isinstance(read, ValidationError):
                if errors == "raise":
                    raise read
                failures.append(read)
                continue
            records.append(read)
            sources.append(located)
    return LoadResult(records=records, sources=sources, errors=failures)
