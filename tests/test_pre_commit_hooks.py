"""The repository's ``.pre-commit-hooks.yaml``, as pre-commit reads it.

pre-commit itself is not installed offline, so the hook is not run through
it here: the file is parsed and its fields checked, and the command its
``entry`` names is run on the files its ``files`` pattern selects.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from incidentkit.cli import main

HOOKS = Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml"


@pytest.fixture(scope="module")
def hook() -> dict:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (only,) = hooks
    return only


def test_hook_fields(hook):
    assert hook["id"] == "incidentkit-check"
    assert hook["entry"] == "incidentkit check"
    assert hook["language"] == "python"
    assert hook["files"] == r"\.(json|jsonl)$"
    assert isinstance(hook["name"], str)
    # Keys pre-commit knows; a typo would be ignored by it, silently.
    known = {
        "id",
        "name",
        "entry",
        "language",
        "files",
        "exclude",
        "types",
        "types_or",
        "exclude_types",
        "description",
        "require_serial",
        "pass_filenames",
        "args",
        "minimum_pre_commit_version",
        "stages",
        "always_run",
        "verbose",
    }
    assert set(hook) <= known


def test_files_pattern_selects_records(hook):
    pattern = re.compile(hook["files"])
    assert pattern.search("postmortems/2024/inc.json")
    assert pattern.search("all.jsonl")
    assert not pattern.search("README.md")
    assert not pattern.search("inc.json.bak")


def test_entry_runs_on_the_files_pre_commit_passes(
    hook, tmp_path, capsys, example_doc, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    Path("good.json").write_text(json.dumps(example_doc), encoding="utf-8")
    Path("bad.json").write_text('{"incident": 1}', encoding="utf-8")
    Path("notes.md").write_text("# notes", encoding="utf-8")
    pattern = re.compile(hook["files"])
    staged = sorted(str(p) for p in Path().iterdir() if pattern.search(str(p)))
    assert staged == ["bad.json", "good.json"]
    program, command = shlex.split(hook["entry"])
    assert program == "incidentkit"
    status = main([command, *staged, "--as-of", "none"])
    assert status == 1  # bad.json blocks the commit
    assert "bad.json: incident: expected a JSON object" in capsys.readouterr().err
