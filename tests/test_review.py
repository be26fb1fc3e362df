"""The quarterly review: its contents, its three renderings and its command.

The table is built by hand: eight incidents declared in 2024Q3, four in
2024Q2 and one on the first instant of 2024Q4, each a copy of the bundled
example with its timeline, impact and action items replaced, so that every
expected number below is worked out from the table in the comments.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import attrs
import pytest

import incidentkit as ik
from incidentkit import plot
from incidentkit.cli import main
from incidentkit.review import Review, parse_period, review

UTC = timezone.utc
AS_OF = date(2024, 10, 15)
_EXAMPLE = ik.to_dict(ik.example())


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _item(kind: str, status: str, deadline: str) -> dict[str, Any]:
    return {
        "title": f"{kind} follow-up",
        "owner": "alice@example.com",
        "deadline": deadline,
        "type": kind,
        "status": status,
    }


def _doc(
    incident_id: str,
    declared: datetime,
    minutes: int | None,
    *,
    severity: str = "SEV2",
    service: str = "payments",
    users: float | None = None,
    items: tuple[dict[str, Any], ...] = (),
    title: str = "Checkout errors",
) -> dict[str, Any]:
    """A copy of the example: triggered 10 min before it is declared,
    detected 5 min and mitigated 15 min after the trigger, resolved
    ``minutes`` after it (open when ``None``); impact unknown when ``users``
    is None. The impact lasts from the trigger to the mitigation, the same
    15 min everywhere, so that scores differ by the users affected alone."""
    doc = copy.deepcopy(_EXAMPLE)
    started = declared - timedelta(minutes=10)
    incident = doc["incident"]
    incident.update(
        id=incident_id,
        title=title,
        severity=severity,
        service=service,
        declared_at=_iso(declared),
    )
    doc["events"] = [
        {"timestamp": _iso(started), "type": "trigger"},
        {"timestamp": _iso(started + timedelta(minutes=5)), "type": "detection"},
        {"timestamp": _iso(started + timedelta(minutes=15)), "type": "mitigation"},
    ]
    doc.pop("communications")
    if minutes is None:
        incident["status"] = "investigating"
        incident.pop("resolved_at")
        doc.pop("resolution")
    else:
        incident["resolved_at"] = _iso(started + timedelta(minutes=minutes))
    if users is None:
        # No impact section and no customer impact: the score is unknown.
        doc.pop("impact")
        doc.pop("resolution", None)
    else:
        doc["impact"]["affected_users_percentage"] = users
    doc["action_items"] = list(items)
    return doc


def _at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0):
    return datetime(2024, month, day, hour, minute, second, tzinfo=UTC)


def _docs() -> list[dict[str, Any]]:
    overdue_detection = _item("detection", "open", "2024-10-01")
    return [
        # 2024Q3: eight incidents.
        _doc(
            "Q3-1",
            _at(7, 3),
            60,
            severity="SEV1",
            users=90,
            items=(overdue_detection, _item("prevention", "done", "2024-09-01")),
        ),
        _doc(
            "Q3-2",
            _at(7, 20),
            120,
            users=10,
            items=(_item("prevention", "open", "2024-12-01"),),
        ),
        _doc(
            "Q3-3",
            _at(8, 5),
            30,
            service="search",
            users=50,
            items=(
                _item("detection", "done", "2024-09-01"),
                _item("prevention", "done", "2024-09-01"),
            ),
        ),
        _doc(
            "Q3-4",
            _at(8, 15),
            90,
            severity="SEV3",
            service="search",
            items=(_item("prevention", "open", "2024-10-10"),),
        ),
        _doc("Q3-5", _at(9, 1), 240, severity="SEV3", service="auth", users=70),
        _doc("Q3-6", _at(9, 10), None, severity="SEV3", service="auth"),
        _doc("Q3-7", _at(9, 29, 23, 30), 45, severity="SEV1", users=80),
        _doc("Q3-8", _at(9, 30, 23, 59, 59), 20, severity="SEV4", users=30),
        # 2024Q2: four, the last a minute before the quarter ends (UTC).
        _doc("Q2-1", _at(4, 10), 100, severity="SEV3", service="search", users=20),
        _doc("Q2-2", _at(5, 10), 200, severity="SEV3", service="search", users=20),
        _doc("Q2-3", _at(6, 10), 300, severity="SEV3", service="search", users=20),
        _doc("Q2-4", _at(6, 30, 23, 59), 400, severity="SEV3", users=20),
        # 2024Q4's first instant: in no review of 2024Q3.
        _doc("Q4-1", _at(10, 1, 0, 0), 10, severity="SEV2", users=20),
    ]


@pytest.fixture(scope="module")
def table() -> ik.IncidentTable:
    records = [ik.from_dict(doc) for doc in _docs()]
    return ik.IncidentTable.from_records(records, as_of=AS_OF, checks=True)


@pytest.fixture(scope="module")
def result(table: ik.IncidentTable) -> Review:
    return review(table, period="2024Q3", seed=1)


# --- periods -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label", "start", "end"),
    [
        ("2024Q3", "2024Q3", (2024, 7, 1), (2024, 10, 1)),
        ("2024Q4", "2024Q4", (2024, 10, 1), (2025, 1, 1)),
        ("2024-02", "2024-02", (2024, 2, 1), (2024, 3, 1)),
        ("2024-12", "2024-12", (2024, 12, 1), (2025, 1, 1)),
        ("2024", "2024", (2024, 1, 1), (2025, 1, 1)),
        # ISO week 1 of 2025 starts on Monday 30 December 2024.
        ("2025-W01", "2025-W01", (2024, 12, 30), (2025, 1, 6)),
    ],
)
def test_period_names(name, label, start, end):
    found = parse_period(name)
    assert found.label == label
    assert found.start == datetime(*start, tzinfo=UTC)
    assert found.end == datetime(*end, tzinfo=UTC)


def test_previous_periods():
    assert parse_period("2024Q1").previous().label == "2023Q4"
    assert parse_period("2024-01").previous().label == "2023-12"
    assert parse_period("2024").previous().label == "2023"
    assert parse_period("2024-W01").previous().label == "2023-W52"
    span = parse_period((date(2024, 7, 1), date(2024, 7, 11))).previous()
    assert (span.start, span.end) == (
        datetime(2024, 6, 21, tzinfo=UTC),
        datetime(2024, 7, 1, tzinfo=UTC),
    )


def test_a_period_in_a_time_zone_starts_at_local_midnight():
    found = parse_period("2024Q3", "Europe/Paris")
    # Paris is UTC+2 in summer: 1 July 00:00 there is 30 June 22:00 UTC.
    assert found.start.astimezone(UTC) == datetime(2024, 6, 30, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    ["2024Q5", "2024Q0", "2024-13", "2024-W54", "", "Q3 2024", 2024, None, ("x",)],
)
def test_a_bad_period_names_the_parameter_and_the_value(bad):
    with pytest.raises(ik.ValidationError) as caught:
        parse_period(bad)
    (message,) = caught.value.errors
    assert message.startswith("period: expected ")
    assert message.endswith(f"({bad!r})")


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ik.ValidationError, match="period: expected a start before"):
        parse_period(("2024-07-10", "2024-07-01"))


def test_bad_arguments_of_review(table):
    with pytest.raises(ik.ValidationError, match=r"previous: expected .*'2024Q9'"):
        review(table, "2024Q3", previous="2024Q9")
    with pytest.raises(ik.ValidationError, match=r"as_of: .*2024-10-15"):
        review(table, "2024Q3", as_of=date(2025, 1, 1))
    with pytest.raises(ik.ValidationError, match="tz: no time zone"):
        review(table, "2024Q3", tz="Mars/Olympus")
    with pytest.raises(ik.ValidationError, match="table: expected an IncidentTable"):
        review([], "2024Q3")  # type: ignore[arg-type]


# --- contents --------------------------------------------------------------------


def test_counts_by_severity_and_month(result):
    assert result.incidents == 8  # Q3-1 … Q3-8; Q4-1 and Q2-4 are outside
    assert sorted(result.table["id"].tolist()) == [f"Q3-{i}" for i in range(1, 9)]
    assert result.by_severity == (("SEV1", 2), ("SEV2", 2), ("SEV3", 3), ("SEV4", 1))
    assert result.by_month == (("2024-07", 2), ("2024-08", 2), ("2024-09", 4))
    assert len(result.previous_table) == 4
    assert result.undated == 0


def test_the_calendar_follows_the_time_zone(table):
    paris = review(table, "2024Q3", tz="Europe/Paris", plots=False, detectable=False)
    ids = set(paris.table["id"].tolist())
    # Q2-4 (30 June 23:59 UTC) is 1 July there; Q3-8 (30 September 23:59:59
    # UTC) is 1 October; Q4-1 (1 October 00:00 UTC) is 02:00 that day.
    assert "Q2-4" in ids
    assert "Q3-8" not in ids
    assert "Q4-1" not in ids
    assert paris.by_month == (("2024-07", 3), ("2024-08", 2), ("2024-09", 3))


def test_time_to_x_with_honest_intervals(result):
    assert set(result.figures) == {
        "time_to_detect",
        "time_to_mitigate",
        "time_to_resolve",
    }
    # No acknowledgement event in any record.
    assert result.without_values == ("time_to_acknowledge",)
    resolve = result.figures["time_to_resolve"]
    # Resolved: 20, 30, 45, 60, 90, 120, 240 minutes; Q3-6 is open.
    assert int(resolve.stats.count[0]) == 7
    assert int(resolve.stats.missing[0]) == 1
    assert float(resolve.stats.median[0]) == 60 * 60
    # Seven values hold a 95% median interval (6 needed), not a p90 one (29).
    assert resolve.median.reason[0] is None
    assert resolve.median.low[0] <= 3600 <= resolve.median.high[0]
    assert resolve.p90.reason[0].startswith("too few incidents")
    detect = result.figures["time_to_detect"]
    assert int(detect.stats.count[0]) == 8
    assert float(detect.stats.median[0]) == 5 * 60
    mitigate = result.figures["time_to_mitigate"]
    assert int(mitigate.stats.count[0]) == 8  # the open Q3-6 too
    assert float(mitigate.stats.median[0]) == 15 * 60
    text = str(result)
    assert "1h" in text
    assert "too few incidents" in text
    assert "time_to_acknowledge: no incident of 2024Q3 has one." in text


def test_this_quarter_against_the_previous_one(result):
    assert result.previous.label == "2024Q2"
    found = result.comparisons["time_to_resolve"]
    assert (found.count_a, found.count_b) == (7, 4)
    # Medians: 60 min against (200 + 300) / 2 = 250 min.
    assert found.estimate_a == 60 * 60
    assert found.estimate_b == 250 * 60
    assert found.difference == -190 * 60
    assert found.reason is not None  # too few for a bootstrap interval
    assert found.detectable is not None
    assert result.comparisons["time_to_detect"].difference == 0
    assert result.comparisons["time_to_mitigate"].difference == 0
    assert result.not_compared == {
        "time_to_acknowledge": "no time_to_acknowledge value in 2024Q3",
    }
    text = str(result)
    assert "2024Q3 against 2024Q2" in text
    assert "-3h 10m" in text
    assert "would be detectable" in text


def test_follow_ups_leave_out_sources_that_record_none(table):
    # Two Statuspage incidents of 2024Q3 beside the hand-built ones: a status
    # page records no action items, so they are named and left out, and the
    # follow-up figures are those of the 7 incidents requiring items above.
    status_page = [
        {
            "id": f"sp{n}",
            "name": "Slow pages",
            "status": "resolved",
            "impact": "major",
            "created_at": f"2024-08-0{n}T10:00:00Z",
            "resolved_at": f"2024-08-0{n}T11:00:00Z",
            "incident_updates": [],
        }
        for n in (1, 2)
    ]
    imported = ik.IncidentTable.from_records(
        [ik.from_dict(doc, format="statuspage") for doc in status_page],
        as_of=AS_OF,
        checks=True,
    )
    mixed = review(
        ik.IncidentTable.concat([table, imported]), "2024Q3", plots=False, seed=1
    )
    assert mixed.incidents == 8 + 2
    assert dict(mixed.untracked_sources) == {"statuspage": 2}
    assert int(mixed.coverage.requiring[0]) == 7
    assert int(mixed.coverage.covered[0]) == 3
    text = str(mixed)
    assert "2 incidents from statuspage left out: Statuspage records no" in text
    missing = text[text.index("Missing follow-ups") : text.index("Findings")]
    assert "sp1" not in missing


def test_no_comparison_when_asked_for_none(table):
    alone = review(table, "2024Q3", previous=None, plots=False)
    assert alone.previous is None
    assert alone.comparisons == {}
    assert "against" not in str(alone)


def test_services_with_the_most_incident_time(result):
    lines = str(result).splitlines()
    start = lines.index("Services with the most incident time")
    rows = [line.split() for line in lines[start + 2 : start + 5]]
    # payments: 60 + 120 + 45 + 20 = 245 min over four resolved incidents;
    # auth: 240 min, Q3-6 still open; search: 30 + 90 = 120 min.
    assert rows == [
        ["payments", "4", "4", "4h", "5m", "52m", "30s"],
        ["auth", "2", "1", "4h", "4h"],
        ["search", "2", "2", "2h", "1h"],
    ]


def test_follow_ups(result):
    coverage = result.coverage
    # Every severity but SEV4 requires items: 7 incidents. Q3-1 and Q3-3
    # (SEV1/2: detection and prevention) and Q3-4 (SEV3: prevention) have
    # what they need; Q3-2, Q3-5, Q3-6 and Q3-7 do not.
    assert int(coverage.requiring[0]) == 7
    assert int(coverage.covered[0]) == 3
    assert {kind: int(n[0]) for kind, n in coverage.missing.items()} == {
        "detection": 2,  # Q3-2, Q3-7
        "prevention": 3,  # Q3-5, Q3-6, Q3-7
    }
    assert int(coverage.items[0]) == 6
    assert int(coverage.open_items[0]) == 3
    # Past their deadline on 15 October: Q3-1's (1 Oct) and Q3-4's (10 Oct).
    assert int(coverage.overdue_items[0]) == 2
    assert int(coverage.with_overdue[0]) == 2
    text = str(result)
    overdue = text[text.index("Overdue follow-ups") : text.index("Missing follow-ups")]
    assert "Q3-1" in overdue
    assert "Q3-4" in overdue
    assert "Q3-2" not in overdue
    missing = text[text.index("Missing follow-ups") : text.index("Findings")]
    # Most severe first.
    assert [line.split()[0] for line in missing.splitlines()[2:6]] == [
        "Q3-7",
        "Q3-2",
        "Q3-5",
        "Q3-6",
    ]


def test_findings_are_those_of_check(result):
    records = [ik.from_dict(doc) for doc in _docs()[:8]]
    findings = [ik.check(rec, as_of=AS_OF) for rec in records]
    for level in ("error", "warning"):
        per_record = [sum(f.level == level for f in found) for found in findings]
        assert result.findings[level] == (sum(per_record), sum(map(bool, per_record)))


def test_findings_without_checks_say_so():
    records = [ik.from_dict(doc) for doc in _docs()]
    plain = ik.IncidentTable.from_records(records, as_of=AS_OF)
    found = review(plain, "2024Q3", plots=False, detectable=False)
    assert found.findings is None
    assert "Not checked" in str(found)


def test_the_five_highest_impact_scores(result):
    # All else equal, the score grows with the share of users affected:
    # 90% (Q3-1), 80% (Q3-7), 70% (Q3-5), 50% (Q3-3), 30% (Q3-8); 10% (Q3-2)
    # is sixth; Q3-4 and Q3-6 have no impact data.
    assert result.top_impact["id"].tolist() == ["Q3-1", "Q3-7", "Q3-5", "Q3-3", "Q3-8"]
    assert result.unknown_impact == 2
    assert "2 incidents have an unknown impact score" in str(result)


def test_an_empty_period_is_a_review_that_says_so(table):
    empty = review(table, "2023Q1", plots=False)
    assert empty.incidents == 0
    assert empty.by_month == (("2023-01", 0), ("2023-02", 0), ("2023-03", 0))
    for text in (str(empty), empty.to_markdown(), empty.to_html()):
        assert "No incidents in 2023Q1" in text


def test_undated_incidents_are_counted():
    # A policy that reads declared from declaration events, which these
    # records do not have: every incident is undated, in no period.
    policy = attrs.evolve(
        ik.DEFAULT_POLICY,
        milestones=attrs.evolve(
            ik.DEFAULT_MILESTONE_POLICY,
            declared=(ik.EarliestEvent(ik.EventType.DECLARATION),),
        ),
    )
    records = [ik.from_dict(doc) for doc in _docs()]
    table = ik.IncidentTable.from_records(records, as_of=AS_OF, policy=policy)
    found = review(table, "2024Q3", plots=False, detectable=False)
    assert found.undated == 13
    assert found.incidents == 0
    assert "13 incidents of the source have no declared_at" in str(found)


# --- renderings ------------------------------------------------------------------


class _Resources(HTMLParser):
    """Every tag and every URL-bearing attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "data", "poster"):
                self.urls.append(value or "")


