"""End-to-end scrub of a large export against the floor: Python's json reading and writing it.

Run: python bench/scrub_bench.py [--lines 200000]
Prints both times and the ratio (target: at most 2x), with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path

from common import best_of

from scrubber.bulk import paused_gc
from scrubber.formats.emr import read_export
from scrubber.formats.results import dumps_result
from scrubber.load import load_rules
from scrubber.sample import sample_document

TARGET = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000, help="charge lines in the export")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-orjson", action="store_true", help="measure with the json module only"
    )
    args = parser.parse_args()
    from scrubber.formats import jsoncodec

    if args.no_orjson:
        jsoncodec.orjson = None
    print(f"JSON codec: {'orjson' if jsoncodec.orjson is not None else 'json module'}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    visits = max(1, round(args.lines / 1.95))  # the sample has about 2 lines a visit
    document = sample_document(visits, seed=11, visits_per_day=400)
    lines = sum(len(v["charges"]) for v in document["visits"])
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.json"
        export.write_text(json.dumps(document, indent=2), encoding="utf-8")
        out = Path(folder) / "out.json"
        print(
            f"input: {len(document['visits']):,} visits, {lines:,} charge lines, "
            f"{export.stat().st_size / 1e6:.0f} MB"
        )

        def floor() -> None:
            data = json.loads(export.read_text(encoding="utf-8"))
            out.write_text(json.dumps(data, indent=2), encoding="utf-8")

        rules = load_rules()

        def scrub() -> None:
            # As the command line runs it: the cyclic collector paused for the bulk step.
            with paused_gc():
                result = rules.scrub(read_export(export))
                out.write_text(dumps_result(result), encoding="utf-8")

        json_time = best_of(args.runs, floor)
        scrub_time = best_of(args.runs, scrub)
        ratio = scrub_time / json_time
        verdict = "holds" if ratio <= TARGET else "MISSED"
        print(f"json read+write: {json_time:.2f} s")
        print(f"scrubber read+scrub+write (bundled rules): {scrub_time:.2f} s")
        print(f"ratio: {ratio:.2f}x (target: at most {TARGET:.1f}x) -> {verdict}")


if __name__ == "__main__":
    main()
