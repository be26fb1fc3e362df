from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import attrs
import pytest

import incidentkit as ik
from incidentkit.figures.incident import impact_score, phase_durations
from incidentkit.render import html as display
from incidentkit.render.html import (
    Findings,
    findings_html,
    format_duration,
    format_number,
    format_seconds,
    group_stats_html,
    impact_score_html,
    phase_durations_html,
    record_html,
)

UTC = timezone.utc
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def _retitled(title: str) -> ik.IncidentRecord:
    rec = ik.example()
    return attrs.evolve(rec, incident=attrs.evolve(rec.incident, title=title))


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=7), "7m"),
        (timedelta(minutes=7, seconds=5), "7m 5s"),
        (timedelta(hours=2, minutes=30), "2h 30m"),
        # 1 day 0 h 1 min: the unit below days is hours, which are zero.
        (timedelta(days=1, minutes=1), "1d"),
        (timedelta(days=3, hours=4, minutes=5), "3d 4h"),
        (timedelta(minutes=-7, seconds=-5), "-7m 5s"),
        (timedelta(microseconds=1), "<1s"),
        (timedelta(microseconds=-1), "-<1s"),
        (None, "—"),
    ],
)
def test_format_duration(span, text):
    assert format_duration(span) == text


def test_format_duration_at_the_limits_of_timedelta():
    # timedelta.max is 999999999 days 23:59:59.999999; timedelta.min is
    # -999999999 days exactly (abs() of it overflows).
    assert format_duration(timedelta.max) == "999999999d 23h"
    assert format_duration(timedelta.min) == "-999999999d"


def test_format_seconds_and_numbers():
    assert format_seconds(5400.0) == "1h 30m"  # 5400 = 90 × 60
    assert format_seconds(float("nan")) == "—"
    assert format_seconds(None) == "—"
    assert format_seconds(1e300) == "1e+300s"  # beyond timedelta: no overflow
    assert format_number(937500.0) == "937,500"
    assert format_number(float("inf")) == "—"


def test_record_html_says_an_unknown_severity_is_unknown():
    rec = ik.example()
    rec = attrs.evolve(rec, incident=attrs.evolve(rec.incident, severity=None))
    assert "<td>unknown</td>" in record_html(rec)


def test_record_html_shows_header_milestones_and_timeline():
    fragment = record_html(ik.example())
    assert fragment.startswith('<div class="incidentkit">')
    assert "INC-2024-0142 · Payment Service Degradation" in fragment
    # started is the trigger at 14:15, resolved the incident's 16:45; the
    # difference, 2 h 30 min, is the time to resolve.
    assert "2024-01-15 14:15 UTC" in fragment
    assert "2024-01-15 16:45 UTC" in fragment
    assert "2h 30m" in fragment
    # The example has 18 events, all shown, one table row each.
    assert fragment.count("<td>monitoring</td>") == 2  # two events by that actor
    assert "18 events" in fragment


def test_record_html_escapes_every_record_text():
    rec = _retitled(HOSTILE)
    events = list(rec.events)
    events[0] = attrs.evolve(events[0], description=HOSTILE, actor="<b>me</b>")
    rec = attrs.evolve(
        rec,
        events=tuple(events),
        incident=attrs.evolve(rec.incident, service="<i>svc</i>", severity="<S>"),
    )
    fragment = record_html(rec)
    assert "<script" not in fragment
    assert "<img" not in fragment
    assert "<b>me" not in fragment
    assert "<i>svc" not in fragment
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in fragment
    assert "&lt;S&gt;" in fragment


def test_record_html_limits_the_timeline():
    fragment = record_html(ik.example(), max_events=3)
    # 18 events, 3 shown: 15 summarised.
    assert "… and 15 more events" in fragment


def test_record_html_minimal_and_extreme_records():
    minimal = ik.from_dict(
        {
            "incident": {
                "id": "I-1",
                "title": "t",
                "severity": "whatever",
                "status": "open",
                "declared_at": "0001-01-01T00:00:00Z",
            },
            "events": [
                {"timestamp": "9999-12-31T23:59:59Z", "type": "resolution"},
            ],
        }
    )
    fragment = record_html(minimal)
    assert "0001-01-01 00:00 UTC" in fragment
    assert "9999-12-31 23:59:59 UTC" in fragment


def test_phase_durations_html():
    fragment = phase_durations_html(phase_durations(ik.example()))
    # Phases of the example, by hand from its milestones 14:15, 14:20,
    # 14:23, 14:45, 15:30, 16:45: 5m, 3m, 22m, 45m, 1h 15m.
    for text in ("5m", "3m", "22m", "45m", "1h 15m", "started → detected"):
        assert f">{text}<" in fragment
    assert fragment.count("<tr>") == 1 + 7 + 1 + 5  # two headers, 7 + 5 rows


