"""``warn "MESSAGE" [for CODES]`` (DESIGN §15): the visit is billed as usual and flagged for
review; the result's ``warnings``, the worklist, ``--fail-on warned``, explain, X12 and streams."""

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
import pytest
from engine_helpers import batch_of, charge, check_conservation, rules_from

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.formats.emr import dumps_export, write_export
from scrubber.formats.json_lines import iter_jsonl
from scrubber.formats.result_writers import ResultWriter
from scrubber.formats.results import dumps_result, read_result
from scrubber.reports.explain import explain_visit
from scrubber.reports.worklist import worklist, worklist_csv, worklist_json, worklist_table

RULES = """\
rules any {
    rule zip "Medicare needs a 9-digit ZIP":
        warn "Check the postal code" unless patient.address.postal_code matches /^[0-9]{9}$/
    rule big "More than 4 units of exercise: check the note":
        warn "Check units" for 97110 when charge.units > 4
    rule cap: limit 97110 to 4 units per day
}
"""

WARNING_KEYS = [
    "visit_id", "patient_id", "date_of_service", "rule", "source", "message", "description",
    "values",
]  # fmt: skip


def _batch(units: int = 6, zip_code: str = "85004"):
    batch = batch_of({"charges": [charge("97110", units, 90), charge("97140", 1, 15)]})
    patient = batch.patients[0]
    address = attrs.evolve(patient.addresses[0], postal_code=zip_code)
    return attrs.evolve(batch, patients=(attrs.evolve(patient, addresses=(address,)),))


def test_a_warned_visit_is_billed_with_no_audit_entry_and_listed_in_warnings(tmp_path):
    batch = _batch()
    result = rules_from(tmp_path, RULES).scrub(batch)
    check_conservation(batch, result)
    assert [v.id for v in result.billed] == ["V1"] and result.exceptions == ()
    # the cap still acts; the warnings move no unit and write no audit entry
    assert [(e.rule, e.action) for e in result.audit] == [("test/cap", "limit")]
    assert [(w.rule, w.message) for w in result.warnings] == [
        ("test/zip", "Check the postal code"),
        ("test/big", "Check units"),
    ]
    zip_warning, big = result.warnings
    assert zip_warning.values == (("patient.address.postal_code", "85004"),)
    assert zip_warning.description == "Medicare needs a 9-digit ZIP"
    # the line warning read the line before the cap took its units
    assert big.values == (("charge.units", 6),)
    document = json.loads(dumps_result(result))
    assert list(document["warnings"][0]) == WARNING_KEYS
    assert document["warnings"][0]["date_of_service"] == "2026-03-02"
    assert document["warnings"][0]["source"].endswith("test.rules:3:9")


def test_no_warning_when_the_condition_is_false(tmp_path):
    result = rules_from(tmp_path, RULES).scrub(_batch(units=2, zip_code="850041234"))
    assert result.warnings == ()
    # a result without warnings keeps the four sections of §5
    assert list(json.loads(dumps_result(result))) == ["billed", "exceptions", "rejected", "audit"]


def test_a_warning_and_a_hold_on_one_visit(tmp_path):
    text = RULES.replace("    rule cap:", '    rule h: hold "Held" for 97140\n    rule cap:')
    result = rules_from(tmp_path, text).scrub(_batch())
    assert [h.visit_id for h in result.exceptions] == ["V1"]
    assert [w.rule for w in result.warnings] == ["test/zip", "test/big"]


def test_warnings_read_back_from_a_written_result(tmp_path):
    result = rules_from(tmp_path, RULES).scrub(_batch())
    path = tmp_path / "result.json"
    path.write_text(dumps_result(result), encoding="utf-8")
    assert read_result(path).warnings == result.warnings
    # a result written before warnings existed reads as having none
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["warnings"]
    path.write_text(json.dumps(document), encoding="utf-8")
    assert read_result(path).warnings == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('warn "x" when charge.units > 2', "cannot be read by a visit-level warning"),
        ("warn x", "in double quotes"),
        ('warn "x" for nothere', "nothere"),
    ],
)
def test_the_checker_refuses_a_bad_warning(tmp_path, text, message):
    (tmp_path / "a.rules").write_text(f"rules any {{\n    rule a: {text}\n}}\n", encoding="utf-8")
    report = LANGUAGE.check_paths([tmp_path])
    assert any(message in problem.message for problem in report.errors), report.errors


@pytest.mark.parametrize(
    "text",
    [
        'warn "Review units"',
        'warn "Review units" for 97110 97140 when charge.units > 2',
        'warn "Review" unless provider.role = "PT"',
    ],
)
def test_fmt_round_trips_a_warning(text):
    source = f"rules any {{\n    rule a: {text}\n}}\n"
    once = LANGUAGE.format(source)
    assert LANGUAGE.format(once) == once
    assert text.split(" when")[0].split(" unless")[0] in once


@pytest.mark.parametrize("units", [6, 2])
def test_streamed_days_carry_their_warnings_and_write_the_same_bytes(tmp_path, units):
    rules = rules_from(tmp_path, RULES)
    batch = _batch(units=units)
    days = list(rules.scrub_stream(iter_jsonl(dumps_export(batch, "jsonl").split("\n"))))
    expected = ["test/zip", "test/big"] if units > 4 else ["test/zip"]
    assert [w.rule for day in days for w in day.warnings] == expected
    out = io.StringIO()
    with ResultWriter(out) as writer:
        for day in days:
            writer.add(day)
    assert out.getvalue() == dumps_result(rules.scrub(batch))


