"""Settings files: incidentkit.toml and [tool.incidentkit] (#14: 2)."""

from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

import incidentkit as ik
from incidentkit.cli import check as check_command
from incidentkit.cli import main


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


FULL = """\
select = ["IK1", "IK3", "IK4", "action_items"]
ignore = ["IK404"]
levels = { IK304 = "error" }
per-file-ignores = { "archive/**" = ["IK5"] }
fail-on = "warning"
as-of = 2024-01-30
exclude = [".*", "drafts"]
extend-exclude = ["tmp"]
severity-labels = { critical = 1, major = 2 }
max-update-gap-minutes = { 1 = 20, major = 45 }
required-action-types = { critical = ["detection"] }
done-statuses = ["done", "shipped"]
deadline-days = { 1 = 10, 2 = 20 }
postmortem-max-level = 1
"""


def test_every_key_is_read(tmp_path):
    settings = ik.load_settings(_write(tmp_path, "incidentkit.toml", FULL))
    rules, policy = settings.rules, settings.policy
    assert rules.level_of("IK304") == "error"
    assert rules.level_of("IK404") is None  # ignored
    assert rules.level_of("IK201") is None  # not selected
    assert rules.level_of("IK101") == "error"
    assert rules.postmortem_max_level == 1
    assert settings.per_file_ignores == {"archive/**": ("IK5",)}
    assert (settings.fail_on, settings.as_of) == ("warning", "2024-01-30")
    assert settings.exclude == (".*", "drafts")
    assert settings.extend_exclude == ("tmp",)
    assert policy.level("Critical") == 1
    assert policy.level("major") == 2
    assert policy.communications.max_gap_by_level == {
        1: timedelta(minutes=20),
        2: timedelta(minutes=45),
    }
    assert policy.actions.required_types(1) == frozenset({"detection"})
    assert "shipped" in policy.actions.done_statuses
    assert dict(policy.deadline_days) == {1: 10, 2: 20}
    assert settings.path == str(tmp_path / "incidentkit.toml")


def test_pyproject_table_reads_the_same(tmp_path):
    text = "[project]\nname = 'pm'\n\n[tool.incidentkit]\n" + FULL
    from_pyproject = ik.load_settings(_write(tmp_path / "a", "pyproject.toml", text))
    alone = ik.load_settings(_write(tmp_path / "b", "incidentkit.toml", FULL))
    assert from_pyproject.rules == alone.rules
    assert from_pyproject.policy == alone.policy


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "fail-on = 'fatal'",
            "fail-on: expected one of error, warning, info, got 'fatal'",
        ),
        (
            "as-of = 'yesterday'",
            "as-of: expected 'today', 'none' or YYYY-MM-DD, got 'yesterday'",
        ),
        ("select = 'IK999'", "select: 'IK999' names no rule"),
        ("ignore = [1]", "ignore: expected a list of strings, got [1]"),
        (
            "levels = { IK304 = 'fatal' }",
            "levels['IK304']: must be one of error, warning, info ('fatal')",
        ),
        (
            "per-file-ignores = { 'a/*' = ['nope'] }",
            "per-file-ignores.a/*: ignore: 'nope' names no rule",
        ),
        (
            "deadline-days = { 1 = -3 }",
            "deadline-days.1: expected a whole number >= 0, got -3",
        ),
        (
            "deadline-days = { urgent = 3 }",
            "deadline-days.urgent: expected a severity level (1) or label (SEV1) as the key, got 'urgent'",  # noqa: E501
        ),
        (
            "max-update-gap-minutes = { 1 = 0 }",
            "max-update-gap-minutes.1: expected a number of minutes > 0, got 0",
        ),
        (
            "postmortem-max-level = true",
            "postmortem-max-level: expected a whole number >= 1, got True",
        ),
        (
            "exclude = '.*'\nextend-exclude = 3",
            "extend-exclude: expected a list of strings, got 3",
        ),
        ("colour = 'red'", "colour: unknown key (known: "),
        ("select = [", "$: not valid TOML: "),
    ],
)
def test_every_problem_names_the_file_the_key_and_the_value(tmp_path, text, error):
    path = _write(tmp_path, "incidentkit.toml", text + "\n")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_settings(path)
    assert any(line.startswith(f"{path}: {error}") for line in caught.value.errors), (
        caught.value.errors
    )


