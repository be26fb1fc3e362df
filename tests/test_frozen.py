from __future__ import annotations

import pickle

import pytest

from incidentkit._frozen import FrozenMapping, freeze, thaw


def test_frozen_mapping():
    limits = FrozenMapping.of({2: "b", 1: "a"})
    assert list(limits) == [2, 1]
    assert limits == {1: "a", 2: "b"}
    assert limits[1] == "a"
    assert 3 not in limits
    with pytest.raises(KeyError):
        limits[3]
    with pytest.raises(TypeError):
        limits[3] = "c"
    assert FrozenMapping.of(limits) is limits
    assert hash(limits) == hash(FrozenMapping.of({1: "a", 2: "b"}))
    assert pickle.loads(pickle.dumps(limits)) == limits
    assert repr(limits) == "FrozenMapping({2: 'b', 1: 'a'})"


def test_values_are_frozen_on_the_way_in():
    given = {"tags": ["a", {"b": [1, 2]}], "n": 1}
    frozen = FrozenMapping(given)
    given["tags"].append("later")
    assert frozen == {"tags": ("a", {"b": (1, 2)}), "n": 1}
    assert type(frozen["tags"][1]) is FrozenMapping
    assert hash(frozen) == hash(FrozenMapping({"n": 1, "tags": ("a", {"b": (1, 2)})}))
    # A plain dict compares equal from either side; a list is not a tuple.
    assert {"n": 1} == FrozenMapping({"n": 1})  # noqa: SIM300 - the dict's side
    assert FrozenMapping({"t": [1]}) != {"t": [1]}
    assert FrozenMapping({"n": 1}) != {"n": 2}
    assert FrozenMapping({"n": 1}) != [("n", 1)]


def test_a_frozen_mapping_cannot_change():
    frozen = FrozenMapping({"a": 1})
    with pytest.raises(TypeError):
        del frozen["a"]
    with pytest.raises(AttributeError):
        frozen._items = {}
    with pytest.raises(AttributeError):
        del frozen._items
    assert frozen == {"a": 1}


def test_freeze_and_thaw_are_inverses_on_json_values():
    value = {"a": [1, {"b": None}], "c": "text"}
    frozen = freeze(value)
    assert frozen == {"a": (1, {"b": None}), "c": "text"}
    assert freeze(frozen) is frozen
    thawed = thaw(frozen)
    assert thawed == value
    assert type(thawed["a"]) is list
    assert type(thawed["a"][1]) is dict
    assert freeze("text") == "text"
    assert thaw((1, (2,))) == [1, [2]]


def test_deep_values_need_no_recursion():
    deep: object = 1
    for _ in range(5_000):
        deep = {"d": [deep]}
    frozen = freeze(deep)
    thawed = thaw(frozen)
    # Walked by hand: == on 10,000 nested containers would itself recurse.
    levels = 0
    while thawed != 1:
        assert type(frozen) is FrozenMapping
        assert type(thawed) is dict
        assert type(frozen["d"]) is tuple
        assert type(thawed["d"]) is list
        frozen, thawed = frozen["d"][0], thawed["d"][0]
        levels += 1
    assert levels == 5_000
    assert pickle.loads(pickle.dumps(freeze({"d": [1, {"e": 2}]}))) == {
        "d": (1, {"e": 2})
    }
