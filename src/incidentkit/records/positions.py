"""Where each value of a JSON document is written: line and column of its path.

The linter's findings point at a path in the record
(``action_items[1].deadline``); a person and a CI annotation want a line.
:func:`json_positions` scans the JSON text once, with the stdlib's own string
scanner and number pattern so that it reads exactly what :mod:`json` reads,
and maps every path to the position of its key (an object's member) or of its
value (an array's element, the document itself). It is only run on documents
that have findings, and never raises: text it cannot scan keeps the positions
found so far, and :func:`locate` falls back to the nearest enclosing path.
"""

from __future__ import annotations

import bisect
import contextlib
import json.decoder
import re
from collections.abc import Callable, Mapping
from typing import Final, NamedTuple

__all__ = ["Position", "json_positions", "locate"]


class Position(NamedTuple):
    """A place in a text: 1-based line and column (in characters), and offset."""

    line: int
    column: int
    offset: int


_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_LINE_BREAK: Final = re.compile(r"\n")
# json.scanner.NUMBER_RE, with ASCII digits as the C scanner reads them.
_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
# json.decoder's string scanner (the C one when built) is not in typeshed.
_scanstring: Final[Callable[[str, int], tuple[str, int]]] = getattr(  # noqa: B009
    json.decoder, "scanstring"
)
_LITERALS: Final = ("true", "false", "null", "NaN", "Infinity", "-Infinity")


class _Unreadable(Exception):
    """The text stops being JSON here; the positions found so far stand."""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.offsets: dict[str, int] = {}

    def skip(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def value(self, index: int, path: str) -> int:
        """Scan the value starting at ``index``; return the index after it."""
        text = self.text
        char = text[index : index + 1]
        if char == "{":
            return self.members(index + 1, path)
        if char == "[":
            return self.elements(index + 1, path)
        if char == '"':
            return _scanstring(text, index + 1)[1]
        number = _NUMBER.match(text, index)
        if number is not None:
            return number.end()
        for literal in _LITERALS:
            if text.startswith(literal, index):
                return index + len(literal)
        raise _Unreadable

    def members(self, index: int, path: str) -> int:
        text = self.text
        index = self.skip(index)
        if text[index : index + 1] == "}":
            return index + 1
        while True:
            if text[index : index + 1] != '"':
                raise _Unreadable
            key, after = _scanstring(text, index + 1)
            member = f"{path}.{key}" if path else key
            # Duplicate keys: the last one wins, as in the parsed record.
            self.offsets[member] = index
            index = self.skip(after)
            if text[index : index + 1] != ":":
                raise _Unreadable
            index = self.value(self.skip(index + 1), member)
            index = self.skip(index)
            char = text[index : index + 1]
            if char == "}":
                return index + 1
            if char != ",":
                raise _Unreadable
            index = self.skip(index + 1)

    def elements(self, index: int, path: str) -> int:
        text = self.text
        index = self.skip(index)
        if text[index : index + 1] == "]":
            return index + 1
        position = 0
        while True:
            element = f"{path}[{position}]"
            self.offsets[element] = index
            index = self.skip(self.value(index, element))
            char = text[index : index + 1]
            if char == "]":
                return index + 1
            if char != ",":
                raise _Unreadable
            index = self.skip(index + 1)
            position += 1


def json_positions(text: str) -> dict[str, Position]:
    r"""The position of every path of a JSON document, as findings name paths.

    An object's member is found at its key's opening quote, an array's
    element and the document (path ``"$"``) at their first character.
    Columns count characters (code points) from 1; lines are separated by
    ``\n``. A leading byte order mark is skipped, as the loader skips it.

    Example:
        >>> text = '{"incident": {"id": "x"},\n "action_items": [{"owner": null}]}'
        >>> json_positions(text)["action_items[0].owner"][:2]
        (2, 20)
        >>> json_positions(text)["$"][:2]
        (1, 1)
    """
    start = 1 if text.startswith("\ufeff") else 0
    scanner = _Scanner(text)
    start = scanner.skip(start)
    scanner.offsets["$"] = start
    # Best effort: what was found before a problem stands.
    with contextlib.suppress(_Unreadable, ValueError, IndexError, RecursionError):
        scanner.value(start, "")
    breaks = [match.start() for match in _LINE_BREAK.finditer(text)]

    def position(offset: int) -> Position:
        line = bisect.bisect_left(breaks, offset)
        line_start = breaks[line - 1] + 1 if line else 0
        return Position(line + 1, offset - line_start + 1, offset)

    return {path: position(offset) for path, offset in scanner.offsets.items()}


_LAST_STEP: Final = re.compile(r"(?:\.[^.\[\]]*|\[\d+\])$")


def locate(positions: Mapping[str, Position], path: str) -> Position | None:
    """The position of ``path``, or of the nearest enclosing path written.

    A finding may name a field the document leaves out (a missing
    ``owner``): it is then shown at the object that lacks it.

    Example:
        >>> where = json_positions('{"a": [{"b": 1}]}')
        >>> locate(where, "a[0].missing") == where["a[0]"]
        True
    """
    while path:
        if path in positions:
            return positions[path]
        shorter = _LAST_STEP.sub("", path)
        if shorter == path:
            break
        path = shorter
    return positions.get("$")
