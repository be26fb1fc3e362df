from __future__ import annotations

import io
import json
import math
import re
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import incidentkit as ik
from conftest import EXAMPLE_PATH, STATUSPAGE_CORPUS
from incidentkit import cli
from incidentkit.cli import _output, main

LINE = re.compile(
    r"^(?P<source>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>IK\d{3}) "
    r"\[(?P<level>error|warning|info)\] (?P<message>.+)$"
)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --- report -----------------------------------------------------------------------


def test_report_without_a_file_reports_on_the_bundled_example(capsys):
    status, out, err = _run(capsys, "report", "--as-of", "2024-01-30")
    assert status == 0, err
    assert out.startswith("INC-2024-0142 · Payment Service Degradation\n")
    for section in (
        "Milestones",
        "Durations",
        "Phases",
        "Communications",
        "Impact score",
        "Action items",
        "Findings",
    ):
        assert f"\n{section}" in out
    # time_to_resolve: trigger 14:15 → resolved 16:45 = 2 h 30 min.
    assert re.search(r"time_to_resolve\s+2h 30m\s+started → resolved", out)
    # The 14:45 update promised the next within 15 min; it came at 15:20.
    assert "2 made, 1 broken" in out


def test_report_json_is_complete_and_in_seconds(capsys):
    status, out, _ = _run(capsys, "report", "--format", "json", "--as-of", "2024-01-30")
    assert status == 0
    data = json.loads(out)
    assert data["schema_version"] == cli.JSON_SCHEMA_VERSION
    assert data["as_of"] == "2024-01-30"
    assert data["incident"]["id"] == "INC-2024-0142"
    assert data["incident"]["severity_level"] == 1
    assert data["milestones"]["started"] == "2024-01-15T14:15:00Z"
    assert data["milestones"]["identified"] == "2024-01-15T14:45:00Z"
    # By hand: 14:15 → 16:45 is 150 min = 9000 s; 14:23 → 16:45 is 142 min.
    assert data["figures"]["time_to_resolve"] == 9000.0
    assert data["figures"]["time_open"] == 142 * 60
    assert list(data["phases"]) == list(ik.figures.timeline.PHASE_NAMES)
    # Phases 5, 3, 22, 45, 75 minutes.
    assert [v / 60 for v in data["phases"].values()] == [5, 3, 22, 45, 75]
    comms = data["communications"]
    # First external update 14:30, declared 14:23: 7 min.
    assert comms["time_to_first_update"] == 420.0
    assert comms["gaps"] == [15 * 60, 35 * 60, 90 * 60]
    assert comms["broken_promises"] == 1
    impact = data["impact"]
    total = sum(part["contribution"] for part in impact["components"].values())
    assert impact["score"] == pytest.approx(total)
    # 12,500 affected users × 75 min (14:15 → 15:30 mitigated).
    assert impact["user_minutes"] == 12_500 * 75
    items = data["action_items"]
    assert items["count"] == 5
    assert items["required_types"] == ["detection", "prevention"]
    assert {"code", "level", "path", "message"} <= set(data["findings"][0])


def test_report_json_figures_computed_by_hand(capsys):
    status, out, _ = _run(capsys, "report", "--format", "json", "--as-of", "2024-01-30")
    assert status == 0
    data = json.loads(out)
    # The impact score from example.json by the documented formula (weights
    # add up to 100): 45 % of users, 12,500 users, 2 regions, partial
    # degradation, no workaround, 75 min (14:15 trigger → 15:30 last
    # mitigation), revenue "high", 342 failed transactions, $28,500 lost.
    points = {
        "users_share": 10 * 0.45,
        "users_count": 10 * math.log10(1 + 12_500) / 7,
        "regions": 5 * 2 / 5,
        "degradation": 10 * 0.5,
        "no_workaround": 5 * 1.0,
        "duration": 15 * math.log1p(75) / math.log1p(7 * 24 * 60),
        "revenue_level": 7 * 0.75,
        "failed_transactions": 6 * math.log10(1 + 342) / 6,
        "revenue_lost": 7 * math.log10(1 + 28_500) / 7,
    }
    assert data["impact"]["score"] == pytest.approx(sum(points.values()), rel=1e-12)
    for name, value in points.items():
        assert data["impact"]["components"][name]["contribution"] == pytest.approx(
            value, rel=1e-12
        )
    # The findings, read off the example by hand (as of 2024-01-30):
    # items 0 and 2 are open and due 2024-01-22 and 2024-01-29 (IK508);
    # item 1 is P1 and due 17 days after the resolution (IK503); the 14:45
    # update promised the next within 15 min and it came at 15:20 (IK404);
    # SEV1 allows 30 min between updates and two gaps are 35 min and 90 min
    # (IK403 twice); signals name order-service, which affected_services
    # lacks (IK304).
    assert sorted((f["code"], f["path"]) for f in data["findings"]) == sorted(
        [
            ("IK508", "action_items[0].deadline"),
            ("IK503", "action_items[1].deadline"),
            ("IK508", "action_items[2].deadline"),
            ("IK404", "communications[2].message"),
            ("IK403", "communications[3].timestamp"),
            ("IK403", "communications[4].timestamp"),
            ("IK304", "signals.dependent_services[2]"),
        ]
    )


