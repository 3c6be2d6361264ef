"""The engine against the billing facts (the 8-minute rule, MUE, PTP, KX, G0283, ZIP+4) and the
semantics of the rule language: scopes, order, holds, the audit trail."""

import subprocess
import sys
from pathlib import Path

import pytest
from engine_helpers import batch_of, charge, check_conservation, rules_from, units_by_code

from scrubber.actions.limit_minutes import cms_8_minute, substantial_portion
from scrubber.formats.emr import parse_export
from scrubber.formats.results import dumps_result

MEDICARE = 'payer medicare "Medicare Part B" when insurance.class = "medicare"\n'
TIMED = "codeset timed = 97110 97112 97116 97140 97530 97535 97032 97033 97035\n"


def test_cms_8_minute_worked_example():
    # 18 min 97110, 13 min 97140, 10 min 97116, 8 min 97035 = 49 min -> 3 units
    assert cms_8_minute({"97110": 18, "97140": 13, "97116": 10, "97035": 8}) == {
        "97110": 1, "97140": 1, "97116": 1, "97035": 0,
    }  # fmt: skip


def test_cms_8_minute_worked_example_through_the_engine(tmp_path):
    rules = rules_from(
        tmp_path,
        TIMED
        + MEDICARE
        + "rules medicare {\n rule eight: limit timed by minutes using cms-8-minute\n}\n",
    )
    batch = batch_of({"charges": [
        charge("97110", 2, 18), charge("97140", 1, 13), charge("97116", 1, 10), charge("97035", 1, 8),
    ]})  # fmt: skip
    result = rules.scrub(batch)
    assert units_by_code(result) == {"97110": 1, "97140": 1, "97116": 1}
    cut = [(e.cpt, e.before, e.after) for e in result.audit]
    assert cut == [("97110", 2, 1), ("97035", 1, 0)]
    check_conservation(batch, result)


def test_midpoint_contrast():
    # 8 min 97110 + 8 min 97140: 2 units by the midpoint rule, 1 under Medicare's 8-minute rule.
    assert substantial_portion({"97110": 8, "97140": 8}) == {"97110": 1, "97140": 1}
    assert sum(cms_8_minute({"97110": 8, "97140": 8}).values()) == 1


def test_minutes_never_raise_units_and_skip_lines_without_minutes(tmp_path):
    rules = rules_from(
        tmp_path, TIMED + "rules any {\n rule m: limit timed by minutes using cms-8-minute\n}\n"
    )
    batch = batch_of({"charges": [charge("97110", 1, 60), charge("97140", 4, None)]})
    result = rules.scrub(batch)
    assert units_by_code(result) == {"97110": 1, "97140": 4}
    assert result.audit == ()


def test_per_day_mue_split_across_two_visits(tmp_path):
    rules = rules_from(
        tmp_path, MEDICARE + 'rules medicare {\n rule mue: limit by table "tables/mue.csv" per day\n}\n',
        {"mue.csv": "code,units\n97110,4\n"},
    )  # fmt: skip
    batch = batch_of({"charges": [charge("97110", 3)]}, {"charges": [charge("97110", 3)]})
    result = rules.scrub(batch)
    # The later visit's line loses units first: 3 + 1 = 4.
    assert [[c.units for c in v.charges] for v in result.billed] == [[3], [1]]
    (entry,) = result.audit
    assert (entry.visit_id, entry.before, entry.after, entry.units_delta) == ("V2", 3, 1, -2)
    assert entry.rule == "test/mue" and entry.source == "rules/test.rules:3:12"
    assert entry.message == "97110 limited from 3 to 1 unit per day by test/mue"
    check_conservation(batch, result)


def test_per_day_cap_does_not_mix_days_or_patients(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per day\n}\n")
    batch = batch_of(
        {"charges": [charge("97110", 2)]},
        {"date_of_service": "2026-03-03", "charges": [charge("97110", 2)]},
    )
    assert rules.scrub(batch).audit == ()


