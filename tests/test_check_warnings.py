"""Warnings of ``scrubber check`` (issue 27): each code has a case that warns and one that
does not; ``--strict`` fails on them; the bundled rules check clean under ``--strict``; the
language server shows them as warnings."""

import json
from pathlib import Path

import pytest
from lsprotocol import types

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.lang import codes

PAYER = 'payer medicare "Medicare" when insurance.class = "medicare"\n'

#: code -> (rules that warn, where (line, column) and words of the message, rules that do not)
WARNINGS = {
    "W001": (
        PAYER + 'rules medicare {\n rule window: hold "Outside the plan of care"\n'
        "  when case.authorization_required = true and visit.date_of_service < "
        "case.plan_of_care_start or visit.date_of_service > case.plan_of_care_end\n}\n",
        (4, 8, "'and' binds first"),
        PAYER + 'rules medicare {\n rule window: hold "Outside the plan of care"\n'
        "  when case.authorization_required = true and (visit.date_of_service < "
        "case.plan_of_care_start or visit.date_of_service > case.plan_of_care_end)\n}\n",
    ),
    "W002": (
        PAYER + 'rules medicare {\n rule a: hold "X" for any\n'
        "  when charge.units > 4 and charge.units < 2\n}\n",
        (4, 8, "charge.units > 4 and charge.units < 2 exclude each other"),
        PAYER + 'rules medicare {\n rule a: hold "X" for any\n'
        "  when charge.units > 4 or charge.units < 2\n}\n",
    ),
    "W003": (
        PAYER + 'rules medicare {\n rule a: hold "X" for any\n'
        "  when charge.units > 1 or charge.units < 3\n}\n",
        (4, 8, "always holds"),
        PAYER + 'rules medicare {\n rule a: hold "X" for any\n'
        "  when charge.units > 3 or charge.units < 1\n}\n",
    ),
    "W004": (
        PAYER + "codeset evals = 97161..97163\nrules medicare {\n rule a: drop NORCM\n}\n",
        (2, 1, 'codeset "evals" is never used'),
        PAYER + "codeset evals = 97161..97163\nrules medicare {\n rule a: drop evals\n}\n",
    ),
    "W005": (
        PAYER + "rules medicare {\n rule a: drop NORCM\n}\n"
        "rules medicare {\n rule b: limit NORCM to 1 unit per day\n}\n",
        (6, 2, 'already removed by rule "a"'),
        # the earlier block is not in effect when the later one is
        PAYER + "rules medicare effective 2025-01-01 through 2025-12-31 {\n rule a: drop NORCM\n}\n"
        "rules medicare effective 2026-01-01 {\n rule b: limit NORCM to 1 unit per day\n}\n",
    ),
    "W006": (
        PAYER + "rules medicare {\n rule a: limit 97110 to 2 units per day\n}\n"
        "rules medicare {\n rule b: limit 97110 to 4 units per day\n}\n",
        (6, 2, "97110 is already limited to 2 units per day"),
        PAYER + "rules medicare {\n rule a: limit 97110 to 2 units per day when "
        'provider.role = "PTA"\n}\nrules medicare {\n rule b: limit 97110 to 4 units per day\n}\n',
    ),
}


def _check(tmp_path: Path, text: str):
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "p.rules").write_text(text, encoding="utf-8")
    return folder, LANGUAGE.check_paths([folder])


def test_every_warning_code_is_tested_here():
    assert {c.code for c in codes.ALL if c.severity == "warning"} == set(WARNINGS)


@pytest.mark.parametrize("code", sorted(WARNINGS))
def test_each_warning_warns_where_it_should_and_not_otherwise(tmp_path, code):
    bad, (line, column, words), good = WARNINGS[code]
    _, report = _check(tmp_path, bad)
    assert report.errors == () and report.rules is not None
    (warning,) = report.warnings
    assert (warning.code, warning.line, warning.column, warning.severity) == (
        code, line, column, "warning",
    )  # fmt: skip
    assert words in warning.message
    assert "^" in warning.format()
    _, report = _check(tmp_path, good)
    assert report.errors == () and report.warnings == ()


def test_a_payer_without_rules_or_tests_is_unused(tmp_path):
    _, report = _check(tmp_path, PAYER + 'payer aetna when insurance.payer_id = "AET"\n'
                       "rules medicare {\n rule a: drop NORCM\n}\n")  # fmt: skip
    assert [(w.code, w.line) for w in report.warnings] == [("W004", 2)]


def test_nested_parentheses_around_the_whole_condition_still_warn(tmp_path):
    _, report = _check(tmp_path, PAYER + "rules medicare {\n rule a: hold \"X\" for any\n"
                       "  when (charge.units > 4 and charge.units < 9 or charge.units = 1)\n}\n")  # fmt: skip
    assert [w.code for w in report.warnings] == ["W001"]
    _, report = _check(tmp_path, PAYER + "rules medicare {\n rule a: hold \"X\" for any\n"
                       "  when (charge.units = 1 or (charge.units > 4 and charge.units < 9))\n}\n")  # fmt: skip
    assert report.warnings == ()


def test_strict_fails_on_warnings_and_plain_check_passes(tmp_path, capsys):
    folder, _ = _check(tmp_path, WARNINGS["W002"][0])
    assert main(["check", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "W002 this condition can never hold" in out
    assert "1 warning in 1 file" in out
    assert main(["check", str(folder), "--strict"]) == 1
    assert "(--strict: failing)" in capsys.readouterr().out
    assert main(["check", str(folder), "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["errors"] == [] and found["warnings"][0]["code"] == "W002"
    assert found["warnings"][0]["severity"] == "warning"
    assert main(["check", str(folder), "--format", "github", "--strict"]) == 1
    assert "::warning file=" in capsys.readouterr().out


def test_the_bundled_rules_check_clean_under_strict(capsys):
    assert main(["check", "--strict"]) == 0
    assert "no problems" in capsys.readouterr().out


def test_the_language_server_shows_warnings_as_warnings(tmp_path):
    from scrubber.lsp.diagnostics import diagnostics
    from scrubber.lsp.folder import Folder

    folder, _ = _check(tmp_path, WARNINGS["W001"][0])
    analysis = Folder(folder, lambda _: None).analyze({}, 1)
    path = folder / "p.rules"
    (diagnostic,) = diagnostics(analysis, path, types.PositionEncodingKind.Utf16)
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.code == "W001"


def test_with_errors_the_text_output_lists_the_errors_and_json_both(tmp_path, capsys):
    folder, _ = _check(
        tmp_path, WARNINGS["W004"][0] + "rules medicare {\n rule b: drop nocode\n}\n"
    )
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "E010" in out and "W004" not in out
    assert main(["check", str(folder), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [e["code"] for e in found["errors"]] == ["E010"]
    assert [w["code"] for w in found["warnings"]] == ["W004"]
