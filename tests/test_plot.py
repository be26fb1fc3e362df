from __future__ import annotations

import io
import sys

import attrs
import numpy as np
import pytest

import incidentkit as ik

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from incidentkit import plot  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    return buffer.getvalue()


def _minimal(**incident: object) -> ik.IncidentRecord:
    doc = {
        "incident": {
            "id": "I-1",
            "title": "t",
            "severity": "SEV2",
            "status": "open",
            "declared_at": "2024-01-01T00:00:00Z",
            **incident,
        }
    }
    return ik.from_dict(doc)


# --- timeline --------------------------------------------------------------------


def test_timeline_of_the_example():
    figure = plot.timeline(ik.example())
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert ax.get_xlabel() == "time (UTC)"
    assert ax.get_title(loc="left").startswith("INC-2024-0142 · Payment Service")
    # The example has events of eight types (no acknowledgement), and
    # external updates.
    rows = [label.get_text() for label in ax.get_yticklabels()]
    kinds = [k.value for k in ik.EventType if k is not ik.EventType.ACKNOWLEDGEMENT]
    assert rows == [*kinds, "external updates"]
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(markers) == 9
    # 18 events plus 4 external updates (the communications with audience
    # external), one point each.
    assert sum(len(c.get_offsets()) for c in markers) == 18 + 4
    # Five phases, each with known and increasing bounds: five bands.
    bands = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bands) == 5
    # Six milestones, six dashed lines, named on the top axis.
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 6
    top = ax.child_axes[0]
    assert [t.get_text() for t in top.get_xticklabels()] == [
        "started",
        "detected",
        "declared",
        "identified",
        "mitigated",
        "resolved",
    ]
    assert _png(figure).startswith(PNG_SIGNATURE)


def test_timeline_legend_counts_events():
    figure = plot.timeline(ik.example())
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    # By hand from the example: 4 mitigation events, 4 status-page updates.
    assert "mitigation (4)" in labels
    assert "external updates (4)" in labels
    assert "monitoring phase" in labels


def test_timeline_of_a_record_without_events():
    figure = plot.timeline(_minimal())
    ax = figure.axes[0]
    # started = declared = the only known milestones; no phase has both ends.
    assert not [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len([line for line in ax.lines if isinstance(line, Line2D)]) == 2
    # Both at one moment: one tick on the top axis names them both.
    top = ax.child_axes[0]
    assert [t.get_text() for t in top.get_xticklabels()] == ["started, declared"]
    assert _png(figure).startswith(PNG_SIGNATURE)


def test_timeline_leaves_out_negative_phases():
    rec = ik.example()
    # Resolved before mitigated: the monitoring phase is negative.
    rec = attrs.evolve(
        rec,
        incident=attrs.evolve(
            rec.incident, resolved_at=rec.events[0].timestamp.replace(hour=15)
        ),
    )
    figure = plot.timeline(rec)
    bands = [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]
    assert len(bands) < 5
    _png(figure)


def test_timeline_title_with_dollars_renders_as_text():
    figure = plot.timeline(_minimal(title="lost $5 and $10 <b>"))
    title = figure.axes[0].get_title(loc="left")
    assert title == r"I-1 · lost \$5 and \$10 <b> (SEV2)"
    _png(figure)  # mathtext would fail or garble here


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_timeline_near_the_limits_of_datetime(moment):
    doc = {
        "incident": {
            "id": "I-1",
            "title": "t",
            "severity": "SEV1",
            "status": "resolved",
            "declared_at": moment,
            "resolved_at": moment,
        },
        "events": [{"timestamp": moment, "type": "trigger"}],
    }
    figure = plot.timeline(ik.from_dict(doc))
    assert _png(figure).startswith(PNG_SIGNATURE)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r'pip install "incidentkit\[plot\]"'):
        plot.timeline(ik.example())


# --- many incidents ---------------------------------------------------------------


@pytest.fixture(scope="module")
def table():
    from incidentkit import synth
    from incidentkit.table.frame import IncidentTable

    return IncidentTable.from_records(synth.generate(400, seed=11))


def _sizes(table, column, by):
    """Values present per group label, counted with a plain loop."""
    import math

    counts: dict[object, int] = {}
    for key, value in zip(table[by].tolist(), table[column].tolist(), strict=True):
        if not math.isnan(value):
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_durations_ecdf_per_group(table):
    figure = plot.durations(table, "time_to_resolve", by="severity")
    ax = figure.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "time_to_resolve (log scale)"
    sizes = _sizes(table, "time_to_resolve", "severity")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(labels) == len(sizes)
    for level, count in sorted(sizes.items()):
        assert any(
            label.startswith(f"SEV{level} (n={count:,}, median ") for label in labels
        )
    # One step line per group, and one median marker per group.
    steps = [line for line in ax.lines if line.get_drawstyle() == "steps-post"]
    assert len(steps) == len(sizes)
    for line in steps:
        y = line.get_ydata()
        assert y[-1] == 1.0  # an ECDF ends at 1
    markers = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(markers) == len(sizes)
    assert all(line.get_ydata()[0] == 0.5 for line in markers)
    _png(figure)


def test_durations_medians_are_the_tables(table):
    import numpy as np

    figure = plot.durations(table, "time_to_resolve", by="severity")
    markers = [line for line in figure.axes[0].lines if line.get_marker() == "o"]
    levels = table["severity"]
    values = table["time_to_resolve"]
    expected = sorted(
        float(np.median(values[(levels == level) & ~np.isnan(values)]))
        for level in set(levels.tolist())
    )
    assert sorted(float(m.get_xdata()[0]) for m in markers) == pytest.approx(expected)


