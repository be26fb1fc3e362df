"""Reports as a model, and that model written as text or Markdown.

A report is a heading, a few lines of facts and :class:`Section` blocks
(pairs, tables, notes). The command line builds one per record or group;
:func:`render_text` and :func:`render_markdown` here and
:func:`incidentkit.render.html.render_html` write the same model, so that
every output format shows the same content and escapes it by one rule per
format. Everything the text and Markdown renderers write passes through
:func:`visible`, so that record text cannot drive the reader's terminal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Final

import attrs

__all__ = [
    "UNSAFE",
    "Section",
    "md",
    "md_code",
    "md_table",
    "one_line",
    "render_markdown",
    "render_text",
    "visible",
]

# C0 and C1 control characters (but the newline that ends our own lines) and
# the bidirectional overrides, embeddings and isolates: record text holding
# them could drive the reader's terminal (colours, cursor moves, a title that
# rewrites the window) or show text in another order than it is stored.
# Lone surrogates too: no encoding writes them, so they are shown as their
# escape (\ud800), the rule of every renderer (_format.escape_surrogates).
#: Characters no renderer writes as they are (shown as escapes instead).
UNSAFE: Final = re.compile(
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
class Section:
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
        """Add a table; ``numeric`` marks the columns aligned to the right."""
        self.tables.append((header, rows, numeric))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    r"""``text`` with control and bidi characters shown as escapes (``\x1b``).

    Applied to everything the text and Markdown renderers write, so that an
    untrusted record cannot send escape sequences to the reader's terminal.

    Example:
        >>> print(visible("\x1b[31mred\u202e\x00 ok"))
        \x1b[31mred\u202e\x00 ok
    """
    return UNSAFE.sub(_escape, text)


def one_line(text: object) -> str:
    """``text`` folded to one line, with :func:`visible`'s escapes."""
    # Escaped here too, not only on output: table widths count the escapes.
    return visible(" ".join(str(text).split()))


def _text_table(
    header: Sequence[str], rows: list[Sequence[str]], numeric: Sequence[bool]
) -> list[str]:
    cells = [[one_line(cell) for cell in row] for row in [header, *rows]]
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


def render_text(heading: str, lines: Sequence[str], sections: list[Section]) -> str:
    """A report as plain text: aligned pairs and tables, one line per item."""
    # Every piece goes through one_line, ours too: a section title or a
    # note can quote record text, and a line break in it would print as a
    # line of the report (or forge one a tool parses).
    out = [one_line(heading), *(one_line(line) for line in lines)]
    for section in sections:
        out.append("")
        if section.title:
            detail = f" ({section.detail})" if section.detail else ""
            out.append(one_line(section.title + detail))
        if section.pairs:
            pairs = [(one_line(key), one_line(value)) for key, value in section.pairs]
            width = max(len(key) for key, _ in pairs)
            out.extend(f"  {key.ljust(width)}  {value}" for key, value in pairs)
        for header, rows, numeric in section.tables:
            out.extend(_text_table(header, rows, numeric))
        out.extend(f"  {one_line(note)}" for note in section.notes)
    return visible("\n".join(out) + "\n")


def md(text: object) -> str:
    r"""``text`` as one line of Markdown that shows exactly that text.

    The one escaping of the Markdown renderer, for every piece of record
    text and every file name: a newline would end a table row or start a
    heading, so the text is folded to one line (:func:`one_line`); markup
    characters are backslash-escaped, so that a title cannot show a remote
    image, a link or emphasis in a pull-request comment; and HTML, which
    Markdown passes through, becomes entities.

    Example:
        >>> print(md("![x](http://e/x.png) *a* _b_ <b>\n| c"))
        !\[x\](http://e/x.png) \*a\* \_b\_ &lt;b&gt; \| c
        >>> print(md("# time_to_resolve"), md("1. x"))
        \# time_to_resolve 1\. x
    """
    escaped = html.escape(one_line(text), quote=False)
    escaped = _MARKDOWN.sub(lambda found: "\\" + found.group(), escaped)
    # "1. x" and "# x" are a list and a heading where a line starts; the
    # escape is harmless elsewhere.
    return _LINE_START.sub(_line_start, escaped, count=1)


def _line_start(found: re.Match[str]) -> str:
    text = found.group()
    return "\\" + text if not text[0].isdigit() else text + "\\"


def md_code(text: object) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds.

    Backslashes do not escape inside a code span, so a backtick in the text
    would end it early: the fence is one backtick longer than the longest
    run in the text, and spaced from it (CommonMark strips one space each
    side), as the specification prescribes.

    Example:
        >>> md_code("a ` b")
        '`` a ` b ``'
    """
    line = one_line(text)
    longest = max((len(run) for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {line} {fence}"


def md_table(
    header: Sequence[str], rows: list[Sequence[str]], numeric: Sequence[bool]
) -> list[str]:
    """The lines of a Markdown table, every cell escaped by :func:`md`."""
    align = [
        "---:" if i < len(numeric) and numeric[i] else "---" for i in range(len(header))
    ]
    lines = [
        "| " + " | ".join(md(name) for name in header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines.extend("| " + " | ".join(md(cell) for cell in row) + " |" for row in rows)
    return lines


def render_markdown(heading: str, lines: Sequence[str], sections: list[Section]) -> str:
    """A report as Markdown (GitHub's), every piece of text escaped by :func:`md`."""
    out = [f"## {md(heading)}", ""]
    if lines:
        out.extend(f"{md(line)}  " for line in lines)
        out.append("")
    for section in sections:
        if section.title:
            detail = f" ({section.detail})" if section.detail else ""
            out.extend([f"### {md(section.title + detail)}", ""])
        if section.pairs:
            out.extend(f"- **{md(key)}**: {md(value)}" for key, value in section.pairs)
            out.append("")
        for header, rows, numeric in section.tables:
            out.extend([*md_table(header, rows, numeric), ""])
        if section.notes:
            out.extend([*(md(note) for note in section.notes), ""])
    return visible("\n".join(out).rstrip("\n") + "\n")
