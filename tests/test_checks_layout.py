"""How the checks package is put together: layers, display, the catalogue."""

from __future__ import annotations

import ast
import graphlib
import re
from collections.abc import Iterator
from types import MappingProxyType

import pytest

import incidentkit as ik
from conftest import REPO
from incidentkit import _display
from incidentkit.checks import Findings
from incidentkit.checks.rules import (
    FAMILIES,
    IMPLEMENTATIONS,
    RULES,
    Rule,
    _Catalogue,
    rule,
)
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


def test_checks_modules_import_each_other_without_cycles():
    graph: dict[str, set[str]] = {}
    for path in CHECKS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges = graph.setdefault(path.stem, set())
        for node, name in _imports(tree):
            if name == "incidentkit.checks" and isinstance(node, ast.ImportFrom):
                edges.update(alias.name for alias in node.names)
            elif name.startswith("incidentkit.checks."):
                edges.add(name.rsplit(".", 1)[1])
    order = list(graphlib.TopologicalSorter(graph).static_order())
    assert order.index("rules") < order.index("policy") < order.index("context")
    assert order.index("context") < order.index("timeline") < order.index("engine")


# --- the catalogue --------------------------------------------------------------------


def _declared(**changes: str) -> Rule:
    fields = {
        "code": "IK501",
        "name": "some-rule",
        "family": "action_items",
        "level": "warning",
        "summary": "s",
        "rationale": "r",
        "bad": "b",
        "good": "g",
    }
    return Rule(**{**fields, **changes})  # type: ignore[arg-type]


def _nothing(ctx: object) -> Iterator[tuple[str, str]]:
    yield from ()


def test_rules_come_from_the_declarations_in_code_order():
    assert isinstance(RULES, MappingProxyType)
    assert list(RULES) == sorted(RULES)
    assert list(IMPLEMENTATIONS) == list(RULES)
    for code, declared in RULES.items():
        module = IMPLEMENTATIONS[code].__module__
        assert module == f"incidentkit.checks.{declared.family}", code


def test_the_catalogue_keeps_code_order_whatever_the_declaration_order():
    catalogue = _Catalogue()
    for code in ("IK302", "IK101", "IK205"):
        family = FAMILIES[int(code[2]) - 1]
        catalogue.declare(
            _declared(code=code, name=code.lower(), family=family), _nothing
        )
    assert list(catalogue.rules) == ["IK101", "IK205", "IK302"]
    assert list(catalogue.functions) == ["IK101", "IK205", "IK302"]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"code": "IK5001"}, "a code is IK and three digits"),
        ({"code": "IK901", "family": "action_items"}, "IK9xx is None"),
        ({"family": "timeline"}, "family 'timeline' does not match the code"),
        ({"name": "Some Rule"}, "is not a lower-case slug"),
        ({"level": "fatal"}, "level 'fatal' is not one of error, warning, info"),
        ({"rationale": " "}, "rationale is empty"),
    ],
)
def test_a_bad_declaration_is_refused(changes, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        _Catalogue().declare(_declared(**changes), _nothing)


def test_a_code_or_name_is_declared_once():
    catalogue = _Catalogue()
    catalogue.declare(_declared(), _nothing)
    with pytest.raises(ValueError, match="the code is declared twice"):
        catalogue.declare(_declared(name="other"), _nothing)
    with pytest.raises(ValueError, match="name 'some-rule' is taken"):
        catalogue.declare(_declared(code="IK502"), _nothing)


def test_no_rule_can_be_added_once_the_engine_has_loaded():
    with pytest.raises(RuntimeError, match="the rule catalogue is closed"):
        rule(
            code="IK599",
            name="late-rule",
            family="action_items",
            level="info",
            summary="s",
            rationale="r",
            bad="b",
            good="g",
        )(_nothing)
    assert "IK599" not in RULES
