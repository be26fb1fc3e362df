"""The notebook displays in nbconvert's JupyterLab and classic pages.

``docs/scripts/notebook_check.py`` builds a notebook of incidentkit
displays and converts it with both templates; here the conversion runs
without a browser, and the test checks what the browser part relies on: the
front ends' own right-aligning rules are on the page, every incidentkit
table sits inside their output areas with the scoped style beside it. The
computed alignment itself is measured in Chromium by the script (Chromium
is not installed in CI).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytest.importorskip("nbformat")
pytest.importorskip("nbconvert")

SCRIPT = (
    Path(__file__).resolve().parent.parent / "docs" / "scripts" / "notebook_check.py"
)


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location("notebook_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def notebook(check):
    return check.build_notebook()


# The rule each front end right-aligns every cell with, as its stylesheet
# spells it (JupyterLab 4, classic Notebook 6).
FRONT_END_RULES = {
    "lab": ":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td",
    "classic": ".rendered_html td",
}
OUTPUT_AREAS = {"lab": "jp-RenderedHTMLCommon", "classic": "rendered_html"}


@pytest.mark.parametrize("template", ["lab", "classic"])
def test_the_converted_page_holds_every_display_in_the_front_end(
    check, notebook, template
):
    page = check.convert(notebook, template)
    assert FRONT_END_RULES[template] in page
    # Eight displays: table, group stats, intervals, comparison (lines, no
    # table), survival, findings, milestones and phase durations (two
    # tables): 1 + 1 + 1 + 0 + 1 + 1 + 1 + 2 = 8 tables.
    # (nbconvert writes the attribute's quotes its own way.)
    assert len(re.findall(r"<table class=[\"']ik-table[\"']>", page)) == 8
    fragments = page.count('<div class="incidentkit">')
    assert fragments == 8
    # Each fragment sits in an output area of the front end, and carries
    # the scoped style that outranks the front end's rule.
    areas = re.findall(
        r'<div class="([^"]*)"[^>]*>\s*<div class="incidentkit"><style>'
        r"div\.incidentkit table\.ik-table",
        page,
    )
    assert len(areas) == fragments
    assert all(OUTPUT_AREAS[template] in classes.split() for classes in areas)


def test_the_measurements_are_judged(check):
    good = {"label": "left", "number": "right", "margin": "0px", "inside": True}
    assert check.problems([good]) == []
    assert check.problems([]) == ["no incidentkit table found"]
    bad = {**good, "label": "right", "margin": "120px"}
    assert check.problems([bad]) == [
        "table 0: label cells are right-aligned",
        "table 0: left margin 120px (centred?)",
    ]
