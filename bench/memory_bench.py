"""What the in-memory batch holds, per charge line, step by step (issue 29), by tracemalloc.

Run: python bench/memory_bench.py [--visits 1000000]
Writes a sample export (indented JSON, as ``scrubber sample`` does), then in a fresh process,
with tracemalloc on and the collector paused as the command line pauses it, does what
``scrubber scrub EXPORT -o R`` does in memory: read the text, read it into records (the JSON
export's reader: a piece of each list parsed at a time, ``scrubber.formats.json_pieces``), scrub
with the bundled rules, write the result part by part (``write_result``), as the command line
does. Prints, after each step, the Python heap still held and the peak so far, per charge line
(tracemalloc counts Python's allocations, not the interpreter or the libraries: the floor of
RSS is the rules and the modules).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import machine, run_child

from scrubber.formats.emr import dumps_export
from scrubber.sample import sample_batch

CHILD = """
import gc, sys, time, tracemalloc
gc.disable()
from scrubber.bulk import paused_gc
from scrubber.formats.input import ReadOptions
from scrubber.formats.json_document import FORMAT
from scrubber.formats.result_writers import write_result
from scrubber.load import load_rules
rules = load_rules()
tracemalloc.start()
start = time.perf_counter()
steps = []
def step(name):
    current, peak = tracemalloc.get_traced_memory()
    steps.append(f"{name}:{current}:{peak}")
text = open(sys.argv[1], encoding="utf-8").read()
step("text")
batch = FORMAT.read(text, sys.argv[1], ReadOptions(None)).batch
step("records")
del text
step("text-freed")
result = rules.scrub(batch)
step("scrubbed")
with open(sys.argv[1] + ".out", "w", encoding="utf-8") as out:
    write_result(result, out)
step("written")
lines = sum(len(v.charges) for v in batch.visits)
print(lines, time.perf_counter() - start, *steps)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=1_000_000)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "export.json"
        batch = sample_batch(args.visits, seed=5, visits_per_day=2_000)
        path.write_text(dumps_export(batch), encoding="utf-8")
        del batch
        size = path.stat().st_size
        lines, seconds, *steps = run_child(CHILD, str(path))
    count = int(lines)
    print(f"input: {args.visits:,} visits, {count:,} charge lines, {size / 1e6:,.0f} MB of JSON; "
          f"{float(seconds):.0f} s under tracemalloc")  # fmt: skip
    for item in steps:
        label, current, peak = item.split(":")
        print(f"after {label:>11}: held {int(current) / count:7,.0f} B a line, "
              f"peak so far {int(peak) / count:7,.0f} B a line ({int(peak) / 1e6:,.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
