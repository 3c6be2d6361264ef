"""The tests stage: rule tests with known payers, fields a test may set, well-formed codes."""

from __future__ import annotations

from scrubber.lang import ast, codes
from scrubber.lang.check.checker import Checker
from scrubber.lang.checked import BUILTIN_PAYER
from scrubber.lang.expects import EXPECTS, visit_count
from scrubber.lang.words import did_you_mean
from scrubber.model.fields import FIELDS, Subject

__all__ = ["MAX_REPEAT", "tests"]

#: how many copies one 'repeat visit' may make (a year of daily visits)
MAX_REPEAT = 366


def tests(checker: Checker) -> None:
    """Rule tests: names unique in their file, payers known, fields that a test may set, codes
    and modifiers well formed."""
    known = [*checker.payer_defs, BUILTIN_PAYER]
    for source in checker.sources:
        names: dict[str, ast.RuleTest] = {}
        for test in source.parsed.file.tests:
            if test.name in names:
                checker.error(codes.DUPLICATE_ID, f'test "{test.name}" is already written on line '
                              f"{names[test.name].span.line} of this file", test.span)  # fmt: skip
            names.setdefault(test.name, test)
            if test.payer and test.payer not in known and test.payer not in checker.broken:
                checker.error(
                    codes.UNKNOWN_PAYER,
                    f'unknown payer "{test.payer}"{did_you_mean(test.payer, known)}',
                    test.span,
                )
            for step in test.steps:
                if isinstance(step, ast.Given):
                    _given(checker, step)
                elif isinstance(step, ast.TestCharge):
                    checker.code_item(ast.Code(step.cpt, span=step.span))
                    for modifier in step.modifiers:
                        checker.modifier(modifier, step.span)
                elif isinstance(step, ast.RepeatVisit) and not 1 <= step.times <= MAX_REPEAT:
                    checker.error(codes.LIMIT, f"a visit is repeated 1 to {MAX_REPEAT} times",
                                  step.span)  # fmt: skip
                elif (
                    isinstance(step, ast.RepeatVisit)
                    and step.every is not None
                    and not (0 <= step.every <= 366)
                ):
                    checker.error(codes.LIMIT, "visits are repeated every 0 to 366 days",
                                  step.span)  # fmt: skip
            visits = visit_count(test)
            for expect in test.expects:
                EXPECTS.kind_of(expect).check(expect, checker)
                if expect.visit is not None and not 1 <= expect.visit <= visits:
                    has = "one visit" if visits == 1 else f"{visits} visits"
                    checker.error(codes.UNKNOWN_VISIT, f"the test has {has}: there is no visit "
                                  f"{expect.visit} (add one with 'next visit')", expect.span)  # fmt: skip


def _given(checker: Checker, given: ast.Given) -> None:
    name = given.path.name
    if name in ("patient.address", "patient.phone") and given.value is None:
        return  # "without patient.address": no primary address
    field = FIELDS.get(name)
    if field is None:
        checker.error(
            codes.UNKNOWN_FIELD, f'unknown field "{name}"{did_you_mean(name, FIELDS)}',
            given.path.span,
        )  # fmt: skip
        return
    if field.subject is Subject.CHARGE:
        checker.error(codes.WRONG_CONTEXT, f"{name} is set by the charge lines of a test (charge "
                      "97110 units 2 minutes 30 modifiers GP), not with 'with'",
                      given.path.span)  # fmt: skip
        return
    if field.subject is Subject.COUNTS:
        checker.error(codes.WRONG_CONTEXT, f"{name} is counted from the test's visits: add them "
                      "with 'next visit on DATE'", given.path.span)  # fmt: skip
        return
    if field.path in ("visit.id", "visit.case_id", "patient.id", "case.id", "case.patient_id"):
        checker.error(
            codes.WRONG_CONTEXT, f"{name} is chosen by the test itself and cannot be set",
            given.path.span,
        )  # fmt: skip
        return
    if given.value is not None:
        checker.value(field, given.value)