def _files(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "test.rules").write_text(RULES, encoding="utf-8")
    export = tmp_path / "export.json"
    write_export(_batch(), export)
    return rules, export


def test_fail_on_warned_exits_1_and_the_summary_counts_warnings(tmp_path, capsys):
    rules, export = _files(tmp_path)
    out = tmp_path / "out.json"
    args = ["scrub", str(export), "--rules", str(rules), "-o", str(out)]
    assert main([*args, "--summary", "json"]) == 0
    summary = json.loads(capsys.readouterr().err)
    assert summary["warnings"] == {"warnings": 2, "visits": 1}
    assert main([*args, "--fail-on", "warned"]) == 1
    assert "2 warnings on 1 visit" in capsys.readouterr().err
    assert main([*args, "--fail-on", "held"]) == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["warnings"]) == 2


def test_the_worklist_lists_warnings_apart_from_holds(tmp_path, capsys):
    rules, export = _files(tmp_path)
    text = RULES.replace(
        "    rule cap:", '    rule h: hold "Held for a reason" for 97140\n    rule cap:'
    )
    batch = _batch()
    result = rules_from(tmp_path / "other", text).scrub(batch)
    items = worklist(batch, result)
    assert [(i.kind, i.rule) for i in items] == [
        ("held", "test/h"), ("warned", "test/zip"), ("warned", "test/big"),
    ]  # fmt: skip
    table = worklist_table(items)
    assert "1 held visit" in table and "1 visit flagged for review (2 warnings)" in table
    assert table.index("held by test/h") < table.index("flagged for review (billed as usual)")
    assert 'patient.address.postal_code = "85004"' in table
    document = json.loads(worklist_json(items))
    assert (document["held_visits"], document["warned_visits"], document["warnings"]) == (1, 1, 2)
    rows = worklist_csv(items).splitlines()
    assert sum(row.startswith("warned,warning,") for row in rows) == 2
    out = tmp_path / "out.json"
    main(["scrub", str(export), "--rules", str(rules), "-o", str(out), "--summary", "none"])
    capsys.readouterr()
    assert main(["worklist", str(export), str(out), "--rules", str(rules), "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert "Flagged for review (billed as usual)" in page and "Check the postal code" in page


def test_explain_shows_the_warnings(tmp_path):
    batch = _batch()
    lines = explain_visit(rules_from(tmp_path, RULES), batch, "V1")
    assert "the visit is billed, flagged for review (2 warnings)" in lines[0]
    text = "\n".join(lines)
    assert 'warned, "Check the postal code"' in text
    assert "patient.address.postal_code = " in text


def test_a_warned_x12_claim_is_billed_and_its_warning_is_in_the_result(tmp_path, capsys):
    golden = Path(__file__).parent / "golden" / "x12" / "commercial_prior_auth"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "w.rules").write_text(
        'rules any {\n    rule all: warn "Review every claim"\n}\n', encoding="utf-8"
    )
    out, result = tmp_path / "out.x12", tmp_path / "result.json"
    code = main([
        "scrub", str(golden / "input.x12"), "--rules", str(rules), "-o", str(out),
        "--result", str(result), "--summary", "none", "--fail-on", "warned",
    ])  # fmt: skip
    assert code == 1
    document = json.loads(result.read_text(encoding="utf-8"))
    assert document["warnings"] and document["exceptions"] == []
    assert {w["message"] for w in document["warnings"]} == {"Review every claim"}
    assert len(document["warnings"]) == len(document["billed"])
    assert out.exists() and out.read_text(encoding="utf-8").startswith("ISA")


def test_a_warned_visit_is_a_billed_visit_in_the_history(tmp_path):
    rules = rules_from(tmp_path, RULES)
    history = tmp_path / "history.sqlite"
    rules.scrub(_batch(), history=history)
    from scrubber.history.store import HistoryStore

    with HistoryStore.open(history) as store:
        (fact,) = store.facts_of("P1")
    assert dict(fact.billed) == {"97110": 4, "97140": 1}


def test_dumps_export_is_unchanged_by_warnings():
    # warnings live in the result only: the export written back has no such key
    assert "warnings" not in dumps_export(_batch())


def test_a_rule_test_expects_a_warning_on_the_visit_it_names(tmp_path):
    from scrubber.lang.expects import EXPECTS, Observed, render_expect
    from scrubber.reports.ruletest import run_tests

    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "cap.rules").write_text(
        'rules any {\n rule cap "PT visits past 2": warn "Past 2 visits" '
        "when visit.year_day > 2\n}\n",
        encoding="utf-8",
    )
    (folder / "cap.test").write_text(
        'test "the third visit is flagged, and billed" on 2026-01-05:\n'
        "    charge 97110 units 1\n"
        "    repeat visit 2 times\n"
        '    expect visit 3 warned "Past 2 visits"\n'
        "    expect visit 3 97110 units 1\n"
        "    expect visit 3 not held\n"
        '    expect visit 2 warned "Past 2 visits"\n',
        encoding="utf-8",
    )
    checked = LANGUAGE.check_paths([folder])
    assert checked.errors == () and checked.rules is not None
    (outcome,) = run_tests(checked.rules).outcomes
    assert outcome.failures == ('visit 2: expected a warning "Past 2 visits", got no warning',)
    (expect,) = LANGUAGE.parse('test "t":\n    expect warned "X"\n', "a.test").file.tests[0].expects
    assert render_expect(expect) == 'expect warned "X"'
    assert EXPECTS.kind_of(expect).evaluate(expect, Observed((), (), ("X",))) is None
