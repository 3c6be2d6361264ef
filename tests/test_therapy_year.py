"""``visit.therapy_year_amount`` (DESIGN §14): the expected payments of the patient's therapy
lines with the same payer in the visit's calendar year, over the history and the export, up to
and including the visit itself, PT and SLP together, OT apart; the history keeps each visit's
expected payment (schema 2; a schema 1 history is upgraded, its visits' payments unknown)."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from engine_helpers import batch_of, charge, check_conservation, rules_from

from scrubber.history import SCHEMA, HistoryError, HistoryStore
from scrubber.load import load_rules
from scrubber.model.history import threshold_of
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult

FEES = "code,amount\n97110,100.00\n92507,100.00\n97530,100.00\n"
KX = """rules any {
    rule fees: price by table "tables/fees.csv"
    rule kx "Past the threshold, KX": add modifier KX to any when visit.therapy_year_amount > 500.00
}
"""
START = date(2026, 3, 2)


def _visit(n: int, role: str, cpt: str = "97110", units: int = 1, day: int | None = None):  # type: ignore[no-untyped-def]
    when = START + timedelta(days=n if day is None else day)
    return {
        "charges": [charge(cpt, units)], "date_of_service": when.isoformat(),
        "provider": {"id": f"{role}1", "role": role},
    }  # fmt: skip


def _kx(result: ScrubResult) -> list[str]:
    return [v.id for v in result.billed if any("KX" in c.modifiers for c in v.charges)]


def _by_day(batch: Batch) -> list[Batch]:
    days = sorted({v.date_of_service for v in batch.visits})
    return [
        Batch(batch.patients, batch.cases, tuple(v for v in batch.visits if v.date_of_service == d))
        for d in days
    ]


def test_kx_from_the_visit_that_crosses_pt_and_slp_together_ot_apart(tmp_path):
    rules = rules_from(tmp_path, KX, {"fees.csv": FEES})
    roles = ["PT", "SLP", "OT", "PTA", "OT", "SLP", "PT", "OT", "PT", "OT", "OT", "OT"]
    codes = {"SLP": "92507", "OT": "97530"}
    batch = batch_of(*(_visit(n, role, codes.get(role, "97110")) for n, role in enumerate(roles)))
    result = rules.scrub(batch)
    check_conservation(batch, result)
    # PT/PTA/SLP: V1 V2 V4 V6 V7 V9 -> 100 .. 600: V9 is the sixth (600 > 500)
    # OT: V3 V5 V8 V10 V11 V12 -> V12 is the sixth
    assert _kx(result) == ["V9", "V12"]


def test_daily_runs_with_a_history_give_kx_from_the_same_visit_as_the_whole_run(tmp_path):
    rules = rules_from(tmp_path, KX, {"fees.csv": FEES})
    roles = ["PT", "OT", "SLP", "PT", "OT", "PT", "SLP", "OT", "PT", "PT", "OT", "OT", "OT"]
    codes = {"SLP": "92507", "OT": "97530"}
    batch = batch_of(*(_visit(n, role, codes.get(role, "97110")) for n, role in enumerate(roles)))
    whole = rules.scrub(batch)
    history = tmp_path / "h.sqlite"
    daily = [rules.scrub(day, history=history) for day in _by_day(batch)]
    assert [v for r in daily for v in r.billed] == list(whole.billed)
    assert [e._replace(seq=0) for r in daily for e in r.audit] == [
        e._replace(seq=0) for e in whole.audit
    ]
    # from the crossing on: PT and SLP V1 V3 V4 V6 V7 V9 V10 (V9 the sixth); OT V2 V5 V8 V11 V12 V13
    assert _kx(whole) == ["V9", "V10", "V13"]
    with HistoryStore.open(history, read_only=True) as store:
        facts = {f.visit_id: f for f in store.facts_of("P1")}
    assert (facts["V1"].discipline, facts["V1"].expected) == ("PT", Decimal("100.00"))
    # the history keeps the discipline; the threshold groups SLP with PT
    assert (facts["V2"].discipline, facts["V3"].discipline) == ("OT", "SLP")
    assert [threshold_of(facts[v].discipline or "") for v in ("V2", "V3")] == ["OT", "PT"]


def test_on_one_day_the_visits_count_in_export_order_up_to_the_visit_itself(tmp_path):
    rules = rules_from(tmp_path, KX, {"fees.csv": FEES})
    batch = batch_of(
        _visit(0, "PT", units=3), _visit(1, "PT", units=2, day=0), _visit(2, "PT", day=0),
        _visit(3, "PT", day=0),
    )  # fmt: skip
    # 300, then 500 (not past), then 600: the third visit of the day crosses
    assert _kx(rules.scrub(batch)) == ["V3", "V4"]


def test_a_held_visit_and_a_cut_count_what_is_billed(tmp_path):
    text = KX.replace(
        "rule kx", 'rule h: hold "Review" when visit.date_of_service = 2026-03-03\n'
        "    rule cap: limit 97110 to 2 units per day\n    rule kx",
    )  # fmt: skip
    rules = rules_from(tmp_path, text, {"fees.csv": FEES})
    # V1: 4 units cut to 2 (200); V2 held (not counted); V3: 2 (400); V4: 2 (600 > 500)
    batch = batch_of(*(_visit(n, "PT", units=4) for n in range(4)))
    result = rules.scrub(batch)
    assert _kx(result) == ["V4"]
    assert result.exceptions[0].visit_id == "V2"


def test_another_role_has_no_threshold_and_other_payers_and_years_do_not_count(tmp_path):
    rules = rules_from(
        tmp_path,
        KX.replace("> 500.00", "is missing").replace('"Past the threshold, KX"', '"none"'),
        {"fees.csv": FEES},
    )
    batch = batch_of(_visit(0, "aide"), _visit(1, "PT"))
    assert _kx(rules.scrub(batch)) == ["V1"]
    rules = rules_from(tmp_path / "b", KX, {"fees.csv": FEES})
    last_year = [_visit(n, "PT", units=5) for n in range(3)]
    for visit in last_year:
        visit["date_of_service"] = "2025-12-0" + str(int(visit["date_of_service"][-1]) % 9 + 1)
    assert _kx(rules.scrub(batch_of(*last_year, _visit(9, "PT")))) == [
        "V2", "V3",  # 2025: 500 then 1000
    ]  # fmt: skip


def _version_1(path: Path) -> None:
    """A history as scrubber wrote it before it kept expected payments (schema 1)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE scrubber_history (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("""CREATE TABLE visits (
        visit_id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        payer_id TEXT NOT NULL,
        date_of_service TEXT NOT NULL,
        note_type TEXT NOT NULL,
        had_charge INTEGER NOT NULL
    ) WITHOUT ROWID""")
        db.execute("CREATE INDEX visits_by_patient ON visits (patient_id, date_of_service)")
        db.execute("""CREATE TABLE billed_units (
        visit_id TEXT NOT NULL REFERENCES visits (visit_id) ON DELETE CASCADE,
        cpt TEXT NOT NULL,
        units INTEGER NOT NULL,
        PRIMARY KEY (visit_id, cpt)
    ) WITHOUT ROWID""")
        db.executemany("INSERT INTO scrubber_history VALUES (?, ?)",
                       [("schema", "1"), ("created_by", "scrubber 0.1")])  # fmt: skip
        db.execute("INSERT INTO visits VALUES ('OLD', 'C1', 'P1', 'X', '2026-03-01', 'daily', 1)")
        db.execute("INSERT INTO billed_units VALUES ('OLD', '97110', 9)")
    db.close()


def test_a_schema_1_history_is_upgraded_and_its_unknown_payments_are_never_read_as_zero(
    tmp_path,
):
    path = tmp_path / "old.sqlite"
    _version_1(path)
    with HistoryStore.open(path, read_only=True) as store:  # explain: read as it is
        (old,) = store.facts_of("P1")
        assert (old.discipline, old.expected, old.billed) == (None, None, (("97110", 9),))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM scrubber_history WHERE key='schema'").fetchone() == (
            "1",
        )  # fmt: skip
    db.close()
    rules = rules_from(
        tmp_path, KX.replace("> 500.00", "is missing").replace("KX\"", 'missing"'),
        {"fees.csv": FEES},
    )  # fmt: skip
    # the year holds a visit whose expected payment is unknown: the amount is missing (shown as
    # such), not a sum that leaves it out
    result = rules.scrub(batch_of(_visit(0, "PT")), history=path)
    assert _kx(result) == ["V1"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM scrubber_history WHERE key='schema'").fetchone() == (
            str(SCHEMA),
        )  # fmt: skip
        rows = db.execute("SELECT visit_id, discipline, expected FROM visits ORDER BY 1").fetchall()
    db.close()
    assert rows == [("OLD", None, None), ("V1", "PT", "100.00")]
    # the old visit sent again replaces its record: the year is known again
    rules = rules_from(tmp_path / "b", KX, {"fees.csv": FEES})
    again = batch_of(_visit(-1, "PT", units=5), _visit(0, "PT"))
    again = Batch(again.patients, again.cases, (
        again.visits[0].__class__(**{**{f: getattr(again.visits[0], f) for f in (
            "case_id", "date_of_service", "location", "provider", "note_type", "charges",
            "finalized_on")}, "id": "OLD"}),
        again.visits[1],
    ))  # fmt: skip
    # OLD now 500.00 on 2026-03-01 (not past 500); V2 the next day crosses
    assert _kx(load_rules(tmp_path / "b" / "rules").scrub(again, history=path)) == ["V2"]


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        (
            "UPDATE visits SET expected = '12.3.4'",
            "expected is text '12.3.4', not NULL or an amount",
        ),
        ("UPDATE visits SET expected = x'3132'", "expected is blob '12'"),
        ("UPDATE visits SET discipline = ''", "discipline is text '', not a discipline such as PT"),
        (
            "UPDATE visits SET discipline = x'5054'",
            "discipline is blob 'PT', not a discipline such as PT",
        ),
    ],
)
def test_a_bad_expected_payment_or_discipline_in_a_history_is_refused_in_one_line(
    tmp_path, statement, words
):
    path = tmp_path / "h.sqlite"
    rules = rules_from(tmp_path, KX, {"fees.csv": FEES})
    rules.scrub(batch_of(_visit(0, "PT")), history=path)
    with sqlite3.connect(path) as db:
        db.execute(statement)
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryError) as caught:
        HistoryStore.open(path)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert path.read_bytes() == before
