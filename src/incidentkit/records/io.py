"""Reading and writing records: one document, a folder, a JSONL file.

Everything that reads bytes ends in :class:`~incidentkit.errors.ValidationError`
for bad data, whatever the bytes. JSON goes through orjson when it is
installed (the ``fast`` extra) and through the stdlib otherwise; when orjson
refuses a document the stdlib reads it again, so that errors (and NaN, which
the checks then locate) come out the same with or without the extra.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import IO, Any, Final, Literal, cast

import attrs

from incidentkit.errors import ValidationError
from incidentkit.formats import IMPORTERS, import_document
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
    "to_dict",
]

_MAYBE_HUGE_INTEGER: Final = re.compile(rb"\d{19}")

#: The document formats ``format=`` accepts: the library's own, then the
#: importers' (:data:`incidentkit.formats.IMPORTERS`, the one list of them).
FORMATS: Final = ("incidentkit", *IMPORTERS)

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
    if format not in FORMATS:
        raise ValidationError(
            [f"format: unknown format {format!r} (one of {', '.join(FORMATS)})"]
        )


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
        format: ``"incidentkit"`` or the name of another tool's format.

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

    Fields that are ``None`` or empty are left out. ``metadata`` and unknown
    keys are the record's own objects, not copies: do not modify them.
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

    Example:
        >>> import incidentkit as ik
        >>> rec = ik.load(ik.example_path())
        >>> rec.incident.id
        'INC-2024-0142'
    """
    check_flags(assume_utc=assume_utc, strict=strict)
    if isinstance(source, (str, os.PathLike)):
        name: str | None = os.fspath(source)
        try:
            with open(source, "rb") as file:
                raw: object = file.read()
        except OSError as exc:
            raise ValidationError(
                [f"$: cannot read ({exc.strerror})"], source=str(name)
            ) from None
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


def iter_sources(source: Source) -> Iterator[tuple[str, bytes | ValidationError]]:
    """Yield ``(where, raw bytes)`` for every document in ``source``.

    ``source`` is a folder (every ``*.json`` in it, sorted by name), a
    ``.jsonl`` file (one document a line, streamed), a single ``.json`` file,
    or an iterable of such paths. A file that cannot be read yields a
    ``ValidationError`` in place of its bytes, so that one unreadable file
    does not stop the rest.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            yield from iter_sources(sorted(path.glob("*.json")))
            return
        if not path.exists():
            raise ValidationError([f"source: no such file or folder {str(path)!r}"])
        paths: Iterable[PathLike] = [path]
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
        path = Path(item)
        if path.is_dir():
            yield from iter_sources(path)
        elif path.suffix == ".jsonl":
            yield from _iter_jsonl(path)
        else:
            try:
                yield str(path), path.read_bytes()
            except OSError as exc:
                yield str(path), ValidationError([f"$: cannot read ({exc.strerror})"])


def _iter_jsonl(path: Path) -> Iterator[tuple[str, bytes | ValidationError]]:
    try:
        file = path.open("rb")
    except OSError as exc:
        yield str(path), ValidationError([f"$: cannot read ({exc.strerror})"])
        return
    with file:
        # Iterating the file reads a buffer at a time: a large JSONL file is
        # never held in memory as a whole.
        for number, line in enumerate(file, start=1):
            if line.strip():
                yield f"{path}:{number}", line


def load_many(
    source: Source,
    *,
    errors: Literal["raise", "collect"] = "raise",
    assume_utc: bool = False,
    strict: bool = False,
    format: str = "incidentkit",
) -> LoadResult:
    """Load every record of a folder, a JSONL file or a list of paths.

    Args:
        source: See :func:`iter_sources`.
        errors: ``"raise"`` stops at the first bad document with a
            ``ValidationError`` naming its file; ``"collect"`` loads every
            good document and keeps one error per bad one.
        assume_utc: Read timestamps without an offset as UTC.
        strict: Reject keys the schema does not know.
        format: The format of every document.

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
    decode = fast.record_decoder(assume_utc) if format == "incidentkit" else None
    for where, raw in iter_sources(source):
        if decode is not None and isinstance(raw, bytes):
            decoded = decode(raw)
            if decoded is not None:
                records.append(decoded)
                sources.append(where)
                continue
        try:
            if isinstance(raw, ValidationError):
                raise raw
            record = _structure(
                parse_json(raw), assume_utc=assume_utc, strict=strict, format=format
            )
        except ValidationError as exc:
            located = ValidationError(exc.errors, source=where)
            if errors == "raise":
                raise located from None
            failures.append(located)
            continue
        records.append(record)
        sources.append(where)
    return LoadResult(records=records, sources=sources, errors=failures)
