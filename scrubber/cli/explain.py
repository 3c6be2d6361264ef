"""``scrubber explain``: for one visit, what the rules did and why."""

from __future__ import annotations

import argparse
from typing import Any

from scrubber.cli.common import (
    EXIT_OK,
    add_cache_options,
    add_history_options,
    add_rules_option,
    add_x12_role_option,
    cache_of,
    open_history,
    rule_paths,
    x12_role,
)
from scrubber.cli.config import load_config
from scrubber.shown import visible_lines

__all__ = ["add"]


def add(commands: Any) -> None:
    explain = commands.add_parser("explain", help="for one visit, what the rules did and why")
    explain.add_argument("export", help="the EMR export")
    explain.add_argument("--visit", required=True, metavar="ID", help="the visit to explain")
    add_rules_option(explain)
    explain.add_argument(
        "--all", action="store_true", dest="all_rules",
        help="every rule in order, with why it did nothing (default: what changed the visit)",
    )  # fmt: skip
    add_history_options(explain, writes=False)
    add_cache_options(explain)
    add_x12_role_option(explain)
    explain.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.actions import LANGUAGE
    from scrubber.engine.ruleset import RuleSet
    from scrubber.formats.emr import read_export
    from scrubber.history.store import HistoryStore
    from scrubber.reports.explain import explain_visit

    config = load_config()
    rules = RuleSet.compile(
        LANGUAGE.load_checked(rule_paths(args.rules, config), cache_of(args, config)),
        stores=HistoryStore,
    )
    args.history = args.history or config.history
    with open_history(args, read_only=True) as history:
        batch = read_export(args.export, x12_default_role=x12_role(args, config))
        lines = explain_visit(rules, batch, args.visit, all_rules=args.all_rules, history=history)
    print(visible_lines("\n".join(lines)))
    return EXIT_OK
