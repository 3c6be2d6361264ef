"""``scrubber reconcile``: the scrub result against billing's own charge report. A test per kind,
the late import that makes daily totals drift while weekly totals agree, and a property: a
billing report built from a result with discrepancies planted at random reports exactly those."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import attrs
from engine_helpers import batch_of, charge, rules_from
from hypothesis import given
from hypothesis import strategies as st

from scrubber.cli import main
from scrubber.formats.billing import BillingCharge, BillingReport, read_billing
from scrubber.formats.emr import write_export
from scrubber.formats.results import dumps_result
from scrubber.load import load_rules
from scrubber.reports.reconcile import Kind, reconcile
from scrubber.reports.reconcile_render import reconcile_csv, reconcile_document
from scrubber.sample import sample_batch, sample_billing

RULES = """\
rules any {
    rule no-bill "Codes that never flow": drop NORCM
    rule cap "At most 2 units of 97110 a day": limit 97110 to 2 units per day
    rule zip "A 9-digit ZIP": hold "Invalid Postal Code" unless patient.address.postal_code matches /^[0-9]{9}$/
}
"""
HEADER = "visit_id,date_of_service,created_on,location,cpt,units\n"
MON = date(2026, 11, 2)  # a Monday


def _scrub(tmp_path, *visits, postal_code="850041234"):
    """Visits of one patient; a 5-digit ``postal_code`` makes the ZIP rule hold them."""
    batch = batch_of(*visits)
    patient = batch.patients[0]
    address = attrs.evolve(patient.addresses[0], postal_code=postal_code)
    batch = attrs.evolve(batch, patients=(attrs.evolve(patient, addresses=(address,)),))
    return batch, rules_from(tmp_path, RULES).scrub(batch)


def _billing(*lines: tuple[str, date, date, str, int]) -> BillingReport:
    return BillingReport("billing.csv", tuple(
        BillingCharge(n, visit, day, created, "Main St", cpt, units)
        for n, (visit, day, created, cpt, units) in enumerate(lines, start=2)
    ), ())  # fmt: skip


def _kinds(report) -> dict[tuple[str, str], Kind]:
    return {(fact.visit_id, fact.cpt): fact.kind for fact in report.facts}


def _visit(day: date, *charges, finalized: date | None = None, **fields):
    return {"date_of_service": day.isoformat(), "finalized_on": (finalized or day).isoformat(),
            "charges": list(charges), **fields}  # fmt: skip


# ---- one test per kind ----------------------------------------------------------------------------


def test_matched_when_billing_holds_what_the_result_bills(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON, charge("97110", 3, 45)))
    report = reconcile(batch, result, _billing(("V1", MON, MON, "97110", 2)))
    assert _kinds(report) == {("V1", "97110"): Kind.MATCHED}
    assert report.reconciled and report.totals.unexplained_units == 0


def test_held_pending_when_a_held_visit_is_not_in_billing(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON, charge("97140", 1, 15)), postal_code="85004")
    assert result.exceptions, "a 5-digit ZIP holds the visit"
    report = reconcile(batch, result, _billing())
    assert _kinds(report) == {("V1", "97140"): Kind.HELD_PENDING} and report.reconciled


def test_released_hold_when_a_held_visit_was_fixed_and_imported(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON, charge("97140", 1, 15)), postal_code="85004")
    later = MON + timedelta(days=2)
    report = reconcile(batch, result, _billing(("V1", MON, later, "97140", 1)))
    # released_hold wins over late_import
    assert _kinds(report) == {("V1", "97140"): Kind.RELEASED_HOLD} and report.reconciled


def test_late_import_when_billing_created_it_after_the_emr_finalized_it(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON + timedelta(days=2), charge("97140", 1, 15)))
    created = MON + timedelta(days=3)
    report = reconcile(
        batch, result, _billing(("V1", MON + timedelta(days=2), created, "97140", 1))
    )
    assert _kinds(report) == {("V1", "97140"): Kind.LATE_IMPORT} and report.reconciled


def test_not_flowing_when_a_rule_dropped_it_and_billing_lacks_it(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON, charge("NORCM", 1), charge("97140", 1, 15)))
    report = reconcile(batch, result, _billing(("V1", MON, MON, "97140", 1)))
    assert _kinds(report) == {("V1", "NORCM"): Kind.NOT_FLOWING, ("V1", "97140"): Kind.MATCHED}


def test_a_visit_with_no_charge_is_not_flowing(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON))
    assert _kinds(reconcile(batch, result, _billing())) == {("V1", ""): Kind.NOT_FLOWING}


def test_missing_in_billing(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON, charge("97140", 1, 15), charge("97110", 2, 30)))
    report = reconcile(batch, result, _billing(("V1", MON, MON, "97140", 1)))
    assert _kinds(report)[("V1", "97110")] is Kind.MISSING_IN_BILLING
    assert (report.totals.unexplained_visits, report.totals.unexplained_units) == (1, 2)
    assert not report.reconciled


def test_extra_in_billing_for_a_code_and_for_a_visit_the_export_never_sent(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON, charge("97140", 1, 15)))
    report = reconcile(batch, result, _billing(
        ("V1", MON, MON, "97140", 1), ("V1", MON, MON, "97530", 2), ("V99", MON, MON, "97110", 1),
    ))  # fmt: skip
    kinds = _kinds(report)
    assert kinds[("V1", "97530")] is kinds[("V99", "97110")] is Kind.EXTRA_IN_BILLING
    assert (report.totals.unexplained_visits, report.totals.unexplained_units) == (2, 3)


def test_unit_mismatch_shows_both_numbers_and_differences_never_cancel(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON, charge("97140", 2, 30), charge("97530", 2, 30)))
    report = reconcile(
        batch, result, _billing(("V1", MON, MON, "97140", 3), ("V1", MON, MON, "97530", 1))
    )
    facts = {fact.cpt: fact for fact in report.facts}
    assert facts["97140"].kind is facts["97530"].kind is Kind.UNIT_MISMATCH
    assert (facts["97140"].expected_units, facts["97140"].billing_units) == (2, 3)
    # one visit, and a unit too many with a unit too few: 2 units apart, not 0
    assert (report.totals.unexplained_visits, report.totals.unexplained_units) == (1, 2)


# ---- the classic case: a late import -----------------------------------------------------------


def test_a_late_import_makes_daily_totals_drift_and_weekly_agree(tmp_path):
    """Charges finalized on 11/4 that sat on billing's side and were created on 11/5."""
    wed, thu = MON + timedelta(days=2), MON + timedelta(days=3)
    batch, result = _scrub(tmp_path, _visit(wed, charge("97140", 2, 30)))
    billing = _billing(("V1", wed, thu, "97140", 2))
    daily = reconcile(batch, result, billing, by="created_on")
    assert [(r.period, r.expected_units, r.billing_units) for r in daily.rows] == [
        (wed, 2, 0), (thu, 0, 2),
    ]  # fmt: skip
    assert daily.reconciled and _kinds(daily) == {("V1", "97140"): Kind.LATE_IMPORT}
    weekly = reconcile(batch, result, billing, by="created_on", period="week")
    assert [(r.period, r.expected_units, r.billing_units) for r in weekly.rows] == [(MON, 2, 2)]
    assert weekly.crossings == ()


