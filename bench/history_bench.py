"""Daily runs with a history file against the month scrubbed at once.

Run: python bench/history_bench.py [--per-day 400] [--days 30]
Scrubs a sample export of ``days`` weekdays (about ``per-day`` visits a day, courses of care over
several weeks, with the bundled rules, which count treatment days and authorizations), once as
one batch without history (the floor), then one day at a time with one history file. Prints both
totals, the time of the first and the last day (a day's cost must not grow with the days already
stored), the history's size per 10,000 visits, and what opening a large history costs (every
open checks the whole file's integrity before it is used).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import attrs
from common import best_of, machine

from scrubber.bulk import paused_gc
from scrubber.engine import RuleSet
from scrubber.history.store import HistoryStore
from scrubber.load import load_rules
from scrubber.model.history import VisitFact
from scrubber.model.records import Batch, NoteType
from scrubber.sample import sample_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--others", type=int, default=250_000)
    args = parser.parse_args()
    print(machine())
    batch = sample_batch(args.per_day * args.days, seed=13, visits_per_day=args.per_day)
    days = sorted({v.date_of_service for v in batch.visits})
    lines = sum(len(v.charges) for v in batch.visits)
    print(f"input: {len(batch.visits):,} visits, {lines:,} lines over {len(days)} days")
    rules = load_rules()
    parts = [
        attrs.evolve(batch, visits=tuple(v for v in batch.visits if v.date_of_service == day))
        for day in days
    ]
    with paused_gc():
        whole = best_of(args.runs, lambda: rules.scrub(batch))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "history.sqlite"
            per_day = []
            with HistoryStore.open(path) as store:
                for part in parts:
                    start = time.perf_counter()
                    rules.scrub(part, history=store)
                    per_day.append(time.perf_counter() - start)
                stored = len(store)
            size = path.stat().st_size
            again = Path(folder) / "again.sqlite"
            shutil.copy(path, again)
            with HistoryStore.open(again) as store, store.session():
                store.record(_others(args.others))
            with HistoryStore.open(again) as store:
                big = len(store)
            opening = best_of(args.runs, lambda: HistoryStore.open(again).close())
            size_big = again.stat().st_size
            crowded = min(_once(rules, parts[-1], again) for _ in range(args.runs))
            plain = min(_once(rules, parts[-1], path) for _ in range(args.runs))
    daily = sum(per_day)
    print(f"the month at once, no history: {whole:.2f} s")
    print(f"day by day with a history file: {daily:.2f} s ({daily / whole:.2f}x)")
    first, last = per_day[0], per_day[-1]
    visits_first, visits_last = len(parts[0].visits), len(parts[-1].visits)
    print(
        f"day 1: {first:.3f} s for {visits_first} visits ({1000 * first / visits_first:.2f} ms a "
        f"visit); day {len(days)}: {last:.3f} s for {visits_last} visits "
        f"({1000 * last / visits_last:.2f} ms a visit)"
    )
    print(
        f"history: {size / 1e6:.1f} MB for {stored:,} visits, "
        f"{size / stored * 10_000 / 1e6:.2f} MB per 10,000 visits"
    )
    print(
        f"day {len(days)} scrubbed again (the store open): {plain:.3f} s with the month's history; {crowded:.3f} s "
        f"with {big:,} visits in the history ({crowded / plain:.2f}x)"
    )
    print(
        f"opening a history of {big:,} visits ({size_big / 1e6:.0f} MB), its integrity checked "
        f"(quick_check, schema, every value): {opening:.2f} s, "
        f"{opening / big * 100_000:.2f} s per 100,000 visits"
    )


def _once(rules: RuleSet, batch: Batch, path: Path) -> float:
    """Seconds to scrub ``batch`` against a copy of the history at ``path`` (the copy is thrown
    away), once it is open: opening (and checking) the file is measured on its own."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "h.sqlite"
        shutil.copy(path, copy)
        with HistoryStore.open(copy) as store:
            start = time.perf_counter()
            rules.scrub(batch, history=store)
            return time.perf_counter() - start


def _others(count: int) -> list[VisitFact]:
    """Visits of other patients, spread over a year."""
    first = date(2025, 3, 2)
    return [
        VisitFact(
            f"X{n}",
            f"XC{n // 20}",
            f"XP{n // 20}",
            "MCR-AZ",
            first + timedelta(days=n % 360),
            NoteType.DAILY,
            True,
            (("97110", 2), ("97140", 1)),
        )
        for n in range(count)
    ]


if __name__ == "__main__":
    main()