def test_pyproject_errors_name_the_table(tmp_path):
    path = _write(tmp_path, "pyproject.toml", "[tool.incidentkit]\nfail_on = 3\n")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_settings(path)
    assert caught.value.errors == [
        f"{path}: tool.incidentkit.fail-on: expected one of error, warning, info, got 3"
    ]


def test_every_problem_is_listed_at_once(tmp_path):
    path = _write(tmp_path, "incidentkit.toml", "fail-on = 1\nas-of = 2\nfoo = 3\n")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_settings(path)
    assert len(caught.value.errors) == 3


def test_found_by_walking_up_as_ruff_does(tmp_path):
    deep = tmp_path / "repo" / "pm" / "2024"
    deep.mkdir(parents=True)
    assert ik.find_settings(deep) is None
    # A pyproject.toml without the table says nothing about postmortems.
    _write(tmp_path / "repo", "pyproject.toml", "[project]\nname = 'x'\n")
    assert ik.find_settings(deep) is None
    _write(tmp_path / "repo", "pyproject.toml", "[tool.incidentkit]\n")
    assert ik.find_settings(deep) == tmp_path / "repo" / "pyproject.toml"
    # The nearest folder wins; in one folder, incidentkit.toml wins.
    _write(tmp_path / "repo" / "pm", "pyproject.toml", "[tool.incidentkit]\n")
    _write(tmp_path / "repo" / "pm", "incidentkit.toml", "")
    assert (
        ik.find_settings(deep / "inc.json")
        == tmp_path / "repo" / "pm" / "incidentkit.toml"
    )


def test_per_file_ignores_match_paths_relative_to_the_file(tmp_path):
    settings = ik.load_settings(_write(tmp_path, "incidentkit.toml", FULL))
    assert settings.ignored_in(str(tmp_path / "archive" / "2019" / "a.json")) == (
        "IK5",
    )
    assert settings.ignored_in(str(tmp_path / "current" / "a.json")) == ()


# --- the command line --------------------------------------------------------------


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def repo(tmp_path, example_doc):
    (tmp_path / "pm" / "archive").mkdir(parents=True)
    for path in (
        tmp_path / "pm" / "inc.json",
        tmp_path / "pm" / "archive" / "old.json",
    ):
        path.write_text(json.dumps(example_doc), encoding="utf-8")
    return tmp_path


def _codes(out):
    return sorted(set(re.findall(r": (IK\d{3}) \[", out)))


def test_check_applies_the_repository_settings(repo, capsys):
    _write(
        repo,
        "incidentkit.toml",
        'ignore = ["IK403"]\nfail-on = "warning"\nas-of = "2024-01-30"\n'
        'per-file-ignores = { "pm/archive/*" = ["IK5"] }\n',
    )
    status, out, _ = _run(capsys, "check", repo / "pm")
    assert status == 1  # fail-on = warning
    new = [line for line in out.splitlines() if "archive" not in line]
    old = [line for line in out.splitlines() if "archive" in line]
    assert _codes("\n".join(new)) == ["IK304", "IK404", "IK503", "IK508"]
    assert _codes("\n".join(old)) == ["IK304", "IK404"]
    # Options win: --ignore adds, --fail-on and --as-of replace.
    status, out, _ = _run(
        capsys, "check", repo / "pm", "--fail-on", "error", "--ignore", "IK404",
        "--as-of", "none",
    )  # fmt: skip
    assert status == 0
    assert _codes(out) == ["IK304", "IK503"]
    # --isolated: the defaults.
    _, out, _ = _run(capsys, "check", repo / "pm", "--isolated", "--as-of", "none")
    assert _codes(out) == ["IK304", "IK403", "IK404", "IK503"]


def test_a_bad_settings_file_is_a_usage_error(repo, capsys):
    path = _write(repo, "incidentkit.toml", "fail-on = 'fatal'\n")
    for command in (["check", repo / "pm"], ["report", repo / "pm" / "inc.json"]):
        status, out, err = _run(capsys, *command)
        assert (status, out) == (2, "")
        assert (
            err
            == f"{path}: fail-on: expected one of error, warning, info, got 'fatal'\n"
        )