def test_impact_score_html_lists_every_component():
    score = impact_score(ik.example())
    fragment = impact_score_html(score)
    assert f"Impact score {score.score:.1f} / 100" in fragment
    for name in score.components:
        assert f"<td>{name}</td>" in fragment


def test_impact_score_html_escapes_and_formats():
    fake = SimpleNamespace(
        score=43.46,
        user_minutes=None,
        impact_duration=None,
        reason=None,
        components={
            "<x>": SimpleNamespace(weight=10.0, value=0.5, contribution=5.0, group="&")
        },
    )
    fragment = impact_score_html(fake)
    assert "Impact score 43.5 / 100" in fragment
    assert "user-minutes —" in fragment
    assert "<td>&lt;x&gt;</td>" in fragment
    assert "<td>&amp;</td>" in fragment


def test_findings_html_and_the_findings_list():
    findings = [
        SimpleNamespace(
            code="IK101", level="error", path="incident.severity", message=HOSTILE
        ),
        SimpleNamespace(code="IK403", level="warning", path="", message="gap"),
        SimpleNamespace(code="IK403", level="warning", path="x", message="gap"),
    ]
    fragment = findings_html(findings)
    assert "<script" not in fragment
    assert "1 error, 2 warning" in fragment
    assert "<code>$</code>" in fragment  # an empty path is the whole record
    assert "… and 2 more" in findings_html(findings, max_rows=1)
    wrapped = Findings(findings)
    assert wrapped == findings
    assert isinstance(wrapped, list)
    assert wrapped._repr_html_() == fragment


def test_findings_html_with_real_findings():
    from incidentkit.checks.engine import check

    findings = check(ik.example())
    fragment = findings_html(findings)
    for finding in findings:
        assert f"<td>{finding.code}</td>" in fragment


def test_group_stats_html_with_a_duck():
    stats = SimpleNamespace(
        groups=["SEV1", None],
        count=[2, 0],
        missing=[1, 3],
        mean=[90.0, float("nan")],
        median=[90.0, float("nan")],
        p90=[114.0, float("nan")],
        p95=[117.0, float("nan")],
        min=[60.0, float("nan")],
        max=[120.0, float("nan")],
    )
    fragment = group_stats_html(stats, seconds=True)
    # 90 s is 1 min 30 s; 120 s is 2 min.
    assert '<td class="num">1m 30s</td>' in fragment
    assert '<td class="num">2m</td>' in fragment
    assert fragment.count("<td>—</td>") == 1  # the None group
    plain = group_stats_html(stats)  # no column: plain numbers
    assert '<td class="num">90</td>' in plain


@pytest.fixture(scope="module")
def table():
    from incidentkit import synth
    from incidentkit.table.frame import IncidentTable

    return IncidentTable.from_records(synth.generate(200, seed=5))


def test_group_stats_html_of_a_real_table(table):
    import numpy as np

    stats = table.group_stats("time_to_resolve", by="severity")
    fragment = group_stats_html(stats)
    assert "time_to_resolve by severity" in fragment
    levels = table["severity"]
    values = table["time_to_resolve"]
    for level in sorted(set(levels.tolist())):
        # Independently: numpy's median of the group's values present.
        present = values[(levels == level) & ~np.isnan(values)]
        expected = format_seconds(float(np.median(present)))
        row = fragment.split(f"<td>SEV{level}</td>")[1].split("</tr>")[0]
        assert f'<td class="num">{len(present):,}</td>' in row
        assert f'<td class="num">{expected}</td>' in row


def test_group_stats_html_by_month_and_two_keys(table):
    by_month = group_stats_html(table.group_stats("impact_score", by="month"))
    assert re.search(r"<td>\d{4}-\d{2}</td>", by_month)
    both = group_stats_html(
        table.group_stats("time_to_resolve", by=["severity", "service"])
    )
    assert "<th>severity / service</th>" in both
    assert re.search(r"<td>SEV\d / [a-z-]+</td>", both)


def test_bootstrap_stats_html(table):
    ci = table.bootstrap("time_to_resolve", "p90", by="severity", n=200, seed=2)
    fragment = display.bootstrap_stats_html(ci)
    assert "p90 of time_to_resolve by severity" in fragment
    assert "95% CI" in fragment
    assert "200 resamples" in fragment


def test_table_html_shows_shape_and_head(table):
    fragment = display.table_html(table, rows=3)
    assert "200 incidents × " in fragment
    assert fragment.count("<td>INC-0000") == 3
    assert "… 197 more rows" in fragment
    # A duration column: its name right-aligned over its values.
    assert '<th class="num">time_to_resolve</th>' in fragment


