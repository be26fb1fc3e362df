"""Fuzzing: mutated records and random bytes either load or raise ValidationError.

Every document that loads must then go through every analytic and back
through ``dumps``/``loads`` without an exception (:func:`analyse`).

The number of examples follows the hypothesis profile (tests/conftest.py):
the default ``ci`` profile keeps this module to a few tens of seconds;
``HYPOTHESIS_PROFILE=long`` runs 50 times as many examples for a local hunt.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentkit as ik
from conftest import REPO
from incidentkit.records import fast
from incidentkit.records import io as records_io
from incidentkit.records.schema import IncidentRecord
from incidentkit.table.frame import IncidentTable, load_table
from strategies import json_values, records
from test_immutable import kinds, mutable_parts
from test_reliability import analyse, assert_same_table, scaled

Doc = Any
Path = tuple[str | int, ...]

EXAMPLE = ik.to_dict(ik.example())
EXAMPLE_BYTES = ik.dumps(ik.example()).encode()
FIXTURES = REPO / "tests" / "fixtures"


def _examples(share: float) -> int:
    """A share of the profile's example count, so that ``long`` scales it too."""
    return max(10, int(scaled(100) * share))


# --- loading with one outcome ---------------------------------------------------------


def _outcome(load: Callable[[], IncidentRecord]) -> IncidentRecord | list[str]:
    """The record, or the error lines; any other exception fails the test."""
    try:
        return load()
    except ik.ValidationError as exc:
        errors = exc.errors
    assert errors, "a ValidationError must name at least one problem"
    for error in errors:
        # "path: message": every error is located.
        assert ": " in error, error
    return errors


def _survives(outcome: IncidentRecord | list[str]) -> None:
    if isinstance(outcome, IncidentRecord):
        results = analyse(outcome)
        assert results["round_trip"]


# --- mutations of valid documents -----------------------------------------------------

#: Values that exporters get wrong, and values at the limits.
nasty_scalars = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        2**63 - 1,
        2**63,
        -(2**63) - 1,
        10**400,
        0.5,
        -0.0,
        1e308,
        1e-320,
        float("nan"),
        float("inf"),
        float("-inf"),
        "",
        " ",
        "\x00",
        "\ud800",
        "NaN",
        "1e400",
        "12",
        "SEV1",
        "sev-0",
        "P9",
        "critical",
        "external",
        "status_page",
        "identified",
        "detection",
        "trigger",
        "mitigation",
        "resolution",
        "done",
        "Next update in 30 minutes.",
        "We will post an update within 99999999999999999999 days.",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:30:00-01:00",
        "2024-02-30T00:00:00Z",
        "2024-01-15T14:20:00",
        "0001-01-01",
        "9999-12-31",
        "2024-02-29",
        "x" * 10_000,
    ]
)
#: Python objects no JSON document holds; ``from_dict`` must refuse them too.
python_only = st.sampled_from(
    [{1, 2}, (1, 2), b"bytes", Decimal("1.5"), 1 + 2j, object(), {1: "x"}, [{2: 3}]]
)
json_like = nasty_scalars | json_values | st.lists(nasty_scalars, max_size=3)


def _paths(value: Any, prefix: Path = ()) -> list[Path]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


def _get(doc: Doc, path: Path) -> Any:
    for step in path:
        doc = doc[step]
    return doc


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[Doc], *, python: bool) -> Doc:
    """A document with one to five values replaced, dropped or duplicated.

    With ``python``, replacements may also be Python objects JSON has no
    form for (sets, bytes, non-string keys...).
    """
    doc = copy.deepcopy(draw(base))
    values = (json_like | python_only) if python else json_like
    # Copies: python_only samples shared objects ({1: "x"}, [{2: 3}]), and a
    # later step may change what it inserted, which would change that sample
    # for every later test case (hypothesis then reports a flaky strategy).
    values = values.map(copy.deepcopy)
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "drop", "duplicate", "copy"]))
        if not path:
            if action == "replace":
                doc = draw(values)
            continue
        parent, key = _get(doc, path[:-1]), path[-1]
        if action == "replace":
            parent[key] = draw(values)
        elif action == "drop":
            del parent[key]
        elif action == "duplicate" and isinstance(parent, list):
            assert isinstance(key, int)
            parent.insert(key, copy.deepcopy(parent[key]))
        elif action == "duplicate":
            # Under another name: known (type confusion) or unknown.
            names = [*parent, "x_copy", "events", "incident", "metadata"]
            parent[draw(st.sampled_from(names))] = copy.deepcopy(parent[key])
        else:
            # Any value anywhere: a section where a timestamp belongs...
            target = draw(st.sampled_from(paths))
            if target and not _is_within(path, target):
                _get(doc, target[:-1])[target[-1]] = copy.deepcopy(parent[key])
    return doc


def _is_within(inner: Path, outer: Path) -> bool:
    return outer[: len(inner)] == inner


valid_documents = st.just(EXAMPLE) | records().map(ik.to_dict)


@settings(
    max_examples=_examples(1.0),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated(valid_documents, python=False))
def test_mutated_json_documents_load_or_raise_validation_error(doc: Doc) -> None:
    parsed = _outcome(lambda: ik.from_dict(doc))
    # The same document as text, NaN written as JSON's common extension: the
    # text path must agree with the dict path, error for error.
    text = json.dumps(doc, allow_nan=True)
    assert _outcome(lambda: ik.loads(text)) == parsed
    from_bytes = _outcome(lambda: ik.loads(text.encode()))
    if not _beyond_64_bits(doc):
        # Known: orjson reads such integers as floats (see
        # test_reliability.py::test_huge_integer_in_metadata_is_kept_exactly).
        assert from_bytes == parsed
    _survives(parsed)
    _survives(from_bytes)


def _beyond_64_bits(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_beyond_64_bits(item) for item in value.values())
    if isinstance(value, list):
        return any(_beyond_64_bits(item) for item in value)
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not -(2**63) <= value < 2**64
    )


@settings(max_examples=_examples(0.5))
@given(mutated(st.just(EXAMPLE), python=True))
def test_mutated_python_objects_load_or_raise_validation_error(doc: Doc) -> None:
    before = repr(doc)
    _survives(_outcome(lambda: ik.from_dict(doc)))
    _survives(_outcome(lambda: ik.from_dict(doc, strict=True)))
    _survives(_outcome(lambda: ik.from_dict(doc, assume_utc=True)))
    assert repr(doc) == before, "from_dict modified its input"


# --- random bytes ---------------------------------------------------------------------

_TOKENS = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e999",
    b"-0",
    b"null",
    b"[",
    b"{",
    b'"',
    b"\\",
]


@st.composite
def damaged_bytes(draw: st.DrawFn) -> bytes:
    """A valid document's bytes, then flipped, cut, inserted or repeated."""
    valid = st.just(EXAMPLE_BYTES) | records().map(ik.dumps).map(str.encode)
    return _damage(draw, draw(valid))


def _damage(draw: st.DrawFn, original: bytes) -> bytes:
    raw = bytearray(original)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        action = draw(
            st.sampled_from(["flip", "cut", "insert", "token", "repeat", "truncate"])
        )
        if action == "flip" and at < len(raw):
            raw[at] = draw(st.integers(min_value=0, max_value=255))
        elif action == "cut":
            del raw[at : at + draw(st.integers(min_value=1, max_value=40))]
        elif action == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "token":
            raw[at:at] = draw(st.sampled_from(_TOKENS))
        elif action == "repeat":
            raw[at:at] = raw[at : at + draw(st.integers(min_value=1, max_value=200))]
        else:
            del raw[at:]
    return bytes(raw)


@settings(max_examples=_examples(1.0))
@given(damaged_bytes())
def test_damaged_bytes_load_or_raise_validation_error(raw: bytes) -> None:
    outcome = _outcome(lambda: ik.loads(raw))
    _survives(outcome)


