"""Money on every line (DESIGN §14): the charge rescaled with its units, exact to the cent,
``amount_delta`` on every audit entry of a line with a charge, and the second invariant (EMR
charge = billed + held + what the audit took) on the batch, stream, history and Dask paths (the
X12 path checks it in tests/test_x12.py, through ``check_conservation``)."""

from __future__ import annotations

import io
import shutil
import tempfile
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import attrs
import pytest
from engine_helpers import batch_of, check_conservation, compile_files, rules_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import history_batches, rule_texts

from scrubber.engine import RuleSet
from scrubber.formats.emr import dumps_export, iter_jsonl
from scrubber.formats.results import dumps_audit, dumps_result, read_result, result_document
from scrubber.history import HistoryStore
from scrubber.load import load_rules
from scrubber.model.measures import CHARGES, MEASURES, UNITS, rescaled
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult
from scrubber.sample import sample_batch

RELAXED = settings(suppress_health_check=list(HealthCheck), deadline=None, max_examples=40)


def _line(cpt: str, units: int, amount: str | None, id: str = "") -> dict[str, object]:
    line: dict[str, object] = {"id": id, "cpt": cpt, "units": units, "minutes": None}
    if amount is not None:
        line["amount"] = amount
    return line


def test_a_100_dollar_line_of_3_units_cut_to_2_bills_66_67_and_the_audit_says_minus_33_33(
    tmp_path,
):
    rules = rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per day\n}\n")
    batch = batch_of({"charges": [_line("97110", 3, "100.00")]})
    result = rules.scrub(batch)
    check_conservation(batch, result)
    document = result_document(result)
    assert document["billed"][0]["charges"][0]["amount"] == "66.67"
    entry = document["audit"][0]
    assert (entry["amount_delta"], entry["amount"]) == ("-33.33", "66.67")
    assert Decimal("66.67") + Decimal("33.33") == Decimal("100.00")


def test_each_cut_rescales_what_the_one_before_left_and_the_sum_stays_exact(tmp_path):
    rules = rules_from(
        tmp_path,
        "rules any {\n rule a: limit 97110 to 2 units per day\n}\n"
        "rules any {\n rule b: limit 97110 to 1 units per day\n}\n",
    )
    batch = batch_of({"charges": [_line("97110", 3, "100.00")]})
    result = rules.scrub(batch)
    check_conservation(batch, result)
    assert [e.amount_delta for e in result.audit] == [Decimal("-33.33"), Decimal("-33.33")]
    # 66.67 x 1 / 2 = 33.335, half up: 33.34; 33.34 + 33.33 + 33.33 = 100.00
    assert result.billed[0].charges[0].amount == Decimal("33.34")


def test_a_removed_line_keeps_no_charge_a_replaced_one_keeps_its_charge(tmp_path):
    rules = rules_from(
        tmp_path,
        "rules any {\n rule nc: drop NC001\n rule swap: replace 97140 with 97530\n}\n",
    )
    batch = batch_of(
        {
            "charges": [
                _line("NC001", 1, "10.00"),
                _line("97140", 2, "80.00"),
                _line("97110", 1, None),
            ]
        }
    )
    result = rules.scrub(batch)
    check_conservation(batch, result)
    drop, swap = result.audit
    assert (drop.amount_delta, drop.amount) == (Decimal("-10.00"), Decimal("0.00"))
    assert (swap.amount_delta, swap.amount) == (Decimal("0.00"), Decimal("80.00"))
    billed = {c.cpt: c.amount for c in result.billed[0].charges}
    assert billed == {"97530": Decimal("80.00"), "97110": None}


def test_lines_without_a_charge_get_no_money_fields_so_earlier_results_read_the_same(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per day\n}\n")
    batch = batch_of({"charges": [_line("97110", 3, None)]})
    record = result_document(rules.scrub(batch))["audit"][0]
    assert "amount_delta" not in record and "amount" not in record


def test_a_held_visit_carries_the_charges_it_holds(tmp_path):
    rules = rules_from(
        tmp_path,
        "rules any {\n rule cap: limit 97110 to 2 units per day\n"
        ' rule h: hold "Check" when visit.location = "Main St"\n}\n',
    )
    batch = batch_of({"charges": [_line("97110", 3, "100.00"), _line("97140", 1, "45.10")]})
    result = rules.scrub(batch)
    check_conservation(batch, result)
    held = result_document(result)["exceptions"][0]
    assert [c["amount"] for c in held["charges"]] == ["66.67", "45.10"]
    assert held["amount"] == "111.77"


