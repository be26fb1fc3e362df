from __future__ import annotations

import attrs
import pytest

import incidentkit as ik
from incidentkit._args import (
    instance,
    instance_of,
    is_whole,
    mapping,
    texts,
    whole,
    whole_keys,
)


def test_instance_passes_the_value_through() -> None:
    rec = ik.example()
    assert instance(rec, ik.IncidentRecord, "rec") is rec


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ({}, ik.IncidentRecord, "rec: expected an IncidentRecord, got dict"),
        ("x", ik.MilestonePolicy, "rec: expected a MilestonePolicy, got str"),
        (None, ik.IncidentRecord, "rec: expected an IncidentRecord, got NoneType"),
    ],
)
def test_instance_names_parameter_type_and_value(
    value: object, kind: type, message: str
) -> None:
    with pytest.raises(ik.ValidationError) as info:
        instance(value, kind, "rec")
    assert info.value.errors == [message]


def test_instance_of_is_an_attrs_validator() -> None:
    @attrs.frozen
    class Holder:
        labels: int = attrs.field(validator=instance_of(int))

    assert Holder(3).labels == 3
    with pytest.raises(ik.ValidationError, match=r"labels: expected an int, got str"):
        Holder("3")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -1, 7])
def test_is_whole_accepts_ints(value: int) -> None:
    assert is_whole(value)


@pytest.mark.parametrize("value", [True, False, 1.0, "1", None])
def test_is_whole_rejects_bools_and_others(value: object) -> None:
    assert not is_whole(value)


def test_whole_validator() -> None:
    @attrs.frozen
    class Holder:
        level: int = attrs.field(validator=whole)

    assert Holder(2).level == 2
    for bad in (True, "2", 2.0):
        with pytest.raises(ik.ValidationError) as info:
            Holder(bad)  # type: ignore[arg-type]
        assert info.value.errors == [f"level: must be an int ({bad!r})"]


def test_texts_reads_a_lone_string_as_one_value() -> None:
    assert texts("open", "p") == ("open",)
    assert texts(["a", "b"], "p") == ("a", "b")
    assert texts((), "p") == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "p: expected a string or a collection of strings (5)"),
        (None, "p: expected a string or a collection of strings (None)"),
        (b"ab", "p: expected a string or a collection of strings (b'ab')"),
        ({"a": 1}, "p: expected a string or a collection of strings ({'a': 1})"),
        ([5], "p: every item must be a string (5)"),
        (["a", None], "p: every item must be a string (None)"),
    ],
)
def test_texts_rejects_other_values(value: object, message: str) -> None:
    with pytest.raises(ik.ValidationError) as info:
        texts(value, "p")
    assert info.value.errors == [message]


def test_texts_consumes_a_generator_once() -> None:
    assert texts((word for word in ["a", "b"]), "p") == ("a", "b")


def test_mapping() -> None:
    table = {1: 2}
    assert mapping(table, "p", "a to b") is table
    with pytest.raises(ik.ValidationError) as info:
        mapping([1], "p", "a to b")
    assert info.value.errors == ["p: expected a mapping of a to b ([1])"]


def test_whole_keys_lists_every_bad_key() -> None:
    whole_keys({0: "x", 3: "y"}, "p")
    with pytest.raises(ik.ValidationError) as info:
        whole_keys({"1": 0, 2: 0, "SEV1": 0, True: 0}, "p")
    assert info.value.errors == [
        "p['1']: a severity level must be an int ('1')",
        "p['SEV1']: a severity level must be an int ('SEV1')",
        "p[True]: a severity level must be an int (True)",
    ]
