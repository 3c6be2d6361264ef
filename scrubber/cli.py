"""The ``scrubber`` command line.

Exit codes: 0 all well, 1 findings (rule problems, unexplained differences), 2 usage or input
errors. A user's mistake is one plain line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scrubber.errors import RuleError, RuleSetError, ScrubberError, UsageError
from scrubber.io import read_export
from scrubber.model import Batch

if TYPE_CHECKING:
    from scrubber.audit import ScrubResult
    from scrubber.dsl.checked import CheckedRules
    from scrubber.table_cache import TableCache

__all__ = ["main"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse would print the whole usage block; one line is what DESIGN §7 asks for.
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _cmd_scrub(args: argparse.Namespace) -> int:
    from scrubber.dsl.load import check_paths
    from scrubber.engine import RuleSet
    from scrubber.results import dumps_audit, dumps_result

    checked, errors = check_paths([args.rules] if args.rules else [], _cache(args))
    if errors:
        # Bad rules: the same report as `scrubber check`, and nothing is scrubbed or written.
        for error in errors:
            print(error.format(), file=sys.stderr)
        raise UsageError(f"{len(errors)} problem(s) in the rules: nothing was scrubbed")
    rules = RuleSet.compile(checked)
    batch = read_export(args.export)
    result = rules.scrub(batch, progress=_progress_bar() if len(batch.visits) >= 2000 else None)
    _write(args.output, dumps_result(result))
    if args.audit:
        kind = (
            "csv"
            if args.audit.endswith(".csv")
            else "json"
            if args.audit.endswith(".json")
            else "jsonl"
        )
        _write(args.audit, dumps_audit(result.audit, kind))  # type: ignore[arg-type]
    print(_scrub_summary(batch, result), file=sys.stderr)
    return EXIT_OK


def _cache(args: argparse.Namespace) -> TableCache | None:
    from scrubber.table_cache import TableCache

    if args.no_cache:
        return None
    return TableCache(Path(args.cache_dir)) if args.cache_dir else TableCache.default()


def _cache_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--cache-dir", metavar="DIR",
        help="where compiled PTP tables are kept (default: $SCRUBBER_CACHE_DIR, else "
        "$XDG_CACHE_HOME/scrubber or ~/.cache/scrubber)",
    )  # fmt: skip
    command.add_argument(
        "--no-cache", action="store_true", help="read every table from its file; write no cache"
    )


def _progress_bar() -> Callable[[int, int], None] | None:
    """A one-line progress bar on stderr, only when stderr is a terminal (never in logs)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        print(f"\rscrubbing [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} visits",
              end=end, file=sys.stderr, flush=True)  # fmt: skip

    return show


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        return
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write ({exc.strerror or exc})") from None