def test_table_html_escapes_ids():
    from incidentkit.table.frame import IncidentTable

    rec = ik.example()
    rec = attrs.evolve(rec, incident=attrs.evolve(rec.incident, id=HOSTILE))
    fragment = display.table_html(IncidentTable.from_records([rec]))
    assert "<script" not in fragment
    assert "1 incident × " in fragment


def test_display_module_exports():
    for name in display.__all__:
        assert hasattr(display, name)


def test_no_input_is_modified():
    rec = ik.example()
    before = ik.dumps(rec)
    record_html(rec)
    assert ik.dumps(rec) == before
    assert datetime(2024, 1, 15, 14, 15, tzinfo=UTC) == rec.events[0].timestamp


def test_communications_summary_html_of_the_example():
    from incidentkit.figures.incident import communications_summary

    fragment = display.communications_summary_html(communications_summary(ik.example()))
    # Declared 14:23, first status-page update 14:30: 7 min. Gaps 15, 35 and
    # 90 min: the longest is 1 h 30 min. Two promises, the 14:45 one broken.
    for name, value in (
        ("external updates", "4"),
        ("time to first update", "7m"),
        ("longest gap", "1h 30m"),
        ("promises", "2"),
        ("broken promises", "1"),
    ):
        assert f"<tr><td>{name}</td><td>{value}</td></tr>" in fragment
    assert fragment.count("<td>broken</td>") == 1


def test_action_item_coverage_html_of_the_example():
    from datetime import date

    from incidentkit.figures.incident import action_item_coverage

    coverage = action_item_coverage(ik.example(), as_of=date(2024, 1, 30))
    fragment = display.action_item_coverage_html(coverage)
    # Items 0 and 2 are due before 2024-01-30 and not done.
    assert "<td>0, 2</td>" in fragment
    assert "<td>detection, prevention</td>" in fragment  # required for SEV1


def _classes_with_a_notebook_rendering():
    import importlib
    import inspect
    import pkgutil

    found = []
    for info in pkgutil.walk_packages(ik.__path__, "incidentkit."):
        if info.name in ("incidentkit.__main__", "incidentkit.plot"):
            continue  # runs the command line / optional matplotlib
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            # Inherited renderings count (the results by group share one);
            # private bases are never shown themselves.
            public = not cls.__name__.startswith("_")
            if cls.__module__ == info.name and public and hasattr(cls, "_repr_html_"):
                found.append(cls)
    return found


def test_every_result_with_a_notebook_rendering_has_its_renderer_registered():
    from incidentkit import _display

    classes = _classes_with_a_notebook_rendering()
    assert ik.IncidentTable in classes
    assert ik.GroupStats in classes
    fallback = _display.html.dispatch(object)
    missing = [
        cls.__qualname__
        for cls in classes
        # Findings renders itself, in the render layer.
        if cls is not Findings and _display.html.dispatch(cls) is fallback
    ]
    assert missing == []


def _specificity(selector: str) -> tuple[int, int, int]:
    """(ids, classes, elements) of a simple CSS selector, counted by hand."""
    ids = selector.count("#")
    classes = selector.count(".")
    elements = len(re.findall(r"(?:^|[\s>+~])([a-z][a-z0-9]*)", selector))
    elements += len(re.findall(r"[a-z0-9](?=\.)", selector)) - len(
        re.findall(r"(?:^|[\s>+~])[a-z][a-z0-9]*(?=\.)", selector)
    )
    return ids, classes, elements


def test_cell_alignment_wins_over_jupyterlab():
    # JupyterLab right-aligns cells with ".jp-RenderedHTMLCommon td" and
    # "... th" (0,1,1); every table the library writes carries the class its
    # style selects, with selectors that outrank those.
    table = ik.IncidentTable.from_records([ik.example()] * 2)
    for page in (table._repr_html_(), ik.check(ik.example())._repr_html_()):
        if "<table" not in page:
            continue
        assert re.findall(r"<table[^>]*>", page) == ["<table class='ik-table'>"] * len(
            re.findall(r"<table", page)
        )
        style = re.search(r"<style>(.*?)</style>", page).group(1)
        rules = dict(re.findall(r"([^{}]+)\{([^{}]*)\}", style))
        left = [sel for sel, body in rules.items() if "text-align:left" in body]
        assert left
        for group in left:
            for selector in group.split(","):
                assert "table.ik-table" in selector
                assert _specificity(selector.strip()) > (0, 1, 1)
                assert _specificity(selector.strip()) > _specificity(
                    ".jp-RenderedHTMLCommon tbody td"
                )
                # JupyterLab 4's own rule, ":not(.jp-RenderedMarkdown)
                # .jp-RenderedHTMLCommon td": :not() counts as its argument,
                # one class, so (0,2,1) by hand.
                assert _specificity(selector.strip()) > (0, 2, 1)
