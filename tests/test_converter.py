from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit.records.converter import (
    Invalid,
    format_timestamp,
    make_converter,
    parse_date,
    parse_timestamp,
)
from incidentkit.records.schema import Participant
from strategies import records

UTC = timezone.utc


# --- timestamps ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-15T14:23:00Z", datetime(2024, 1, 15, 14, 23, tzinfo=UTC)),
        ("2024-01-15T14:23:00z", datetime(2024, 1, 15, 14, 23, tzinfo=UTC)),
        ("2024-01-15T14:23:00+00:00", datetime(2024, 1, 15, 14, 23, tzinfo=UTC)),
        # 15:23 at +01:00 is 14:23 UTC; 09:23 at -05:00 is 14:23 UTC.
        ("2024-01-15T15:23:00+01:00", datetime(2024, 1, 15, 14, 23, tzinfo=UTC)),
        ("2024-01-15T09:23:00-05:00", datetime(2024, 1, 15, 14, 23, tzinfo=UTC)),
        ("2024-01-15T14:23:00.462Z", datetime(2024, 1, 15, 14, 23, 0, 462000, UTC)),
        ("2024-01-15 14:23:00Z", datetime(2024, 1, 15, 14, 23, tzinfo=UTC)),
        # Forms only the dateutil fallback reads on every Python version.
        ("2024-01-15T14:23:00+0100", datetime(2024, 1, 15, 13, 23, tzinfo=UTC)),
        ("20240115T142300Z", datetime(2024, 1, 15, 14, 23, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_utc(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_naive_timestamp_rejected_unless_assume_utc():
    with pytest.raises(Invalid, match="has no UTC offset"):
        parse_timestamp("2024-01-15T14:20:00")
    assert parse_timestamp("2024-01-15T14:20:00", assume_utc=True) == datetime(
        2024, 1, 15, 14, 20, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30T00:00:00Z",
        "2024-01-15T25:00:00Z",
        "2024-01-15T14:00:00+25:00",
        "yesterday",
        "",
    ],
)
def test_impossible_timestamps(text):
    with pytest.raises(Invalid, match="not a valid ISO 8601"):
        parse_timestamp(text)


def test_offset_pushing_past_year_9999_is_an_error_not_an_overflow():
    with pytest.raises(Invalid, match="outside years 1-9999"):
        parse_timestamp("9999-12-31T23:30:00-01:00")
    with pytest.raises(Invalid, match="outside years 1-9999"):
        parse_timestamp("0001-01-01T00:30:00+01:00")


def test_extreme_years_in_utc_are_fine():
    assert parse_timestamp("0001-01-01T00:00:00Z").year == 1
    assert parse_timestamp("9999-12-31T23:59:59.999999Z").year == 9999


def test_timestamp_formatting_round_trips():
    moment = datetime(2024, 1, 15, 14, 23, 5, 120, tzinfo=UTC)
    assert format_timestamp(moment) == "2024-01-15T14:23:05.000120Z"
    assert parse_timestamp(format_timestamp(moment)) == moment


def test_dates():
    assert parse_date("2024-01-22") == date(2024, 1, 22)
    for bad in ("2024-02-30", "2024-1-5", "2024-01-22T00:00:00Z", 20240122):
        with pytest.raises(Invalid):
            parse_date(bad)


def test_postmortem_scheduled_keeps_date_or_datetime(example_doc):
    example_doc["resolution"]["postmortem_scheduled"] = "2024-01-17"
    assert ik.from_dict(example_doc).resolution.postmortem_scheduled == date(
        2024, 1, 17
    )
    example_doc["resolution"]["postmortem_scheduled"] = "2024-01-17T10:00:00Z"
    assert ik.from_dict(example_doc).resolution.postmortem_scheduled == datetime(
        2024, 1, 17, 10, tzinfo=UTC
    )


# --- the bad-input table -----------------------------------------------------------


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target = doc
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


_DELETE = object()

BAD_VALUES = [
    # (where, value, expected path, words the message must contain)
    (("incident", "title"), _DELETE, "incident.title", "required field is missing"),
    (("incident", "id"), 42, "incident.id", "expected a string, got 42 (int)"),
    (("incident", "declared_at"), "2024-01-15 14:20", "incident.declared_at", "no UTC"),
    (
        ("events", 3, "timestamp"),
        "2024-01-15T14:20:00",
        "events[3].timestamp",
        "no UTC",
    ),
    (
        ("events", 2, "type"),
        "deploy",
        "events[2].type",
        "'deploy' is not an event type",
    ),
    (("events", 2, "type"), _DELETE, "events[2].type", "required field is missing"),
    (("events",), "not a list", "events", "expected a list, got 'not a list'"),
    (
        ("incident", "affected_services"),
        "checkout",
        "incident.affected_services",
        "expected a list",
    ),
    (
        ("impact", "affected_users_percentage"),
        "45",
        "impact.affected_users_percentage",
        "expected a number, got '45'",
    ),
    (
        ("impact", "affected_users_percentage"),
        145,
        "impact.affected_users_percentage",
        "between 0 and 100, got 145",
    ),
    (
        ("impact", "affected_users_percentage"),
        True,
        "impact.affected_users_percentage",
        "expected a number, got True",
    ),
    (
        ("impact", "customer_facing"),
        "yes",
        "impact.customer_facing",
        "expected true or false",
    ),
    (
        ("impact", "security_breach"),
        1,
        "impact.security_breach",
        "expected true or false, got 1",
    ),
    (
        ("signals", "alert_count"),
        1.5,
        "signals.alert_count",
        "expected a whole number, got 1.5",
    ),
    (("signals", "alert_count"), -3, "signals.alert_count", "between 0 and"),
    (
        ("resolution", "customer_impact", "affected_users"),
        2**64,
        "resolution.customer_impact.affected_users",
        "between 0 and",
    ),
    (
        ("resolution", "customer_impact", "revenue_impact_usd"),
        float("nan"),
        "resolution.customer_impact.revenue_impact_usd",
        "finite",
    ),
    (("signals", "latency_p99_ms"), float("inf"), "signals.latency_p99_ms", "finite"),
    (
        ("events", 0, "metadata", "value"),
        float("nan"),
        "events[0].metadata.value",
        "nan is not valid JSON",
    ),
    (("events", 0, "metadata"), ["x"], "events[0].metadata", "expected a JSON object"),
    (
        ("action_items", 1, "deadline"),
        "2024-02-30",
        "action_items[1].deadline",
        "not a valid YYYY-MM-DD",
    ),
    (
        ("action_items", 1, "title"),
        None,
        "action_items[1].title",
        "expected a string, got None",
    ),
    (("participants", 0), "Jane", "participants[0]", "expected a JSON object"),
    (
        ("context", "recent_deployments", 0, "deployed_at"),
        "soon",
        "context.recent_deployments[0].deployed_at",
        "not a valid ISO 8601",
    ),
    (("impact",), [1], "impact", "expected a JSON object, got [1] (list)"),
    (("incident",), _DELETE, "incident", "required field is missing"),
]


@pytest.mark.parametrize(("where", "value", "path", "words"), BAD_VALUES)
def test_bad_value_is_located(example_doc, where, value, path, words):
    _set(example_doc, where, value)
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(example_doc)
    assert len(caught.value.errors) == 1, caught.value.errors
    error = caught.value.errors[0]
    assert error.startswith(f"{path}: "), error
    assert words in error
    assert error in str(caught.value)


def test_every_problem_is_reported_at_once(example_doc):
    example_doc["incident"]["title"] = 1
    example_doc["events"][5]["timestamp"] = "noon"
    example_doc["action_items"][4]["deadline"] = "tomorrow"
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(example_doc)
    paths = sorted(error.split(":")[0] for error in caught.value.errors)
    assert paths == [
        "action_items[4].deadline",
        "events[5].timestamp",
        "incident.title",
    ]


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ([], "$"),
        ("x", "$"),
        (None, "$"),
        ({"incident": {}, 3: "x"}, "$"),
    ],
)
def test_documents_that_are_not_objects(document, path):
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(document)
    assert any(error.startswith(f"{path}: ") for error in caught.value.errors)


