"""Balancing: every visit and unit of difference explained, the unexplained remainder always 0."""

import io
import json
import os
from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from engine_helpers import compile_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import rule_batches, rule_texts

from scrubber.cli import main
from scrubber.formats.emr import read_export
from scrubber.formats.results import dumps_result, read_result
from scrubber.load import load_rules
from scrubber.model.records import Batch
from scrubber.reports.balance import balance
from scrubber.reports.pages import balance_page
from scrubber.reports.render import render_csv, render_json, render_table
from scrubber.reports.worklist import worklist

GOLDEN = Path(__file__).parent / "golden" / "balance"
RELAXED = settings(suppress_health_check=list(HealthCheck), deadline=None)
COUNTS = ("emr_visits", "emr_units", "billed_visits", "billed_units", "new_patient_visits_emr",
          "new_patient_visits_billed")  # fmt: skip


@pytest.fixture(scope="module")
def golden():
    batch = read_export(GOLDEN / "export.json")
    result = load_rules(GOLDEN / "rules").scrub(batch)
    return batch, result


def test_the_golden_sample_balances_row_by_row(golden):
    batch, result = golden
    report = balance(batch, result)
    assert report.balanced
    assert report.totals.emr_visits == len(batch.visits)
    assert len(report.rejected) == 2
    assert any(c.cause == "held" for c in report.totals.causes), "the fixture holds visits"
    for row in (*report.rows, report.totals):
        assert row.emr_visits == row.billed_visits + sum(c.visits for c in row.causes)
        assert row.emr_units == row.billed_units + sum(c.units for c in row.causes)


