"""Grouped statistics, loading and memory of ``IncidentTable``, against baselines.

In one run, on synthetic incidents from ``incidentkit.synth``:

1. ``load_table`` of a JSONL file (100,000 records by default) in records per
   second, next to the stdlib ``json.loads`` of the same lines (and orjson's,
   when installed) — the baseline a user would pick to read the file.
2. Bytes per incident of the table, next to the record objects (measured
   with ``tracemalloc`` on a few thousand records).
3. ``group_stats`` of five figures by severity and by service on 1,000,000
   rows, next to pandas (``groupby`` on integer codes: count, mean, min,
   max, then ``quantile([.5, .9, .95])`` over the five columns at once, its
   fastest idiom) and polars (default threads) when installed. The million
   rows are drawn with replacement from the loaded table (building a
   million record objects would take about 18 GB); the same rows go to
   every library. Every timing is cold: the table's cached groupings are
   dropped before each run, as pandas and polars group from scratch.

Each figure is the median of several runs. Run it with::

    python benchmarks/bench_table.py [--records 100000] [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

import incidentkit as ik
from incidentkit import synth
from incidentkit.table.build import load_table
from incidentkit.table.frame import IncidentTable

try:
    import orjson
except ImportError:  # pragma: no cover - optional
    orjson = None
try:
    import pandas as pd
except ImportError:  # pragma: no cover - optional
    pd = None
try:
    import polars as pl
except ImportError:  # pragma: no cover - optional
    pl = None

FIGURES = (
    "time_to_detect",
    "time_to_identify",
    "time_to_mitigate",
    "time_to_resolve",
    "time_open",
)
AS_OF = date(2025, 2, 1)


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def machine() -> str:
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    if pd is not None:
        versions.append(f"pandas {pd.__version__}")
    if pl is not None:
        versions.append(f"polars {pl.__version__}")
    if orjson is not None:
        versions.append(f"orjson {orjson.__version__}")
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()}; " + ", ".join(versions)


def bench_loading(path: Path, n: int, repeat: int) -> IncidentTable:
    lines = path.read_bytes().splitlines()
    rows: list[tuple[str, float]] = [
        (
            "stdlib json.loads per line",
            median_seconds(lambda: [json.loads(line) for line in lines], repeat),
        )
    ]
    if orjson is not None:
        rows.append(
            (
                "orjson.loads per line",
                median_seconds(lambda: [orjson.loads(line) for line in lines], repeat),
            )
        )
    table: list[IncidentTable] = []

    def load() -> None:
        table[:] = [load_table(path, as_of=AS_OF)]

    rows.append(("ik.load_table", median_seconds(load, repeat)))
    baseline = rows[0][1]
    print(f"\nLoading {n:,} records ({path.stat().st_size / n:,.0f} bytes each)")
    print(f"{'':30} {'records/s':>12} {'time / json.loads':>18}")
    for name, seconds in rows:
        print(f"{name:30} {n / seconds:12,.0f} {seconds / baseline:18.2f}")
    return table[0]


def bench_memory(table: IncidentTable, path: Path, sample: int) -> None:
    lines = path.read_bytes().splitlines()[:sample]
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "sample.jsonl"
        small.write_bytes(b"\n".join(lines) + b"\n")
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        records = ik.load_many(small).records
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    per_record = (after - before) / len(records)
    per_row = table.nbytes / len(table)
    print("\nMemory per incident")
    print(f"{'IncidentTable (table.nbytes)':30} {per_row:12,.0f} bytes")
    print(
        f"{'record objects (tracemalloc)':30} {per_record:12,.0f} bytes "
        f"({per_record / per_row:,.0f}x)"
    )


def pandas_run(frame: Any, key: str) -> Any:
    grouped = frame.groupby(key, sort=True)[list(FIGURES)]
    return grouped.agg(["count", "mean", "min", "max"]), grouped.quantile(
        [0.5, 0.9, 0.95]
    )


def polars_run(frame: Any, key: str) -> Any:
    aggregations = []
    for name in FIGURES:
        column = pl.col(name)
        aggregations += [
            column.count().alias(f"{name}_count"),
            column.mean().alias(f"{name}_mean"),
            column.quantile(0.5, "linear").alias(f"{name}_median"),
            column.quantile(0.9, "linear").alias(f"{name}_p90"),
            column.quantile(0.95, "linear").alias(f"{name}_p95"),
            column.min().alias(f"{name}_min"),
            column.max().alias(f"{name}_max"),
        ]
    return frame.group_by(key).agg(aggregations).sort(key)


def bench_group_stats(table: IncidentTable, rows: int, repeat: int) -> None:
    rng = np.random.default_rng(20241201)
    big = table[rng.integers(0, len(table), rows)]
    print(
        f"\ngroup_stats of {len(FIGURES)} figures on {rows:,} rows "
        f"(median of {repeat} runs, cold caches)"
    )
    names = ("incidentkit", "pandas", "polars", "vs pandas", "vs polars")
    print(f"{'':12} " + " ".join(f"{name:>12}" for name in names))
    for key in ("severity", "service"):
        codes = big.codes(key)[0].astype(np.int64)

        def ours(key: str = key) -> list[Any]:
            big._cache.clear()
            return [big.group_stats(name, by=key) for name in FIGURES]

        ours_seconds = median_seconds(ours, repeat)
        methods = {stats.method for stats in ours()}
        results = [f"{ours_seconds * 1e3:10.1f}ms"]
        pandas_seconds = polars_seconds = None
        if pd is not None:
            frame = pd.DataFrame({name: big[name] for name in FIGURES})
            frame[key] = codes
            pandas_seconds = median_seconds(
                lambda frame=frame, key=key: pandas_run(frame, key), repeat
            )
            check_against_pandas(big, key, pandas_run(frame, key))
            results.append(f"{pandas_seconds * 1e3:10.1f}ms")
        else:
            results.append(f"{'-':>12}")
        if pl is not None:
            polars_frame = pl.DataFrame(
                {name: big[name] for name in FIGURES} | {key: codes}
            ).fill_nan(None)
            polars_seconds = median_seconds(
                lambda frame=polars_frame, key=key: polars_run(frame, key), repeat
            )
            results.append(f"{polars_seconds * 1e3:10.1f}ms")
        else:
            results.append(f"{'-':>12}")
        results += [
            f"{other / ours_seconds:11.1f}x" if other else f"{'-':>12}"
            for other in (pandas_seconds, polars_seconds)
        ]
        print(
            f"{'by ' + key:12} "
            + " ".join(results)
            + f"   ({', '.join(sorted(methods))})"
        )


def check_against_pandas(table: IncidentTable, key: str, found: Any) -> None:
    """The figures must agree before their speed means anything."""
    basic, quantiles = found
    for name in FIGURES:
        stats = table.group_stats(name, by=key)
        present = stats.count > 0
        np.testing.assert_array_equal(
            stats.count[present], basic[(name, "count")].to_numpy()
        )
        np.testing.assert_allclose(
            stats.mean[present], basic[(name, "mean")].to_numpy(), rtol=1e-9
        )
        for label, q in (("median", 0.5), ("p90", 0.9), ("p95", 0.95)):
            theirs = quantiles[name].xs(q, level=1).to_numpy()
            np.testing.assert_allclose(
                getattr(stats, label)[present], theirs, rtol=1e-12
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--load-repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20241115)
    args = parser.parse_args()

    print(machine())
    print(f"incidentkit {ik.__version__}; command: {' '.join(sys.argv)}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.jsonl"
        started = time.perf_counter()
        synth.write_jsonl(path, args.records, seed=args.seed)
        print(
            f"wrote {args.records:,} synthetic records in "
            f"{time.perf_counter() - started:.0f}s"
        )
        table = bench_loading(path, args.records, args.load_repeat)
        bench_memory(table, path, min(2_000, args.records))
    bench_group_stats(table, args.rows, args.repeat)


if __name__ == "__main__":
    main()
