"""scrubber explain: what the rules did to one visit, from a tracer of the real run; with --all,
every rule in order with why it did nothing."""

import re
from pathlib import Path

import attrs
from engine_helpers import batch_of, charge, rules_from

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.formats.emr import read_export
from scrubber.load import load_rules
from scrubber.model.records import Rejected
from scrubber.reports.explain import explain_visit

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "emr_export.json"


def _explain(tmp_path, text, batch, visit="V1", all_rules=True):
    rules = rules_from(tmp_path, text)
    return explain_visit(rules, batch, visit, all_rules=all_rules)


def test_each_kind_of_reason(tmp_path):
    text = (
        'payer medicare "Medicare" when insurance.class = "medicare"\n'
        'payer wc "WC" when insurance.class = "workers_comp"\n'
        "rules medicare {\n"
        " rule cap: limit 97110 to 1 unit per day\n"
        " rule roomy: limit 97140 to 9 units per day\n"
        " rule kx: add modifier KX to 97110 when case.therapy_ytd_amount > 2480.00\n"
        " rule estim: replace 97014 with G0283\n"
        "}\n"
        "rules medicare effective 2025-01-01 through 2025-12-31 {\n rule old: drop 97110\n}\n"
        "rules wc {\n rule wc-only: drop 97110\n}\n"
    )
    batch = batch_of({"charges": [charge("97110", 3), charge("97140", 1)]})
    lines = _explain(tmp_path, text, batch)
    assert lines[0].startswith("Visit V1 of patient P1 on 2026-03-02 at Main St: payers medicare;")
    joined = "\n".join(lines)
    assert (
        "test/cap (rules/test.rules:4:12): applied, 97110 limited from 3 to 1 unit per day"
        in joined
    )
    assert "[units: 3 -> 1]" in joined
    assert (
        "test/roomy (rules/test.rules:5:14): did nothing, the units were within the cap." in joined
    )
    assert ("test/kx (rules/test.rules:6:11): did nothing, its condition is false: "
            "case.therapy_ytd_amount > 2480.00 is false (case.therapy_ytd_amount is 100.00).") in joined  # fmt: skip
    assert (
        "test/estim (rules/test.rules:7:14): did nothing, no line of the visit has a code it selects"
        in joined
    )
    assert (
        "test/old (rules/test.rules:10:12): skipped, not in effect on 2026-03-02 (from 2025-01-01 to 2025-12-31)."
        in joined
    )
    assert ('test/wc-only (rules/test.rules:13:16): skipped, the visit does not belong to payer wc '
            '(insurance.class = "workers_comp" is false (insurance.class is "medicare")).') in joined  # fmt: skip
    assert len(lines) == 1 + 6


def test_explain_on_the_sample_names_every_rule_with_all(capsys):
    assert main(["explain", str(EXAMPLE), "--visit", "V23", "--all"]) == 0
    out = capsys.readouterr().out.splitlines()
    checked = LANGUAGE.load_checked()
    rules = [f"{f.stem}/{r.id}" for f in checked.files for b in f.blocks for r in b.rules]
    numbered = [line for line in out[1:] if re.match(r"\s*\d+\. ", line)]
    assert len(numbered) == len(rules)
    for line, name in zip(numbered, rules, strict=True):
        assert f" {name} (" in line
        assert any(word in line for word in ("applied,", "did nothing,", "skipped,"))


def test_a_rejected_visit_is_explained_and_an_unknown_one_is_a_usage_error(capsys):
    (rejected,) = read_export(EXAMPLE).rejected
    assert main(["explain", str(EXAMPLE), "--visit", str(rejected.id)]) == 0
    assert "was rejected" in capsys.readouterr().out
    assert main(["explain", str(EXAMPLE), "--visit", "NOPE"]) == 2
    assert "no visit 'NOPE'" in capsys.readouterr().err


def test_by_default_only_what_changed_the_visit_with_the_values_a_hold_read(tmp_path):
    text = (
        'payer medicare "Medicare" when insurance.class = "medicare"\n'
        "rules medicare {\n"
        " rule cap: limit 97110 to 9 units per day\n"
        ' rule zip9 "Medicare needs ZIP+4": hold "Invalid Postal Code" '
        "unless patient.address.postal_code matches /^[0-9]{9}$/\n"
        "}\n"
    )
    batch = batch_of({"charges": [charge("97110", 3)]})
    patient = batch.patients[0]
    home = patient.addresses[0]
    batch = attrs.evolve(
        batch,
        patients=(attrs.evolve(patient, addresses=(attrs.evolve(home, postal_code="85004"),)),),
    )
    lines = _explain(tmp_path, text, batch, all_rules=False)
    assert lines[0].endswith("the visit is held on Billing Exceptions.")
    assert len(lines) == 2, "only the rule that held the visit"
    assert "test/zip9" in lines[1] and "Invalid Postal Code" in lines[1]
    assert 'patient.address.postal_code = "85004"' in lines[1]


def test_a_visit_whose_id_a_later_record_repeats_is_explained_not_called_rejected(tmp_path):
    text = "rules any {\n rule cap: limit 97110 to 1 unit per day\n}\n"
    batch = batch_of({"charges": [charge("97110", 3)]})
    duplicate = Rejected(
        "visits[1]", "V1", ('visits[1].id: duplicate visit id "V1" (first at visits[0])',)
    )
    batch = attrs.evolve(batch, rejected=(duplicate,))
    lines = _explain(tmp_path, text, batch, all_rules=False)
    assert "was rejected" not in lines[0]
    assert lines[0].endswith("the visit is billed.")
    assert lines[1].startswith("Another record with this id was rejected (visits[1])")
    assert "limited from 3 to 1" in lines[2]


def test_explain_agrees_with_the_scrub_for_every_visit_of_the_sample():
    rules = load_rules()
    batch = read_export(EXAMPLE)
    result = rules.scrub(batch)
    billed = {v.id for v in result.billed}
    held = {h.visit_id for h in result.exceptions}
    changed: dict[str, set[str]] = {}
    for entry in result.audit:
        changed.setdefault(entry.visit_id, set()).add(entry.rule)
    for visit in batch.visits:
        lines = explain_visit(rules, batch, visit.id)
        where = (
            "billed"
            if visit.id in billed
            else "held on Billing Exceptions"
            if visit.id in held
            else "not billed"
        )
        assert f"the visit is {where}" in lines[0]
        named = {m.group(1) for line in lines[1:] if (m := re.match(r"\s*\d+\. (\S+) \(", line))}
        assert named == changed.get(visit.id, set()) - {"scrubber/no-charges", "scrubber/no-units"}


def test_explain_words_missing_values_and_set_plainly(tmp_path):
    text = (
        'rules any {\n rule ssn-fill "When the SSN is absent, billing fills 999999999": '
        'set patient.ssn to "999999999" when patient.ssn is missing\n'
        ' rule start: hold "x" when insurance.policy_start is missing\n}\n'
    )
    insurance = {"payer_id": "X", "class": "medicare", "policy_start": "2026-01-01"}
    batch = batch_of({"charges": [charge("97110", 1)]}, insurance=insurance)
    lines = _explain(tmp_path, text, batch)
    joined = "\n".join(lines)
    assert "patient.ssn set to ***-**-9999 (When the SSN is absent" in joined
    assert (
        "its condition is false: insurance.policy_start is not missing (it is 2026-01-01)" in joined
    )
    assert "set by When" not in joined and "is missing is false" not in joined