def test_config_option_and_show_settings(repo, capsys):
    path = _write(repo / "elsewhere", "team.toml", "")
    path = _write(repo / "elsewhere", "incidentkit.toml", "deadline-days = { 1 = 7 }\n")
    status, out, _ = _run(
        capsys, "check", repo / "pm", "--config", path, "--show-settings"
    )
    assert status == 0
    assert out.startswith(f"# settings from {path}\n")
    assert "deadline-days = {1 = 7}" in out
    status, out, _ = _run(capsys, "report", "--show-settings", "--isolated")
    assert "# settings from the defaults (no configuration file)" in out
    assert "deadline-days = {1 = 15, 2 = 30, 3 = 60}" in out
    assert "as-of = 'today'" in out


def test_report_applies_the_same_settings(repo, capsys):
    _write(
        repo, "incidentkit.toml", 'select = ["IK304"]\nlevels = { IK304 = "error" }\n'
    )
    status, out, _ = _run(
        capsys, "report", repo / "pm" / "inc.json", "--format", "json"
    )
    assert status == 1
    assert [(f["code"], f["level"]) for f in json.loads(out)["findings"]] == [
        ("IK304", "error")
    ]


def test_severity_major_and_revenue_scale_are_read(tmp_path):
    scale = ("none", "low", "medium", "high", "extreme")
    text = f"[severity]\nmajor = 1\nrevenue-scale = {list(scale)!r}\n"
    settings = ik.load_settings(_write(tmp_path, "incidentkit.toml", text))
    assert settings.policy.severity.major == 1
    assert settings.policy.severity.revenue_scale == scale


def test_a_revenue_scale_without_the_criteria_labels_names_them(tmp_path):
    text = "[severity]\nrevenue-scale = ['none', 'lots']\n"
    path = _write(tmp_path, "incidentkit.toml", text)
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_settings(path)
    assert any(
        line.startswith(f"{path}: severity: levels[") and "'high'" in line
        for line in caught.value.errors
    ), caught.value.errors


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("severity = 3", "severity: expected a table, got 3"),
        (
            "[severity]\nmajor = 0",
            "severity.major: expected a severity level number >= 1, got 0",
        ),
        (
            "[severity]\nmajor = true",
            "severity.major: expected a severity level number >= 1, got True",
        ),
        (
            "[severity]\nrevenue-scale = 4",
            "severity.revenue-scale: expected a list of strings, got 4",
        ),
        (
            "[severity]\ncriteria = 1",
            "severity.criteria: unknown key (known: labels, major, revenue-scale, "
            "levels)",
        ),
    ],
)
def test_severity_problems_name_the_file_the_key_and_the_value(tmp_path, text, error):
    path = _write(tmp_path, "incidentkit.toml", text + "\n")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_settings(path)
    assert any(line.startswith(f"{path}: {error}") for line in caught.value.errors), (
        caught.value.errors
    )


# --- severity labels, levels and criteria -----------------------------------------

LEVELS = """\
[severity.labels]
critical = 1
major = 2
minor = 3

[severity.levels.critical.criteria.most_users]
description = "most users are affected"
customer-facing = true
min-users-percentage = {share}

[severity.levels.major.criteria.revenue]
min-revenue = "medium"

[severity.levels.minor]
summary = "everything else"
"""


def test_severity_levels_and_criteria_from_the_file_decide_the_verdict(tmp_path):
    # The example: customer-facing, 45 % of users, revenue "high".
    rec = ik.example()
    assert ik.expected_severity(rec).label == "SEV1"  # the default policy
    settings = ik.load_settings(
        _write(tmp_path / "a", "incidentkit.toml", LEVELS.format(share=40))
    )
    severity = settings.policy.severity
    assert [(level.level, level.label) for level in severity.levels] == [
        (1, "critical"),
        (2, "major"),
        (3, "minor"),
    ]
    verdict = ik.expected_severity(rec, policy=settings.policy)
    assert (verdict.level, verdict.label) == (1, "critical")
    assert [m.criterion.name for m in verdict.matched] == ["most_users"]
    assert verdict.explain() == (
        "critical: most_users (customer_facing is true, "
        "affected_users_percentage is 45 (at least 40))"
    )
    # 45 % is under 50 %: the next level's revenue criterion (high is
    # medium or worse) decides.
    settings = ik.load_settings(
        _write(tmp_path / "b", "incidentkit.toml", LEVELS.format(share=50))
    )
    verdict = ik.expected_severity(rec, policy=settings.policy)
    assert (verdict.level, verdict.label) == (2, "major")
    (match,) = verdict.matched
    # No description written: the conditions in words stand in.
    assert match.criterion.description == "revenue_impact is medium or worse"
    assert settings.policy.severity.levels[2].summary == "everything else"
    assert settings.policy.level("Minor") == 3


