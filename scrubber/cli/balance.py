"""``scrubber balance``: explain every visit and unit of EMR-vs-billing difference."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrubber.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_report_options,
    export_and_result,
    plural,
)
from scrubber.cli.outputs import Outputs

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
    balance.add_argument(
        "--measure", choices=("units", "charges"), default="units",
        help="balance units (default) or the lines' charges: every cent explained",
    )  # fmt: skip
    add_report_options(balance)
    balance.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.model.measures import CHARGES, UNITS
    from scrubber.reports.balance import balance
    from scrubber.reports.pages import balance_page
    from scrubber.reports.render import render_csv, render_json, render_table
    from scrubber.reports.worklist import worklist

    outputs = Outputs("balance", inputs=(args.export, args.result))
    outputs.add(args.output, "the report")
    batch, result, descriptions = export_and_result(args.export, args.result, args.rules, args)
    measure = CHARGES if args.measure == "charges" else UNITS
    report = balance(batch, result, by=args.by, period=args.period, measure=measure)
    if args.format == "json":
        text = render_json(report)
    elif args.format == "csv":
        text = render_csv(report)
    elif args.format == "html":
        text = balance_page(report, worklist(batch, result, descriptions), descriptions)
    else:
        text = render_table(report)
    with outputs:
        outputs.write(args.output, text)
        outputs.commit()
    if not report.balanced:
        totals = report.totals
        taken = (
            plural(totals.unexplained_units, "unit") if args.measure == "units"
            else f"{totals.unexplained_units} in charges"
        )  # fmt: skip
        print(
            f"error: {plural(totals.unexplained_visits, 'visit')} and "
            f"{taken} unexplained, though the result is the "
            "scrub of this export. This is a bug in scrubber: please report it with the export "
            "and result.",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK
