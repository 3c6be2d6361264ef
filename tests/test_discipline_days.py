"""``visit.discipline_year_day`` (DESIGN §15): ``visit.year_day`` counted over the days with a
visit of the same discipline only (PT with PTA, OT with COTA, SLP, every other role on its own),
over the export and the history alike, so that "20 PT visits a year, OT apart" can be written."""

from __future__ import annotations

import sqlite3

import attrs
from engine_helpers import batch_of, charge, rules_from

from scrubber.engine.trace import EventKind
from scrubber.history import HistoryStore
from scrubber.history.store import _CREATE, _VISITS_1, SCHEMA
from scrubber.model.history import discipline
from scrubber.model.records import ProviderRole

_BILLED = next(s for s in _CREATE if "billed_units" in s)

RULES = """\
rules any {
 rule y: hold "y" when visit.discipline_year_day >= 0 or visit.discipline_year_day is missing
 rule cap "20 PT visits a year, OT apart": hold "Over the visits" when visit.discipline_year_day > 2
}
"""


class _Reads:
    def __init__(self) -> None:
        self.found: dict[str, object] = {}

    def event(self, event) -> None:
        if event.kind is EventKind.APPLIED and event.rule.name == "test/y" and event.condition:
            self.found[event.visit_id] = dict(event.condition.reads)["visit.discipline_year_day"]


def visit(day: str, role: str, *codes: str) -> dict:
    return {
        "date_of_service": day, "provider": {"id": role + "1", "role": role},
        "charges": [charge(code, 1, 15) for code in codes],
    }  # fmt: skip


def _days(tmp_path, batch, history=None) -> dict[str, object]:
    reads = _Reads()
    rules_from(tmp_path, RULES).scrub(batch, history=history, tracer=reads)
    return reads.found


def test_each_discipline_counts_its_own_days():
    assert [discipline(ProviderRole(r)) for r in ("PT", "PTA", "OT", "COTA", "SLP")] == [
        "PT", "PT", "OT", "OT", "SLP",
    ]  # fmt: skip
    assert discipline(ProviderRole.STUDENT) != discipline(ProviderRole.AIDE)


def test_pt_and_ot_days_are_counted_apart_and_pta_with_pt(tmp_path):
    batch = batch_of(
        visit("2025-12-30", "PT", "97110"),  # last year: not counted in 2026
        visit("2026-01-05", "PT", "97110"),
        visit("2026-01-05", "OT", "97530"),  # same day, other discipline
        visit("2026-01-06", "OT", "97530"),
        visit("2026-01-07", "PTA", "97110"),  # PTA counts with PT
        visit("2026-01-08", "COTA", "97530"),
        visit("2026-01-09", "PT"),  # no charge line: no treatment day
        visit("2026-01-12", "SLP", "92507"),
    )
    assert _days(tmp_path, batch) == {
        "V1": 1, "V2": 1, "V3": 1, "V4": 2, "V5": 2, "V6": 3, "V7": 2, "V8": 1,
    }  # fmt: skip


def test_the_cap_holds_the_third_pt_day_but_not_an_ot_day(tmp_path):
    batch = batch_of(
        visit("2026-01-05", "PT", "97110"),
        visit("2026-01-06", "OT", "97530"),
        visit("2026-01-07", "PT", "97110"),
        visit("2026-01-08", "OT", "97530"),
        visit("2026-01-09", "PTA", "97110"),
    )
    result = rules_from(tmp_path, RULES).scrub(batch)
    held = {h.visit_id for h in result.exceptions if any(r.rule == "test/cap" for r in h.reasons)}
    assert held == {"V5"}


def test_days_in_the_history_count_per_discipline(tmp_path):
    history = tmp_path / "history.sqlite"
    earlier = batch_of(
        visit("2026-01-05", "PT", "97110"),
        visit("2026-01-06", "OT", "97530"),
    )
    rules_from(tmp_path, RULES).scrub(earlier, history=history)
    later = batch_of(visit("2026-01-07", "PTA", "97110"), visit("2026-01-07", "SLP", "92507"))
    later = attrs.evolve(
        later, visits=tuple(attrs.evolve(v, id=f"N{n}") for n, v in enumerate(later.visits))
    )
    assert _days(tmp_path, later, history=history) == {"N0": 2, "N1": 1}


def _as_schema_1(path):
    """The same history as scrubber wrote it before schema 2 (no discipline, no expected)."""
    old = path.with_name("schema-1.sqlite")
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE scrubber_history (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(_VISITS_1)
        db.execute("CREATE INDEX visits_by_patient ON visits (patient_id, date_of_service)")
        db.execute(_BILLED)
        db.execute("ATTACH ? AS new", (str(path),))
        db.executemany("INSERT INTO scrubber_history VALUES (?, ?)",
                       [("schema", "1"), ("created_by", "scrubber 0.1")])  # fmt: skip
        db.execute("INSERT INTO visits SELECT visit_id, case_id, patient_id, payer_id, "
                   "date_of_service, note_type, had_charge FROM new.visits")  # fmt: skip
        db.execute("INSERT INTO billed_units SELECT * FROM new.billed_units")
    db.close()
    return old


def test_a_history_of_schema_1_is_upgraded_and_its_days_count_for_no_discipline(tmp_path):
    history = tmp_path / "history.sqlite"
    rules_from(tmp_path, RULES).scrub(batch_of(visit("2026-01-05", "PT", "97110")), history=history)
    history = _as_schema_1(history)
    with HistoryStore.open(history, read_only=True) as store:
        (fact,) = store.facts_of("P1")
        assert fact.discipline is None
    later = batch_of(visit("2026-01-07", "PT", "97110"))
    later = attrs.evolve(later, visits=(attrs.evolve(later.visits[0], id="N1"),))
    # year_day counts the old day; discipline_year_day cannot know its discipline
    assert _days(tmp_path, later, history=history) == {"N1": 1}
    with sqlite3.connect(history) as db:
        version = db.execute("SELECT value FROM scrubber_history WHERE key = 'schema'").fetchone()
    db.close()
    assert version == (str(SCHEMA),)
