"""Every regular expression in ``src/`` runs in linear time on hostile text.

A backtracking pattern can take minutes on a 100 KB string that a record may
hold; this module finds every pattern the library compiles and runs each on
adversarial inputs of 100 KB. The budget is generous (a linear pattern takes
milliseconds, a quadratic one tens of seconds), and a 10 KB run comes first,
so that a quadratic pattern fails there quickly instead of hanging.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import time
from pathlib import Path

import pytest

import incidentkit

SRC = Path(incidentkit.__file__).parent

# Runs of the characters and words the patterns quantify over, with the
# prefixes that reach those quantifiers: a backtracking blow-up needs a long
# run the pattern can split in many ways and a tail that makes it fail.
_PREFIXES = ("", "in 1", "sev", "update in 1", "GET", "next update:")
_RUNS = (" ", "\t", "-", "_", "1", ".", "a", "in ", "1 ", "next ", "1 - ", ". ", "\n")
_TAIL = "\x00x"
_SMALL, _LARGE = 10_000, 100_000
# Seconds for one pattern on one input; a linear pattern needs well under 0.1.
_BUDGET_SMALL, _BUDGET_LARGE = 0.5, 2.0


def _modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages([str(SRC)], prefix="incidentkit.")
        if not info.name.endswith("__main__")
    )


def _patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if isinstance(value, re.Pattern) and module.__name__ == name:
                found.setdefault(f"{name}.{attribute}", value)
    return found


PATTERNS = _patterns()


def _inputs(size: int) -> list[str]:
    return [
        prefix + run * (size // len(run)) + _TAIL
        for prefix in _PREFIXES
        for run in _RUNS
    ]


def _exercise(pattern: re.Pattern[str] | re.Pattern[bytes], text: str) -> float:
    subject: str | bytes = text.encode() if isinstance(pattern.pattern, bytes) else text
    start = time.perf_counter()
    # finditer scans every start position (as search, sub, split and findall
    # do); fullmatch anchors at both ends (as match and ^...$ do).
    for _ in pattern.finditer(subject):  # type: ignore[arg-type]
        pass
    pattern.fullmatch(subject)  # type: ignore[arg-type]
    return time.perf_counter() - start


def _re_calls(node: ast.AST) -> list[ast.Call]:
    return [
        call
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "re"
        and call.func.attr != "escape"
    ]


def test_every_regex_is_a_module_level_pattern() -> None:
    # The linear-time test below finds patterns as module attributes: a
    # pattern written inline (re.search(r"...", text)) would escape it.
    inline, constants = [], 0
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement in tree.body:
            calls = _re_calls(statement)
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and all(
                call.func.attr == "compile"  # type: ignore[attr-defined]
                for call in calls
            ):
                constants += len(calls)
            else:
                inline.extend(f"{path.name}:{call.lineno}" for call in calls)
    assert inline == []
    assert constants == len(PATTERNS)


def test_patterns_are_found() -> None:
    # The search above works: the severity label pattern is among them.
    assert "incidentkit.records.labels._NUMBERED" in PATTERNS
    assert len(PATTERNS) >= 10


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_regex_is_linear_on_adversarial_input(name: str) -> None:
    pattern = PATTERNS[name]
    for text in _inputs(_SMALL):
        elapsed = _exercise(pattern, text)
        assert elapsed < _BUDGET_SMALL, (name, text[:40], len(text), elapsed)
    for text in _inputs(_LARGE):
        elapsed = _exercise(pattern, text)
        assert elapsed < _BUDGET_LARGE, (name, text[:40], len(text), elapsed)
