"""``incidentkit check`` on many small files: one process against ``--jobs``.

Writes ``--files`` JSON files (20,000 by default) in a temporary folder
tree, copies of ``--distinct`` varied synthetic records from
``incidentkit.synth`` (a share of them with flaws, so that findings are
located and printed too), and runs the command as a user would, in a
subprocess with its output to ``/dev/null``:

* **baseline**: ``incidentkit check FOLDER --jobs 1`` (one process);
* ``incidentkit check FOLDER`` with the default ``--jobs`` (the machine's
  cores), and the baseline's time divided by it.

Both runs take ``--as-of none --exit-zero``, so that the day does not change
the work. Each figure is the median of ``--repeat`` runs, taking turns.
About a minute and a half on 2 cores::

    python benchmarks/bench_check.py
    python benchmarks/bench_check.py --files 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import print_machine

from incidentkit import synth


def write_tree(folder: Path, files: int, distinct: int, seed: int) -> None:
    """``files`` JSON files, 500 a folder, cycling over ``distinct`` records."""
    docs = [
        json.dumps(doc, indent=2)
        for doc in synth.generate_dicts(distinct, seed=seed, flaw_fraction=0.2)
    ]
    for i in range(files):
        sub = folder / f"batch{i // 500:03}"
        if i % 500 == 0:
            sub.mkdir()
        (sub / f"inc{i:06}.json").write_text(docs[i % distinct], encoding="utf-8")


def run_check(folder: Path, jobs: int | None) -> float:
    argv = [sys.executable, "-m", "incidentkit", "check", str(folder)]
    argv += ["--as-of", "none", "--exit-zero"]
    if jobs is not None:
        argv += ["--jobs", str(jobs)]
    start = time.perf_counter()
    subprocess.run(
        argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--distinct", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print_machine()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        write_tree(folder, args.files, args.distinct, args.seed)
        print(
            f"input: {args.files:,} JSON files, copies of {args.distinct} synthetic "
            f"records (incidentkit.synth, seed {args.seed}, 20% with flaws), "
            f"written in {time.perf_counter() - start:.0f} s"
        )
        one: list[float] = []
        default: list[float] = []
        for _ in range(args.repeat):
            one.append(run_check(folder, 1))
            default.append(run_check(folder, None))
    one_s, default_s = sorted(one)[len(one) // 2], sorted(default)[len(default) // 2]
    print(f"baseline: --jobs 1 (one process)         {one_s:7.1f} s")
    print(f"default:  --jobs {cores} (the machine's cores) {default_s:7.1f} s")
    print(
        f"ratio: {one_s / default_s:.2f}x faster than the baseline (--jobs 1) "
        f"with {cores} jobs; median of {args.repeat} run(s) each"
    )


if __name__ == "__main__":
    main()
