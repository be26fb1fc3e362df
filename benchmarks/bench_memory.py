"""Peak memory of ``load_many`` and ``load_table`` on a large JSONL file.

Both stream the file: ``load_many`` keeps every record it returns (that is its
job) but never the raw text; ``load_table`` keeps only the table's columns,
so its peak stays far below the file's size.

The benchmark writes a JSONL file of synthetic records
(:func:`incidentkit.synth.write_jsonl`) of about ``--size-mb`` megabytes
(default 1024, one gigabyte), then measures each reader in a fresh
subprocess, so that peaks do not mix, and prints, in megabytes:

* ``idle``: the interpreter with incidentkit imported, nothing read
  (its peak is the measurement's own noise);
* ``read_bytes``: the whole file read at once, what holding the raw text
  costs (``Path.read_bytes``; the yardstick of "the file's size");
* ``json_discard``: baseline A, the floor: ``json.loads`` of every line,
  streamed, each dict dropped at once (parse-and-discard);
* ``json_lines``: baseline B: ``json.loads`` of every line, streamed,
  keeping the dicts (what a user gets from the stdlib instead of
  ``load_many``);
* ``load_many``: its peak, the memory still held after it returned (the
  records' own size) and the difference, the transient part, which would
  include the file's size if the text were held;
* ``load_table``: its peak, and the table's own size (its NumPy columns).

Each ratio printed below the table names what it divides by.

Peak RSS is the kernel's high-water mark (``VmHWM``, which
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` also reports, but that one
keeps the parent's size from before ``exec``), reset after the imports
through ``/proc/self/clear_refs`` so that it is the reader's own peak.
Run it with::

    python benchmarks/bench_memory.py                 # 1 GB, about 5 minutes
    python benchmarks/bench_memory.py --size-mb 50    # quick
    python benchmarks/bench_memory.py --path big.jsonl --keep   # reuse a file
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sized
from pathlib import Path
from typing import Any

MB = 1024 * 1024
_SAMPLE = 2_000


def _rss() -> int:
    """The resident set size now, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _peak() -> int:
    """The peak resident set size of this process's memory, in bytes.

    ``VmHWM`` where Linux has it: ``ru_maxrss`` is also the maximum over the
    process's life before ``exec``, which for a subprocess includes the
    parent's size at ``fork``. Elsewhere ``ru_maxrss`` (kB on Linux, bytes on
    macOS, taken here as kB).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _reset_peak() -> bool:
    """Start the peak afresh, so that it excludes the imports' own peak.

    Linux resets the high-water mark when "5" is written to
    ``/proc/self/clear_refs`` (since 4.0).
    """
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


# --- one measurement, in its own process ----------------------------------------


def _read_bytes(path: Path) -> object:
    return path.read_bytes()


def _json_discard(path: Path) -> object:
    with path.open("rb") as lines:
        for line in lines:
            json.loads(line)
    return None


def _json_lines(path: Path) -> object:
    with path.open("rb") as lines:
        return [json.loads(line) for line in lines]


def _load_many(path: Path) -> object:
    import incidentkit as ik

    return ik.load_many(path)


def _load_table(path: Path) -> object:
    import incidentkit as ik

    return ik.load_table(path)


def _nothing(path: Path) -> object:
    return None


READERS: dict[str, Callable[[Path], object]] = {
    "idle": _nothing,
    "read_bytes": _read_bytes,
    "json_discard": _json_discard,
    "json_lines": _json_lines,
    "load_many": _load_many,
    "load_table": _load_table,
}


def _held_bytes(result: object) -> int | None:
    """The size of a table's own arrays, when the result is a table."""
    nbytes = getattr(result, "nbytes", None)
    return int(nbytes) if isinstance(nbytes, int) else None


def measure(reader: str, path: Path) -> dict[str, Any]:
    """Run one reader on ``path`` in this process and report its memory."""
    import numpy  # noqa: F401 - imported by every reader; part of the baseline

    import incidentkit  # noqa: F401

    gc.collect()
    before = _rss()
    reset = _reset_peak()
    start = time.perf_counter()
    result = READERS[reader](path)
    seconds = time.perf_counter() - start
    gc.collect()
    after = _rss()
    return {
        "reader": reader,
        "reset": reset,
        "before": before,
        "peak": _peak(),
        "after": after,
        "seconds": seconds,
        "items": len(result) if isinstance(result, Sized) else None,
        "arrays": _held_bytes(result),
    }


