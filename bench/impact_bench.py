"""What `scrubber impact` costs against one scrub of the same visits.

Run: python bench/impact_bench.py [--per-day 400] [--days 30]
A sample month of ``days`` daily exports of about ``per-day`` visits, the bundled rules before,
and the same rules with one cap lowered after. Prints the floor (one scrub of the month, day by
day with a history file, as a clinic runs it), the impact (both sides, each day by day with its
own history and a tracer; the new rules scrub only the patients the edited rule can reach,
``scrubber.engine.reach``), their ratio (target: under 2x one scrub), the two whole scrubs
without a tracer, impact with every patient scrubbed by both sides (what it costs without the
reach: the worst case, an edit that reaches every patient), and how many patients the reach
sends to the new rules.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import attrs
from common import best_of_each, machine

from scrubber.actions import LANGUAGE
from scrubber.bulk import paused_gc
from scrubber.engine import RuleSet
from scrubber.engine.reach import Reach
from scrubber.history.store import HistoryStore
from scrubber.reports.impact import impact
from scrubber.resources import bundled_rules_dir
from scrubber.sample import sample_batch

CAP = 'limit timed to 2 units per day when provider.role != "other"'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    batch = sample_batch(args.per_day * args.days, seed=21, visits_per_day=args.per_day)
    days = sorted({v.date_of_service for v in batch.visits})
    parts = [
        attrs.evolve(batch, visits=tuple(v for v in batch.visits if v.date_of_service == day))
        for day in days
    ]
    lines = sum(len(v.charges) for v in batch.visits)
    print(f"input: {len(parts)} daily exports, {len(batch.visits):,} visits, {lines:,} lines")
    before = RuleSet.compile(LANGUAGE.load_checked([bundled_rules_dir()]), stores=HistoryStore)
    with tempfile.TemporaryDirectory() as folder:
        edited = Path(folder) / "rules"
        shutil.copytree(bundled_rules_dir(), edited)
        rules = edited / "commercial.rules"
        text = rules.read_text(encoding="utf-8")
        rules.write_text(text.replace(CAP, CAP.replace("to 2", "to 1")), encoding="utf-8")
        after = RuleSet.compile(LANGUAGE.load_checked([edited]), stores=HistoryStore)

        def floor(rules: RuleSet = before) -> None:
            store = Path(folder) / "floor.sqlite"
            store.unlink(missing_ok=True)
            for part in parts:
                rules.scrub(part, history=store)

        with paused_gc():
            best = best_of_each(args.runs, {
                "one": floor,
                "untraced": lambda: (floor(before), floor(after)),
                "both": lambda: impact(before, after, parts),
                "every": lambda: impact(before, after, parts, every_patient=True),
            })  # fmt: skip
            found = impact(before, after, parts)
        one, untraced, both, every = (best[k] for k in ("one", "untraced", "both", "every"))
    print(f"one scrub of the month, day by day with a history file: {one:.2f} s")
    print(
        f"the two scrubs impact needs, without a tracer: {untraced:.2f} s ({untraced / one:.2f}x)"
    )
    print(
        "impact of one edited rule (old rules on every patient, new rules on those it can "
        f"reach, traced): {both:.2f} s ({both / one:.2f}x)"
    )
    print(f"impact with every patient scrubbed by both sides: {every:.2f} s ({every / one:.2f}x)")
    reach = Reach.between(before.program, after.program)
    assert reach is not None
    patients = {batch.case_of(v).patient_id for v in batch.visits}
    reached = {
        case.patient_id
        for visit in batch.visits
        for case in (batch.case_of(visit),)
        if reach.reaches(
            before.program.payers_of(batch.patient(case.patient_id), case, visit),
            visit.date_of_service, frozenset(c.cpt for c in visit.charges),
        )
    }  # fmt: skip
    print(f"patients the new rules scrub: {len(reached):,} of {len(patients):,}")
    print(
        f"visits changed: {len(found.changed):,} of {found.visits:,}; units billed "
        f"{found.units_before:,} -> {found.units_after:,}; rules: "
        + ", ".join(f"{t.rule} ({t.visits} visits)" for t in found.rules)
    )


if __name__ == "__main__":
    main()
