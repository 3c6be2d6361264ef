"""``scrubber balance``: explain every visit and unit of EMR-vs-billing difference."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrubber.cli.common import EXIT_FINDINGS, EXIT_OK
from scrubber.cli.outputs import Outputs
from scrubber.errors import UsageError

__all__ = ["add"]


def add(commands: Any) -> None:
    balance = commands.add_parser("balance", help="explain every EMR-vs-billing difference")
    balance.add_argument("export", help="the EMR export that was scrubbed")
    balance.add_argument("result", help="the result of scrubber scrub")
    balance.add_argument(
        "--by", choices=("date_of_service", "finalized_on"), default="date_of_service",
        help="count visits on their date of service (default) or finalized date",
    )  # fmt: skip
    balance.add_argument(
        "--period", choices=("day", "week"), default="day",
        help="one row per day (default) or per week starting on Monday",
    )  # fmt: skip
    balance.add_argument("--format", choices=("table", "csv", "json", "html"), default="table")
    balance.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    balance.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.formats.emr import read_export
    from scrubber.formats.results import read_result
    from scrubber.reports.balance import balance
    from scrubber.reports.render import render_csv, render_html, render_json, render_table

    outputs = Outputs("balance", inputs=(args.export, args.result))
    outputs.add(args.output, "the report")
    batch = read_export(args.export)
    result = read_result(args.result)
    known = {v.id for v in batch.visits}
    strangers = sorted({v.id for v in result.billed} - known)
    if strangers:
        raise UsageError(
            f"{args.result}: billed visits {', '.join(strangers[:5])} are not in {args.export}: "
            "is this the result of that export?"
        )
    report = balance(batch, result, by=args.by, period=args.period)
    if args.format == "json":
        text = render_json(report)
    elif args.format == "csv":
        text = render_csv(report)
    elif args.format == "html":
        text = render_html(report, result.exceptions)
    else:
        text = render_table(report)
    with outputs:
        outputs.write(args.output, text)
        outputs.commit()
    if not report.balanced:
        totals = report.totals
        print(
            f"error: {totals.unexplained_visits} visits and {totals.unexplained_units} units are "
            "unexplained. This is a bug in scrubber: please report it with the export and result.",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK
