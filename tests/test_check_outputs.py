"""check's CI outputs (GitLab, SARIF), standard input, and --jobs.

The official SARIF 2.1.0 schema is not available offline, so these tests
check the structure the output relies on (required keys, types, levels, that
every result's rule is declared in the driver) rather than validate against
the schema itself.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import jsonschema
import pytest

import incidentkit as ik
from conftest import EXAMPLE_PATH
from incidentkit import synth
from incidentkit.checks.rules import RULES
from incidentkit.cli import check as check_command
from incidentkit.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def repo(tmp_path, example_doc):
    """The example twice (two names), a broken file, and a JSONL file."""
    (tmp_path / "a.json").write_text(json.dumps(example_doc), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text(
        json.dumps(example_doc, indent=1), encoding="utf-8"
    )
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "two.jsonl").write_text(
        json.dumps(example_doc) + "\n" + json.dumps(example_doc) + "\n",
        encoding="utf-8",
    )
    return tmp_path


def _json_lines(capsys, *argv: str) -> list[dict]:
    _, out, _ = _run(capsys, "check", *argv, "--output-format", "json-lines")
    return [json.loads(line) for line in out.splitlines()]


ARGS = ("--as-of", "2024-01-30")


def test_gitlab_code_quality_report(repo, capsys):
    expected = _json_lines(capsys, str(repo), *ARGS)
    status, out, err = _run(capsys, "check", str(repo), *ARGS, "--format", "gitlab")
    assert status == 1  # broken.json
    report = json.loads(out)
    assert isinstance(report, list)
    findings = [entry for entry in report if entry["check_name"] != "load-error"]
    assert len(findings) == len(expected)
    severities = {"error": "major", "warning": "minor", "info": "info"}
    for entry, finding in zip(findings, expected, strict=True):
        assert set(entry) == {
            "description",
            "check_name",
            "fingerprint",
            "severity",
            "location",
        }
        assert entry["check_name"] == finding["code"]
        assert entry["description"] == f"{finding['code']} {finding['message']}"
        assert entry["severity"] == severities[finding["level"]]
        assert entry["location"] == {
            "path": finding["file"],
            "lines": {"begin": finding["line"]},
        }
    (failed,) = [entry for entry in report if entry["check_name"] == "load-error"]
    assert failed["location"]["path"] == str(repo / "broken.json")
    assert failed["severity"] == "critical"
    fingerprints = [entry["fingerprint"] for entry in report]
    # Unique: GitLab keys findings on them (a repeat gets another salt).
    assert len(set(fingerprints)) == len(fingerprints)
    assert "records checked" in err
    # Stable: the same run gives the same fingerprints.
    _, again, _ = _run(capsys, "check", str(repo), *ARGS, "--format", "gitlab")
    assert [entry["fingerprint"] for entry in json.loads(again)] == fingerprints


def test_gitlab_fingerprint_ignores_moved_lines(tmp_path, capsys, example_doc):
    path = tmp_path / "inc.json"
    path.write_text(json.dumps(example_doc), encoding="utf-8")
    _, compact, _ = _run(capsys, "check", str(path), *ARGS, "--format", "gitlab")
    path.write_text(json.dumps(example_doc, indent=4), encoding="utf-8")
    _, indented, _ = _run(capsys, "check", str(path), *ARGS, "--format", "gitlab")
    before, after = json.loads(compact), json.loads(indented)
    assert [e["location"]["lines"] for e in before] != [
        e["location"]["lines"] for e in after
    ]
    assert [e["fingerprint"] for e in before] == [e["fingerprint"] for e in after]


def test_sarif_structure(repo, capsys):
    expected = _json_lines(capsys, str(repo), *ARGS)
    status, out, _ = _run(capsys, "check", str(repo), *ARGS, "--format", "sarif")
    assert status == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    assert isinstance(log["$schema"], str)
    assert "sarif" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "incidentkit"
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == sorted(RULES)
    for rule in rules:
        declared = RULES[rule["id"]]
        assert rule["name"] == declared.name
        assert rule["shortDescription"] == {"text": declared.summary}
        assert rule["fullDescription"] == {"text": declared.rationale}
        assert isinstance(rule["help"]["text"], str)
    ids = [rule["id"] for rule in rules]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    assert len(run["results"]) == len(expected)
    for result, finding in zip(run["results"], expected, strict=True):
        assert result["ruleId"] in ids
        assert ids[result["ruleIndex"]] == result["ruleId"] == finding["code"]
        assert result["level"] in {"error", "warning", "note", "none"}
        assert result["level"] == levels[finding["level"]]
        assert result["message"]["text"] == finding["message"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri == Path(finding["file"]).as_uri()
        region = location["region"]
        assert (region["startLine"], region["startColumn"]) == (
            finding["line"],
            finding["column"],
        )
        assert isinstance(region["startLine"], int)
        assert region["startLine"] >= 1
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == status
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"].startswith(str(repo / "broken.json"))


def test_sarif_relative_and_odd_names_are_uri_references(
    tmp_path, capsys, example_doc, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    Path("a b#1.json").write_text(json.dumps(example_doc), encoding="utf-8")
    _, out, _ = _run(capsys, "check", "a b#1.json", *ARGS, "--format", "sarif")
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(out)["runs"][0]["results"]
    }
    assert uris == {"a%20b%231.json"}


SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


def test_sarif_validates_against_the_official_schema(tmp_path, capsys, example_doc):
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    # The schema is draft 04, as its $schema says; a draft-04 validator
    # reads its keywords as the SARIF committee meant them.
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    validator = jsonschema.Draft4Validator(schema)
    validator.check_schema(schema)
    # Findings in several files and folders, one file with a name a URI
    # must escape, a record whose own suppressions hide two rules and name
    # one that finds nothing (IK309), a JSONL file, a list response and a
    # document that fails to load (a notification).
    suppressed = dict(example_doc, incidentkit={"ignore": ["IK503", "IK101"]})
    (tmp_path / "pm" / "2024").mkdir(parents=True)
    (tmp_path / "pm" / "a.json").write_text(json.dumps(example_doc), "utf-8")
    (tmp_path / "pm" / "2024" / "b c#1.json").write_text(
        json.dumps(suppressed, indent=1), "utf-8"
    )
    (tmp_path / "pm" / "list.json").write_text(
        json.dumps([example_doc, example_doc]), "utf-8"
    )
    (tmp_path / "pm" / "broken.json").write_text("{", "utf-8")
    (tmp_path / "two.jsonl").write_text(json.dumps(example_doc) + "\n", "utf-8")
    status, out, _ = _run(
        capsys, "check", str(tmp_path / "pm"), str(tmp_path / "two.jsonl"),
        *ARGS, "--format", "sarif",
    )  # fmt: skip
    assert status == 1
    log = json.loads(out)
    problems = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(log)
    ]
    assert problems == []
    assert log["$schema"] == schema["id"]
    (run,) = log["runs"]
    codes = {result["ruleId"] for result in run["results"]}
    assert "IK309" in codes  # the suppression of IK101 that hides nothing
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in run["results"]
    }
    assert uris == {
        (tmp_path / "pm" / "a.json").as_uri(),
        (tmp_path / "pm" / "2024" / "b c#1.json").as_uri(),
        (tmp_path / "pm" / "list.json").as_uri(),
        (tmp_path / "two.jsonl").as_uri(),
    }
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        (tmp_path / "pm" / "broken.json").as_uri()
    )


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_dash_reads_one_document_from_standard_input(capsys, monkeypatch):
    _, from_file, _ = _run(capsys, "check", str(EXAMPLE_PATH), *ARGS)
    _stdin(monkeypatch, EXAMPLE_PATH.read_bytes())
    status, out, err = _run(capsys, "check", "-", *ARGS)
    assert status == 0
    assert out == from_file.replace(str(EXAMPLE_PATH), "<stdin>")
    assert out.startswith("<stdin>:")
    assert "1 record checked" in err


def test_dash_with_a_bad_or_closed_standard_input(capsys, monkeypatch):
    _stdin(monkeypatch, b"{")
    status, out, err = _run(capsys, "check", "-")
    assert (status, out) == (1, "")
    assert err.startswith("<stdin>: $: not valid JSON")
    monkeypatch.setattr(sys, "stdin", None)
    status, _, err = _run(capsys, "check", "-")
    assert status == 1
    assert "<stdin>: $: standard input is closed" in err


@pytest.fixture
def many(tmp_path):
    """Varied synthetic records, a broken file and a JSONL file."""
    for i, doc in enumerate(synth.generate_dicts(40, seed=3, flaw_fraction=0.5)):
        folder = tmp_path / f"d{i % 3}"
        folder.mkdir(exist_ok=True)
        (folder / f"inc{i:03}.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "d1" / "broken.json").write_text('{"incident": 1}', encoding="utf-8")
    (tmp_path / "all.jsonl").write_text(
        "\n".join(json.dumps(doc) for doc in synth.generate_dicts(10, seed=4)),
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize("output", ["text", "json", "sarif"])
def test_jobs_give_the_output_of_one_process(many, capsys, monkeypatch, output):
    sources = (str(many), str(many / "all.jsonl"))
    args = ("check", *sources, *ARGS, "--format", output, "--statistics")
    one = _run(capsys, *args, "--jobs", "1")
    # A pool for any number of documents, and proof that the workers did the
    # work: this process's checker is broken, the workers import their own.
    monkeypatch.setattr(check_command, "_POOL_MIN", 2)
    monkeypatch.setattr(check_command, "_BATCH", 3)

    def broken(*_: object) -> None:
        raise AssertionError("checked in the main process")

    monkeypatch.setattr(check_command, "_check_document", broken)
    several = _run(capsys, *args, "--jobs", "2")
    assert several == one
    assert one[0] == 1  # broken.json
    if output == "text":
        assert "50 records checked" in one[2]


def test_jobs_must_be_a_positive_integer(capsys):
    status, _, err = _run(capsys, "check", str(EXAMPLE_PATH), "--jobs", "0")
    assert status == 2
    assert "--jobs" in err
    assert "'0'" in err


def test_few_documents_stay_in_one_process(capsys, monkeypatch):
    def no_pool(*_: object, **__: object) -> None:
        raise AssertionError("a pool was started")

    monkeypatch.setattr(check_command, "ProcessPoolExecutor", no_pool)
    status, out, _ = _run(capsys, "check", str(EXAMPLE_PATH), "--jobs", "4")
    assert status == 0
    assert out.count(str(EXAMPLE_PATH)) == len(
        ik.check(ik.example(), as_of=check_command._today())
    )


# --- API list responses: each element a document ------------------------------

LISTS = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    "name",
    [
        "incidentio/lists/openapi-list-incidents.json",
        "pagerduty/lists/openapi-list-incidents.json",
    ],
)
def test_check_reads_each_element_of_a_real_list_response(capsys, name):
    path = LISTS / name
    elements = json.loads(path.read_text(encoding="utf-8"))["incidents"]
    status, out, err = _run(capsys, "check", str(path), "--format", "json")
    data = json.loads(out)
    assert status == 0
    assert data["checked"] == len(elements)
    assert data["failed_to_load"] == 0
    assert "load_many" not in err


def test_check_names_each_element_of_a_json_array(capsys, tmp_path, example_doc):
    broken = {"incident": {"title": "no declared_at"}}
    path = tmp_path / "all.json"
    text = json.dumps([example_doc, broken, example_doc], indent=1)
    path.write_text(text, encoding="utf-8")
    status, out, _err = _run(
        capsys, "check", str(path), "--as-of", "2030-01-01", "--format", "json"
    )
    data = json.loads(out)
    assert status == 1
    assert data["checked"] == 2
    assert [item["source"] for item in data["load_errors"]] == [f"{path}[1]"]
    assert all(e.startswith(f"{path}[1]: ") for e in data["load_errors"][0]["errors"])
    # The same findings as the example alone, each named by its element and
    # located in the element's part of the file.
    alone = json.loads(
        _run(
            capsys,
            "check",
            str(EXAMPLE_PATH),
            "--as-of",
            "2030-01-01",
            "--format",
            "json",
        )[1]
    )["findings"]
    named = {(f["element"], f["code"], f["path"]) for f in data["findings"]}
    expected = {
        (f"{path}[{index}]", f["code"], f["path"]) for index in (0, 2) for f in alone
    }
    assert named == expected
    third_start = text.index("\n {", text.index("\n {", 3) + 1)
    third_line = text.count("\n", 0, third_start) + 2
    for finding in data["findings"]:
        assert finding["file"] == str(path)
        assert finding["source"] == finding["element"]
        if finding["element"].endswith("[2]"):
            assert finding["line"] >= third_line
    status, out, _ = _run(capsys, "check", str(path), "--as-of", "2030-01-01")
    assert f"{path}[2]:" in out
    assert f"{path}[0]:" in out


def test_report_on_a_list_response_says_to_use_check_or_stats(capsys):
    path = LISTS / "pagerduty/lists/openapi-list-incidents.json"
    status, out, err = _run(capsys, "report", str(path))
    assert status == 1
    assert out == ""
    assert str(path) in err
    assert "a list of 1 incident" in err
    assert "incidentkit check" in err
    assert "incidentkit stats" in err
