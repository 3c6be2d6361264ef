"""The two rule corrections: pair edits are judged on the lines billed when the rule starts, and
the minute rules count per day (patient, date, payer, discipline) unless told ``per visit``."""

import itertools
import random
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from engine_helpers import DAY, batch_of, charge, check_conservation, rules_from, units_by_code
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scrubber.errors import RuleSetError
from scrubber.load import load_rules
from scrubber.model.records import (
    Batch,
    Case,
    Charge,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    Provider,
    ProviderRole,
    Visit,
)

RELAXED = settings(suppress_health_check=list(HealthCheck), deadline=None)

PTP = "column1,column2,modifier_indicator\n97530,97140,1\n97140,97124,1\n"


# ---- pair edits ------------------------------------------------------------------------------


@pytest.mark.parametrize("order", list(itertools.permutations(["97530", "97140", "97124"])))
def test_a_chain_of_pairs_denies_both_column_2_codes_in_every_order(tmp_path, order):
    rules = rules_from(
        tmp_path,
        'rules any {\n rule ptp: deny by table "tables/ptp.csv" per day\n}\n',
        {"ptp.csv": PTP},
    )
    batch = batch_of({"charges": [charge(code, 1) for code in order]})
    result = rules.scrub(batch)
    assert units_by_code(result) == {"97530": 1}
    assert sorted(e.cpt for e in result.audit) == ["97124", "97140"]
    check_conservation(batch, result)


def test_the_bundled_medicare_ptp_table_bills_the_same_in_either_order():
    rules = load_rules()
    billed = []
    for order in (["97530", "97140", "97124"], ["97124", "97140", "97530"]):
        batch = batch_of({"charges": [charge(code, 1, 15) for code in order]})
        billed.append(units_by_code(rules.scrub(batch)))
    assert billed[0] == billed[1]


PAIR_CODES = ("97530", "97140", "97124", "97110", "97161")


@st.composite
def _pair_rules(draw: st.DrawFn) -> str:
    lines = []
    for n in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 2)):
            lines.append(
                f' rule t{n}: deny by table "tables/ptp.csv" per {draw(st.sampled_from(["visit", "day"]))}'
            )
            continue
        codes = " ".join(
            draw(st.lists(st.sampled_from(PAIR_CODES), min_size=1, max_size=2, unique=True))
        )
        partners = draw(st.sampled_from(["any", *PAIR_CODES]))
        scope = draw(st.sampled_from(["visit", "day"]))
        bypass = draw(st.sampled_from(["", " unless modifier 59"]))
        lines.append(f" rule p{n}: deny {codes} with {partners} per {scope}{bypass}")
    return "rules any {\n" + "\n".join(lines) + "\n}\n"


@st.composite
def _one_day(draw: st.DrawFn) -> list[list[tuple[str, int, tuple[str, ...]]]]:
    """Visits of one patient on one day: each a list of (code, units, modifiers)."""
    # Mostly the chain 97530 > 97140 > 97124 of the table, mostly billed, few bypasses: where
    # the order of lines could matter.
    code = st.sampled_from(PAIR_CODES[:3]) | st.sampled_from(PAIR_CODES)
    units = st.integers(1, 3) | st.just(0)
    line = st.tuples(code, units, st.sampled_from([(), (), ("GP",), ("59",)]))
    return draw(st.lists(st.lists(line, min_size=0, max_size=4), min_size=1, max_size=3))


def _day_batch(visits, visit_order, line_orders) -> Batch:
    records = []
    for v in visit_order:
        lines = [(n, *visits[v][n]) for n in line_orders[v]]
        records.append({
            "id": f"V{v}",
            "charges": [charge(code, units, modifiers=mods, id=f"V{v}-{n}") for n, code, units, mods in lines],
        })  # fmt: skip
    return batch_of(*records)


