"""``scrubber reconcile``: the scrub result against what the billing system actually holds."""

from __future__ import annotations

import argparse
from typing import Any

from scrubber.cli.common import EXIT_FINDINGS, EXIT_OK, add_report_options, export_and_result
from scrubber.cli.outputs import Outputs

__all__ = ["add"]


def add(commands: Any) -> None:
    reconcile = commands.add_parser(
        "reconcile", help="check billing's own charge report against the scrub result"
    )
    reconcile.add_argument("export", help="the EMR export that was scrubbed")
    reconcile.add_argument("result", help="the result of scrubber scrub")
    reconcile.add_argument(
        "billing", help="billing's charge report (CSV: visit_id, date_of_service, created_on, "
        "location, cpt, units)",
    )  # fmt: skip
    reconcile.add_argument(
        "--columns", metavar="NAME=HEADER,...",
        help="the report's header names for ours, e.g. units=Qty,created_on=Entry Date",
    )  # fmt: skip
    reconcile.add_argument(
        "--by", choices=("date_of_service", "created_on"), default="date_of_service",
        help="count both sides on the date of service (default), or the EMR on the day it "
        "finalized a visit and billing on the day it created the charge",
    )  # fmt: skip
    reconcile.add_argument(
        "--period", choices=("day", "week"), default="day",
        help="one row per day (default) or per week starting on Monday",
    )  # fmt: skip
    add_report_options(reconcile)
    reconcile.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.formats.billing import parse_columns, read_billing
    from scrubber.reports.pages import reconcile_page
    from scrubber.reports.reconcile import reconcile
    from scrubber.reports.reconcile_render import reconcile_csv, reconcile_json, reconcile_table

    columns = parse_columns(args.columns)
    outputs = Outputs("reconcile", inputs=(args.export, args.result, args.billing))
    outputs.add(args.output, "the report")
    batch, result, _ = export_and_result(args.export, args.result, args.rules, args)
    billing = read_billing(args.billing, columns)
    report = reconcile(batch, result, billing, by=args.by, period=args.period)
    render = {"json": reconcile_json, "csv": reconcile_csv, "html": reconcile_page}.get(
        args.format, reconcile_table
    )
    with outputs:
        outputs.write(args.output, render(report))
        outputs.commit()
    return EXIT_OK if report.reconciled else EXIT_FINDINGS
