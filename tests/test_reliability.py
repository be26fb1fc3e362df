"""Reliability: a catalogue of bad input, and properties that hold for every record.

The catalogue goes case by case through what exported data gets wrong; each
case either raises a ``ValidationError`` located at the right path or is
accepted as the valid document it is. Cases that ``tests/test_converter.py``
and ``tests/test_io.py`` already pin down are not repeated here; this module
covers what they leave out (other fields, the file and JSONL paths, both JSON
parsers, the boundaries) and what happens *after* loading: the analytics on
odd but valid records.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentkit as ik
import incidentkit.records.io
from incidentkit.checks.engine import Finding, check
from incidentkit.figures.actions import CANONICAL_ACTION_TYPES, ActionItemPolicy
from incidentkit.figures.incident import (
    action_item_coverage,
    communications_summary,
    impact_score,
    milestones,
    phase_durations,
)
from incidentkit.figures.timeline import PHASE_NAMES, Milestones
from incidentkit.formats import source_format
from incidentkit.records.converter import MAX_JSON_DEPTH
from incidentkit.records.schema import (
    MAX_COUNT,
    CustomerImpact,
    Impact,
    IncidentRecord,
    Resolution,
)
from incidentkit.table.frame import IncidentTable, load_table
from strategies import ordered_milestone_records, recent_timestamps, records

UTC = timezone.utc
Doc = dict[str, Any]


def scaled(examples: int) -> int:
    """``examples`` under the ``ci`` profile, scaled like the active profile.

    Slow strategies set their own count; this keeps ``HYPOTHESIS_PROFILE=long``
    running them longer too.
    """
    default = settings.default.max_examples if settings.default else 100
    return max(1, examples * default // 100)


_DELETE = object()


def _set(doc: Doc, path: tuple[Any, ...], value: Any) -> Doc:
    """Set (or delete) the value at ``path`` in place and return the document."""
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


def _path(where: tuple[Any, ...]) -> str:
    """``("events", 3, "timestamp")`` as ``events[3].timestamp``."""
    text = ""
    for step in where:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.removeprefix(".")


def _only_error(caught: pytest.ExceptionInfo[ik.ValidationError]) -> str:
    errors = caught.value.errors
    assert len(errors) == 1, errors
    return errors[0]


def _rejected(doc: object, **kwargs: Any) -> str:
    """Load a parsed document that must fail; its single error line."""
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(doc, **kwargs)
    return _only_error(caught)


def _rejected_text(text: str | bytes) -> str:
    with pytest.raises(ik.ValidationError) as caught:
        ik.loads(text)
    return _only_error(caught)


@pytest.fixture(params=["orjson", "stdlib"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once with orjson and once with the stdlib ``json`` module.

    The ``fast`` extra is optional: every answer about bytes must be the same
    without it.
    """
    name: str = request.param
    if name == "stdlib":
        monkeypatch.setattr(incidentkit.records.io, "orjson", None)
    elif incidentkit.records.io.orjson is None:  # pragma: no cover - without the extra
        pytest.skip("orjson is not installed")
    return name


# =====================================================================================
# Bad-input catalogue
# =====================================================================================

# --- empty input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", " \n\t", "\ufeff", b"\xef\xbb\xbf", b"\xef\xbb\xbf  \r\n"],
    ids=["str", "str-blank", "str-bom-only", "bytes-bom-only", "bytes-bom-blank"],
)
def test_empty_text_is_an_empty_document(parser: str, text: str | bytes) -> None:
    assert _rejected_text(text) == "$: empty document (expected a JSON object)"


def test_empty_object_lacks_the_incident_section() -> None:
    assert _rejected({}) == "incident: required field is missing"


def test_empty_file_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load(empty)
    assert _only_error(caught) == (
        f"{empty}: $: empty document (expected a JSON object)"
    )


def test_empty_folder_and_blank_jsonl_give_nothing_and_no_error(tmp_path: Path) -> None:
    folder = tmp_path / "none"
    folder.mkdir()
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\n  \n\r\n")
    for source in (folder, blank):
        result = ik.load_many(source, errors="collect")
        assert (result.records, result.errors) == ([], [])


# --- not UTF-8 ---------------------------------------------------------------------


def test_utf16_with_its_bom_is_not_utf8(parser: str, example_doc: Doc) -> None:
    # What Windows PowerShell's Out-File writes: FF FE, then UTF-16-LE.
    raw = json.dumps(example_doc).encode("utf-16")
    assert raw[:2] == b"\xff\xfe"
    assert _rejected_text(raw) == "$: not UTF-8 text (byte 0xff at offset 0)"


def test_latin1_byte_inside_a_value_is_located_by_offset(
    parser: str, example_doc: Doc
) -> None:
    example_doc["incident"]["title"] = "Paiement refusé"
    raw = json.dumps(example_doc, ensure_ascii=False).encode("latin-1")
    offset = raw.index(b"\xe9")  # the é, a lone byte in Latin-1
    assert _rejected_text(raw) == f"$: not UTF-8 text (byte 0xe9 at offset {offset})"


def test_surrogate_encoded_as_utf8_bytes_is_not_utf8(parser: str) -> None:
    # ED A0 80 is U+D800 encoded as if it were a character (CESU-8); strict
    # UTF-8 forbids it. The escaped form "\ud800" is valid JSON and is kept
    # (tests/test_io.py::test_dump_keeps_lone_surrogates).
    raw = b'{"incident": {"id": "\xed\xa0\x80"}}'
    assert _rejected_text(raw) == "$: not UTF-8 text (byte 0xed at offset 21)"


def test_one_non_utf8_line_of_a_jsonl_file_loses_no_other_line(
    tmp_path: Path, example_doc: Doc
) -> None:
    good = json.dumps(example_doc).encode()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        good + b"\n" + good.replace(b"Payment", b"Paym\xe9nt") + b"\n" + good
    )
    result = ik.load_many(path, errors="collect")
    assert result.sources == [f"{path}:1", f"{path}:3"]
    assert [exc.source for exc in result.errors] == [f"{path}:2"]
    assert "not UTF-8 text (byte 0xe9" in result.errors[0].errors[0]


# --- a UTF-8 byte order mark ---------------------------------------------------------


