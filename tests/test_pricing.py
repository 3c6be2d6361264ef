"""Expected payment (DESIGN §14): ``price by table "FILE"`` and ``price CODES at N%`` are action
kinds like the others (parsed, checked, formatted, compiled through the registry); they change
nothing billed and write no audit entry; billed lines carry ``expected``, held visits the
expected payment they hold up, and ``explain`` shows it."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest
from engine_helpers import batch_of, charge, check_conservation, rules_from

from scrubber.actions import KINDS, LANGUAGE
from scrubber.actions.price_share import PriceShare
from scrubber.actions.price_table import PriceTable
from scrubber.cli import main
from scrubber.errors import RuleSetError
from scrubber.formats.emr import dumps_export
from scrubber.formats.results import dumps_result, read_result, result_document

FEES = "code,amount,modifier\n97110,31.92,\n97110,27.13,CQ\n97140,28.71,\n97112,36.15,\n"


def _rules(tmp_path, body: str):  # type: ignore[no-untyped-def]
    return rules_from(tmp_path, "rules any {\n" + body + "}\n", {"fees.csv": FEES})


def test_both_kinds_parse_format_and_check_through_the_registry():
    text = (
        'rules any {\n rule fees: price   by table "tables/fees.csv"\n'
        " rule cq: price timed 97112  at 85.5% when charge.modifiers has CQ\n}\n"
    )
    parsed = LANGUAGE.parse(text)
    assert not parsed.errors
    fees, share = (rule.action for rule in parsed.file.blocks[0].rules)
    assert isinstance(fees, PriceTable) and fees.file == "tables/fees.csv"
    assert isinstance(share, PriceShare) and share.percent == Decimal("85.5")
    assert KINDS.render(fees) == 'price by table "tables/fees.csv"'
    assert KINDS.render(share) == "price timed 97112 at 85.5%"
    formatted = LANGUAGE.format(text)
    assert LANGUAGE.format(formatted) == formatted
    assert LANGUAGE.parse(formatted).file.blocks == parsed.file.blocks


def test_a_negative_share_a_missing_and_a_malformed_fee_schedule_are_rule_errors(tmp_path):
    with pytest.raises(RuleSetError) as caught:
        rules_from(tmp_path, "rules any {\n rule a: price 97110 at -15%\n"
                   ' rule b: price by table "tables/fee.csv"\n}\n', {"fees.csv": FEES})  # fmt: skip
    codes = [(e.code, e.line) for e in caught.value.errors]
    assert codes == [("E044", 2), ("E040", 3)]
    assert 'did you mean "fees.csv"' in caught.value.errors[1].message
    with pytest.raises(RuleSetError) as caught:
        rules_from(tmp_path, 'rules any {\n rule b: price by table "tables/fees.csv"\n}\n',
                   {"fees.csv": FEES + "97530,12.5.0,\n"})  # fmt: skip
    (error,) = caught.value.errors
    assert (error.code, error.line) == ("E041", 6) and "12.5.0" in error.message


def test_pricing_changes_nothing_billed_and_writes_no_audit_entry(tmp_path):
    batch = batch_of({"charges": [charge("97110", 3), charge("97140", 1, modifiers=("CQ",))]})
    plain = _rules(tmp_path / "a", " rule cap: limit 97110 to 2 units per day\n").scrub(batch)
    priced = _rules(
        tmp_path / "b",
        ' rule fees: price by table "tables/fees.csv"\n rule cq: price any at 85% when '
        "charge.modifiers has CQ\n rule cap: limit 97110 to 2 units per day\n",
    ).scrub(batch)
    check_conservation(batch, priced)
    assert [e._replace(rule="", source="", message="") for e in priced.audit] == [
        e._replace(rule="", source="", message="") for e in plain.audit
    ]
    stripped = [[attrs.evolve(c, expected=None) for c in visit.charges] for visit in priced.billed]
    assert stripped == [list(visit.charges) for visit in plain.billed]
    # the cut after pricing: 2 billed units x 31.92; 1 unit x 28.71 x 85% = 24.4035 -> 24.40
    assert [c.expected for c in priced.billed[0].charges] == [
        Decimal("63.84"), Decimal("24.40"),
    ]  # fmt: skip


def test_shares_multiply_and_round_once_and_a_line_not_priced_yet_is_left_alone(tmp_path):
    rules = _rules(
        tmp_path,
        " rule early: price any at 10%\n"
        ' rule fees: price by table "tables/fees.csv"\n'
        " rule a: price 97112 at 85%\n rule b: price 97112 at 50%\n",
    )
    result = rules.scrub(batch_of({"charges": [charge("97112", 1), charge("97530", 2)]}))
    first, second = result.billed[0].charges
    assert first.expected == Decimal("15.36")  # 36.15 x 0.425 = 15.36375, rounded once
    assert second.expected is None  # the schedule does not price 97530


def test_a_held_visit_carries_the_expected_payment_it_holds_up_and_reads_back(tmp_path):
    rules = _rules(
        tmp_path,
        ' rule fees: price by table "tables/fees.csv"\n rule h: hold "Review"\n',
    )
    batch = batch_of({"charges": [charge("97110", 2), charge("97140", 1)]})
    result = rules.scrub(batch)
    (held,) = result_document(result)["exceptions"]
    assert held["expected"] == "92.55"  # 63.84 + 28.71
    assert [c["expected"] for c in held["charges"]] == ["63.84", "28.71"]
    text = dumps_result(result)
    assert read_result(__import__("io").StringIO(text)) == result


def test_an_expected_payment_an_export_sends_is_not_taken_for_the_rules(tmp_path):
    rules = _rules(tmp_path, " rule cap: limit 97110 to 2 units per day\n")
    sent = dict(charge("97110", 1), expected="999.00")
    result = rules.scrub(batch_of({"charges": [sent]}))
    assert result.billed[0].charges[0].expected is None
    assert "expected" not in result_document(result)["billed"][0]["charges"][0]


def test_explain_shows_each_line_priced_and_what_the_visit_is_expected_to_pay(tmp_path, capsys):
    _rules(
        tmp_path,
        ' rule fees "Fee schedule": price by table "tables/fees.csv"\n'
        ' rule cq "Assistants": price any at 85% when charge.modifiers has CQ\n',
    )
    batch = batch_of({"charges": [charge("97110", 2), charge("97140", 1, modifiers=("CQ",))]})
    export = tmp_path / "export.json"
    export.write_text(dumps_export(batch), encoding="utf-8")
    assert main(["explain", str(export), "--visit", "V1", "--rules", str(tmp_path / "rules")]) == 0
    out = capsys.readouterr().out
    assert "Expected payment: 97110 63.84 (2 units), 97140 24.40 (1 unit); 88.24 in all." in out
    assert "  priced by test/fees (" in out and "97110 priced at 31.92 per unit by Fee sch" in out
    assert "priced by test/cq (" in out and "97140 expected to pay 85% of its price by Ass" in out
    assert "No rule changed this visit" in out  # pricing changes nothing billed
    main(["explain", str(export), "--visit", "V1", "--rules", str(tmp_path / "rules"), "--all"])
    out = capsys.readouterr().out
    assert "1. test/fees (" in out and ": applied, 97110 priced at 31.92 per unit" in out


def test_the_scrub_result_json_of_a_priced_visit(tmp_path):
    rules = _rules(tmp_path, ' rule fees: price by table "tables/fees.csv"\n')
    result = rules.scrub(batch_of({"charges": [dict(charge("97110", 1), amount="50.00")]}))
    line = json.loads(dumps_result(result))["billed"][0]["charges"][0]
    assert (line["amount"], line["expected"]) == ("50.00", "31.92")


def test_the_worklist_shows_the_expected_payment_each_held_visit_holds_up(tmp_path):
    from scrubber.reports.worklist import sorted_by_amount, worklist, worklist_document

    rules = _rules(
        tmp_path, ' rule fees: price by table "tables/fees.csv"\n rule h: hold "Review"\n'
    )
    batch = batch_of(
        {"charges": [charge("97140", 1)]},
        {"charges": [charge("97110", 2), charge("97140", 1)], "date_of_service": "2026-03-03"},
    )
    items = worklist(batch, rules.scrub(batch))
    document = worklist_document(items)
    assert [i["expected"] for i in document["items"]] == ["28.71", "92.55"]
    assert document["held_expected"] == "121.26"
    assert [i.visit_id for i in sorted_by_amount(items)] == ["V2", "V1"]