def _scrub_summary(batch: Batch, result: ScrubResult) -> str:
    emr_units = sum(c.units for v in batch.visits for c in v.charges)
    billed_units = sum(c.units for v in result.billed for c in v.charges)
    held_units = sum(c.units for h in result.exceptions for c in h.charges)
    by_rule: Counter[str] = Counter()
    for entry in result.audit:
        by_rule[entry.rule] -= entry.units_delta
    rows = [
        ("", "visits", "units"),
        ("read from the EMR", str(len(batch.visits)), str(emr_units)),
        ("billed", str(len(result.billed)), str(billed_units)),
        ("held on exceptions", str(len(result.exceptions)), str(held_units)),
        ("rejected records", str(len(batch.rejected)), ""),
    ]
    rows += [
        (f"  scrubbed by {rule}", "", str(units))
        for rule, units in sorted(by_rule.items())
        if units
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
    for record in batch.rejected:
        lines.append(f"rejected {record.path} ({record.id or 'no id'}): {'; '.join(record.errors)}")
    return "\n".join(lines)


def _cmd_check(args: argparse.Namespace) -> int:
    from scrubber.dsl.check import BUILTIN_PAYER
    from scrubber.dsl.fmt import render_action
    from scrubber.dsl.load import check_paths
    from scrubber.dsl.order import application_order

    checked, errors = check_paths(args.paths, _cache(args))
    if args.format == "json":
        print(
            json.dumps(
                {"errors": [_error_json(e) for e in errors], **_rule_counts(checked)}, indent=2
            )
        )
    elif args.format == "github":
        for error in errors:
            message = error.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            print(
                f"::error file={error.file},line={error.line},col={error.column},"
                f"endColumn={max(error.end_column, error.column + 1)},title={error.code}::{message}"
            )
    else:
        shown = errors if args.max_errors <= 0 else errors[: args.max_errors]
        for error in shown:
            print(error.format())
            print()
        if len(errors) > len(shown):
            print(f"... and {len(errors) - len(shown)} more (see all with --max-errors 0)")
        counts = _rule_counts(checked)
        if errors:
            files = len({e.file for e in errors})
            print(f"{_plural(len(errors), 'problem')} in {_plural(files, 'file')}")
        else:
            print("no problems: " + ", ".join(_plural(n, w[:-1]) for w, n in counts.items()))
    if args.explain_order and not errors:
        payer = args.explain_order
        if payer != BUILTIN_PAYER and payer not in checked.payers:
            raise UsageError(
                f"scrubber check: --explain-order: no payer named {payer!r} in these rules"
            )
        print(f"\nOrder of application for a visit of payer {payer}:")
        for number, (rule_file, block, rule) in enumerate(
            application_order(checked, payer), start=1
        ):
            dates = ""
            if block.effective or block.through:
                dates = f" [{block.effective or '...'} to {block.through or '...'}]"
            print(f"{number:4}. {rule_file.stem}/{rule.id:<20} {rule.action.span}{dates}")
            print(f"      {render_action(rule.action)}")
    return EXIT_FINDINGS if errors else EXIT_OK


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _error_json(error: RuleError) -> dict[str, object]:
    return {
        "code": error.code, "message": error.message, "file": error.file, "line": error.line,
        "column": error.column, "end_line": error.end_line, "end_column": error.end_column,
        "source_line": error.source_line, "notes": list(error.notes),
    }  # fmt: skip


def _rule_counts(checked: CheckedRules) -> dict[str, int]:
    return {
        "files": len(checked.files),
        "rules": sum(len(b.rules) for f in checked.files for b in f.blocks),
        "codesets": len(checked.codesets),
        "payers": len(checked.payers),
    }


def _cmd_test(args: argparse.Namespace) -> int:
    from scrubber.dsl.load import check_paths
    from scrubber.ruletest import run_tests

    checked, errors = check_paths(args.paths, _cache(args))
    if errors:
        for error in errors:
            print(error.format(), file=sys.stderr)
        raise UsageError(f"{len(errors)} problem(s) in the rules or tests: no test was run")
    report = run_tests(checked)
    for outcome in report.outcomes:
        where = f"{outcome.test.span}"
        if outcome.passed:
            if args.verbose:
                print(f"PASS {where} {outcome.test.name}")
            continue
        print(f"FAIL {where} {outcome.test.name}")
        for failure in outcome.failures:
            print(f"    {failure}")
        print("    audit trail:" if outcome.audit else "    audit trail: no rule changed anything")
        for entry in outcome.audit:
            print(f"      {entry.visit_id} {entry.rule} ({entry.source}): {entry.message}")
    print(f"{report.passed} passed, {report.failed} failed")
    covered = len(report.rules) - len(report.uncovered)
    print(f"rule coverage: {covered}/{len(report.rules)} rules ({report.coverage:.0f}%)")
    for name in report.uncovered:
        print(f"    not exercised by any test: {name}")
    if report.failed:
        return EXIT_FINDINGS
    if args.min_coverage is not None and report.coverage < args.min_coverage:
        print(
            f"coverage {report.coverage:.0f}% is below --min-coverage {args.min_coverage:g}%",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK


def _cmd_fmt(args: argparse.Namespace) -> int:
    import difflib

    from scrubber.dsl.fmt import format_rules
    from scrubber.dsl.load import rule_files

    files: list[Path] = []
    for given in args.paths:
        path = Path(given)
        if path.is_dir():
            files += rule_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"scrubber fmt: {given}: no such rule file or folder")
    changed, problems = [], []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"scrubber fmt: {path}: cannot read ({exc})") from None
        try:
            formatted = format_rules(text, str(path))
        except RuleSetError as exc:
            problems += list(exc.errors)
            continue
        if formatted == text:
            continue
        changed.append(path)
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                f"{path}", f"{path} (formatted)",
            ))  # fmt: skip
        if not args.check and not args.diff:
            path.write_text(formatted, encoding="utf-8")
    for error in problems:
        print(error.format(), file=sys.stderr)
    verb = "would reformat" if args.check or args.diff else "reformatted"
    for path in changed:
        print(f"{verb} {path}", file=sys.stderr)
    print(f"{len(files) - len(changed) - len(problems)} file(s) already formatted, {len(changed)} {verb}",
          file=sys.stderr)  # fmt: skip
    if problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if changed and (args.check or args.diff) else EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from scrubber.dsl.load import load_checked
    from scrubber.engine import RuleSet
    from scrubber.explain import explain_visit

    checked = load_checked([args.rules] if args.rules else [], _cache(args))
    lines = explain_visit(checked, RuleSet.compile(checked), read_export(args.export), args.visit)
    print("\n".join(lines))
    return EXIT_OK


