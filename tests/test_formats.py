"""The ``format=`` dispatch, and what every importer owes: errors or valid records."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit.formats import (
    IMPORTERS,
    from_incidentio,
    from_pagerduty,
    from_statuspage,
    import_document,
)
from strategies import json_values

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = ("statuspage", "pagerduty", "incidentio")

STATUSPAGE_DOC: dict[str, Any] = {
    "page": {"id": "p1", "name": "Acme", "url": "https://status.acme.example"},
    "incident": {
        "id": "k3j4h5g6f7d8",
        "name": "Delayed webhook deliveries",
        "status": "resolved",
        "impact": "minor",
        "created_at": "2024-02-20T16:02:11.512Z",
        "started_at": "2024-02-20T15:48:00.000Z",
        "monitoring_at": "2024-02-20T16:40:30.001Z",
        "resolved_at": "2024-02-20T17:05:59.830Z",
        "shortlink": "https://stspg.io/k3j4h5",
        "page_id": "p1",
        "incident_updates": [
            {
                "id": "u4",
                "status": "resolved",
                "body": "Deliveries are back to normal.",
                "created_at": "2024-02-20T17:05:59.830Z",
                "display_at": "2024-02-20T17:05:59.830Z",
                "affected_components": [{"code": "c1", "name": "Webhooks"}],
            },
            {
                "id": "u3",
                "status": "monitoring",
                "body": "A fix is out; we are watching the queue drain.",
                "created_at": "2024-02-20T16:40:30.001Z",
                "display_at": "2024-02-20T16:40:30.001Z",
                "affected_components": None,
            },
            {
                "id": "u2",
                "status": "identified",
                "body": "A stuck worker pool; restarting it.",
                "created_at": "2024-02-20T16:21:45.000Z",
                "display_at": "2024-02-20T16:21:45.000Z",
                "affected_components": None,
            },
            {
                "id": "u1",
                "status": "investigating",
                "body": "Webhook deliveries are delayed. Next update in 30 minutes.",
                "created_at": "2024-02-20T16:02:11.540Z",
                "display_at": "2024-02-20T16:02:11.540Z",
                "affected_components": [{"code": "c1", "name": "Webhooks"}],
            },
        ],
        "components": [{"id": "c1", "name": "Webhooks"}],
    },
}


def fixture(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return doc


SOURCES: dict[str, list[dict[str, Any]]] = {
    "statuspage": [STATUSPAGE_DOC],
    "pagerduty": [
        fixture("pagerduty/checkout-5xx-resolved.json"),
        fixture("pagerduty/search-latency-acknowledged.json"),
    ],
    "incidentio": [
        fixture("incidentio/database-failover-closed.json"),
        fixture("incidentio/login-errors-live.json"),
    ],
}
IMPORTER_OF = {
    "statuspage": from_statuspage,
    "pagerduty": from_pagerduty,
    "incidentio": from_incidentio,
}


# --- dispatch -------------------------------------------------------------------


def test_the_importers_are_registered():
    assert dict(IMPORTERS) == IMPORTER_OF


@pytest.mark.parametrize("format", FORMATS)
def test_every_entry_point_gives_the_importers_record(format, tmp_path):
    doc = SOURCES[format][0]
    expected = IMPORTER_OF[format](doc)
    text = json.dumps(doc)
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8")
    assert import_document(doc, format) == expected
    assert ik.from_dict(doc, format=format) == expected
    assert ik.loads(text, format=format) == expected
    assert ik.loads(text.encode(), format=format) == expected
    assert ik.load(path, format=format) == expected
    with path.open("rb") as file:
        assert ik.load(file, format=format) == expected
    assert ik.load_many(tmp_path, format=format).records == [expected]


def test_incidentkit_is_the_default_and_a_format_too():
    rec = ik.example()
    doc = ik.to_dict(rec)
    assert import_document(doc, "incidentkit") == rec
    assert ik.from_dict(doc, format="incidentkit") == rec


@pytest.mark.parametrize("format", ["StatusPage", "jira", "", None, 3, ["statuspage"]])
def test_an_unknown_format_is_a_validation_error(format):
    with pytest.raises(ik.ValidationError) as caught:
        import_document({}, format)
    (error,) = caught.value.errors
    assert error.startswith(f"format: unknown format {format!r} (one of incidentkit")


def test_an_incidentkit_document_read_as_another_format_names_that_format():
    doc = ik.to_dict(ik.example())
    for format in FORMATS:
        with pytest.raises(ik.ValidationError) as caught:
            ik.from_dict(doc, format=format)
        assert all(error.startswith(f"{format}: ") for error in caught.value.errors)


@pytest.mark.parametrize("format", FORMATS)
def test_load_names_the_file_then_the_format(format, tmp_path):
    path = tmp_path / "bad.json"
    # Not an array: an array is a list of documents (test_io covers it).
    path.write_text("3", encoding="utf-8")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load(path, format=format)
    assert caught.value.errors == [
        f"{path}: {format}: $: expected a JSON object, got 3 (int)"
    ]


def test_load_many_collects_one_error_per_bad_document(tmp_path):
    good = fixture("pagerduty/checkout-5xx-resolved.json")
    bad = copy.deepcopy(good)
    bad["incident"]["created_at"] = "2024-05-02 09:14:07"
    (tmp_path / "a.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(bad), encoding="utf-8")
    lines = tmp_path / "more.jsonl"
    lines.write_text(json.dumps(bad) + "\n" + json.dumps(good) + "\n", encoding="utf-8")

    result = ik.load_many(tmp_path, format="pagerduty", errors="collect")
    assert [Path(s).name for s in result.sources] == ["a.json"]
    assert [e.errors for e in result.errors] == [
        [
            f"{tmp_path / 'b.json'}: pagerduty: incident.created_at: timestamp "
            "'2024-05-02 09:14:07' has no UTC offset (add 'Z' or '+00:00', or load "
            "with assume_utc=True)"
        ]
    ]
    from_lines = ik.load_many(lines, format="pagerduty", errors="collect")
    assert from_lines.sources == [f"{lines}:2"]
    assert [e.errors[0].split(": ")[:2] for e in from_lines.errors] == [
        [f"{lines}:1", "pagerduty"]
    ]
    # assume_utc reaches the importer.
    assumed = ik.load_many(tmp_path, format="pagerduty", assume_utc=True)
    assert len(assumed.records) == 2
    with pytest.raises(ik.ValidationError):
        ik.load_many(tmp_path, format="pagerduty")


# --- wrong shapes, any format ------------------------------------------------


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(
    "data", [None, 0, 1.5, True, "incident", [], [{}], {"incident": None}]
)
def test_wrong_shapes_name_the_format(format, data):
    with pytest.raises(ik.ValidationError) as caught:
        import_document(data, format)
    assert caught.value.errors
    assert all(error.startswith(f"{format}: ") for error in caught.value.errors)


def _problems_or_record(format: str, doc: Any, **options: Any) -> Any:
    """The record, or the error lines; any other exception fails the test."""
    try:
        rec = import_document(doc, format, **options)
    except ik.ValidationError as exc:
        errors = exc.errors
    else:
        assert isinstance(rec, ik.IncidentRecord)
        assert ik.loads(ik.dumps(rec)) == rec
        return rec
    assert errors
    for error in errors:
        assert error.startswith(f"{format}: "), error
    return errors


nasty = st.sampled_from(
    [
        None,
        True,
        0,
        -1,
        2**63,
        10**400,
        0.5,
        float("nan"),
        float("inf"),
        "",
        "\ud800",
        "x" * 1000,
        "critical",
        "monitoring",
        "identified",
        "acknowledge_log_entry",
        "resolve_log_entry",
        "lead",
        "outstanding",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:59:59-12:00",
        "2024-02-30T00:00:00Z",
        "2024-01-15T14:20:00",
        [],
        {},
        {"name": None, "summary": 3},
    ]
)
python_only = st.sampled_from(
    [{1, 2}, (1, 2), b"bytes", Decimal("1.5"), 1 + 2j, object(), {1: "x"}]
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, element in value.items():
            found.extend(_paths(element, (*prefix, key)))
    elif isinstance(value, list):
        for index, element in enumerate(value):
            found.extend(_paths(element, (*prefix, index)))
    return found


@st.composite
def mutated_sources(draw: st.DrawFn) -> tuple[str, Any]:
    """A format and one of its documents with one to four values changed."""
    format = draw(st.sampled_from(FORMATS))
    doc = copy.deepcopy(draw(st.sampled_from(SOURCES[format])))
    values = nasty | json_values | python_only
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(_paths(doc)))
        # Copies: sampled_from hands out the same {} and [] objects each time.
        if not path:
            doc = copy.deepcopy(draw(values))
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()):
            parent[path[-1]] = copy.deepcopy(draw(values))
        else:
            del parent[path[-1]]
    return format, doc


def _examples(share: float) -> int:
    """A share of the profile's example count (conftest: ``ci`` or ``long``)."""
    return max(10, int(settings.default.max_examples * share))


@settings(
    max_examples=_examples(3.0),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated_sources(), st.booleans())
def test_mutated_sources_import_or_raise_validation_error(source, assume_utc):
    format, doc = source
    before = repr(doc)
    _problems_or_record(format, doc, assume_utc=assume_utc)
    assert repr(doc) == before, "the importer modified its input"


@settings(max_examples=_examples(2.0), deadline=None)
@given(st.sampled_from(FORMATS), json_values)
def test_arbitrary_json_imports_or_raises_validation_error(format, value):
    _problems_or_record(format, value)
    _problems_or_record(format, {"incident": value, "log_entries": value})


@pytest.mark.parametrize("format", FORMATS)
def test_documents_with_nan_text_read_like_dicts(format):
    doc = copy.deepcopy(SOURCES[format][0])
    doc["incident"]["id"] = float("nan")
    text = json.dumps(doc, allow_nan=True)
    with pytest.raises(ik.ValidationError) as from_text:
        ik.loads(text, format=format)
    with pytest.raises(ik.ValidationError) as from_dict:
        ik.from_dict(doc, format=format)
    assert from_text.value.errors == from_dict.value.errors
    assert from_dict.value.errors == [
        f"{format}: incident.id: expected a string, got nan (float)"
    ]
