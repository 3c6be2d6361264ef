"""``scrubber test``: run the rule tests written beside the rules, and report rule coverage."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrubber.cli.common import EXIT_FINDINGS, EXIT_OK, add_cache_options, cache_of
from scrubber.errors import UsageError

__all__ = ["add"]


def add(commands: Any) -> None:
    test = commands.add_parser(
        "test", help="run the rule tests (.test files) and report rule coverage"
    )
    test.add_argument("paths", nargs="*", help="rule folders or files (default: the bundled rules)")
    test.add_argument(
        "--min-coverage", type=float, metavar="PCT",
        help="fail when fewer than PCT%% of the rules are exercised by a test",
    )  # fmt: skip
    test.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    add_cache_options(test)
    test.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.lang.load import check_paths
    from scrubber.reports.ruletest import run_tests

    report = check_paths(args.paths, cache_of(args))
    if report.rules is None:
        for error in report.errors:
            print(error.format(), file=sys.stderr)
        raise UsageError(f"{len(report.errors)} problem(s) in the rules or tests: no test was run")
    outcome_report = run_tests(report.rules)
    for outcome in outcome_report.outcomes:
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
    tests = outcome_report
    print(f"{tests.passed} passed, {tests.failed} failed")
    covered = len(tests.rules) - len(tests.uncovered)
    print(f"rule coverage: {covered}/{len(tests.rules)} rules ({tests.coverage:.0f}%)")
    for name in tests.uncovered:
        print(f"    not exercised by any test: {name}")
    if tests.failed:
        return EXIT_FINDINGS
    if args.min_coverage is not None and tests.coverage < args.min_coverage:
        print(
            f"coverage {tests.coverage:.0f}% is below --min-coverage {args.min_coverage:g}%",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK
