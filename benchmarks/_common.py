"""What the benchmarks share: timing, the machine's description, the input file.

Not a benchmark itself. The scripts beside it import it as ``_common`` (Python
puts a script's own folder first on ``sys.path``). Only public names of
incidentkit are used here and in the scripts, so that they keep running while
the library's modules move.

Timing rules, the same for every script:

* the garbage collector stays on, as a user has it; ``gc.collect()`` runs
  before each timed run (outside the timing) so that one run's garbage is not
  billed to the next;
* each figure is the median of ``repeat`` runs, and the runs of the things
  compared take turns (round 1 of each, then round 2 of each...), so that a
  slow spell of a shared machine falls on all of them alike;
* a run's result is dropped before the next run starts, unless asked for.
"""

from __future__ import annotations

import gc
import importlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

import incidentkit as ik
from incidentkit import synth


def optional(name: str) -> ModuleType | None:
    """The module ``name`` if it is importable, else ``None``."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def version_of(module: ModuleType | None) -> str:
    """``module.__version__``, or "not installed"."""
    if module is None:
        return "not installed"
    return str(getattr(module, "__version__", "installed"))


# --- timing --------------------------------------------------------------------


@dataclass
class Timing:
    """The seconds of each run of one thing, in run order."""

    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median: how much the runs disagreed."""
        return (max(self.seconds) - min(self.seconds)) / self.median


def time_once(
    run: Callable[[], object], setup: Callable[[], None] | None = None
) -> tuple[float, object]:
    """Seconds of one call of ``run`` (after ``setup`` and a collection), result."""
    if setup is not None:
        setup()
    gc.collect()
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def median_timing(
    run: Callable[[], object],
    repeat: int,
    setup: Callable[[], None] | None = None,
) -> Timing:
    """Time ``repeat`` calls of ``run``, each after an untimed ``setup``."""
    timing = Timing()
    for _ in range(repeat):
        seconds, result = time_once(run, setup)
        del result
        timing.seconds.append(seconds)
    return timing


@dataclass
class Rounds:
    """What :func:`time_in_rounds` found."""

    timings: dict[str, Timing]
    #: The last result of each case named in ``keep``.
    kept: dict[str, object]
    #: The error of each case that raised (it was not run again).
    failed: dict[str, str]


def time_in_rounds(
    cases: dict[str, Callable[[], object]],
    repeat: int,
    keep: Iterable[str] = (),
    progress: Callable[[str], None] | None = None,
) -> Rounds:
    """Time every case ``repeat`` times, the cases taking turns in each round.

    A case that raises is reported in :attr:`Rounds.failed` with its error
    and left out of the later rounds; the others go on.
    """
    keep = set(keep)
    found = Rounds({name: Timing() for name in cases}, {}, {})
    for round_number in range(1, repeat + 1):
        for name, run in cases.items():
            if name in found.failed:
                continue
            if progress is not None:
                progress(f"round {round_number}/{repeat}: {name}")
            try:
                seconds, result = time_once(run)
            except Exception as error:  # reported below the table, not hidden
                found.failed[name] = f"{type(error).__name__}: {error}"
                continue
            found.timings[name].seconds.append(seconds)
            if name in keep and round_number == repeat:
                found.kept[name] = result
            del result
    for name in found.failed:
        del found.timings[name]
    return found


def progress_to_stderr(message: str) -> None:
    """Show what runs now on one line of the terminal (nothing when piped)."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\033[K  {message}")
        sys.stderr.flush()


def end_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


# --- printing ------------------------------------------------------------------


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1
) -> None:
    """Print rows as aligned columns: the first ``left`` columns to the left."""
    widths = [
        max(len(str(row[column])) for row in [header, *rows])
        for column in range(len(header))
    ]

    def line(row: Sequence[str]) -> str:
        cells = [
            str(cell).ljust(width) if column < left else str(cell).rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    print(line(header))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print(line(row))


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def print_machine(extra: Sequence[str] = ()) -> None:
    """Print the interpreter, libraries, platform and optional accelerators."""
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"NumPy {np.__version__}, incidentkit {ik.__version__} "
        f"from {Path(ik.__file__).parent}"
    )
    print(f"platform: {platform.platform()}; {cpu_model()}, {os.cpu_count()} CPUs")
    print(
        "optional accelerators: "
        f"orjson {version_of(optional('orjson'))}, "
        f"msgspec {version_of(optional('msgspec'))}"
    )
    for name in extra:
        print(f"{name} {version_of(optional(name))}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")


# --- the input -----------------------------------------------------------------


def write_records(path: Path, records: int, seed: int) -> None:
    """Write ``records`` synthetic incidents to ``path`` and say how big it is."""
    start = time.perf_counter()
    synth.write_jsonl(path, records, seed=seed)
    size = path.stat().st_size
    print(
        f"input: {records:,} synthetic records (incidentkit.synth, seed {seed}), "
        f"{size / 1e6:,.1f} MB of JSONL, {size / records:,.0f} bytes a record "
        f"(written in {time.perf_counter() - start:.0f} s)"
    )
