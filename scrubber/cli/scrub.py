"""``scrubber scrub``: apply payer rules to an EMR export.

A JSON document is read whole (its records a piece of the text at a time, its result written part
by part); JSON Lines (sorted by date of service) are scrubbed one day at a time, in flat memory,
with the same bytes written. Exit 1 when a record was rejected (or what
``--fail-on`` says), 2 when the run could not be done (nothing is written then).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, nullcontext
from decimal import Decimal
from functools import partial
from typing import Any

import attrs

from scrubber.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_cache_options,
    add_history_options,
    add_rules_option,
    add_x12_role_option,
    bundled_rules_note,
    cache_of,
    open_history,
    out_of_order_warning,
    plural,
    progress_bar,
    rule_paths,
    shown_rule_files,
    x12_role,
)
from scrubber.cli.config import load_config, parse_fail_on
from scrubber.cli.outputs import Outputs
from scrubber.errors import ExportReadError, UsageError
from scrubber.model.measures import CHARGES
from scrubber.model.records import LineRecord, Rejected, Visit
from scrubber.model.results import ScrubResult

__all__ = ["Summary", "add"]


def add(commands: Any) -> None:
    scrub = commands.add_parser("scrub", help="apply payer rules to an EMR export")
    scrub.add_argument(
        "export", help="the EMR export (JSON or JSON Lines; an X12 837P; - for stdin)"
    )
    add_rules_option(scrub)
    scrub.add_argument(
        "-o",
        "--output",
        default="-",
        help="where the result goes (default: stdout); with X12 input, the billed 837P",
    )
    scrub.add_argument(
        "--audit", metavar="FILE",
        help="also write the audit trail: .csv, .json, or JSON Lines otherwise",
    )  # fmt: skip
    scrub.add_argument(
        "--fail-on", metavar="WHAT",
        help="exit 1 when: rejected (a record was rejected; the default), held (a visit was "
        "held), warned (a warn rule flagged a visit), changed (a rule changed something); "
        "comma-separated; none: never",
    )  # fmt: skip
    scrub.add_argument(
        "--summary", choices=("text", "json", "none"), default="text",
        help="the summary on stderr: text (default), json (one object, for scripts), none",
    )  # fmt: skip
    scrub.add_argument(
        "--input-format", metavar="FORMAT",
        help="the export's format: json, jsonl or x12 (default: X12 when it starts with ISA, "
        "else from the file name, else its first line)",
    )  # fmt: skip
    scrub.add_argument(
        "--result", metavar="FILE",
        help="also write the JSON scrub result here (with X12 input, -o writes the billed 837P)",
    )  # fmt: skip
    add_history_options(scrub)
    add_cache_options(scrub)
    add_x12_role_option(scrub)
    scrub.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.actions import LANGUAGE
    from scrubber.engine.ruleset import RuleSet
    from scrubber.formats.registry import format_named
    from scrubber.history.store import HistoryStore

    if args.input_format is not None:
        format_named(args.input_format)  # an unknown name: a usage error before anything is read
    config = load_config()
    fail_on = (
        parse_fail_on(args.fail_on, "--fail-on")
        if args.fail_on is not None
        else config.fail_on if config.fail_on is not None else frozenset({"rejected"})
    )  # fmt: skip
    history_path = args.history or config.history
    args.history = history_path
    with Outputs("scrub", inputs=(args.export, history_path)) as outputs:
        outputs.add(args.output, "the result")
        if args.audit:
            outputs.add(args.audit, "the audit")
        if args.result:
            outputs.add(args.result, "the result")
        paths = rule_paths(args.rules, config)
        report = LANGUAGE.check_paths(paths, cache_of(args, config))
        if report.rules is None:
            # Bad rules: the same report as `scrubber check`, and nothing is scrubbed or written.
            for error in report.errors:
                print(error.format(), file=sys.stderr)
            raise UsageError(f"{len(report.errors)} problem(s) in the rules: nothing was scrubbed")
        rules = RuleSet.compile(report.rules, stores=HistoryStore)
        files = shown_rule_files(paths, report.rules.files)
        args.x12_default_role = x12_role(args, config)
        with open_history(args) as history:
            session = history.session() if history is not None else nullcontext()
            with session:
                args.forced_format = args.input_format
                args.input_format = _input_format(args)
                if format_named(args.input_format).streams:  # records a line: a day at a time
                    summary = _stream(args, rules, history, outputs)
                else:
                    summary = _batch(args, rules, history, outputs)
                summary = attrs.evolve(
                    summary, rule_files=files, rules_note="" if paths else bundled_rules_note()
                )
                outputs.commit()  # the history keeps the scrub only once every output is there
            if history is not None and history.out_of_order is not None:
                print(out_of_order_warning(history.out_of_order), file=sys.stderr)
    if args.summary == "json":
        print(json.dumps(summary.document(fail_on), indent=2), file=sys.stderr)
    elif args.summary == "text":
        print(summary.text(), file=sys.stderr)
    return EXIT_FINDINGS if summary.fails(fail_on) else EXIT_OK


def _batch(args: argparse.Namespace, rules: Any, history: Any, outputs: Outputs) -> Summary:
    from scrubber.formats.emr import read_any_export
    from scrubber.formats.result_writers import write_audit, write_result

    # Standard input is read whole here: its text decides the format unless it was forced (the
    # guess only looked at what was buffered).
    chosen = args.forced_format if args.export == "-" else args.input_format
    read = read_any_export(args.export, format=chosen, x12_default_role=args.x12_default_role)
    batch = read.batch
    progress = progress_bar() if len(batch.visits) >= 2000 else None
    result = rules.scrub(batch, progress, history=history)
    summary = Summary()
    write_billed = read.format.write_billed
    # the result written part by part, never held whole as text (issue 29)
    document = partial(write_result, result)
    if write_billed is None:
        outputs.write_with(args.output, document)
    else:  # billing takes this format back as it came: the billed claims in it
        billed = write_billed(read.original, result)
        if billed is not None:
            outputs.write(args.output, billed)
        else:  # an 837P without a claim is refused by a clearinghouse: none is written
            outputs.remove(args.output)
            summary.notes.append("nothing billed: no 837P written")
    if args.result:
        outputs.write_with(args.result, document)
    if args.audit:
        audit_format = _audit_format(args.audit)
        outputs.write_with(args.audit, lambda out: write_audit(result.audit, out, audit_format))
    summary.add(batch.visits, result)
    return summary


def _stream(args: argparse.Namespace, rules: Any, history: Any, outputs: Outputs) -> Summary:
    from scrubber.formats.emr import iter_jsonl, read_lines
    from scrubber.formats.result_writers import AuditWriter, ResultWriter

    summary = Summary()
    audit = AuditWriter(outputs.open(args.audit), _audit_format(args.audit)) if args.audit else None
    with ExitStack() as stack:
        writers = [
            stack.enter_context(ResultWriter(outputs.open(target)))
            for target in (args.output, args.result)
            if target
        ]
        lines = stack.enter_context(read_lines(args.export))
        records = _counted(iter_jsonl(lines), summary)
        for day in rules.scrub_stream(records, history=history):
            result = ScrubResult(day.billed, day.exceptions, day.rejected, day.audit, day.warnings)
            summary.add((), result)
            for writer in writers:
                writer.add(result)
            if audit is not None:
                audit.add(day.audit)
        for writer in writers:
            writer.close()
    if audit is not None:
        audit.close()
    if not summary.visits_read and not summary.rejected_visits:
        raise ExportReadError(
            "<stdin>" if args.export == "-" else args.export,
            "the export holds no records (an empty file, or only blank lines): nothing to scrub",
        )
    return summary


def _counted(
    records: Iterable[LineRecord | Rejected], summary: Summary
) -> Iterator[LineRecord | Rejected]:
    for record in records:
        if isinstance(record, LineRecord):
            summary.count_visit(record.visit)
        yield record


def _input_format(args: argparse.Namespace) -> Any:
    """The export's format, guessed once (from its first bytes or its name) unless given."""
    from scrubber.formats.registry import format_named, guess_format

    if args.input_format is not None:
        return format_named(args.input_format).name
    return guess_format(args.export)