def test_bom_is_skipped_in_files_and_jsonl_lines(
    tmp_path: Path, example_doc: Doc
) -> None:
    bom = b"\xef\xbb\xbf"
    text = json.dumps(example_doc).encode()
    single = tmp_path / "bom.json"
    single.write_bytes(bom + text)
    lines = tmp_path / "bom.jsonl"
    # Editors that add a BOM add it once, before the first line.
    lines.write_bytes(bom + text + b"\n" + text + b"\n")
    expected = ik.from_dict(example_doc)
    assert ik.load(single) == expected
    with single.open(encoding="utf-8") as file:
        assert ik.load(file) == expected
    assert ik.load_many(lines).records == [expected, expected]
    assert ik.load_many(tmp_path, errors="collect").records == [expected]


def test_a_second_bom_is_not_skipped(parser: str, example_doc: Doc) -> None:
    # Only one BOM is a BOM; a second is text before the JSON value.
    raw = b"\xef\xbb\xbf\xef\xbb\xbf" + json.dumps(example_doc).encode()
    assert _rejected_text(raw).startswith("$: not valid JSON")


# --- JSON that is not an object -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("42", "42 (int)"),
        ("-1.5", "-1.5 (float)"),
        ("true", "True (bool)"),
        ('"INC-1"', "'INC-1'"),
    ],
)
def test_scalar_documents(parser: str, text: str, shown: str) -> None:
    assert _rejected_text(text) == f"$: expected a JSON object, got {shown}"


def test_double_encoded_document_is_a_string_not_an_object(example_doc: Doc) -> None:
    # Some tools export JSON inside a JSON string.
    error = _rejected_text(json.dumps(json.dumps(example_doc)))
    assert error.startswith('$: expected a JSON object, got \'{"incident"')
    # The value is shortened in the message, not pasted whole.
    assert len(error) < 120


# --- NaN and Infinity -----------------------------------------------------------------


def _with_token(doc: Doc, where: tuple[Any, ...], token: str) -> str:
    """The document as JSON text with a raw token (``NaN``...) at ``where``."""
    _set(doc, where, "__token__")
    text = json.dumps(doc)
    assert text.count('"__token__"') == 1
    return text.replace('"__token__"', token)


@pytest.mark.parametrize(
    ("where", "token"),
    [
        (("impact", "affected_users_percentage"), "-Infinity"),
        (("signals", "latency_p99_ms"), "NaN"),
        (("x_score",), "NaN"),
        (("context", "ongoing_incidents"), "[1, [Infinity]]"),
        # 1e400 is valid JSON syntax, but no float holds it: it reads as inf.
        (("signals", "error_rate_percentage"), "1e400"),
        (("events", 0, "metadata", "value"), "-1e400"),
    ],
    ids=[
        "neg-inf-field",
        "nan-field",
        "nan-unknown-key",
        "inf-in-list",
        "1e400",
        "-1e400",
    ],
)
def test_non_finite_numbers_are_located(
    parser: str, example_doc: Doc, where: tuple[Any, ...], token: str
) -> None:
    error = _rejected_text(_with_token(example_doc, where, token))
    path = _path(where) + ("[1][0]" if token.startswith("[") else "")
    assert error.startswith(f"{path}: ")
    assert "inf" in error or "nan" in error


# --- numbers too large for their field ------------------------------------------------


def test_largest_count_is_accepted_one_more_is_not(example_doc: Doc) -> None:
    # Counts become int64 columns: 2**63 - 1 is the largest that fits.
    _set(example_doc, ("signals", "alert_count"), MAX_COUNT)
    assert ik.from_dict(example_doc).signals.alert_count == 2**63 - 1  # type: ignore[union-attr]
    _set(example_doc, ("signals", "alert_count"), MAX_COUNT + 1)
    error = _rejected(example_doc)
    assert error.startswith("signals.alert_count: ")
    assert str(2**63) in error


def test_whole_float_beyond_int64_is_not_a_count(example_doc: Doc) -> None:
    # 1e19 is a whole number, so it reads as the int 10**19 > 2**63 - 1.
    _set(example_doc, ("resolution", "customer_impact", "failed_transactions"), 1e19)
    error = _rejected(example_doc)
    assert error.startswith("resolution.customer_impact.failed_transactions: ")
    assert "between 0 and" in error


def test_integer_with_hundreds_of_digits_in_a_float_field(
    parser: str, example_doc: Doc
) -> None:
    # 10**400 parses as a Python int (JSON has no size limit) but no float
    # holds it.
    text = json.dumps(example_doc).replace(
        '"revenue_impact_usd": 28500', '"revenue_impact_usd": 1' + "0" * 400
    )
    error = _rejected_text(text)
    assert error.startswith(
        "resolution.customer_impact.revenue_impact_usd: number 1000"
    )
    assert "is too large" in error
    assert len(error) < 200


def test_largest_finite_float_is_a_valid_latency(example_doc: Doc) -> None:
    _set(example_doc, ("signals", "latency_p99_ms"), 1.7976931348623157e308)
    rec = ik.from_dict(example_doc)
    assert ik.loads(ik.dumps(rec)) == rec


@pytest.mark.parametrize(
    "digits",
    [
        "18446744073709551617",  # 2**64 + 1, past the unsigned 64-bit range
        "-9223372036854775809",  # one below the signed 64-bit range
        "9" * 308,  # the longest integer JSON values may hold
    ],
    ids=["2**64+1", "-2**63-1", "308-digits"],
)
def test_huge_integer_in_metadata_is_kept_exactly(
    parser: str, example_doc: Doc, digits: str
) -> None:
    # Metadata is kept as it is: a big id is not rounded to a float, whether
    # the document arrives as text or as the bytes of a file.
    text = json.dumps(example_doc).replace('"value": 95', f'"value": {digits}')
    for data in (text, text.encode()):
        rec = ik.loads(data)
        kept = rec.events[0].metadata["value"]
        assert type(kept) is int
        assert kept == int(digits)
        assert ik.loads(ik.dumps(rec)) == rec


def test_integer_longer_than_a_float_could_reach_is_refused_in_metadata(
    parser: str, example_doc: Doc
) -> None:
    # 309 digits is beyond any float; Python refuses to print integers of
    # over 4,300 digits, so an unbounded one could not be written back.
    text = _with_token(example_doc, ("events", 2, "metadata", "id"), "1" * 309)
    assert _rejected_text(text) == "events[2].metadata.id: integer with over 308 digits"


# --- strings where numbers belong, and the reverse ------------------------------------