@pytest.mark.parametrize(
    ("name", "render"),
    [("table.txt", render_table), ("report.csv", render_csv), ("report.json", render_json)],
)
def test_golden_outputs(golden, name, render):
    text = render(balance(*golden))
    expected = GOLDEN / f"expected.{name}"
    if os.environ.get("SCRUBBER_UPDATE_GOLDEN"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")


def test_json_totals_have_the_contract_fields(golden):
    totals = json.loads(render_json(balance(*golden)))["totals"]
    for key in ("emr_visits", "billed_visits", "emr_units", "billed_units", "causes",
                "unexplained_visits", "unexplained_units", "new_patient_visits"):  # fmt: skip
        assert key in totals
    assert set(totals["new_patient_visits"]) == {"emr", "billed"}
    held = [c for c in totals["causes"] if c["cause"] == "held"]
    assert held and all({"reason", "visits", "units"} <= set(c) for c in held)
    assert all("rule" in c for c in totals["causes"] if c["cause"] == "rule")


def test_a_result_read_back_from_json_balances_the_same(golden):
    batch, result = golden
    again = read_result(io.StringIO(dumps_result(result)))
    assert again == result
    assert balance(batch, again) == balance(batch, result)


def test_replaced_codes_are_moved_not_lost(tmp_path):
    from engine_helpers import batch_of, charge, rules_from

    rules = rules_from(tmp_path, "rules any {\n rule estim: replace 97014 with G0283\n}\n")
    batch = batch_of({"charges": [charge("97014", 2)]})
    report = balance(batch, rules.scrub(batch))
    codes = {c.cpt: c for c in report.totals.units_by_cpt}
    assert (codes["97014"].emr, codes["97014"].moved_out, codes["97014"].scrubbed) == (2, 2, 0)
    assert (codes["G0283"].billed, codes["G0283"].moved_in) == (2, 2)
    assert report.totals.causes == ()


def test_week_rows_start_on_monday(golden):
    report = balance(*golden, period="week")
    assert {row.period.weekday() for row in report.rows} == {0}
    daily = balance(*golden)
    assert report.totals == daily.totals


def test_html_is_one_self_contained_page(golden):
    batch, result = golden
    page = balance_page(balance(batch, result), worklist(batch, result))
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert "<img" not in page and "@import" not in page and "url(" not in page
    assert "Pending Authorization" in page and 'class="legend"' in page


def test_held_units_are_shown_apart_from_units_removed(golden):
    batch, result = golden
    report = balance(batch, result)
    page = balance_page(report, worklist(batch, result))
    held = sum(c.units for c in report.totals.causes if c.cause == "held")
    removed = report.totals.difference_units - held
    assert (
        f'<b class="">{sum(c.visits for c in report.totals.causes if c.cause == "held")} / {held}</b>held visits / units'
        in page
    )
    assert f'<b class="">{removed}</b>units removed by rules' in page


def test_cli_balance_formats_and_exit_codes(tmp_path, capsys, monkeypatch):
    export = GOLDEN / "export.json"
    result_path = tmp_path / "result.json"
    assert (
        main(["scrub", str(export), "--rules", str(GOLDEN / "rules"), "-o", str(result_path)]) == 1
    )
    for fmt in ("table", "csv", "json", "html"):
        assert (
            main(
                [
                    "balance",
                    str(export),
                    str(result_path),
                    "--format",
                    fmt,
                    "-o",
                    str(tmp_path / fmt),
                ]
            )
            == 0
        )
    assert json.loads((tmp_path / "json").read_text())["totals"]["unexplained_units"] == 0
    # A result with an audit entry removed is not the scrub of this export: refused (exit 2),
    # never reported as a bug in scrubber.
    document = json.loads(result_path.read_text())
    document["audit"] = [e for e in document["audit"] if not e["units_delta"]] + [
        e for e in document["audit"] if e["units_delta"]][1:]  # fmt: skip
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    capsys.readouterr()
    assert main(["balance", str(export), str(tampered)]) == 2
    err = capsys.readouterr().err
    assert "do not add up" in err and "bug" not in err
    # Should balancing itself ever leave a difference unexplained, that is a bug: exit 1.
    with monkeypatch.context() as patched:
        patched.setattr("scrubber.reports.belongs.check_result_of", lambda *args: None)
        assert main(["balance", str(export), str(tampered)]) == 1
    assert "This is a bug in scrubber" in capsys.readouterr().err
    # The result of another export is refused.
    other = tmp_path / "other.json"
    main(["sample", "--visits", "5", "--seed", "99", "-o", str(other)])
    assert main(["balance", str(other), str(result_path)]) == 2
    assert main(["balance", str(export), str(export)]) == 2
    assert "not a scrub result" in capsys.readouterr().err


# ---- properties ------------------------------------------------------------------------------


def _sum_rows(report):
    return {name: sum(getattr(row, name) for row in report.rows) for name in COUNTS}


@RELAXED
@given(files=rule_texts(), batch=rule_batches)
def test_every_row_and_the_totals_balance_for_any_rules(files, batch):
    result = compile_files(files).scrub(batch)
    for by in ("date_of_service", "finalized_on"):
        report = balance(batch, result, by=by)
        assert report.balanced
        for row in (*report.rows, report.totals):
            assert row.emr_visits == row.billed_visits + sum(c.visits for c in row.causes)
            assert row.emr_units == row.billed_units + sum(c.units for c in row.causes)
        assert _sum_rows(report) == {name: getattr(report.totals, name) for name in COUNTS}


@RELAXED
@given(
    files=rule_texts(),
    batch=rule_batches,
    delays=st.lists(st.integers(0, 3), min_size=12, max_size=12),
)
def test_finalized_dates_in_the_same_week_give_the_same_weekly_totals(files, batch, delays):
    # Visits finalized a few days after their date of service, inside the same week.
    visits = tuple(
        attrs.evolve(v, finalized_on=min(v.date_of_service + timedelta(days=d),
                                         v.date_of_service + timedelta(days=4 - v.date_of_service.weekday())))
        for v, d in zip(batch.visits, delays, strict=False)
    )  # fmt: skip
    batch = Batch(batch.patients, batch.cases, visits)
    result = compile_files(files).scrub(batch)
    by_service = balance(batch, result, by="date_of_service", period="week")
    by_finalized = balance(batch, result, by="finalized_on", period="week")
    assert [
        (r.period, r.location, r.emr_units, r.billed_units, r.causes) for r in by_service.rows
    ] == [(r.period, r.location, r.emr_units, r.billed_units, r.causes) for r in by_finalized.rows]


def test_the_balancing_guide_shows_the_real_output_of_the_sample(tmp_path, capsys):
    docs = Path(__file__).resolve().parent.parent / "docs"
    result = tmp_path / "result.json"
    assert main(["scrub", str(docs / "examples" / "emr_export.json"), "-o", str(result)]) == 1
    capsys.readouterr()
    assert (
        main(
            ["balance", str(docs / "examples" / "emr_export.json"), str(result), "--period", "week"]
        )
        == 0
    )
    table = capsys.readouterr().out
    assert table in (docs / "balancing.md").read_text(encoding="utf-8")