def test_severity_tables_in_pyproject_read_the_same(tmp_path):
    text = LEVELS.format(share=40).replace("[severity", "[tool.incidentkit.severity")
    from_pyproject = ik.load_settings(_write(tmp_path / "a", "pyproject.toml", text))
    alone = ik.load_settings(
        _write(tmp_path / "b", "incidentkit.toml", LEVELS.format(share=40))
    )
    assert from_pyproject.policy == alone.policy


def test_severity_labels_in_the_severity_table_or_at_the_top(tmp_path):
    inside = ik.load_settings(
        _write(tmp_path / "a", "incidentkit.toml", "[severity.labels]\nhigh = 1\n")
    )
    top = ik.load_settings(
        _write(tmp_path / "b", "incidentkit.toml", "severity-labels = { high = 1 }\n")
    )
    assert inside.policy == top.policy
    assert inside.policy.level("High") == 1
    assert inside.policy.severity.label(1) == "high"


def test_check_judges_severity_with_the_files_criteria(tmp_path, capsys, example_doc):
    example_doc["incident"]["severity"] = "major"
    (tmp_path / "pm").mkdir()
    (tmp_path / "pm" / "inc.json").write_text(json.dumps(example_doc), "utf-8")
    argv = ("check", tmp_path / "pm", "--select", "severity", "--as-of", "none")
    _write(tmp_path, "incidentkit.toml", LEVELS.format(share=50))
    status, out, _ = _run(capsys, *argv)
    assert (status, _codes(out)) == (0, [])  # major (2) is what the impact warrants
    _write(tmp_path, "incidentkit.toml", LEVELS.format(share=40))
    status, out, _ = _run(capsys, *argv)
    assert (status, _codes(out)) == (1, ["IK101"])
    assert "declared major, but the impact matches critical" in out


def test_show_settings_prints_the_severity_policy(tmp_path, capsys):
    path = _write(tmp_path, "incidentkit.toml", LEVELS.format(share=40))
    status, out, _ = _run(capsys, "check", tmp_path, "--show-settings")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"# settings from {path}"
    assert "severity.labels = {'critical' = 1, 'major' = 2, 'minor' = 3}" in lines
    assert "severity.major = 2" in lines
    assert (
        "severity.revenue-scale = ['none', 'low', 'medium', 'high', 'critical']"
        in lines
    )
    assert "severity.levels.1 = {label = 'critical', summary = ''}" in lines
    assert (
        "severity.levels.1.criteria.most_users = {description = 'most users are "
        "affected', customer-facing = true, min-users-percentage = 40}"
    ) in lines
    assert (
        "severity.levels.2.criteria.revenue = {description = 'revenue_impact is "
        "medium or worse', min-revenue = 'medium'}"
    ) in lines
    assert "severity.levels.3 = {label = 'minor', summary = 'everything else'}" in lines
    # The defaults show the default levels, with their criteria.
    _, out, _ = _run(capsys, "check", tmp_path, "--isolated", "--show-settings")
    assert "severity.levels.4 = {label = 'SEV4', summary = " in out
    assert "severity.levels.1.criteria.security_breach = {" in out