@pytest.mark.parametrize(
    ("where", "value", "path", "words"),
    [
        (
            ("signals", "alert_count"),
            "12",
            "signals.alert_count",
            "expected a whole number, got '12'",
        ),
        (
            ("signals", "latency_p99_ms"),
            "NaN",
            "signals.latency_p99_ms",
            "expected a number, got 'NaN'",
        ),
        (
            ("resolution", "customer_impact", "revenue_impact_usd"),
            "$28,500",
            "resolution.customer_impact.revenue_impact_usd",
            "expected a number, got '$28,500'",
        ),
        (
            ("incident", "severity"),
            1,
            "incident.severity",
            "expected a string, got 1 (int)",
        ),
        (
            ("incident", "title"),
            3.0,
            "incident.title",
            "expected a string, got 3.0 (float)",
        ),
        (
            ("incident", "commander"),
            True,
            "incident.commander",
            "expected a string, got True (bool)",
        ),
        (
            ("incident", "declared_at"),
            1705328580,
            "incident.declared_at",
            "expected an ISO 8601 timestamp string, got 1705328580 (int)",
        ),
        (("events", 4, "type"), 3, "events[4].type", "3 (int) is not an event type"),
        (
            ("action_items", 0, "deadline"),
            20240122,
            "action_items[0].deadline",
            "expected a date string YYYY-MM-DD, got 20240122 (int)",
        ),
        (
            ("incident", "affected_services", 1),
            7,
            "incident.affected_services[1]",
            "expected a string, got 7 (int)",
        ),
    ],
)
def test_wrong_json_type_is_named(
    example_doc: Doc, where: tuple[Any, ...], value: object, path: str, words: str
) -> None:
    error = _rejected(_set(example_doc, where, value))
    assert error.startswith(f"{path}: ")
    assert words in error


# --- a string where a list belongs ----------------------------------------------------

LIST_FIELDS = [
    ("impact", "affected_regions"),
    ("signals", "affected_endpoints"),
    ("signals", "dependent_services"),
    ("context", "recent_deployments"),
    ("context", "ongoing_incidents"),
    ("context", "maintenance_windows"),
    ("resolution", "contributing_factors"),
    ("resolution", "mitigation_steps"),
    ("communications",),
    ("action_items",),
    ("participants",),
]


@pytest.mark.parametrize("where", LIST_FIELDS, ids=".".join)
@pytest.mark.parametrize("value", ["eu-west-1", {"eu": "west"}], ids=["str", "object"])
def test_string_or_object_where_a_list_belongs(
    example_doc: Doc, where: tuple[str, ...], value: object
) -> None:
    # Both are iterable in Python: a string would become a list of
    # characters, an object a list of its keys. Neither may.
    error = _rejected(_set(example_doc, where, value))
    assert error.startswith(f"{'.'.join(where)}: expected a list, got ")


def test_single_string_where_a_list_of_objects_belongs(example_doc: Doc) -> None:
    _set(example_doc, ("events",), ["trigger at 14:15"])
    assert _rejected(example_doc) == (
        "events[0]: expected a JSON object, got 'trigger at 14:15'"
    )


# --- nesting 100,000 deep -------------------------------------------------------------


