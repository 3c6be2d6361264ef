"""Small builders for engine tests, and the conservation invariant as a check: for every visit
and code, EMR units = billed + held + what the audit took; every visit in one place."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import localcontext
from pathlib import Path
from typing import Any

from hypothesis import assume

from scrubber.engine import RuleSet
from scrubber.errors import RuleSetError
from scrubber.formats.emr import parse_export
from scrubber.load import load_rules, rules_from_text
from scrubber.model.measures import CHARGES, MEASURES, Measure
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult


def rules_from(
    tmp_path: Path, text: str, tables: dict[str, str] | None = None, name: str = "test.rules"
) -> Any:
    folder = tmp_path / "rules"
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    for table, content in (tables or {}).items():
        (folder / "tables" / table).write_text(content, encoding="utf-8")
    (folder / name).write_text(text, encoding="utf-8")
    return load_rules(folder)


def compile_files(files: dict[str, str]) -> RuleSet:
    """A rule folder given as {file name: text} compiled; for hypothesis, ``assume`` that it
    checks clean (random rule sets may hold two disagreeing caps)."""
    try:
        return rules_from_text(files)
    except RuleSetError:
        assume(False)
        raise


def charge(
    cpt: str, units: int, minutes: int | None = None, modifiers: tuple[str, ...] = (), id: str = ""
) -> dict[str, Any]:
    return {"id": id, "cpt": cpt, "units": units, "minutes": minutes, "modifiers": list(modifiers)}


def batch_of(*visits: dict[str, Any], insurance_class: str = "medicare", **case: Any) -> Batch:
    """Visits of one patient (P1, case C1) unless a visit names its own case_id."""
    records = []
    for n, visit in enumerate(visits, start=1):
        charges = [
            dict(c, id=c["id"] or f"V{n}-{i}") for i, c in enumerate(visit.pop("charges"), start=1)
        ]
        records.append({
            "id": f"V{n}", "case_id": "C1", "date_of_service": "2026-03-02", "location": "Main St",
            "provider": {"id": "PT1", "role": "PT"}, "note_type": "daily", **visit, "charges": charges,
        })  # fmt: skip
    return parse_export({
        "patients": [{"id": "P1", "first_name": "Ana", "last_name": "Ruiz", "birth_date": "1950-02-03",
                      "addresses": [{"type": "home", "primary": True, "line1": "1 Main St", "city": "Phoenix",
                                     "state": "AZ", "postal_code": "850041234"}]}],
        "cases": [{"id": "C1", "patient_id": "P1", "insurance": {"payer_id": "X", "class": insurance_class},
                   "therapy_ytd_amount": "100.00", **case}],
        "visits": records,
    })  # fmt: skip


def units_by_code(result: ScrubResult) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for visit in result.billed:
        for c in visit.charges:
            counts[c.cpt] += c.units
    return dict(counts)


def check_conservation(batch: Batch, result: ScrubResult) -> None:
    """For every measure (units, charges): EMR = billed + held + what the audit took, for every
    visit and code, exactly; and every visit is in exactly one place."""
    for measure in MEASURES:
        check_measure(batch, result, measure)
    billed = [v.id for v in result.billed]
    held = [h.visit_id for h in result.exceptions]
    assert len(set(billed)) == len(billed) and not set(billed) & set(held)
    explained = {e.visit_id for e in result.audit if e.units_delta or e.action in ("drop", "deny")}
    for visit in batch.visits:
        assert visit.id in billed or visit.id in held or visit.id in explained, (
            f"{visit.id} vanished"
        )
    assert [v.id for v in result.billed] == [v.id for v in batch.visits if v.id in set(billed)]


def check_measure(batch: Batch, result: ScrubResult, measure: Measure) -> None:
    """The invariant of §5 (units) or §14 (charges), exact: for every visit and code, EMR =
    billed + held + the sum of minus the entries' deltas; a replace moves its level."""
    with localcontext() as exact:
        exact.prec = 80  # sums of decimals stay exact whatever the digits drawn
        emr: Counter[tuple[str, str]] = Counter()
        for visit in batch.visits:
            for c in visit.charges:
                emr[(visit.id, c.cpt)] += measure.charge_level(c)
        kept: Counter[tuple[str, str]] = Counter()
        for visit in result.billed:
            for c in visit.charges:
                kept[(visit.id, c.cpt)] += measure.charge_level(c)
                assert c.units > 0, "lines at 0 units are not billed"
        for held in result.exceptions:
            for c in held.charges:
                kept[(held.visit_id, c.cpt)] += measure.charge_level(c)
        charged = {
            c.id for visit in batch.visits for c in visit.charges
            if c.amount is not None and c.units > 0
        }  # fmt: skip
        for entry in result.audit:
            assert entry.units_delta <= 0, f"units never increase: {entry}"
            if measure is CHARGES and entry.charge_id is not None:
                assert (entry.amount_delta is not None) == (entry.charge_id in charged), (
                    f"amount_delta on every entry of a line with a charge, only there: {entry}"
                )
            if entry.action == "replace":
                kept[(entry.visit_id, entry.before)] += measure.entry_level(entry)
                kept[(entry.visit_id, entry.after)] -= measure.entry_level(entry)
            elif entry.cpt is not None:
                kept[(entry.visit_id, entry.cpt)] -= measure.entry_delta(entry)
        keys = {k for k, v in emr.items() if v} | {k for k, v in kept.items() if v}
        for key in keys:
            assert emr[key] == kept[key], (
                f"{measure.name} {key}: EMR {emr[key]} != billed + held + scrubbed {kept[key]}"
            )


DAY = date(2026, 3, 2)


def units_by_claim(visits: Any) -> Counter[tuple[str, date, str]]:
    """Units by case, date and code: how an 837P path is compared (a claim that keeps one of
    its dates is read back as a claim of one date, whose visit is named ``CLM01``)."""
    units: Counter[tuple[str, date, str]] = Counter()
    for visit in visits:
        for charge in visit.charges:
            units[(visit.case_id, visit.date_of_service, charge.cpt)] += charge.units
    return +units