CRITERION = "[severity.levels.1.criteria.x]\n"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            CRITERION + "min-users-percentage = 120",
            "severity.levels.1.criteria.x.min-users-percentage: expected a number "
            "from 0 to 100, got 120",
        ),
        (
            CRITERION + "customer-facing = 'yes'",
            "severity.levels.1.criteria.x.customer-facing: expected true or false, "
            "got 'yes'",
        ),
        (
            CRITERION + "degradation = ''",
            "severity.levels.1.criteria.x.degradation: expected a non-empty string, "
            "got ''",
        ),
        (
            CRITERION + "description = 4",
            "severity.levels.1.criteria.x.description: expected a description (a "
            "string), got 4",
        ),
        (
            CRITERION + "colour = 'red'",
            "severity.levels.1.criteria.x.colour: unknown key (known: description, "
            "customer-facing, ",
        ),
        (
            CRITERION + "min-revenue = 'huge'",
            "severity.levels.1.criteria.x.min-revenue: 'huge' is not on the revenue "
            "scale ['none', 'low', 'medium', 'high', 'critical']",
        ),
        (
            "[severity.levels.1.criteria]\nx = 3",
            "severity.levels.1.criteria.x: expected a table, got 3",
        ),
        (
            "[severity.levels.1]\nsummary = 3",
            "severity.levels.1.summary: expected a string, got 3",
        ),
        (
            "[severity.levels.1]\nrank = 1",
            "severity.levels.1.rank: unknown key (known: summary, criteria)",
        ),
        (
            "[severity.levels.urgent]",
            "severity.levels.urgent: expected a severity level (1) or label (SEV1) "
            "as the key, got 'urgent'",
        ),
        (
            "[severity.levels.1]\n[severity.levels.SEV1]",
            "severity.levels.SEV1: level 1 is given twice (also as '1'), got 'SEV1'",
        ),
        ("[severity]\nlevels = {}", "severity.levels: expected at least one level"),
        ("[severity]\nlevels = 2", "severity.levels: expected a table, got 2"),
        (
            "[severity.labels]\ncritical = 'one'",
            "severity.labels: names['critical']: a level must be an int ('one')",
        ),
        (
            "severity-labels = { a = 1 }\n[severity.labels]\nb = 2",
            "severity.labels: the labels are given twice (also as severity-labels); "
            "keep one, got {'b': 2}",
        ),
    ],
)
def test_severity_levels_problems_name_the_file_the_key_and_the_value(
    tmp_path, text, error
):
    path = _write(tmp_path, "incidentkit.toml", text + "\n")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_settings(path)
    assert any(line.startswith(f"{path}: {error}") for line in caught.value.errors), (
        caught.value.errors
    )


# --- the nearest settings file of each checked file ---------------------------------


