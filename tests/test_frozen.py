from __future__ import annotations

import pickle

import pytest

from incidentkit._frozen import FrozenMapping


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