def test_cms_mue_indicator_decides_the_scope_when_the_rule_does_not(tmp_path):
    table = ("HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
             "97032,4,1 Line Edit,x\n97110,6,3 Date of Service Edit: Clinical,x\n")  # fmt: skip
    rules = rules_from(
        tmp_path, 'rules any {\n rule mue: limit by table "tables/mue.csv"\n}\n', {"mue.csv": table}
    )
    batch = batch_of({"charges": [charge("97032", 3), charge("97032", 3), charge("97110", 4)]},
                     {"charges": [charge("97110", 4)]})  # fmt: skip
    result = rules.scrub(batch)
    # 97032 is capped per line (3 and 3 both fit under 4); 97110 per day (4 + 4 -> 4 + 2).
    assert [(e.cpt, e.visit_id, e.after) for e in result.audit] == [("97110", "V2", 2)]


@pytest.mark.parametrize(
    ("modifiers", "denied"), [((), True), (("59",), False), (("XU",), False), (("GP",), True)]
)
def test_ptp_pair_with_and_without_bypass_modifier(tmp_path, modifiers, denied):
    rules = rules_from(
        tmp_path, "rules any {\n rule ptp: deny 97140 with 97530 per day unless modifier 59 XU\n}\n"
    )
    batch = batch_of(
        {"charges": [charge("97530", 2)]}, {"charges": [charge("97140", 1, modifiers=modifiers)]}
    )
    result = rules.scrub(batch)
    assert ("97140" not in units_by_code(result)) is denied
    if denied:
        (entry,) = result.audit
        assert (entry.action, entry.units_delta) == ("deny", -1)
    check_conservation(batch, result)


def test_ptp_table_honours_indicator_and_bypass(tmp_path):
    table = "column1,column2,modifier_indicator\n97161,97140,1\n97163,97140,0\n"
    rules = rules_from(
        tmp_path,
        'rules any {\n rule ptp: deny by table "tables/ptp.csv" per day\n}\n',
        {"ptp.csv": table},
    )
    bypassed = batch_of({"charges": [charge("97161", 1), charge("97140", 1, modifiers=("59",))]})
    assert units_by_code(rules.scrub(bypassed)) == {"97161": 1, "97140": 1}
    no_bypass = batch_of({"charges": [charge("97163", 1), charge("97140", 1, modifiers=("59",))]})
    assert units_by_code(rules.scrub(no_bypass)) == {"97163": 1}


def test_kx_threshold_chosen_by_date_of_service(tmp_path):
    text = MEDICARE + (
        "rules medicare effective 2025-01-01 through 2025-12-31 {\n"
        " rule kx-2025: add modifier KX to 97110 when case.therapy_ytd_amount > 2410.00\n}\n"
        "rules medicare effective 2026-01-01 {\n"
        " rule kx-2026: add modifier KX to 97110 when case.therapy_ytd_amount > 2480.00\n}\n"
    )
    rules = rules_from(tmp_path, text)
    for day, amount, expected in [("2025-06-02", "2450.00", ["test/kx-2025"]), ("2026-06-01", "2450.00", []),
                                  ("2026-06-01", "2500.00", ["test/kx-2026"])]:  # fmt: skip
        batch = batch_of(
            {"date_of_service": day, "charges": [charge("97110", 1)]}, therapy_ytd_amount=amount
        )
        assert [e.rule for e in rules.scrub(batch).audit] == expected, (day, amount)


def test_block_dates_hold_on_their_first_and_last_day_with_plans_shared(tmp_path):
    """Plans are memoized per span between block boundaries: the days on either side of each
    boundary, scrubbed in one batch by one rule set, must each see exactly their blocks."""
    text = MEDICARE + (
        "rules medicare effective 2026-02-01 through 2026-02-28 {\n"
        " rule feb: add modifier KX to 97110\n}\n"
    )
    rules = rules_from(tmp_path, text)
    days = ["2026-01-31", "2026-02-01", "2026-02-14", "2026-02-28", "2026-03-01", "2026-01-30"]
    for _ in range(2):  # the second round is answered from the memo
        batch = batch_of(*({"date_of_service": d, "charges": [charge("97110", 1)]} for d in days))
        fired = {str(e.date_of_service) for e in rules.scrub(batch).audit if e.rule == "test/feb"}
        assert fired == {"2026-02-01", "2026-02-14", "2026-02-28"}


def test_g0283_replaces_97014_and_units_move_with_it(tmp_path):
    rules = rules_from(tmp_path, MEDICARE + "rules medicare {\n rule estim: replace 97014 with G0283\n"
                       " rule cap: limit G0283 to 1 unit per visit\n}\n")  # fmt: skip
    batch = batch_of({"charges": [charge("97014", 2)]})
    result = rules.scrub(batch)
    assert units_by_code(result) == {"G0283": 1}
    replace, limit = result.audit
    assert (replace.action, replace.before, replace.after, replace.units) == (
        "replace",
        "97014",
        "G0283",
        2,
    )
    assert (limit.cpt, limit.units_delta) == ("G0283", -1)
    check_conservation(batch, result)


def test_cq_on_pta_lines_only(tmp_path):
    rules = rules_from(
        tmp_path,
        TIMED + 'rules any {\n rule cq: add modifier CQ to timed when provider.role = "PTA"\n}\n',
    )
    batch = batch_of({"provider": {"id": "A1", "role": "PTA"}, "charges": [charge("97110", 1), charge("97161", 1)]},
                     {"charges": [charge("97110", 1)]})  # fmt: skip
    result = rules.scrub(batch)
    assert [(v.id, [c.modifiers for c in v.charges]) for v in result.billed] == [
        ("V1", [("CQ",), ()]), ("V2", [()]),
    ]  # fmt: skip


def test_trailing_space_authorization_is_held(tmp_path):
    rules = rules_from(tmp_path, 'rules any {\n rule auth "Pending Authorization": hold "Pending Authorization" '
                       "when case.authorization_required = true and not case.authorization_number matches "
                       "/^(0000|[A-Z0-9]+)$/\n}\n")  # fmt: skip
    for number, held in [
        ("A123456 ", True),
        ("A123456.", True),
        ("0000", False),
        ("A123456", False),
    ]:
        batch = batch_of(
            {"charges": [charge("97110", 2)]},
            authorization_required=True,
            authorization_number=number,
        )
        result = rules.scrub(batch)
        assert bool(result.exceptions) is held, number
        if held:
            (exception,) = result.exceptions
            assert exception.reasons[0].message == "Pending Authorization"
            assert exception.reasons[0].source == "rules/test.rules:2:37"
        check_conservation(batch, result)


def test_every_hold_reason_is_listed(tmp_path):
    rules = rules_from(
        tmp_path, 'rules any {\n rule a: hold "First"\n rule b: hold "Second" for 97110\n}\n'
    )
    result = rules.scrub(batch_of({"charges": [charge("97110", 2)]}))
    assert [r.message for r in result.exceptions[0].reasons] == ["First", "Second"]
    assert result.billed == ()


def test_a_fifth_modifier_holds_the_visit(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule gp: add modifier GP to 97110\n}\n")
    batch = batch_of({"charges": [charge("97110", 1, modifiers=("59", "KX", "CQ", "XU"))]})
    result = rules.scrub(batch)
    (held,) = result.exceptions
    assert held.reasons[0].message.startswith("Too many modifiers: GP cannot be added to 97110")
    assert held.charges[0].modifiers == ("59", "KX", "CQ", "XU")
    check_conservation(batch, result)


def test_drop_and_deny_are_told_apart_and_empty_visits_are_explained(tmp_path):
    rules = rules_from(
        tmp_path, "rules any {\n rule no-bill: drop NORCM NC001\n rule nope: deny 97750\n}\n"
    )
    batch = batch_of({"charges": [charge("NORCM", 1), charge("97110", 2)]}, {"charges": [charge("97750", 1)]},
                     {"charges": []}, {"charges": [charge("97110", 0)]})  # fmt: skip
    result = rules.scrub(batch)
    assert [v.id for v in result.billed] == ["V1"]
    assert [(e.visit_id, e.rule, e.action, e.charge_id) for e in result.audit] == [
        ("V1", "test/no-bill", "drop", "V1-1"), ("V2", "test/nope", "deny", "V2-1"),
        ("V3", "scrubber/no-charges", "drop", None), ("V4", "scrubber/no-units", "drop", None),
    ]  # fmt: skip
    check_conservation(batch, result)


