"""Rule tests written in the language, and `scrubber test`."""

from pathlib import Path

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.reports.ruletest import run_tests


def test_the_bundled_rules_have_passing_tests_that_cover_every_rule():
    report = run_tests(LANGUAGE.load_checked())
    assert len(report.outcomes) >= 25
    assert [o.test.name for o in report.outcomes if not o.passed] == []
    assert report.uncovered == ()
    assert report.coverage == 100.0


def test_scrubber_test_prints_failures_with_the_audit_trail(tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "cap.rules").write_text("rules any {\n rule cap: limit 97110 to 2 units per day\n"
                                      " rule other: drop NORCM\n}\n", encoding="utf-8")  # fmt: skip
    (folder / "cap.test").write_text(
        'test "two a day":\n    charge 97110 units 3\n    expect 97110 units 2\n\n'
        'test "wrong on purpose":\n    charge 97110 units 3\n    expect 97110 units 3\n    expect held "X"\n',
        encoding="utf-8",
    )
    assert main(["test", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "FAIL rules/cap.test:5:1 wrong on purpose" in out
    assert "expected 97110 units 3, got 2" in out
    assert 'expected the visit held for "X", got not held' in out
    assert (
        "V1 cap/cap (rules/cap.rules:2:12): 97110 limited from 3 to 2 units per day by cap/cap"
        in out
    )
    assert "1 passed, 1 failed" in out
    assert "rule coverage: 1/2 rules (50%)" in out
    assert "not exercised by any test: cap/other" in out


def test_min_coverage_fails_below_the_threshold(tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.rules").write_text(
        "rules any {\n rule one: drop NORCM\n rule two: drop NC001\n}\n", encoding="utf-8"
    )
    (folder / "a.test").write_text(
        'test "norcm":\n    charge NORCM units 1\n    expect NORCM not billed\n', encoding="utf-8"
    )
    assert main(["test", str(folder)]) == 0
    assert main(["test", str(folder), "--min-coverage", "100"]) == 1
    assert "below --min-coverage 100%" in capsys.readouterr().err


def test_a_failure_counts_one_unit_in_the_singular(tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.rules").write_text("rules any {\n rule one: drop NC001\n}\n", encoding="utf-8")
    (folder / "a.test").write_text(
        'test "one":\n    charge NORCM units 1\n    expect NORCM not billed\n\n'
        'test "two":\n    charge NORCM units 2\n    expect NORCM not billed\n',
        encoding="utf-8",
    )
    assert main(["test", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "expected NORCM not billed, got 1 unit\n" in out
    assert "expected NORCM not billed, got 2 units\n" in out


def test_mistakes_in_tests_are_reported_like_rule_mistakes(tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.rules").write_text("rules any {\n rule one: drop NORCM\n}\n", encoding="utf-8")
    (folder / "a.test").write_text(
        'test "typo" for medicar:\n    with provider.rol = "PT"\n    with charge.units = 2\n'
        "    charge 9711 units 1\n    expect 97110 units 1\n",
        encoding="utf-8",
    )
    assert main(["test", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "rules/a.test:1:1: E011 unknown payer" in err
    assert (
        'rules/a.test:2:10: E012 unknown field "provider.rol" (did you mean "provider.role"?)'
        in err
    )
    assert "rules/a.test:3:10: E013 charge.units is set by the charge lines of a test" in err
    assert 'E025 "9711" is not a code' in err


def test_test_files_ship_with_the_bundled_rules():
    folder = Path(__file__).resolve().parent.parent / "payer_rules"
    assert len(list(folder.glob("*.test"))) >= 4
