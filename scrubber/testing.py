"""Hypothesis strategies for scrubber's records, batches and rule sets, for downstream test suites.

```python
from hypothesis import given, strategies as st
from scrubber import Charge
from scrubber.testing import batches

@given(st.from_type(Charge))        # registered for every record type when hypothesis loads
def test_my_export_code(charge): ...

@given(batches())                   # valid batches: unique ids, every reference resolves
def test_my_billing_import(batch): ...
```

Needs hypothesis (``pip install scrubber[test]``); importing ``scrubber`` alone never does.

Strings are drawn from all of Unicode including whitespace at the ends, because the reader must
keep them exactly as received. Amounts are decimals of any scale, because money must round-trip
exactly (``"1200.00"`` must not come back as ``"1200"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

try:
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - exercised in a subprocess without hypothesis
    raise ImportError("scrubber.testing needs hypothesis: pip install 'scrubber[test]'") from None

from scrubber.formats.emr import export_document
from scrubber.model.records import (
    Address,
    Batch,
    Case,
    Charge,
    Employer,
    Guarantor,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    Phone,
    Provider,
    ProviderRole,
    RelatedCause,
    Visit,
)

__all__ = [
    "CORRUPTIONS",
    "RECORDS",
    "RULE_CODES",
    "addresses",
    "batches",
    "cases",
    "charges",
    "claim_batches",
    "document_of",
    "documents_with_bad_records",
    "employers",
    "guarantors",
    "history_batches",
    "insurances",
    "interchanges",
    "patients",
    "phones",
    "providers",
    "rule_batches",
    "rule_lines",
    "rule_texts",
    "visits",
]

raw_text = st.text(max_size=12)
optional_text = st.none() | raw_text
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
optional_dates = st.none() | dates
amounts = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9)
counts = st.integers(min_value=0, max_value=1000)
codes = st.sampled_from(
    ["97110", "97112", "97140", "97530", "97014", "G0283", "97161", "NORCM"]
) | st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=5, max_size=5)
modifiers = st.sampled_from(["GP", "GO", "GN", "CQ", "CO", "KX", "59", "XU", "XE", "25"])

addresses = st.builds(
    Address,
    type=st.sampled_from(["home", "work", "billing", "Home "]) | raw_text,
    line1=raw_text,
    city=raw_text,
    state=raw_text,
    postal_code=st.from_regex(r"[0-9]{5}([0-9]{4})?", fullmatch=True) | raw_text,
    primary=st.booleans(),
    line2=optional_text,
)
phones = st.builds(
    Phone, number=raw_text, primary=st.booleans(), type=optional_text, extension=optional_text
)
guarantors = st.builds(
    Guarantor,
    first_name=raw_text,
    last_name=raw_text,
    relationship=raw_text,
    address=st.none() | addresses,
    phone=st.none() | phones,
)
employers = st.builds(
    Employer,
    name=raw_text,
    claim_number=optional_text,
    address=st.none() | addresses,
    phone=st.none() | phones,
)
insurances = st.builds(
    Insurance,
    payer_id=raw_text,
    class_=st.sampled_from(InsuranceClass),
    subscriber_id=optional_text,
    policy_start=optional_dates,
    policy_end=optional_dates,
    claim_number=optional_text,
    insured_is_patient=st.booleans(),
    employer=st.none() | employers,
)
providers = st.builds(Provider, id=raw_text, role=st.sampled_from(ProviderRole))


def patients(ids: st.SearchStrategy[str] = raw_text) -> st.SearchStrategy[Patient]:
    return st.builds(
        Patient,
        id=ids,
        first_name=raw_text,
        last_name=raw_text,
        birth_date=dates,
        middle_initial=optional_text,
        ssn=st.none() | st.from_regex(r"[0-9]{9}", fullmatch=True) | raw_text,
        addresses=st.lists(addresses, max_size=3).map(tuple),
        phones=st.lists(phones, max_size=3).map(tuple),
        guarantor=st.none() | guarantors,
    )


def cases(
    ids: st.SearchStrategy[str] = raw_text, patient_ids: st.SearchStrategy[str] = raw_text
) -> st.SearchStrategy[Case]:
    return st.builds(
        Case,
        id=ids,
        patient_id=patient_ids,
        insurance=insurances,
        related_cause=st.sampled_from(RelatedCause),
        injury_date=optional_dates,
        accident_state=optional_text,
        authorization_required=st.booleans(),
        authorization_number=st.none()
        | st.sampled_from(["0000", "A123456", "A123456 ", "A123456."])
        | raw_text,
        therapy_ytd_amount=st.none() | amounts,
        authorization_visits=st.none() | st.integers(0, 30),
        authorization_start=optional_dates,
        authorization_end=optional_dates,
        plan_of_care_start=optional_dates,
        plan_of_care_end=optional_dates,
    )


def charges(
    ids: st.SearchStrategy[str] = raw_text, cpts: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Charge]:
    return st.builds(
        Charge,
        id=ids,
        cpt=cpts if cpts is not None else codes,
        units=st.integers(0, 12),
        minutes=st.none() | st.integers(0, 120),
        modifiers=st.lists(modifiers, max_size=4, unique=True).map(tuple),
        diagnosis_codes=st.lists(
            st.sampled_from(["M54.50", "M25.561", "S83.511A"]), max_size=3
        ).map(tuple),
        amount=st.none() | amounts,
    )


def visits(
    ids: st.SearchStrategy[str] = raw_text,
    case_ids: st.SearchStrategy[str] = raw_text,
    charge_lists: st.SearchStrategy[tuple[Charge, ...]] | None = None,
) -> st.SearchStrategy[Visit]:
    return st.builds(
        Visit,
        id=ids,
        case_id=case_ids,
        date_of_service=dates,
        location=st.sampled_from(["Main St", "Mesa"]),
        provider=providers,
        note_type=st.sampled_from(NoteType),
        charges=charge_lists
        if charge_lists is not None
        else st.lists(charges(), max_size=4).map(tuple),
        finalized_on=optional_dates,
    )


#: Every record type, for round-trip tests.
RECORDS: dict[type, st.SearchStrategy[Any]] = {
    Address: addresses,
    Phone: phones,
    Guarantor: guarantors,
    Employer: employers,
    Insurance: insurances,
    Provider: providers,
    Patient: patients(),
    Case: cases(),
    Charge: charges(),
    Visit: visits(),
}


@st.composite
def batches(
    draw: st.DrawFn,
    max_patients: int = 6,
    max_visits: int = 12,
    days: st.SearchStrategy[date] = dates,
    charge_codes: st.SearchStrategy[str] | None = None,
) -> Batch:
    """A valid batch: unique ids, every case's patient and every visit's case present.

    ``days`` narrows the dates of service (a few days make ``per day`` rules meet several
    visits); ``charge_codes`` narrows the codes on the lines.
    """
    n_patients = draw(st.integers(1, max_patients))
    patient_list = [draw(patients(st.just(f"P{i}"))) for i in range(n_patients)]
    case_list = [
        draw(cases(st.just(f"C{i}"), st.sampled_from([p.id for p in patient_list])))
        for i in range(draw(st.integers(1, n_patients + 2)))
    ]
    visit_list = []
    for i in range(draw(st.integers(0, max_visits))):
        n_charges = draw(st.integers(0, 4))
        charge_tuple = tuple(
            draw(charges(st.just(f"V{i}-{j}"), charge_codes)) for j in range(n_charges)
        )
        case_ids = st.sampled_from([c.id for c in case_list])
        visit = draw(visits(st.just(f"V{i}"), case_ids, st.just(charge_tuple)))
        visit_list.append(attrs.evolve(visit, date_of_service=draw(days)))
    return Batch(tuple(patient_list), tuple(case_list), tuple(visit_list))


# ---- claims: what an X12 837P carries ----------------------------------------------------------

_claim_ids = st.text(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), min_size=2, max_size=12)
_claim_names = (
    st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ -'"), min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)
#: every class an 837P names (self-pay has no claim filing indicator: it is read back as other)
_claim_classes = st.sampled_from([c for c in InsuranceClass if c is not InsuranceClass.SELF_PAY])
#: the roles with a taxonomy code (students and aides do not bill)
_claim_roles = st.sampled_from(
    [ProviderRole.PT, ProviderRole.PTA, ProviderRole.OT, ProviderRole.COTA, ProviderRole.SLP]
)
_claim_addresses = st.builds(
    Address, type=st.just("home"), line1=_claim_names.filter(lambda n: len(n) > 1),
    city=_claim_names.filter(lambda n: len(n) > 1), state=st.sampled_from(["AZ", "CA"]),
    postal_code=st.sampled_from(["85004", "850041234", "90210"]), primary=st.just(True),
    line2=st.none() | _claim_names,
)  # fmt: skip


@st.composite
def claim_batches(draw: st.DrawFn) -> Batch:
    """Valid batches holding only what an X12 837P carries, so that written as an 837P
    (``compose_837p``) and read back (``read_x12``) they are equal: one case per claim, a claim
    of one to three dates (a visit each, ids as the reader makes them: ``CLAIM0`` or
    ``CLAIM0/2026-03-09``), lines ``CLAIM0/LX1``..., an address for every patient, a diagnosis
    on every line, the roles and classes an 837P names, text without X12 separators, money to
    the cent."""
    patients: dict[str, Patient] = {}
    cases, visits = [], []
    for n in range(draw(st.integers(1, 4))):
        member = draw(_claim_ids)
        is_patient = draw(st.booleans())
        last, first = draw(_claim_names), draw(_claim_names)
        birth = draw(st.dates(date(1920, 1, 1), date(2025, 12, 31)))
        patient_id = member if is_patient else f"{member}/{last},{first}/{birth.isoformat()}"
        patient = patients.setdefault(patient_id, Patient(
            patient_id, first, last, birth, middle_initial=draw(st.none() | st.sampled_from("AM")),
            ssn=draw(st.none() | st.just("123456789")),
            addresses=(draw(_claim_addresses),),
        ))  # fmt: skip
        cause = draw(st.sampled_from(RelatedCause))
        case_id = f"CLAIM{n}"
        cases.append(Case(
            case_id, patient.id,
            Insurance(draw(_claim_ids), draw(_claim_classes), member,
                      claim_number=draw(st.none() | _claim_ids), insured_is_patient=is_patient),
            related_cause=cause,
            injury_date=draw(st.none() | st.dates(date(2020, 1, 1), date(2026, 12, 31))),
            accident_state=draw(st.none() | st.sampled_from(["AZ", "CA"]))
            if cause is RelatedCause.AUTO_ACCIDENT else None,
            authorization_number=draw(st.none() | _claim_ids),
        ))  # fmt: skip
        days = draw(st.lists(st.dates(date(2024, 1, 1), date(2026, 12, 31)), min_size=1,
                             max_size=3, unique=True))  # fmt: skip
        location, provider = draw(_claim_names), Provider(draw(_claim_ids), draw(_claim_roles))
        line = 0
        for day in days:
            charges = []
            for _ in range(draw(st.integers(1, 3))):
                line += 1
                charges.append(Charge(
                    f"{case_id}/LX{line}",
                    draw(st.sampled_from(["97110", "97140", "97530", "G0283"])),
                    draw(st.integers(0, 12)), None,
                    tuple(draw(st.lists(st.sampled_from(["GP", "GO", "KX", "59", "CQ"]),
                                        max_size=4, unique=True))),
                    tuple(draw(st.lists(st.sampled_from(["M5450", "M25561", "S83511A"]),
                                        min_size=1, max_size=4, unique=True))),
                    draw(st.decimals(min_value=0, max_value=99999, places=2)),
                ))  # fmt: skip
            if draw(st.booleans()):  # another therapist that day (a line-level provider)
                provider = Provider(draw(_claim_ids), draw(_claim_roles))
            visit_id = case_id if len(days) == 1 else f"{case_id}/{day.isoformat()}"
            visits.append(Visit(visit_id, case_id, day, location, provider, NoteType.DAILY,
                                tuple(charges)))  # fmt: skip
    return Batch(tuple(patients.values()), tuple(cases), tuple(visits))


def interchanges() -> st.SearchStrategy[str]:
    """837P interchanges (005010X222A1) of ``claim_batches``, as ``compose_837p`` writes them:
    accepted by an 837P validator, for tests of code that reads or sends claims."""
    from scrubber.formats.x12.compose import compose_837p

    return claim_batches().map(compose_837p)


def document_of(batch: Batch) -> dict[str, Any]:
    return export_document(batch)


# Ways to make one visit record unreadable; each takes a good visit record (a dict) and the batch.
def _wrong_units(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "charges": [{"id": record["id"] + "-x", "cpt": "97110", "units": "three"}]}


def _negative_units(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "charges": [{"id": record["id"] + "-x", "cpt": "97110", "units": -1}]}


def _missing_key(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "date_of_service"}


def _unknown_case(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "case_id": "NO-SUCH-CASE"}


def _bad_date(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "date_of_service": "03/02/2026"}


def _not_an_object(record: dict[str, Any]) -> Any:
    return ["not", "a", "visit"]


def _float_units(record: dict[str, Any]) -> dict[str, Any]:
    return {
        **record,
        "charges": [{"id": record["id"] + "-x", "cpt": "97110", "units": Decimal("2.5")}],
    }


CORRUPTIONS: tuple[Callable[[dict[str, Any]], Any], ...] = (
    _wrong_units,
    _negative_units,
    _missing_key,
    _unknown_case,
    _bad_date,
    _not_an_object,
    _float_units,
)


@st.composite
def documents_with_bad_records(draw: st.DrawFn) -> tuple[dict[str, Any], Batch, int]:
    """(document, the valid batch inside it, k): k bad records injected among the good ones.

    Bad visits get fresh ids; a duplicate id is injected only after the original, so the good
    record is the one kept. Bad patients and cases are referenced by nothing, so no good record
    depends on them.
    """
    batch = draw(batches())
    document = document_of(batch)
    k = 0
    template = {
        "id": "T",
        "case_id": batch.cases[0].id,
        "date_of_service": "2026-03-02",
        "location": "Main St",
        "provider": {"id": "PT1", "role": "PT"},
        "note_type": "daily",
        "charges": [],
    }
    for n in range(draw(st.integers(0, 6))):
        corrupt = draw(st.sampled_from(CORRUPTIONS))
        bad = corrupt({**template, "id": f"BAD{n}"})
        position = draw(st.integers(0, len(document["visits"])))
        document["visits"].insert(position, bad)
        k += 1
    duplicate_visit = draw(st.booleans())
    if batch.visits and duplicate_visit:
        original = document["visits"].index(
            next(v for v in document["visits"] if isinstance(v, dict) and v.get("id") == "V0")
        )
        duplicate = {**document["visits"][original], "charges": []}
        document["visits"].insert(
            draw(st.integers(original + 1, len(document["visits"]))), duplicate
        )
        k += 1
    if draw(st.booleans()):
        document["patients"].insert(
            draw(st.integers(0, len(document["patients"]))),
            {"id": "BADP", "first_name": 1, "last_name": "X", "birth_date": "x"},
        )
        k += 1
    if draw(st.booleans()):
        document["cases"].insert(
            draw(st.integers(0, len(document["cases"]))),
            {
                "id": "BADC",
                "patient_id": batch.patients[0].id,
                "insurance": {"payer_id": "X", "class": "medicar"},
            },
        )
        k += 1
    return document, batch, k


# ---- rule sets -------------------------------------------------------------------------------

RULE_CODES = ("97110", "97140", "97530", "97014", "G0283", "97161", "97162", "NORCM", "97035")
RULE_DAYS = st.sampled_from([date(2026, 3, 2), date(2026, 3, 3)])
rule_batches = batches(
    max_patients=3, max_visits=10, days=RULE_DAYS, charge_codes=st.sampled_from(RULE_CODES)
)
#: dates across weeks, a month end and a year end, for rules that count across visits
HISTORY_DAYS = st.sampled_from([
    date(2025, 12, 29), date(2025, 12, 31), date(2026, 1, 2), date(2026, 1, 5),
    date(2026, 1, 7), date(2026, 1, 30), date(2026, 2, 2), date(2026, 2, 4),
])  # fmt: skip
#: batches of a few patients over several weeks: the days that counts and caps per week,
#: month and year look across
history_batches = batches(
    max_patients=3, max_visits=14, days=HISTORY_DAYS, charge_codes=st.sampled_from(RULE_CODES)
)

RULES_HEADER = (
    "codeset timed = 97110 97140 97530 97035\n"
    'payer medicare "Medicare" when insurance.class = "medicare"\n'
)
MUE_TABLE = (
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    "97110,3,3 Date of Service Edit: Clinical,x\n97035,1,1 Line Edit,x\n97161,1,2 Date of Service Edit: Policy,x\n"
)
PTP_TABLE = "column1,column2,modifier_indicator\n97530,97140,1\n97161,97110,0\n97110,97035,9\n"

# Conditions that do not read what rules change (units, modifiers, codes): rule sets built from
# them and the idempotent actions give the same result when scrubbed twice.
STABLE_LINE_CONDITIONS = (
    'provider.role = "PTA"',
    'provider.role != "PTA"',
    "charge.minutes > 10",
    "charge.minutes is missing",
    'insurance.class in ["medicare", "commercial"]',
    "case.therapy_ytd_amount > 2480.00",
    "patient.address.postal_code matches /^[0-9]{9}$/",
    "visit.date_of_service >= 2026-03-03",
)
# Counts across visits change when billed output (which leaves out fully scrubbed visits) is
# scrubbed again: never in the idempotent sets.
COUNT_CONDITIONS = (
    "visit.treatment_day > 1",
    "visit.days_since_report >= 1",
    "visit.authorization_day > case.authorization_visits",
    "visit.date_of_service > case.authorization_end",
    "visit.year_day > 2",
)
CHANGING_LINE_CONDITIONS = (
    "charge.units > 2",
    "charge.modifiers has GP",
    "not charge.modifiers has 59",
    *COUNT_CONDITIONS,
)
VISIT_CONDITIONS = (
    'provider.role = "PTA"',
    "patient.ssn is missing",
    "case.authorization_required = true",
    *COUNT_CONDITIONS,
)


def _codes_text(draw: st.DrawFn) -> str:
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return "any"
    if choice == 1:
        return "timed"
    return " ".join(
        draw(st.lists(st.sampled_from(RULE_CODES), min_size=1, max_size=3, unique=True))
    )


class _Chooser:
    """The random choices an action kind draws its sample rule from, backed by hypothesis."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def codes(self) -> str:
        return _codes_text(self._draw)

    def number(self) -> int:
        return self._draw(st.integers(0, 4))

    def one_of(self, options: Sequence[str]) -> str:
        return self._draw(st.sampled_from(list(options)))

    def unit_table(self) -> str:
        return "tables/mue.csv"

    def pair_table(self) -> str:
        return "tables/ptp.csv"


