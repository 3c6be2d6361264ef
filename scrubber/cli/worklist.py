"""``scrubber worklist``: every held visit and rejected record, as a specialist works them."""

from __future__ import annotations

import argparse
from typing import Any

from scrubber.cli.common import EXIT_OK, add_report_options, export_and_result
from scrubber.cli.outputs import Outputs

__all__ = ["add"]


def add(commands: Any) -> None:
    worklist = commands.add_parser(
        "worklist", help="the held visits and rejected records, with what to fix"
    )
    worklist.add_argument("export", help="the EMR export that was scrubbed")
    worklist.add_argument("result", help="the result of scrubber scrub")
    worklist.add_argument(
        "--sort", choices=("export", "amount"), default="export",
        help="held visits in export order (default), or by the charges they hold up, most first",
    )  # fmt: skip
    add_report_options(worklist)
    worklist.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.reports.pages import worklist_page
    from scrubber.reports.worklist import (
        sorted_by_amount,
        worklist,
        worklist_csv,
        worklist_json,
        worklist_table,
    )

    outputs = Outputs("worklist", inputs=(args.export, args.result))
    outputs.add(args.output, "the worklist")
    batch, result, descriptions = export_and_result(args.export, args.result, args.rules, args)
    items = worklist(batch, result, descriptions)
    if args.sort == "amount":
        items = sorted_by_amount(items)
    if args.format == "html":
        text = worklist_page(items, descriptions)
    else:
        text = {"json": worklist_json, "csv": worklist_csv}.get(args.format, worklist_table)(items)
    with outputs:
        outputs.write(args.output, text)
        outputs.commit()
    return EXIT_OK
