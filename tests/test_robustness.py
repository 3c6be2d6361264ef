"""No input crashes, hangs or leaks: one test per finding of the fuzzing campaign (issue 17)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from engine_helpers import batch_of, charge, rules_from

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.formats.emr import iter_jsonl, parse_export, read_export
from scrubber.formats.results import dumps_result, read_result
from scrubber.load import load_rules

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "emr_export.json"


def _one_line(err: str) -> None:
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


# 1. deep nesting ---------------------------------------------------------------------------------


def test_1_a_value_nested_1100_arrays_deep_is_a_clear_error(tmp_path, capsys):
    deep = "[" * 1100 + "]" * 1100
    path = tmp_path / "deep.json"
    path.write_text('{"patients": [], "cases": [], "visits": [' + deep + "]}", encoding="utf-8")
    assert main(["scrub", str(path), "-o", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    _one_line(err)
    assert "nested more than about 1,000 levels deep" in err


def test_1_a_deep_line_of_json_lines_is_rejected_and_the_rest_read(tmp_path):
    good = json.loads(EXAMPLE.read_text())
    line = {"patient": good["patients"][0], "case": good["cases"][0], "visit": good["visits"][0]}
    line["case"] = next(c for c in good["cases"] if c["id"] == line["visit"]["case_id"])
    line["patient"] = next(p for p in good["patients"] if p["id"] == line["case"]["patient_id"])
    deep = '{"patient": ' + "[" * 1100 + "]" * 1100 + "}"
    records = list(iter_jsonl([deep, json.dumps(line)]))
    assert "nested more than about 1,000 levels deep" in records[0].errors[0]
    assert records[1].visit.id == line["visit"]["id"]


# 2. text that cannot be written ------------------------------------------------------------------


def test_2_a_lone_surrogate_in_an_id_is_rejected_with_its_path_and_the_result_writes(
    tmp_path, capsys
):
    document = json.loads(EXAMPLE.read_text())
    document["visits"][0]["id"] = "V1\ud800"
    path = tmp_path / "e.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # the escape stays in the JSON text
    out = tmp_path / "r.json"
    assert main(["scrub", str(path), "-o", str(out), "--fail-on", "none"]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    (surrogate,) = [r for r in result["rejected"] if r["path"] == "visits[0]"]
    assert surrogate["id"] == "V1\\ud800"
    assert (
        "visits[0].id: text that cannot be written as UTF-8 (a lone surrogate)"
        in surrogate["errors"][0]
    )


def test_2_a_lone_surrogate_in_a_rule_text_is_reported_at_its_place():
    # Text given through the API, or read from standard input with surrogateescape.
    parsed = LANGUAGE.parse("codeset a = 97110\nrule x: drop 97\ud80010\n", "x.rules")
    (error,) = parsed.errors
    assert (error.code, error.line, error.column) == ("E002", 2, 16)
    assert "lone surrogate (U+D800)" in str(error)
    assert error.source_line == "rule x: drop 97\\ud80010"  # the line as it can be shown
    error.format().encode("utf-8")


# 3. and 4. patterns ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "code"),
    [("a{99999999999}", "E022"), ("(?=x)a", "E023"), ("(a)\\1", "E023"), ("[0-9", "E022")],
)
def test_3_a_pattern_the_engine_cannot_run_is_a_checker_error(tmp_path, pattern, code):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "r.rules").write_text(
        f'rules any {{\n rule a: hold "x" when patient.first_name matches /{pattern}/\n}}\n'
    )
    (error,) = LANGUAGE.check_paths([folder]).errors
    assert error.code == code


@pytest.mark.parametrize(
    "pattern", ["(a|a)+$", "(a|aa)+$", "(a?){35}a{35}", "(?:a|a)*b", ".*.*.*.*.*="]
)
def test_4_backtracking_patterns_match_in_linear_time(tmp_path, pattern):
    rules = rules_from(
        tmp_path,
        f'rules any {{\n rule a: hold "x" when patient.first_name matches /{pattern}/\n}}\n',
    )
    batch = batch_of({"charges": [charge("97110", 1)]})
    patient = batch.patients[0]
    import attrs

    batch = attrs.evolve(batch, patients=(attrs.evolve(patient, first_name="a" * 40 + "!"),))
    start = time.monotonic()
    rules.scrub(batch)
    assert time.monotonic() - start < 2


# 5. rule files that are not files ----------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_5_pipes_devices_and_links_out_are_not_read(tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "ok.rules").write_text("rules any {\n rule a: drop NORCM\n}\n")
    os.mkfifo(folder / "pipe.rules")
    os.symlink("/dev/zero", folder / "zero.rules")
    os.symlink("/etc/passwd", folder / "passwd.rules")
    run = subprocess.run(
        [sys.executable, "-m", "scrubber", "check", str(folder)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stdout.count("E002 the rule file is not read") == 3
    assert "root:" not in run.stdout, "nothing of the linked file is echoed"


def test_5_a_table_that_is_a_pipe_or_a_link_out_is_refused(tmp_path):
    folder = tmp_path / "rules"
    (folder / "tables").mkdir(parents=True)
    os.mkfifo(folder / "tables" / "pipe.csv")
    os.symlink("/etc/passwd", folder / "tables" / "out.csv")
    (folder / "r.rules").write_text(
        'rules any {\n rule a: limit by table "tables/pipe.csv" per day\n'
        ' rule b: deny by table "tables/out.csv" per day\n}\n'
    )
    errors = LANGUAGE.check_paths([folder]).errors
    assert [(e.code, e.line) for e in errors] == [("E040", 2), ("E042", 3)]
    assert "not a table file, archive or folder (a device or a pipe)" in errors[0].message


# 6. a huge cell ------------------------------------------------------------------------------------


def test_6_a_megabyte_location_does_not_widen_the_table(tmp_path, capsys):
    document = json.loads(EXAMPLE.read_text())
    document["visits"][0]["location"] = "L" * (1 << 20)
    export = tmp_path / "e.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    result = tmp_path / "r.json"
    assert main(["scrub", str(export), "-o", str(result)]) == 1
    capsys.readouterr()
    assert main(["balance", str(export), str(result), "-o", str(tmp_path / "t.txt")]) == 0
    table = (tmp_path / "t.txt").read_text(encoding="utf-8")
    assert len(table) < 100_000 and "L" * 39 + "…" in table


# 7. explain and a repeated id (also in tests/test_explain.py) -------------------------------------


def test_7_a_held_visit_whose_id_a_rejected_record_repeats_is_explained(tmp_path, capsys):
    document = json.loads(EXAMPLE.read_text())
    held = read_result_of(document, tmp_path).exceptions[0].visit_id
    twin = dict(next(v for v in document["visits"] if v.get("id") == held), charges="oops")
    document["visits"].append(twin)
    export = tmp_path / "e.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    assert main(["explain", str(export), "--visit", held]) == 0
    out = capsys.readouterr().out
    assert "held on Billing Exceptions" in out and "its record was rejected" not in out
    assert "Another record with this id was rejected" in out


def read_result_of(document, tmp_path):
    export = tmp_path / "base.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    return load_rules().scrub(read_export(export))


# 8. an SSN as a number ---------------------------------------------------------------------------


def test_8_an_ssn_given_as_a_number_never_appears_whole(tmp_path, capsys):
    document = json.loads(EXAMPLE.read_text())
    document["patients"][0]["ssn"] = 123456789
    document["patients"][1]["first_name"] = "123-45-6789"
    export = tmp_path / "e.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    result = tmp_path / "r.json"
    main(["scrub", str(export), "-o", str(result), "--summary", "text"])
    err = capsys.readouterr().err
    main(["balance", str(export), str(result)])
    out = capsys.readouterr().out
    for text in (result.read_text(), err, out):
        assert "123456789" not in text and "123-45-6789" not in text
    assert "***-**-6789" in err


# 9. damaged results ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda r: r["exceptions"][0].update(reasons=[]), "result.exceptions[0].reasons"),
        (lambda r: r["exceptions"][0].update(visit_id=["V1"]), "result.exceptions[0].visit_id"),
        (lambda r: r["audit"][0].update(message={"a": 1}), "result.audit[0].message"),
        (lambda r: r["audit"][0].pop("rule"), "result.audit[0].rule: required value is missing"),
        (lambda r: r["billed"][0].update(charges=7), "result.billed[0].charges"),
        (lambda r: r["rejected"].append({"path": 3}), "result.rejected"),
    ],
)
def test_9_a_damaged_result_is_one_line_and_exit_2(tmp_path, capsys, damage, words):
    result_path = tmp_path / "r.json"
    main(["scrub", str(EXAMPLE), "-o", str(result_path)])
    result = json.loads(result_path.read_text())
    damage(result)
    result_path.write_text(json.dumps(result), encoding="utf-8")
    capsys.readouterr()
    assert main(["balance", str(EXAMPLE), str(result_path)]) == 2
    err = capsys.readouterr().err
    _one_line(err)
    assert words in err


def test_9_a_result_read_back_equals_the_scrubbed_one(tmp_path):
    result = load_rules().scrub(read_export(EXAMPLE))
    path = tmp_path / "r.json"
    path.write_text(dumps_result(result), encoding="utf-8")
    assert read_result(path) == result


# 10. outputs -------------------------------------------------------------------------------------


def test_10_an_output_in_a_folder_that_does_not_exist_is_one_line(tmp_path, capsys):
    assert main(["sample", "-o", str(tmp_path / "nonexistent" / "x.json")]) == 2
    _one_line(capsys.readouterr().err)


# 11. nesting reported where it is ----------------------------------------------------------------


def test_11_nine_hundred_nots_are_reported_at_the_rule(tmp_path):
    text = (
        "rules any {\n rule a: drop NORCM\n rule b: drop NC001 when "
        + "not " * 900
        + "charge.units > 1\n}\n"
    )
    (error,) = LANGUAGE.parse(text, "nots.rules").errors
    assert (error.code, error.line) == ("E002", 3)


# units beyond reason -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("units", 10**30, "expected a whole number from 0 to 999"),
        ("units", 1000, "expected a whole number from 0 to 999"),
        ("minutes", 1441, "expected a whole number from 0 to 1,440"),
    ],
)
def test_units_and_minutes_have_an_upper_bound(field, value, words):
    document = json.loads(EXAMPLE.read_text())
    visit = next(v for v in document["visits"] if v["charges"])
    visit["charges"][0][field] = value
    batch = parse_export(document)
    (rejected,) = [r for r in batch.rejected if r.id == visit["id"]]
    assert words in rejected.errors[0]
    document["visits"][document["visits"].index(visit)]["charges"][0][field] = (
        999 if field == "units" else 1440
    )
    assert all(r.id != visit["id"] for r in parse_export(document).rejected)


def test_an_amount_of_a_trillion_is_refused():
    document = json.loads(EXAMPLE.read_text())
    document["cases"][0]["therapy_ytd_amount"] = "1e30"
    (rejected,) = [r for r in parse_export(document).rejected if r.path == "cases[0]"]
    assert "below 1,000,000,000,000" in rejected.errors[0]


def test_units_are_required_and_minutes_may_be_null():
    # Found by the harness: bounding units once made them optional, and a null was billed.
    document = json.loads(EXAMPLE.read_text())
    first, second = [v for v in document["visits"] if v["charges"]][:2]
    first["charges"][0]["units"] = None
    second["charges"][0]["minutes"] = None
    rejected = {r.id: r.errors for r in parse_export(document).rejected}
    assert rejected[first["id"]] == (
        f"visits[{document['visits'].index(first)}].charges[0].units: "
        "expected a whole number ≥ 0, got null",
    )
    assert second["id"] not in rejected


@pytest.mark.parametrize(
    "statement",
    ['charges by table "a\x00b.csv"', 'rules any {\n rule p: price by table "\x00"\n}'],
)
def test_a_table_name_with_a_nul_is_a_checker_error_not_a_traceback(tmp_path, statement):
    """Found by the fuzz harness: the charge master's name went to the file system as it was."""
    from scrubber.actions import LANGUAGE

    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.rules").write_text(statement + "\n", encoding="utf-8")
    report = LANGUAGE.check_paths([tmp_path / "r"])
    assert report.rules is None
    assert any("table path" in error.message for error in report.errors), report.errors
