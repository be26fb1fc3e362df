"""Loading records: ``load_table`` and ``load_many`` against bare JSON parsing.

Writes synthetic records (``incidentkit.synth``) to a JSONL file, then times,
in this one process, on the same file, with the garbage collector on:

* baseline A, the physical floor: the stdlib ``json.loads`` of every line,
  each result dropped at once (parse-and-discard);
* baseline B, what a user loading the file with the stdlib gets:
  ``json.loads`` of every line, every dict kept in a list;
* ``orjson.loads`` and ``msgspec.json.decode`` of every line, parse-and-discard,
  when installed (they are how fast the parsing alone can go);
* ``ik.load_table(path)`` with the default milestone policy, ratio to A;
* ``ik.load_table`` with a custom milestone policy made of library selectors,
  ratio to A;
* ``ik.load_many(path)``, ratio to B.

Every reader opens and reads the file itself. A ratio is the reader's time
divided by its baseline's time: lower is better, 1.00 is the baseline.
Each figure is the median of ``--repeat`` runs taken in turns. Run it with::

    python benchmarks/bench_load.py                      # 20,000 records
    python benchmarks/bench_load.py --records 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    end_progress,
    optional,
    print_machine,
    print_table,
    progress_to_stderr,
    time_in_rounds,
    write_records,
)

import incidentkit as ik

orjson = optional("orjson")
msgspec_json = optional("msgspec.json")

#: A milestone policy other than the default, made of the library's selectors:
#: detection by the monitoring system first, mitigation at the first mitigation
#: event (the default takes the last one).
CUSTOM_MILESTONES = ik.MilestonePolicy(
    detected=(ik.EarliestEvent(actor="monitoring"), ik.EarliestEvent("detection")),
    mitigated=(ik.EarliestEvent("mitigation"),),
)


def load_table_with(
    path: Path, milestones: ik.MilestonePolicy, **options: Any
) -> ik.IncidentTable:
    """``ik.load_table`` under a policy with other milestone rules."""
    return ik.load_table(path, policy=ik.Policy(milestones=milestones), **options)


# --- the baselines ---------------------------------------------------------------


def parse_and_discard(loads: Callable[[bytes], object]) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        with path.open("rb") as lines:
            for line in lines:
                loads(line)

    return run


def keep_all(path: Path) -> list[Any]:
    with path.open("rb") as lines:
        return [json.loads(line) for line in lines]


def without_gc(run: Callable[[], object]) -> Callable[[], object]:
    """``run`` with the cyclic garbage collector off (for ``--gc-off-too``)."""

    def wrapped() -> object:
        gc.disable()
        try:
            return run()
        finally:
            gc.enable()

    return wrapped


# --- the comparison ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    what: str
    run: Callable[[], object]
    #: "A" or "B": the baseline of its ratio.
    ratio_to: str
    #: The ratio to stay within, if there is one.
    target: float | None = None


def _describe(as_of: date | None) -> str:
    return "" if as_of is None else f", as_of={as_of.isoformat()}"


def compare_loading(
    path: Path,
    records: int,
    repeat: int,
    as_of: date | None = None,
    gc_off_too: bool = False,
) -> ik.IncidentTable | None:
    """Time every reader on ``path``, print the table; return load_table's table.

    ``as_of`` goes to both ``load_table`` calls (it changes no cost that
    matters: one more column). ``gc_off_too`` adds baseline B and
    ``load_many`` with the garbage collector off, to show what it costs
    them. The table returned is the default policy's, from the last run, or
    ``None`` if that reader failed.
    """
    extra = {} if as_of is None else {"as_of": as_of}
    floor = "stdlib json.loads, parse-and-discard"
    keep = "stdlib json.loads, keep every dict"
    cases = [
        Case(f"A: {floor}", lambda: parse_and_discard(json.loads)(path), "A"),
        Case(f"B: {keep}", lambda: keep_all(path), "A"),
    ]
    if orjson is not None:
        cases.append(
            Case(
                "orjson.loads, parse-and-discard",
                lambda: parse_and_discard(orjson.loads)(path),
                "A",
            )
        )
    if msgspec_json is not None:
        cases.append(
            Case(
                "msgspec.json.decode, parse-and-discard",
                lambda: parse_and_discard(msgspec_json.decode)(path),
                "A",
            )
        )
    default_table = f"ik.load_table(path{_describe(as_of)})"
    custom_table = (
        f"ik.load_table(path, policy=Policy(milestones=CUSTOM){_describe(as_of)})"
    )
    cases += [
        Case(default_table, lambda: ik.load_table(path, **extra), "A", 2.5),
        Case(
            custom_table,
            lambda: load_table_with(path, CUSTOM_MILESTONES, **extra),
            "A",
            2.5,
        ),
        Case("ik.load_many(path)", lambda: ik.load_many(path), "B", 1.5),
    ]
    if gc_off_too:
        cases += [
            Case(
                f"{keep}, gc off",
                without_gc(lambda: keep_all(path)),
                "A",
            ),
            Case(
                "ik.load_many(path), gc off",
                without_gc(lambda: ik.load_many(path)),
                "B",
            ),
        ]
    found = time_in_rounds(
        {case.what: case.run for case in cases},
        repeat,
        keep=(default_table, custom_table),
        progress=progress_to_stderr,
    )
    end_progress()

    print(
        f"\nLoading {records:,} records: median of {repeat} "
        f"run{'s' if repeat != 1 else ''} taken in turns, "
        "garbage collector on"
    )
    print(
        "ratio = time / time of the baseline named in 'ratio to' "
        "(lower is better): "
        f"A = {floor} (the floor), B = {keep} (what a stdlib user gets)"
    )
    baselines = {
        "A": found.timings.get(cases[0].what),
        "B": found.timings.get(cases[1].what),
    }
    rows = []
    for case in cases:
        if case.what in found.failed:
            rows.append([case.what, "failed", "", "", "", "", case.ratio_to, "", ""])
            continue
        timing = found.timings[case.what]
        baseline = baselines[case.ratio_to]
        ratio = math.nan if baseline is None else timing.median / baseline.median
        target = met = ""
        if case.target is not None:
            target = f"≤ {case.target:.1f}×"
            met = "yes" if ratio <= case.target else "NO"
        rows.append(
            [
                case.what,
                f"{records / timing.median:,.0f}",
                f"{timing.median / records * 1e6:,.1f}",
                f"{timing.median:,.2f}",
                f"{timing.spread:.0%}",
                f"{ratio:.2f}×",
                case.ratio_to,
                target,
                met,
            ]
        )
    print_table(
        [
            "what",
            "records/s",
            "µs/record",
            "s (median)",
            "spread",
            "ratio",
            "ratio to",
            "target",
            "met",
        ],
        rows,
    )
    if orjson is None:
        print("orjson: not installed (pip install 'incidentkit[bench]')")
    if msgspec_json is None:
        print("msgspec: not installed (pip install 'incidentkit[bench]')")
    print("spread = (slowest run - fastest run) / median")
    print(
        "CUSTOM = ik.MilestonePolicy(detected=(EarliestEvent(actor='monitoring'), "
        "EarliestEvent('detection')), mitigated=(EarliestEvent('mitigation'),))"
    )
    for what, error in found.failed.items():
        print(f"failed: {what}: {error}")
    if custom_table in found.failed:
        print(
            "(if load_table's policy argument takes another object now, build it "
            "in load_table_with() in benchmarks/bench_load.py)"
        )
    return _check_tables(found.kept, default_table, custom_table, records)


def _check_tables(
    kept: dict[str, object], default_name: str, custom_name: str, records: int
) -> ik.IncidentTable | None:
    """Say how many rows each table has and what the custom policy changed."""
    default = kept.get(default_name)
    custom = kept.get(custom_name)
    if not isinstance(default, ik.IncidentTable):
        return None
    if len(default) != records:
        print(f"warning: load_table gave {len(default):,} rows for {records:,}")
    if isinstance(custom, ik.IncidentTable) and len(custom) == len(default):
        changed = []
        for name in ("time_to_detect", "time_to_mitigate"):
            ours, theirs = default[name], custom[name]
            differ = ~((ours == theirs) | (np.isnan(ours) & np.isnan(theirs)))
            changed.append(f"{name} in {differ.mean():.0%}")
        print(f"CUSTOM changes {' and '.join(changed)} of the rows")
    return default


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20241115)
    parser.add_argument(
        "--gc-off-too",
        action="store_true",
        help="also time B and load_many with the garbage collector off",
    )
    args = parser.parse_args()

    print_machine()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.jsonl"
        write_records(path, args.records, args.seed)
        compare_loading(path, args.records, args.repeat, gc_off_too=args.gc_off_too)


if __name__ == "__main__":
    main()
