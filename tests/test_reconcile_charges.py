"""``reconcile`` compares charges too when billing's report has an ``amount`` column (mapped
with ``--columns``; DESIGN §14): a difference of charge on matching units is unexplained, both
amounts shown; a report without the column reconciles as before."""

from __future__ import annotations

import json

from engine_helpers import batch_of, charge, rules_from

from scrubber.cli import main
from scrubber.formats.billing import read_billing
from scrubber.formats.emr import dumps_export

HEADER = "visit_id,date_of_service,created_on,location,cpt,units"


def _scrubbed(tmp_path):  # type: ignore[no-untyped-def]
    rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per day\n}\n")
    batch = batch_of(
        {"charges": [dict(charge("97110", 3), amount="100.00"),
                     dict(charge("97140", 1), amount="45.00")]},
    )  # fmt: skip
    export, result = tmp_path / "export.json", tmp_path / "result.json"
    export.write_text(dumps_export(batch), encoding="utf-8")
    main(["scrub", str(export), "--rules", str(tmp_path / "rules"), "-o", str(result),
          "--summary", "none", "--fail-on", "none"])  # fmt: skip
    return export, result


def _reconcile(tmp_path, billing: str, *extra: str):  # type: ignore[no-untyped-def]
    export, result = _scrubbed(tmp_path)
    path = tmp_path / "billing.csv"
    path.write_text(billing, encoding="utf-8")
    out = tmp_path / "reconcile.json"
    code = main(["reconcile", str(export), str(result), str(path), "--rules",
                 str(tmp_path / "rules"), "--format", "json", "-o", str(out), *extra])  # fmt: skip
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_a_charge_apart_on_matching_units_is_unexplained_with_both_amounts(tmp_path):
    billing = (
        f"{HEADER},Charge\nV1,2026-03-02,2026-03-02,Main St,97110,2,$66.67\n"
        "V1,2026-03-02,2026-03-02,Main St,97140,1,40.00\n"
    )
    code, document = _reconcile(tmp_path, billing, "--columns", "amount=Charge")
    assert code == 1 and not document["reconciled"]
    (fact,) = document["discrepancies"]
    assert (fact["cpt"], fact["kind"], fact["explained"]) == ("97140", "charge_mismatch", False)
    assert (fact["expected_amount"], fact["billing_amount"]) == ("45.00", "40.00")
    assert document["totals"]["unexplained_visits"] == 1
    assert document["totals"]["unexplained_units"] == 0


def test_equal_charges_reconcile_and_a_report_without_amounts_compares_units_only(tmp_path):
    billing = (
        f"{HEADER},amount\nV1,2026-03-02,2026-03-02,Main St,97110,2,66.67\n"
        "V1,2026-03-02,2026-03-02,Main St,97140,1,45.00\n"
    )
    code, document = _reconcile(tmp_path, billing)
    assert code == 0 and document["reconciled"] and document["discrepancies"] == []
    plain = f"{HEADER}\nV1,2026-03-02,2026-03-02,Main St,97110,2\nV1,2026-03-02,2026-03-02,Main St,97140,1\n"
    code, document = _reconcile(tmp_path / "b", plain)
    assert code == 0 and document["reconciled"]


def test_a_bad_amount_rejects_its_line_and_a_mapped_column_must_exist(tmp_path, capsys):
    path = tmp_path / "billing.csv"
    path.write_text(f"{HEADER},amount\nV1,2026-03-02,2026-03-02,Main St,97110,2,abc\n",
                    encoding="utf-8")  # fmt: skip
    report = read_billing(str(path))
    assert report.charges == ()
    assert report.rejected[0].errors == (
        "line 2: amount: 'abc' is not an amount (a decimal such as 66.67)",
    )
    export, result = _scrubbed(tmp_path / "c")
    code = main(["reconcile", str(export), str(result), str(path), "--columns",
                 "amount=Charge"])  # fmt: skip
    assert code == 2
    assert "no column amount (as 'Charge')" in capsys.readouterr().err