def test_a_late_import_across_a_weekend_is_named(tmp_path):
    fri, next_mon = MON + timedelta(days=4), MON + timedelta(days=7)
    batch, result = _scrub(tmp_path, _visit(fri, charge("97140", 1, 15)))
    weekly = reconcile(batch, result, _billing(("V1", fri, next_mon, "97140", 1)), by="created_on",
                       period="week")  # fmt: skip
    assert [f.visit_id for f in weekly.crossings] == ["V1"] and weekly.reconciled


# ---- the billing report -------------------------------------------------------------------------


def test_columns_of_other_names_dates_as_us_systems_write_them_and_bad_lines(tmp_path):
    path = tmp_path / "billing.csv"
    path.write_text(
        "Encounter,DOS,Entry Date,Clinic,CPT,Qty,Provider\n"
        "V1,11/02/2026,11/3/2026,Main St,97140,1,PT1\n"
        "V2,2026-11-02,2026-11-02,Mesa,97110,two,PT1\n"
        "V3,2026-13-02,2026-11-02,Mesa,97110,1,PT1\n",
        encoding="utf-8",
    )
    columns = {"visit_id": "encounter", "date_of_service": "DOS", "created_on": "entry  date",
               "location": "Clinic", "units": "qty"}  # fmt: skip
    report = read_billing(path, columns)
    assert report.charges == (
        BillingCharge(2, "V1", MON, MON + timedelta(days=1), "Main St", "97140", 1),
    )
    assert [(r.line, r.errors) for r in report.rejected] == [
        (3, ("line 3: units: 'two' is not a whole number of units",)),
        (4, ("line 4: date_of_service: '2026-13-02' is not a date (YYYY-MM-DD or MM/DD/YYYY)",)),
    ]


def test_a_report_without_a_column_is_one_line_naming_it(tmp_path, capsys):
    export, result = _files(tmp_path)
    billing = tmp_path / "billing.csv"
    billing.write_text("visit_id,date_of_service,location,cpt,units\n", encoding="utf-8")
    assert main(["reconcile", str(export), str(result), str(billing)]) == 2
    err = capsys.readouterr().err
    assert "no column created_on in the header" in err and "--columns" in err
    assert len(err.strip().splitlines()) == 1


# ---- the command line ---------------------------------------------------------------------------


def _files(tmp_path: Path) -> tuple[Path, Path]:
    batch = sample_batch(30, seed=3, visits_per_day=6)
    export = tmp_path / "export.json"
    write_export(batch, export)
    result = tmp_path / "result.json"
    result.write_text(dumps_result(load_rules().scrub(batch)), encoding="utf-8")
    return export, result


def test_the_command_line_in_every_format_and_its_exit_codes(tmp_path, capsys):
    export, result = _files(tmp_path)
    from scrubber.formats.emr import read_export
    from scrubber.formats.results import read_result

    billing = tmp_path / "billing.csv"
    billing.write_text(sample_billing(read_export(export), read_result(result)), encoding="utf-8")
    for view in ("table", "csv", "json", "html"):
        out = tmp_path / f"report.{view}"
        assert main(["reconcile", str(export), str(result), str(billing), "--format", view,
                     "-o", str(out)]) == 1  # fmt: skip
        assert out.read_text(encoding="utf-8")
    document = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    totals = document["totals"]
    assert {"unexplained_visits", "unexplained_units"} <= set(totals)
    assert totals["unexplained_visits"] == 3
    assert {"visit_id", "cpt", "kind", "explained", "expected_units", "billing_units"} <= set(
        document["discrepancies"][0]
    )
    assert all(item["kind"] != "matched" for item in document["discrepancies"])
    # a perfect billing report: exit 0
    perfect = tmp_path / "perfect.csv"
    lines = [HEADER.strip()]
    for visit in read_result(result).billed:
        for c in visit.charges:
            lines.append(
                f"{visit.id},{visit.date_of_service},{visit.date_of_service},x,{c.cpt},{c.units}"
            )
    perfect.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert (
        main(["reconcile", str(export), str(result), str(perfect), "--by", "date_of_service"]) == 0
    )


def test_a_result_of_another_export_is_refused_by_every_report(tmp_path, capsys):
    _, result = _files(tmp_path)
    other = tmp_path / "other.json"
    write_export(sample_batch(30, seed=9, visits_per_day=6), other)
    billing = tmp_path / "billing.csv"
    billing.write_text(HEADER, encoding="utf-8")
    for argv in (["reconcile", str(other), str(result), str(billing)],
                 ["balance", str(other), str(result)], ["worklist", str(other), str(result)]):  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "the result of scrubbing" in err and "bug" not in err
        assert len(err.strip().splitlines()) == 1


def test_an_edited_result_is_refused_not_called_a_bug(tmp_path, capsys):
    export, result = _files(tmp_path)
    document = json.loads(result.read_text(encoding="utf-8"))
    document["billed"][0]["charges"][0]["units"] += 1
    result.write_text(json.dumps(document), encoding="utf-8")
    assert main(["balance", str(export), str(result)]) == 2
    assert "do not add up" in capsys.readouterr().err


def test_the_csv_is_one_line_per_visit_and_code_and_pivots_to_the_totals(tmp_path):
    batch, result = _scrub(tmp_path, _visit(MON, charge("97140", 2, 30), charge("97530", 2, 30)),
                              _visit(MON, charge("97110", 1, 15), location="=cmd|' /C calc'!A0"))  # fmt: skip
    report = reconcile(
        batch, result, _billing(("V1", MON, MON, "97140", 3), ("V2", MON, MON, "97110", 1))
    )
    lines = list(csv.DictReader(io.StringIO(reconcile_csv(report))))
    assert len(lines) == len(report.facts) == 3
    assert sum(int(line["expected_units"]) for line in lines) == report.totals.expected_units
    assert sum(int(line["billing_units"]) for line in lines) == report.totals.billing_units
    assert sum(int(line["difference"]) for line in lines) == report.totals.unexplained_units == 3
    assert {line["location"] for line in lines} == {"Main St", "'=cmd|' /C calc'!A0"}


def test_the_sample_billing_report_of_the_docs_is_current():
    docs = Path(__file__).resolve().parent.parent / "docs" / "examples"
    from scrubber.formats.emr import read_export

    batch = read_export(docs / "emr_export.json")
    assert (docs / "billing_charges.csv").read_text(encoding="utf-8") == sample_billing(
        batch, load_rules().scrub(batch)
    ), "regenerate docs/examples/billing_charges.csv with scrubber.sample.sample_billing"


