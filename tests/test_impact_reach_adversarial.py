"""Edits and exports chosen to break the reach of ``scrubber impact`` (scrubber.engine.reach):
each case scrubs with the new rules only the patients a changed rule can reach, and must report
exactly what scrubbing every patient with both rule sets reports (``every_patient=True``).

Each case also asserts that the edit changes something (a visit, or the lack of a reach), so
that a case cannot pass for having nothing to compare."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scrubber.engine.reach import Reach
from scrubber.engine.ruleset import RuleSet
from scrubber.formats.emr import parse_export
from scrubber.load import rules_from_text
from scrubber.model.records import Batch
from scrubber.reports.impact import Impact, impact

COMMERCIAL = 'payer commercial when insurance.class = "commercial"\n'
MEDICARE = 'payer medicare when insurance.class = "medicare"\n'
PAYERS = COMMERCIAL + MEDICARE

#: case id -> (patient id, insurance class, payer id)
CASES: dict[str, tuple[str, str, str]] = {
    "C1": ("P1", "commercial", "AETNA"),
    "C2": ("P2", "commercial", "AETNA"),
    "C3": ("P3", "commercial", "AETNA"),
    "M1": ("P1", "medicare", "MCR"),
    "M2": ("P2", "medicare", "MCR"),
    "M3": ("P3", "medicare", "MCR"),
}


def visit(
    visit_id: str, case: str, day: str, *charges: str, role: str = "PT", note: str = "daily"
) -> dict[str, Any]:
    """A visit; each charge as ``CODE`` or ``CODExUNITS`` or ``CODExUNITSmMINUTES``."""
    lines = []
    for n, text in enumerate(charges, start=1):
        code, _, rest = text.partition("x")
        units, _, minutes = rest.partition("m")
        lines.append({
            "id": f"{visit_id}-{n}", "cpt": code, "units": int(units or 1),
            "minutes": int(minutes) if minutes else None, "modifiers": [],
        })  # fmt: skip
    return {
        "id": visit_id, "case_id": case, "date_of_service": day, "location": "Main St",
        "provider": {"id": f"{role}1", "role": role}, "note_type": note, "charges": lines,
    }  # fmt: skip


def export(*visits: dict[str, Any]) -> Batch:
    """One export of these visits, with every patient and case they name."""
    cases = sorted({v["case_id"] for v in visits})
    patients = sorted({CASES[c][0] for c in cases})
    return parse_export({
        "patients": [
            {"id": p, "first_name": "Ana", "last_name": "Ruiz", "birth_date": "1950-02-03",
             "addresses": [{"type": "home", "primary": True, "line1": "1 Main St",
                            "city": "Phoenix", "state": "AZ", "postal_code": "850041234"}]}
            for p in patients
        ],
        "cases": [
            {"id": c, "patient_id": CASES[c][0],
             "insurance": {"payer_id": CASES[c][2], "class": CASES[c][1]}}
            for c in cases
        ],
        "visits": list(visits),
    })  # fmt: skip


def rules(files: str | Mapping[str, str]) -> RuleSet:
    return rules_from_text(files if isinstance(files, str) else dict(files))


def same(
    before: RuleSet, after: RuleSet, batches: Sequence[Batch], history: Path | None = None
) -> Impact:
    """Both ways of running ``impact`` report the same; the fast one's report."""
    fast = impact(before, after, batches, history=history)
    every = impact(before, after, batches, history=history, every_patient=True)
    assert fast.to_json() == every.to_json()
    assert fast == every
    return fast


def reach_of(before: RuleSet, after: RuleSet) -> Reach | None:
    return Reach.between(before.program, after.program)


def changed_ids(found: Impact) -> set[str]:
    return {change.visit_id for change in found.changed}


def history_of(tmp_path: Path, ruleset: RuleSet, *batches: Batch) -> Path:
    path = tmp_path / "history.sqlite"
    for batch in batches:
        ruleset.scrub(batch, history=path)
    return path


# ---- the report's bookkeeping: what the tracers heard ----------------------------------------


def test_a_rule_that_moved_is_named_where_the_new_rules_write_it(tmp_path):
    # "mod" means the same on both sides but moves a line down under the added "deny". It acts
    # on P1 (97112, which the deny does not reach) on the new side, and on P2 only on the old
    # side (the deny took the line first): its total must name it where the new rules write it,
    # whether or not P1 was scrubbed with the new rules.
    before = rules(COMMERCIAL + "rules commercial {\n    rule mod: add modifier GP to 97110 97112\n}\n")
    after = rules(
        COMMERCIAL + "rules commercial {\n    rule c: deny 97110\n"
        "    rule mod: add modifier GP to 97110 97112\n}\n"
    )
    batch = export(visit("V1", "C1", "2026-03-02", "97112"), visit("V2", "C2", "2026-03-02", "97110"))
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V2"}
    (mod,) = [total for total in found.rules if total.rule == "rules/mod"]
    assert mod.source == "rules/rules.rules:4:15"


def test_a_visit_sent_again_is_judged_by_its_last_scrub_only(tmp_path):
    # V1 comes first with 97112 only (no changed rule reaches it), then again with 97110 too:
    # "mod" did the same to it on both sides in its last scrub, so it is not a rule that acted
    # differently, whatever the first scrub heard
    body = "    rule mod: add modifier GP to 97110 97112\n"
    before = rules(COMMERCIAL + "rules commercial {\n" + body + "}\n")
    after = rules(COMMERCIAL + "rules commercial {\n" + body + "    rule c: deny 97110\n}\n")
    first = export(visit("V1", "C1", "2026-03-02", "97112"))
    again = export(visit("V1", "C1", "2026-03-02", "97112", "97110"))
    found = same(before, after, [first, again])
    (change,) = found.changed
    assert [rule.rule for rule in change.rules] == ["rules/c"]
    assert [total.rule for total in found.rules] == ["rules/c"]


def test_a_visit_sent_again_after_a_reached_scrub_is_judged_by_its_last_scrub(tmp_path):
    # the other way round: the first scrub of V1 is reached and differs, the second (without
    # 97110) is reached (the patient was) and the same on both sides
    body = "    rule mod: add modifier GP to 97110 97112\n"
    before = rules(COMMERCIAL + "rules commercial {\n" + body + "}\n")
    after = rules(COMMERCIAL + "rules commercial {\n" + body + "    rule c: deny 97110\n}\n")
    first = export(visit("V1", "C1", "2026-03-02", "97112", "97110"))
    again = export(visit("V1", "C1", "2026-03-02", "97112"), visit("V2", "C2", "2026-03-03", "97110"))
    found = same(before, after, [first, again])
    assert changed_ids(found) == {"V2"}
