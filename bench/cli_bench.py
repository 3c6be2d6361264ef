"""The command line end to end against the hand-written floor (issue 29), in the same run.

Run: python bench/cli_bench.py [--lines 100000] [--runs 5]
Writes a sample export, the five rules of ``bench/floor.py`` as ``five/five.rules``, then runs,
alternately and each as a fresh process, ``scrubber scrub EXPORT --rules five/five.rules -o R``
(the default install: whatever this interpreter has) and ``python bench/floor.py EXPORT R``.
Checks that both wrote the same bytes, and prints every run, the range, and the ratio of the
best runs (target: at most 1.5x) and of the medians. Runs, in the same turns, the floor with
scrubber's public records built from the export and nothing checked (``floor.py --records``):
the least any scrubber that hands out those records pays.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import machine, timed
from floor import FIVE_RULES

from scrubber.sample import sample_document

TARGET = 1.5
FLOOR = Path(__file__).with_name("floor.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000, help="charge lines (about)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rules", default=None, help="a rule folder instead of the five rules")
    args = parser.parse_args()
    print(machine())
    scrubber = shutil.which("scrubber", path=str(Path(sys.executable).parent))
    if scrubber is None:
        raise SystemExit("scrubber is not installed beside this interpreter")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        document = sample_document(round(args.lines / 2.23), seed=11, visits_per_day=400)
        lines = sum(len(v["charges"]) for v in document["visits"])
        export = folder / "export.json"
        export.write_text(json.dumps(document, indent=2), encoding="utf-8")
        (folder / "five").mkdir()
        (folder / "five" / "five.rules").write_text(FIVE_RULES, encoding="utf-8")
        rules = args.rules or "five/five.rules"
        print(
            f"input: {len(document['visits']):,} visits, {lines:,} charge lines, "
            f"{export.stat().st_size / 1e6:.0f} MB; rules: {rules}"
        )
        cli = [scrubber, "scrub", "export.json", "--rules", rules, "-o", "cli.json"]
        cli += ["--summary", "none", "--fail-on", "none"]
        floor_run = [sys.executable, str(FLOOR), "export.json", "floor.json"]
        records_run = [*floor_run[:2], "export.json", "records.json", "--records"]
        cli_times, floor_times, records_times = [], [], []
        for _ in range(args.runs):
            floor_times.append(timed(floor_run, folder))
            records_times.append(timed(records_run, folder))
            cli_times.append(timed(cli, folder))
        if args.rules is None:
            floor_bytes = (folder / "floor.json").read_bytes()
            same = (
                (folder / "cli.json").read_bytes()
                == floor_bytes
                == (folder / "records.json").read_bytes()
            )
            print(f"same result bytes: {'yes' if same else 'NO'}")
        timings = (
            ("floor (orjson, gc paused)", floor_times),
            ("floor and the public records built, unchecked", records_times),
            ("CLI", cli_times),
        )
        for label, times in timings:
            runs = ", ".join(f"{t:.2f}" for t in times)
            print(f"{label}: {min(times):.2f}-{max(times):.2f} s (runs: {runs})")
        best = min(cli_times) / min(floor_times)
        median = statistics.median(cli_times) / statistics.median(floor_times)
        verdict = "holds" if best <= TARGET else "MISSED"
        print(f"ratio CLI/floor: best {best:.2f}x, median {median:.2f}x "
              f"(target: at most {TARGET}x) -> {verdict}")  # fmt: skip
        # what building the records alone costs, against the same floor: the part of the
        # target's budget that no scrubber handing out attrs records can avoid
        least = min(records_times) / min(floor_times)
        print(f"ratio floor with records/floor: best {least:.2f}x, median "
              f"{statistics.median(records_times) / statistics.median(floor_times):.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
