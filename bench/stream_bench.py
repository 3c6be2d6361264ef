"""Peak memory of the two ways to scrub: streaming JSON Lines sorted by date, 1 day against 30
days of the same daily volume (target: flat in the number of days), and the in-memory mode on a
1,000,000-line export (its peak RSS printed). Every figure comes from a fresh process.

The 1-day file is the busiest day of the 30-day export, so both streams see the same days at
their largest; what the 30-day stream adds is only what it must remember of earlier days.

Run: python bench/stream_bench.py [--per-day 2000] [--days 30] [--memory-lines 1000000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path

from common import machine, run_child

from scrubber.formats.emr import dumps_export
from scrubber.sample import sample_batch

#: "flat": the 30-day peak at most this much above the 1-day peak. What a stream must keep is
#: the ids it has seen (a charge sent twice is billed twice): 16 bytes an id, about 0.1 MB a day
#: at 2,000 visits a day; everything else is released day by day.
FLAT_TOLERANCE = 0.25

CHILD = """
import sys, time
from scrubber.formats.emr import iter_jsonl, read_export
from scrubber.load import load_rules
from scrubber.formats.result_writers import write_result
from scrubber.bulk import paused_gc

rules = load_rules()
before = peak_mb()
start = time.perf_counter()
paused = paused_gc()  # as the command line runs it
paused.__enter__()
if sys.argv[2] == "cli":
    from scrubber.cli import main
    import contextlib, io
    with contextlib.redirect_stderr(io.StringIO()):
        code = main(["scrub", sys.argv[1], "-o", sys.argv[1] + ".out", "--audit",
                     sys.argv[1] + ".audit.csv", "--fail-on", "none", "--no-cache"])
    assert code == 0, code
    visits = 0
elif sys.argv[2] == "stream":
    visits = 0
    with open(sys.argv[1], encoding="utf-8") as lines:
        for day in rules.scrub_stream(iter_jsonl(lines)):
            visits += len(day.billed) + len(day.exceptions)
            del day  # as a caller writing each day out would: done with it before the next
else:
    batch = read_export(sys.argv[1])
    result = rules.scrub(batch)
    visits = len(result.billed) + len(result.exceptions)
    with open(sys.argv[1] + ".out", "w", encoding="utf-8") as out:
        write_result(result, out)  # as scrubber scrub writes it: part by part
print(visits, before, peak_mb(), time.perf_counter() - start)
"""


def measure(path: Path, mode: str) -> tuple[int, float, float, float]:
    visits, before, after, seconds = run_child(CHILD, str(path), mode)
    return int(visits), float(before), float(after), float(seconds)


def streaming(folder: Path, per_day: int, days: int) -> None:
    batch = sample_batch(per_day * days, seed=4, visits_per_day=per_day)
    text = dumps_export(batch, "jsonl")
    del batch
    by_day: dict[str, list[str]] = defaultdict(list)
    for line in text.splitlines(keepends=True):
        by_day[json.loads(line)["visit"]["date_of_service"]].append(line)
    busiest = max(by_day, key=lambda day: len(by_day[day]))
    files = {
        1: (folder / "one-day.jsonl", "".join(by_day[busiest])),
        len(by_day): (folder / "all-days.jsonl", text),
    }
    for path, content in files.values():
        path.write_text(content, encoding="utf-8")
    # From Python (RuleSet.scrub_stream), and from the command line (scrubber scrub FILE.jsonl
    # -o RESULT --audit AUDIT.csv, which writes the result and the audit as it goes).
    for mode, label in (("stream", "stream"), ("cli", "scrubber scrub")):
        peaks = {}
        for count, (path, content) in files.items():
            _, before, after, seconds = measure(path, mode)
            peaks[count] = after
            visits = content.count("\n")
            print(
                f"{label} {count:>3} day(s), {visits:>7,} visits: peak RSS {after:6,.0f} MB "
                f"(rules loaded: {before:,.0f} MB) in {seconds:5.1f} s"
            )
        one, many = peaks[1], peaks[len(by_day)]
        verdict = "holds" if many <= one * (1 + FLAT_TOLERANCE) else "MISSED"
        print(
            f"  {len(by_day)} days vs 1 day (the busiest): {many / one:.2f}x the peak "
            f"(target: flat, at most {1 + FLAT_TOLERANCE:.2f}x): {verdict}"
        )


def in_memory(folder: Path, lines: int) -> None:
    visits = max(1, round(lines / 1.95))  # the sample has about 2 lines a visit
    batch = sample_batch(visits, seed=5, visits_per_day=2_000)
    count = sum(len(v.charges) for v in batch.visits)
    path = folder / "export.json"
    path.write_text(dumps_export(batch), encoding="utf-8")
    del batch
    size = path.stat().st_size / 1e6
    visits, before, after, seconds = measure(path, "memory")
    print(
        f"memory {count:,} lines ({visits:,} visits, {size:,.0f} MB of JSON), read, scrubbed and "
        f"written: peak RSS {after:,.0f} MB (rules loaded: {before:,.0f} MB) in {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-day", type=int, default=2_000, help="visits a day when streaming")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--memory-lines", type=int, default=1_000_000, help="0 to skip")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        streaming(Path(folder), args.per_day, args.days)
        if args.memory_lines:
            in_memory(Path(folder), args.memory_lines)


if __name__ == "__main__":
    main()
