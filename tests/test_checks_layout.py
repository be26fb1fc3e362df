"""How the checks package is put together: layers, display, the catalogue."""

from __future__ import annotations

import ast

import pytest

import incidentkit as ik
from conftest import REPO
from incidentkit import _display
from incidentkit.checks import Findings
from incidentkit.render import html as render_html

CHECKS_DIR = REPO / "src" / "incidentkit" / "checks"


def _imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, str]]:
    found: list[tuple[ast.Import | ast.ImportFrom, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node, node.module))
    return found


def test_findings_render_in_notebooks_through_the_display_registry():
    findings = ik.check(ik.example())
    assert isinstance(findings, Findings)
    fragment = findings._repr_html_()
    assert fragment.startswith('<div class="incidentkit">')
    assert fragment == render_html.findings_html(findings)
    assert _display.html(findings) == fragment
    for finding in findings:
        assert f"<td>{finding.code}</td>" in fragment


def test_findings_is_one_class_wherever_it_is_imported_from():
    assert ik.Findings is Findings is render_html.Findings


def test_display_names_an_unregistered_type():
    class Unshown:
        pass

    with pytest.raises(
        TypeError, match=r"no HTML rendering is registered for .*Unshown"
    ):
        _display.html(Unshown())


def test_display_is_a_low_layer():
    tree = ast.parse((REPO / "src" / "incidentkit" / "_display.py").read_text())
    assert not [name for _, name in _imports(tree) if name.startswith("incidentkit")]


@pytest.mark.parametrize("path", sorted(CHECKS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_checks_never_import_render_nor_inside_functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = set(map(id, tree.body))
    for node, name in _imports(tree):
        if not name.startswith("incidentkit"):
            continue
        assert not name.startswith("incidentkit.render"), (path.name, name)
        assert id(node) in top_level, f"{path.name}:{node.lineno} imports {name}"
