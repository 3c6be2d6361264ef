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
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000, help="charge lines in the export")
    parser.add_argument("--runs", type=int, default=3)
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
    for label, seconds in timings:
        print(f"{label}: {seconds:.2f} s, {lines / seconds:,.0f} lines/s")
    print(f"837P / JSON: {timings[2][1] / timings[1][1]:.2f}x the time (target: at most 1.3x)")
    print(f"837P and JSON result / JSON: {timings[3][1] / timings[1][1]:.2f}x the time")


if __name__ == "__main__":
    main()
