"""Loading, memory and grouped statistics of ``IncidentTable``, against baselines.

In one run, on synthetic incidents from ``incidentkit.synth``:

1. Loading a JSONL file (100,000 records by default): the comparison of
   ``bench_load.py`` (the same code), ``ik.load_table`` against baseline A
   (stdlib ``json.loads`` parse-and-discard, the floor) and ``ik.load_many``
   against baseline B (``json.loads`` keeping every dict).
2. Bytes per incident of the table and of ``load_many``'s record objects,
   against the stdlib dicts of the same documents (baseline B again),
   measured with ``tracemalloc`` on a few thousand records.
3. ``group_stats`` of five figures by severity and by service on 1,000,000
   rows, against pandas (``groupby`` on integer codes: count, mean, min,
   max, then ``quantile([.5, .9, .95])`` over the five columns at once, its
   fastest idiom) and polars (default threads) when installed. The million
   rows are drawn with replacement from the loaded table (building a
   million record objects would take about 18 GB); the same rows go to
   every library. Every timing is cold: each run gets a fresh copy of the
   table (made outside the timing, ``table[:]``), so no cached grouping
   helps it, as pandas and polars group from scratch.

Each figure is the median of several runs, garbage collector on. Run it with::

    python benchmarks/bench_table.py                  # about 6 minutes on 2 cores
    python benchmarks/bench_table.py --records 20000 --rows 200000 --load-repeat 1
    python benchmarks/bench_table.py --skip-loading   # memory and group_stats only
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from _common import median_timing, optional, print_machine, print_table, write_records
from bench_load import compare_loading

import incidentkit as ik

pd: Any = optional("pandas")
pl: Any = optional("polars")

FIGURES = (
    "time_to_detect",
    "time_to_identify",
    "time_to_mitigate",
    "time_to_resolve",
    "time_open",
)
AS_OF = date(2025, 2, 1)
#: The goals of docs/performance.md: at most this many bytes a row, at least
#: these speed-ups of group_stats.
TABLE_BYTES_TARGET = 200
SPEEDUP_TARGETS = {"pandas": 4.0, "polars": 1.2}


# --- memory ----------------------------------------------------------------------


def _traced_bytes(build: Any) -> int:
    """Bytes still allocated (``tracemalloc``) by what ``build()`` returns."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del result
    return after - before


def bench_memory(table: ik.IncidentTable, path: Path, sample: int) -> None:
    lines = path.read_bytes().splitlines()[:sample]
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "sample.jsonl"
        small.write_bytes(b"\n".join(lines) + b"\n")
        dicts = _traced_bytes(lambda: [json.loads(line) for line in lines]) / sample
        records = _traced_bytes(lambda: ik.load_many(small).records) / sample
    per_row = table.nbytes / len(table)
    print(
        f"\nMemory per incident (stdlib dicts and records: tracemalloc on the "
        f"first {sample:,} records; table: table.nbytes / rows over {len(table):,})"
    )
    print("ratio = bytes / bytes of baseline B (lower is better)")
    print_table(
        ["what", "bytes/incident", "ratio", "ratio to", "target", "met"],
        [
            [
                "B: stdlib json.loads, every dict kept",
                f"{dicts:,.0f}",
                "1.00×",
                "B",
                "",
                "",
            ],
            [
                "ik.load_many record objects",
                f"{records:,.0f}",
                f"{records / dicts:.2f}×",
                "B",
                "",
                "",
            ],
            [
                "ik.IncidentTable (table.nbytes)",
                f"{per_row:,.0f}",
                f"{per_row / dicts:.3f}×",
                "B",
                f"≤ {TABLE_BYTES_TARGET} bytes",
                "yes" if per_row <= TABLE_BYTES_TARGET else "NO",
            ],
        ],
    )
    print("(the 1 GB streaming peaks are measured by benchmarks/bench_memory.py)")


# --- grouped statistics ---------------------------------------------------------------


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


def _cold_group_stats(
    big: ik.IncidentTable, key: str, repeat: int
) -> tuple[float, set[str]]:
    """Median seconds of the five figures by ``key``, and the methods used.

    Each run gets a fresh copy of the table, made outside the timing, so that
    no grouping cached by an earlier run helps it.
    """
    fresh = [big]

    def copy() -> None:
        fresh[0] = big[:]

    def ours() -> list[Any]:
        return [fresh[0].group_stats(name, by=key) for name in FIGURES]

    seconds = median_timing(ours, repeat, setup=copy).median
    return seconds, {stats.method for stats in ours()}


def bench_group_stats(table: ik.IncidentTable, rows: int, repeat: int) -> None:
    rng = np.random.default_rng(20241201)
    big = table[rng.integers(0, len(table), rows)]
    print(
        f"\ngroup_stats of {len(FIGURES)} figures on {rows:,} rows "
        f"(median of {repeat} runs, cold: a fresh copy of the table each run)"
    )
    print(
        "speed-up = time of the baseline named in its column / incidentkit's "
        "time (higher is better for incidentkit); targets: "
        + ", ".join(f"≥ {target}× {name}" for name, target in SPEEDUP_TARGETS.items())
    )
    result_rows = []
    for key in ("severity", "service"):
        codes = big.codes(key)[0].astype(np.int64)
        ours_seconds, methods = _cold_group_stats(big, key, repeat)
        times: dict[str, float | None] = {
            "incidentkit": ours_seconds,
            "pandas": None,
            "polars": None,
        }
        if pd is not None:
            frame = pd.DataFrame({name: big[name] for name in FIGURES})
            frame[key] = codes
            check_against_pandas(big, key, pandas_run(frame, key))
            times["pandas"] = median_timing(
                lambda frame=frame, key=key: pandas_run(frame, key), repeat
            ).median
        if pl is not None:
            polars_frame = pl.DataFrame(
                {name: big[name] for name in FIGURES} | {key: codes}
            ).fill_nan(None)
            times["polars"] = median_timing(
                lambda frame=polars_frame, key=key: polars_run(frame, key), repeat
            ).median
        row = [f"by {key}"]
        row += [
            "not installed" if seconds is None else f"{seconds * 1e3:,.1f} ms"
            for seconds in times.values()
        ]
        for name, target in SPEEDUP_TARGETS.items():
            seconds = times[name]
            if seconds is None:
                row.append("-")
            else:
                speedup = seconds / ours_seconds
                row.append(f"{speedup:.1f}× ({'met' if speedup >= target else 'NO'})")
        row.append(", ".join(sorted(methods)))
        result_rows.append(row)
    print_table(
        [
            "",
            "incidentkit",
            "pandas",
            "polars",
            "speed-up vs pandas",
            "speed-up vs polars",
            "ik method",
        ],
        result_rows,
    )


def check_against_pandas(table: ik.IncidentTable, key: str, found: Any) -> None:
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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="group_stats runs")
    parser.add_argument("--load-repeat", type=int, default=3, help="loading runs")
    parser.add_argument("--seed", type=int, default=20241115)
    parser.add_argument(
        "--skip-loading",
        action="store_true",
        help="load the table once, untimed, and go on to memory and group_stats",
    )
    args = parser.parse_args()

    print_machine(extra=("pandas", "polars"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.jsonl"
        write_records(path, args.records, args.seed)
        table = None
        if not args.skip_loading:
            table = compare_loading(path, args.records, args.load_repeat, as_of=AS_OF)
        if table is None:
            table = ik.load_table(path, as_of=AS_OF)
        bench_memory(table, path, min(2_000, args.records))
    bench_group_stats(table, args.rows, args.repeat)


if __name__ == "__main__":
    main()