def _nested_dicts(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


def _nested_lists(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def test_well_formed_text_nested_100000_deep(parser: str, example_doc: Doc) -> None:
    # Closed brackets, so it is valid JSON; too deep for any parser's stack.
    text = json.dumps(example_doc)[:-1] + ', "x": ' + '{"a": ' * 100_000 + "1"
    text += "}" * 100_000 + "}"
    assert _rejected_text(text) == "$: nested too deeply to read"


def test_parsed_objects_nested_100000_deep_in_an_unknown_key(example_doc: Doc) -> None:
    example_doc["x_tool"] = _nested_dicts(100_000)
    error = _rejected(example_doc)
    # Located where the limit is crossed: MAX_JSON_DEPTH steps below the
    # object that holds the unknown key.
    assert error.startswith("x_tool" + ".a" * (MAX_JSON_DEPTH - 1) + ": ")
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in error


def test_lists_nested_100000_deep_where_events_belong(example_doc: Doc) -> None:
    example_doc["events"] = _nested_lists(100_000)
    assert _rejected(example_doc).startswith(
        "events[0]: expected a JSON object, got [[[["
    )


def test_deepest_allowed_nesting_round_trips_and_one_more_is_refused(
    example_doc: Doc,
) -> None:
    # MAX_JSON_DEPTH - 1 containers below a metadata key is the deepest kept;
    # it must also survive dumps (orjson refuses deep values; the stdlib
    # takes over) and loads.
    deepest = copy.deepcopy(example_doc)
    deepest["events"][0]["metadata"]["deep"] = _nested_lists(MAX_JSON_DEPTH - 1)
    rec = ik.from_dict(deepest)
    for indent in (None, 2, 4):
        assert ik.loads(ik.dumps(rec, indent=indent)) == rec
    example_doc["events"][0]["metadata"]["deep"] = _nested_lists(MAX_JSON_DEPTH)
    error = _rejected(example_doc)
    assert error.startswith("events[0].metadata.deep" + "[0]" * (MAX_JSON_DEPTH - 1))


# --- a 10 MB string -------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


def test_ten_megabyte_text_is_kept_whole(example_doc: Doc) -> None:
    title = "é" * (TEN_MB // 2)  # 10 MB in UTF-8, 5 million characters
    _set(example_doc, ("incident", "title"), title)
    rec = ik.loads(json.dumps(example_doc, ensure_ascii=False).encode())
    assert rec.incident.title == title
    assert ik.loads(ik.dumps(rec)) == rec


@pytest.mark.parametrize(
    ("where", "path"),
    [
        (("impact", "affected_users_percentage"), "impact.affected_users_percentage"),
        (("events", 0, "type"), "events[0].type"),
        (("incident", "declared_at"), "incident.declared_at"),
        (("action_items", 0, "deadline"), "action_items[0].deadline"),
    ],
    ids=["number", "event-type", "timestamp", "date"],
)
def test_ten_megabyte_bad_value_is_shortened_in_the_error(
    example_doc: Doc, where: tuple[Any, ...], path: str
) -> None:
    error = _rejected(_set(example_doc, where, "9" * TEN_MB))
    assert error.startswith(f"{path}: ")
    # The message names the value, but a person must be able to read it.
    assert len(error) < 1000, f"{len(error)} characters"


def test_ten_megabyte_unknown_key_in_strict_mode_is_shortened(example_doc: Doc) -> None:
    example_doc["incident"]["k" * TEN_MB] = 1
    error = _rejected(example_doc, strict=True)
    assert error.startswith("incident.kkk")
    assert len(error) < 1000, f"{len(error)} characters"


def test_ten_megabyte_jsonl_line_between_good_lines(
    tmp_path: Path, example_doc: Doc
) -> None:
    good = json.dumps(example_doc)
    huge = copy.deepcopy(example_doc)
    huge["incident"]["title"] = "x" * TEN_MB
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join([good, json.dumps(huge), good[: len(good) // 2]]) + "\n")
    result = ik.load_many(path, errors="collect")
    assert result.sources == [f"{path}:1", f"{path}:2"]
    assert len(result.records[1].incident.title) == TEN_MB
    assert [exc.source for exc in result.errors] == [f"{path}:3"]


# --- impossible dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (("incident", "declared_at"), "2024-02-30T10:00:00Z"),
        (("incident", "resolved_at"), "2023-02-29T10:00:00Z"),
        (("events", 4, "timestamp"), "2024-01-15T25:00:00Z"),
        (("events", 5, "timestamp"), "2024-01-15T14:60:00Z"),
        (("communications", 0, "timestamp"), "2024-01-15T14:30:00+25:00"),
        (("communications", 1, "timestamp"), "2024-13-01T00:00:00Z"),
        (("context", "recent_deployments", 0, "deployed_at"), "0000-01-01T00:00:00Z"),
        # Leap seconds are real, but datetime has no 23:59:60.
        (("resolution", "postmortem_scheduled"), "2016-12-31T23:59:60Z"),
    ],
    ids=[
        "feb-30",
        "feb-29-2023",
        "hour-25",
        "minute-60",
        "offset-25h",
        "month-13",
        "year-0",
        "leap-second",
    ],
)
def test_impossible_timestamp_is_located(
    example_doc: Doc, where: tuple[Any, ...], text: str
) -> None:
    error = _rejected(_set(example_doc, where, text))
    assert (
        error
        == f"{_path(where)}: timestamp {text!r} is not a valid ISO 8601 date and time"
    )


def test_impossible_deadline_is_located(example_doc: Doc) -> None:
    error = _rejected(_set(example_doc, ("action_items", 2, "deadline"), "2023-02-29"))
    assert (
        error
        == "action_items[2].deadline: date '2023-02-29' is not a valid YYYY-MM-DD date"
    )


def test_offset_pushing_a_timestamp_out_of_range_is_located(example_doc: Doc) -> None:
    _set(example_doc, ("events", 1, "timestamp"), "0001-01-01T00:00:00+00:01")
    error = _rejected(example_doc)
    assert error.startswith("events[1].timestamp: ")
    assert "outside years 1-9999" in error


# --- duplicate keys -------------------------------------------------------------------


def test_duplicate_keys_keep_the_last_value_whichever_is_bad(
    parser: str, example_doc: Doc
) -> None:
    text = json.dumps(example_doc)
    good = '"severity": "SEV1"'
    bad_first = text.replace(good, '"severity": 1, ' + good, 1)
    assert ik.loads(bad_first).incident.severity == "SEV1"
    bad_last = text.replace(good, good + ', "severity": 1', 1)
    assert (
        _rejected_text(bad_last) == "incident.severity: expected a string, got 1 (int)"
    )


def test_duplicate_sections_keep_the_last_one_whole(
    parser: str, example_doc: Doc
) -> None:
    # The last "impact" replaces the first; the two are not merged.
    text = json.dumps(example_doc)[:-1] + ', "impact": {"security_breach": true}}'
    impact = ik.loads(text).impact
    assert impact == ik.Impact(security_breach=True)


# --- unknown event types --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Detection", "'Detection'"),
        ("trigger ", "'trigger '"),
        ("", "''"),
        ("deployment", "'deployment'"),
        (None, "None (NoneType)"),
    ],
)
def test_unknown_event_types_are_named(
    example_doc: Doc, value: object, shown: str
) -> None:
    # Types compare exactly: a tool that writes "Detection" is caught at load
    # time, not silently left out of the milestones.
    error = _rejected(_set(example_doc, ("events", 6, "type"), value))
    assert error.startswith(f"events[6].type: {shown} is not an event type (one of ")
    assert all(kind.value in error for kind in ik.EventType)


# =====================================================================================
# Valid documents that look wrong: accepted by loading, reported by the checks
# =====================================================================================


def analyse(
    rec: IncidentRecord, *, as_of: date | datetime = date(2024, 6, 1)
) -> dict[str, Any]:
    """Every analytic of ``rec``, its one-row table and its JSON round trip.

    Shared by the fuzz and concurrency tests: each must accept any record
    that loads. The table's row is compared with the one-incident functions
    on the way.
    """
    results = {
        "milestones": milestones(rec),
        "phase_durations": phase_durations(rec),
        "communications_summary": communications_summary(rec),
        "impact_score": impact_score(rec),
        "action_item_coverage": action_item_coverage(rec, as_of=as_of),
        "check": check(rec, as_of=as_of),
        "round_trip": ik.loads(ik.dumps(rec)) == rec,
    }
    table = IncidentTable.from_records([rec], as_of=as_of, checks=True)
    assert_table_matches([rec], table, as_of=as_of)
    results["table"] = table.to_dict()
    return results


# --- what a table row must hold --------------------------------------------------


def _seconds(span: timedelta | None) -> float:
    return math.nan if span is None else span.total_seconds()


def _moment(moment: datetime | None) -> np.datetime64:
    if moment is None:
        return np.datetime64("NaT", "us")
    return np.datetime64(moment.replace(tzinfo=None), "us")


def expected_row(rec: IncidentRecord, as_of: date | datetime | None) -> dict[str, Any]:
    """A table row computed with the one-incident functions, one at a time."""
    durations = phase_durations(rec)
    score = impact_score(rec)
    level = rec.incident.severity_level
    row: dict[str, Any] = {
        "id": rec.incident.id,
        "severity": -1 if level is None else level,
        "severity_label": rec.incident.severity,
        "service": rec.incident.service,
        "status": rec.incident.status,
        "kind": rec.incident.kind,
        "source": source_format(rec),
    }
    for name, moment in durations.milestones.as_dict().items():
        row[f"{name}_at"] = _moment(moment)
    row["resolved"] = durations.milestones.resolved is not None
    for name, span in {**durations.figures, **durations.phases}.items():
        row[name] = _seconds(span)
    row["impact_score"] = score.score
    row["user_minutes"] = math.nan if score.user_minutes is None else score.user_minutes
    coverage = action_item_coverage(rec, as_of=as_of or date(2024, 1, 1))
    row["action_items"] = len(rec.action_items)
    for kind in CANONICAL_ACTION_TYPES:
        row[f"action_items_{kind}"] = coverage.by_type[kind]
    row["action_items_other"] = sum(
        count
        for kind, count in coverage.by_type.items()
        if kind not in CANONICAL_ACTION_TYPES
    )
    row["action_items_untyped"] = len(coverage.without_type)
    done = ActionItemPolicy().is_done
    row["action_items_open"] = sum(not done(item.status) for item in rec.action_items)
    if as_of is not None:
        row["action_items_overdue"] = len(coverage.overdue)
    return row


def assert_table_matches(
    recs: list[IncidentRecord],
    table: IncidentTable,
    *,
    as_of: date | datetime | None,
) -> None:
    """Every column of ``table`` equals the one-incident functions, row by row."""
    rows = [expected_row(rec, as_of) for rec in recs]
    if "check_errors" in table.columns:
        for row, rec in zip(rows, recs, strict=True):
            levels = [finding.level for finding in check(rec, as_of=as_of)]
            row["check_errors"] = levels.count("error")
            row["check_warnings"] = levels.count("warning")
    assert len(table) == len(recs)
    expected_columns = set(rows[0]) if rows else set(table.columns)
    assert set(table.columns) == expected_columns
    for name in table.columns:
        column = table[name]
        wanted = [row[name] for row in rows]
        if column.dtype.kind == "M":
            assert column.astype(np.int64).tolist() == (
                np.array(wanted, dtype="datetime64[us]").astype(np.int64).tolist()
            ), name
        elif column.dtype.kind == "f":
            assert np.array_equal(
                column, np.array(wanted, dtype=np.float64), equal_nan=True
            ), (name, column, wanted)
        else:
            assert column.tolist() == wanted, name


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def _codes_at(findings: list[Finding], path: str) -> list[tuple[str, str]]:
    return [(f.code, f.level) for f in findings if f.path == path]


def test_severity_label_no_policy_knows(example_doc: Doc) -> None:
    _set(example_doc, ("incident", "severity"), "Urgent-ish")
    rec = ik.from_dict(example_doc)
    assert rec.incident.severity == "Urgent-ish"
    assert rec.incident.severity_level is None
    results = analyse(rec)
    # No level, so no cadence limit and no required action-item types: the
    # analytics neither guess a level nor fail.
    assert results["communications_summary"].long_gaps == ()
    assert results["action_item_coverage"].required_types == frozenset()
    assert _codes_at(results["check"], "incident.severity") == [("IK103", "error")]


def test_empty_events(example_doc: Doc) -> None:
    _set(example_doc, ("events",), [])
    rec = ik.from_dict(example_doc)
    assert rec.events == ()
    results = analyse(rec)
    declared = datetime(2024, 1, 15, 14, 23, tzinfo=UTC)
    resolved = datetime(2024, 1, 15, 16, 45, tzinfo=UTC)
    # started falls back to declared_at; nothing else can be found.
    assert results["milestones"] == Milestones(
        started=declared, declared=declared, resolved=resolved
    )
    durations = results["phase_durations"]
    assert dict(durations.phases) == dict.fromkeys(PHASE_NAMES)
    # 14:23 → 16:45 is 2 h 22 min.
    assert durations.time_to_resolve == durations.time_open == _minutes(142)
    assert durations.time_to_detect is None
    # Nothing is out of order in an empty timeline, and nothing is invented:
    # no timeline finding at all.
    assert not [f for f in results["check"] if f.code.startswith("IK2")]


def test_events_that_all_share_one_timestamp(example_doc: Doc) -> None:
    # An exporter that stamps every event with the export time.
    for event in example_doc["events"]:
        event["timestamp"] = "2024-01-15T14:30:00Z"
    rec = ik.from_dict(example_doc)
    results = analyse(rec)
    durations = results["phase_durations"]
    # started = detected = identified = mitigated = 14:30; declared 14:23
    # and resolved 16:45 come from the incident section.
    assert dict(durations.phases) == {
        "detection": _minutes(0),
        "declaration": _minutes(-7),
        "diagnosis": _minutes(7),
        "mitigation": _minutes(0),
        "monitoring": _minutes(135),
    }
    assert durations.time_to_resolve == _minutes(135)
    # The negative declaration phase is an error at the moment behind it.
    assert ("IK201", "error") in _codes_at(results["check"], "incident.declared_at")


def test_every_moment_the_same(example_doc: Doc) -> None:
    # The incident and all its events at one instant: all spans are zero and
    # the incident lasts no time, which is an error.
    for event in example_doc["events"]:
        event["timestamp"] = "2024-01-15T14:23:00Z"
    _set(example_doc, ("incident", "resolved_at"), "2024-01-15T14:23:00Z")
    results = analyse(ik.from_dict(example_doc))
    durations = results["phase_durations"]
    assert set(durations.phases.values()) == {timedelta(0)}
    # The example records no acknowledgement: its figure stays unknown.
    assert set(durations.figures.values()) == {timedelta(0), None}
    assert durations.time_to_acknowledge is None
    assert _codes_at(results["check"], "incident.resolved_at") == [("IK208", "error")]


def test_resolved_before_declared(example_doc: Doc) -> None:
    _set(example_doc, ("incident", "resolved_at"), "2024-01-15T14:00:00Z")
    rec = ik.from_dict(example_doc)
    results = analyse(rec)
    durations = results["phase_durations"]
    # Negative as they are, never clamped: 14:23 → 14:00 and 14:15 → 14:00.
    assert durations.time_open == _minutes(-23)
    assert durations.time_to_resolve == _minutes(-15)
    # No mitigation event lies at or before 14:00.
    assert durations.milestones.mitigated is None
    score = results["impact_score"]
    # The impact lasted started → resolved, -15 min: no duration harm, and
    # user-minutes negative as documented (12,500 users x -15 min).
    assert score.components["duration"].value == 0.0
    assert score.user_minutes == 12_500 * -15.0
    at_resolution = _codes_at(results["check"], "incident.resolved_at")
    assert ("IK201", "error") in at_resolution  # out of order
    assert ("IK208", "error") in at_resolution  # lasts -15 min


# --- years 1 and 9999 -----------------------------------------------------------------

FIRST = "0001-01-01T00:00:00Z"
LAST = "9999-12-31T23:59:59.999999Z"


def _everywhere(doc: Doc, moment: Callable[[str], str], day: str) -> Doc:
    """Put ``moment(path)`` in every timestamp of ``doc`` and ``day`` in every date."""
    incident = doc["incident"]
    for key in ("declared_at", "resolved_at"):
        incident[key] = moment(f"incident.{key}")
    for index, event in enumerate(doc["events"]):
        event["timestamp"] = moment(f"events[{index}]")
    for index, message in enumerate(doc["communications"]):
        message["timestamp"] = moment(f"communications[{index}]")
    for deployment in doc["context"]["recent_deployments"]:
        deployment["deployed_at"] = moment("deployed_at")
    doc["resolution"]["postmortem_scheduled"] = moment("postmortem_scheduled")
    for item in doc["action_items"]:
        item["deadline"] = day
    return doc


EXTREMES = {
    "year-1": (lambda path: FIRST, "0001-01-01"),
    "year-9999": (lambda path: LAST, "9999-12-31"),
    # Declared in year 1, everything else in 9999: the longest spans.
    "both": (
        lambda path: FIRST if path == "incident.declared_at" else LAST,
        "0001-01-01",
    ),
    # Resolved in year 1, everything else in 9999: the most negative spans.
    "reversed": (
        lambda path: FIRST if path == "incident.resolved_at" else LAST,
        "9999-12-31",
    ),
}

AS_OF_EXTREMES = [
    date.min,
    date.max,
    datetime.min.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
]
#: Aware datetimes whose UTC day lies before year 1 or after year 9999.
AS_OF_BEYOND = [
    datetime.min.replace(tzinfo=timezone(timedelta(hours=14))),
    datetime.max.replace(tzinfo=timezone(timedelta(hours=-12))),
]


@pytest.mark.parametrize("as_of", AS_OF_EXTREMES, ids=str)
@pytest.mark.parametrize("extreme", EXTREMES)
def test_no_analytic_raises_near_the_limits_of_datetime(
    example_doc: Doc, extreme: str, as_of: date | datetime
) -> None:
    moment, day = EXTREMES[extreme]
    rec = ik.from_dict(_everywhere(example_doc, moment, day))
    assert analyse(rec, as_of=as_of)["round_trip"]


as_of_values = (
    st.dates()
    | st.datetimes(
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])
    )
).filter(lambda moment: not _beyond_utc(moment))