def test_money_fields_read_back_and_stay_out_of_the_csv_columns(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per day\n}\n")
    batch = batch_of({"charges": [_line("97110", 3, "100.00")]})
    result = rules.scrub(batch)
    path = tmp_path / "result.json"
    path.write_text(dumps_result(result), encoding="utf-8")
    assert read_result(path).audit == result.audit
    header, row = dumps_audit(result.audit, "csv").splitlines()
    assert len(header.split(",")) == len(row.split(",")) and "amount" not in header


def test_a_bad_amount_delta_in_a_result_is_refused_with_its_path(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per day\n}\n")
    text = dumps_result(rules.scrub(batch_of({"charges": [_line("97110", 3, "100.00")]})))
    path = tmp_path / "result.json"
    path.write_text(text.replace('"-33.33"', '"lots"'), encoding="utf-8")
    with pytest.raises(Exception, match=r"result\.audit\[0\]\.amount_delta: expected an amount"):
        read_result(path)


@pytest.mark.parametrize(
    ("amount", "before", "after", "expected"),
    [("100.00", 3, 2, "66.67"), ("100.00", 3, 1, "33.33"), ("0.05", 2, 1, "0.03"),
     ("-0.05", 2, 1, "-0.03"), ("7.00", 3, 3, "7.00"), ("7.00", 3, 0, "0.00")],
)  # fmt: skip
def test_rescaling_rounds_half_up_to_the_cent(amount, before, after, expected):
    assert rescaled(Decimal(amount), before, after) == Decimal(expected)


def test_both_measures_are_one_description():
    assert [m.name for m in MEASURES] == ["units", "charges"]
    assert (UNITS.delta, UNITS.level, CHARGES.delta, CHARGES.level) == (
        "units_delta", "units", "amount_delta", "amount",
    )  # fmt: skip


# ---- the invariant on every path ------------------------------------------------------------


def _stream(rules: RuleSet, batch: Batch, history: HistoryStore | None = None) -> ScrubResult:
    text = dumps_export(batch, "jsonl")
    days = list(
        rules.scrub_stream(iter_jsonl(io.StringIO(text).read().split("\n")), history=history)
    )
    return ScrubResult(
        tuple(v for d in days for v in d.billed),
        tuple(h for d in days for h in d.exceptions),
        (),
        tuple(e for d in days for e in d.audit),
        tuple(w for d in days for w in d.warnings),
    )


def _by_date(batch: Batch) -> Batch:
    return attrs.evolve(batch, visits=tuple(sorted(batch.visits, key=lambda v: v.date_of_service)))


def _part(batch: Batch, keep) -> Batch:  # type: ignore[no-untyped-def]
    return attrs.evolve(batch, visits=tuple(v for v in batch.visits if keep(v)), rejected=())


@RELAXED
@given(files=rule_texts(), batch=history_batches, split=st.integers(0, 7))
def test_the_money_invariant_holds_on_the_batch_stream_and_history_paths(files, batch, split):
    rules = compile_files(files)
    batch = _by_date(batch)
    check_conservation(batch, rules.scrub(batch))
    check_conservation(batch, _stream(rules, batch))
    days = sorted({v.date_of_service for v in batch.visits}) or [date(2026, 1, 1)]
    cut = days[min(split, len(days) - 1)]
    early = _part(batch, lambda v: v.date_of_service < cut)
    late = _part(batch, lambda v: v.date_of_service >= cut)
    with tempfile.TemporaryDirectory() as folder:
        one, two = Path(folder) / "one.sqlite", Path(folder) / "two.sqlite"
        with HistoryStore.open(one) as store:
            check_conservation(early, rules.scrub(early, history=store))
        shutil.copy(one, two)
        with HistoryStore.open(one) as store:
            check_conservation(late, rules.scrub(late, history=store))
        with HistoryStore.open(two) as store:
            check_conservation(late, _stream(rules, late, history=store))


def _priced_sample(visits: int, seed: int) -> Batch:
    """The sample export with a charge on most lines (cents that do not divide evenly)."""
    batch = sample_batch(visits, seed=seed, visits_per_day=15)
    priced = []
    for n, visit in enumerate(batch.visits):
        charges = tuple(
            c
            if (n + i) % 5 == 0
            else attrs.evolve(c, amount=Decimal("33.34") * max(c.units, 1) + Decimal("0.01") * i)
            for i, c in enumerate(visit.charges)
        )
        priced.append(attrs.evolve(visit, charges=charges))
    return attrs.evolve(batch, visits=tuple(priced))


