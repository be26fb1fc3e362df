"""Output helpers shared by the commands: JSON, exit codes, progress.

Reports are built as :mod:`incidentkit.render.document` models and written
by its text and Markdown renderers (imported here under the names the
commands use).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import IO, Any, Final, TextIO

from incidentkit.errors import ValidationError
from incidentkit.render import document
from incidentkit.render.document import Section, render_markdown, render_text
from incidentkit.render.document import one_line as _one_line
from incidentkit.render.html import format_seconds, render_html

#: Bumped whenever the JSON output changes incompatibly; tools should check it.
JSON_SCHEMA_VERSION: Final = 1
#: Sources with at least this many files get a progress bar (on a terminal).
PROGRESS_THRESHOLD: Final = 2000

OUTPUT_FORMATS: Final = ("text", "json", "markdown", "html")

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

#: How ``report`` and ``stats`` write their one report model, by format
#: (json is written from the data instead).
RENDERERS: Final[Mapping[str, Callable[[str, Sequence[str], list[Section]], str]]] = {
    "text": render_text,
    "markdown": render_markdown,
    "html": render_html,
}

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2

_MISSING: Final = "—"


def _json_dump(data: Any, stream: TextIO) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    # json escapes C0 controls only; C1 controls (U+009B is a terminal's CSI)
    # and bidi overrides would reach a terminal raw. Outside strings JSON has
    # none of them, so a \uXXXX escape decodes to the same data.
    stream.write(
        document.UNSAFE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    )
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
    # Rounded to the second as in every table and str() of the library
    # (format_seconds), not floored: 2647.6 s reads 44m 8s in both.
    return format_seconds(seconds)


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