@pytest.mark.parametrize(
    "value",
    [{1, 2}, object(), b"bytes", (1, 2), {1: "non-string key"}, float("-inf")],
)
def test_python_objects_no_json_could_produce(example_doc, value):
    example_doc["events"][0]["metadata"]["odd"] = value
    example_doc["incident"]["odd"] = value
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(example_doc)
    paths = sorted(error.split(": ")[0] for error in caught.value.errors)
    assert paths == ["events[0].metadata.odd", "incident.odd"], caught.value.errors


def test_metadata_nested_too_deep_is_reported(example_doc):
    deep: Any = "bottom"
    for _ in range(100_000):
        deep = [deep]
    example_doc["events"][0]["metadata"] = {"deep": deep}
    with pytest.raises(ik.ValidationError, match="nested deeper than"):
        ik.from_dict(example_doc)


# --- unknown keys -------------------------------------------------------------------


def test_unknown_keys_are_kept_and_written_back_in_place(example_doc):
    example_doc["x_tool"] = {"url": "https://example.invalid/1"}
    example_doc["incident"]["team"] = "payments"
    example_doc["events"][4]["confidence"] = 0.9
    example_doc["resolution"]["customer_impact"]["regions"] = ["eu"]
    rec = ik.from_dict(example_doc)
    assert rec.extra == {"x_tool": {"url": "https://example.invalid/1"}}
    assert rec.incident.extra == {"team": "payments"}
    assert rec.events[4].extra == {"confidence": 0.9}
    assert rec.resolution.customer_impact.extra == {"regions": ("eu",)}
    assert ik.to_dict(rec) == example_doc


