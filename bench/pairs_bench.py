"""Pair edits on one crowded patient-day: time against the day's lines.

Run: python bench/pairs_bench.py [--sizes 1000,2000,4000,8000] [--runs 2]
One patient, one date of service, visits of 10 lines each (97140, 97530, 97124 and 97110 in turn,
every fifth line with modifier 59), scrubbed with ``deny 97140 with 97530 per day unless
modifier 59`` and, apart, with ``deny by table`` holding the pairs 97530/97140 (indicator 1) and
97140/97124 (indicator 0). A pair edit judges every line against the lines billed when the rule
starts (docs/engine.md), which done pair by pair costs the square of the day's lines; counted
once per day it costs a step per line. Prints the time per size and the ratio to the size
before: about 2 when the lines double is linear, about 4 would be quadratic.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from common import best_of, machine

from scrubber.bulk import paused_gc
from scrubber.formats.emr import parse_export
from scrubber.load import load_rules
from scrubber.model.records import Batch

RULES = {
    "with": "rules any {\n    rule ptp: deny 97140 with 97530 per day unless modifier 59\n}\n",
    "table": 'rules any {\n    rule ptp: deny by table "tables/ptp.csv" per day\n}\n',
}
TABLE = "column1,column2,modifier_indicator\n97530,97140,1\n97140,97124,0\n"
CODES = ("97140", "97530", "97124", "97110")


def day_of(lines: int) -> Batch:
    """One patient-day of ``lines`` lines, in visits of 10."""
    visits: list[dict[str, Any]] = []
    for n in range(lines):
        if n % 10 == 0:
            visits.append({
                "id": f"V{n // 10}", "case_id": "C1", "date_of_service": "2026-03-02",
                "location": "Main St", "provider": {"id": "PT1", "role": "PT"},
                "note_type": "daily", "charges": [],
            })  # fmt: skip
        visits[-1]["charges"].append({
            "id": f"L{n}", "cpt": CODES[n % 4], "units": 1, "minutes": 15,
            "modifiers": ["59"] if n % 5 == 0 else [],
        })  # fmt: skip
    return parse_export({
        "patients": [{"id": "P1", "first_name": "Ana", "last_name": "Ruiz",
                      "birth_date": "1950-02-03"}],
        "cases": [{"id": "C1", "patient_id": "P1",
                   "insurance": {"payer_id": "X", "class": "commercial"}}],
        "visits": visits,
    })  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,2000,4000,8000")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    print(machine())
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        for kind, text in RULES.items():
            root = Path(folder) / kind
            (root / "tables").mkdir(parents=True)
            (root / "tables" / "ptp.csv").write_text(TABLE, encoding="utf-8")
            (root / "pairs.rules").write_text(text, encoding="utf-8")
            rules = load_rules(root)
            print(f"\n{text.splitlines()[1].strip()}")
            before = None
            for size in sizes:
                batch = day_of(size)
                result = rules.scrub(batch)
                denied = sum(1 for entry in result.audit if entry.action == "deny")
                with paused_gc():
                    seconds = best_of(
                        args.runs, lambda batch=batch, rules=rules: rules.scrub(batch)
                    )
                ratio = f" ({seconds / before:.1f}x the size before)" if before else ""
                print(f"  {size:>6,} lines: {seconds:.3f} s, {denied:,} denied{ratio}")
                before = seconds


if __name__ == "__main__":
    main()