def test_the_html_is_self_contained(result):
    page = result.to_html()
    found = _Resources()
    found.feed(page)
    assert "script" not in found.tags
    assert "link" not in found.tags
    assert "iframe" not in found.tags
    for url in found.urls:
        # In-page references (#clip1) and data: URLs only.
        assert url.startswith(("#", "data:")), url
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(?!#|data:)", page)
    assert "Content-Security-Policy" in page


def test_the_plots_are_inline(result):
    pytest.importorskip("matplotlib")
    assert set(result.plots) == set(result.figures)
    page = result.to_html()
    assert page.count("<svg") == 3
    assert "<?xml" not in page
    assert "DOCTYPE svg" not in page
    # Three plots in one page: their ids are unique, and each reference
    # (a glyph, a clip path) names one of them.
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for target in re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', page):
        assert "".join(target) in ids


def test_without_matplotlib_the_review_says_which_extra_draws(table, monkeypatch):
    def missing() -> None:
        raise ImportError(plot._INSTALL)

    monkeypatch.setattr(plot, "_matplotlib", missing)
    found = review(table, "2024Q3", detectable=False)
    assert found.plots == {}
    for text in (found.to_html(), str(found)):
        assert 'pip install "incidentkit[plot]"' in text.replace("&quot;", '"')
    # Markdown shows the brackets escaped, as it shows every text.
    assert r"incidentkit\[plot\]" in found.to_markdown()
    assert "<svg" not in found.to_html()


def test_markdown_and_html_have_the_same_sections(result):
    markdown = result.to_markdown()
    titles = re.findall(r"^### (.+)$", markdown, flags=re.MULTILINE)
    assert titles == [
        "Incidents by severity",
        "Incidents by month",
        "Time to detect, acknowledge, mitigate and resolve",
        "2024Q3 against 2024Q2",
        "Services with the most incident time",
        "Follow-ups (action items)",
        "Overdue follow-ups",
        "Missing follow-ups",
        "Findings of the checks",
        "The 5 incidents with the highest impact score",
    ]
    page = result.to_html()
    for title in titles:
        assert f"<strong>{title.replace(chr(92), '')}</strong>" in page
    assert markdown.startswith("## Incident review 2024Q3\n")
    assert "<title>Incident review 2024Q3</title>" in page


HOSTILE_ID = "<script>alert(1)</script>"
HOSTILE_SERVICE = "![x](http://evil.example/x.png)\nnext | cell \ud800"


@pytest.fixture(scope="module")
def hostile() -> Review:
    docs = _docs()[:8]
    docs[0]["incident"]["id"] = HOSTILE_ID
    docs[0]["incident"]["service"] = HOSTILE_SERVICE
    docs[0]["incident"]["title"] = "<img src=http://evil.example/t.png>\n# title"
    table = ik.IncidentTable.from_records(
        [ik.from_dict(doc) for doc in docs], as_of=AS_OF
    )
    return review(table, "2024Q3", detectable=False)


def test_record_text_is_escaped_in_html(hostile):
    page = hostile.to_html()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    found = _Resources()
    found.feed(page)
    assert not [url for url in found.urls if "evil" in url]
    assert "\\ud800" in page
    page.encode("utf-8")  # lone surrogates shown as escapes: it encodes


def test_record_text_is_escaped_in_markdown_and_text(hostile):
    markdown = hostile.to_markdown()
    assert "![x](" not in markdown
    # The surrogate shown as its escape, whose backslash Markdown escapes.
    assert r"!\[x\](http://evil.example/x.png) next \| cell \\ud800" in markdown
    assert "&lt;script&gt;" in markdown
    for line in markdown.splitlines():
        # A newline of the record never starts a line of the document.
        assert not line.startswith("next")
    text = str(hostile)
    assert not any(line.startswith("next") for line in text.splitlines())
    text.encode("utf-8")


def test_write_writes_both_files(result, tmp_path):
    html_path, md_path = tmp_path / "r.html", tmp_path / "r.md"
    result.write(html_path, markdown=md_path)
    assert html_path.read_text(encoding="utf-8") == result.to_html()
    assert md_path.read_text(encoding="utf-8") == result.to_markdown()


def test_notebook_display(result):
    assert result._repr_html_().startswith('<div class="incidentkit">')
    assert repr(result) == "Review(2024Q3 vs 2024Q2, 8 incidents)"


# --- the command -----------------------------------------------------------------


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "incidents.jsonl"
    path.write_text(
        "".join(json.dumps(doc) + "\n" for doc in _docs()), encoding="utf-8"
    )
    return path


def test_the_command_writes_both_files(source, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status = main(
        ["review", str(source), "--period", "2024Q3", "--as-of", "2024-10-15"]
    )
    assert status == 0
    page = (tmp_path / "review-2024Q3.html").read_text(encoding="utf-8")
    markdown = (tmp_path / "review-2024Q3.md").read_text(encoding="utf-8")
    assert "Incident review 2024Q3" in page
    assert "| SEV3 | 3 | 38% |" in markdown  # 3 of 8
    assert "8 incidents in 2024Q3" in capsys.readouterr().out


def test_the_command_takes_output_paths(source, tmp_path):
    html_path, md_path = tmp_path / "out" / "q.html", tmp_path / "q-notes.md"
    html_path.parent.mkdir()
    status = main(
        [
            "review",
            str(source),
            "--period",
            "2024-09",
            "-o",
            str(html_path),
            "--markdown",
            str(md_path),
            "--previous",
            "none",
            "--as-of",
            "none",
            "--tz",
            "UTC",
        ]
    )
    assert status == 0
    markdown = md_path.read_text(encoding="utf-8")
    assert "Incident review 2024-09" in markdown
    assert "not judged" in markdown
    assert html_path.exists()


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--period", "2024Q5"], "--period"),
        (["--period", "2024Q3", "--previous", "last"], "--previous"),
        (["--period", "2024Q3", "--tz", "Mars/Olympus"], "--tz"),
        (["--period", "2024Q3", "--as-of", "yesterday"], "--as-of"),
        ([], "--period"),
        (["--period", "2024Q3", "-o", "r.md"], "--markdown"),
    ],
)
def test_a_bad_option_is_a_usage_error(source, capsys, argv, option):
    assert main(["review", str(source), *argv]) == 2
    err = capsys.readouterr().err
    assert option in err
    assert "Traceback" not in err