def _beyond_utc(moment: date) -> bool:
    if not isinstance(moment, datetime):
        return False
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return True
    return False


@given(records(), as_of_values)
def test_no_analytic_raises_on_any_valid_record(
    rec: IncidentRecord, as_of: date | datetime
) -> None:
    # records() draws every timestamp from year 1 to year 9999.
    before = copy.deepcopy(rec)
    assert analyse(rec, as_of=as_of)["round_trip"]
    assert rec == before


@pytest.mark.parametrize("as_of", AS_OF_BEYOND, ids=str)
def test_as_of_beyond_the_utc_range_is_clamped_or_named(
    example_doc: Doc, as_of: datetime
) -> None:
    rec = ik.from_dict(example_doc)
    # action_item_coverage clamps to the first or last day...
    day = action_item_coverage(rec, as_of=as_of).as_of
    assert day == (date.min if as_of.year == 1 else date.max)
    # ...and so does the table...
    table = IncidentTable.from_records([rec], as_of=as_of)
    assert_table_matches([rec], table, as_of=as_of)
    # ...check may refuse the argument instead, but only by naming it.
    errors = []
    try:
        check(rec, as_of=as_of)
    except ik.ValidationError as exc:
        errors = exc.errors
    assert all(error.startswith("as_of: ") for error in errors)


