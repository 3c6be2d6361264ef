"""The rule language: the examples of the language reference, the known-mistakes table,
recovery, the error registry, properties."""

import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.actions import KINDS, LANGUAGE
from scrubber.cli import main
from scrubber.errors import RuleError, RuleSetError
from scrubber.lang.mistakes import KNOWN_MISTAKES
from scrubber.lang.parse import MAX_LINE_LENGTH, MAX_NESTING

DESIGN_CODESETS = """\
codeset timed = 97110 97112 97116 97140 97530 97535 97032 97033 97035 97113 97124 97542 97760 97761 97763
codeset evals = 97161 97162 97163 97164
codeset therapy = timed evals 97010..97028 G0283
"""
DESIGN_PAYER = 'payer medicare "Medicare Part B" when insurance.class = "medicare"\n'
DESIGN_BLOCK = """\
rules medicare effective 2026-01-01 {
    rule no-bill "Codes that never flow to billing":
        drop NORCM NC001
    rule estim "Medicare pays unattended e-stim as G0283":
        replace 97014 with G0283
    rule gp "Therapy services carry GP":
        add modifier GP to therapy
    rule cq "Services by an assistant carry CQ":
        add modifier CQ to timed when provider.role = "PTA"
    rule kx "Past the therapy threshold, KX":
        add modifier KX to therapy when case.therapy_ytd_amount > 2480.00
    rule eight-minute "Timed units follow the 8-minute rule":
        limit timed by minutes using cms-8-minute
    rule mue "Medically unlikely edits":
        limit by table "tables/medicare_mue.csv" per day
    rule evals-once:
        limit total of evals to 1 unit per visit
    rule ptp-97530-97140:
        deny 97140 with 97530 per day unless modifier 59 XU
    rule zip9 "Medicare needs a 9-digit ZIP":
        hold "Invalid Postal Code" unless patient.address.postal_code matches /^[0-9]{9}$/
}
"""
# The rest of the actions of the language, each once.
OTHER_ACTIONS = """\
rules medicare {
    rule caps: limit 97110 to 2 units per day
    rule caps-line: limit 97140 to 4 units per line
    rule midpoint: limit timed by minutes using substantial-portion
    rule no-kx: remove modifier KX from therapy
    rule deny-plain: deny 97750
    rule pairs: deny by table "tables/ptp.csv" per day
    rule auth: hold "Pending Authorization" for any when charge.units > 8
    rule ssn: set patient.ssn to "999999999" when patient.ssn is missing
    rule review: warn "Check the note" for timed when charge.units > 6
    rule all-ops: hold "x" when (case.therapy_ytd_amount >= 1 or case.therapy_ytd_amount <= 2
        or case.therapy_ytd_amount < 3) and not insurance.payer_id in ["A", "B"]
        and visit.date_of_service != 2026-01-01 and patient.ssn is present
        and case.authorization_required = true and insurance.insured_is_patient = false
    rule has: deny 97110 when charge.modifiers has KX
    rule fees "Medicare pays its fee schedule for this locality":
        price by table "tables/medicare_fees.csv"
    rule cq-85 "Services by an assistant are paid at 85%":
        price timed at 85% when charge.modifiers has CQ
}
"""


def _write(folder: Path, files: dict[str, str]) -> Path:
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "tables" / "medicare_mue.csv").write_text("code,units\n97110,6\n", encoding="utf-8")
    (folder / "tables" / "medicare_fees.csv").write_text(
        "code,amount\n97110,31.92\n", encoding="utf-8"
    )
    (folder / "tables" / "ptp.csv").write_text(
        "column1,column2,modifier_indicator\n97530,97140,1\n", encoding="utf-8"
    )
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_every_design_example_checks_clean_in_one_file(tmp_path):
    text = DESIGN_CODESETS + DESIGN_PAYER + DESIGN_BLOCK + OTHER_ACTIONS
    checked = LANGUAGE.load_checked([_write(tmp_path, {"medicare.rules": text})])
    rules = [r for f in checked.files for b in f.blocks for r in b.rules]
    assert len(rules) == 23
    assert {KINDS.kind_of(r.action) for r in rules} == set(KINDS)
    assert "G0283" in checked.codesets["therapy"] and "97028" in checked.codesets["therapy"]
    assert len(checked.codesets["therapy"]) == 15 + 4 + 19 + 1


