"""Parse+check time for a 10,000-rule file, and load time of a 1.8M-row PTP table (CMS layout).

Run: python bench/rules_bench.py [--rules 10000] [--ptp-rows 1800000]
Prints each figure with the machine it ran on. Inputs are synthetic and written to a temporary
folder (the PTP file is about 100 MB).
"""

from __future__ import annotations

import argparse
import platform
import random
import tempfile
import time
from pathlib import Path

from common import machine, run_child

from scrubber.actions import LANGUAGE

ACTIONS = (
    "limit {code} to {n} units per day",
    "limit total of {code} {other} to {n} units per visit",
    "add modifier GP to {code}",
    "deny {code} with 97530 per day unless modifier 59 XU",
    'hold "Check {code}" for {code} when charge.units > {n}',
    "replace {code} with G0283",
)


def rule_file(count: int, rng: random.Random) -> str:
    lines = [
        "codeset timed = 97110 97112 97116 97140 97530 97535",
        'payer medicare "Medicare Part B" when insurance.class = "medicare"',
        "rules medicare effective 2026-01-01 {",
    ]
    # Every rule gets codes of its own, so the file checks clean (no shadowed or duplicate rules).
    codes = [f"{n:05d}" for n in rng.sample(range(10000, 99999), 2 * count)]
    for n in range(count):
        code, other = codes[2 * n], codes[2 * n + 1]
        action = ACTIONS[n % len(ACTIONS)].format(code=code, other=other, n=rng.randrange(1, 9))
        condition = ' when provider.role = "PTA"' if n % 3 == 0 and "hold" not in action else ""
        lines.append(f'    rule r{n} "Rule number {n}": {action}{condition}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def ptp_file(path: Path, rows: int, rng: random.Random, *, shuffled: bool = False) -> None:
    """Synthetic rows in the CMS layout, in CMS order (column 1, then column 2) unless
    ``shuffled``; some pairs repeat with another period, as deleted and re-added edits do."""
    header = (
        "Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date *=no data,"
        "Modifier 0=not allowed 1=allowed 9=not applicable,PTP Edit Rationale\n"
    )
    codes = [f"{n:05d}" for n in range(10000, 99999, 7)]
    lines = []
    for _ in range(rows):
        deleted = "*" if rng.random() < 0.8 else "20251231"
        indicator = "1" if rng.random() < 0.6 else "0"
        lines.append(
            f"{rng.choice(codes)},{rng.choice(codes)},,20200101,{deleted},{indicator},"
            "Misuse of column two code with column one code\n"
        )
    if shuffled:
        rng.shuffle(lines)
    else:
        lines.sort()
    with path.open("w", encoding="utf-8") as out:
        out.write(header)
        out.writelines(lines)


LOAD_PTP = """
import sys, time
from pathlib import Path
from scrubber.tables.pairs import load_pair_table
start = time.perf_counter()
load_pair_table(Path(sys.argv[1]))
print(time.perf_counter() - start, peak_mb())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--ptp-rows", type=int, default=1_800_000)
    args = parser.parse_args()
    rng = random.Random(1)
    print(f"{machine()}, {platform.system()} {platform.release()}")
    with tempfile.TemporaryDirectory() as folder:
        rules = Path(folder) / "big.rules"
        rules.write_text(rule_file(args.rules, rng), encoding="utf-8")
        start = time.perf_counter()
        report = LANGUAGE.check_paths([rules])
        elapsed = time.perf_counter() - start
        errors, count = report.errors, report.counts()["rules"]
        print(
            f"parse+check {count:,} rules ({rules.stat().st_size / 1e6:.1f} MB): {elapsed:.2f} s "
            f"({len(errors)} problems found)"
        )

        for shuffled in (False, True):
            ptp = Path(folder) / "ptp.csv"
            ptp_file(ptp, args.ptp_rows, rng, shuffled=shuffled)
            order = "rows shuffled" if shuffled else "CMS order"
            # A fresh process each: the figure is a cold load, and the peak is this load's own.
            elapsed, peak = run_child(LOAD_PTP, str(ptp))
            print(
                f"load PTP table, {args.ptp_rows:,} rows ({ptp.stat().st_size / 1e6:.0f} MB, "
                f"CMS layout, {order}), cold: {float(elapsed):.2f} s, "
                f"peak RSS {float(peak):,.0f} MB"
            )


if __name__ == "__main__":
    main()
