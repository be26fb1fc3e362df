"""Records are immutable all the way down, hash, and give plain JSON back.

The walkers here are written against attrs and the builtin types only, not
with the library's own freezing and thawing, so that they judge it.
"""

from __future__ import annotations

import contextlib
import enum
import json
import pickle
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import incidentkit as ik
from incidentkit import synth
from incidentkit.records import fast
from incidentkit.records.schema import Context, Event, Incident, IncidentRecord
from strategies import json_values, records

_ATOMS = (type(None), bool, int, float, str, datetime, date, enum.Enum)
_JSON_ATOMS = (type(None), bool, int, float, str)


def mutable_parts(value: Any, path: str = "$") -> Iterator[str]:
    """Every place inside a record that could change in place, with its type."""
    if isinstance(value, _ATOMS):
        return
    if isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from mutable_parts(item, f"{path}[{index}]")
    elif attrs.has(type(value)):
        if hasattr(value, "__dict__"):
            yield f"{path} ({type(value).__name__} has a __dict__)"
        for field in attrs.fields(type(value)):
            yield from mutable_parts(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, Mapping) and not hasattr(value, "__setitem__"):
        for key, item in value.items():
            yield from mutable_parts(key, f"{path} key {key!r}")
            yield from mutable_parts(item, f"{path}[{key!r}]")
    else:
        yield f"{path} ({type(value).__name__})"


def not_plain_json(value: Any, path: str = "$") -> Iterator[str]:
    """Every place in ``value`` that is not a dict, a list or a JSON scalar."""
    if type(value) in _JSON_ATOMS:
        return
    if type(value) is list:
        for index, item in enumerate(value):
            yield from not_plain_json(item, f"{path}[{index}]")
    elif type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                yield f"{path} key {key!r} ({type(key).__name__})"
            yield from not_plain_json(item, f"{path}[{key!r}]")
    else:
        yield f"{path} ({type(value).__name__})"


def containers(value: Any) -> Iterator[Any]:
    """Every dict and list in plain JSON data, outermost first."""
    if isinstance(value, (dict, list)):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from containers(item)


def kinds(value: Any) -> Any:
    """The types of everything in a record, as a nest of tuples of names."""
    if attrs.has(type(value)):
        return (
            type(value).__name__,
            tuple(
                (field.name, kinds(getattr(value, field.name)))
                for field in attrs.fields(type(value))
            ),
        )
    if isinstance(value, tuple):
        return ("tuple", tuple(kinds(item) for item in value))
    if isinstance(value, Mapping):
        return (
            type(value).__name__,
            tuple((key, kinds(item)) for key, item in value.items()),
        )
    return type(value).__name__


@contextlib.contextmanager
def accelerator(on: bool) -> Iterator[None]:
    """Read with the accelerated decoder when installed (on), or without it."""
    if on and not fast.available():
        pytest.skip("the fast extra is not installed")
    saved = fast.decoder, fast.record_decoder
    if not on:
        fast.decoder = fast.record_decoder = lambda assume_utc: None  # type: ignore[assignment]
    try:
        yield
    finally:
        fast.decoder, fast.record_decoder = saved


def assert_immutable_and_hashable(rec: IncidentRecord, loaded: IncidentRecord) -> None:
    """What every record read back from its own JSON must satisfy."""
    assert loaded == rec
    assert hash(loaded) == hash(rec)
    assert list(mutable_parts(loaded)) == []
    assert kinds(loaded) == kinds(rec)
    assert len({rec, loaded}) == 1
    assert {rec: "seen"}[loaded] == "seen"
    again = pickle.loads(pickle.dumps(loaded))
    assert again == loaded
    assert hash(again) == hash(loaded)
    assert kinds(again) == kinds(loaded)


def assert_to_dict_is_plain_and_detached(rec: IncidentRecord) -> None:
    written = ik.dumps(rec)
    data = ik.to_dict(rec)
    assert list(not_plain_json(data)) == []
    # Changing every dict and list of the copy must not reach the record.
    for container in list(containers(data)):
        if isinstance(container, dict):
            container["x_changed"] = [1]
        else:
            container.append({"changed": True})
    assert ik.dumps(rec) == written
    assert ik.loads(written) == rec


# --- properties over arbitrary records --------------------------------------------


@settings(max_examples=60)
@given(rec=records())
def test_arbitrary_records_hash_and_round_trip(rec: IncidentRecord) -> None:
    # Built by the constructors from dicts and lists: frozen on the way in.
    assert list(mutable_parts(rec)) == []
    text = ik.dumps(rec)
    assert_immutable_and_hashable(rec, ik.loads(text))
    assert_to_dict_is_plain_and_detached(rec)


@pytest.mark.parametrize("on", [True, False], ids=["fast", "plain"])
@settings(max_examples=30)
@given(recs=st.lists(records(), min_size=1, max_size=3))
def test_load_many_gives_the_same_frozen_records_with_and_without_msgspec(
    tmp_path_factory: pytest.TempPathFactory, on: bool, recs: list[IncidentRecord]
) -> None:
    path = tmp_path_factory.mktemp("immutable") / "records.jsonl"
    path.write_text("".join(ik.dumps(rec) + "\n" for rec in recs), encoding="utf-8")
    with accelerator(on):
        loaded = ik.load_many(path).records
    assert len(loaded) == len(recs)
    for rec, back in zip(recs, loaded, strict=True):
        assert_immutable_and_hashable(rec, back)


