"""Output helpers shared by the commands: text, Markdown, JSON, progress.

Everything the text and Markdown renderers write passes through
:func:`_visible`, so that record text cannot drive the reader's terminal.
"""

from __future__ import annotations

import html
import json
import math
import re
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import IO, Any, Final, TextIO

import attrs

from incidentkit.errors import ValidationError
from incidentkit.render.html import format_duration

#: Bumped whenever the JSON output changes incompatibly; tools should check it.
JSON_SCHEMA_VERSION: Final = 1
#: Sources with at least this many files get a progress bar (on a terminal).
PROGRESS_THRESHOLD: Final = 2000

OUTPUT_FORMATS: Final = ("text", "json", "markdown")

#: What ``check --output-format`` writes: the above, and the forms CI reads.
CHECK_FORMATS: Final = (
    "text",
    "json",
    "json-lines",
    "github",
    "gitlab",
    "sarif",
    "markdown",
)

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

_MISSING: Final = "—"

# C0 and C1 control characters (but the newline that ends our own lines) and
# the bidirectional overrides, embeddings and isolates: record text holding
# them could drive the reader's terminal (colours, cursor moves, a title that
# rewrites the window) or show text in another order than it is stored.
# Lone surrogates too: no encoding writes them, so they are shown as their
# escape (\ud800), the rule of every renderer (_format.escape_surrogates).
_UNSAFE: Final = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\ud800-\udfff]"
)
# What Markdown (CommonMark and GitHub's) reads as syntax inside a line:
# emphasis (* and _ at a word's edge: time_to_resolve stays as it is), code
# spans, links and images (their brackets), table cells, strikethrough and
# the backslash escape itself. Each is written backslash-escaped, which every
# renderer shows as the character alone; <, > and & become entities.
_MARKDOWN: Final = re.compile(r"[\\`*\[\]|~]|(?<![^\W_])_|_(?![^\W_])")
# At the start of a line: a heading, a list item, a quote, a rule.
_LINE_START: Final = re.compile(r"^(?:[#>+=-]|\d+(?=[.)]))")
_BACKTICKS: Final = re.compile("`+")


@attrs.define
class _Section:
    """A titled block of a report, rendered as text or Markdown."""

    title: str
    detail: str = ""
    pairs: list[tuple[str, str]] = attrs.field(factory=list)
    tables: list[tuple[Sequence[str], list[Sequence[str]], Sequence[bool]]] = (
        attrs.field(factory=list)
    )
    notes: list[str] = attrs.field(factory=list)

    def table(
        self,
        header: Sequence[str],
        rows: list[Sequence[str]],
        numeric: Sequence[bool] = (),
    ) -> None:
        self.tables.append((header, rows, numeric))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _visible(text: str) -> str:
    r"""``text`` with control and bidi characters shown as escapes (``\x1b``).

    Applied to everything the text and Markdown renderers write, so that an
    untrusted record cannot send escape sequences to the reader's terminal.

    Example:
        >>> print(_visible("\x1b[31mred\u202e\x00 ok"))
        \x1b[31mred\u202e\x00 ok
    """
    return _UNSAFE.sub(_escape, text)


def _one_line(text: object) -> str:
    # Escaped here too, not only on output: table widths count the escapes.
    return _visible(" ".join(str(text).split()))


