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
    from scrubber.tables.problems import TableProblem

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
        "--kind", choices=("unit", "pair"),
        help="unit caps (MUE) or pairs (PTP); default: from the header",
    )  # fmt: skip
    inspect.add_argument(
        "--on", type=_day, metavar="DATE",
        help="count the PTP pairs in effect on DATE (default: today)",
    )  # fmt: skip
    inspect.add_argument("--format", choices=("text", "json"), default="text")
    inspect.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.lang import codes
    from scrubber.tables.inspect import inspect_table, render_summary, summary_document
    from scrubber.tables.problems import TableError

    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"scrubber tables inspect: {args.path}: no such file or folder")
    try:
        summary = inspect_table(path, kind=args.kind, on=args.on)
    except TableError as exc:
        shown = str(path)
        errors = [_as_error(codes.TABLE_MALFORMED.code, shown, problem) for problem in exc.problems]
        if args.format == "json":
            print(
                json.dumps({"errors": [_error_json(e) for e in errors], "more": exc.more}, indent=2)
            )
        else:
            for error in errors:
                print(error.format())
                print()
            more = f" (and {exc.more} more)" if exc.more else ""
            print(f"{plural(len(errors), 'problem')}{more}: the table cannot be used")
        return EXIT_FINDINGS
    if args.format == "json":
        print(json.dumps(summary_document(summary), indent=2))
    else:
        print(render_summary(summary), end="")
    return EXIT_OK


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
