"""``scrubber check``: check rule files and report every problem at once."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scrubber.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_cache_options,
    cache_of,
    plural,
    rule_paths,
)
from scrubber.cli.config import load_config
from scrubber.errors import RuleError, UsageError

__all__ = ["add"]


def add(commands: Any) -> None:
    check = commands.add_parser("check", help="check rule files and report every problem")
    check.add_argument(
        "paths", nargs="*",
        help="rule files or folders (default: the rules of scrubber.toml, else the bundled "
        "rules); - reads one rule file from standard input",
    )  # fmt: skip
    check.add_argument("--format", choices=("text", "json", "github"), default="text")
    check.add_argument(
        "--max-errors", type=int, default=50, metavar="N",
        help="show at most N problems in text output (0: all; default 50)",
    )  # fmt: skip
    check.add_argument(
        "--explain-order", metavar="PAYER",
        help="list the rules a visit of PAYER goes through, in order",
    )  # fmt: skip
    check.add_argument(
        "--strict", action="store_true",
        help="exit 1 on warnings (W codes) too, not only on errors",
    )  # fmt: skip
    add_cache_options(check)
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.actions import LANGUAGE
    from scrubber.tables.loader import TableLoader

    config = load_config()
    if "-" in args.paths:
        if args.paths != ["-"]:
            raise UsageError("scrubber check: - (standard input) stands alone, without other paths")
        source = LANGUAGE.text_source(sys.stdin.read())
        report = LANGUAGE.check([source], TableLoader(cache_of(args, config)))
    else:
        report = LANGUAGE.check_paths(rule_paths(args.paths, config), cache_of(args, config))
    errors = report.errors
    warnings = report.warnings
    # Errors first: the warnings of rules that do not check (a codeset unused because the rule
    # naming it is misspelt) are mostly noise; they are listed once the errors are fixed (the
    # JSON output gives both at once).
    shown_warnings = () if errors else warnings
    problems = tuple(sorted((*errors, *shown_warnings), key=lambda e: e.sort_key))
    counts = report.counts()
    if args.format == "json":
        print(json.dumps({
            "errors": [_error_json(e) for e in errors],
            "warnings": [_error_json(w) for w in warnings],
            **counts,
        }, indent=2))  # fmt: skip
    elif args.format == "github":
        for error in problems:
            message = error.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            print(
                f"::{error.severity} file={error.file},line={error.line},col={error.column},"
                f"endColumn={max(error.end_column, error.column + 1)},title={error.code}::{message}"
            )
    else:
        shown = problems if args.max_errors <= 0 else problems[: args.max_errors]
        for error in shown:
            print(error.format())
            print()
        if len(problems) > len(shown):
            print(f"... and {len(problems) - len(shown)} more (see all with --max-errors 0)")
        if errors:
            files = len({e.file for e in errors})
            print(f"{plural(len(errors), 'problem')} in {plural(files, 'file')}")
        elif warnings:
            files = len({w.file for w in warnings})
            strict = " (--strict: failing)" if args.strict else ""
            print(f"{plural(len(warnings), 'warning')} in {plural(files, 'file')}{strict}")
        else:
            print("no problems: " + ", ".join(plural(n, w[:-1]) for w, n in counts.items()))
    if args.explain_order and report.rules is not None:
        _explain_order(report.rules, args.explain_order)
    return EXIT_FINDINGS if errors or (args.strict and warnings) else EXIT_OK


def _explain_order(checked: Any, payer: str) -> None:
    from scrubber.actions import KINDS
    from scrubber.lang.checked import BUILTIN_PAYER
    from scrubber.lang.expressions import render_expr
    from scrubber.lang.order import application_order

    if payer != BUILTIN_PAYER and payer not in checked.payers:
        raise UsageError(
            f"scrubber check: --explain-order: no payer named {payer!r} in these rules"
        )
    print(f"\nOrder of application for a visit of payer {payer}:")
    for number, (rule_file, block, rule) in enumerate(application_order(checked, payer), start=1):
        dates = ""
        if block.effective or block.through:
            dates = f" [{block.effective or '...'} to {block.through or '...'}]"
        print(f"{number:4}. {rule_file.stem}/{rule.id:<20} {rule.action.span}{dates}")
        condition = ""
        if rule.condition is not None:
            word = "unless" if rule.condition.negated else "when"
            condition = f" {word} {render_expr(rule.condition.expr)}"
        print(f"      {KINDS.render(rule.action)}{condition}")


def _error_json(error: RuleError) -> dict[str, object]:
    return {
        "code": error.code, "message": error.message, "file": error.file, "line": error.line,
        "column": error.column, "end_line": error.end_line, "end_column": error.end_column,
        "source_line": error.source_line, "notes": list(error.notes), "severity": error.severity,
    }  # fmt: skip