@settings(deadline=None, max_examples=4, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(1, 119), max_size=3))
def test_the_money_invariant_holds_on_the_dask_path_and_equals_the_batch(seed, cuts):
    pytest.importorskip("dask")
    from scrubber.distributed import scrub_partitions

    rules = load_rules()
    batch = _priced_sample(60, seed)
    whole = rules.scrub(batch)
    check_conservation(batch, whole)
    assert any(e.amount_delta for e in whole.audit), "the sample's rules cut charged lines"
    lines = dumps_export(batch, "jsonl").splitlines(keepends=True)
    with tempfile.TemporaryDirectory() as folder:
        bounds = [0, *sorted(c % len(lines) for c in cuts), len(lines)]
        parts = []
        for n, (start, end) in enumerate(pairwise(bounds)):
            part = Path(folder) / f"part-{n}.jsonl"
            part.write_text("".join(lines[start:end]), encoding="utf-8")
            parts.append(part)
        got = scrub_partitions(parts).collect(scheduler="sync")
    check_conservation(batch, attrs.evolve(got, rejected=()))
    assert dumps_result(got) == dumps_result(whole)


def test_the_scrub_summary_adds_up_the_charges_billed_held_and_scrubbed_off(tmp_path, capsys):
    from scrubber.cli import main

    golden = Path(__file__).parent / "golden" / "x12"
    code = main([
        "scrub", str(golden / "commercial_prior_auth" / "input.x12"), "--rules",
        str(golden / "rules"), "-o", str(tmp_path / "out.x12"), "--summary", "json",
    ])  # fmt: skip
    assert code == 0
    import json

    money = json.loads(capsys.readouterr().err)["charges"]
    assert money == {
        "emr": "280.00", "billed": "140.00", "held": "70.00", "scrubbed_off": "70.00",
        "scrubbed_by_rule": {"claims/two-a-day": "70.00"},
    }  # fmt: skip


def test_the_summary_says_nothing_of_charges_when_no_line_has_one(tmp_path, capsys):
    from scrubber.cli import main

    export = tmp_path / "export.json"
    export.write_text(dumps_export(sample_batch(10, seed=3), "json"), encoding="utf-8")
    main(["scrub", str(export), "-o", str(tmp_path / "r.json"), "--summary", "text"])
    assert "charges" not in capsys.readouterr().err


def test_the_worklist_shows_the_charges_each_held_visit_holds_up_and_sorts_by_them(
    tmp_path, capsys
):
    import json

    from scrubber.cli import main

    rules_from(
        tmp_path,
        "rules any {\n rule cap: limit 97110 to 2 units per visit\n"
        ' rule h: hold "Check the visit" when visit.location = "Main St"\n}\n',
    )
    batch = batch_of(
        {"charges": [_line("97110", 1, "20.00")]},
        {"charges": [_line("97110", 3, "100.00"), _line("97140", 1, "45.10")]},
        {"charges": [_line("97110", 1, None)]},
        {"charges": [_line("97110", 1, "30.00")]},
    )
    export = tmp_path / "export.json"
    export.write_text(dumps_export(batch, "json"), encoding="utf-8")
    result = tmp_path / "result.json"
    main(["scrub", str(export), "--rules", str(tmp_path / "rules"), "-o", str(result),
          "--fail-on", "none", "--summary", "none"])  # fmt: skip
    out = tmp_path / "worklist.json"
    for sort, order in (("export", ["V1", "V2", "V3", "V4"]), ("amount", ["V2", "V4", "V1", "V3"])):
        main(["worklist", str(export), str(result), "--rules", str(tmp_path / "rules"),
              "--format", "json", "--sort", sort, "-o", str(out)])  # fmt: skip
        document = json.loads(out.read_text(encoding="utf-8"))
        assert [item["visit_id"] for item in document["items"]] == order
    assert document["held_amount"] == "161.77"  # 66.67 + 45.10 + 30.00 + 20.00
    amounts = {item["visit_id"]: item.get("amount") for item in document["items"]}
    assert amounts == {"V1": "20.00", "V2": "111.77", "V3": None, "V4": "30.00"}
    main(["worklist", str(export), str(result), "--rules", str(tmp_path / "rules"), "--sort",
          "amount", "-o", str(tmp_path / "worklist.txt")])  # fmt: skip
    table = (tmp_path / "worklist.txt").read_text(encoding="utf-8")
    assert "(3 units held, charges 111.77 held)" in table
    sheet = tmp_path / "worklist.csv"
    main(["worklist", str(export), str(result), "--rules", str(tmp_path / "rules"),
          "--format", "csv", "-o", str(sheet)])  # fmt: skip
    import csv

    rows = list(csv.DictReader(sheet.read_text(encoding="utf-8").splitlines()))
    # the long form pivots right: the charges held sum once per visit, as the units do
    assert sum(Decimal(r["amount"]) for r in rows if r["amount"]) == Decimal("161.77")
    assert [r["amount"] for r in rows if r["line"] == "reason"] == ["", "", "", ""]
    capsys.readouterr()