def _text_table(
    header: Sequence[str], rows: list[Sequence[str]], numeric: Sequence[bool]
) -> list[str]:
    cells = [[_one_line(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = []
        for i, cell in enumerate(row):
            right = i < len(numeric) and numeric[i]
            last = i == len(row) - 1
            if right:
                parts.append(cell.rjust(widths[i]))
            else:
                parts.append(cell if last else cell.ljust(widths[i]))
        lines.append("  " + "  ".join(parts).rstrip())
    return lines


def _render_text(heading: str, lines: Sequence[str], sections: list[_Section]) -> str:
    # Every piece goes through _one_line, ours too: a section title or a
    # note can quote record text, and a line break in it would print as a
    # line of the report (or forge one a tool parses).
    out = [_one_line(heading), *(_one_line(line) for line in lines)]
    for section in sections:
        out.append("")
        if section.title:
            detail = f" ({section.detail})" if section.detail else ""
            out.append(_one_line(section.title + detail))
        if section.pairs:
            pairs = [(_one_line(key), _one_line(value)) for key, value in section.pairs]
            width = max(len(key) for key, _ in pairs)
            out.extend(f"  {key.ljust(width)}  {value}" for key, value in pairs)
        for header, rows, numeric in section.tables:
            out.extend(_text_table(header, rows, numeric))
        out.extend(f"  {_one_line(note)}" for note in section.notes)
    return _visible("\n".join(out) + "\n")


def _md(text: object) -> str:
    r"""``text`` as one line of Markdown that shows exactly that text.

    The one escaping of the Markdown renderer, for every piece of record
    text and every file name: a newline would end a table row or start a
    heading, so the text is folded to one line (:func:`_one_line`); markup
    characters are backslash-escaped, so that a title cannot show a remote
    image, a link or emphasis in a pull-request comment; and HTML, which
    Markdown passes through, becomes entities.

    Example:
        >>> print(_md("![x](http://e/x.png) *a* _b_ <b>\n| c"))
        !\[x\](http://e/x.png) \*a\* \_b\_ &lt;b&gt; \| c
        >>> print(_md("# time_to_resolve"), _md("1. x"))
        \# time_to_resolve 1\. x
    """
    escaped = html.escape(_one_line(text), quote=False)
    escaped = _MARKDOWN.sub(lambda found: "\\" + found.group(), escaped)
    # "1. x" and "# x" are a list and a heading where a line starts; the
    # escape is harmless elsewhere.
    return _LINE_START.sub(_line_start, escaped, count=1)


def _line_start(found: re.Match[str]) -> str:
    text = found.group()
    return "\\" + text if not text[0].isdigit() else text + "\\"


def _md_code(text: object) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds.

    Backslashes do not escape inside a code span, so a backtick in the text
    would end it early: the fence is one backtick longer than the longest
    run in the text, and spaced from it (CommonMark strips one space each
    side), as the specification prescribes.

    Example:
        >>> _md_code("a ` b")
        '`` a ` b ``'
    """
    line = _one_line(text)
    longest = max((len(run) for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {line} {fence}"


def _md_table(
    header: Sequence[str], rows: list[Sequence[str]], numeric: Sequence[bool]
) -> list[str]:
    align = [
        "---:" if i < len(numeric) and numeric[i] else "---" for i in range(len(header))
    ]
    lines = [
        "| " + " | ".join(_md(name) for name in header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines.extend("| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows)
    return lines


def _render_markdown(
    heading: str, lines: Sequence[str], sections: list[_Section]
) -> str:
    out = [f"## {_md(heading)}", ""]
    if lines:
        out.extend(f"{_md(line)}  " for line in lines)
        out.append("")
    for section in sections:
        if section.title:
            detail = f" ({section.detail})" if section.detail else ""
            out.extend([f"### {_md(section.title + detail)}", ""])
        if section.pairs:
            out.extend(
                f"- **{_md(key)}**: {_md(value)}" for key, value in section.pairs
            )
            out.append("")
        for header, rows, numeric in section.tables:
            out.extend([*_md_table(header, rows, numeric), ""])
        if section.notes:
            out.extend([*(_md(note) for note in section.notes), ""])
    return _visible("\n".join(out).rstrip("\n") + "\n")


def _json_dump(data: Any, stream: TextIO) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    # json escapes C0 controls only; C1 controls (U+009B is a terminal's CSI)
    # and bidi overrides would reach a terminal raw. Outside strings JSON has
    # none of them, so a \uXXXX escape decodes to the same data.
    stream.write(_UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text))
    stream.write("\n")


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else span.total_seconds()


def _iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.isoformat().replace("+00:00", "Z")
    return moment.isoformat()


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: a missing statistic is ``null``."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _print_errors(error: ValidationError, stream: TextIO) -> None:
    for line in error.errors:
        # Errors quote record values and file names: _one_line escapes them.
        stream.write(f"{_one_line(line)}\n")


def _today() -> date:
    return datetime.now(timezone.utc).date()


def _span(seconds: float | None) -> str:
    if seconds is None:
        return _MISSING
    return format_duration(timedelta(seconds=seconds))


# --- progress ------------------------------------------------------------------------


class _Progress:
    """A one-line progress bar on stderr, drawn only on a terminal.

    Redrawn at most ten times a second: a bar that writes for every one of
    200,000 files would cost more than the work it reports.
    """

    def __init__(self, total: int | None, stream: TextIO, label: str) -> None:
        self.total = total
        self.stream = stream
        self.label = label
        self.done = 0
        self.shown = 0.0
        self.enabled = bool(
            total is not None and total >= PROGRESS_THRESHOLD and _isatty(stream)
        )

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.shown >= 0.1:
            self.shown = now
            self._draw()

    def _draw(self) -> None:
        assert self.total is not None
        share = min(1.0, self.done / self.total) if self.total else 1.0
        filled = int(share * 30)
        bar = "#" * filled + "-" * (30 - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {self.done:,}/{self.total:,} {share:4.0%}"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
