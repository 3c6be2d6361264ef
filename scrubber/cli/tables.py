"""``scrubber tables inspect PATH``: what a table file, archive or folder holds, so that a
specialist sees a new quarter's CMS file was read right before the rules use it."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrubber.cli.common import EXIT_FINDINGS, EXIT_OK, Parser, plural
from scrubber.errors import RuleError, UsageError

if TYPE_CHECKING:
    from scrubber.tables.inspect import TableSummary
    from scrubber.tables.problems import TableError, TableProblem

__all__ = ["add"]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def add(commands: Any) -> None:
    tables = commands.add_parser("tables", help="look into table files (MUE, PTP)")
    actions = tables.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    inspect = actions.add_parser(
        "inspect", help="what a table file, ZIP archive or folder holds, as read"
    )
    inspect.add_argument("path", help="a table: .csv, .txt, .xlsx, a .zip archive or a folder")
    inspect.add_argument(
        "--kind", choices=("unit", "pair", "price"),
        help="unit caps (MUE) or pairs (PTP); default: from the header",
    )  # fmt: skip
    inspect.add_argument(
        "--on", type=_day, metavar="DATE",
        help="count the PTP pairs in effect on DATE (default: today)",
    )  # fmt: skip
    inspect.add_argument("--format", choices=("text", "json"), default="text")
    inspect.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.tables.inspect import inspect_tables

    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"scrubber tables inspect: {args.path}: no such file or folder")
    found = inspect_tables(path, kind=args.kind, on=args.on)
    if len(found) == 1:  # one table: its summary, or its problems
        return _show(*found[0], args.format)
    # A folder of different tables (payer_rules/tables/): each one, in name order.
    failed = False
    if args.format == "json":
        documents = [_document(table, outcome) for table, outcome in found]
        print(json.dumps({"tables": documents}, indent=2))
        return EXIT_FINDINGS if any("errors" in d for d in documents) else EXIT_OK
    for number, (table, outcome) in enumerate(found):
        if number:
            print()
        failed = _show(table, outcome, "text") != EXIT_OK or failed
    return EXIT_FINDINGS if failed else EXIT_OK


def _show(table: Path, outcome: TableSummary | TableError, view: str) -> int:
    from scrubber.tables.inspect import render_summary

    if view == "json":
        print(json.dumps(_document(table, outcome), indent=2))
    elif isinstance(outcome, Exception):
        for error in _errors(table, outcome):
            print(error.format())
            print()
        more = f" (and {outcome.more} more)" if outcome.more else ""
        print(f"{plural(len(outcome.problems), 'problem')}{more}: the table cannot be used")
    else:
        print(render_summary(outcome), end="")
    return EXIT_FINDINGS if isinstance(outcome, Exception) else EXIT_OK


def _document(table: Path, outcome: TableSummary | TableError) -> dict[str, Any]:
    from scrubber.tables.inspect import summary_document

    if isinstance(outcome, Exception):
        errors = [_error_json(e) for e in _errors(table, outcome)]
        return {"path": str(table), "errors": errors, "more": outcome.more}
    return summary_document(outcome)


def _errors(table: Path, error: TableError) -> list[RuleError]:
    from scrubber.lang import codes

    return [_as_error(codes.TABLE_MALFORMED.code, str(table), p) for p in error.problems]


def _as_error(code: str, shown: str, problem: TableProblem) -> RuleError:
    """A table's problem as the checker shows it: ``table:part:line:column``, line, caret."""
    where = f"{shown}:{problem.part}" if problem.part else shown
    return RuleError(
        code, f"malformed table: {problem.message}", where,
        problem.line, problem.column, problem.line, problem.column + 1, problem.text,
    )  # fmt: skip


def _error_json(error: RuleError) -> dict[str, object]:
    return {
        "code": error.code, "message": error.message, "file": error.file, "line": error.line,
        "column": error.column, "source_line": error.source_line,
    }  # fmt: skip
