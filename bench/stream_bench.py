"""Peak memory of streaming a JSON Lines export sorted by date: 1 day against 30 days of the same
daily volume, each in a fresh process; and the peak of the in-memory mode for comparison.

Run: python bench/stream_bench.py [--per-day 2000] [--days 30]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import machine

from scrubber.io import dumps_export
from scrubber.sample import sample_batch

# Peak memory is read from VmHWM: getrusage's ru_maxrss survives exec on Linux, so a child
# would report the peak of the (large) process that started it.
CHILD = """
import sys
from scrubber.io import iter_jsonl, read_export
from scrubber.load import load_rules

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

rules = load_rules()
before = peak_kb()
if sys.argv[2] == "stream":
    with open(sys.argv[1], encoding="utf-8") as lines:
        visits = sum(len(day.billed) + len(day.exceptions) for day in rules.scrub_stream(iter_jsonl(lines)))
else:
    result = rules.scrub(read_export(sys.argv[1]))
    visits = len(result.billed) + len(result.exceptions)
after = peak_kb()
print(visits, before // 1024, after // 1024)
"""


def peak(path: Path, mode: str) -> tuple[int, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode], capture_output=True, text=True, check=True
    )
    visits, before, after = (int(x) for x in out.stdout.split())
    return visits, before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-day", type=int, default=2_000, help="visits a day")
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        for days in (1, args.days):
            batch = sample_batch(args.per_day * days, seed=4, visits_per_day=args.per_day)
            weekdays = len({v.date_of_service for v in batch.visits})
            path = Path(folder) / f"export-{days}.jsonl"
            path.write_text(dumps_export(batch, "jsonl"), encoding="utf-8")
            count = len(batch.visits)
            del batch
            for mode in ("stream", "memory"):
                _, before, after = peak(path, mode)
                print(
                    f"{weekdays:>3} day(s), {count:,} visits, {mode:>6}: peak RSS {after:,} MB "
                    f"(rules loaded: {before:,} MB)"
                )


if __name__ == "__main__":
    main()