@settings(max_examples=_examples(0.5))
@given(st.binary(max_size=512) | st.text(max_size=256))
def test_random_bytes_and_text_load_or_raise_validation_error(
    data: bytes | str,
) -> None:
    _survives(_outcome(lambda: ik.loads(data)))


_STATUSPAGE = {
    "incident": {
        "id": "00km0kwpz23b",
        "name": "Incident with Actions and Git Operations",
        "status": "resolved",
        "created_at": "2023-01-10T17:04:42.462Z",
        "resolved_at": "2023-01-10T18:14:45.860Z",
        "impact": "minor",
        "started_at": "2023-01-10T17:04:42.456Z",
        "incident_updates": [
            {
                "status": "resolved",
                "body": "This incident has been resolved.",
                "created_at": "2023-01-10T18:14:45.860Z",
                "display_at": "2023-01-10T18:14:45.860Z",
            },
            {
                "status": "investigating",
                "body": "Runners are slow. Next update in 30 minutes.",
                "created_at": "2023-01-10T17:04:42.462Z",
                "display_at": "2023-01-10T17:04:42.462Z",
            },
        ],
    }
}


def _format_samples(format: str) -> list[bytes]:
    """Valid documents of another tool's format, as bytes."""
    if format == "statuspage":
        return [json.dumps(_STATUSPAGE).encode()]
    return [path.read_bytes() for path in sorted((FIXTURES / format).glob("*.json"))]


@st.composite
def damaged_format_bytes(draw: st.DrawFn, format: str) -> bytes:
    return _damage(draw, draw(st.sampled_from(_format_samples(format))))


@pytest.mark.parametrize("format", ["statuspage", "pagerduty", "incidentio"])
def test_format_samples_are_valid(format: str) -> None:
    # The damage below starts from documents that load.
    samples = _format_samples(format)
    assert samples
    for raw in samples:
        ik.loads(raw, format=format)


@pytest.mark.parametrize("format", ["statuspage", "pagerduty", "incidentio"])
@settings(max_examples=_examples(0.3))
@given(data=st.data())
def test_every_format_refuses_bytes_with_validation_error_only(
    format: str, data: st.DataObject
) -> None:
    raw = data.draw(damaged_format_bytes(format) | st.binary(max_size=256))
    _survives(_outcome(lambda: ik.loads(raw, format=format)))


@settings(max_examples=_examples(0.3))
@given(st.lists(mutated(valid_documents, python=False), min_size=1, max_size=4))
def test_load_table_takes_and_refuses_what_load_many_does(
    tmp_path_factory: pytest.TempPathFactory, docs: list[Doc]
) -> None:
    # load_table checks documents against the schema on its own fast path;
    # on any mix of good and broken documents it must keep the same ones,
    # give them the same rows, and report the same errors.
    path = tmp_path_factory.mktemp("fuzz") / "mixed.jsonl"
    path.write_bytes(
        b"".join(json.dumps(doc, allow_nan=True).encode() + b"\n" for doc in docs)
    )
    many = ik.load_many(path, errors="collect")
    table = load_table(path, errors="collect")
    assert_same_table(table, IncidentTable.from_records(many.records))
    assert [exc.errors for exc in table.errors] == [exc.errors for exc in many.errors]
    with accelerator_off():
        plain = load_table(path, errors="collect")
        plain_many = ik.load_many(path, errors="collect")
    assert_same_table(table, plain)
    assert [exc.errors for exc in table.errors] == [exc.errors for exc in plain.errors]
    assert many.records == plain_many.records
    # Equal is not enough: a dict equals a FrozenMapping, a list does not
    # hash. Both readers must build the very same types, frozen.
    assert [kinds(rec) for rec in many.records] == [
        kinds(rec) for rec in plain_many.records
    ]
    assert all(not list(mutable_parts(rec)) for rec in many.records)
    assert many.sources == plain_many.sources
    assert [exc.errors for exc in many.errors] == [
        exc.errors for exc in plain_many.errors
    ]


