"""Concurrency: no mutable global state, and the same answers from 8 threads.

A web service or a notebook with a thread pool shares one imported
incidentkit between threads. That is safe when nothing the threads share
can change: the module-level constants, the default policies (which are
default arguments, so every call shares them) and the converters. The first
tests prove that statically, the others run loading and every analytic from
8 threads at once, with the interpreter switching threads as often as it
can, and compare with one thread's answers.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import functools
import importlib
import inspect
import json
import pkgutil
import re
import sys
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs
import pytest

import incidentkit as ik
from incidentkit._frozen import FrozenMapping
from incidentkit.records import converter as converter_module
from incidentkit.records.converter import make_converter
from incidentkit.records.schema import IncidentRecord
from incidentkit.synth import generate_dicts
from incidentkit.table.frame import load_table
from test_reliability import analyse, assert_same_table

T = TypeVar("T")
THREADS = 8

# --- no mutable global state ----------------------------------------------------------

_ATOMS = (
    type(None),
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    enum.Enum,
    dt.date,
    dt.time,
    dt.timedelta,
    dt.tzinfo,
    re.Pattern,
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
)


def _mutable_parts(value: Any, path: str, seen: set[int]) -> Iterator[str]:
    """Paths inside ``value`` that someone could change in place."""
    if isinstance(value, _ATOMS) or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (tuple, frozenset)):
        for index, item in enumerate(value):
            yield from _mutable_parts(item, f"{path}[{index}]", seen)
    elif isinstance(value, (types.MappingProxyType, FrozenMapping)):
        for key, item in value.items():
            yield from _mutable_parts(key, f"{path} key {key!r}", seen)
            yield from _mutable_parts(item, f"{path}[{key!r}]", seen)
    elif isinstance(value, functools.partial):
        yield from _mutable_parts(value.args, f"{path}.args", seen)
        yield from _mutable_parts(types.MappingProxyType(value.keywords), path, seen)
    elif attrs.has(type(value)):
        if not _is_frozen(value):
            yield f"{path} ({type(value).__name__} is not frozen)"
        for field in attrs.fields(type(value)):
            yield from _mutable_parts(
                getattr(value, field.name), f"{path}.{field.name}", seen
            )
    else:
        yield f"{path} ({type(value).__name__})"


def _is_frozen(instance: Any) -> bool:
    field = attrs.fields(type(instance))[0] if attrs.fields(type(instance)) else None
    if field is None:
        return True
    try:
        # Writing the value it already has: harmless if the class is not frozen.
        setattr(instance, field.name, getattr(instance, field.name))
    except attrs.exceptions.FrozenInstanceError:
        return True
    return False


def _modules() -> list[types.ModuleType]:
    names = [info.name for info in pkgutil.walk_packages(ik.__path__, "incidentkit.")]
    return [
        importlib.import_module(name)
        for name in sorted(names)
        if name != "incidentkit.__main__"
    ]


def _shared_values() -> list[tuple[str, Any]]:
    """What every caller shares: public constants and default arguments."""
    shared: list[tuple[str, Any]] = []
    for module in _modules():
        for name in getattr(module, "__all__", ()):
            if not hasattr(module, name):  # pragma: no cover - a module mid-edit
                continue
            value = getattr(module, name)
            where = f"{module.__name__}.{name}"
            if inspect.isclass(value) or inspect.isfunction(value):
                shared.extend(_defaults(value, where))
            elif not callable(value) and not inspect.ismodule(value):
                shared.append((where, value))
    return shared


def _defaults(function: Callable[..., Any], where: str) -> list[tuple[str, Any]]:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # pragma: no cover - builtins without one
        return []
    return [
        (f"{where}({parameter.name}=...)", parameter.default)
        for parameter in signature.parameters.values()
        if parameter.default is not inspect.Parameter.empty
    ]


SHARED = _shared_values()


#: Shared values known to be mutable, reported to their owners; each still fails.
def _shared_params() -> list[Any]:
    return [pytest.param(where, value, id=where) for where, value in SHARED]


@pytest.mark.parametrize(("where", "value"), _shared_params())
def test_shared_values_cannot_change(where: str, value: Any) -> None:
    # A dict among them is a global a caller (or a thread) can change for
    # everyone: `DEFAULTS["x"] = 1` would change every later call.
    parts = list(_mutable_parts(value, where, set()))
    assert not parts, parts


def test_the_walk_finds_mutable_parts() -> None:
    # The check above is only as good as this walker.
    @attrs.define
    class Loose:
        value: int = 0

    assert list(_mutable_parts({"a": 1}, "x", set())) == ["x (dict)"]
    assert list(_mutable_parts((1, [2]), "x", set())) == ["x[1] (list)"]
    assert list(_mutable_parts(types.MappingProxyType({"a": {1}}), "x", set())) == [
        "x['a'] (set)"
    ]
    assert list(_mutable_parts(Loose(), "x", set())) == ["x (Loose is not frozen)"]
    # A record is frozen all the way down, metadata and unknown keys included.
    assert list(_mutable_parts(ik.example(), "x", set())) == []
    assert len(SHARED) > 30


# --- the same answers from 8 threads --------------------------------------------------


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _in_threads(work: Callable[[int], T], threads: int = THREADS) -> list[T]:
    """Run ``work(i)`` for i in range(threads), all released at once."""
    barrier = threading.Barrier(threads)

    def run(index: int) -> T:
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


def _corpus() -> list[bytes]:
    documents = list(generate_dicts(24, seed=8, flaw_fraction=0.5, open_fraction=0.2))
    documents.append(ik.to_dict(ik.example()))
    return [json.dumps(document).encode() for document in documents]


CORPUS = _corpus()


def _load_and_analyse(raw: bytes) -> dict[str, Any]:
    return analyse(ik.loads(raw))


def test_loading_and_analysing_from_8_threads(busy_switching: None) -> None:
    expected = [_load_and_analyse(raw) for raw in CORPUS]

    def work(index: int) -> list[dict[str, Any]]:
        # Each thread starts at another document, so that different
        # documents are in flight at the same moment.
        order = CORPUS[index:] + CORPUS[:index]
        results = [_load_and_analyse(raw) for raw in order]
        return results[-index:] + results[:-index] if index else results

    for results in _in_threads(work):
        assert results == expected


def test_shared_records_are_not_modified_by_threads(busy_switching: None) -> None:
    records = [ik.loads(raw) for raw in CORPUS]
    before = copy.deepcopy(records)
    expected = [analyse(rec) for rec in records]

    def work(index: int) -> list[dict[str, Any]]:
        return [analyse(rec) for rec in records]

    for results in _in_threads(work):
        assert results == expected
    assert records == before


def test_converters_with_other_options_do_not_interfere(busy_switching: None) -> None:
    # assume_utc and strict are options of a converter, not a global switch:
    # threads using different options at the same time each get their own.
    doc = ik.to_dict(ik.example())
    doc["incident"]["declared_at"] = "2024-01-15T14:23:00"  # no offset
    doc["incident"]["x_team"] = "payments"  # unknown key
    raw = json.dumps(doc).encode()

    def outcome(assume_utc: bool, strict: bool) -> IncidentRecord | list[str]:
        try:
            return ik.loads(raw, assume_utc=assume_utc, strict=strict)
        except ik.ValidationError as exc:
            return exc.errors

    options = [(utc, strict) for utc in (False, True) for strict in (False, True)]
    expected = [outcome(*option) for option in options]
    assert isinstance(expected[2], IncidentRecord)  # assume_utc, not strict
    assert all(isinstance(other, list) for other in expected[:2] + expected[3:])

    def work(index: int) -> list[IncidentRecord | list[str]]:
        return [outcome(*options[(index + n) % 4]) for n in range(40)]

    for index, results in enumerate(_in_threads(work)):
        assert results == [expected[(index + n) % 4] for n in range(40)]


def test_a_fresh_converter_used_first_from_8_threads(busy_switching: None) -> None:
    # cattrs builds each class's hook on first use: 8 threads doing that at
    # once must all get working hooks.
    documents = [json.loads(raw) for raw in CORPUS]
    expected = [ik.from_dict(document) for document in documents]
    for _ in range(3):
        fresh = make_converter()

        def work(index: int, converter: Any = fresh) -> list[IncidentRecord]:
            order = documents[index:] + documents[:index]
            found = [
                converter.structure(document, IncidentRecord) for document in order
            ]
            return found[-index:] + found[:-index] if index else found

        for results in _in_threads(work):
            assert results == expected


def test_the_shared_converter_built_first_from_8_threads(busy_switching: None) -> None:
    # The library builds its converters lazily, once per option set; clear
    # that cache so that 8 threads race to build them.
    raw = CORPUS[0]
    expected = ik.loads(raw)
    for _ in range(3):
        converter_module.shared_converter.cache_clear()
        assert _in_threads(lambda index: ik.loads(raw)) == [expected] * THREADS


def test_load_table_from_8_threads(
    busy_switching: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # One JSONL file (with a broken line) read into a table by 8 threads.
    path = tmp_path_factory.mktemp("threads") / "all.jsonl"
    path.write_bytes(b"\n".join([*CORPUS[:12], b"{broken", *CORPUS[12:]]) + b"\n")
    expected = load_table(path, errors="collect", as_of=dt.date(2025, 6, 1))
    assert len(expected) == len(CORPUS)
    assert len(expected.errors) == 1
    tables = _in_threads(
        lambda index: load_table(path, errors="collect", as_of=dt.date(2025, 6, 1))
    )
    for table in tables:
        assert_same_table(table, expected)
        assert [exc.errors for exc in table.errors] == [
            exc.errors for exc in expected.errors
        ]