@RELAXED
@given(rules_text=_pair_rules(), visits=_one_day(), seed=st.integers(0, 2**16))
def test_permuting_the_lines_and_visits_of_a_day_never_changes_what_pair_edits_bill(
    rules_text, visits, seed
):
    with tempfile.TemporaryDirectory() as folder:
        try:
            rules = rules_from(Path(folder), rules_text, {"ptp.csv": PTP})
        except RuleSetError:
            assume(False)  # two identical rules in a block: the checker refuses the set
    rng = random.Random(seed)
    straight = _day_batch(visits, range(len(visits)), [range(len(v)) for v in visits])
    shuffled_visits = rng.sample(range(len(visits)), len(visits))
    shuffled_lines = [rng.sample(range(len(v)), len(v)) for v in visits]
    shuffled = _day_batch(visits, shuffled_visits, shuffled_lines)

    def billed(batch: Batch) -> dict[tuple[str, str], int]:
        result = rules.scrub(batch)
        check_conservation(batch, result)
        units: Counter[tuple[str, str]] = Counter()
        for visit in (*result.billed, *result.exceptions):
            visit_id = getattr(visit, "id", None) or getattr(visit, "visit_id", "")
            for c in visit.charges:
                units[(visit_id, c.id)] += c.units
        return dict(units)

    assert billed(straight) == billed(shuffled)


# ---- minutes per day -------------------------------------------------------------------------


def test_two_pt_visits_of_8_minutes_on_one_day_bill_one_unit(tmp_path):
    rules = rules_from(
        tmp_path, "rules any {\n rule m: limit 97110 by minutes using cms-8-minute\n}\n"
    )
    batch = batch_of({"charges": [charge("97110", 1, 8)]}, {"charges": [charge("97110", 1, 8)]})
    result = rules.scrub(batch)
    assert units_by_code(result) == {"97110": 1}
    (entry,) = result.audit
    assert (entry.visit_id, entry.before, entry.after) == ("V2", 1, 0)
    assert entry.message == "97110 (16 min) limited from 1 to 0 units per day by test/m"


def test_per_visit_counts_each_visit_alone(tmp_path):
    rules = rules_from(
        tmp_path, "rules any {\n rule m: limit 97110 by minutes using cms-8-minute per visit\n}\n"
    )
    batch = batch_of({"charges": [charge("97110", 1, 8)]}, {"charges": [charge("97110", 1, 8)]})
    assert units_by_code(rules.scrub(batch)) == {"97110": 2}


def test_a_pta_counts_with_the_pt_and_an_ot_apart(tmp_path):
    rules = rules_from(
        tmp_path, "rules any {\n rule m: limit 97110 by minutes using cms-8-minute\n}\n"
    )
    pt, pta, ot = ({"id": i, "role": r} for i, r in (("PT1", "PT"), ("PTA1", "PTA"), ("OT1", "OT")))
    batch = batch_of(
        {"provider": pt, "charges": [charge("97110", 1, 8)]},
        {"provider": pta, "charges": [charge("97110", 1, 8)]},
        {"provider": ot, "charges": [charge("97110", 1, 8)]},
    )
    result = rules.scrub(batch)
    assert [(v.id, v.charges[0].units) for v in result.billed] == [("V1", 1), ("V3", 1)]


TIMED = ("97110", "97140", "97112", "97530")
ROLES = (ProviderRole.PT, ProviderRole.PTA, ProviderRole.OT, ProviderRole.COTA, ProviderRole.SLP,
         ProviderRole.STUDENT)  # fmt: skip