def test_balance_by_charges_explains_every_cent_of_the_priced_sample_in_every_format():
    import csv
    import json

    from scrubber.reports.balance import balance
    from scrubber.reports.render import render_csv, render_json, render_table

    batch = _priced_sample(150, seed=5)
    result = load_rules().scrub(batch)
    report = balance(batch, result, measure=CHARGES)
    assert report.balanced and report.totals.unexplained_units == 0
    totals = report.totals
    assert totals.emr_units == sum(
        (CHARGES.charge_level(c) for v in batch.visits for c in v.charges), start=Decimal(0)
    )
    assert totals.billed_units == sum(
        (c.amount or Decimal(0) for v in result.billed for c in v.charges), start=Decimal(0)
    )
    assert totals.emr_units - totals.billed_units == sum(c.units for c in totals.causes)
    document = json.loads(render_json(report))["totals"]
    assert document["unexplained_charges"] == "0.00"
    assert all(isinstance(c["charges"], str) for c in document["causes"])
    assert Decimal(document["emr_charges"]) == totals.emr_units
    assert "unexplained: 0 visits, 0.00 in charges" in render_table(report)
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    emr = sum(Decimal(r["charges"]) for r in rows if r["figure"] == "emr")
    billed = sum(Decimal(r["charges"]) for r in rows if r["figure"] == "billed")
    causes = sum(Decimal(r["charges"]) for r in rows if r["figure"] == "cause")
    assert emr == billed + causes == totals.emr_units - totals.billed_units + billed
    # the units report of the same scrub is the one it always was
    assert balance(batch, result) == balance(batch, result, measure=UNITS)


def test_balance_by_charges_on_an_837p_from_the_command_line(tmp_path, capsys):
    import json

    from scrubber.cli import main

    golden = Path(__file__).parent / "golden" / "x12"
    source, rules = str(golden / "medicare_pta_kx" / "input.x12"), str(golden / "rules")
    result = tmp_path / "result.json"
    main(["scrub", source, "--rules", rules, "-o", str(tmp_path / "o.x12"), "--result",
          str(result), "--summary", "none", "--fail-on", "none"])  # fmt: skip
    out = tmp_path / "balance.json"
    code = main(["balance", source, str(result), "--rules", rules, "--measure", "charges",
                 "--format", "json", "-o", str(out)])  # fmt: skip
    totals = json.loads(out.read_text(encoding="utf-8"))["totals"]
    assert code == 0
    assert (totals["emr_charges"], totals["billed_charges"], totals["unexplained_charges"]) == (
        "480.00", "320.00", "0.00",
    )  # fmt: skip
    assert sum(Decimal(c["charges"]) for c in totals["causes"]) == Decimal("160.00")
    page = tmp_path / "b.html"
    assert main(["balance", source, str(result), "--rules", rules, "--measure", "charges",
                 "--format", "html", "-o", str(page)]) == 0  # fmt: skip
    html = page.read_text(encoding="utf-8")
    # the page is in dollars: the cards, the charts, the unexplained 0.00
    assert "EMR visits / charges" in html and "$480.00" in html and "$320.00" in html
    assert "Charges not billed, by cause" in html and "Where the charges went" in html
    assert "0 / 0.00" in html and "Units not billed" not in html
    assert "$160.00" in html


def test_a_result_with_amounts_of_many_digits_reads_back_exactly(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per day\n}\n")
    amount = "10068.531982136589275348411971"
    batch = batch_of({"charges": [_line("97110", 3, amount)]})
    result = rules.scrub(batch)
    check_conservation(batch, result)
    path = tmp_path / "result.json"
    path.write_text(dumps_result(result), encoding="utf-8")
    assert read_result(path).audit == result.audit
    assert result.audit[0].amount_delta == Decimal("6712.35") - Decimal(amount)
