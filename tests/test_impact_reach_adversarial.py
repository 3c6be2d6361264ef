"""Edits and exports chosen to break the reach of ``scrubber impact`` (scrubber.engine.reach):
each case scrubs with the new rules only the patients a changed rule can reach, and must report
exactly what scrubbing every patient with both rule sets reports (``every_patient=True``).

Each case also asserts that the edit changes something (a visit, or the lack of a reach), so
that a case cannot pass for having nothing to compare."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
from engine_helpers import compile_files
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from test_impact_reach import _BATCH, _BEFORE, EDITS, _after, _days, _history

from scrubber.engine.reach import Reach
from scrubber.engine.ruleset import RuleSet
from scrubber.engine.run import day_visits
from scrubber.formats.emr import parse_export
from scrubber.load import rules_from_text
from scrubber.model.records import Batch, Visit
from scrubber.reports.impact import Impact, impact
from scrubber.sample import sample_batch
from scrubber.testing import HISTORY_DAYS, RULE_CODES, batches, rule_lines, rule_texts

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
    before = rules(
        COMMERCIAL + "rules commercial {\n    rule mod: add modifier GP to 97110 97112\n}\n"
    )
    after = rules(
        COMMERCIAL + "rules commercial {\n    rule c: deny 97110\n"
        "    rule mod: add modifier GP to 97110 97112\n}\n"
    )
    batch = export(
        visit("V1", "C1", "2026-03-02", "97112"), visit("V2", "C2", "2026-03-02", "97110")
    )
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
    again = export(
        visit("V1", "C1", "2026-03-02", "97112"), visit("V2", "C2", "2026-03-03", "97110")
    )
    found = same(before, after, [first, again])
    assert changed_ids(found) == {"V2"}


# ---- what a changed rule can reach ----------------------------------------------------------


def test_a_patient_billed_under_two_payers_on_one_day_is_reached_by_either(tmp_path):
    # P1 has a commercial and a Medicare visit on one day: a per-day cap of Medicare counts the
    # day's Medicare lines only, a pair edit of the commercial payer sees its own visit's
    # lines; P2 has a Medicare visit only, with a code no changed rule names
    before = rules(PAYERS + "rules medicare {\n    rule cap: limit 97110 to 3 units per day\n}\n"
                   "rules commercial {\n    rule pair: deny 97140 with 97530 per day\n}\n")  # fmt: skip
    after = rules(PAYERS + "rules medicare {\n    rule cap: limit 97110 to 1 unit per day\n}\n"
                  "rules commercial {\n    rule pair: deny 97140 with 97530 97110 per day\n}\n")  # fmt: skip
    batch = export(
        visit("V1", "C1", "2026-03-02", "97140", "97110x2"),
        visit("V2", "M1", "2026-03-02", "97110x2", "97140"),
        visit("V3", "M2", "2026-03-02", "97112x2"),
        visit("V4", "C2", "2026-03-03", "97140", "97530"),
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1", "V2"}


def test_a_replace_of_another_payer_on_the_same_day_carries_the_reach(tmp_path):
    # the Medicare replace puts G0283 on P1's Medicare visit; a commercial rule on G0283 changed.
    # The group's payers hold both, so the reach must take the replace into account
    rest = "rules medicare {\n    rule estim: replace 97014 with G0283\n}\n"
    before = rules(PAYERS + rest + "rules any {\n    rule g: limit G0283 to 2 units per day\n}\n")
    after = rules(PAYERS + rest + "rules any {\n    rule g: limit G0283 to 1 unit per day\n}\n")
    batch = export(
        visit("V1", "C1", "2026-03-02", "97110"),
        visit("V2", "M1", "2026-03-02", "97014x3"),
        visit("V3", "C2", "2026-03-02", "97014x3"),
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V2"}


def test_a_chain_of_replaces_carries_the_reach_to_its_last_code(tmp_path):
    rest = (
        "    rule one: replace 97014 with 97032\n    rule two: replace 97032 with G0283\n"
        "    rule three: replace G0283 with 97012\n"
    )
    before = rules(
        COMMERCIAL
        + "rules commercial {\n"
        + rest
        + "    rule cap: limit 97012 to 2 units per visit\n}\n"
    )
    after = rules(
        COMMERCIAL
        + "rules commercial {\n"
        + rest
        + "    rule cap: limit 97012 to 1 unit per visit\n}\n"
    )
    batch = export(
        visit("V1", "C1", "2026-03-02", "97014x3"), visit("V2", "C2", "2026-03-02", "97110x3")
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1"}


def test_a_replace_removed_reaches_the_codes_it_put_on_lines(tmp_path):
    cap = "    rule cap: limit 97530 to 1 unit per visit\n"
    before = rules(
        COMMERCIAL + "rules commercial {\n    rule swap: replace 97140 with 97530\n" + cap + "}\n"
    )
    after = rules(COMMERCIAL + "rules commercial {\n" + cap + "}\n")
    batch = export(
        visit("V1", "C1", "2026-03-02", "97140x3"), visit("V2", "C2", "2026-03-02", "97110x3")
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1"}


def test_block_dates_moved_reach_the_days_of_either_range(tmp_path):
    before = rules(COMMERCIAL + "rules commercial effective 2026-03-01 through 2026-03-03 {\n"
                   "    rule cap: limit 97110 to 1 unit per day\n}\n")  # fmt: skip
    after = rules(COMMERCIAL + "rules commercial effective 2026-03-03 through 2026-03-05 {\n"
                  "    rule cap: limit 97110 to 1 unit per day\n}\n")  # fmt: skip
    batch = export(
        visit("V1", "C1", "2026-03-02", "97110x3"),
        visit("V2", "C2", "2026-03-04", "97110x3"),
        visit("V3", "C3", "2026-03-03", "97110x3"),
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1", "V2"}


def test_a_table_edited_reaches_the_codes_of_either_version(tmp_path):
    rule = '    rule mue: limit by table "tables/caps.csv" per day\n'
    files = {"rules.rules": COMMERCIAL + "rules commercial {\n" + rule + "}\n"}
    before = rules({**files, "tables/caps.csv": "code,units\n97110,1\n"})
    after = rules({**files, "tables/caps.csv": "code,units\n97112,1\n"})
    batch = export(
        visit("V1", "C1", "2026-03-02", "97110x3"),
        visit("V2", "C2", "2026-03-02", "97112x3"),
        visit("V3", "C3", "2026-03-02", "97140x3"),
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1", "V2"}


def test_a_pair_table_edited_reaches_the_lines_it_denies(tmp_path):
    header = (
        "Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date *=no data,"
    )
    header += "Modifier 0=not allowed 1=allowed 9=not applicable,PTP Edit Rationale\n"
    rule = '    rule ptp: deny by table "tables/ptp.csv" per day\n'
    files = {"rules.rules": COMMERCIAL + "rules commercial {\n" + rule + "}\n"}
    before = rules({**files, "tables/ptp.csv": header + "97530,97140,,20170101,*,1,x\n"})
    after = rules({**files, "tables/ptp.csv": header + "97530,97140,,20170101,20260302,1,x\n"})
    batch = export(
        visit("V1", "C1", "2026-03-02", "97530", "97140"),
        visit("V2", "C2", "2026-03-04", "97530", "97140"),
        visit("V3", "C3", "2026-03-04", "97530", "97110"),
    )
    found = same(before, after, [batch])
    # the row deleted on 2026-03-02 no longer applies from that day on
    assert changed_ids(found) == {"V1", "V2"}


def test_a_codeset_edited_changes_every_rule_that_reads_it(tmp_path):
    def folder(codes: str) -> RuleSet:
        return rules({
            "codes.rules": f"codeset timed = {codes}\n",
            "rules.rules": COMMERCIAL + "rules commercial {\n"
            "    rule gp: add modifier GP to timed\n    rule cap: limit total of timed to 2 units per visit\n}\n",
        })  # fmt: skip

    before, after = folder("97110 97112"), folder("97110 97140")
    batch = export(
        visit("V1", "C1", "2026-03-02", "97112x2", "97110"),
        visit("V2", "C2", "2026-03-02", "97140x2", "97110"),
        visit("V3", "C3", "2026-03-02", "97530x4"),
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1", "V2"}


def test_a_payer_edited_or_a_charge_master_edited_leaves_no_reach(tmp_path):
    rule = "rules commercial {\n    rule cap: limit 97110 to 1 unit per day\n}\n"
    before = rules({"rules.rules": 'charges by table "tables/master.csv"\n' + COMMERCIAL + rule,
                    "tables/master.csv": "code,amount\n97110,40.00\n"})  # fmt: skip
    priced = rules({"rules.rules": 'charges by table "tables/master.csv"\n' + COMMERCIAL + rule,
                    "tables/master.csv": "code,amount\n97110,45.00\n"})  # fmt: skip
    payer = rules({"rules.rules": 'charges by table "tables/master.csv"\n'
                   + 'payer commercial when insurance.class = "commercial" or insurance.payer_id = "MCR"\n'
                   + rule, "tables/master.csv": "code,amount\n97110,40.00\n"})  # fmt: skip
    batch = export(
        visit("V1", "C1", "2026-03-02", "97110x3"), visit("V2", "M2", "2026-03-02", "97110x3")
    )
    assert reach_of(before, priced) is None and reach_of(before, payer) is None
    # the charge master prices every payer's lines
    assert changed_ids(same(before, priced, [batch])) == {"V1", "V2"}
    assert changed_ids(same(before, payer, [batch])) == {"V2"}


def test_a_set_changed_reaches_every_visit_of_its_payer(tmp_path):
    rest = '    rule hold: hold "Needs an authorization" when case.authorization_required = true\n'
    before = rules(COMMERCIAL + "rules commercial {\n" + rest + "}\n")
    after = rules(
        COMMERCIAL + "rules commercial {\n"
        '    rule set: set case.authorization_required to true when insurance.payer_id = "AETNA"\n'
        + rest
        + "}\n"
    )
    batch = export(
        visit("V1", "C1", "2026-03-02", "97110"), visit("V2", "M2", "2026-03-02", "97110")
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1"}


def test_a_rule_that_means_the_same_written_otherwise_is_no_change(tmp_path):
    # a percentage and an amount written with more digits, a rule moved and its file reflowed
    before = rules(
        COMMERCIAL + "rules commercial {\n"
        '    rule set: set case.therapy_ytd_amount to 2500 when insurance.payer_id = "AETNA"\n'
        "    rule kx: add modifier KX to 97110 when case.therapy_ytd_amount > 2480\n}\n"
    )
    after = rules(
        "\n\n" + COMMERCIAL + "rules commercial {\n"
        '    rule set: set case.therapy_ytd_amount to 2500.00 when insurance.payer_id = "AETNA"\n'
        "    rule kx: add modifier KX to 97110 when case.therapy_ytd_amount > 2480.0\n}\n"
    )
    reach = reach_of(before, after)
    assert reach is not None and reach.changed == ()
    batch = export(visit("V1", "C1", "2026-03-02", "97110"))
    assert same(before, after, [batch]).changed == ()


def test_a_warning_added_changes_no_outcome(tmp_path):
    before = rules(
        COMMERCIAL + "rules commercial {\n    rule cap: limit 97110 to 1 unit per day\n}\n"
    )
    after = rules(
        COMMERCIAL
        + 'rules commercial {\n    rule look: warn "Look" for 97110 when charge.units > 1\n'
        "    rule cap: limit 97110 to 1 unit per day\n}\n"
    )
    batch = export(
        visit("V1", "C1", "2026-03-02", "97110x3"), visit("V2", "C2", "2026-03-02", "97112")
    )
    assert same(before, after, [batch]).changed == ()


def test_a_hold_message_edited_is_a_change_of_the_held_visits(tmp_path):
    before = rules(
        COMMERCIAL
        + 'rules commercial {\n    rule h: hold "Check" for 97110 when charge.units > 2\n}\n'
    )
    after = rules(
        COMMERCIAL
        + 'rules commercial {\n    rule h: hold "Check units" for 97110 when charge.units > 2\n}\n'
    )
    batch = export(
        visit("V1", "C1", "2026-03-02", "97110x3"), visit("V2", "C2", "2026-03-02", "97110x1")
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1"}


def test_a_rule_renamed_is_two_changes(tmp_path):
    before = rules(
        COMMERCIAL + "rules commercial {\n    rule cap: limit 97110 to 1 unit per day\n}\n"
    )
    after = rules(
        COMMERCIAL + "rules commercial {\n    rule cap-97110: limit 97110 to 1 unit per day\n}\n"
    )
    reach = reach_of(before, after)
    assert reach is not None and {r.name for r in reach.changed} == {"rules/cap", "rules/cap-97110"}
    batch = export(
        visit("V1", "C1", "2026-03-02", "97110x3"), visit("V2", "C2", "2026-03-02", "97112x3")
    )
    # the same cap under another name: the patient is reached, and nothing it bills changes
    assert same(before, after, [batch]).changed == ()


# ---- across days, exports and a history -----------------------------------------------------


WEEKLY = "rules commercial {\n    rule weekly: limit 97110 to %d units per week\n}\n"


def test_a_weekly_cap_lowered_over_exports_that_come_late(tmp_path):
    # P1 is reached on Wednesday; its Monday comes in the next export (a note finalized late)
    # without 97110, then its Friday with 97110: every later scrub of P1 reads what the new
    # rules billed on Wednesday. P2's week never bills 97110
    before, after = rules(COMMERCIAL + WEEKLY % 6), rules(COMMERCIAL + WEEKLY % 3)
    first = export(
        visit("V1", "C1", "2026-03-04", "97110x2"), visit("V2", "C2", "2026-03-04", "97112x2")
    )
    late = export(
        visit("V3", "C1", "2026-03-02", "97112"), visit("V4", "C2", "2026-03-02", "97140")
    )
    friday = export(
        visit("V5", "C1", "2026-03-06", "97110x3"), visit("V6", "C2", "2026-03-06", "97112x4")
    )
    found = same(before, after, [first, late, friday])
    assert changed_ids(found) == {"V5"}


def test_a_weekly_cap_with_a_history_of_the_week(tmp_path):
    before, after = rules(COMMERCIAL + WEEKLY % 4), rules(COMMERCIAL + WEEKLY % 2)
    history = history_of(
        tmp_path, before,
        export(visit("H1", "C1", "2026-03-02", "97110x2"), visit("H2", "C2", "2026-03-02", "97110x2")),
    )  # fmt: skip
    batch = export(
        visit("V1", "C1", "2026-03-03", "97110x2"), visit("V2", "C2", "2026-03-03", "97112x2")
    )
    found = same(before, after, [batch], history=history)
    assert changed_ids(found) == {"V1"}


def test_monthly_and_yearly_totals_changed(tmp_path):
    def caps(month: int, year: int) -> RuleSet:
        return rules(
            COMMERCIAL + "rules commercial {\n"
            f"    rule month: limit total of 97110 97112 to {month} units per month\n"
            f"    rule year: limit 97140 to {year} units per year\n}}\n"
        )

    before, after = caps(8, 6), caps(3, 2)
    days = [f"2026-0{m}-0{d}" for m in (1, 2) for d in (5, 6, 7)]
    batches = [
        export(visit(f"A{n}", "C1", day, "97110x2"), visit(f"B{n}", "C2", day, "97140x1"),
               visit(f"C{n}", "C3", day, "97530x2"))
        for n, day in enumerate(days)
    ]  # fmt: skip
    found = same(before, after, batches)
    assert {"A1", "B2"} <= changed_ids(found)
    assert not any(v.startswith("C") for v in changed_ids(found))


def test_a_count_across_visits_reads_the_days_the_reach_left_alone(tmp_path):
    # the hold reaches only 97110 days; P1's earlier days (97112) are counted as treatment days
    def count(n: int) -> RuleSet:
        return rules(
            COMMERCIAL + "rules commercial {\n"
            f'    rule many: hold "Many" for 97110 when visit.year_day > {n}\n'
            f'    rule course: hold "Course" for 97530 when visit.treatment_day > {n + 1}\n}}\n'
        )

    before, after = count(5), count(2)
    history = history_of(tmp_path, before, export(visit("H1", "C1", "2026-02-02", "97112")))
    batches = [
        export(visit("V1", "C1", "2026-03-02", "97112"), visit("W1", "C2", "2026-03-02", "97530")),
        export(visit("V2", "C1", "2026-03-03", "97112"), visit("W2", "C2", "2026-03-03", "97530")),
        export(visit("V3", "C1", "2026-03-04", "97110"), visit("W3", "C2", "2026-03-04", "97530")),
        export(visit("V4", "C1", "2026-03-05", "97110"), visit("W4", "C2", "2026-03-05", "97530")),
    ]
    found = same(before, after, batches, history=history)
    assert changed_ids(found) == {"V3", "V4", "W4"}


def test_a_fee_schedule_edited_moves_the_year_amount_a_later_rule_reads(tmp_path):
    # P1's 97110 days are reached (their price changed); its 97112 days after them read the
    # year's amount, and so the KX rule on 97112 acts otherwise there. P2 bills 97112 only
    def fees(amount: str) -> RuleSet:
        return rules({
            "rules.rules": MEDICARE + "rules medicare {\n"
            '    rule fees: price by table "tables/fees.csv"\n'
            "    rule kx: add modifier KX to 97112 when visit.therapy_year_amount > 100.00\n}\n",
            "tables/fees.csv": f"code,amount\n97110,{amount}\n97112,30.00\n",
        })  # fmt: skip

    before, after = fees("10.00"), fees("60.00")
    batches = [
        export(visit("V1", "M1", "2026-03-02", "97110"), visit("W1", "M2", "2026-03-02", "97112")),
        export(visit("V2", "M1", "2026-03-03", "97110"), visit("W2", "M2", "2026-03-03", "97112")),
        export(visit("V3", "M1", "2026-03-04", "97112"), visit("W3", "M2", "2026-03-04", "97112")),
    ]
    found = same(before, after, batches)
    assert changed_ids(found) == {"V1", "V2", "V3"}


def test_a_share_edited_on_assistants_only(tmp_path):
    def share(percent: str) -> RuleSet:
        return rules({
            "rules.rules": MEDICARE + "rules medicare {\n"
            '    rule fees: price by table "tables/fees.csv"\n'
            "    rule cq: add modifier CQ to 97110 97112 when provider.role = \"PTA\"\n"
            f"    rule pta: price 97110 at {percent}% when charge.modifiers has CQ\n}}\n",
            "tables/fees.csv": "code,amount\n97110,30.00\n97112,30.00\n",
        })  # fmt: skip

    before, after = share("85"), share("80")
    batch = export(
        visit("V1", "M1", "2026-03-02", "97110", role="PTA"),
        visit("V2", "M2", "2026-03-02", "97112", role="PTA"),
        visit("V3", "M3", "2026-03-02", "97110"),
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V1"}
    assert found.expected_after < found.expected_before


def test_minutes_counted_per_visit_instead_of_per_day(tmp_path):
    def minutes(scope: str) -> RuleSet:
        return rules(
            MEDICARE + "rules medicare {\n"
            f"    rule eight: limit 97110 97112 by minutes using cms-8-minute{scope}\n}}\n"
        )

    before, after = minutes(""), minutes(" per visit")
    batch = export(
        visit("V1", "M1", "2026-03-02", "97110x1m8"),
        visit("V2", "M1", "2026-03-02", "97110x1m8"),
        visit("V3", "M2", "2026-03-02", "97140x1m8"),
    )
    found = same(before, after, [batch])
    assert changed_ids(found) == {"V2"}


# ---- visits sent again ----------------------------------------------------------------------


def test_a_visit_moved_from_a_reached_patient_to_one_left_alone(tmp_path):
    # V1 is P1's (reached) then P2's, with a code no changed rule names: P2 is left to the old
    # rules; the history no longer holds V1 as P1's, which P1's later week must not count
    before, after = rules(COMMERCIAL + WEEKLY % 6), rules(COMMERCIAL + WEEKLY % 3)
    first = export(
        visit("V1", "C1", "2026-03-02", "97110x3"), visit("V2", "C2", "2026-03-02", "97112")
    )
    moved = export(
        visit("V1", "C2", "2026-03-03", "97112x2"), visit("V3", "C1", "2026-03-03", "97112")
    )
    later = export(
        visit("V4", "C1", "2026-03-04", "97110x4"), visit("V5", "C2", "2026-03-04", "97112")
    )
    found = same(before, after, [first, moved, later])
    assert changed_ids(found) == {"V4"}


def test_a_visit_moved_from_a_patient_left_alone_to_a_reached_one(tmp_path):
    before, after = rules(COMMERCIAL + WEEKLY % 6), rules(COMMERCIAL + WEEKLY % 3)
    first = export(
        visit("V1", "C2", "2026-03-02", "97110x2"), visit("V2", "C1", "2026-03-02", "97112")
    )
    moved = export(
        visit("V1", "C1", "2026-03-03", "97110x4"), visit("V3", "C2", "2026-03-03", "97112")
    )
    later = export(visit("V4", "C2", "2026-03-04", "97110x3"))
    found = same(before, after, [first, moved, later])
    assert changed_ids(found) == {"V1"}


def test_a_visit_sent_again_on_an_earlier_date(tmp_path):
    before, after = rules(COMMERCIAL + WEEKLY % 4), rules(COMMERCIAL + WEEKLY % 2)
    first = export(
        visit("V1", "C1", "2026-03-05", "97110x2"), visit("V2", "C1", "2026-03-06", "97110x2")
    )
    again = export(visit("V1", "C1", "2026-03-02", "97112x2"))
    later = export(
        visit("V3", "C1", "2026-03-06", "97110x1"), visit("V4", "C2", "2026-03-06", "97110x1")
    )
    found = same(before, after, [first, again, later])
    assert "V2" in changed_ids(found)


def test_a_visit_of_the_history_sent_again_under_another_patient(tmp_path):
    before, after = rules(COMMERCIAL + WEEKLY % 4), rules(COMMERCIAL + WEEKLY % 2)
    history = history_of(
        tmp_path, before,
        export(visit("H1", "C1", "2026-03-02", "97110x2"), visit("H2", "C2", "2026-03-02", "97112")),
    )  # fmt: skip
    batches = [
        export(
            visit("H1", "C2", "2026-03-02", "97112x2"), visit("V1", "C1", "2026-03-03", "97112")
        ),
        export(
            visit("V2", "C1", "2026-03-04", "97110x2"), visit("V3", "C2", "2026-03-04", "97110x2")
        ),
    ]
    found = same(before, after, batches, history=history)
    assert changed_ids(found) == set()
    # H1 no longer counts for P1's week: nothing reaches 2 units of 97110 before the 4th
    batches.append(export(visit("V4", "C1", "2026-03-05", "97110x1")))
    assert changed_ids(same(before, after, batches, history=history)) == {"V4"}


# ---- the bundled rules' edits, over exports that send visits again ----------------------------

#: how a visit comes back: with a line less, a unit more, another code, under another patient's
#: case, or on another date
RESENDS = (
    "line less",
    "unit more",
    "97110",
    "97530",
    "97014",
    "G0283",
    "moved",
    "earlier",
    "later",
)


def _resent(visit: Visit, how: str, other: Visit) -> Visit:
    charges = visit.charges
    if how == "line less":
        return attrs.evolve(visit, charges=charges[1:])
    if how == "unit more":
        return attrs.evolve(
            visit, charges=tuple(attrs.evolve(c, units=c.units + 1) for c in charges)
        )
    if how == "moved":
        return attrs.evolve(visit, case_id=other.case_id)
    if how in ("earlier", "later"):
        step = timedelta(days=-2 if how == "earlier" else 1)
        return attrs.evolve(visit, date_of_service=visit.date_of_service + step)
    first = (attrs.evolve(charges[0], cpt=how),) if charges else ()
    return attrs.evolve(visit, charges=first + charges[1:])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=2, unique=True),
    n=st.integers(0, 3),
    with_history=st.booleans(),
    resends=st.lists(
        st.tuples(st.integers(0, 10**6), st.sampled_from(RESENDS), st.integers(0, 10**6)),
        min_size=1, max_size=12,
    ),
)  # fmt: skip
@example(edits=["counting hold added"], n=0, with_history=True,
         resends=[(0, "moved", 1), (5, "earlier", 0), (9, "97110", 0)])  # fmt: skip
@example(edits=["cap per week added"], n=0, with_history=False,
         resends=[(3, "unit more", 0), (4, "moved", 2), (11, "line less", 0)])  # fmt: skip
def test_the_bundled_edits_over_exports_that_send_visits_again(
    tmp_path, edits, n, with_history, resends
):
    after = _after(tmp_path, edits, n)
    history = _history(tmp_path, _days(0, 2)) if with_history else None
    batches = _days(2, 3)
    # visits of the history come back too, when there is one
    sent = [v for batch in (_days(0, 5) if with_history else batches) for v in batch.visits]
    again: dict[str, Visit] = {}
    for index, how, other in resends:
        original = sent[index % len(sent)]
        if original.id not in again:
            again[original.id] = _resent(original, how, sent[other % len(sent)])
    batches = [*batches, attrs.evolve(_BATCH, visits=tuple(again.values())), *_days(5, 1)]
    same(_BEFORE, after, batches, history=history)


# ---- random rule sets and one random edit ----------------------------------------------------

_TABLE_EDITS = {
    "tables/mue.csv": ("97110,3,3", "97110,1,3"),
    "tables/ptp.csv": ("97530,97140,1", "97530,97140,0"),
    "tables/fees.csv": ("97110,31.92,", "97110,35.00,"),
    "a_common.rules": ("codeset timed = 97110 97140 97530 97035", "codeset timed = 97110 97530"),
}


#: rules that change much when added: caps over days, a replace, a count, a hold
_STRONG = (
    "limit any to 1 unit per day",
    "limit total of timed to 2 units per week",
    "limit 97110 to 2 units per month",
    "replace 97014 with 97110",
    "deny 97140 with 97530 per day",
    'hold "Many" for any when visit.year_day > 2',
    "add modifier KX to any when visit.therapy_year_amount > 60.00",
)


@st.composite
def _edited_texts(draw: st.DrawFn, files: dict[str, str]) -> dict[str, str]:
    """``files`` with one edit: a rule's action or condition drawn again, a rule added or taken
    out, a table or the codeset edited."""
    edited = dict(files)
    rule_files = sorted(name for name in files if name.endswith(".rules"))
    how = draw(st.sampled_from(["redrawn", "added", "removed", "table"]))
    if how == "table":
        name = draw(st.sampled_from(sorted(_TABLE_EDITS)))
        found, put = _TABLE_EDITS[name]
        if name in edited:
            edited[name] = edited[name].replace(found, put)
        return edited
    name = draw(st.sampled_from(rule_files))
    lines = edited[name].split("\n")
    rules_at = [n for n, line in enumerate(lines) if line.startswith("    rule ")]
    at = draw(st.sampled_from(rules_at))
    if how == "redrawn":
        head = lines[at].split(":", 1)[0]
        lines[at] = f"{head}: {draw(rule_lines())}"
    elif how == "added":
        line = draw(rule_lines() | st.sampled_from(_STRONG))
        lines.insert(at + draw(st.integers(0, 1)), f"    rule added: {line}")
    elif len(rules_at) > 1:
        del lines[at]
    edited[name] = "\n".join(lines)
    return edited


#: a few patients over several weeks (a month end, a year end), more visits than the engine's
#: properties draw, so that an edit meets some and misses others
_EXPORTS = batches(4, 40, HISTORY_DAYS, st.sampled_from(RULE_CODES)) | st.integers(0, 10**6).map(
    lambda seed: sample_batch(60, seed, visits_per_day=6)
)


def _left_alone(before: RuleSet, reach: Reach | None, exports: Sequence[Batch]) -> bool:
    """Whether the reach leaves some patient of ``exports`` to the old rules."""
    if reach is None:
        return False
    patients, reached = set(), set()
    for batch in exports:
        for item in day_visits(batch):
            patient, case, visit = item.patient, item.case, item.visit
            patients.add(patient.id)
            payers = before.program.payers_of(patient, case, visit)
            codes = frozenset(c.cpt for c in visit.charges)
            if reach.reaches(payers, visit.date_of_service, codes):
                reached.add(patient.id)
    return bool(patients - reached)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), files=rule_texts(), batch=_EXPORTS)
def test_a_random_edit_of_random_rules_over_exports_of_several_weeks(tmp_path, data, files, batch):
    cut, with_history = data.draw(st.integers(1, 7)), data.draw(st.booleans())
    before = compile_files(files)
    after = compile_files(data.draw(_edited_texts(files)))
    days = sorted({v.date_of_service for v in batch.visits})
    exports = [
        attrs.evolve(batch, visits=tuple(v for v in batch.visits if (v.date_of_service in part)))
        for part in (days[:cut], days[cut:])
    ]
    # some visits come back in a last export, each a unit more or with another first code
    again = tuple(
        _resent(v, data.draw(st.sampled_from(["unit more", *RULE_CODES])), v)
        for v in data.draw(st.lists(st.sampled_from(batch.visits), max_size=3, unique_by=id))
    ) if batch.visits else ()  # fmt: skip
    exports.append(attrs.evolve(batch, visits=again))
    history = None
    if with_history:
        history = tmp_path / "history.sqlite"
        history.unlink(missing_ok=True)
        before.scrub(exports.pop(0), history=history)
    found = same(before, after, exports, history=history)
    reach = reach_of(before, after)
    event("no reach" if reach is None else f"{min(len(reach.changed), 3)} changed rules (3: 3+)")
    event("visits changed" if found.changed else "no visit changed")
    event("some patients left alone" if _left_alone(before, reach, exports) else "none left alone")


def test_a_reached_day_earlier_than_the_days_the_reach_left_alone(tmp_path):
    # P1's Friday (97112) is left to the old rules; its Monday, sent later, is reached: the
    # Friday is not scrubbed again by either way, and the Monday never counts what came after
    before, after = rules(COMMERCIAL + WEEKLY % 4), rules(COMMERCIAL + WEEKLY % 1)
    friday = export(
        visit("V1", "C1", "2026-03-06", "97112x2"), visit("V2", "C2", "2026-03-06", "97110x2")
    )
    monday = export(
        visit("V3", "C1", "2026-03-02", "97110x2"), visit("V4", "C2", "2026-03-02", "97112")
    )
    saturday = export(visit("V5", "C1", "2026-03-07", "97110x1"))
    found = same(before, after, [friday, monday, saturday])
    # the Saturday counts what the new rules billed on the Monday
    assert changed_ids(found) == {"V2", "V3", "V5"}