def _reference_units(minutes_by_code: dict[str, int], method: str) -> dict[str, int]:
    """The rules of thumb as a billing specialist applies them, written plainly."""

    def units(minutes: int) -> int:
        return 0 if minutes < 8 else (minutes + 7) // 15

    if method == "substantial-portion":
        return {code: units(m) for code, m in minutes_by_code.items()}
    allowed = {code: m // 15 for code, m in minutes_by_code.items()}
    left = units(sum(minutes_by_code.values())) - sum(allowed.values())
    remainders = [
        (-(m % 15), n, code) for n, (code, m) in enumerate(minutes_by_code.items()) if m % 15
    ]
    for _, _, code in sorted(remainders)[: max(left, 0)]:
        allowed[code] += 1
    return allowed


def _discipline(role: ProviderRole) -> str:
    return {"PTA": "PT", "COTA": "OT"}.get(role.value, role.value)


def _reference(batch: Batch, method: str, per_visit: bool) -> dict[str, int]:
    """Expected billed units per charge id."""
    groups: dict[tuple, list[tuple[int, int, Charge]]] = {}
    expected: dict[str, int] = {}
    for v, visit in enumerate(batch.visits):
        case = batch.case_of(visit)
        key = (visit.id,) if per_visit else (
            case.patient_id, visit.date_of_service, case.insurance.payer_id, _discipline(visit.provider.role)
        )  # fmt: skip
        for n, c in enumerate(visit.charges):
            expected[c.id] = c.units
            if c.cpt in TIMED and c.minutes is not None:
                groups.setdefault(key, []).append((v, n, c))
    for lines in groups.values():
        minutes: dict[str, int] = {}
        for _, _, c in lines:
            minutes[c.cpt] = minutes.get(c.cpt, 0) + (c.minutes or 0)
        allowed = _reference_units(minutes, method)
        for code in minutes:
            left = allowed[code]
            mine = sorted(
                (item for item in lines if item[2].cpt == code),
                key=lambda item: (-(item[2].minutes or 0), item[0], item[1]),
            )
            for _, _, c in mine:
                expected[c.id] = min(c.units, left)
                left -= expected[c.id]
    return expected


@st.composite
def _minute_days(draw: st.DrawFn) -> Batch:
    patient = Patient("P1", "Ana", "Ruiz", DAY)
    cases = (
        Case("C1", "P1", Insurance("MCR", InsuranceClass.MEDICARE)),
        Case("C2", "P1", Insurance("BCBS", InsuranceClass.COMMERCIAL)),
    )
    visits = []
    for v in range(draw(st.integers(1, 5))):
        charges = tuple(
            Charge(f"V{v}-{n}", draw(st.sampled_from(TIMED)), draw(st.integers(0, 4)),
                   draw(st.none() | st.integers(0, 50)))
            for n in range(draw(st.integers(0, 4)))
        )  # fmt: skip
        visits.append(Visit(
            f"V{v}", draw(st.sampled_from(["C1", "C2"])),
            draw(st.sampled_from([DAY, DAY.replace(day=DAY.day + 1)])), "Main St",
            Provider(f"X{v}", draw(st.sampled_from(ROLES))), NoteType.DAILY, charges,
        ))  # fmt: skip
    return Batch((patient,), cases, tuple(visits))


@pytest.fixture(scope="module")
def minute_rules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("minutes")
    found = {}
    for method in ("cms-8-minute", "substantial-portion"):
        for per in ("", " per visit", " per day"):
            text = f"codeset timed = {' '.join(TIMED)}\nrules any {{\n rule m: limit timed by minutes using {method}{per}\n}}\n"
            name = per.strip() or "default"
            found[(method, name)] = rules_from(folder / f"{method}-{name}".replace(" ", "-"), text)
    return found


@RELAXED
@given(batch=_minute_days(), method=st.sampled_from(["cms-8-minute", "substantial-portion"]),
       per=st.sampled_from(["default", "per day", "per visit"]))  # fmt: skip
def test_minute_rules_agree_with_a_reference_across_visits_and_disciplines(
    minute_rules, batch, method, per
):
    result = minute_rules[(method, per)].scrub(batch)
    check_conservation(batch, result)
    got = {c.id: c.units for v in result.billed for c in v.charges}
    expected = {
        cid: units for cid, units in _reference(batch, method, per == "per visit").items() if units
    }
    assert got == expected