def _cmd_balance(args: argparse.Namespace) -> int:
    from scrubber.balance import balance
    from scrubber.report import render_csv, render_html, render_json, render_table
    from scrubber.results import read_result

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
    _write(args.output, text)
    if not report.balanced:
        totals = report.totals
        print(
            f"error: {totals.unexplained_visits} visits and {totals.unexplained_units} units are "
            "unexplained. This is a bug in scrubber: please report it with the export and result.",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK


def _cmd_sample(args: argparse.Namespace) -> int:
    from scrubber.io import dumps_export, parse_export
    from scrubber.sample import sample_document

    if args.visits < 0:
        raise UsageError("scrubber sample: --visits must be 0 or more")
    if args.per_day < 1:
        raise UsageError("scrubber sample: --per-day must be 1 or more")
    document = sample_document(
        args.visits, args.seed, malformed=args.malformed, visits_per_day=args.per_day
    )
    if args.format == "jsonl":
        # Malformed records cannot be expressed as parsed records; JSON Lines carry good ones.
        text = dumps_export(parse_export(document), "jsonl")
    else:
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="scrubber",
        description="Scrub therapy charges with payer rules, audit every change, balance EMR "
        "against billing.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    scrub = commands.add_parser("scrub", help="apply payer rules to an EMR export")
    scrub.add_argument("export", help="the EMR export (JSON or JSON Lines; - for stdin)")
    scrub.add_argument("--rules", help="folder of .rules files (default: the bundled rules)")
    scrub.add_argument(
        "-o", "--output", default="-", help="where the result goes (default: stdout)"
    )
    scrub.add_argument(
        "--audit", metavar="FILE",
        help="also write the audit trail: .csv, .json, or JSON Lines otherwise",
    )  # fmt: skip
    _cache_options(scrub)
    scrub.set_defaults(run=_cmd_scrub)

    check = commands.add_parser("check", help="check rule files and report every problem")
    check.add_argument(
        "paths", nargs="*", help="rule files or folders (default: the bundled rules)"
    )
    check.add_argument("--format", choices=("text", "json", "github"), default="text")
    check.add_argument(
        "--max-errors", type=int, default=50, metavar="N",
        help="show at most N problems in text output (0: all; default 50)",
    )  # fmt: skip
    check.add_argument(
        "--explain-order", metavar="PAYER",
        help="list the rules a visit of PAYER goes through, in order",
    )  # fmt: skip
    _cache_options(check)
    check.set_defaults(run=_cmd_check)

    test = commands.add_parser(
        "test", help="run the rule tests (.test files) and report rule coverage"
    )
    test.add_argument("paths", nargs="*", help="rule folders or files (default: the bundled rules)")
    test.add_argument(
        "--min-coverage",
        type=float,
        metavar="PCT",
        help="fail when fewer than PCT%% of the rules are exercised by a test",
    )
    test.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    _cache_options(test)
    test.set_defaults(run=_cmd_test)

    explain = commands.add_parser("explain", help="for one visit, what every rule did or why not")
    explain.add_argument("export", help="the EMR export")
    explain.add_argument("--visit", required=True, metavar="ID", help="the visit to explain")
    explain.add_argument("--rules", help="folder of .rules files (default: the bundled rules)")
    _cache_options(explain)
    explain.set_defaults(run=_cmd_explain)

    fmt = commands.add_parser("fmt", help="rewrite rule files in the one canonical layout")
    fmt.add_argument("paths", nargs="+", help="rule files or folders")
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    fmt.add_argument("--diff", action="store_true", help="change nothing; print what would change")
    fmt.set_defaults(run=_cmd_fmt)

    balance = commands.add_parser("balance", help="explain every EMR-vs-billing difference")
    balance.add_argument("export", help="the EMR export that was scrubbed")
    balance.add_argument("result", help="the result of scrubber scrub")
    balance.add_argument(
        "--by",
        choices=("date_of_service", "finalized_on"),
        default="date_of_service",
        help="count visits on their date of service (default) or finalized date",
    )
    balance.add_argument(
        "--period",
        choices=("day", "week"),
        default="day",
        help="one row per day (default) or per week starting on Monday",
    )
    balance.add_argument("--format", choices=("table", "csv", "json", "html"), default="table")
    balance.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    balance.set_defaults(run=_cmd_balance)

    sample = commands.add_parser("sample", help="write a realistic synthetic EMR export")
    sample.add_argument("--visits", type=int, default=40, help="how many visits (default 40)")
    sample.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sample.add_argument(
        "--malformed",
        type=int,
        default=0,
        help="how many visit records to make unreadable on purpose (default 0)",
    )
    sample.add_argument(
        "--per-day",
        type=int,
        default=10,
        help="about how many visits a day, over weekdays from 2026-03-02 (default 10)",
    )
    sample.add_argument("--format", choices=("json", "jsonl"), default="json")
    sample.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    sample.set_defaults(run=_cmd_sample)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of exiting, for tests."""
    try:
        args = _parser().parse_args(argv)
        code: int = args.run(args)
    except ScrubberError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `scrubber sample | head`
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code
