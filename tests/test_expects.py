"""Expect kinds of rule tests: one module per kind through ``EXPECTS``; expectations that name
their visit; ``repeat visit`` for N similar visits."""

import importlib
import pkgutil
import subprocess
import sys

import pytest

import scrubber.lang.expects as expects_package
from scrubber.actions import LANGUAGE
from scrubber.lang.expects import EXPECTS, Observed, ObservedLine, render_expect, visit_count
from scrubber.lang.parse.grammar import parser
from scrubber.reports.ruletest import build_batch, run_tests


def test_every_expect_rule_of_the_grammar_has_one_kind_and_every_module_is_registered():
    rules = {str(rule.origin.name) for rule in parser().rules}
    expect_rules = {name for name in rules if name.startswith("expect_")}
    assert expect_rules == {kind.grammar for kind in EXPECTS}
    modules = {
        info.name for info in pkgutil.iter_modules(expects_package.__path__) if info.name != "base"
    }
    registered = {type(kind).__module__.rsplit(".", 1)[1] for kind in EXPECTS}
    assert registered == modules
    for name in modules:
        module = importlib.import_module(f"scrubber.lang.expects.{name}")
        assert module.KIND in EXPECTS.kinds


LINES = Observed(
    (ObservedLine("97110", 2, ("GP",)), ObservedLine("97140", 1, ())), ("Missing note",)
)

#: (text after "expect", holds on LINES)
CASES = [
    ("97110 units 2", True),
    ("97110 units 3", False),
    ("97530 not billed", True),
    ("97110 not billed", False),
    ("97110 has modifier GP", True),
    ("97140 has modifier GP", False),
    ("97530 has modifier GP", False),
    ("97140 lacks modifier GP", True),
    ("97110 lacks modifier GP", False),
    ('held "Missing note"', True),
    ('held "Other"', False),
    ("not held", False),
]


@pytest.mark.parametrize(("written", "holds"), CASES)
def test_each_kind_parses_writes_back_and_judges(written, holds):
    for prefix in ("", "visit 1 "):
        text = f'test "t":\n    charge 97110 units 1\n    expect {prefix}{written}\n'
        parsed = LANGUAGE.parse(text, "a.test")
        assert parsed.errors == ()
        (expect,) = parsed.file.tests[0].expects
        assert expect.visit == (1 if prefix else None)
        assert render_expect(expect) == f"expect {prefix}{written}"
        failure = EXPECTS.kind_of(expect).evaluate(expect, LINES)
        assert (failure is None) == holds, failure
        if not holds:
            assert "None" not in failure
    assert EXPECTS.kind_of(expect).evaluate(expect, Observed((), ())) is None or written != (
        "not held"
    )


CAP = 'rules any {\n rule cap20 "PT visit cap": hold "Over 20 visits" when visit.year_day > 20\n}\n'


def _run(tmp_path, test_text):
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "cap.rules").write_text(CAP, encoding="utf-8")
    (folder / "cap.test").write_text(test_text, encoding="utf-8")
    checked = LANGUAGE.check_paths([folder])
    return checked, run_tests(checked.rules) if checked.rules is not None else None


def test_a_twenty_visit_cap_is_tested_in_three_lines_and_each_expectation_names_its_visit(
    tmp_path,
):
    checked, report = _run(tmp_path, (
        'test "the 21st visit of the year is held" on 2026-01-05:\n'
        "    charge 97110 units 1\n"
        "    repeat visit 20 times every 7 days\n"
        "    expect visit 20 not held\n"
        '    expect visit 21 held "Over 20 visits"\n'
        "    expect visit 1 97110 units 1\n"
        "    expect 97110 units 21\n"
    ))  # fmt: skip
    assert checked.errors == ()
    (outcome,) = report.outcomes
    assert outcome.failures == ()
    test = next(f for f in checked.files if f.tests).tests[0]
    batch = build_batch(test)
    assert len(batch.visits) == 21 == visit_count(test)
    assert [v.id for v in batch.visits[:2]] == ["V1", "V2"]
    assert str(batch.visits[20].date_of_service) == "2026-05-25"
    assert all(v.charges[0].cpt == "97110" for v in batch.visits)
    assert len({c.id for v in batch.visits for c in v.charges}) == 21


def test_an_expectation_on_the_wrong_visit_fails_and_says_which_visit(tmp_path):
    _, report = _run(tmp_path, (
        'test "wrong visit":\n'
        "    charge 97110 units 1\n"
        "    repeat visit 20 times every 7 days\n"
        '    expect visit 20 held "Over 20 visits"\n'
        "    expect visit 21 not held\n"
    ))  # fmt: skip
    assert report.outcomes[0].failures == (
        'visit 20: expected the visit held for "Over 20 visits", got not held',
        'visit 21: expected the visit not held, got held for "Over 20 visits"',
    )


def test_without_a_visit_an_expectation_looks_at_every_visit_as_before(tmp_path):
    _, report = _run(tmp_path, (
        'test "pooled":\n    charge 97110 units 1\n    repeat visit 20 times every 7 days\n'
        '    expect held "Over 20 visits"\n'
    ))  # fmt: skip
    assert report.outcomes[0].failures == ()


def test_a_visit_the_test_does_not_have_is_an_error(tmp_path):
    checked, _ = _run(tmp_path, (
        'test "two visits":\n    charge 97110 units 1\n    next visit\n'
        "    expect visit 3 not held\n    expect visit 0 not held\n"
    ))  # fmt: skip
    found = [(e.code, e.line, e.message) for e in checked.errors]
    assert found == [
        ("E029", 4, "the test has 2 visits: there is no visit 3 (add one with 'next visit')"),
        ("E029", 5, "the test has 2 visits: there is no visit 0 (add one with 'next visit')"),
    ]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("repeat visit 0 times", "a visit is repeated 1 to 366 times"),
        ("repeat visit 100000 times", "a visit is repeated 1 to 366 times"),
        ("repeat visit 2 times every 400 days", "visits are repeated every 0 to 366 days"),
    ],
)
def test_repeats_are_bounded(tmp_path, step, message):
    checked, _ = _run(tmp_path, f'test "r":\n    charge 97110 units 1\n    {step}\n')
    assert [(e.code, e.message) for e in checked.errors] == [("E002", message)]


def test_repeat_and_visit_expectations_are_formatted_canonically():
    from scrubber.actions import KINDS
    from scrubber.lang.fmt import format_rules

    text = (
        'test "t":\n  charge 97110 units 1\n  repeat   visit 3 times every 2 day\n'
        "  expect visit  4 not held\n"
    )
    formatted = format_rules(text, "a.test", KINDS)
    assert "    repeat visit 3 times every 2 days\n" in formatted
    assert "    expect visit 4 not held\n" in formatted


def test_parsing_loads_no_engine():
    code = (
        "import sys, scrubber.lang.parse, scrubber.lang.expects; "
        "loaded = [m for m in sys.modules if m.startswith(('scrubber.engine', 'scrubber.actions'))]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