@pytest.mark.parametrize("extreme", EXTREMES)
def test_table_near_the_limits_of_datetime(example_doc: Doc, extreme: str) -> None:
    # pandas' default nanosecond timestamps end in 2262: the table's
    # microsecond columns, and what it hands to pandas, must not.
    moment, day = EXTREMES[extreme]
    rec = ik.from_dict(_everywhere(example_doc, moment, day))
    table = IncidentTable.from_records([rec, rec])
    declared = rec.incident.declared_at
    frame = table.to_pandas()
    assert frame["declared_at"].iloc[0].to_pydatetime() == declared
    stats = table.group_stats("time_open", by="month")
    assert stats.groups.tolist() == [date(declared.year, declared.month, 1)]
    # Resolved before declared ("reversed"): negative spans, counted as invalid.
    invalid = 2 if extreme == "reversed" else 0
    assert (stats.count + stats.invalid).tolist() == [2]
    assert stats.invalid.tolist() == [invalid]


def test_promises_made_at_the_last_representable_moment(example_doc: Doc) -> None:
    rec = ik.from_dict(_everywhere(example_doc, lambda path: LAST, "9999-12-31"))
    summary = communications_summary(rec)
    # "within 15 minutes" at 9999-12-31T23:59:59.999999 ends beyond datetime;
    # the next update, at the same moment, keeps it.
    first = summary.promises[0]
    assert first.delay == _minutes(15)
    assert first.broken is False
    assert all(gap == timedelta(0) for gap in summary.gaps)


def test_longest_spans_are_exact(example_doc: Doc) -> None:
    moment, day = EXTREMES["both"]
    rec = ik.from_dict(_everywhere(example_doc, moment, day))
    durations = phase_durations(rec)
    days = date(9999, 12, 31).toordinal() - date(1, 1, 1).toordinal()
    assert durations.time_open == timedelta(days=days, hours=24) - timedelta(
        microseconds=1
    )
    # detected (9999) → declared (year 1) runs backwards the whole way.
    assert durations.phases["declaration"] == -durations.time_open
    assert durations.phases["diagnosis"] == durations.time_open
    assert durations.time_to_resolve == timedelta(0)


# =====================================================================================
# Properties
# =====================================================================================


def _rewritten(doc: Doc, draw: st.DrawFn) -> Doc:
    """The document as another tool could write it: events shuffled, every
    timestamp at some UTC offset."""
    doc = copy.deepcopy(doc)
    doc["events"] = draw(st.permutations(doc["events"]))
    offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59)

    def local(text: str) -> str:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        zone = timezone(timedelta(minutes=draw(offsets)))
        return moment.astimezone(zone).isoformat()

    for event in doc["events"]:
        event["timestamp"] = local(event["timestamp"])
    for key in ("declared_at", "resolved_at"):
        doc["incident"][key] = local(doc["incident"][key])
    return doc