def test_report_markdown_escapes_record_text(tmp_path, capsys, example_doc):
    example_doc["incident"]["title"] = "a | b <script>x</script>"
    path = _write(tmp_path / "inc.json", example_doc)
    status, out, _ = _run(capsys, "report", str(path), "--format", "markdown")
    assert status == 0
    assert out.startswith("## INC-2024-0142 · a \\| b &lt;script&gt;x&lt;/script&gt;")
    assert "<script>" not in out
    assert "| figure | duration | from → to |" in out


def test_report_on_an_unknown_severity(tmp_path, capsys, example_doc):
    example_doc["incident"]["severity"] = None
    path = _write(tmp_path / "inc.json", example_doc)
    status, out, err = _run(capsys, "report", str(path), "--as-of", "2024-01-30")
    # Unknown is not an error: no IK103, an IK104 info instead.
    assert status == 0, err
    assert "severity unknown · status resolved" in out
    assert "IK103" not in out
    assert "IK104" in out
    status, out, _ = _run(capsys, "report", str(path), "--format", "json")
    incident = json.loads(out)["incident"]
    assert (incident["severity"], incident["severity_level"]) == (None, None)


def test_report_on_another_format(capsys):
    doc = next(iter(sorted(STATUSPAGE_CORPUS.glob("*.json"))), None)
    if doc is None:
        pytest.skip("the Statuspage corpus is not available")
    status, out, err = _run(
        capsys, "report", str(doc), "--input-format", "statuspage", "--format", "json"
    )
    assert status == 0, err
    assert json.loads(out)["incident"]["id"] == doc.stem


def test_report_missing_file_is_a_clean_error(tmp_path, capsys):
    missing = tmp_path / "nope.json"
    status, out, err = _run(capsys, "report", str(missing))
    assert status == 1
    assert out == ""
    assert err == f"{missing}: $: no such file or folder\n"


def test_report_bad_document_lists_every_problem(tmp_path, capsys, example_doc):
    example_doc["events"][3]["timestamp"] = "2024-01-15 14:20"
    example_doc["impact"]["affected_users_percentage"] = 145
    path = _write(tmp_path / "bad.json", example_doc)
    status, out, err = _run(capsys, "report", str(path))
    assert status == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}: events[3].timestamp: ")
    assert lines[1].startswith(f"{path}: impact.affected_users_percentage: ")
    assert "Traceback" not in err


def test_report_input_format_needs_a_file(capsys):
    status, _, err = _run(capsys, "report", "--input-format", "statuspage")
    assert status == 2
    assert "needs a FILE" in err


def test_report_on_a_folder_is_a_clean_error(tmp_path, capsys):
    status, _, err = _run(capsys, "report", str(tmp_path))
    assert status == 1
    assert err.startswith(f"{tmp_path}: $: is a folder")


# --- check -------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path, example_doc):
    """good.json (the example), bad.json (not a record), clean.json."""
    _write(tmp_path / "good.json", example_doc)
    (tmp_path / "bad.json").write_text('{"incident": 1}', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not read", encoding="utf-8")
    return tmp_path


def test_check_prints_findings_like_a_linter(folder, capsys):
    status, out, err = _run(capsys, "check", str(folder), "--as-of", "2024-01-30")
    assert status == 1  # bad.json fails to load
    lines = out.splitlines()
    from incidentkit.checks.engine import check

    expected = check(ik.example(), as_of=date(2024, 1, 30))
    assert len(lines) == len(expected)
    for line, finding in zip(lines, expected, strict=True):
        match = LINE.match(line)
        assert match, line
        assert match["source"] == str(folder / "good.json")
        assert (match["code"], match["level"]) == (finding.code, finding.level)
    assert f"{folder / 'bad.json'}: incident: expected a JSON object" in err
    assert "1 record checked" in err
    assert "1 failed to load" in err


def test_check_exit_status_follows_fail_on(tmp_path, capsys, example_doc):
    path = str(_write(tmp_path / "inc.json", example_doc))
    # The example has warnings but no error-level finding.
    assert _run(capsys, "check", path)[0] == 0
    assert _run(capsys, "check", path, "--fail-on", "warning")[0] == 1
    assert _run(capsys, "check", path, "--fail-on", "info")[0] == 1


def test_check_error_findings_fail(tmp_path, capsys, example_doc):
    # Resolved before it started: milestones out of order, an error.
    example_doc["incident"]["resolved_at"] = "2024-01-15T14:00:00Z"
    path = str(_write(tmp_path / "inc.json", example_doc))
    status, out, _ = _run(capsys, "check", path)
    assert status == 1
    assert " [error] " in out


def test_check_select_and_ignore(tmp_path, capsys, example_doc):
    path = str(_write(tmp_path / "inc.json", example_doc))
    _, out, _ = _run(capsys, "check", path, "--select", "IK4")
    codes = {LINE.match(line)["code"] for line in out.splitlines()}
    assert codes
    assert all(code.startswith("IK4") for code in codes)
    _, out, _ = _run(
        capsys, "check", path, "--ignore", "communications", "--ignore", "IK503"
    )
    codes = {LINE.match(line)["code"] for line in out.splitlines()}
    assert not any(code.startswith("IK4") for code in codes)
    assert "IK503" not in codes
    status, out, err = _run(capsys, "check", path, "--select", "IK999,nonsense")
    assert status == 2
    assert "--select: 'IK999' names no rule" in err


def test_check_json_output(folder, capsys):
    status, out, _ = _run(capsys, "check", str(folder), "--format", "json")
    assert status == 1
    data = json.loads(out)
    assert data["schema_version"] == cli.JSON_SCHEMA_VERSION
    assert data["checked"] == 1
    assert data["failed_to_load"] == 1
    assert data["exit_status"] == 1
    assert data["load_errors"][0]["source"] == str(folder / "bad.json")
    assert sum(data["counts"].values()) == len(data["findings"])
    assert set(data["findings"][0]) == {
        "source",
        "file",
        "line",
        "column",
        "code",
        "level",
        "path",
        "message",
    }


def test_check_markdown_output(tmp_path, capsys, example_doc):
    path = str(_write(tmp_path / "inc.json", example_doc))
    status, out, _ = _run(capsys, "check", path, "--format", "markdown")
    assert status == 0
    assert out.startswith("## incidentkit check\n")
    assert "| file | line | column | path | code | level | message |" in out
    # The same line and column as the text output gives.
    _, text, _ = _run(capsys, "check", path)
    first = LINE.match(text.splitlines()[0])
    assert first is not None
    row = f"| {first['line']} | {first['column']} | "
    assert row in out


def test_check_jsonl_names_the_line(tmp_path, capsys, example_doc):
    lines = [json.dumps(example_doc), "", '{"incident": {}}']
    path = tmp_path / "all.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = _run(capsys, "check", str(path))
    assert status == 1
    assert all(line.startswith(f"{path}:1:") for line in out.splitlines())
    assert err.startswith(f"{path}:3: incident.")


def test_check_missing_source(tmp_path, capsys):
    missing = tmp_path / "gone"
    status, _out, err = _run(capsys, "check", str(missing), str(EXAMPLE_PATH))
    assert status == 1
    assert err.startswith(f"{missing}: $: no such file or folder\n")
    assert "Traceback" not in err


def test_check_as_of_runs_the_overdue_rule(tmp_path, capsys, example_doc):
    path = str(_write(tmp_path / "inc.json", example_doc))
    _, out, _ = _run(capsys, "check", path, "--as-of", "none")
    assert ": IK508 " not in out  # no day, no clock
    # Items 0 and 2 are due before 2024-01-30 and not done.
    _, out, _ = _run(capsys, "check", path, "--as-of", "2024-01-30")
    assert out.count(": IK508 ") == 2
    # By default, today: as report judges them. The example's deadlines
    # (all of 2024) are past, so every item not done is overdue.
    default = _run(capsys, "check", path)[1]
    assert default == _run(capsys, "check", path, "--as-of", "today")[1]
    not_done = [i for i in example_doc["action_items"] if i.get("status") != "done"]
    assert default.count(": IK508 ") == len(not_done)


def test_check_other_input_format(capsys):
    docs = sorted(STATUSPAGE_CORPUS.glob("*.json"))[:3]
    if not docs:
        pytest.skip("the Statuspage corpus is not available")
    status, _, err = _run(
        capsys, "check", *map(str, docs), "--input-format", "statuspage"
    )
    assert status in (0, 1)
    assert "3 records checked" in err


# --- stats -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def incidents(tmp_path_factory):
    """300 synthetic incidents as JSONL, and their records."""
    from incidentkit import synth

    path = tmp_path_factory.mktemp("stats") / "incidents.jsonl"
    synth.write_jsonl(path, 300, seed=4)
    return path, list(synth.generate(300, seed=4))


def _by_severity(records):
    """time_to_resolve in seconds per severity level, with a plain loop."""
    from incidentkit.figures.incident import phase_durations

    values: dict[int, list[float]] = {}
    missing: dict[int, int] = {}
    for rec in records:
        level = rec.incident.severity_level
        span = phase_durations(rec).time_to_resolve
        if span is None:
            missing[level] = missing.get(level, 0) + 1
        else:
            values.setdefault(level, []).append(span.total_seconds())
    return values, missing


def test_stats_json_matches_a_plain_loop(incidents, capsys):
    path, records = incidents
    status, out, err = _run(
        capsys, "stats", str(path), "--by", "severity", "--format", "json"
    )
    assert status == 0, err
    data = json.loads(out)
    assert data["metric"] == "time_to_resolve"
    assert data["unit"] == "seconds"
    assert data["incidents"] == 300
    assert data["ungrouped"] == 0
    assert data["failed_to_load"] == 0
    values, missing = _by_severity(records)
    assert [group["group"] for group in data["groups"]] == sorted(values)
    for group in data["groups"]:
        sample = values[group["group"]]
        assert group["count"] == len(sample)
        assert group["missing"] == missing.get(group["group"], 0)
        assert group["median"] == pytest.approx(statistics.median(sample))
        assert group["max"] == max(sample)
        assert "median_ci" not in group


def test_stats_intervals_are_seeded(incidents, capsys):
    path, _ = incidents
    argv = [
        "stats",
        str(path),
        "--by",
        "severity",
        "--ci",
        "--interval-method",
        "bootstrap",
        "--resamples",
        "200",
        "--seed",
        "3",
        "--format",
        "json",
    ]
    first = json.loads(_run(capsys, *argv)[1])
    again = json.loads(_run(capsys, *argv)[1])
    assert first == again
    assert first["intervals"] == {
        "method": "bootstrap percentile",
        "confidence": 0.95,
        "resamples": 200,
        "seed": 3,
    }
    for group in first["groups"]:
        for stat, least in (("median", 30), ("p90", 100)):
            low, high = group[f"{stat}_ci"]
            if group["count"] < least:  # too few for the bootstrap to hold
                assert low is None
                assert group[f"{stat}_ci_reason"].startswith("too few incidents")
            else:
                assert low <= group[stat] <= high


def test_stats_text_and_markdown(incidents, capsys):
    path, _records = incidents
    status, out, _ = _run(capsys, "stats", str(path), "--by", "severity", "--ci")
    assert status == 0
    assert out.startswith("time_to_resolve by severity\n300 incidents in 5 groups\n")
    assert re.search(
        r"^\s+severity\s+count\s+missing\s+zero\s+invalid\s+median\s+median CI",
        out,
        re.M,
    )
    assert re.search(r"^\s+SEV0\s+\d", out, re.M)
    status, out, _ = _run(
        capsys, "stats", str(path), "--by", "month", "--format", "markdown"
    )
    assert status == 0
    assert out.startswith("## time_to_resolve by month\n")
    assert re.search(r"^\| \d{4}-\d{2} \| ", out, re.M)


def test_stats_number_metric_and_bad_metric(incidents, capsys):
    path, _ = incidents
    status, out, _ = _run(
        capsys,
        "stats",
        str(path),
        "--by",
        "service",
        "--metric",
        "impact_score",
        "--format",
        "json",
    )
    assert status == 0
    assert json.loads(out)["unit"] is None
    status, _, err = _run(
        capsys, "stats", str(path), "--by", "service", "--metric", "mttr"
    )
    assert status == 2
    assert "--metric: not a metric: 'mttr'" in err


def test_stats_load_errors_are_reported_and_fail(tmp_path, capsys, example_doc):
    _write(tmp_path / "a.json", example_doc)
    (tmp_path / "b.json").write_text("{", encoding="utf-8")
    status, out, err = _run(capsys, "stats", str(tmp_path), "--by", "severity")
    assert status == 1
    assert "SEV1" in out  # the documents that loaded still count
    assert err.startswith(f"{tmp_path / 'b.json'}: $: not valid JSON")
    missing = tmp_path / "nothing.jsonl"
    status, out, err = _run(capsys, "stats", str(missing), "--by", "severity")
    assert (status, out) == (1, "")
    assert err == f"{missing}: $: no such file or folder\n"


def test_stats_on_statuspage_documents(capsys):
    if not STATUSPAGE_CORPUS.exists():
        pytest.skip("the Statuspage corpus is not available")
    status, out, err = _run(
        capsys,
        "stats",
        str(STATUSPAGE_CORPUS),
        "--by",
        "severity",
        "--input-format",
        "statuspage",
        "--format",
        "json",
    )
    assert status == 0, err
    data = json.loads(out)
    assert data["incidents"] == len(list(STATUSPAGE_CORPUS.glob("*.json")))


# --- progress ---------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_over_the_threshold(
    tmp_path, monkeypatch, example_doc
):
    for number in range(3):
        _write(tmp_path / f"{number}.json", example_doc)
    monkeypatch.setattr(_output, "PROGRESS_THRESHOLD", 3)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main(["check", str(tmp_path)]) == 0
    assert "\rchecking [" in terminal.getvalue()
    assert "3/3 100%" in terminal.getvalue()

    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    assert main(["check", str(tmp_path)]) == 0
    assert "\r" not in pipe.getvalue()

    monkeypatch.setattr(_output, "PROGRESS_THRESHOLD", 4)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["check", str(tmp_path)]) == 0
    assert "\r" not in terminal.getvalue()


