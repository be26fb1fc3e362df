"""Maintenances: told apart in the table, left out of incident statistics by default."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

import incidentkit as ik
from incidentkit.checks.rules import Rule, _Catalogue
from incidentkit.cli import main
from incidentkit.errors import ValidationError
from incidentkit.table.frame import IncidentTable, compare, load_table


def doc(
    number: int,
    declared: str,
    resolved: str | None,
    *,
    service: str = "api",
    kind: str | None = None,
) -> dict:
    incident = {
        "id": f"INC-{number}",
        "title": "t",
        "severity": "SEV2",
        "status": "resolved" if resolved else "investigating",
        "declared_at": declared,
        "service": service,
    }
    if resolved is not None:
        incident["resolved_at"] = resolved
    if kind is not None:
        incident["kind"] = kind
    return {"incident": incident}


# Two incidents of 10 min and 20 min on "api", a maintenance of 85 min on "db":
# 02:00 -> 03:25 is 85 min = 5100 s.
DOCS = [
    doc(1, "2024-05-01T10:00:00Z", "2024-05-01T10:10:00Z"),
    doc(2, "2024-05-02T10:00:00Z", "2024-05-02T10:20:00Z"),
    doc(
        3,
        "2024-05-03T02:00:00Z",
        "2024-05-03T03:25:00Z",
        service="db",
        kind="maintenance",
    ),
]


@pytest.fixture
def table() -> IncidentTable:
    return IncidentTable.from_records([ik.from_dict(d) for d in DOCS])


def test_the_kind_column_tells_maintenances_apart(table):
    assert table["kind"].tolist() == ["incident", "incident", "maintenance"]
    assert table.maintenance_rows().tolist() == [False, False, True]
    assert table.where(kind="maintenance")["id"].tolist() == ["INC-3"]
    assert len(table.where(kind="incident")) == 2


def test_load_table_builds_the_same_kind_column(tmp_path, table):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    loaded = load_table(path)
    assert loaded["kind"].tolist() == table["kind"].tolist()
    assert loaded.codes("kind")[0].tolist() == table.codes("kind")[0].tolist()


def test_group_stats_leave_maintenances_out_by_default_and_say_so(table):
    stats = table.group_stats("time_to_resolve")
    # 600 s and 1200 s: mean 900 s.
    assert stats.count.tolist() == [2]
    assert stats.mean.tolist() == [900.0]
    assert stats.left_out == 1
    assert stats.maintenance == "exclude"
    assert str(stats).splitlines()[-1].strip() == (
        "1 maintenance left out (maintenance='include' counts them)"
    )
    included = table.group_stats("time_to_resolve", maintenance="include")
    # (600 + 1200 + 5100) / 3 = 2300 s.
    assert included.count.tolist() == [3]
    assert included.mean.tolist() == [2300.0]
    assert included.left_out == 0
    assert included.note is None
    only = table.group_stats("time_to_resolve", maintenance="only")
    assert only.mean.tolist() == [5100.0]
    assert only.left_out == 2
    assert "maintenances only: 2 incidents left out" in str(only)


def test_a_group_of_maintenances_alone_is_dropped_with_them(table):
    stats = table.group_stats("time_to_resolve", by="service")
    assert stats.groups.tolist() == ["api"]
    assert stats.count.tolist() == [2]
    stats = table.group_stats("time_to_resolve", by="service", maintenance="include")
    assert stats.groups.tolist() == ["api", "db"]
    assert stats.count.tolist() == [2, 1]


def test_an_empty_selection_keeps_the_whole_table_group():
    only_incidents = IncidentTable.from_records([ik.from_dict(DOCS[0])])
    stats = only_incidents.group_stats("time_to_resolve", maintenance="only")
    assert stats.groups.tolist() == ["all"]
    assert stats.count.tolist() == [0]
    assert stats.left_out == 1


def test_every_statistic_reads_the_same_rows(table):
    assert table.intervals("time_to_resolve").left_out == 1
    assert table.intervals("time_to_resolve").count.tolist() == [2]
    boot = table.bootstrap("time_to_resolve", n=20, seed=1)
    assert (boot.count.tolist(), boot.left_out) == ([2], 1)
    survival = table.survival()
    assert (survival.count.tolist(), survival.left_out) == ([2], 1)
    # Ended at 600 s and 1200 s: half had ended by 600 s.
    assert survival.median.tolist() == [600.0]
    coverage = table.action_item_coverage()
    assert (coverage.incidents.tolist(), coverage.left_out) == ([2], 1)
    assert "1 maintenance left out" in str(coverage)


def test_an_open_maintenance_left_out_needs_no_as_of():
    recs = [
        ik.from_dict(DOCS[0]),
        ik.from_dict(doc(4, "2024-05-04T02:00:00Z", None, kind="maintenance")),
    ]
    table = IncidentTable.from_records(recs)
    assert table.survival().count.tolist() == [1]
    with pytest.raises(ValidationError, match="as_of: 1 incidents are still open"):
        table.survival(maintenance="include")
    aged = table.survival(maintenance="only", as_of=date(2024, 5, 5))
    # Still open at as_of: censored, and no median while nothing has ended.
    assert aged.censored.tolist() == [1]
    assert np.isnan(aged.median[0])


def test_compare_leaves_maintenances_out_of_both_tables(table):
    found = compare(table, table, n=20, permutations=20, seed=1, detectable=False)
    assert (found.count_a, found.count_b) == (2, 2)
    assert (found.left_out_a, found.left_out_b) == (1, 1)
    assert "a: 1 maintenance left out" in found.summary()
    found = compare(
        table,
        table,
        n=20,
        permutations=20,
        seed=1,
        detectable=False,
        maintenance="include",
    )
    assert (found.count_a, found.left_out_a) == (3, 0)


def test_maintenance_must_be_one_of_three_words(table):
    with pytest.raises(ValidationError, match=r"maintenance: .*'skip'"):
        table.group_stats("time_to_resolve", maintenance="skip")  # type: ignore[arg-type]


# --- the stats command -------------------------------------------------------------


def _stats(capsys, *argv: str) -> tuple[int, str]:
    status = main(["stats", *argv])
    return status, capsys.readouterr().out


@pytest.fixture
def folder(tmp_path):
    for number, document in enumerate(DOCS):
        (tmp_path / f"{number}.json").write_text(json.dumps(document))
    return tmp_path


def test_stats_leaves_maintenances_out_and_prints_how_many(folder, capsys):
    status, out = _stats(capsys, str(folder), "--by", "service")
    assert status == 0
    assert "1 maintenance left out (--maintenance include counts them)" in out
    status, out = _stats(capsys, str(folder), "--by", "service", "--format", "json")
    data = json.loads(out)
    assert (data["maintenance"], data["left_out"], data["ungrouped"]) == (
        "exclude",
        1,
        0,
    )
    # 600 s and 1200 s on api; db had only the maintenance.
    assert [(g["group"], g["count"], g["mean"]) for g in data["groups"]] == [
        ("api", 2, 900.0)
    ]
    status, out = _stats(
        capsys,
        str(folder),
        "--by",
        "service",
        "--maintenance",
        "only",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert data["left_out"] == 2
    assert [(g["group"], g["mean"]) for g in data["groups"]] == [("db", 5100.0)]
    status, out = _stats(
        capsys, str(folder), "--by", "service", "--maintenance", "include"
    )
    assert "maintenance" not in out


def test_the_notebook_renderings_say_how_many_were_left_out(table):
    for result in (
        table.group_stats("time_to_resolve"),
        table.intervals("time_to_resolve"),
        table.bootstrap("time_to_resolve", n=20, seed=1),
    ):
        assert "1 maintenance left out" in result._repr_html_()
    included = table.group_stats("time_to_resolve", maintenance="include")
    assert "left out" not in included._repr_html_()


def test_the_report_names_a_maintenance(folder, capsys):
    assert main(["report", str(folder / "2.json"), "--format", "json"]) in (0, 1)
    assert json.loads(capsys.readouterr().out)["incident"]["kind"] == "maintenance"
    main(["report", str(folder / "2.json")])
    assert "a scheduled maintenance: planned work" in capsys.readouterr().out
    main(["report", str(folder / "0.json")])
    assert "scheduled maintenance" not in capsys.readouterr().out


def test_checks_skip_the_rules_a_maintenance_cannot_satisfy():
    # A resolved SEV2 without action items or a postmortem: an incident owes
    # both (IK505, IK507); a planned maintenance owes neither.
    incident = ik.from_dict(doc(1, "2024-05-01T10:00:00Z", "2024-05-01T10:10:00Z"))
    maintenance = ik.from_dict(
        doc(2, "2024-05-01T10:00:00Z", "2024-05-01T10:10:00Z", kind="maintenance")
    )
    owed = {"IK505", "IK507"}
    assert owed <= {finding.code for finding in ik.check(incident)}
    assert not owed & {finding.code for finding in ik.check(maintenance)}


def test_a_kind_a_rule_skips_must_be_known_and_explained():
    declared = Rule(
        *("IK599", "x-rule", "action_items", "info", "s", "r", "b", "g"),
        not_for_kinds={"drill": "drills are practice"},
    )
    with pytest.raises(ValueError, match="not_for_kinds\\['drill'\\]"):
        _Catalogue().declare(declared, lambda ctx: iter(()))