def test_durations_box_and_strip_limits_groups(table):
    figure = plot.durations(
        table, "time_to_resolve", by="service", kind="box", max_groups=3
    )
    ax = figure.axes[0]
    services = _sizes(table, "time_to_resolve", "service")
    assert len(ax.get_yticklabels()) == 3
    assert f"3 largest of {len(services)} groups" in ax.get_title(loc="left")
    largest = sorted(services.values(), reverse=True)[:3]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert (
        sorted((int(t.split("n=")[1].split(",")[0]) for t in legend), reverse=True)
        == largest
    )
    _png(figure)


def test_durations_starts_the_curve_at_the_share_at_zero_on_a_log_axis():
    from incidentkit.table.frame import IncidentTable

    rec = ik.example()
    zero = attrs.evolve(
        rec, incident=attrs.evolve(rec.incident, resolved_at=rec.events[0].timestamp)
    )
    table = IncidentTable.from_records([rec, zero, zero])
    figure = plot.durations(table, "time_to_resolve", by=None)
    (label,) = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    # Three values: 9000 s and two zeros; the median of (0, 0, 9000) is 0.
    assert label == "all (n=3, median 0s), 67% at ≤ 0"
    (line,) = figure.axes[0].get_lines()[:1]
    # The curve starts at 2/3 (the zeros) and reaches 1 at 9000 s.
    assert line.get_ydata()[0] == pytest.approx(2 / 3)
    assert line.get_ydata()[-1] == 1.0
    assert line.get_xdata()[-1] == 9000.0
    _png(figure)


def test_durations_of_a_number_column_is_linear(table):
    figure = plot.durations(table, "impact_score", by="severity")
    assert figure.axes[0].get_xscale() == "linear"


def test_durations_rejects_bad_arguments(table):
    with pytest.raises(ik.ValidationError, match="column: no column 'nope'"):
        plot.durations(table, "nope")
    with pytest.raises(ik.ValidationError, match="kind: expected"):
        plot.durations(table, kind="violin")
    with pytest.raises(ik.ValidationError, match="max_groups"):
        plot.durations(table, max_groups=0)
    with pytest.raises(ik.ValidationError, match="table: expected an IncidentTable"):
        plot.durations([ik.example()])


def test_trend_by_month(table):
    figure = plot.trend(table, "time_to_resolve", n=100, seed=1)
    top, bottom = figure.axes
    assert [line.get_label() for line in top.get_lines()] == ["median", "p90"]
    assert top.get_ylabel() in {
        "time_to_resolve (minutes)",
        "time_to_resolve (hours)",
        "time_to_resolve (days)",
    }
    months = table.group_stats("time_to_resolve", by="month")
    assert len(top.get_lines()[0].get_xdata()) == len(months.groups)
    # Two bands (fill_between) on top, two bars per month below.
    assert len([c for c in top.collections if isinstance(c, PolyCollection)]) == 2
    assert len(bottom.patches) == 2 * len(months.groups)
    # The bars count every incident in a month: with a value, then without.
    heights = [p.get_height() for p in bottom.patches]
    total = sum(heights)
    declared = table["declared_at"]
    assert total == int((~np.isnat(declared)).sum())
    assert bottom.get_ylabel() == "incidents"
    _png(figure)


def test_trend_rejects_other_periods(table):
    with pytest.raises(ik.ValidationError, match="freq"):
        plot.trend(table, freq="week")


# --- composing: ax=, colours by severity ------------------------------------------


def test_every_plot_draws_into_the_users_axes(table):
    import matplotlib.figure

    figure = matplotlib.figure.Figure()
    grid = figure.subplots(2, 2)
    assert plot.timeline(ik.example(), ax=grid[0, 0]) is grid[0, 0]
    assert plot.durations(table, ax=grid[0, 1]) is grid[0, 1]
    assert plot.trend(table, n=50, ax=grid[1, 0], counts_ax=grid[1, 1]) is grid[1, 0]
    # Nothing else was added to the user's figure.
    assert len(figure.axes) == 4
    assert grid[0, 0].get_xlabel() == "time (UTC)"
    assert [line.get_label() for line in grid[1, 0].get_lines()] == ["median", "p90"]
    assert grid[1, 1].get_ylabel() == "incidents"
    alone = matplotlib.figure.Figure().subplots()
    plot.trend(table, n=50, ax=alone)
    assert len(alone.figure.axes) == 1
    figure.canvas.draw()


def test_a_bad_ax_names_the_parameter(table):
    with pytest.raises(
        ik.ValidationError, match=r"ax: expected a matplotlib Axes, got str"
    ):
        plot.durations(table, ax="left")
    with pytest.raises(ik.ValidationError, match=r"counts_ax: give it with ax"):
        plot.trend(table, counts_ax=object())


def test_severity_keeps_its_colour_whatever_groups_are_shown(table):
    from matplotlib.colors import to_hex

    def colours(fig_or_ax):
        ax = fig_or_ax.axes[0] if hasattr(fig_or_ax, "savefig") else fig_or_ax
        handles, labels = ax.get_legend_handles_labels()
        return {
            label.split(" ")[0]: to_hex(handle.get_color())
            for handle, label in zip(handles, labels, strict=True)
        }

    every = colours(plot.durations(table, by="severity"))
    some = colours(plot.durations(table[table["severity"] >= 2], by="severity"))
    expected = {"SEV0": "#d55e00", "SEV1": "#e69f00", "SEV2": "#cc79a7"}
    expected |= {"SEV3": "#0072b2", "SEV4": "#009e73"}
    assert every == {name: expected[name] for name in every}
    assert some == {name: expected[name] for name in some}
    assert set(some) == {"SEV2", "SEV3", "SEV4"}
    assert plot.severity_colour(7) == plot.severity_colour(None) == "#999999"
