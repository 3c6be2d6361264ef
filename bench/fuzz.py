"""The fuzz harness with a long budget: what it tried, what happened, and every failure.

Run: python bench/fuzz.py [--examples 2000] [--seed 1] [--target exports]
The targets and their promises are those of ``tests/fuzzing.py`` (the test suite runs them with a
small budget and stops at the first failure). Here every input is tried to the end: a failure is
recorded (its kind, its first line, a shortened input) and the run goes on, so one run shows every
distinct problem. Prints per target: inputs tried, what happened to them, failures, time taken.
Exits 1 when something failed.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from common import machine
from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import PROBE_SECONDS, TARGETS, Target, time_limit


def _shortened(drawn: Any, limit: int = 300) -> str:
    shown = repr(drawn)
    return shown if len(shown) <= limit else f"{shown[:limit]}… ({len(shown):,} characters)"


def run(target: Target, examples: int, start: int) -> tuple[Counter[str], dict[str, str], float]:
    outcomes: Counter[str] = Counter()
    failures: dict[str, str] = {}

    @seed(start)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.inputs())
    def probe(drawn: Any) -> None:
        try:
            with time_limit(PROBE_SECONDS):
                outcomes[target.probe(drawn)] += 1
        except Exception as exc:  # every failure is recorded; the run goes on
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            first = str(exc).split("\n", 1)[0][:200]
            kind = f"{type(exc).__name__}: {first} ({Path(frame.filename).name}:{frame.lineno})"
            outcomes["FAILED"] += 1
            failures.setdefault(kind, _shortened(drawn))

    began = time.perf_counter()
    probe()
    return outcomes, failures, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=2000, help="inputs per target")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", choices=[t.name for t in TARGETS], action="append")
    args = parser.parse_args()
    print(machine())
    failed = 0
    for target in TARGETS:
        if args.target and target.name not in args.target:
            continue
        outcomes, failures, seconds = run(target, args.examples, args.seed)
        tried = sum(outcomes.values())
        print(f"\n{target.name}: {tried:,} inputs in {seconds:.1f} s")
        for outcome, count in sorted(outcomes.items(), key=lambda item: (-item[1], item[0])):
            print(f"  {count:>6,}  {outcome}")
        for kind, example in failures.items():
            print(f"  FAILURE {kind}\n          e.g. {example}")
        failed += len(failures)
    print(f"\n{failed} distinct failures")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
