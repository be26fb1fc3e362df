"""Render incidentkit's notebook displays as JupyterLab and classic Notebook do.

Builds a notebook (nbformat) whose cells hold the ``_repr_html_`` of a
table, grouped statistics, an interval, a comparison, a survival estimate,
findings and milestones, converts it with nbconvert's ``lab`` and
``classic`` templates (which carry each front end's own stylesheet), and,
unless ``--no-browser``, opens both pages in headless Chromium: it reads the
computed style of every incidentkit table (is a label cell left-aligned, a
number right-aligned, the table not centred?) and takes a screenshot.

JupyterLab right-aligns every cell (``:not(.jp-RenderedMarkdown)
.jp-RenderedHTMLCommon td``, specificity (0,2,1)) and centres tables;
classic Notebook right-aligns too (``.rendered_html td``). The library's
scoped style (``div.incidentkit table.ik-table td``, (0,2,3)) must win over
both. A plain browser shows the fragments fine either way, which is why the
check goes through the front ends' stylesheets.

Run from the repository root (nbformat and nbconvert come with the ``test``
extra; Chromium is not a Python package: ``apt-get install chromium``)::

    python docs/scripts/notebook_check.py --out /tmp/notebook-check

It writes ``lab.html``, ``classic.html``, ``lab.png`` and ``classic.png``
into ``--out``, prints what it measured, and exits with 1 when a cell is
aligned wrongly. ``tests/test_notebook.py`` runs the nbconvert part (no
browser) in the test suite.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

import incidentkit as ik
from incidentkit import synth

TEMPLATES = ("lab", "classic")

#: What the browser is told to report: for every incidentkit table, the
#: computed alignment of its first body cell (a label), of its first numeric
#: cell, and its left margin (JupyterLab centres tables with auto margins).
_PROBE = """
<script>
window.addEventListener("load", function () {
  var found = [];
  document.querySelectorAll("table.ik-table").forEach(function (table) {
    var first = table.querySelector("tbody td:not(.num)");
    var num = table.querySelector("tbody td.num");
    found.push({
      label: first ? getComputedStyle(first).textAlign : null,
      number: num ? getComputedStyle(num).textAlign : null,
      margin: getComputedStyle(table).marginLeft,
      inside: table.closest(".jp-RenderedHTMLCommon, .rendered_html") !== null
    });
  });
  var out = document.createElement("pre");
  out.id = "ik-probe";
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
});
</script>
"""


def _outputs(obj: Any) -> list[Any]:
    return [
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": obj._repr_html_(), "text/plain": repr(obj)},
        )
    ]


def build_notebook() -> Any:
    """A notebook whose outputs are the displays of incidentkit's results."""
    records = list(synth.generate(300, seed=11))
    table = ik.IncidentTable.from_records(records, as_of=date(2025, 1, 1))
    declared = table["declared_at"]
    recent = table[declared >= declared[len(table) // 2]]
    earlier = table[declared < declared[len(table) // 2]]
    flawed = next(rec for rec in records if ik.check(rec))
    shown = [
        ("table", table),
        ('table.group_stats("time_to_resolve", by="severity")',
         table.group_stats("time_to_resolve", by="severity")),
        ('table.intervals("time_to_resolve", "p90", by="severity")',
         table.intervals("time_to_resolve", "p90", by="severity")),
        ('ik.compare(recent, earlier, "time_to_resolve", seed=1)',
         ik.compare(recent, earlier, "time_to_resolve", seed=1, n=500)),
        ('table.survival(by="severity")', table.survival(by="severity")),
        ("ik.check(flawed)", ik.check(flawed)),
        ("ik.milestones(flawed)", ik.milestones(flawed)),
        ("ik.phase_durations(ik.example())", ik.phase_durations(ik.example())),
    ]  # fmt: skip
    notebook = nbformat.v4.new_notebook()
    # Without a language nbconvert highlights with IPython's lexer, which
    # needs IPython installed (and warns when it is not).
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "python3"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            "# incidentkit displays\n\nEach output is the object's `_repr_html_`."
        )
    ]
    for count, (source, obj) in enumerate(shown, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.outputs = _outputs(obj)
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def convert(notebook: Any, template: str) -> str:
    """The notebook as one HTML page of nbconvert's ``template``."""
    exporter = HTMLExporter(template_name=template)
    body, _ = exporter.from_notebook_node(notebook)
    return str(body)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _browser(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                # The templates load MathJax and require.js from a CDN; with
                # no network they fail, and the budget lets the page settle.
                "--virtual-time-budget=5000",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def measure(binary: str, page: Path) -> list[dict[str, Any]]:
    """The computed alignment of every incidentkit table of ``page``."""
    probe = page.with_name(page.stem + "-probe.html")
    text = page.read_text(encoding="utf-8")
    probe.write_text(text.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    done = _browser(binary, "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="ik-probe">(.*?)</pre>', done.stdout, re.S)
    if found is None:
        raise RuntimeError(f"no measurement in the DOM of {probe}: {done.stderr}")
    result: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))
    return result


def screenshot(binary: str, page: Path, png: Path) -> None:
    """A 1200 × 1600 screenshot of ``page``."""
    _browser(binary, f"--screenshot={png}", "--window-size=1200,1600", page.as_uri())


def problems(tables: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the measured tables, in words."""
    found = []
    if not tables:
        found.append("no incidentkit table found")
    for i, table in enumerate(tables):
        if not table["inside"]:
            found.append(f"table {i}: not inside the front end's output area")
        if table["label"] not in (None, "left"):
            found.append(f"table {i}: label cells are {table['label']}-aligned")
        if table["number"] not in (None, "right"):
            found.append(f"table {i}: number cells are {table['number']}-aligned")
        if table["margin"] != "0px":
            found.append(f"table {i}: left margin {table['margin']} (centred?)")
    return found


def main(argv: list[str] | None = None) -> int:
    """Write both pages, and check them in Chromium unless told not to."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("notebook-check"))
    parser.add_argument("--no-browser", action="store_true")
    options = parser.parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    notebook = build_notebook()
    nbformat.write(notebook, options.out / "displays.ipynb")
    binary = None if options.no_browser else _chromium()
    if not options.no_browser and binary is None:
        print("chromium not found: pages written, not checked", file=sys.stderr)
    failed = False
    for template in TEMPLATES:
        page = options.out / f"{template}.html"
        page.write_text(convert(notebook, template), encoding="utf-8")
        print(f"{template}: {page}")
        if binary is None:
            continue
        tables = measure(binary, page)
        screenshot(binary, page, options.out / f"{template}.png")
        aligned = {(t["label"], t["number"], t["margin"]) for t in tables}
        shown = sorted(aligned, key=str)
        print(f"  {len(tables)} tables; (label, number, margin): {shown}")
        for problem in problems(tables):
            failed = True
            print(f"  problem: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