# --- realistic records ------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic() -> list[IncidentRecord]:
    return [ik.example(), *synth.generate(150, seed=20241130)]


def test_synthetic_records_hash_and_round_trip(synthetic: list[IncidentRecord]) -> None:
    for rec in synthetic:
        assert_immutable_and_hashable(rec, ik.loads(ik.dumps(rec)))
        assert_to_dict_is_plain_and_detached(rec)
    assert len(set(synthetic)) == len({ik.dumps(rec) for rec in synthetic})


def test_both_readers_give_identical_objects(
    tmp_path: Path, synthetic: list[IncidentRecord]
) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text(
        "".join(ik.dumps(rec) + "\n" for rec in synthetic), encoding="utf-8"
    )
    with accelerator(True):
        accelerated = ik.load_many(path).records
    with accelerator(False):
        plain = ik.load_many(path).records
    assert accelerated == plain == synthetic
    assert [kinds(rec) for rec in accelerated] == [kinds(rec) for rec in plain]
    assert [hash(rec) for rec in accelerated] == [hash(rec) for rec in plain]


def test_the_table_twins_hold_frozen_json_too(synthetic: list[IncidentRecord]) -> None:
    if not fast.available():
        pytest.skip("the fast extra is not installed")
    decode = fast.decoder(False)
    assert decode is not None
    for rec in synthetic[:50]:
        twin = decode(ik.dumps(rec).encode())
        assert twin is not None
        for event, twin_event in zip(rec.events, twin.events, strict=True):
            assert kinds(twin_event.metadata) == kinds(event.metadata)


# --- what cannot change, and what still works -------------------------------------


def test_metadata_and_unknown_keys_cannot_change() -> None:
    rec = ik.from_dict(
        {
            **ik.to_dict(ik.example()),
            "x_tool": {"links": ["https://example.invalid/1"], "owner": {"team": "a"}},
        }
    )
    metadata = rec.events[0].metadata
    with pytest.raises(TypeError):
        metadata["value"] = 0  # type: ignore[index]
    with pytest.raises(TypeError):
        del metadata["value"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        metadata.update({"value": 0})  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        rec.extra["x_tool"]["owner"]["team"] = "b"
    with pytest.raises(AttributeError):
        rec.extra["x_tool"]["links"].append("https://example.invalid/2")
    with pytest.raises(AttributeError):
        metadata._items = {}  # type: ignore[attr-defined]
    assert rec.events[0].metadata == {
        "metric": "db_pool_utilization",
        "value": 95,
        "threshold": 90,
    }
    assert rec.extra == {
        "x_tool": {"links": ("https://example.invalid/1",), "owner": {"team": "a"}}
    }


def test_a_dict_given_to_a_constructor_is_copied_and_frozen() -> None:
    given_metadata = {"tags": ["db", {"pool": [1, 2]}]}
    event = Event(
        timestamp=datetime.fromisoformat("2024-01-15T14:15:00+00:00"),
        type=ik.EventType.TRIGGER,
        metadata=given_metadata,
    )
    given_metadata["tags"].append("later")
    assert event.metadata == {"tags": ("db", {"pool": (1, 2)})}
    assert list(mutable_parts(event)) == []
    assert hash(event) == hash(attrs.evolve(event))


@given(values=st.lists(json_values, max_size=3))
def test_context_json_entries_are_frozen(values: list[Any]) -> None:
    context = Context(ongoing_incidents=values, maintenance_windows=tuple(values))  # type: ignore[arg-type]
    assert list(mutable_parts(context)) == []
    assert context.ongoing_incidents == context.maintenance_windows
    hash(context)
    assert json.loads(json.dumps(values)) == ik.to_dict(
        IncidentRecord(incident=ik.example().incident, context=context)
    )["context"].get("ongoing_incidents", [])


def test_evolve_freezes_what_it_is_given() -> None:
    rec = ik.example()
    changed = attrs.evolve(
        rec,
        incident=attrs.evolve(rec.incident, extra={"x_team": ["payments"]}),
    )
    assert changed.incident.extra == {"x_team": ("payments",)}
    assert list(mutable_parts(changed)) == []
    assert changed != rec
    assert len({rec, changed, ik.loads(ik.dumps(changed))}) == 2


def test_strict_and_lenient_reading_give_equal_hashable_records(
    example_doc: dict[str, Any],
) -> None:
    strict = ik.from_dict(example_doc, strict=True)
    lenient = ik.from_dict(example_doc)
    assert strict == lenient
    assert hash(strict) == hash(lenient)
    assert list(mutable_parts(strict)) == []


def test_unknown_keys_still_refuse_the_names_of_fields() -> None:
    with pytest.raises(ValueError, match="extra must only hold keys"):
        Incident(
            id="I",
            title="t",
            severity=None,
            status="resolved",
            declared_at=datetime.fromisoformat("2024-01-15T14:15:00+00:00"),
            extra={"title": "again"},
        )


def test_the_walkers_find_what_they_look_for() -> None:
    # The checks above are only as good as these.
    loose = attrs.evolve(ik.example())
    object.__setattr__(loose.events[0], "metadata", {"a": [1]})
    assert list(mutable_parts(loose)) == ["$.events[0].metadata (dict)"]
    assert list(mutable_parts((1, [2]))) == ["$[1] (list)"]
    assert list(not_plain_json({"a": (1,)})) == ["$['a'] (tuple)"]
    assert list(not_plain_json({1: None})) == ["$ key 1 (int)"]
    assert kinds({"a": [1]}) == ("dict", (("a", "list"),))