def test_limit_total_takes_from_later_lines_first(tmp_path):
    rules = rules_from(tmp_path, "codeset evals = 97161 97162 97163\nrules any {\n"
                       " rule once: limit total of evals to 1 unit per visit\n}\n")  # fmt: skip
    batch = batch_of({"charges": [charge("97161", 1), charge("97162", 1), charge("97110", 2)]})
    result = rules.scrub(batch)
    assert units_by_code(result) == {"97161": 1, "97110": 2}
    check_conservation(batch, result)


def test_set_fills_the_ssn_and_the_audit_masks_it(tmp_path):
    rules = rules_from(tmp_path, 'rules any {\n rule ssn: set patient.ssn to "999999999" when patient.ssn is missing\n'
                       ' rule wc: hold "No SSN" when patient.ssn = "999999999"\n}\n')  # fmt: skip
    result = rules.scrub(batch_of({"charges": [charge("97110", 1)]}))
    set_entry, hold_entry = result.audit
    assert (set_entry.action, set_entry.before, set_entry.after) == ("set", None, "***-**-9999")
    assert "999999999" not in dumps_result(result)
    assert hold_entry.action == "hold"


def test_rules_apply_in_file_then_block_then_rule_order(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "b.rules").write_text(
        "rules any {\n rule cap: limit 97110 to 1 unit per line\n}\n", encoding="utf-8"
    )
    (folder / "a.rules").write_text(
        "rules any {\n rule first: replace 97112 with 97110\n}\n", encoding="utf-8"
    )
    from scrubber.load import load_rules

    result = load_rules(folder).scrub(batch_of({"charges": [charge("97112", 3)]}))
    assert [e.rule for e in result.audit] == ["a/first", "b/cap"]
    assert units_by_code(result) == {"97110": 1}


def test_output_bytes_are_identical_across_hash_seeds(tmp_path):
    example = Path(__file__).resolve().parent.parent / "docs" / "examples" / "emr_export.json"
    outputs = []
    for seed in ("1", "2", "random"):
        run = subprocess.run(
            [sys.executable, "-m", "scrubber", "scrub", str(example), "--fail-on", "none"],
            capture_output=True, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""}, cwd=tmp_path,
        )  # fmt: skip
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert b'"audit"' in outputs[0]


def test_per_visit_scope_does_not_reach_into_other_visits_of_the_day(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per visit\n"
                       " rule pair: deny 97140 with 97530 per visit\n}\n")  # fmt: skip
    batch = batch_of({"charges": [charge("97110", 2), charge("97530", 1)]},
                     {"charges": [charge("97110", 2), charge("97140", 1)]})  # fmt: skip
    result = rules.scrub(batch)
    assert result.audit == ()
    same_visit = batch_of({"charges": [charge("97110", 3), charge("97530", 1), charge("97140", 1)]})
    assert [(e.rule, e.cpt, e.units_delta) for e in rules.scrub(same_visit).audit] == [
        ("test/cap", "97110", -1), ("test/pair", "97140", -1),
    ]  # fmt: skip


def test_per_line_cap_caps_each_line(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule cap: limit 97110 to 2 units per line\n}\n")
    batch = batch_of({"charges": [charge("97110", 3), charge("97110", 2)]})
    assert [c.units for c in rules.scrub(batch).billed[0].charges] == [2, 2]


def test_rules_of_another_payer_do_not_touch_a_visit(tmp_path):
    rules = rules_from(
        tmp_path, MEDICARE + "rules medicare {\n rule cap: limit 97110 to 1 unit per day\n}\n"
    )
    batch = batch_of({"charges": [charge("97110", 3)]}, insurance_class="commercial")
    assert rules.scrub(batch).audit == ()


def test_deny_with_any_partner(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule alone: deny 97750 with any per visit\n}\n")
    assert units_by_code(rules.scrub(batch_of({"charges": [charge("97750", 1)]}))) == {"97750": 1}
    assert units_by_code(
        rules.scrub(batch_of({"charges": [charge("97750", 1), charge("97110", 1)]}))
    ) == {"97110": 1}


def test_minutes_keep_units_on_the_lines_with_the_minutes(tmp_path):
    rules = rules_from(
        tmp_path, "rules any {\n rule m: limit 97110 by minutes using cms-8-minute\n}\n"
    )
    batch = batch_of({"charges": [charge("97110", 1, 0), charge("97110", 1, 10)]})
    result = rules.scrub(batch)
    assert [(c.id, c.units) for c in result.billed[0].charges] == [("V1-2", 1)]
    check_conservation(batch, result)


