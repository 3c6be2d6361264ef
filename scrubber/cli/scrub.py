"""``scrubber scrub``: apply payer rules to an EMR export."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from contextlib import nullcontext
from typing import Any

from scrubber.cli.common import (
    EXIT_OK,
    add_cache_options,
    add_history_options,
    cache_of,
    open_history,
    progress_bar,
    write,
)
from scrubber.errors import UsageError
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult

__all__ = ["add"]


def add(commands: Any) -> None:
    scrub = commands.add_parser("scrub", help="apply payer rules to an EMR export")
    scrub.add_argument("export", help="the EMR export (JSON or JSON Lines; - for stdin)")
    scrub.add_argument("--rules", help="folder of .rules files (default: the bundled rules)")
    scrub.add_argument(
        "-o", "--output", default="-", help="where the result goes (default: stdout)"
    )
    scrub.add_argument(
        "--audit", metavar="FILE",
        help="also write the audit trail: .csv, .json, or JSON Lines otherwise",
    )  # fmt: skip
    add_history_options(scrub)
    add_cache_options(scrub)
    scrub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.engine.ruleset import RuleSet
    from scrubber.formats.emr import read_export
    from scrubber.formats.results import dumps_audit, dumps_result
    from scrubber.lang.load import check_paths

    report = check_paths([args.rules] if args.rules else [], cache_of(args))
    if report.rules is None:
        # Bad rules: the same report as `scrubber check`, and nothing is scrubbed or written.
        for error in report.errors:
            print(error.format(), file=sys.stderr)
        raise UsageError(f"{len(report.errors)} problem(s) in the rules: nothing was scrubbed")
    rules = RuleSet.compile(report.rules)
    with open_history(args) as history:
        batch = read_export(args.export)
        progress = progress_bar() if len(batch.visits) >= 2000 else None
        # The history keeps this scrub only once every output is written.
        with history.session() if history is not None else nullcontext():
            result = rules.scrub(batch, progress, history=history)
            write(args.output, dumps_result(result))
            if args.audit:
                kind = (
                    "csv" if args.audit.endswith(".csv")
                    else "json" if args.audit.endswith(".json")
                    else "jsonl"
                )  # fmt: skip
                write(args.audit, dumps_audit(result.audit, kind))  # type: ignore[arg-type]
    print(summary(batch, result), file=sys.stderr)
    return EXIT_OK


def summary(batch: Batch, result: ScrubResult) -> str:
    emr_units = sum(c.units for v in batch.visits for c in v.charges)
    billed_units = sum(c.units for v in result.billed for c in v.charges)
    held_units = sum(c.units for h in result.exceptions for c in h.charges)
    by_rule: Counter[str] = Counter()
    for entry in result.audit:
        by_rule[entry.rule] -= entry.units_delta
    rows = [
        ("", "visits", "units"),
        ("read from the EMR", str(len(batch.visits)), str(emr_units)),
        ("billed", str(len(result.billed)), str(billed_units)),
        ("held on exceptions", str(len(result.exceptions)), str(held_units)),
        ("rejected records", str(len(batch.rejected)), ""),
    ]
    rows += [
        (f"  scrubbed by {rule}", "", str(units))
        for rule, units in sorted(by_rule.items())
        if units
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
    for record in batch.rejected:
        lines.append(f"rejected {record.path} ({record.id or 'no id'}): {'; '.join(record.errors)}")
    return "\n".join(lines)
