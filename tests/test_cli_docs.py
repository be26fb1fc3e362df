"""docs/cli.md documents every option, output format and configuration key.

The lists come from the command itself (its parser), from a settings file
with an unknown key (whose error names the known ones), and from the
formats ``--output-format`` accepts; each must appear in the page as code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import incidentkit as ik
from incidentkit.cli import build_parser

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(
    encoding="utf-8"
)


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    commands = {"incidentkit": parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands.update(action.choices)
    return commands


def _options() -> list[tuple[str, str]]:
    return [
        (name, option)
        for name, command in _commands().items()
        for action in command._actions
        for option in action.option_strings
    ]


def _in_code(text: str) -> bool:
    # `--jobs`, or inside a longer code span: `-j N`, `--format json`.
    return f"`{text}`" in DOCS or f"`{text} " in DOCS


def test_the_parser_has_the_commands_documented():
    assert set(_commands()) == {"incidentkit", "report", "check", "stats", "review"}
    for name in ("report", "check", "stats", "review"):
        assert f"### Options of `{name}`" in DOCS


@pytest.mark.parametrize(("command", "option"), _options())
def test_every_option_is_documented(command, option):
    assert _in_code(option), f"{command} {option} is not in docs/cli.md"


@pytest.mark.parametrize("command", ["report", "check", "stats", "review"])
def test_every_option_is_in_its_commands_reference_table(command):
    start = DOCS.index(f"### Options of `{command}`")
    table = DOCS[start : DOCS.index("\n###", start + 1)]
    for action in _commands()[command]._actions:
        for option in action.option_strings:
            assert f"`{option}`" in table, f"{option} not in {command}'s table"


def test_every_output_format_is_documented():
    for command in ("report", "check", "stats"):
        for action in _commands()[command]._actions:
            if action.dest == "format":
                for name in action.choices or ():
                    assert f"`{name}`" in DOCS, name


def test_every_exit_status_is_documented():
    for status in (0, 1, 2, 130):
        assert f"| **{status}** |" in DOCS


def test_every_configuration_key_is_documented(tmp_path):
    settings = tmp_path / "incidentkit.toml"
    settings.write_text("no-such-key = 1\n", encoding="utf-8")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_settings(settings)
    (error,) = caught.value.errors
    known = error.split("(known: ", 1)[1].rstrip(")").split(", ")
    assert len(known) >= 10
    for key in known:
        assert f"| `{key}` |" in DOCS, key


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("[severity]\nno-such-key = 1\n", "| `severity.{key}` |"),
        ("[severity.levels.1]\nno-such-key = 1\n", "| `{key}` |"),
        ("[severity.levels.1.criteria.x]\nno-such-key = 1\n", "| `{key}` |"),
    ],
    ids=["severity", "level", "criterion"],
)
def test_every_severity_key_is_documented(tmp_path, text, row):
    settings = tmp_path / "incidentkit.toml"
    settings.write_text(text, encoding="utf-8")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_settings(settings)
    (error,) = caught.value.errors
    known = error.split("(known: ", 1)[1].rstrip(")").split(", ")
    assert len(known) >= 2
    for key in known:
        assert row.format(key=key) in DOCS, key
