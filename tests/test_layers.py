"""The layers of incidentkit point one way, and its import graph has no cycle.

Every module under ``src/incidentkit`` is parsed with :mod:`ast` (nothing is
imported), and each import of an incidentkit module is collected: at module
level, inside a function, and under ``if TYPE_CHECKING:``, all three. The
rules:

* a module imports only modules of its own layer or of lower ones;
* the import graph of incidentkit modules is acyclic (within a layer the
  direction is free, as long as no cycle results);
* no function imports an incidentkit module: the layering is visible at the
  top of every module. Optional third-party packages (pandas, matplotlib,
  polars, pyarrow...) may still be imported where they are used.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

PACKAGE = "incidentkit"
SOURCE = Path(__file__).resolve().parent.parent / "src" / PACKAGE

#: The layers, lowest first: rank, name, and the module prefixes in it. A
#: prefix holds the module of that name and everything below it; the
#: package itself (``incidentkit/__init__.py``) is the top layer on its own.
LAYERS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        0,
        "base",
        (
            "incidentkit.errors",
            "incidentkit._args",
            "incidentkit._frozen",
            "incidentkit._version",
            "incidentkit._display",
            "incidentkit._format",
        ),
    ),
    (1, "records", ("incidentkit.records", "incidentkit.formats")),
    (2, "figures", ("incidentkit.figures",)),
    (3, "checks", ("incidentkit.checks", "incidentkit.synth")),
    (4, "table", ("incidentkit.table",)),
    (5, "render", ("incidentkit.render",)),
    (6, "plot", ("incidentkit.plot", "incidentkit.review")),
    (7, "cli", ("incidentkit.cli", "incidentkit.__main__")),
    (8, "package", ("incidentkit",)),
)

#: Modules whose own violations are known and tolerated for now: the test
#: skips the imports of theirs that break a rule (their other imports are
#: still checked, and still count for cycles). Others are restructuring
#: them; delete an entry when its fix is merged, which
#: test_known_violations_are_still_there demands.
KNOWN_VIOLATIONS: frozenset[str] = frozenset()


class Import(NamedTuple):
    """One import of an incidentkit module by another."""

    importer: str
    imported: str
    at: str  # file and line, e.g. "incidentkit/table/stats.py:51"
    where: str  # "module level", "function level" or "TYPE_CHECKING"


def module_name(path: Path, root: Path = SOURCE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules(root: Path = SOURCE) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def find_layer(module: str) -> tuple[int, str] | None:
    """The rank and name of a module's layer, by its longest declared prefix."""
    best: tuple[int, int, str] | None = None
    for rank, name, prefixes in LAYERS:
        for prefix in prefixes:
            exact_only = prefix == PACKAGE
            inside = module == prefix or (
                not exact_only and module.startswith(prefix + ".")
            )
            if inside and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank, name)
    return None if best is None else (best[1], best[2])


def layer_of(module: str) -> tuple[int, str]:
    layer = find_layer(module)
    if layer is None:
        raise LookupError(f"{module} belongs to no layer")
    return layer