def test_every_design_example_checks_clean_split_across_files(tmp_path):
    folder = _write(tmp_path, {
        "a_codesets.rules": DESIGN_CODESETS,
        "b_payers.rules": DESIGN_PAYER,
        "medicare.rules": DESIGN_BLOCK,
        "more.rules": OTHER_ACTIONS,
    })  # fmt: skip
    report = LANGUAGE.check_paths([folder])
    assert report.errors == ()
    assert report.rules is not None
    assert [f.stem for f in report.rules.files] == ["a_codesets", "b_payers", "medicare", "more"]


def test_the_same_rule_is_equal_wherever_it_stands():
    a = LANGUAGE.parse("rules any {\n  rule x: drop NORCM\n}", "a.rules").file.blocks[0].rules[0]
    b = (
        LANGUAGE.parse("rules any { rule x:\n\n      drop   NORCM }", "b.rules")
        .file.blocks[0]
        .rules[0]
    )
    assert a == b
    assert a.span != b.span
    assert (a.action.span.line, a.action.span.column) == (2, 11)


def test_values_have_their_types():
    text = (
        'rules any { rule x: hold "m" when case.therapy_ytd_amount > 2480.00 and '
        "visit.date_of_service >= 2026-01-01 and case.authorization_required = true }"
    )
    rule = LANGUAGE.parse(text, "t.rules").file.blocks[0].rules[0]
    first, second, third = rule.condition.expr.items
    assert first.value.value == Decimal("2480.00")
    assert second.value.value == date(2026, 1, 1)
    assert third.value.value is True


@pytest.mark.parametrize(
    ("message", "example"),
    [(message, example) for message, examples in KNOWN_MISTAKES.items() for example in examples],
)
def test_every_known_mistake_gets_its_friendly_message(message, example):
    errors = LANGUAGE.parse(example, "mistake.rules").errors
    assert any(e.code == "E001" and message in e.message for e in errors), [str(e) for e in errors]


def test_two_independent_mistakes_on_lines_3_and_5_are_both_reported(tmp_path, capsys):
    path = tmp_path / "two.rules"
    path.write_text(
        'payer medicare when insurance.class = "medicare"\n'
        "rules medicare {\n"
        "    rule a: limit 97110 to 2 unit per dya\n"
        "    rule b: drop NORCM\n"
        "    rule c: add modifer GP to 97110\n"
        "}\n",
        encoding="utf-8",
    )
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:3:39: E016" in out
    assert f"{path}:5:17: E001" in out
    assert 'did you mean "modifier"?' in out
    assert out.count("^") >= 2


def test_errors_are_sorted_by_file_and_line(tmp_path):
    folder = _write(tmp_path, {
        "b.rules": "rules any {\n rule x: drop nope\n}\n",
        "a.rules": "rules any {\n\n\n rule y: drop nope2\n rule z: limit 97110 to 1 units per dya\n}\n",
    })  # fmt: skip
    errors = LANGUAGE.check_paths([folder]).errors
    assert [(Path(e.file).name, e.line) for e in errors] == [
        ("a.rules", 4),
        ("a.rules", 5),
        ("b.rules", 2),
    ]


def test_rule_set_error_caps_its_message():
    errors = [RuleError("E010", f"unknown codeset x{i}", "f.rules", i, 1) for i in range(1, 26)]
    error = RuleSetError(errors)
    assert len(error.errors) == 25
    assert str(error).endswith("... and 5 more")


