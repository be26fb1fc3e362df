"""Format detection: ``detect_format``, ``format="auto"`` and the CLI's default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import incidentkit as ik
from conftest import EXAMPLE_PATH
from incidentkit.cli import main
from incidentkit.formats import detect_format

FIXTURES = Path(__file__).parent / "fixtures"
# tests/fixtures/sarif holds the SARIF schema, not an incident document.
FIXTURE_FILES = sorted(
    path
    for path in FIXTURES.rglob("*.json")
    if path.relative_to(FIXTURES).parts[0] != "sarif"
)
#: One single-incident fixture per format, for the command line.
ONE_PER_FORMAT = {
    "statuspage": FIXTURES / "statuspage" / "00km0kwpz23b.json",
    "pagerduty": FIXTURES / "pagerduty" / "webhook-v2-resolve.json",
    "incidentio": FIXTURES / "incidentio" / "openapi-get-incident.json",
}


def _name(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def test_there_are_fixtures_of_every_format():
    folders = {path.relative_to(FIXTURES).parts[0] for path in FIXTURE_FILES}
    assert folders == {"statuspage", "pagerduty", "incidentio"}


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_name)
def test_every_fixture_is_detected_as_its_folders_format(path):
    expected = path.relative_to(FIXTURES).parts[0]
    assert detect_format(json.loads(path.read_bytes())) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"incident": {"declared_at": "2024-03-01T09:00:00Z"}}, "incidentkit"),
        ({"incident": {"incident_updates": []}}, "statuspage"),
        ({"page": {"id": "p"}, "incident": {}}, "statuspage"),
        ({"page": {"id": "p"}, "incidents": []}, "statuspage"),
        ({"page": {"id": "p"}, "scheduled_maintenances": []}, "statuspage"),
        ({"incidents": [{"id": "a", "incident_updates": []}]}, "statuspage"),
        ({"log_entries": []}, "pagerduty"),
        ({"incident": {"type": "incident"}}, "pagerduty"),
        ({"type": "incident", "id": "PT4KHLK"}, "pagerduty"),
        ([{"type": "incident"}, {"declared_at": "x"}], "pagerduty"),
        ({"follow_ups": []}, "incidentio"),
        ({"incident": {"incident_status": {"category": "live"}}}, "incidentio"),
        ({"incident": {"severity": {"name": "Major"}}}, "incidentio"),
        ({"incidents": [{"severity": {"name": "Minor"}}]}, "incidentio"),
        # Shapes that name no format: read as incidentkit's own.
        ({"incident": {"severity": "SEV2"}}, None),
        ({"incident": "INC-1"}, None),
        ({"incidents": []}, None),
        ({"title": "x"}, None),
        ([], None),
        ("incident", None),
        (None, None),
    ],
)
def test_detect_format_reads_the_top_level_keys(data, expected):
    assert detect_format(data) == expected


def test_the_bundled_example_is_incidentkits_own():
    assert detect_format(json.loads(EXAMPLE_PATH.read_bytes())) == "incidentkit"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_name)
def test_auto_reads_each_fixture_as_its_format_does(path):
    fmt = path.relative_to(FIXTURES).parts[0]
    auto = ik.load_many([path], format="auto", errors="collect")
    named = ik.load_many([path], format=fmt, errors="collect")
    assert auto.records == named.records
    assert auto.sources == named.sources
    assert [e.errors for e in auto.errors] == [e.errors for e in named.errors]


def test_auto_reads_a_single_document_with_load():
    path = ONE_PER_FORMAT["pagerduty"]
    assert ik.load(path, format="auto") == ik.load(path, format="pagerduty")
    assert ik.load(EXAMPLE_PATH, format="auto") == ik.load(EXAMPLE_PATH)


def test_auto_reads_a_table():
    table = ik.load_table(FIXTURES / "statuspage", format="auto")
    assert len(table) == len(
        ik.load_table(FIXTURES / "statuspage", format="statuspage")
    )


def test_an_unrecognised_document_names_its_fields_and_the_formats():
    with pytest.raises(ik.ValidationError) as info:
        ik.from_dict({"incident": {"title": "x"}}, format="auto")
    errors = info.value.errors
    assert "incident.declared_at: required field is missing" in errors
    assert errors[-1].startswith("$: matches none of the formats")
    assert errors[-1].endswith(
        "(one of incidentkit, statuspage, pagerduty, incidentio)"
    )


def test_an_unknown_format_lists_auto():
    with pytest.raises(ik.ValidationError, match=r"one of .*, auto\)"):
        ik.from_dict({}, format="autodetect")


# --- the command line -------------------------------------------------------------


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("fmt", sorted(ONE_PER_FORMAT))
def test_check_detects_the_format_without_input_format(capsys, fmt):
    status, _, err = _run(capsys, "check", str(ONE_PER_FORMAT[fmt]))
    assert status == 0, err
    assert "required field is missing" not in err
    assert "1 record checked" in err


@pytest.mark.parametrize("fmt", sorted(ONE_PER_FORMAT))
def test_report_detects_the_format_without_input_format(capsys, fmt):
    path = ONE_PER_FORMAT[fmt]
    status, out, err = _run(capsys, "report", str(path), "--format", "json")
    assert status in (0, 1), err
    _, named, _ = _run(
        capsys, "report", str(path), "--input-format", fmt, "--format", "json"
    )
    assert json.loads(out) == json.loads(named)


def test_stats_detects_the_format_without_input_format(capsys):
    folder = FIXTURES / "statuspage"
    status, out, err = _run(capsys, "stats", str(folder), "--by", "severity")
    assert status == 0, err
    assert out.splitlines()[1].startswith("5 incidents")


def test_check_says_which_input_formats_exist(tmp_path, capsys):
    path = tmp_path / "other.json"
    path.write_text('{"ticket": {"id": 7}}', encoding="utf-8")
    status, _, err = _run(capsys, "check", str(path))
    assert status == 1
    assert f"{path}: incident: required field is missing" in err
    assert "--input-format" in err
    assert "incidentkit, statuspage, pagerduty, incidentio" in err
    assert "Traceback" not in err


def test_input_format_defaults_to_auto(capsys):
    status, out, _ = _run(capsys, "check", "--help")
    assert status == 0
    assert "(default: auto)" in " ".join(out.split())