@pytest.fixture
def nested(tmp_path, example_doc):
    """Two settings files: the repository's, and team-b's in a subfolder.

    The example's findings with --as-of none are the warnings IK304, IK403,
    IK404 and IK503 (test_check_applies_the_repository_settings).
    """
    text = json.dumps(example_doc)
    for folder in ("pm", "pm/archive", "pm/team-b", "pm/team-b/archive"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    for name in ("inc.json", "archive/old.json", "team-b/inc.json"):
        (tmp_path / "pm" / name).write_text(text, encoding="utf-8")
    (tmp_path / "pm" / "team-b" / "archive" / "old.json").write_text(text, "utf-8")
    _write(
        tmp_path,
        "incidentkit.toml",
        'ignore = ["IK403"]\nas-of = "none"\n'
        'per-file-ignores = { "pm/archive/*" = ["IK304"] }\n',
    )
    _write(
        tmp_path / "pm" / "team-b",
        "incidentkit.toml",
        'select = ["IK304", "IK403"]\nfail-on = "warning"\nas-of = "none"\n'
        'per-file-ignores = { "archive/*" = ["IK304"] }\n',
    )
    return tmp_path


def _codes_by_file(out, root):
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        name, code = re.match(r"(.+?):\d+:\d+: (IK\d{3}) \[", line).groups()
        relative = Path(name).relative_to(root).as_posix()
        found.setdefault(relative, []).append(code)
    # A rule may find several things in one record: its code once.
    return {name: sorted(set(codes)) for name, codes in found.items()}


def test_each_file_follows_its_nearest_settings(nested, capsys):
    status, out, _ = _run(capsys, "check", nested / "pm")
    # Only the nearest file applies (no merging, as ruff): team-b's records
    # run team-b's select, without the repository's ignore of IK403, and its
    # per-file pattern "archive/*" is relative to team-b's folder.
    assert _codes_by_file(out, nested) == {
        "pm/inc.json": ["IK304", "IK404", "IK503"],
        "pm/archive/old.json": ["IK404", "IK503"],
        "pm/team-b/inc.json": ["IK304", "IK403"],
        "pm/team-b/archive/old.json": ["IK403"],
    }
    # team-b fails on warnings; the repository's files alone do not fail.
    assert status == 1
    status, _, _ = _run(
        capsys, "check", nested / "pm" / "inc.json", nested / "pm/archive"
    )
    assert status == 0
    status, _, _ = _run(capsys, "check", nested / "pm", "--fail-on", "error")
    assert status == 0


def test_nearest_settings_with_worker_processes(nested, capsys, monkeypatch):
    args = ("check", nested / "pm", nested / "pm" / "team-b", "--format", "json")
    one = _run(capsys, *args, "--jobs", "1")
    monkeypatch.setattr(check_command, "_POOL_MIN", 2)
    monkeypatch.setattr(check_command, "_BATCH", 1)

    def broken(*_: object) -> None:
        raise AssertionError("checked in the main process")

    # The workers find and load the settings files on their own.
    monkeypatch.setattr(check_command, "_check_document", broken)
    several = _run(capsys, *args, "--jobs", "2")
    assert several == one
    data = json.loads(one[1])
    # Sources in order, each folder walked in name order (team-b's files
    # twice: in pm/ and as a source of their own).
    files = [Path(f["file"]).relative_to(nested).as_posix() for f in data["findings"]]
    assert [name for name, _ in itertools.groupby(files)] == [
        "pm/archive/old.json",
        "pm/inc.json",
        "pm/team-b/archive/old.json",
        "pm/team-b/inc.json",
        "pm/team-b/archive/old.json",
        "pm/team-b/inc.json",
    ]
    assert data["exit_status"] == 1


def test_config_and_isolated_apply_one_settings_file_to_every_path(
    nested, capsys, monkeypatch
):
    monkeypatch.chdir(nested)
    status, out, _ = _run(capsys, "check", "pm", "--config", "incidentkit.toml")
    # Every file by the repository's settings; its patterns relative to
    # the folder the command runs in (here the same as the file's).
    assert _codes_by_file(out, Path()) == {
        "pm/inc.json": ["IK304", "IK404", "IK503"],
        "pm/archive/old.json": ["IK404", "IK503"],
        "pm/team-b/inc.json": ["IK304", "IK404", "IK503"],
        "pm/team-b/archive/old.json": ["IK304", "IK404", "IK503"],
    }
    assert status == 0
    # From pm/, "pm/archive/*" matches nothing: relative to the current
    # folder, as ruff reads the file --config names.
    monkeypatch.chdir(nested / "pm")
    _, out, _ = _run(capsys, "check", "archive", "--config", "../incidentkit.toml")
    assert _codes_by_file(out, Path()) == {
        "archive/old.json": ["IK304", "IK404", "IK503"]
    }
    _, out, _ = _run(capsys, "check", ".", "--isolated", "--as-of", "none")
    assert set(map(tuple, _codes_by_file(out, Path()).values())) == {
        ("IK304", "IK403", "IK404", "IK503")
    }


def test_show_settings_shows_the_first_paths(nested, capsys):
    team = nested / "pm" / "team-b"
    _, out, _ = _run(
        capsys, "check", team / "inc.json", nested / "pm", "--show-settings"
    )
    assert out.startswith(f"# settings from {team / 'incidentkit.toml'}\n")
    _, out, _ = _run(capsys, "check", nested / "pm", team, "--show-settings")
    assert out.startswith(f"# settings from {nested / 'incidentkit.toml'}\n")


def test_report_follows_its_files_nearest_settings(nested, capsys):
    status, out, _ = _run(
        capsys, "report", nested / "pm" / "team-b" / "inc.json", "--format", "json"
    )
    assert {f["code"] for f in json.loads(out)["findings"]} == {"IK304", "IK403"}
    assert status == 1  # team-b's fail-on = warning


def test_a_bad_nested_settings_file_is_a_usage_error(nested, capsys):
    path = _write(nested / "pm" / "team-b", "incidentkit.toml", "fail-on = 'fatal'\n")
    status, _, err = _run(capsys, "check", nested / "pm")
    assert status == 2
    assert (
        f"{path}: fail-on: expected one of error, warning, info, got 'fatal'\n" in err
    )
