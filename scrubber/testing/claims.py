"""Strategies for what an X12 837P carries: batches that survive an 837P round trip, and the
interchanges written from them."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from scrubber.model.records import (
    Address,
    Batch,
    Case,
    Charge,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    Provider,
    ProviderRole,
    RelatedCause,
    Visit,
)

__all__ = ["claim_batches", "interchanges"]

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
