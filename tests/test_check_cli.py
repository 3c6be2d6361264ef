import json
from pathlib import Path

from scrubber.cli import main

GOLDEN = Path(__file__).parent / "golden" / "check"


def test_bundled_rules_check_clean(capsys):
    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith(
        "no problems: 10 files, 39 rules, 5 codesets, 4 payers"
    )


def test_json_format_lists_every_error_with_positions(capsys, monkeypatch):
    monkeypatch.chdir(GOLDEN)
    assert main(["check", "--format", "json", "types.rules"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert len(report["errors"]) == 9
    first = report["errors"][0]
    assert first["code"] == "E020"
    assert (first["file"], first["line"], first["column"]) == ("types.rules", 2, 44)
    assert first["source_line"].strip().startswith("rule a:")


def test_github_format_is_one_annotation_per_problem(capsys, monkeypatch):
    monkeypatch.chdir(GOLDEN)
    assert main(["check", "--format", "github", "two_mistakes.rules"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        '::error file=two_mistakes.rules,line=3,col=26,endColumn=30,title=E001::unexpected "drop": '
        'a rule needs a colon after its id and description: rule ID "description": ACTION',
        '::error file=two_mistakes.rules,line=5,col=40,endColumn=43,title=E016::"dya" is not a scope '
        'here: use line, visit, day, week, month or year (did you mean "day"?)',
    ]


def test_text_output_is_capped_and_says_how_many_more(capsys, monkeypatch):
    monkeypatch.chdir(GOLDEN)
    assert main(["check", "--max-errors", "2", "types.rules"]) == 1
    out = capsys.readouterr().out
    assert "... and 7 more (see all with --max-errors 0)" in out
    assert out.rstrip().endswith("9 problems in 1 file")


def test_explain_order_lists_the_rules_in_order(capsys):
    assert main(["check", "--explain-order", "medicare"]) == 0
    out = capsys.readouterr().out
    ids = [line.split()[1] for line in out.splitlines() if line.strip()[:1].isdigit()]
    # common.rules (payer any) comes before medicare.rules: files apply in name order.
    assert ids[:2] == ["common/no-bill", "common/do-not-bill"]
    assert ids.index("common/ssn-fill") < ids.index("medicare/estim")
    assert ids[-1] == "medicare/kx-2026"
    assert "commercial/midpoint" not in ids
    assert "payer_rules/medicare.rules:" in out


def test_explain_order_of_an_unknown_payer_is_a_usage_error(capsys):
    assert main(["check", "--explain-order", "medicar"]) == 2
    assert "no payer named 'medicar'" in capsys.readouterr().err


def test_missing_path_and_empty_folder_are_usage_errors(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.rules")]) == 2
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no such rule file or folder" in err
    assert "no .rules files in this folder" in err


def test_empty_rule_file_is_clean(tmp_path, capsys):
    (tmp_path / "empty.rules").write_text("", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