# ---- the property: planted discrepancies are found, exactly ----------------------------------------


@cache
def _scrubbed(seed: int):
    batch = sample_batch(24, seed=seed, visits_per_day=6)
    return batch, load_rules().scrub(batch)


@st.composite
def planted(draw):
    """A result, billing's report of it with mistakes planted at random (a visit lost, units
    keyed more or fewer, a code added by hand, a visit billing made up), some holds released,
    some imports late; and the unexplained facts those plants must give, by the definitions."""
    seed = draw(st.integers(0, 5))
    batch, result = _scrubbed(seed)
    visits = {visit.id: visit for visit in batch.visits}
    lines: list[BillingCharge] = []
    for visit in (visit for visit in result.billed if visit.charges):
        day = visits[visit.id].finalized_on or visit.date_of_service
        plant = draw(st.sampled_from(["none"] * 6 + ["lose", "more", "fewer", "extra", "late"]))
        if plant == "lose":
            continue
        created = day + timedelta(days=draw(st.integers(1, 9))) if plant == "late" else day
        for n, c in enumerate(visit.charges):
            units = c.units
            if n == 0 and plant == "more":
                units += draw(st.integers(1, 3))
            elif n == 0 and plant == "fewer":
                units -= draw(st.integers(1, c.units))
            if units:
                lines.append(BillingCharge(0, visit.id, visit.date_of_service, created,
                                           visit.location, c.cpt, units))  # fmt: skip
        if plant == "extra":
            lines.append(BillingCharge(0, visit.id, visit.date_of_service, day, visit.location,
                                       draw(st.sampled_from(["G0283", "97140"])), 2))  # fmt: skip
    if draw(st.booleans()):
        lines.append(BillingCharge(0, "NOT-IN-EXPORT", date(2026, 3, 2), date(2026, 3, 2),
                                   "Mesa", "97110", 1))  # fmt: skip
    released = {held.visit_id for held in result.exceptions if draw(st.booleans())}
    for held in result.exceptions:
        if held.visit_id in released:
            lines += [BillingCharge(0, held.visit_id, held.date_of_service, held.date_of_service,
                                    "Mesa", c.cpt, c.units) for c in held.charges]  # fmt: skip
    # What the plants must give: per visit and code, the result's units against billing's.
    want: dict[tuple[str, str], int] = {}
    for visit in result.billed:
        for c in visit.charges:
            want[(visit.id, c.cpt)] = want.get((visit.id, c.cpt), 0) + c.units
    have: dict[tuple[str, str], int] = {}
    for line in lines:
        have[(line.visit_id, line.cpt)] = have.get((line.visit_id, line.cpt), 0) + line.units
    held_ids = {held.visit_id for held in result.exceptions}
    expected = {}
    for key in want.keys() | have.keys():
        if key[0] in held_ids:
            continue
        e, b = want.get(key, 0), have.get(key, 0)
        if e != b:
            kind = (Kind.MISSING_IN_BILLING if not b else Kind.EXTRA_IN_BILLING if not e
                    else Kind.UNIT_MISMATCH)  # fmt: skip
            expected[key] = (kind, abs(e - b))
    order = draw(st.permutations(range(len(lines))))
    report = BillingReport("billing.csv", tuple(lines[i] for i in order), ())
    return batch, result, report, expected, released


@given(
    planted(), st.sampled_from(["date_of_service", "created_on"]), st.sampled_from(["day", "week"])
)
def test_planted_discrepancies_are_reported_exactly(case, by, period):
    batch, result, billing, expected, released = case
    report = reconcile(batch, result, billing, by=by, period=period)
    found = {(f.visit_id, f.cpt): (f.kind, f.difference) for f in report.facts if not f.explained}
    assert found == expected
    assert report.totals.unexplained_units == sum(units for _, units in expected.values())
    assert report.totals.unexplained_visits == len({visit for visit, _ in expected})
    kinds = _kinds(report)
    for held in result.exceptions:
        want = Kind.RELEASED_HOLD if held.visit_id in released else Kind.HELD_PENDING
        assert {kinds[key] for key in kinds if key[0] == held.visit_id} == {want}
    # every row adds up to the totals, whatever the period
    for name in ("emr_units", "expected_units", "billing_units", "unexplained_units"):
        assert sum(getattr(row, name) for row in report.rows) == getattr(report.totals, name)
    assert report.reconciled == (not expected)
    document = reconcile_document(report)
    assert len(document["discrepancies"]) == sum(
        1 for f in report.facts if f.kind is not Kind.MATCHED
    )
