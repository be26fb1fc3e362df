"""The JSON position scan: every path it finds points at its key or value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from incidentkit.records.positions import json_positions, locate

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(value: Any, path: str = "") -> dict[str, Any]:
    """Every path of a parsed document with its value, walked independently."""
    found: dict[str, Any] = {path or "$": value}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(_paths(item, f"{path}.{key}" if path else key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(_paths(item, f"{path}[{index}]"))
    return found


def _safe(key: str) -> bool:
    # Paths join keys with "." and "[": keys holding them would be ambiguous
    # (findings only ever name the schema's plain keys).
    # An empty key or "$" at the top would be the path of the document itself.
    return bool(key) and key != "$" and not any(char in key for char in ".[]")


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_safe(k) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return True


@given(
    _DOCUMENTS.filter(_plain),
    st.sampled_from([None, 0, 2]),
    st.booleans(),
    st.sampled_from(["", "\n", "  \r\n"]),
)
def test_every_path_points_at_its_key_or_value(doc, indent, ascii_only, padding):
    text = padding + json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    positions = json_positions(text)
    expected = _paths(doc)
    assert set(positions) == set(expected)
    decoder = json.JSONDecoder()
    lines = text.split("\n")
    for path, (line, column, offset) in positions.items():
        # Line and column name the same character as the offset.
        assert lines[line - 1][column - 1] == text[offset]
        found, after = decoder.raw_decode(text, offset)
        if path == "$" or path.endswith("]"):
            assert found == expected[path]
        else:
            # An object's member: its key, then ":" and the value.
            assert found == path.rpartition(".")[2]
            colon = text.index(":", after)
            assert text[after:colon].strip() == ""
            value = colon + 1 + len(text[colon + 1 :]) - len(text[colon + 1 :].lstrip())
            assert decoder.raw_decode(text, value)[0] == expected[path]


def test_a_byte_order_mark_and_a_missing_field_locate_the_enclosing_object():
    text = '\ufeff{"incident": {"id": "x"},\n "action_items": [\n  {"title": "t"}]}'
    positions = json_positions(text)
    assert positions["$"][:2] == (1, 2)
    assert locate(positions, "action_items[0].owner")[:2] == (3, 3)
    assert locate(positions, "nothing.here")[:2] == (1, 2)


def test_text_that_is_not_json_keeps_what_was_found_and_never_raises():
    positions = json_positions('{"a": 1, "b": [tru')
    assert positions["a"][:2] == (1, 2)
    assert positions["b"][:2] == (1, 10)
    assert json_positions("")["$"][:2] == (1, 1)
    assert set(json_positions("[" * 100_000)) >= {"$"}