def _is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING`` or ``typing.TYPE_CHECKING`` (any module alias)."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _resolve(name: str, known: set[str]) -> str:
    """The module an import of ``name`` loads: ``name`` or its longest parent."""
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(path: Path, root: Path, known: set[str]) -> Iterator[Import]:
    """Every import of an incidentkit module in one source file."""
    module = module_name(path, root)
    is_package = path.name == "__init__.py"
    filename = path.relative_to(root.parent).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def targets(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
            return
        if node.level:
            # Relative: the package of this module, less level - 1 parents.
            package = module if is_package else module.rpartition(".")[0]
            parts = package.split(".")
            if node.level - 1 >= len(parts):
                raise ValueError(f"{path}:{node.lineno}: relative import too deep")
            base = ".".join(parts[: len(parts) - (node.level - 1)])
            source = f"{base}.{node.module}" if node.module else base
        else:
            source = node.module or ""
        for alias in node.names:
            # ``from package import name``: the submodule when there is one,
            # the package otherwise.
            candidate = f"{source}.{alias.name}"
            yield candidate if candidate in known else source

    def visit(node: ast.AST, where: str) -> Iterator[Import]:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            seen = set()
            for target in targets(node):
                if target == PACKAGE or target.startswith(PACKAGE + "."):
                    imported = _resolve(target, known)
                    if imported not in (module, *seen):
                        seen.add(imported)
                        at = f"{filename}:{node.lineno}"
                        yield Import(module, imported, at, where)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # Decorators and defaults run at definition, but nothing in them
            # is an import statement: the body is what matters.
            where = "function level"
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from visit(
                    child, where if where == "function level" else "TYPE_CHECKING"
                )
            for child in node.orelse:
                yield from visit(child, where)
            return
        for child in ast.iter_child_nodes(node):
            yield from visit(child, where)

    yield from visit(tree, "module level")


def collect(root: Path = SOURCE) -> list[Import]:
    modules = all_modules(root)
    known = set(modules)
    found: list[Import] = []
    for path in modules.values():
        found.extend(imports_of(path, root, known))
    return found


def describe(found: Import) -> str:
    rank, layer = layer_of(found.importer)
    other_rank, other_layer = layer_of(found.imported)
    return (
        f"{found.importer} (layer {rank}, {layer}) imports {found.imported} "
        f"(layer {other_rank}, {other_layer}) at {found.at}, {found.where}"
    )


def upward(imports: list[Import]) -> list[Import]:
    return [
        found
        for found in imports
        if layer_of(found.imported)[0] > layer_of(found.importer)[0]
    ]


def in_functions(imports: list[Import]) -> list[Import]:
    return [found for found in imports if found.where == "function level"]


def violations(imports: list[Import]) -> list[Import]:
    return [*upward(imports), *in_functions(imports)]


def find_cycle(imports: list[Import]) -> list[str] | None:
    """One cycle of the import graph as a path ``[a, b, ..., a]``, or None."""
    graph: dict[str, set[str]] = {}
    for found in imports:
        graph.setdefault(found.importer, set()).add(found.imported)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := walk(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := walk(start)) is not None:
            return cycle
    return None


def checked(imports: list[Import]) -> list[Import]:
    """The imports the rules apply to: all but the known violations."""
    skipped = {
        found for found in violations(imports) if found.importer in KNOWN_VIOLATIONS
    }
    return [found for found in imports if found not in skipped]


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return collect()


# --- the rules ---------------------------------------------------------------------


def test_every_module_has_a_layer():
    missing = [name for name in all_modules() if find_layer(name) is None]
    assert not missing, (
        f"modules in no layer: {missing}; add them (or a prefix) to LAYERS in "
        "tests/test_layers.py"
    )


def test_no_module_imports_a_higher_layer(imports):
    bad = [describe(found) for found in upward(checked(imports))]
    assert not bad, (
        "a module may import only its own layer or lower ones (see LAYERS in "
        "tests/test_layers.py):\n" + "\n".join(bad)
    )


def test_no_function_imports_an_incidentkit_module(imports):
    bad = [describe(found) for found in in_functions(checked(imports))]
    assert not bad, (
        "import incidentkit modules at the top of the module, not inside "
        "functions:\n" + "\n".join(bad)
    )


def test_the_import_graph_is_acyclic(imports):
    cycle = find_cycle(checked(imports))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or ())


def test_known_violations_are_still_there(imports):
    modules = set(all_modules())
    unknown = KNOWN_VIOLATIONS - modules
    assert not unknown, f"KNOWN_VIOLATIONS names no module: {sorted(unknown)}"
    fixed = KNOWN_VIOLATIONS - {found.importer for found in violations(imports)}
    assert not fixed, (
        f"{sorted(fixed)} no longer break the layering: delete them from "
        "KNOWN_VIOLATIONS in tests/test_layers.py"
    )


# --- the checker itself ----------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / PACKAGE
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checker_reads_every_kind_of_import(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "errors.py": "",
            "records/__init__.py": "from . import schema\n",
            "records/schema.py": "from .. import errors\n",
            "records/io.py": (
                "from typing import TYPE_CHECKING\n"
                "from incidentkit.records import schema as s\n"
                "import incidentkit.figures.timeline\n"
                "if TYPE_CHECKING:\n"
                "    from incidentkit.render.html import x\n"
                "def f():\n"
                "    from ..table import frame\n"
                "    import pandas\n"
            ),
            "figures/__init__.py": "",
            "figures/timeline.py": "from incidentkit import errors, __version__\n",
            "render/__init__.py": "",
            "render/html.py": "",
            "table/__init__.py": "",
            "table/frame.py": "",
        },
    )
    found = {(f.importer, f.imported, f.where) for f in collect(root)}
    assert found == {
        ("incidentkit.records", "incidentkit.records.schema", "module level"),
        ("incidentkit.records.schema", "incidentkit.errors", "module level"),
        ("incidentkit.records.io", "incidentkit.records.schema", "module level"),
        ("incidentkit.records.io", "incidentkit.figures.timeline", "module level"),
        ("incidentkit.records.io", "incidentkit.render.html", "TYPE_CHECKING"),
        ("incidentkit.records.io", "incidentkit.table.frame", "function level"),
        ("incidentkit.figures.timeline", "incidentkit.errors", "module level"),
        ("incidentkit.figures.timeline", "incidentkit", "module level"),
    }


def test_the_checker_names_both_modules_and_both_layers(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "table/__init__.py": "",
            "table/stats.py": "from incidentkit.render.html import fmt\n",
            "render/__init__.py": "",
            "render/html.py": "",
        },
    )
    (bad,) = upward(collect(root))
    assert describe(bad) == (
        "incidentkit.table.stats (layer 4, table) imports incidentkit.render.html "
        "(layer 5, render) at incidentkit/table/stats.py:1, module level"
    )


def test_the_checker_finds_cycles_within_a_layer(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "records/__init__.py": "",
            "records/io.py": "from incidentkit.formats import read\n",
            "formats/__init__.py": "from incidentkit.records.io import load\n",
        },
    )
    imports = collect(root)
    assert upward(imports) == []
    assert find_cycle(imports) == [
        "incidentkit.formats",
        "incidentkit.records.io",
        "incidentkit.formats",
    ]
