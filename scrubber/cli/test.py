"""``scrubber test``: run the rule tests written beside the rules, and report rule coverage.

Exit 1 when a test fails, when no test was found (a CI job that runs none must not pass), or when
the coverage is below ``--min-coverage``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from xml.etree import ElementTree

from scrubber.cli.common import EXIT_FINDINGS, EXIT_OK, add_cache_options, cache_of, rule_paths
from scrubber.cli.config import load_config
from scrubber.errors import UsageError

__all__ = ["add"]


def add(commands: Any) -> None:
    test = commands.add_parser(
        "test", help="run the rule tests (.test files) and report rule coverage"
    )
    test.add_argument(
        "paths", nargs="*",
        help="rule folders or files (default: the rules of scrubber.toml, else the bundled rules)",
    )  # fmt: skip
    test.add_argument(
        "--min-coverage", type=float, metavar="PCT",
        help="fail when fewer than PCT%% of the rules are exercised by a test",
    )  # fmt: skip
    test.add_argument(
        "-k", metavar="PATTERN", dest="pattern",
        help="run only the tests whose name contains PATTERN (case ignored)",
    )  # fmt: skip
    test.add_argument(
        "--format", choices=("text", "json", "junit"), default="text",
        help="text (default), json, or JUnit XML for CI systems",
    )  # fmt: skip
    test.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    add_cache_options(test)
    test.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scrubber.actions import LANGUAGE
    from scrubber.reports.ruletest import run_tests

    config = load_config()
    report = LANGUAGE.check_paths(rule_paths(args.paths, config), cache_of(args, config))
    if report.rules is None:
        for error in report.errors:
            print(error.format(), file=sys.stderr)
        raise UsageError(f"{len(report.errors)} problem(s) in the rules or tests: no test was run")
    tests = run_tests(report.rules, pattern=args.pattern)
    below = args.min_coverage is not None and tests.coverage < args.min_coverage
    if args.format == "json":
        print(json.dumps(_document(tests, args.min_coverage), indent=2))
    elif args.format == "junit":
        print(_junit(tests))
    else:
        _text(tests, args.verbose, selected=args.pattern is not None)
    if not tests.outcomes:
        which = f' matching "{args.pattern}"' if args.pattern else ""
        print(f"no rule tests{which} were found: nothing was tested", file=sys.stderr)
        return EXIT_FINDINGS
    if tests.failed:
        return EXIT_FINDINGS
    if below:
        print(
            f"coverage {tests.coverage:.0f}% is below --min-coverage {args.min_coverage:g}%",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK


def _text(tests: Any, verbose: bool, selected: bool) -> None:
    for outcome in tests.outcomes:
        where = f"{outcome.test.span}"
        if outcome.passed:
            if verbose:
                print(f"PASS {where} {outcome.test.name}")
            continue
        print(f"FAIL {where} {outcome.test.name}")
        for failure in outcome.failures:
            print(f"    {failure}")
        print("    audit trail:" if outcome.audit else "    audit trail: no rule changed anything")
        for entry in outcome.audit:
            print(f"      {entry.visit_id} {entry.rule} ({entry.source}): {entry.message}")
    print(f"{tests.passed} passed, {tests.failed} failed")
    covered = len(tests.rules) - len(tests.uncovered)
    print(f"rule coverage: {covered}/{len(tests.rules)} rules ({tests.coverage:.0f}%)"
          + (" by the tests selected with -k" if selected else ""))  # fmt: skip
    for name in () if selected else tests.uncovered:
        print(f"    not exercised by any test: {name}")


def _document(tests: Any, min_coverage: float | None) -> dict[str, Any]:
    return {
        "passed": tests.passed,
        "failed": tests.failed,
        "tests": [
            {
                "name": o.test.name,
                "file": o.file,
                "line": o.test.span.line,
                "passed": o.passed,
                "failures": list(o.failures),
            }
            for o in tests.outcomes
        ],
        "coverage": {
            "percent": round(tests.coverage, 1),
            "rules": len(tests.rules),
            "covered": len(tests.rules) - len(tests.uncovered),
            "uncovered": list(tests.uncovered),
            "minimum": min_coverage,
        },
    }


def _junit(tests: Any) -> str:
    """One ``testsuite`` of rule tests, one ``testcase`` per test, coverage as properties."""
    suite = ElementTree.Element(
        "testsuite", name="scrubber rule tests", tests=str(len(tests.outcomes)),
        failures=str(tests.failed), errors="0", skipped="0",
    )  # fmt: skip
    properties = ElementTree.SubElement(suite, "properties")
    covered = len(tests.rules) - len(tests.uncovered)
    for name, value in (
        ("rule_coverage_percent", f"{tests.coverage:.1f}"),
        ("rules_covered", f"{covered}/{len(tests.rules)}"),
    ):
        ElementTree.SubElement(properties, "property", name=name, value=value)
    for outcome in tests.outcomes:
        case = ElementTree.SubElement(
            suite, "testcase", classname=outcome.file, name=outcome.test.name,
            file=outcome.file, line=str(outcome.test.span.line),
        )  # fmt: skip
        if not outcome.passed:
            failure = ElementTree.SubElement(case, "failure", message=outcome.failures[0])
            failure.text = "\n".join(
                [*outcome.failures, *(f"{e.visit_id} {e.rule}: {e.message}" for e in outcome.audit)]
            )
    ElementTree.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        suite, encoding="unicode"
    )
