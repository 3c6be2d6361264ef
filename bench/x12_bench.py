"""X12 837P read + scrub + write against the same export as JSON, and against a floor.

Run: python bench/x12_bench.py [--lines 100000] [--runs 3]
The input is the sample export (about 2 lines a visit; the visits of aides and visits
without charges left out, an address given to every patient: an 837P needs all three),
written once as JSON and once as an 837P of one claim per visit. Both are scrubbed with the
same rules (the claims rules of the test suite, tests/golden/x12/rules, so that the figures
stay comparable with earlier runs). Prints, with the machine: lines per second for

- the floor: the 837P split into segments and elements with str.split, nothing else;
- JSON: read the export, scrub, write the JSON result (as ``scrubber scrub`` does);
- X12: read the 837P, scrub, write the billed 837P (as ``scrubber scrub claims.x12 -o
  billed.x12`` does): the figure issue 29 compares with the JSON path, each path reading its
  input and writing its output;
- X12 with the JSON result too (as ``scrubber scrub claims.x12 -o billed.x12 --result
  result.json`` does): the JSON path's work on top of the 837P's.

``--instructions``: also count the instructions each path takes under valgrind's callgrind (a
fresh process each, string hashing seeded, the instructions of a process that loads the same
modules and rules and does nothing taken off). Counts are repeatable whatever else a shared
machine is doing, where times move by ±20%; use a small ``--lines`` (callgrind runs about
50 times slower). What a count leaves out is memory: touching new pages costs time, not
instructions.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import attrs
from common import best_of_each, machine

from scrubber.bulk import paused_gc
from scrubber.formats.emr import dumps_export, read_export, read_x12_export
from scrubber.formats.results import dumps_result
from scrubber.formats.x12 import write_scrubbed
from scrubber.load import load_rules
from scrubber.model.records import Address, Batch, ProviderRole
from scrubber.sample import sample_batch

RULES = Path(__file__).resolve().parent.parent / "tests" / "golden" / "x12" / "rules"
_HOME = Address("home", "1 MAIN ST", "PHOENIX", "AZ", "85004", True)


def claims_batch(visits: int) -> Batch:
    """The sample as an 837P can carry it."""
    batch = sample_batch(visits, seed=11, visits_per_day=400)
    kept = tuple(v for v in batch.visits if v.provider.role is not ProviderRole.AIDE and v.charges)
    patients = tuple(
        p if p.address else attrs.evolve(p, addresses=(_HOME,)) for p in batch.patients
    )
    return attrs.evolve(batch, patients=patients, visits=kept)


#: each path as a child process runs it under callgrind (``--instructions``); "none" loads the
#: same modules and rules and stops there
_CHILD = """
import sys
from pathlib import Path
from scrubber.bulk import paused_gc
from scrubber.formats.emr import read_export, read_x12_export
from scrubber.formats.results import dumps_result
from scrubber.formats.x12 import write_scrubbed
from scrubber.load import load_rules
rules, folder, path = load_rules(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3]
with paused_gc():
    if path == "json":
        result = rules.scrub(read_export(folder / "export.json"))
        (folder / "result.json").write_text(dumps_result(result), encoding="utf-8")
    elif path.startswith("x12"):
        claims, interchange = read_x12_export(folder / "claims.x12")
        result = rules.scrub(claims)
        (folder / "billed.x12").write_text(write_scrubbed(interchange, result), encoding="utf-8")
        if path == "x12+result":
            (folder / "result.json").write_text(dumps_result(result), encoding="utf-8")
"""


def _instructions(folder: Path, path: str) -> int:
    """Instructions a fresh process takes to run ``path`` on the files in ``folder``."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-c", _CHILD, str(RULES), str(folder), path],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    found = re.search(r"refs:\s*([\d,]+)", run.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def _count(folder: Path) -> None:
    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed (apt-get install valgrind)")
        return
    # twice "none": a first process may compile modules to bytecode, which is not the work
    counts = {p: _instructions(folder, p) for p in ("none", "none", "json", "x12", "x12+result")}
    floor = counts["none"]
    json_path = counts["json"] - floor
    for label, path in (("JSON read + scrub + write result", "json"),
                        ("837P read + scrub + write billed 837P", "x12"),
                        ("837P ... and JSON result", "x12+result")):  # fmt: skip
        print(f"instructions, {label}: {(counts[path] - floor) / 1e6:,.0f} M")
    print(f"instructions, 837P / JSON: {(counts['x12'] - floor) / json_path:.2f}x; with the "
          f"JSON result: {(counts['x12+result'] - floor) / json_path:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000, help="charge lines in the export")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions under callgrind"
    )
    args = parser.parse_args()
    print(machine())
    batch = claims_batch(max(1, round(args.lines / 1.95)))
    lines = sum(len(v.charges) for v in batch.visits)
    rules = load_rules(RULES)
    with tempfile.TemporaryDirectory() as folder:
        as_json, as_x12 = Path(folder) / "export.json", Path(folder) / "claims.x12"
        as_json.write_text(dumps_export(batch), encoding="utf-8")
        as_x12.write_text(dumps_export(batch, "x12"), encoding="utf-8")
        out, billed = Path(folder) / "result.json", Path(folder) / "billed.x12"
        print(
            f"input: {len(batch.visits):,} visits, {lines:,} charge lines; JSON "
            f"{as_json.stat().st_size / 1e6:.1f} MB, 837P {as_x12.stat().st_size / 1e6:.1f} MB"
        )

        def floor() -> None:
            text = as_x12.read_text(encoding="utf-8")
            for segment in text.split("~"):
                segment.split("*")

        def json_path() -> None:
            with paused_gc():
                result = rules.scrub(read_export(as_json))
                out.write_text(dumps_result(result), encoding="utf-8")

        def x12_path(*, result_too: bool = False) -> None:
            with paused_gc():
                claims, interchange = read_x12_export(as_x12)
                result = rules.scrub(claims)
                billed.write_text(write_scrubbed(interchange, result), encoding="utf-8")
                if result_too:
                    out.write_text(dumps_result(result), encoding="utf-8")

        # in turns, so that a busy moment of a shared machine falls on every path alike
        best = best_of_each(
            args.runs,
            {
                "floor: 837P split into segments and elements": floor,
                "JSON read + scrub + write result": json_path,
                "837P read + scrub + write billed 837P": x12_path,
                "837P read + scrub + write billed 837P and JSON result": lambda: x12_path(
                    result_too=True
                ),
            },
        )
        timings = list(best.items())
        if args.instructions:
            _count(Path(folder))
    for label, seconds in timings:
        print(f"{label}: {seconds:.2f} s, {lines / seconds:,.0f} lines/s")
    print(f"837P / JSON: {timings[2][1] / timings[1][1]:.2f}x the time (target: at most 1.3x)")
    print(f"837P and JSON result / JSON: {timings[3][1] / timings[1][1]:.2f}x the time")


if __name__ == "__main__":
    main()