@st.composite
def rule_lines(draw: st.DrawFn, idempotent: bool = False) -> str:
    """One rule (without its id): an action of any kind and maybe a condition.

    ``idempotent`` keeps to the kinds whose rules give the same result scrubbed again over
    billed output, with conditions that do not read what rules change."""
    from scrubber.actions import KINDS
    from scrubber.actions.base import ActionKind

    kinds = [kind for kind in KINDS if kind.idempotent or not idempotent]
    kind: ActionKind[Any] = draw(st.sampled_from(kinds))
    action, visit_level = kind.sample(_Chooser(draw))
    if visit_level:
        conditions: tuple[str, ...] = VISIT_CONDITIONS
    elif idempotent:
        conditions = STABLE_LINE_CONDITIONS
    else:
        conditions = STABLE_LINE_CONDITIONS + CHANGING_LINE_CONDITIONS
    if draw(st.booleans()):
        action += (
            f" {draw(st.sampled_from(['when', 'unless']))} {draw(st.sampled_from(conditions))}"
        )
    return action


@st.composite
def rule_texts(draw: st.DrawFn, idempotent: bool = False) -> dict[str, str]:
    """A rule folder as {file name: text}, plus the tables its rules may load (under tables/).

    It may not check clean (two disagreeing caps, a rule shadowed by an earlier drop): callers
    ``assume`` that it does.
    """
    files = {"tables/mue.csv": MUE_TABLE, "tables/ptp.csv": PTP_TABLE}
    for name in draw(
        st.lists(st.sampled_from(["a_common", "b_payer"]), min_size=1, max_size=2, unique=True)
    ):
        lines = [RULES_HEADER] if name == "a_common" else []
        for block in range(draw(st.integers(1, 2))):
            payer = draw(st.sampled_from(["any", "medicare"]))
            if payer == "medicare" and name != "a_common":
                if not any(line.startswith("payer medicare2") for line in lines):
                    lines.append('payer medicare2 "Medicare" when insurance.class = "medicare"')
                payer = "medicare2"
            dates = draw(
                st.sampled_from(
                    ["", " effective 2026-03-03", " effective 2026-01-01 through 2026-03-02"]
                )
            )
            lines.append(f"rules {payer}{dates} {{")
            for n in range(draw(st.integers(1, 5))):
                lines.append(f"    rule r{block}-{n}: {draw(rule_lines(idempotent))}")
            lines.append("}")
        files[f"{name}.rules"] = "\n".join(lines) + "\n"
    return files


def _hypothesis_setup_hook() -> None:
    """Run by hypothesis when it is imported (the "hypothesis" entry point of this package):
    ``st.from_type(Charge)`` and friends then draw scrubber records."""
    for record, strategy in RECORDS.items():
        st.register_type_strategy(record, strategy)
    st.register_type_strategy(Batch, batches())