@contextlib.contextmanager
def accelerator_off() -> Iterator[None]:
    """Read as an installation without the ``fast`` extra does."""
    saved = fast.decoder, fast.record_decoder
    fast.decoder = fast.record_decoder = lambda assume_utc: None  # type: ignore[assignment]
    try:
        yield
    finally:
        fast.decoder, fast.record_decoder = saved


# --- one verdict on every path --------------------------------------------------------

#: Numbers the parsers read each in its own way: 1e400 overflows to
#: infinity in the stdlib, 10**400 has more digits than a float; anywhere
#: in a document, in metadata and in keys the schema does not know.
_RAW_NUMBERS = [
    "1e400",
    "-1e400",
    "1e-400",
    "1" + "0" * 400,
    "-" + "9" * 400,
    "9" * 308,  # the longest integer kept, and the shortest refused
    "9" * 309,
    "123456789012345678901234567890",  # beyond 64 bits: orjson reads a float
]
_RAW = "IK-RAW-NUMBER-"


@st.composite
def documents_with_huge_numbers(draw: st.DrawFn) -> str:
    """A mutated document's JSON text with raw huge numbers written into it."""
    # Valid documents too, so that the huge number is often the only flaw.
    doc = copy.deepcopy(draw(valid_documents | mutated(valid_documents, python=False)))
    if isinstance(doc, dict):
        places: list[dict[str, Any]] = [doc]
        places.extend(
            doc[section]
            for section in ("incident", "impact", "resolution")
            if isinstance(doc.get(section), dict)
        )
        events = doc.get("events")
        if isinstance(events, list):
            places.extend(event for event in events if isinstance(event, dict))
            places.extend(
                event["metadata"]
                for event in events
                if isinstance(event, dict) and isinstance(event.get("metadata"), dict)
            )
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            place = draw(st.sampled_from(places))
            key = draw(st.sampled_from(["x_unknown", "metadata", "n", "count"]))
            place[key] = _RAW + str(draw(st.sampled_from(range(len(_RAW_NUMBERS)))))
    text = json.dumps(doc, allow_nan=True)
    for index, number in enumerate(_RAW_NUMBERS):
        text = text.replace(f'"{_RAW}{index}"', number)
    return text


@contextlib.contextmanager
def orjson_off() -> Iterator[None]:
    """Read as an installation without orjson does."""
    saved = records_io.orjson
    records_io.orjson = None
    try:
        yield
    finally:
        records_io.orjson = saved


def _raises(load: Callable[[], object]) -> bool:
    try:
        load()
    except ik.ValidationError:
        return True
    return False


def _verdicts(path: Any) -> tuple[Any, ...]:
    """What each loader keeps and refuses, and whether ``errors="raise"`` raises."""
    many = ik.load_many(path, errors="collect")
    table = load_table(path, errors="collect")
    assert [exc.source for exc in table.errors] == [exc.source for exc in many.errors]
    assert len(table) == len(many.records)
    assert _raises(lambda: ik.load_many(path, errors="raise")) == bool(many.errors)
    assert _raises(lambda: load_table(path, errors="raise")) == bool(many.errors)
    return (
        many.records,
        many.sources,
        [exc.source for exc in many.errors],
        table.to_dict(),
    )


@settings(max_examples=_examples(0.3))
@given(st.lists(documents_with_huge_numbers(), min_size=1, max_size=4))
def test_every_parser_keeps_and_refuses_the_same_documents(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    # The stdlib, orjson and msgspec read 1e400 and 400-digit integers each
    # in its own way; one JSON-value check after parsing gives one verdict.
    path = tmp_path_factory.mktemp("paths") / "docs.jsonl"
    path.write_text("".join(text + "\n" for text in texts), encoding="utf-8")
    expected = _verdicts(path)
    for orjson_on in (True, False):
        for accelerator_on in (True, False):
            with contextlib.ExitStack() as stack:
                if not orjson_on:
                    stack.enter_context(orjson_off())
                if not accelerator_on:
                    stack.enter_context(accelerator_off())
                found = _verdicts(path)
            assert found[:3] == expected[:3], (orjson_on, accelerator_on)
            assert json.dumps(found[3], default=str) == json.dumps(
                expected[3], default=str
            )