def _in_subprocess(reader: str, path: Path) -> dict[str, Any] | None:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", reader, "--path", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        print(f"  {reader}: failed: {last}")
        return None
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


# --- the file ------------------------------------------------------------------------


def write_file(path: Path, size_mb: float, seed: int) -> int:
    """Write about ``size_mb`` MB of synthetic JSONL; return the record count."""
    from incidentkit import synth

    sample = path.with_suffix(".sample.jsonl")
    synth.write_jsonl(sample, _SAMPLE, seed=seed)
    per_record = sample.stat().st_size / _SAMPLE
    sample.unlink()
    count = max(1, round(size_mb * MB / per_record))
    start = time.perf_counter()
    synth.write_jsonl(path, count, seed=seed)
    print(
        f"wrote {count:,} records, {path.stat().st_size / MB:,.0f} MB, "
        f"in {time.perf_counter() - start:.0f} s"
    )
    return count


def _mb(value: float) -> str:
    return f"{value / MB:8,.0f} MB"


def report(path: Path) -> None:
    """Measure every reader in its own process and print the figures."""
    size = path.stat().st_size
    print(f"file: {path} ({_mb(size).strip()})\n")
    figures = {reader: _in_subprocess(reader, path) for reader in READERS}
    if not all(found["reset"] for found in figures.values() if found):
        print("(the peak could not be reset: peaks include the imports' own)")
    print(f"{'reader':<12}{'peak RSS':>12}{'above start':>14}{'held after':>14}  time")
    for reader, found in figures.items():
        if found is None:
            continue
        above = found["peak"] - found["before"]
        held = found["after"] - found["before"]
        print(
            f"{reader:<12}{_mb(found['peak']):>12}{_mb(above):>14}{_mb(held):>14}"
            f"  {found['seconds']:6.1f} s"
        )
    print()
    print("ratios of peaks above start; each names what it divides by:")

    def above(reader: str) -> int | None:
        found = figures[reader]
        return None if found is None else found["peak"] - found["before"]

    floor, stdlib = above("json_discard"), above("json_lines")
    many = figures["load_many"]
    if many is not None:
        held = many["after"] - many["before"]
        transient = many["peak"] - many["after"]
        print(
            f"  load_many: {many['items']:,} records hold {_mb(held).strip()} "
            f"({held / max(1, many['items']):,.0f} bytes a record); the peak "
            f"exceeds what they hold by {_mb(transient).strip()}, "
            f"{transient / size:.1%} of the file's size (ratio to read_bytes; "
            "holding the text would add 100 %)"
        )
        if stdlib is not None:
            print(
                "  load_many peak / json_lines peak "
                f"(ratio to baseline B): {(many['peak'] - many['before']) / stdlib:.2f}"
            )
    table = figures["load_table"]
    if table is not None:
        table_above = table["peak"] - table["before"]
        arrays = table["arrays"]
        print(
            f"  load_table: peak {_mb(table_above).strip()} above start, "
            f"{table_above / size:.1%} of the file's size (ratio to read_bytes)"
            + ("" if arrays is None else f"; the table's arrays: {_mb(arrays).strip()}")
        )
        if stdlib is not None:
            print(
                "  load_table peak / json_lines peak "
                f"(ratio to baseline B): {table_above / stdlib:.3f}"
            )
        if floor is not None:
            print(
                f"  load_table peak - json_discard peak (above baseline A, the "
                f"floor of {_mb(floor).strip()}): {_mb(table_above - floor).strip()}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1024.0)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--path", type=Path, help="JSONL file to use or create")
    parser.add_argument(
        "--keep", action="store_true", help="reuse --path if it exists; keep it"
    )
    parser.add_argument("--measure", choices=READERS, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.measure, args.path)))
        return

    from _common import print_machine  # not in the measuring subprocesses

    print_machine()
    with tempfile.TemporaryDirectory() as folder:
        path = args.path or Path(folder) / "incidents.jsonl"
        if not (args.keep and path.exists()):
            write_file(path, args.size_mb, args.seed)
        try:
            report(path)
        finally:
            if args.path is not None and not args.keep:
                path.unlink()


if __name__ == "__main__":
    main()