def test_scrub_group_takes_one_patient_day_and_keeps_each_item_in_its_place():
    from scrubber.errors import ScrubberError
    from scrubber.load import load_rules
    from scrubber.sample import sample_batch

    rules = load_rules()
    batch = sample_batch(60, seed=2)
    by_group: dict[tuple[str, object], list[int]] = {}
    for n, visit in enumerate(batch.visits):
        by_group.setdefault((batch.patient_of(visit).id, visit.date_of_service), []).append(n)
    whole = rules.scrub(batch)
    billed, audit = [], []
    for numbers in by_group.values():
        items = [
            (n, batch.patient_of(batch.visits[n]), batch.case_of(batch.visits[n]), batch.visits[n])
            for n in numbers
        ]
        outcome = rules.scrub_group(items[::-1])  # any order in: placed by their numbers
        billed += outcome.billed
        audit += outcome.audit
    assert [v for _, v in sorted(billed, key=lambda item: item[0])] == list(whole.billed)
    merged = [e._replace(seq=n) for n, (_, e) in enumerate(sorted(audit, key=lambda i: i[0]), 1)]
    assert merged == list(whole.audit)
    two = [(0, batch.patient_of(v), batch.case_of(v), v) for v in batch.visits[:40]]
    with pytest.raises(ScrubberError, match="one patient on one date"):
        rules.scrub_group(two)


def test_payers_by_case_follow_the_case_and_unchanged_visits_are_billed_as_read(tmp_path):
    # A visit's payers are memoized per case (issue 29): the same rules, a case of another
    # insurance class, in a second scrub, must not get the first case's payers.
    rules = rules_from(
        tmp_path, MEDICARE + "rules medicare {\n rule gp: add modifier GP to 97110\n}\n"
    )
    medicare = batch_of({"charges": [charge("97110", 1)]}, {"charges": [charge("97530", 1)]})
    commercial = batch_of({"charges": [charge("97110", 1)]}, insurance_class="commercial")
    first, second = rules.scrub(medicare), rules.scrub(commercial)
    assert first.billed[0].charges[0].modifiers == ("GP",)
    assert first.billed[1] is medicare.visits[1]  # no rule changed it: not copied
    assert second.billed[0].charges[0].modifiers == ()
    assert second.billed[0] is commercial.visits[0]


def test_payers_are_asked_once_per_combination_of_the_values_they_read(tmp_path):
    # Payers are memoized by the values their conditions read (issue 29: an 837P has a case per
    # claim): two cases alike in those values share one answer; a case differing in any of
    # them (here the cause, read by one payer only) gets its own.
    rules = rules_from(
        tmp_path,
        MEDICARE + 'payer wc "Workers comp" when case.related_cause = "employment"\n'
        "rules medicare {\n rule gp: add modifier GP to 97110\n}\n"
        "rules wc {\n rule kx: add modifier KX to 97110\n}\n",
    )
    cases = [("C1", "medicare", "none"), ("C2", "medicare", "employment"),
             ("C3", "commercial", "employment"), ("C4", "medicare", "none")]  # fmt: skip
    document = {
        "patients": [{"id": "P1", "first_name": "Ana", "last_name": "Ruiz",
                      "birth_date": "1950-02-03"}],
        "cases": [{"id": case, "patient_id": "P1", "related_cause": cause,
                   "insurance": {"payer_id": "X", "class": kind}} for case, kind, cause in cases],
        "visits": [{"id": f"V{case}", "case_id": case, "date_of_service": f"2026-03-0{n}",
                    "location": "Main St", "provider": {"id": "PT1", "role": "PT"},
                    "note_type": "daily",
                    "charges": [{"id": f"V{case}-1", "cpt": "97110", "units": 1}]}
                   for n, (case, _, _) in enumerate(cases, start=1)],
    }  # fmt: skip
    result = rules.scrub(parse_export(document))
    assert [v.charges[0].modifiers for v in result.billed] == [
        ("GP",),
        ("GP", "KX"),
        ("KX",),
        ("GP",),
    ]
    # C1 and C4 read alike ("medicare", "none"): three combinations were asked
    assert len(rules.program._payers_by_values) == 3
