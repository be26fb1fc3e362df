"""What the command line does for each fault: one test per row of the table
in ``docs/errors.md`` ("What the command line does"), same exit status, same
message, and never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_PATH
from incidentkit.cli import main
from incidentkit.records import io as records_io

COMMANDS = (["check"], ["stats", "--by", "service"])


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "incidents"
    folder.mkdir()
    (folder / "a.json").write_bytes(EXAMPLE_PATH.read_bytes())
    return folder


@pytest.mark.parametrize("command", [["report"], *COMMANDS])
def test_no_such_file(tmp_path, capsys, command):
    missing = str(tmp_path / "nowhere.json")
    status, _, err = _run(capsys, *command, missing)
    assert status == 1
    assert f"{missing}: $: no such file or folder" in err


@pytest.mark.parametrize("command", [["report"], *COMMANDS])
@pytest.mark.parametrize(
    ("name", "reason"),
    [("a\x00b.json", "embedded null byte"), ("x" * 300, "File name too long")],
)
def test_not_a_usable_path(tmp_path, capsys, command, name, reason):
    status, _, err = _run(capsys, *command, str(tmp_path / name))
    assert status == 1
    assert f"$: not a usable path ({reason})" in err
    assert "\x00" not in err  # shown escaped, as \x00


@pytest.mark.parametrize("command", [["report"], *COMMANDS])
def test_file_that_may_not_be_read(tmp_path, capsys, monkeypatch, command):
    # Simulated: the tests may run as root, who may read any file.
    path = _folder(tmp_path) / "a.json"

    def refuse(file: object, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(file))

    monkeypatch.setattr(records_io, "open", refuse, raising=False)
    status, _, err = _run(capsys, *command, str(path))
    assert status == 1
    assert f"{path}: $: cannot read (Permission denied)" in err
    assert "no such file" not in err


@pytest.mark.parametrize("command", COMMANDS)
def test_folder_that_may_not_be_listed(tmp_path, capsys, monkeypatch, command):
    folder = _folder(tmp_path)

    def refuse(path: object) -> object:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", refuse)
    status, _, err = _run(capsys, *command, str(folder))
    assert status == 1
    assert f"{folder}: $: cannot list the folder (Permission denied)" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_links_out_of_the_folder_and_loops(tmp_path, capsys, command):
    folder = _folder(tmp_path)
    (tmp_path / "elsewhere.json").write_bytes(EXAMPLE_PATH.read_bytes())
    (folder / "out.json").symlink_to(tmp_path / "elsewhere.json")
    (folder / "loop.json").symlink_to(folder)
    status, out, err = _run(capsys, *command, str(folder))
    assert status == 1
    assert f"{folder / 'out.json'}: $: links outside the folder" in err
    assert f"{folder / 'loop.json'}: $: links back to a folder being read" in err
    if command == ["check"]:
        assert out.count("INC-2024-0142") <= 1 or "1 records checked" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_fifo_in_a_folder(tmp_path, capsys, command):
    folder = _folder(tmp_path)
    os.mkfifo(folder / "pipe.json")
    status, _, err = _run(capsys, *command, str(folder))
    assert status == 1
    assert f"{folder / 'pipe.json'}: $: a FIFO, not a regular file; not read" in err


@pytest.mark.parametrize("command", [["report"], *COMMANDS])
def test_document_over_the_size_cap(tmp_path, capsys, monkeypatch, command):
    folder = _folder(tmp_path)
    monkeypatch.setattr(records_io, "MAX_DOCUMENT_BYTES", 100)
    # iter_sources reads its default when defined: patch the default too.
    defaults = {**records_io.iter_sources.__kwdefaults__, "max_bytes": 100}
    monkeypatch.setattr(records_io.iter_sources, "__kwdefaults__", defaults)
    source = str(folder / "a.json") if command == ["report"] else str(folder)
    status, _, err = _run(capsys, *command, source)
    assert status == 1
    assert "$: document larger than max_bytes=100 bytes" in err


_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
# Python sets sys.stdout to None when the process starts with fd 1 closed
# (`incidentkit report >&-`); the child does the same by hand.
_CLOSED_STDOUT = (
    "import os, sys; os.close(1); sys.stdout = None; "
    "from incidentkit.cli import main; sys.exit(main(['report']))"
)


def test_standard_output_closed():
    done = subprocess.run(  # our own interpreter
        [sys.executable, "-c", _CLOSED_STDOUT],
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        env=_ENV,
    )
    assert done.returncode == 1
    assert done.stderr == "incidentkit: standard output is closed; nothing written\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_disk_full():
    with open("/dev/full", "w") as full:
        done = subprocess.run(  # our own interpreter and module
            [sys.executable, "-m", "incidentkit", "report"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            env=_ENV,
        )
    assert done.returncode == 1
    assert done.stderr == (
        "incidentkit: cannot write the output (No space left on device)\n"
    )


def test_too_many_resamples(capsys):
    status, _, err = _run(
        capsys, "stats", "--by", "service", "--ci", "--resamples", "10000000000"
    )
    assert status == 2
    assert "argument --resamples: expected at most 1,000,000 resamples" in err
