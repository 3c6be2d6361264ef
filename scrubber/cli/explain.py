"""``scrubber explain``: for one visit, what the rules did and why."""

from __future__ import annotations

import argparse
from typing import Any

from scrubber.cli.common import (
    EXIT_OK,
    add_cache_options,
    add_history_options,
    cache_of,
    open_history,
)

__all__ = ["add"]


def add(commands: Any) -> None:
    explain = commands.add_parser("explain", help="for one visit, what the rules did and why")
    explain.add_argument("export", help="the EMR export")
    explain.add_argument("--visit", required=True, metavar="ID", help="the visit to explain")
    explain.add_argument("--rules", help="folder of .rules files (default: the bundled rules)")
    explain.add_argument(
        "--all", action="store_true", dest="all_rules",
        help="every rule in order, with why it did nothing (default: what changed the visit)",
    )  # fmt: skip
    add_history_options(explain, writes=False)
    add_cache_options(explain)
    explain.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.engine.ruleset import RuleSet
    from scrubber.formats.emr import read_export
    from scrubber.lang.load import load_checked
    from scrubber.reports.explain import explain_visit

    rules = RuleSet.compile(load_checked([args.rules] if args.rules else [], cache_of(args)))
    with open_history(args, read_only=True) as history:
        batch = read_export(args.export)
        lines = explain_visit(rules, batch, args.visit, all_rules=args.all_rules, history=history)
    print("\n".join(lines))
    return EXIT_OK
