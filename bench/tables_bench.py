"""Scrub time with full-size CMS tables against the small bundled ones, and rule loading time.

Run: python bench/tables_bench.py [--lines 200000] [--mue-rows 15000] [--ptp-rows 1800000]
Targets: scrubbing with the large tables at most 1.3x the time with the bundled ones; loading and
compiling the rules with the 1.8M-row PTP table under 5 s cold and under 1 s with the compiled
cache. The synthetic PTP file is in CMS order (column 1, then column 2), as CMS publishes it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import best_of, machine, run_child
from rules_bench import ptp_file

from scrubber.bulk import paused_gc
from scrubber.formats.emr import read_export
from scrubber.load import load_rules
from scrubber.resources import bundled_rules_dir
from scrubber.sample import sample_document
from scrubber.tables.cache import TableCache


def mue_file(path: Path, rows: int, rng: random.Random) -> None:
    header = (
        "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    )
    codes = rng.sample(range(10000, 99999), rows)
    with path.open("w", encoding="utf-8") as out:
        out.write(header)
        for code in codes:
            kind = rng.choice(
                (
                    "1 Line Edit",
                    "2 Date of Service Edit: Policy",
                    "3 Date of Service Edit: Clinical",
                )
            )
            out.write(f"{code:05d},{rng.randrange(1, 9)},{kind},Synthetic\n")


# A fresh interpreter per figure: cold means nothing already imported, loaded or in memory.
LOAD = """
import time
started = time.perf_counter()
import sys
from pathlib import Path
from scrubber.bulk import paused_gc
from scrubber.load import load_rules
from scrubber.tables.cache import TableCache
cache = None if sys.argv[2] == "none" else TableCache(Path(sys.argv[2]))
start = time.perf_counter()
with paused_gc():  # as the command line loads rules
    load_rules(Path(sys.argv[1]), cache=cache)
end = time.perf_counter()
print(end - start, end - started, peak_mb())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--mue-rows", type=int, default=15_000)
    parser.add_argument("--ptp-rows", type=int, default=1_800_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(5)
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "rules"
        shutil.copytree(bundled_rules_dir(), big)
        mue_file(big / "tables" / "medicare_mue.csv", args.mue_rows, rng)
        ptp_file(big / "tables" / "medicare_ptp.csv", args.ptp_rows, rng)
        cache = Path(folder) / "cache"
        what = f"load + check + compile, {args.mue_rows:,}-row MUE and {args.ptp_rows:,}-row PTP"
        for label, option, target in (
            ("cold, no cache", "none", 5.0),
            ("cold, empty cache (reads the tables, writes the cache)", str(cache), None),
            ("with the compiled cache", str(cache), 1.0),
        ):
            load, total, peak = map(float, run_child(LOAD, str(big), option))
            verdict = (
                ""
                if target is None
                else (f" (target: under {target:g} s) -> {'holds' if load < target else 'MISSED'}")
            )
            print(
                f"{what}, {label}: {load:.2f} s{verdict}; whole process with imports "
                f"{total:.2f} s, peak RSS {peak:,.0f} MB"
            )
        big_rules = load_rules(big, cache=TableCache(cache))
        small_rules = load_rules()
        export = Path(folder) / "export.json"
        document = sample_document(max(1, round(args.lines / 1.95)), seed=11, visits_per_day=400)
        export.write_text(json.dumps(document), encoding="utf-8")
        batch = read_export(export)
        lines = sum(len(v.charges) for v in batch.visits)
        with paused_gc():
            small = best_of(args.runs, lambda: small_rules.scrub(batch))
            large = best_of(args.runs, lambda: big_rules.scrub(batch))
        ratio = large / small
        print(
            f"scrub {lines:,} lines with the bundled tables: {small:.2f} s; with the large tables: "
            f"{large:.2f} s; ratio {ratio:.2f}x (target: at most 1.3x) -> "
            f"{'holds' if ratio <= 1.3 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