def test_strict_mode_names_each_unknown_key(example_doc):
    example_doc["incident"]["team"] = "payments"
    example_doc["events"][4]["confidence"] = 0.9
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(example_doc, strict=True)
    assert sorted(caught.value.errors) == [
        "events[4].confidence: unknown key (strict mode keeps only known keys)",
        "incident.team: unknown key (strict mode keeps only known keys)",
    ]
    assert ik.from_dict(example_doc, strict=False).incident.extra == {
        "team": "payments"
    }


def test_null_and_absent_optional_fields_read_the_same(example_doc):
    absent = copy.deepcopy(example_doc)
    del absent["incident"]["commander"]
    example_doc["incident"]["commander"] = None
    assert ik.from_dict(example_doc) == ik.from_dict(absent)
    assert ik.from_dict(absent).incident.commander is None


def test_assume_utc_applies_everywhere(example_doc):
    example_doc["incident"]["declared_at"] = "2024-01-15T14:23:00"
    rec = ik.from_dict(example_doc, assume_utc=True)
    assert rec.incident.declared_at == datetime(2024, 1, 15, 14, 23, tzinfo=UTC)


def test_converter_factory_builds_independent_converters():
    strict = make_converter(strict=True)
    lenient = make_converter()
    assert strict is not lenient
    assert lenient.structure({"name": "a", "x": 1}, Participant).extra == {"x": 1}


def test_whole_numbers_written_as_floats_are_counts(example_doc):
    example_doc["resolution"]["customer_impact"]["affected_users"] = 12500.0
    rec = ik.from_dict(example_doc)
    assert rec.resolution.customer_impact.affected_users == 12500
    assert type(rec.resolution.customer_impact.affected_users) is int


def test_input_is_not_modified_and_not_shared(example_doc):
    before = copy.deepcopy(example_doc)
    rec = ik.from_dict(example_doc)
    assert example_doc == before
    example_doc["events"][0]["metadata"]["value"] = -1
    assert rec.events[0].metadata["value"] == 95


# --- round trips --------------------------------------------------------------------


def test_example_round_trip_equals_the_original_json(example_doc):
    rec = ik.from_dict(example_doc)
    assert ik.to_dict(rec) == example_doc
    assert ik.loads(ik.dumps(rec)) == rec


@given(records())
def test_every_valid_record_round_trips(rec):
    assert ik.loads(ik.dumps(rec)) == rec
    assert ik.from_dict(ik.to_dict(rec), strict=False) == rec


def test_offsets_are_normalised_to_utc(example_doc):
    example_doc["incident"]["declared_at"] = "2024-01-15T15:23:00+01:00"
    rec = ik.from_dict(example_doc)
    assert ik.to_dict(rec)["incident"]["declared_at"] == "2024-01-15T14:23:00Z"
    assert rec.incident.declared_at - rec.events[0].timestamp == timedelta(minutes=8)


def test_integers_too_long_to_write_back_are_rejected(example_doc):
    example_doc["events"][0]["metadata"]["huge"] = 10**400
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(example_doc)
    assert caught.value.errors == [
        "events[0].metadata.huge: integer with over 308 digits"
    ]


def test_a_key_named_extra_is_kept_like_any_unknown_key(example_doc):
    example_doc["extra"] = {"a": 1}
    example_doc["incident"]["extra"] = [1, 2]
    rec = ik.from_dict(example_doc)
    assert rec.extra == {"extra": {"a": 1}}
    assert rec.incident.extra == {"extra": (1, 2)}
    assert ik.to_dict(rec) == example_doc
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(example_doc, strict=True)
    assert sorted(caught.value.errors) == [
        "extra: unknown key (strict mode keeps only known keys)",
        "incident.extra: unknown key (strict mode keeps only known keys)",
    ]


_AT_KEYS = st.builds(
    lambda left, right: f"{left} @ {right}",
    st.text(max_size=8),
    st.sampled_from(["incident.title", "$.events[0]", "x", ""]),
)


@given(key=_AT_KEYS, value=st.sampled_from(["a @ b", 3]))
def test_a_key_holding_the_cattrs_separator_keeps_every_path(key, value):
    # cattrs writes "message @ path"; keys and quoted values may hold " @ "
    # too, and must not move a message to another field's path.
    doc = ik.to_dict(ik.example())
    doc["incident"][key] = float("nan")
    doc["events"][0] = {**doc["events"][0], key: {key: float("inf")}}
    doc["incident"]["status"] = value if value == 3 else doc["incident"]["status"]
    with pytest.raises(ik.ValidationError) as caught:
        ik.from_dict(doc)
    errors = set(caught.value.errors)
    assert f"incident.{key}: nan is not valid JSON" in errors
    assert f"events[0].{key}.{key}: inf is not valid JSON" in errors
    if value == 3:
        assert "incident.status: expected a string, got 3 (int)" in errors