def _audit_format(path: str) -> Any:
    return "csv" if path.endswith(".csv") else "json" if path.endswith(".json") else "jsonl"


@attrs.define
class Summary:
    """What a scrub did, added up so that the visits account for every visit record: billed +
    held + nothing to bill + rejected = the visit records of the export."""

    visits_read: int = 0
    emr_units: int = 0
    billed: int = 0
    billed_units: int = 0
    held: int = 0
    held_units: int = 0
    rejected_visits: int = 0
    rejected_others: int = 0
    changes: int = 0
    #: warnings of ``warn`` rules, and the visits they flag (billed as usual)
    warnings: int = 0
    warned_visits: int = 0
    by_rule: Counter[str] = attrs.Factory(Counter)
    rejected: list[Rejected] = attrs.Factory(list)
    rule_files: tuple[str, ...] = ()
    #: said after the rule files (where the bundled rules are), or empty
    rules_note: str = ""
    #: what else the run has to say ("nothing billed: no 837P written")
    notes: list[str] = attrs.Factory(list)
    #: the charges (§14): read, billed, held, and scrubbed off by each rule; shown only when a
    #: line had one
    charged: bool = False
    emr_amount: Decimal = Decimal("0.00")
    billed_amount: Decimal = Decimal("0.00")
    held_amount: Decimal = Decimal("0.00")
    by_rule_amount: dict[str, Decimal] = attrs.Factory(dict)

    def count_visit(self, visit: Visit) -> None:
        self.visits_read += 1
        self.emr_units += sum(c.units for c in visit.charges)
        for charge in visit.charges:
            if charge.amount is not None and charge.units:
                self.charged = True
                self.emr_amount += CHARGES.charge_level(charge)

    def add(self, visits: Iterable[Visit], result: ScrubResult) -> None:
        for visit in visits:
            self.count_visit(visit)
        self.billed += len(result.billed)
        self.billed_units += sum(c.units for v in result.billed for c in v.charges)
        self.held += len(result.exceptions)
        self.held_units += sum(c.units for h in result.exceptions for c in h.charges)
        for record in result.rejected:
            if record.path.startswith(("patients[", "cases[")):
                self.rejected_others += 1
            else:
                self.rejected_visits += 1
            if len(self.rejected) < 100:
                self.rejected.append(record)
        self.changes += len(result.audit)
        self.warnings += len(result.warnings)
        self.warned_visits += len({warning.visit_id for warning in result.warnings})
        for entry in result.audit:
            self.by_rule[entry.rule] -= entry.units_delta
            if entry.amount_delta:
                was = self.by_rule_amount.get(entry.rule, Decimal("0.00"))
                self.by_rule_amount[entry.rule] = was - entry.amount_delta
        self.billed_amount += sum(
            (CHARGES.charge_level(c) for v in result.billed for c in v.charges), start=Decimal(0)
        )
        self.held_amount += sum(
            (CHARGES.charge_level(c) for h in result.exceptions for c in h.charges),
            start=Decimal(0),
        )

    @property
    def nothing_to_bill(self) -> int:
        return self.visits_read - self.billed - self.held

    def fails(self, fail_on: frozenset[str]) -> bool:
        found = {
            "rejected": self.rejected_visits + self.rejected_others > 0,
            "held": self.held > 0,
            "warned": self.warnings > 0,
            "changed": self.changes > 0,
        }
        return any(found[what] for what in fail_on)

    def document(self, fail_on: frozenset[str]) -> dict[str, Any]:
        return {
            "visits": {
                "records": self.visits_read + self.rejected_visits,
                "read": self.visits_read,
                "billed": self.billed,
                "held": self.held,
                "nothing_to_bill": self.nothing_to_bill,
                "rejected": self.rejected_visits,
            },
            "rejected_patients_and_cases": self.rejected_others,
            "units": {
                "emr": self.emr_units,
                "billed": self.billed_units,
                "held": self.held_units,
                "scrubbed_by_rule": {r: n for r, n in sorted(self.by_rule.items()) if n},
            },
            **({"charges": self._charges()} if self.charged else {}),
            "changes": self.changes,
            "warnings": {"warnings": self.warnings, "visits": self.warned_visits},
            "rule_files": list(self.rule_files),
            "fail_on": sorted(fail_on) or ["none"],
            "failed": self.fails(fail_on),
            "rejected": [
                {"path": r.path, "id": r.id, "errors": list(r.errors)} for r in self.rejected
            ],
            "notes": list(self.notes),
        }

    def _charges(self) -> dict[str, Any]:
        """The charges as decimal strings: EMR = billed + held + scrubbed off (every rule's)."""
        return {
            "emr": str(self.emr_amount),
            "billed": str(self.billed_amount),
            "held": str(self.held_amount),
            "scrubbed_off": str(sum(self.by_rule_amount.values(), start=Decimal("0.00"))),
            "scrubbed_by_rule": {r: str(n) for r, n in sorted(self.by_rule_amount.items()) if n},
        }

    def text(self) -> str:
        rows = [
            ("", "visits", "units"),
            ("visit records in the export", str(self.visits_read + self.rejected_visits), ""),
            ("  billed", str(self.billed), str(self.billed_units)),
            ("  held on exceptions", str(self.held), str(self.held_units)),
            ("  nothing to bill", str(self.nothing_to_bill), ""),
            ("  rejected", str(self.rejected_visits), ""),
            ("units read from the EMR", "", str(self.emr_units)),
        ]
        rows += [
            (f"  scrubbed by {rule}", "", str(units))
            for rule, units in sorted(self.by_rule.items())
            if units
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}".rstrip() for a, b, c in rows
        ]
        if self.charged:
            money = self._charges()
            lines.append(
                f"charges: {money['emr']} read, {money['billed']} billed, {money['held']} held, "
                f"{money['scrubbed_off']} scrubbed off"
            )
            lines += [
                f"  charges scrubbed off by {rule}: {amount}"
                for rule, amount in money["scrubbed_by_rule"].items()
            ]
        if self.warnings:
            lines.append(
                f"warnings: {plural(self.warnings, 'warning')} on "
                f"{plural(self.warned_visits, 'visit')} (billed as usual, flagged for review)"
            )
        if self.rejected_others:
            lines.append(f"rejected patient and case records: {self.rejected_others}")
        note = f" ({self.rules_note})" if self.rules_note else ""
        lines.append("rule files: " + (", ".join(self.rule_files) or "none") + note)
        lines.extend(self.notes)
        for record in self.rejected:
            lines.append(
                f"rejected {record.path} ({record.id or 'no id'}): {'; '.join(record.errors)}"
            )
        shown = self.rejected_visits + self.rejected_others
        if shown > len(self.rejected):
            lines.append(f"... and {plural(shown - len(self.rejected), 'more rejected record')}")
        return "\n".join(lines)
