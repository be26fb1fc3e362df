"""Records per second for ``load_many`` against bare JSON parsing.

Writes 20,000 synthetic records (``incidentkit.synth``) to a JSONL file, then
times, in this one process and on the same lines:

* the stdlib ``json.loads`` of every line (the baseline a user would pick),
* ``orjson.loads`` of every line, when the ``fast`` extra is installed,
* ``incidentkit.load_many`` of the file, with the garbage collector as it is
  and with it switched off for the run (the collector rescans every record
  kept so far, so its cost grows with the number of records held).

Each figure is the median of several runs. Run it with::

    python benchmarks/bench_load.py [--records 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import incidentkit as ik
from incidentkit import synth

try:
    import orjson
except ImportError:  # pragma: no cover - optional
    orjson = None


def _median_seconds(run: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _without_gc(run: Callable[[], object]) -> Callable[[], object]:
    def wrapped() -> object:
        gc.disable()
        try:
            return run()
        finally:
            gc.enable()

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20241115)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.jsonl"
        synth.write_jsonl(path, args.records, seed=args.seed)
        lines = path.read_bytes().splitlines()
        size_mb = path.stat().st_size / 1e6
        print(
            f"{args.records:,} synthetic records, {size_mb:.1f} MB of JSONL "
            f"({size_mb * 1e6 / args.records:,.0f} bytes a record), "
            f"median of {args.repeat} runs"
        )

        def stdlib() -> object:
            return [json.loads(line) for line in lines]

        def load() -> object:
            return ik.load_many(path)

        rows = [("stdlib json.loads per line", _median_seconds(stdlib, args.repeat))]
        if orjson is not None:
            rows.append(
                (
                    "orjson.loads per line",
                    _median_seconds(
                        lambda: [orjson.loads(line) for line in lines], args.repeat
                    ),
                )
            )
        rows.append(("ik.load_many (gc on)", _median_seconds(load, args.repeat)))
        rows.append(
            (
                "ik.load_many (gc off)",
                _median_seconds(_without_gc(load), args.repeat),
            )
        )

    baseline = rows[0][1]
    print(f"{'':30} {'records/s':>12} {'x stdlib time':>14}")
    for name, seconds in rows:
        rate = args.records / seconds
        print(f"{name:30} {rate:12,.0f} {seconds / baseline:14.2f}")


if __name__ == "__main__":
    main()
