"""The cost of money (issue 26): the same export scrubbed end to end with a charge on every line
and with none, read, scrubbed and written as the command line does it.

Run: python bench/money_bench.py [--lines 100000]
Prints both times and the cost of money (target: at most 15%), with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from common import best_of, machine

from scrubber.bulk import paused_gc
from scrubber.formats.emr import read_export
from scrubber.formats.results import dumps_result
from scrubber.load import load_rules
from scrubber.sample import sample_document

TARGET = 0.15


def _priced(document: dict[str, Any]) -> dict[str, Any]:
    """The export with a charge on every line: $33.34 a unit plus a few cents, so that cuts
    round."""
    visits = [
        {**visit, "charges": [
            {**charge, "amount": f"{33.34 * max(charge['units'], 1) + 0.01 * n:.2f}"}
            for n, charge in enumerate(visit["charges"])
        ]}
        for visit in document["visits"]
    ]  # fmt: skip
    return {**document, "visits": visits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000, help="charge lines in the export")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    visits = max(1, round(args.lines / 1.95))  # the sample has about 2 lines a visit
    plain = sample_document(visits, seed=11, visits_per_day=400)
    lines = sum(len(v["charges"]) for v in plain["visits"])
    rules = load_rules()
    with tempfile.TemporaryDirectory() as folder:
        exports = {}
        for name, document in (("off", plain), ("on", _priced(plain))):
            exports[name] = Path(folder) / f"export-{name}.json"
            exports[name].write_text(json.dumps(document, indent=2), encoding="utf-8")
        out = Path(folder) / "out.json"
        print(f"input: {len(plain['visits']):,} visits, {lines:,} charge lines")

        def scrub(export: Path) -> int:
            with paused_gc():
                result = rules.scrub(read_export(export))
                out.write_text(dumps_result(result), encoding="utf-8")
            return sum(1 for e in result.audit if e.amount_delta)

        rescaled = scrub(exports["on"])
        times = {
            name: best_of(args.runs, lambda e=export: scrub(e)) for name, export in exports.items()
        }
        cost = times["on"] / times["off"] - 1
        verdict = "holds" if cost <= TARGET else "MISSED"
        print(f"audit entries that changed a charge (money on): {rescaled:,}")
        print(f"read+scrub+write, money off (no amount on any line): {times['off']:.2f} s")
        print(f"read+scrub+write, money on (an amount on every line): {times['on']:.2f} s")
        print(f"cost of money: {cost:+.1%} (target: at most {TARGET:.0%}) -> {verdict}")


if __name__ == "__main__":
    main()