def test_stats_progress_reads_in_slices(tmp_path, monkeypatch, example_doc):
    for number in range(3):
        _write(tmp_path / f"{number}.json", example_doc)
    monkeypatch.setattr(_output, "PROGRESS_THRESHOLD", 3)
    terminal = _Terminal()
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["stats", str(tmp_path), "--by", "severity", "--format", "json"]) == 0
    assert "\rloading [" in terminal.getvalue()
    assert json.loads(out.getvalue())["groups"][0]["count"] == 3


# --- the command line itself ---------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["report"], ["check"], ["stats"]])
def test_help_has_examples(capsys, command):
    status, out, _ = _run(capsys, *command, "--help")
    assert status == 0
    assert "examples:" in out
    assert "--format" in out or not command


def test_usage_errors_exit_2(capsys):
    assert _run(capsys)[0] == 2
    assert _run(capsys, "frobnicate")[0] == 2
    assert _run(capsys, "check")[0] == 2  # needs a source
    assert _run(capsys, "report", "--format", "yaml")[0] == 2
    assert _run(capsys, "report", "--as-of", "yesterday")[0] == 2
    assert _run(capsys, "check", "x.json", "--fail-on", "fatal")[0] == 2


def test_version(capsys):
    status, out, _ = _run(capsys, "--version")
    assert status == 0
    assert out.strip() == f"incidentkit {ik.__version__}"


