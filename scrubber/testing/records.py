"""Strategies for the export's records and for whole valid batches.

Strings are drawn from all of Unicode including whitespace at the ends, because the reader must
keep them exactly as received. Amounts are decimals of any scale, because money must round-trip
exactly (``"1200.00"`` must not come back as ``"1200"``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
from hypothesis import strategies as st

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
    "RECORDS",
    "addresses",
    "amounts",
    "batches",
    "cases",
    "charges",
    "codes",
    "counts",
    "dates",
    "employers",
    "guarantors",
    "insurances",
    "modifiers",
    "optional_dates",
    "optional_text",
    "patients",
    "phones",
    "providers",
    "raw_text",
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


#: records with their ids left blank: ``batches`` names them. Built once, because hypothesis
#: validates a strategy the first time it draws from it, and building one per record drawn made
#: drawing (and so shrinking) a batch several times slower.
_unnamed_patients = patients(st.just(""))
_unnamed_cases = cases(st.just(""), st.just(""))
_unnamed_visits = visits(st.just(""), st.just(""), st.just(()))


def batches(
    max_patients: int = 6,
    max_visits: int = 12,
    days: st.SearchStrategy[date] = dates,
    charge_codes: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Batch]:
    """A valid batch: unique ids, every case's patient and every visit's case present.

    ``days`` narrows the dates of service (a few days make ``per day`` rules meet several
    visits); ``charge_codes`` narrows the codes on the lines.
    """
    return _batches(max_patients, max_visits, days, charges(st.just(""), charge_codes))


@st.composite
def _batches(
    draw: st.DrawFn,
    max_patients: int,
    max_visits: int,
    days: st.SearchStrategy[date],
    unnamed_charges: st.SearchStrategy[Charge],
) -> Batch:
    n_patients = draw(st.integers(1, max_patients))
    patient_list = [attrs.evolve(draw(_unnamed_patients), id=f"P{i}") for i in range(n_patients)]
    case_list = [
        attrs.evolve(
            draw(_unnamed_cases),
            id=f"C{i}",
            patient_id=patient_list[draw(st.integers(0, n_patients - 1))].id,
        )
        for i in range(draw(st.integers(1, n_patients + 2)))
    ]
    visit_list = []
    for i in range(draw(st.integers(0, max_visits))):
        n_charges = draw(st.integers(0, 4))
        charge_tuple = tuple(
            attrs.evolve(draw(unnamed_charges), id=f"V{i}-{j}") for j in range(n_charges)
        )
        case_id = case_list[draw(st.integers(0, len(case_list) - 1))].id
        visit = draw(_unnamed_visits)
        visit_list.append(
            attrs.evolve(
                visit, id=f"V{i}", case_id=case_id, charges=charge_tuple,
                date_of_service=draw(days),
            )
        )  # fmt: skip
    return Batch(tuple(patient_list), tuple(case_list), tuple(visit_list))