@st.composite
def ordered_documents(draw: st.DrawFn) -> tuple[IncidentRecord, Doc]:
    rec = draw(ordered_milestone_records())
    return rec, _rewritten(ik.to_dict(rec), draw)


# Each example builds a whole record around the milestones: slow to draw.
@settings(max_examples=scaled(40))
@given(ordered_documents())
def test_phases_add_up_whatever_order_and_offsets_the_document_uses(
    pair: tuple[IncidentRecord, Doc],
) -> None:
    rec, doc = pair
    loaded = ik.loads(json.dumps(doc))
    durations = phase_durations(loaded)
    assert durations == phase_durations(rec)
    spans = list(durations.phases.values())
    assert None not in spans
    total = sum((span for span in spans if span is not None), timedelta(0))
    assert total == durations.time_to_resolve
    assert durations.time_to_resolve is not None
    assert durations.time_to_resolve >= timedelta(0)


def _harm_profile(rec: IncidentRecord) -> dict[str, Any]:
    impact = rec.impact or Impact()
    customer = (rec.resolution.customer_impact if rec.resolution else None) or (
        CustomerImpact()
    )
    return {"impact": impact, "customer": customer}


_REVENUE = [None, "none", "low", "medium", "high", "critical"]
_DEGRADATION = [None, "partial", "full"]


def _worse_label(
    first: str | None, second: str | None, ladder: list[str | None]
) -> str | None:
    # A label off the ladder (a typo) counts as no harm, the bottom rung.
    rank = [ladder.index(label) if label in ladder else 0 for label in (first, second)]
    return first if rank[0] >= rank[1] else second


def _worse_number(first: float | None, second: float | None) -> float | None:
    present = [value for value in (first, second) if value is not None]
    return max(present) if present else None


def _worst_of(rec: IncidentRecord, other: IncidentRecord) -> IncidentRecord:
    """``rec`` with every harm at least as bad as in both records."""
    mine, theirs = _harm_profile(rec), _harm_profile(other)
    a, b = mine["impact"], theirs["impact"]
    impact = attrs.evolve(
        a,
        affected_users_percentage=_worse_number(
            a.affected_users_percentage, b.affected_users_percentage
        ),
        affected_regions=tuple(dict.fromkeys(a.affected_regions + b.affected_regions)),
        degradation_type=_worse_label(
            a.degradation_type, b.degradation_type, _DEGRADATION
        ),
        revenue_impact=_worse_label(a.revenue_impact, b.revenue_impact, _REVENUE),
        workaround_available=(
            False
            if False in (a.workaround_available, b.workaround_available)
            else a.workaround_available
        ),
        data_integrity_risk=a.data_integrity_risk or b.data_integrity_risk,
        security_breach=a.security_breach or b.security_breach,
        # Customer-facing is worse than internal; unknown counts as facing.
        customer_facing=None
        if a.customer_facing is None
        else (a.customer_facing or b.customer_facing is not False),
    )
    c, d = mine["customer"], theirs["customer"]
    customer = attrs.evolve(
        c,
        affected_users=_worse_number(c.affected_users, d.affected_users),
        failed_transactions=_worse_number(c.failed_transactions, d.failed_transactions),
        revenue_impact_usd=_worse_number(c.revenue_impact_usd, d.revenue_impact_usd),
        data_loss=c.data_loss or d.data_loss,
    )
    resolution = attrs.evolve(rec.resolution or Resolution(), customer_impact=customer)
    return attrs.evolve(rec, impact=impact, resolution=resolution)


@given(records(recent_timestamps), records(recent_timestamps))
def test_impact_score_is_monotone_in_all_harms_at_once(
    rec: IncidentRecord, other: IncidentRecord
) -> None:
    # tests/test_impact.py grows one harm at a time; this grows any number of
    # them together (the product order), through a JSON round trip.
    worst = ik.loads(ik.dumps(_worst_of(rec, other)))
    base = impact_score(rec)
    score = impact_score(worst)
    if base.score is not None:
        assert score.score is not None
        assert score.score >= base.score
    for name, component in score.components.items():
        assert component.value >= base.components[name].value, name


_CORRUPTIONS = ["truncate", "latin1", "not-object", "no-incident", "nan-count", "empty"]


def _corrupt(raw: bytes, how: str) -> bytes:
    """Spoil one document's bytes so that it can no longer load."""
    if how == "truncate":
        return raw[: len(raw) // 2]
    if how == "latin1":
        return raw[:1] + b'"x_note": "caf\xe9", ' + raw[1:]
    if how == "not-object":
        # A JSON string, not an array: an array is a list of documents.
        return json.dumps(raw.decode()).encode()
    if how == "no-incident":
        return raw.replace(b'"incident":', b'"incidents":', 1)
    if how == "nan-count":
        # Last, so that it wins over the record's own "signals".
        return raw[:-1] + b', "signals": {"alert_count": NaN}}'
    return b"   "


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[IncidentRecord], list[str | None]]:
    """Records, and for each either None (kept whole) or how it is spoilt."""
    recs = draw(st.lists(records(), min_size=1, max_size=6))
    spoilt = draw(
        st.lists(
            st.none() | st.sampled_from(_CORRUPTIONS),
            min_size=len(recs),
            max_size=len(recs),
        )
    )
    return recs, spoilt


@settings(max_examples=scaled(30))
@given(corpora(), st.booleans())
def test_collect_returns_every_good_record_of_a_corrupted_corpus(
    tmp_path_factory: pytest.TempPathFactory,
    corpus: tuple[list[IncidentRecord], list[str | None]],
    as_jsonl: bool,
) -> None:
    recs, spoilt = corpus
    folder = tmp_path_factory.mktemp("corpus")
    raws = []
    for rec, how in zip(recs, spoilt, strict=True):
        # ASCII, without a raw newline: JSON escapes both inside strings.
        raw = json.dumps(ik.to_dict(rec)).encode()
        raws.append(raw if how is None else _corrupt(raw, how))
    if as_jsonl:
        source = folder / "all.jsonl"
        source.write_bytes(b"\n".join(raws) + b"\n")
        where = [f"{source}:{line}" for line in range(1, len(raws) + 1)]
    else:
        source = folder
        where = [str(folder / f"{index:03}.json") for index in range(len(raws))]
        for name, raw in zip(where, raws, strict=True):
            Path(name).write_bytes(raw)
    result = ik.load_many(source, errors="collect")
    good = [index for index, how in enumerate(spoilt) if how is None]
    # A blank JSONL line is no document: not loaded, and no error either.
    bad = [
        index
        for index, how in enumerate(spoilt)
        if how is not None and not (as_jsonl and how == "empty")
    ]
    assert result.records == [recs[index] for index in good]
    assert result.sources == [where[index] for index in good]
    assert [exc.source for exc in result.errors] == [where[index] for index in bad]


