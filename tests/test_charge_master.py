"""The charge master (DESIGN §14): ``charges by table "FILE"`` charges a line that comes without
an ``amount`` its price per unit times its units (a row with a modifier the line carries before
the row without), read as every table is read; one per rule set; balance by charges explains
every cent of the lines it charged."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from engine_helpers import batch_of, charge, check_conservation, rules_from

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.errors import RuleSetError
from scrubber.formats.emr import dumps_export
from scrubber.formats.results import result_document
from scrubber.tables.prices import charged_batch, load_price_table
from scrubber.tables.problems import TableError

MASTER = "code,amount,modifier,description\n97110,50.00,,Ther exercise\n97110,40.00,CQ,By PTA\n97140,45.50,,Manual\n"
RULES = 'charges by table "tables/chargemaster.csv"\n\nrules any {\n    rule cap: limit 97110 to 2 units per day\n}\n'


def test_a_row_with_a_modifier_prices_the_lines_that_carry_it_before_the_row_without(tmp_path):
    path = tmp_path / "cm.csv"
    path.write_text(MASTER, encoding="utf-8")
    table = load_price_table(path)
    assert table.charge("97110", ("GP",), 3) == Decimal("150.00")
    assert table.charge("97110", ("GP", "CQ"), 3) == Decimal("120.00")
    assert table.charge("97140", (), 2) == Decimal("91.00")
    assert table.charge("97530", (), 2) is None


def test_per_unit_amounts_of_fractions_of_a_cent_are_rounded_half_up_once_per_line(tmp_path):
    path = tmp_path / "cm.csv"
    path.write_text("amount,code\n10.125,97110\n", encoding="utf-8")  # columns in any order
    assert load_price_table(path).charge("97110", (), 3) == Decimal("30.38")  # 30.375


def test_a_windows_1252_charge_master_with_crlf_lines_is_read(tmp_path):
    path = tmp_path / "cm.csv"
    text = MASTER.replace("Manual", "Th\u00e9rapie manuelle").replace("\n", "\r\n")
    path.write_bytes(text.encode("cp1252"))
    assert load_price_table(path).charge("97140", (), 1) == Decimal("45.50")


def test_every_bad_row_is_reported_at_its_line(tmp_path):
    path = tmp_path / "cm.csv"
    path.write_text(
        "code,amount,modifier\n9711,1.00,\n97110,$5.00,\n97112,1.00,gp\n97113,1.00,\n"
        "97113,2.00,\n97116,-1,\n",
        encoding="utf-8",
    )
    with pytest.raises(TableError) as caught:
        load_price_table(path)
    found = [(p.line, p.message) for p in caught.value.problems]
    assert [line for line, _ in found] == [2, 3, 4, 6, 7]
    assert '"9711" is not a code' in found[0][1]
    assert '"$5.00" is not an amount per unit' in found[1][1]
    assert '"gp" is not a modifier' in found[2][1]
    assert "97113 appears twice with different amounts" in found[3][1]


def test_a_line_without_an_amount_is_charged_by_the_master_and_rescaled_when_cut(tmp_path):
    rules = rules_from(tmp_path, RULES, {"chargemaster.csv": MASTER})
    with_amount = dict(charge("97140", 1), amount="60.00")
    batch = batch_of(
        {"charges": [charge("97110", 3), with_amount, charge("97530", 2)]},
        {"charges": [charge("97110", 3, modifiers=("CQ",))], "date_of_service": "2026-03-03"},
    )
    result = rules.scrub(batch)
    billed = result_document(result)["billed"]
    first = {c["cpt"]: c.get("amount") for c in billed[0]["charges"]}
    # 3 x 50.00 cut to 2 units; the EMR's own amount wins; a code the master lacks: no charge
    assert first == {"97110": "100.00", "97140": "60.00", "97530": None}
    assert billed[1]["charges"][0]["amount"] == "80.00"  # the CQ row: 3 x 40.00, cut to 2
    assert [str(e.amount_delta) for e in result.audit] == ["-50.00", "-40.00"]
    check_conservation(charged_batch(batch, rules.program.charge_master), result)


def test_fmt_keeps_the_statement_and_a_second_one_or_one_in_a_block_is_an_error(tmp_path):
    text = '# prices\ncharges   by  table\n  "tables/cm.csv"\nrules any {\n rule d: drop NC001\n}\n'
    formatted = LANGUAGE.format(text)
    assert formatted.startswith('# prices\ncharges by table "tables/cm.csv"\n\nrules any {')
    assert LANGUAGE.format(formatted) == formatted
    assert LANGUAGE.parse(formatted).file.charges == LANGUAGE.parse(text).file.charges
    twice = RULES + 'charges by table "tables/chargemaster.csv"\n'
    with pytest.raises(RuleSetError) as caught:
        rules_from(tmp_path, twice, {"chargemaster.csv": MASTER})
    assert [e.code for e in caught.value.errors] == ["E043"]
    assert caught.value.errors[0].line == 6
    inside = 'rules any {\n charges by table "tables/chargemaster.csv"\n}\n'
    parsed = LANGUAGE.parse(inside)
    assert [e.code for e in parsed.errors] == ["E003"]


def test_a_malformed_or_missing_or_outside_charge_master_is_a_rule_error(tmp_path, capsys):
    bad = MASTER + "97530,abc,,\n"
    with pytest.raises(RuleSetError) as caught:
        rules_from(tmp_path, RULES, {"chargemaster.csv": bad})
    (error,) = caught.value.errors
    assert (error.code, error.line) == ("E041", 5)
    assert error.file.endswith("tables/chargemaster.csv")
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "a.rules").write_text('charges by table "../cm.csv"\n', encoding="utf-8")
    assert main(["check", str(folder)]) == 1
    assert "E042" in capsys.readouterr().out
    (folder / "a.rules").write_text('charges by table "tables/chargemastr.csv"\n', encoding="utf-8")
    (folder / "tables").mkdir()
    (folder / "tables" / "chargemaster.csv").write_text(MASTER, encoding="utf-8")
    main(["check", str(folder)])
    shown = capsys.readouterr()
    assert 'did you mean "chargemaster.csv"' in shown.out + shown.err


def test_balance_by_charges_explains_every_cent_the_charge_master_charged(tmp_path):
    rules_folder = tmp_path / "rules"
    rules_from(tmp_path, RULES, {"chargemaster.csv": MASTER})
    batch = batch_of(
        {"charges": [charge("97110", 4), charge("97140", 1)]},
        {"charges": [charge("97110", 1, modifiers=("CQ",))], "date_of_service": "2026-03-04"},
    )
    export = tmp_path / "export.json"
    export.write_text(dumps_export(batch), encoding="utf-8")
    result = tmp_path / "result.json"
    main(["scrub", str(export), "--rules", str(rules_folder), "-o", str(result),
          "--summary", "none", "--fail-on", "none"])  # fmt: skip
    out = tmp_path / "balance.json"
    code = main(["balance", str(export), str(result), "--rules", str(rules_folder),
                 "--measure", "charges", "--format", "json", "-o", str(out)])  # fmt: skip
    totals = json.loads(out.read_text(encoding="utf-8"))["totals"]
    assert code == 0
    # 4 x 50 + 45.50 + 40 sent; 2 units of 97110 (100.00) cut
    assert (totals["emr_charges"], totals["billed_charges"], totals["unexplained_charges"]) == (
        "285.50", "185.50", "0.00",
    )  # fmt: skip


def test_a_rule_folder_without_a_charge_master_charges_nothing(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule d: drop NC001\n}\n")
    assert rules.program.charge_master is None
    result = rules.scrub(batch_of({"charges": [charge("97110", 3)]}))
    assert "amount" not in result_document(result)["billed"][0]["charges"][0]


def test_the_bundled_rules_name_no_charge_master_so_their_results_are_unchanged():
    assert LANGUAGE.charge_master(()) is None
    assert Path  # the bundled folder is the default of every command


def test_balance_by_charges_explains_every_cent_of_the_bundled_sample_with_a_charge_master(
    tmp_path,
):
    """The issue's acceptance: the bundled sample (every code it sends priced, cents that do
    not divide evenly among units) scrubbed by the bundled rules plus a charge master; every
    cent the EMR sent is billed, held or explained by a rule, none unexplained."""
    import shutil

    from scrubber.resources import bundled_rules_dir
    from scrubber.sample import sample_batch

    folder = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), folder)
    batch = sample_batch()
    codes = sorted({c.cpt for v in batch.visits for c in v.charges})
    rows = "".join(f"{code},{37 + n}.{n % 100:02d}\n" for n, code in enumerate(codes))
    (folder / "tables" / "chargemaster.csv").write_text("code,amount\n" + rows, encoding="utf-8")
    (folder / "chargemaster.rules").write_text(
        'charges by table "tables/chargemaster.csv"\n', encoding="utf-8"
    )
    export = tmp_path / "export.json"
    export.write_text(dumps_export(batch), encoding="utf-8")
    result = tmp_path / "result.json"
    main(["scrub", str(export), "--rules", str(folder), "-o", str(result),
          "--summary", "none", "--fail-on", "none"])  # fmt: skip
    scrubbed = json.loads(result.read_text(encoding="utf-8"))
    assert any(e.get("amount_delta") not in (None, "0.00") for e in scrubbed["audit"])
    out = tmp_path / "balance.json"
    code = main(["balance", str(export), str(result), "--rules", str(folder),
                 "--measure", "charges", "--format", "json", "-o", str(out)])  # fmt: skip
    totals = json.loads(out.read_text(encoding="utf-8"))["totals"]
    assert code == 0
    assert totals["unexplained_charges"] == "0.00"
    assert Decimal(totals["emr_charges"]) > Decimal(totals["billed_charges"]) > 0
