"""What the index buys: the indexed engine against a naive one that tests every rule on every
visit, at 10, 1,000 and 15,000 rules.

Run: python bench/naive_bench.py [--lines 20000]
The naive engine runs the same actions in the same order (so the results are identical; the
script checks it); it only skips the index by payer and code.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from datetime import date
from pathlib import Path

import attrs
from common import best_of, machine

from scrubber.engine import RuleSet
from scrubber.engine.compile import CompiledBlock
from scrubber.engine.program import Program
from scrubber.load import load_rules
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult
from scrubber.resources import bundled_rules_dir
from scrubber.sample import sample_batch


@attrs.frozen
class NaiveProgram(Program):
    """The same engine with no index: every rule in effect on the date is visited for every
    group, whatever its payer and codes (a rule of another payer finds no visit to work on)."""

    def plan(
        self, payers: frozenset[str], day: date, codes: frozenset[str]
    ) -> tuple[tuple[CompiledBlock, ...], tuple[int, ...]]:
        blocks = tuple(b for bs in self.blocks.values() for b in bs if b.effective_on(day))
        return blocks, tuple(r.position for r in self.rules if r.effective_on(day))


def naive_scrub(rules: RuleSet, batch: Batch) -> ScrubResult:
    """Every rule of the rule set, tested against every group of visits."""
    naive = NaiveProgram(rules.rules, rules.blocks, rules.payers)
    return RuleSet(naive, stores=rules.stores).scrub(batch)


def rules_folder(folder: Path, extra: int, rng: random.Random) -> Path:
    """The bundled rules plus ``extra`` caps on codes the sample never bills."""
    target = folder / f"rules-{extra}"
    shutil.copytree(bundled_rules_dir(), target)
    codes = [f"{n:05d}" for n in rng.sample(range(10000, 90000), extra)]
    lines = ["rules any {"] + [
        f"    rule cap-{n}: limit {code} to 2 units per day" for n, code in enumerate(codes)
    ]
    (target / "zz_extra.rules").write_text("\n".join([*lines, "}"]) + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--lines", type=int, default=5_000, help="the naive engine at 15,000 rules takes minutes"
    )
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    print(machine())
    batch = sample_batch(max(1, round(args.lines / 1.95)), seed=3, visits_per_day=400)
    lines = sum(len(v.charges) for v in batch.visits)
    rng = random.Random(9)
    with tempfile.TemporaryDirectory() as folder:
        for extra in (10, 1_000, 15_000):
            rules = load_rules(rules_folder(Path(folder), extra, rng))
            assert naive_scrub(rules, batch) == rules.scrub(batch), "the two engines must agree"
            indexed = best_of(args.runs, lambda rules=rules: rules.scrub(batch))
            naive = best_of(args.runs, lambda rules=rules: naive_scrub(rules, batch))
            print(
                f"{len(rules.rules):>6,} rules, {lines:,} lines: indexed {indexed:.2f} s, "
                f"naive {naive:.2f} s ({naive / indexed:.1f}x slower)"
            )


if __name__ == "__main__":
    main()