def test_limits_are_errors_not_crashes(tmp_path):
    too_long = "codeset a = " + " ".join(["97110"] * (MAX_LINE_LENGTH // 5)) + "\n"
    assert LANGUAGE.parse(too_long, "long.rules").errors[0].code == "E002"
    nested = (
        "rules any { rule a: drop NORCM when "
        + "(" * (MAX_NESTING + 5)
        + "charge.units > 1"
        + ")" * (MAX_NESTING + 5)
        + " }"
    )
    assert LANGUAGE.parse(nested, "deep.rules").errors[0].code == "E002"
    nots = "rules any { rule a: drop NORCM when " + "not " * 3000 + "charge.units > 1 }"
    result = LANGUAGE.parse(nots, "nots.rules")
    assert all(isinstance(e, RuleError) for e in result.errors)
    binary = tmp_path / "binary.rules"
    binary.write_bytes(b"rules any {\xff\xfe}")
    errors = LANGUAGE.check_paths([binary]).errors
    assert errors[0].code == "E002"
    assert "UTF-8" in errors[0].message


def test_only_the_parser_and_the_formatter_import_lark():
    package = Path(__import__("scrubber").__file__).parent
    importers = sorted(
        source.relative_to(package).as_posix()
        for source in package.rglob("*.py")
        if "import lark" in (text := source.read_text(encoding="utf-8")) or "from lark" in text
    )
    # and the language server's syntax module, which colours words and completes with lark's
    # own lexer and interactive parser on the same grammar (issue 28); nothing else
    assert importers == [
        "lang/fmt.py",
        *(f"lang/parse/{m}.py" for m in ("driver", "grammar", "rules_tree", "syntax_errors")),
        *(f"lang/parse/{m}.py" for m in ("tests_tree", "tree")),
        "lsp/syntax.py",
    ]


def test_the_engine_loads_neither_lark_nor_cattrs():
    code = (
        "import sys; import scrubber.engine, scrubber.actions, scrubber.lang.ast, "
        "scrubber.model, scrubber.tables; "
        "loaded = [m for m in ('lark', 'cattrs', 'scrubber.formats') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_scrubber_is_light():
    code = (
        "import sys; import scrubber; "
        "loaded = [m for m in ('lark', 'cattrs', 'scrubber.engine', 'scrubber.formats') "
        "if m in sys.modules]; assert not loaded, loaded; "
        "assert callable(scrubber.load_rules) and 'load_rules' in dir(scrubber)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- properties ------------------------------------------------------------------------------


# Text drawn from the grammar itself is the fuzz harness's first target (tests/fuzzing.py).


@settings(suppress_health_check=list(HealthCheck), deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_give_only_our_errors(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("b")
    (folder / "random.rules").write_bytes(data)
    errors = LANGUAGE.check_paths([folder / "random.rules"]).errors
    assert all(isinstance(e, RuleError) for e in errors)


@settings(suppress_health_check=list(HealthCheck), deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(
            list('rules any{}:"drop NORCM when()=.\n#/97110 limit to per day')
        ),
        max_size=200,
    )
)
def test_near_miss_text_gives_only_our_errors(text):
    assert all(isinstance(e, RuleError) for e in LANGUAGE.parse(text, "near.rules").errors)


# ---- the error registry and small defects ----------------------------------------------------


def test_the_error_table_of_the_docs_is_the_registry():
    from scrubber.lang import codes

    doc = (Path(__file__).resolve().parent.parent / "docs" / "dsl.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([EW]\d{3}) \| ([^|]+?) \|", doc, re.MULTILINE)
    assert [(code.code, code.meaning) for code in codes.ALL] == rows


def test_every_code_the_checker_reports_is_in_the_registry():
    from scrubber.lang import codes

    package = Path(__import__("scrubber").__file__).parent
    written = {
        (source.name, code)
        for source in package.rglob("*.py")
        if source != package / "lang" / "codes.py"
        for code in re.findall(r'"([EW]\d{3})"', source.read_text(encoding="utf-8"))
    }
    assert written == set(), "codes are named by the constants of scrubber.lang.codes"
    assert len({code.code for code in codes.ALL}) == len(codes.ALL)


def test_parentheses_in_comments_text_and_patterns_are_not_nesting():
    comment = "# " + "(" * 60 + "\nrules any {\n rule a: drop NORCM\n}\n"
    assert LANGUAGE.parse(comment, "c.rules").errors == ()
    pattern = 'rules any {\n rule a: hold "x (" when patient.ssn matches /' + "(a)" * 50 + "/\n}\n"
    assert LANGUAGE.parse(pattern, "p.rules").errors == ()
    nested = (
        "rules any {\n rule a: drop NORCM when "
        + "(" * 41
        + "charge.units > 1"
        + ")" * 41
        + "\n}\n"
    )
    assert [e.code for e in LANGUAGE.parse(nested, "n.rules").errors] == ["E002"]


def test_a_block_may_leave_out_either_end_of_its_range():
    text = (
        'payer m when insurance.class = "medicare"\n'
        "rules m through 2025-12-31 {\n rule a: drop NORCM\n}\n"
        "rules m effective 2026-01-01 {\n rule b: drop NC001\n}\n"
    )
    blocks = LANGUAGE.parse(text, "r.rules").file.blocks
    assert [(b.effective, b.through) for b in blocks] == [
        (None, date(2025, 12, 31)),
        (date(2026, 1, 1), None),
    ]


def test_a_statement_nested_too_deeply_is_reported_at_its_own_line():
    nots = (
        "rules any {\n rule a: drop NORCM\n rule b: drop NC001 when "
        + "not " * 900
        + "charge.units > 1\n}\n"
    )
    errors = LANGUAGE.parse(nots, "nots.rules").errors
    assert [(e.code, e.line) for e in errors] == [("E002", 3)]


def test_a_scope_or_method_the_action_does_not_take_is_a_checker_error(tmp_path):
    text = "rules any {\n rule a: limit 97110 to 2 units per dya\n rule b: limit 97110 by minutes using cms\n}\n"
    assert LANGUAGE.parse(text, "r.rules").errors == ()
    errors = LANGUAGE.check_paths([_write(tmp_path, {"r.rules": text})]).errors
    assert [(e.code, e.line, e.column) for e in errors] == [("E016", 2, 37), ("E016", 3, 39)]


# ---- rough edges of the language -------------------------------------------------------------


@pytest.mark.parametrize(
    ("inside", "words"),
    [
        ("rule a: drop NORCM when charge.units == 2", "compare with a single ="),
        (
            "rule a: drop NORCM when charge.units > 2 && charge.units < 4",
            "unexpected character '&'",
        ),
        ('rule a: hold "x" when patient.ssn is null', 'expected "missing" or "present"'),
        ("rule a: deny 97140 with 97530 per day unless modifier 59, XU", 'unexpected ","'),
        (
            'rule a: hold "x" unless patient.ssn matches "^[0-9]{9}$"',
            "a pattern is written between slashes",
        ),
    ],
)
def test_a_mistake_in_a_one_line_block_is_the_only_problem(inside, words):
    errors = LANGUAGE.parse(f"rules any {{ {inside} }}\n", "one.rules").errors
    assert [e.code for e in errors] == ["E001"] and words in errors[0].message


def test_a_bad_date_in_a_one_line_block_is_the_only_problem():
    errors = LANGUAGE.parse(
        "rules any effective 2026-1-1 { rule a: drop NORCM }\n", "one.rules"
    ).errors
    assert [e.code for e in errors] == ["E001"] and "YYYY-MM-DD" in errors[0].message


def test_rule_files_are_not_offered_the_words_of_tests():
    text = "rules any {\n rule a: drop NORCM when charge.units > 2 ; \n}\n"
    (error,) = LANGUAGE.parse(text, "r.rules").errors
    for word in ('"expect"', '"next"', '"with"', '"without"', '"charge"', '")"', '"]"'):
        assert word not in error.message


def test_replace_with_a_code_in_small_letters_suggests_the_code(tmp_path):
    folder = _write(tmp_path, {"r.rules": "rules any {\n rule a: replace 97014 with g0283\n}\n"})
    (error,) = LANGUAGE.check_paths([folder]).errors
    assert error.code == "E025" and 'did you mean "G0283"?' in error.message


@pytest.mark.parametrize("name", ["limit", "rule", "when", "drop", "units"])
def test_words_of_the_language_cannot_name_a_codeset_or_a_payer(tmp_path, name):
    folder = _write(
        tmp_path,
        {"r.rules": f'codeset {name} = 97110\npayer {name} when insurance.class = "medicare"\n'},
    )
    errors = LANGUAGE.check_paths([folder]).errors
    assert [(e.code, e.line) for e in errors] == [("E018", 1), ("E018", 2)]
    assert f'"{name}" is a word of the language' in errors[0].message


def test_explain_order_shows_each_rules_condition(capsys):
    assert main(["check", "--explain-order", "medicare"]) == 0
    out = capsys.readouterr().out
    assert 'add modifier CQ to therapy when provider.role = "PTA"' in out
    assert (
        'hold "Invalid Postal Code" unless patient.address.postal_code matches /^[0-9]{9}$/' in out
    )