def test_python_dash_m_runs_the_command():
    # The one real subprocess: the module entry point, exit status and JSON.
    done = subprocess.run(
        [sys.executable, "-m", "incidentkit", "report", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["incident"]["id"] == "INC-2024-0142"


# --- argument checks and untrusted text ----------------------------------------


def test_negative_or_non_integer_seed_is_a_usage_error(incidents, capsys):
    path, _ = incidents
    for seed in ("-1", "x", "1.5"):
        status, out, err = _run(
            capsys, "stats", str(path), "--by", "severity", "--ci", "--seed", seed
        )
        assert status == 2
        assert out == ""
        assert f"argument --seed: expected a non-negative integer, got {seed!r}" in err
        assert "Traceback" not in err
    status, _, err = _run(
        capsys, "stats", str(path), "--by", "severity", "--ci", "--seed", "0"
    )
    assert status == 0, err


def test_empty_select_is_a_usage_error(tmp_path, capsys, example_doc):
    path = str(_write(tmp_path / "inc.json", example_doc))
    # An unset $RULES in CI must not turn the linter into a no-op.
    for empty in ("", " ", ",", " , "):
        status, out, err = _run(capsys, "check", path, "--select", empty)
        assert status == 2
        assert out == ""
        assert "argument --select: expected one or more comma-separated" in err
    # An empty --ignore ignores nothing, as before.
    assert _run(capsys, "check", path, "--ignore", "")[0] == 0


# ESC-based colour, a C1 CSI (U+009B), NUL, a window-title OSC ending in BEL,
# and a right-to-left override.
EVIL_TITLE = "\x1b[31mred\x9b2J\x07"
EVIL_ID = "\u202e\u0000x"
EVIL_SERVICE = "svc\x1b]0;pwn\x07"
UNSAFE_CHARACTER = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _unmarked(text: str, output: str) -> str:
    """Markdown text as a reader sees it: the backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", text) if output == "markdown" else text


@pytest.fixture
def evil_doc(example_doc):
    example_doc["incident"]["title"] = EVIL_TITLE
    example_doc["incident"]["id"] = EVIL_ID
    example_doc["incident"]["service"] = EVIL_SERVICE
    example_doc["incident"]["affected_services"][0] = EVIL_SERVICE
    return example_doc


@pytest.mark.parametrize("output", ["text", "markdown"])
def test_report_shows_control_characters_as_escapes(tmp_path, capsys, evil_doc, output):
    path = str(_write(tmp_path / "inc.json", evil_doc))
    status, out, err = _run(
        capsys, "report", path, "--as-of", "2024-01-30", "--format", output
    )
    assert status == 0, err
    assert UNSAFE_CHARACTER.search(out + err) is None
    # Markdown doubles the backslash and escapes the bracket; both render
    # as the character alone.
    heading = _unmarked(out.splitlines()[0], output)
    assert "\\u202e\\x00x · \\x1b[31mred\\x9b2J\\x07" in heading


@pytest.mark.parametrize("output", ["text", "markdown"])
def test_check_shows_control_characters_as_escapes(tmp_path, capsys, evil_doc, output):
    name = "bad\x1b[2Jname.json"
    path = str(_write(tmp_path / name, evil_doc))
    _, out, err = _run(capsys, "check", path, "--format", output)
    assert UNSAFE_CHARACTER.search(out + err) is None
    assert "svc\\x1b]0;pwn\\x07" in _unmarked(out, output)
    assert "bad\\x1b[2Jname.json" in _unmarked(out, output)


def test_load_errors_show_control_characters_as_escapes(tmp_path, capsys):
    path = str(tmp_path / "bad\x1b[2J.json")
    Path(path).write_text("{", encoding="utf-8")
    status, _, err = _run(capsys, "check", path)
    assert status == 1
    assert UNSAFE_CHARACTER.search(err) is None
    assert "bad\\x1b[2J.json" in err


@pytest.mark.parametrize("output", ["text", "markdown"])
def test_stats_shows_control_characters_as_escapes(tmp_path, capsys, evil_doc, output):
    path = _write(tmp_path / "inc.json", evil_doc)
    status, out, err = _run(
        capsys, "stats", str(path), "--by", "service", "--format", output
    )
    assert status == 0, err
    assert UNSAFE_CHARACTER.search(out) is None
    row = next(line for line in out.splitlines() if "svc" in line)
    assert "svc\\x1b]0;pwn\\x07" in _unmarked(row, output)


def test_json_output_escapes_control_characters_and_keeps_the_data(
    tmp_path, capsys, evil_doc
):
    path = str(_write(tmp_path / "inc.json", evil_doc))
    status, out, _ = _run(
        capsys, "report", path, "--as-of", "2024-01-30", "--format", "json"
    )
    assert status == 0
    assert UNSAFE_CHARACTER.search(out.replace("\n", "")) is None
    assert "\\u009b" in out
    assert "\\u202e" in out
    data = json.loads(out)
    assert data["incident"]["title"] == EVIL_TITLE
    assert data["incident"]["id"] == EVIL_ID


# --- finding the records (#14) -----------------------------------------------------


def _repository(tmp_path, example_doc):
    """pm/2024/inc1.json (the example), pm/2025/broken.json, hidden copies."""
    root = tmp_path / "pm"
    for sub in ("2024", "2025", ".git", "2025/.drafts"):
        (root / sub).mkdir(parents=True)
    _write(root / "2024" / "inc1.json", example_doc)
    (root / "2025" / "broken.json").write_text('{"incident": {"id": "x"}}')
    (root / ".git" / "copy.json").write_text("not read")
    (root / "2025" / ".drafts" / "draft.json").write_text("not read")
    return root


def test_check_walks_folders_recursively_skipping_hidden_ones(
    tmp_path, capsys, example_doc
):
    root = _repository(tmp_path, example_doc)
    status, out, err = _run(capsys, "check", str(root))
    assert status == 1  # broken.json does not load: no silent pass
    assert f"{root / '2025' / 'broken.json'}: incident.title" in err
    assert {LINE.match(line)["source"] for line in out.splitlines()} == {
        str(root / "2024" / "inc1.json")
    }
    assert "1 record checked" in err
    assert "1 failed to load" in err
    assert "copy.json" not in err + out
    assert "draft.json" not in err + out


def test_exclude_replaces_the_default_and_extend_exclude_adds(
    tmp_path, capsys, example_doc
):
    root = _repository(tmp_path, example_doc)
    # Without the default, the hidden copies are read (and fail to load).
    _, _, err = _run(capsys, "check", str(root), "--exclude", "2025")
    assert "copy.json" in err
    assert "broken.json" not in err
    status, _, err = _run(capsys, "check", str(root), "--extend-exclude", "2025")
    assert status == 0
    assert "copy.json" not in err
    assert "1 record checked" in err
    status, _, err = _run(capsys, "check", str(root), "--extend-exclude", "*/broken*")
    assert status == 0, err


def test_quoted_globs_are_expanded(tmp_path, capsys, example_doc):
    root = _repository(tmp_path, example_doc)
    status, _, err = _run(capsys, "check", f"{root}/**/*.json")
    assert status == 1
    assert "1 record checked" in err
    assert "1 failed to load" in err
    assert "copy.json" not in err  # like a shell, * does not match hidden names
    status, _, err = _run(capsys, "check", f"{root}/2024/*.json")
    assert (status, "1 record checked" in err) == (0, True)
    status, _, err = _run(capsys, "check", f"{root}/2023/*.json")
    assert status == 1
    assert f"{root}/2023/*.json: $: no file or folder matches this pattern" in err


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_checking_nothing_is_a_usage_error(tmp_path, capsys, example_doc, output):
    empty = tmp_path / "empty"
    empty.mkdir()
    status, out, err = _run(capsys, "check", str(empty), "--format", output)
    assert status == 2
    assert out == ""
    assert err.startswith(f"incidentkit check: no record found in {empty} ")
    assert "--exclude skips .*" in err
    # Everything excluded is nothing found too.
    root = _repository(tmp_path, example_doc)
    status, _, err = _run(capsys, "check", str(root), "--exclude", "20*,.*")
    assert status == 2
    assert "--exclude skips 20*, .*" in err


def test_report_and_check_agree_on_the_same_record(tmp_path, capsys, example_doc):
    path = str(_write(tmp_path / "inc.json", example_doc))
    for as_of in ([], ["--as-of", "2024-01-30"], ["--as-of", "none"]):
        _, out, _ = _run(capsys, "check", path, "--format", "json", *as_of)
        checked = json.loads(out)["findings"]
        _, out, _ = _run(capsys, "report", path, "--format", "json", *as_of)
        reported = json.loads(out)["findings"]
        # check adds where each finding is written; the rest is the same.
        located = ("file", "line", "column")
        shown = [{k: v for k, v in f.items() if k not in located} for f in checked]
        assert [dict(f, source=path) for f in reported] == shown


def test_report_exit_status_follows_fail_on(tmp_path, capsys, example_doc):
    path = str(_write(tmp_path / "inc.json", example_doc))
    assert _run(capsys, "report", path)[0] == 0  # warnings only
    assert _run(capsys, "report", path, "--fail-on", "warning")[0] == 1
    assert _run(capsys, "report", path, "--fail-on", "warning", "--ignore",
                "IK3,IK4,IK5")[0] == 0  # fmt: skip
    example_doc["incident"]["resolved_at"] = "2024-01-15T14:00:00Z"
    path = str(_write(tmp_path / "bad.json", example_doc))
    for output in ("text", "json", "markdown"):
        assert _run(capsys, "report", path, "--format", output)[0] == 1
    assert _run(capsys, "check", path)[0] == 1


def test_report_as_of_none_judges_no_deadline(capsys):
    status, out, _ = _run(capsys, "report", "--as-of", "none", "--format", "json")
    data = json.loads(out)
    assert (status, data["as_of"], data["action_items"]["overdue"]) == (0, None, None)
    assert all(f["code"] != "IK508" for f in data["findings"])
    _, out, _ = _run(capsys, "report", "--as-of", "none")
    assert "deadlines not judged" in out


def test_check_text_names_line_and_column_of_each_finding(
    tmp_path, capsys, example_doc
):
    # Pretty-printed, so that each key has a line of its own: the expected
    # line of a path is found by searching the text for its key, by hand.
    text = json.dumps(example_doc, indent=2)
    path = tmp_path / "inc.json"
    path.write_text(text, encoding="utf-8")
    _, out, _ = _run(capsys, "check", str(path), "--as-of", "none")
    lines = text.splitlines()
    # IK503 at action_items[1].deadline: the second "deadline" key.
    deadlines = [n for n, line in enumerate(lines, 1) if '"deadline":' in line]
    column = lines[deadlines[1] - 1].index('"deadline"') + 1
    assert f"{path}:{deadlines[1]}:{column}: IK503 [warning] " in out


def test_check_jsonl_line_is_the_files_line(tmp_path, capsys, example_doc):
    line = json.dumps(example_doc)
    path = tmp_path / "all.jsonl"
    path.write_text("\n" + line + "\n", encoding="utf-8")
    _, out, _ = _run(capsys, "check", str(path), "--as-of", "none")
    # signals.dependent_services[2] is "order-service", the list's third.
    column = line.index('"order-service"', line.index('"dependent_services"')) + 1
    assert f"{path}:2:{column}: IK304 [warning] " in out


def test_check_github_json_lines_statistics_and_exit_zero(
    tmp_path, capsys, example_doc
):
    path = tmp_path / "a,b.json"
    _write(path, example_doc)
    args = ("check", str(path), "--as-of", "none", "--fail-on", "warning")
    status, out, _ = _run(capsys, *args, "--output-format", "github")
    assert status == 1
    first = out.splitlines()[0]
    # "," and ":" in a property would end it: escaped as GitHub documents.
    assert first.startswith(f"::warning file={str(path).replace(',', '%2C')},line=")
    assert ",title=IK503 deadline-beyond-policy::IK503 " in first
    status, out, _ = _run(capsys, *args, "--output-format", "json-lines", "--exit-zero")
    assert status == 0
    rows = [json.loads(row) for row in out.splitlines()]
    assert [row["code"] for row in rows] == [
        "IK503",
        "IK404",
        "IK403",
        "IK403",
        "IK304",
    ]
    _, _, err = _run(capsys, *args, "--statistics")
    assert "2  IK403  [warning] " in err
    assert "1  IK503  [warning] deadline-beyond-policy" in err


@pytest.mark.parametrize("command", ["report", "stats"])
def test_text_markdown_and_html_show_one_report_model(capsys, command):
    # The three formats render the same model (incidentkit.render.document):
    # the same facts appear in each, escaped by its own rule.
    extra = (
        [str(ik.example_path()), "--by", "severity"]
        if command == "stats"
        else ["--as-of", "2024-01-30"]
    )
    outputs = {}
    for fmt in ("text", "markdown", "html"):
        status, out, _ = _run(capsys, command, *extra, "--format", fmt)
        assert status in (0, 1)
        outputs[fmt] = out
    assert outputs["html"].startswith('<div class="incidentkit">')
    if command == "report":
        for fmt, out in outputs.items():
            assert "Payment Service Degradation" in out, fmt
            assert "payment-gateway" in out, fmt
