"""The repository's ``.pre-commit-hooks.yaml``, as pre-commit reads it.

The file is parsed and its fields checked, the command its ``entry`` names
is run on the files its ``files`` pattern selects, and pre-commit itself
(in the ``test`` extra) runs the hook on a sample repository of postmortems,
installing it from this checkout's committed ``HEAD``.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from incidentkit.cli import main

CHECKOUT = Path(__file__).resolve().parent.parent
HOOKS = CHECKOUT / ".pre-commit-hooks.yaml"


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


# --- pre-commit itself ---------------------------------------------------------


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _pre_commit(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color=never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_pre_commit_runs_the_hook_from_this_checkout(tmp_path, example_doc):
    # Not a skip: pre-commit is in the test extra, and a hook nobody runs
    # through pre-commit can break unnoticed.
    assert importlib.util.find_spec("pre_commit") is not None, (
        "pre-commit is missing: install the test extra (pip install -e '.[test]')"
    )
    try:
        head = _git("rev-parse", "HEAD", cwd=CHECKOUT)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"the hook is installed from a git checkout of incidentkit: {exc}")
    repo = tmp_path / "postmortems"
    (repo / "2024").mkdir(parents=True)
    _git("init", "--quiet", cwd=repo)
    (repo / "2024" / "good.json").write_text(json.dumps(example_doc), "utf-8")
    # Resolved without a resolved_at: IK205, an error-level finding.
    broken = copy.deepcopy(example_doc)
    del broken["incident"]["resolved_at"]
    (repo / "2024" / "broken.json").write_text(json.dumps(broken, indent=2), "utf-8")
    (repo / "README.md").write_text("# Postmortems\n", "utf-8")
    # The committed HEAD of this checkout, by its hash: what a repository
    # pinning a release gets, without the working tree's uncommitted edits
    # (try-repo would add them).
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {json.dumps(str(CHECKOUT))}\n"
        f"    rev: {head}\n"
        "    hooks:\n"
        "      - id: incidentkit-check\n"
        "        args: [--as-of, none]\n",
        "utf-8",
    )
    _git("add", "-A", cwd=repo)
    # PRE_COMMIT_HOME: the hook's environment is built in tmp_path, once for
    # both runs; without PYTHONPATH the hook runs the incidentkit pre-commit
    # installed, not this working tree's source.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PRE_COMMIT_HOME", "VIRTUAL_ENV")
    }
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")

    failed = _pre_commit(repo, env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "incidentkit check" in output
    assert "Failed" in output
    errors = [line for line in output.splitlines() if "[error]" in line]
    assert errors, output
    assert all(line.startswith("2024/broken.json:") for line in errors), errors
    assert any(": IK205 [error] " in line for line in errors), errors

    # Staged, never committed: -f removes it from the index and the folder.
    _git("rm", "-f", "--quiet", "2024/broken.json", cwd=repo)
    passed = _pre_commit(repo, env)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "Passed" in output