def test_a_missing_source_fails_cleanly(tmp_path, capsys):
    status = main(["review", str(tmp_path / "nothing.jsonl"), "--period", "2024Q3"])
    assert status == 1
    assert "Traceback" not in capsys.readouterr().err


def test_the_command_reads_the_settings_nearest_the_source(source, tmp_path):
    # report, check and review judge with the same settings: a file beside
    # the source that turns deadlines off is obeyed, and --isolated skips it.
    (tmp_path / "incidentkit.toml").write_text('as-of = "none"\n', encoding="utf-8")
    md_path = tmp_path / "settings.md"
    argv = ["review", str(source), "--period", "2024Q3", "--markdown", str(md_path)]
    assert main([*argv, "-o", str(tmp_path / "settings.html")]) == 0
    assert "not judged" in md_path.read_text(encoding="utf-8")
    isolated = [*argv, "-o", str(tmp_path / "isolated.html"), "--isolated"]
    assert main([*isolated, "--as-of", "2024-10-15"]) == 0
    assert "not judged" not in md_path.read_text(encoding="utf-8")


def test_the_command_shows_its_settings(source, tmp_path, capsys):
    (tmp_path / "incidentkit.toml").write_text('as-of = "none"\n', encoding="utf-8")
    assert main(["review", str(source), "--period", "2024Q3", "--show-settings"]) == 0
    shown = capsys.readouterr().out
    assert str(tmp_path / "incidentkit.toml") in shown
    assert not (tmp_path / "review-2024Q3.html").exists()


def test_a_bad_settings_file_is_a_usage_error(source, tmp_path, capsys):
    (tmp_path / "incidentkit.toml").write_text('as-of = "someday"\n', encoding="utf-8")
    assert main(["review", str(source), "--period", "2024Q3"]) == 2
    err = capsys.readouterr().err
    assert "incidentkit.toml" in err
    assert "Traceback" not in err
