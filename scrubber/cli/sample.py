"""``scrubber sample``: write a realistic synthetic EMR export, or the same visits as the 837P
claims a billing service receives (``--format x12``)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from scrubber.cli.common import EXIT_OK
from scrubber.cli.outputs import Outputs
from scrubber.errors import UsageError

__all__ = ["add"]


def add(commands: Any) -> None:
    sample = commands.add_parser("sample", help="write a realistic synthetic EMR export")
    sample.add_argument("--visits", type=int, default=40, help="how many visits (default 40)")
    sample.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sample.add_argument(
        "--malformed", type=int, default=0,
        help="how many visit records to make unreadable on purpose (default 0)",
    )  # fmt: skip
    sample.add_argument(
        "--per-day", type=int, default=10,
        help="about how many visits a day, over weekdays from 2026-03-02 (default 10)",
    )  # fmt: skip
    sample.add_argument(
        "--format", choices=("json", "jsonl", "x12"), default="json",
        help="json (default), jsonl, or x12: an 837P of one claim per visit, with valid NPIs",
    )  # fmt: skip
    sample.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    sample.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.formats.emr import dumps_export, parse_export
    from scrubber.sample import sample_document

    outputs = Outputs("sample")
    outputs.add(args.output, "the export")
    if args.visits < 0:
        raise UsageError("scrubber sample: --visits must be 0 or more")
    if args.per_day < 1:
        raise UsageError("scrubber sample: --per-day must be 1 or more")
    if args.format == "x12":
        from scrubber.formats.x12.compose import compose_837p
        from scrubber.sample_claims import sample_claims

        if args.malformed:
            raise UsageError("scrubber sample: --malformed makes JSON records unreadable; an "
                             "837P sample has none")  # fmt: skip
        claims = sample_claims(args.visits, args.seed, visits_per_day=args.per_day)
        if not claims.visits:
            raise UsageError("scrubber sample: no visit of this sample is one an 837P carries "
                             "(ask for more --visits)")  # fmt: skip
        with outputs:
            outputs.write(args.output, compose_837p(claims))
            outputs.commit()
        return EXIT_OK
    document = sample_document(
        args.visits, args.seed, malformed=args.malformed, visits_per_day=args.per_day
    )
    if args.format == "jsonl":
        # Malformed records cannot be expressed as parsed records; JSON Lines carry good ones.
        text = dumps_export(parse_export(document), "jsonl")
    else:
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    with outputs:
        outputs.write(args.output, text)
        outputs.commit()
    return EXIT_OK