# --- the table ------------------------------------------------------------------


@settings(max_examples=scaled(40))
@given(
    st.lists(records(), max_size=5),
    st.none() | as_of_values,
    st.booleans(),
)
def test_table_equals_the_one_incident_functions(
    recs: list[IncidentRecord], as_of: date | datetime | None, checks: bool
) -> None:
    # The table's columns are computed over arrays; each row must be what
    # the one-incident functions say of its record, over the whole range of
    # datetime.
    table = IncidentTable.from_records(recs, as_of=as_of, checks=checks)
    assert_table_matches(recs, table, as_of=as_of)


def assert_same_table(first: IncidentTable, second: IncidentTable) -> None:
    """Two tables with the same columns, values, codes and labels."""
    assert first.columns == second.columns
    assert len(first) == len(second)
    for name in first.columns:
        one, other = first[name], second[name]
        assert one.dtype == other.dtype, name
        if one.dtype.kind == "f":
            assert np.array_equal(one, other, equal_nan=True), name
        elif one.dtype.kind == "M":
            assert one.astype(np.int64).tolist() == other.astype(np.int64).tolist()
        else:
            assert one.tolist() == other.tolist(), name
    for name in ("severity_label", "service", "status", "kind"):
        codes, labels = first.codes(name)
        assert codes.tolist() == second.codes(name)[0].tolist(), name
        assert labels.tolist() == second.codes(name)[1].tolist(), name


def _write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


@settings(max_examples=scaled(40))
@given(st.lists(records(), max_size=6), st.none() | as_of_values)
def test_load_table_equals_from_records(
    tmp_path_factory: pytest.TempPathFactory,
    recs: list[IncidentRecord],
    as_of: date | datetime | None,
) -> None:
    # load_table reads bytes straight into columns, past the record objects:
    # it must give the table the records give.
    path = tmp_path_factory.mktemp("table") / "all.jsonl"
    _write_jsonl(path, [json.dumps(ik.to_dict(rec)).encode() for rec in recs])
    loaded = load_table(path, as_of=as_of)
    assert_same_table(loaded, IncidentTable.from_records(recs, as_of=as_of))
    assert loaded.errors == ()


@settings(max_examples=scaled(30))
@given(corpora())
def test_load_table_collects_like_load_many(
    tmp_path_factory: pytest.TempPathFactory,
    corpus: tuple[list[IncidentRecord], list[str | None]],
) -> None:
    recs, spoilt = corpus
    raws = [
        json.dumps(ik.to_dict(rec)).encode()
        if how is None
        else _corrupt(json.dumps(ik.to_dict(rec)).encode(), how)
        for rec, how in zip(recs, spoilt, strict=True)
    ]
    path = _write_jsonl(tmp_path_factory.mktemp("table") / "all.jsonl", raws)
    many = ik.load_many(path, errors="collect")
    table = load_table(path, errors="collect")
    assert_same_table(table, IncidentTable.from_records(many.records))
    assert [exc.errors for exc in table.errors] == [exc.errors for exc in many.errors]


_GROUPINGS = ["severity", "service", "status", "month", None, ["severity", "month"]]
_STAT_COLUMNS = ["time_to_resolve", "time_to_detect", "impact_score", "user_minutes"]


def _group_key(rec: IncidentRecord, by: str) -> Any:
    """A record's key under ``by``, computed without the table; None: no group."""
    if by == "severity":
        return rec.incident.severity_level
    if by == "month":
        declared = rec.incident.declared_at
        return date(declared.year, declared.month, 1)
    value: Any = getattr(rec.incident, by)
    return value


@settings(max_examples=scaled(60))
@given(
    st.lists(records(recent_timestamps), min_size=1, max_size=12),
    st.sampled_from(_GROUPINGS),
    st.sampled_from(_STAT_COLUMNS),
)
def test_group_stats_equal_numpy_percentile_per_group(
    recs: list[IncidentRecord], by: str | list[str] | None, column: str
) -> None:
    table = IncidentTable.from_records(recs)
    stats = table.group_stats(column, by=by)
    values = table[column]
    # The groups, formed with a plain loop over the records; maintenances
    # are in none (left out by default, and counted).
    names = [] if by is None else [by] if isinstance(by, str) else by
    keys = [
        tuple(_group_key(rec, name) for name in names)
        if rec.incident.kind == "incident"
        else (None,)
        for rec in recs
    ]
    assert stats.left_out == sum(rec.incident.kind == "maintenance" for rec in recs)
    groups = sorted({key for key in keys if None not in key})
    if by is None:
        assert stats.groups.tolist() == ["all"]
    elif isinstance(by, str):
        assert stats.groups.tolist() == [key[0] for key in groups]
    else:
        assert stats.groups.tolist() == groups
    for position, group in enumerate(groups):
        rows = np.array([key == group for key in keys])
        present = values[rows][~np.isnan(values[rows])]
        # Negative durations and user-minutes are data errors, left out.
        negative = int((present < 0).sum())
        if column != "impact_score":
            present = present[present >= 0]
        assert stats.negative[position] == negative
        assert stats.invalid[position] == (0 if column == "impact_score" else negative)
        assert stats.zero[position] == int((present == 0).sum())
        assert stats.count[position] == present.size
        assert stats.missing[position] == rows.sum() - present.size - negative * (
            column != "impact_score"
        )
        if present.size == 0:
            assert np.isnan(stats.median[position])
            continue
        assert stats.mean[position] == pytest.approx(np.mean(present), rel=1e-12)
        for name, q in (("median", 50), ("p90", 90), ("p95", 95)):
            got = getattr(stats, name)[position]
            assert got == np.percentile(present, q), name
        assert stats.min[position] == present.min()
        assert stats.max[position] == present.max()
