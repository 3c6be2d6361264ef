"""Records written as an 837P interchange: everything the reader maps, one claim per visit
(the visits ``CASE/DATE`` of one case, as the reader names a claim spanning several dates, are
one claim ``CASE``).

For ``dumps_export(batch, "x12")`` (the X12 benchmark's input) and for the round-trip property
of the test suite (written and read back, the records are equal on every field an 837P carries).
The submitter, receiver and billing provider are placeholders; the billing provider's taxonomy
is a physical therapist's; the patient's sex, which the records do not hold, is written as
unknown (DMG03 ``U``). What an 837P cannot carry raises ``ValueError`` naming the record: text
that holds a separator, a patient without an address, a visit without charges, a line
without a diagnosis or with more
than 4 modifiers or diagnoses, a claim with more than 12 diagnoses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scrubber.formats.x12.codes import CAUSE_CODES, CLASS_CODE, TAXONOMY_OF_ROLE
from scrubber.model.records import Batch, Charge, Patient, Provider, RelatedCause, Visit

__all__ = ["compose_837p"]

_SEPARATORS = "*:^~"
_CAUSE_CODE = {cause: code for code, cause in CAUSE_CODES.items()}


def _text(value: str | None) -> str:
    value = value or ""
    if any(c in value for c in _SEPARATORS) or "\n" in value:
        raise ValueError(f"{value!r} holds an X12 separator and cannot be written in an 837P")
    return value


def _d8(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _amount(charge: Charge) -> Decimal:
    """The line's charge (none: 0.00)."""
    return charge.amount if charge.amount is not None else Decimal("0.00")


def _segment(*elements: str | None) -> str:
    """A segment from its elements, the trailing empty ones left out (as X12 writes them)."""
    values = [_text(e) for e in elements]
    while values and not values[-1]:
        values.pop()
    return "*".join(values)


def _party(patient: Patient, qualifier: str, member: str | None) -> list[str]:
    segments = [_segment("NM1", qualifier, "1", patient.last_name, patient.first_name,
                         patient.middle_initial, "", "", "MI" if member else "", member)]  # fmt: skip
    address = patient.address
    if address is None:
        raise ValueError(f"patient {patient.id}: an 837P needs the patient's address (N3, N4)")
    segments.append(_segment("N3", address.line1, address.line2))
    segments.append(_segment("N4", address.city, address.state, address.postal_code))
    segments.append(f"DMG*D8*{_d8(patient.birth_date)}*U")  # the records hold no sex: unknown
    return segments


def _claim_id(visit: Visit) -> str:
    """The claim a visit belongs to: the reader names a visit of a claim spanning several dates
    ``CLM01/DATE`` and its case ``CLM01``; any other visit is a claim of its own."""
    if visit.id == f"{visit.case_id}/{visit.date_of_service.isoformat()}":
        return visit.case_id
    return visit.id


def _rendering(provider: Provider) -> list[str]:
    taxonomy = TAXONOMY_OF_ROLE.get(provider.role)
    if taxonomy is None:
        raise ValueError(f"provider {provider.id}: a {provider.role.value} has no taxonomy code")
    return [_segment("NM1", "82", "1", "PROVIDER", "", "", "", "", "XX", provider.id),
            f"PRV*PE*PXC*{taxonomy}"]  # fmt: skip


def _subscriber(batch: Batch, visit: Visit, hl: int) -> list[str]:
    """Loops 2000B/2010BA/2010BB, and 2000C/2010CA when the patient is not the subscriber."""
    case = batch.case_of(visit)
    patient = batch.patient_of(visit)
    insurance = case.insurance
    member = insurance.subscriber_id or patient.id
    filing = CLASS_CODE.get(insurance.class_, "ZZ")
    payer = _segment("NM1", "PR", "2", "PAYER", "", "", "", "", "PI", insurance.payer_id)
    refs = [f"REF*SY*{_text(patient.ssn)}"] if patient.ssn else []
    if insurance.claim_number:
        refs.append(f"REF*Y4*{_text(insurance.claim_number)}")
    if insurance.insured_is_patient:
        return [f"HL*{hl}*1*22*0", f"SBR*P*18*******{filing}",
                *_party(patient, "IL", member), *refs, payer]  # fmt: skip
    subscriber = _segment("NM1", "IL", "1", patient.last_name, "SUBSCRIBER", "", "", "", "MI",
                          member)  # fmt: skip
    return [f"HL*{hl}*1*22*1", f"SBR*P********{filing}", subscriber, payer,
            f"HL*{hl + 1}*{hl}*23*0", "PAT*19", *_party(patient, "QC", None), *refs]  # fmt: skip


def _claim(batch: Batch, claim_id: str, visits: list[Visit]) -> list[str]:
    """Loop 2300 and its lines: the visits of one claim (one, or one per date)."""
    first = visits[0]
    case = batch.case_of(first)
    charges = [charge for visit in visits for charge in visit.charges]
    if not charges:
        raise ValueError(f"claim {claim_id}: an 837P claim has at least one service line")
    diagnoses = list(dict.fromkeys(code for c in charges for code in c.diagnosis_codes))
    if len(diagnoses) > 12:
        raise ValueError(f"claim {claim_id}: an 837P claim holds at most 12 diagnosis codes")
    if len({visit.location for visit in visits}) > 1:
        raise ValueError(f"claim {claim_id}: the visits of one claim share a service facility")
    total = sum((_amount(c) for c in charges), start=Decimal(0))
    clm = f"CLM*{_text(claim_id)}*{total}***11:B:1*Y*A*Y*Y"
    if case.related_cause is not RelatedCause.NONE:
        clm += f"**{_CAUSE_CODE[case.related_cause]}"
        if case.accident_state:
            clm += f":::{_text(case.accident_state)}"
    segments = [clm]
    if case.injury_date is not None:
        segments.append(f"DTP*439*D8*{_d8(case.injury_date)}")
    if case.authorization_number:
        segments.append(f"REF*G1*{_text(case.authorization_number)}")
    segments.append("HI*" + "*".join(
        f"{'ABK' if n == 0 else 'ABF'}:{_text(code)}" for n, code in enumerate(diagnoses)
    ))  # fmt: skip
    segments += [*_rendering(first.provider), _segment("NM1", "77", "2", first.location),
                 "N3*1 MAIN ST", "N4*PHOENIX*AZ*850041234"]  # fmt: skip
    number = 0
    for visit in visits:
        for charge in visit.charges:
            number += 1
            if len(charge.modifiers) > 4:
                raise ValueError(f"charge {charge.id}: an 837P line holds at most 4 modifiers")
            if not 1 <= len(charge.diagnosis_codes) <= 4:
                raise ValueError(f"charge {charge.id}: an 837P line points to 1 to 4 diagnoses")
            procedure = ":".join(["HC", _text(charge.cpt), *(_text(m) for m in charge.modifiers)])
            pointers = ":".join(str(diagnoses.index(code) + 1) for code in charge.diagnosis_codes)
            segments += [
                f"LX*{number}",
                f"SV1*{procedure}*{_amount(charge)}*UN*{charge.units}***{pointers}",
                f"DTP*472*D8*{_d8(visit.date_of_service)}",
            ]
            if visit.provider != first.provider:  # loop 2420A: this line's rendering provider
                segments += _rendering(visit.provider)
    return segments


def compose_837p(batch: Batch, control: int = 1) -> str:
    """The visits of ``batch`` as one 837P interchange (``~`` ends each segment, one a line)."""
    body = ["ST*837*0001*005010X222A1", f"BHT*0019*00*{control}*20260101*1200*CH",
            "NM1*41*2*SCRUBBER SAMPLE*****46*SCRUBBER", "PER*IC*BILLING*TE*6025550100",
            "NM1*40*2*RECEIVER*****46*RECEIVER", "HL*1**20*1", "PRV*BI*PXC*225100000X",
            "NM1*85*2*SAMPLE THERAPY*****XX*1234567893", "N3*1 MAIN ST", "N4*PHOENIX*AZ*850041234",
            "REF*EI*861234567"]  # fmt: skip
    claims: dict[str, list[Visit]] = {}
    for visit in batch.visits:
        claims.setdefault(_claim_id(visit), []).append(visit)
    hl = 2
    for claim_id, visits in claims.items():
        subscriber = _subscriber(batch, visits[0], hl)
        body += [*subscriber, *_claim(batch, claim_id, visits)]
        hl += sum(1 for segment in subscriber if segment.startswith("HL*"))
    body.append(f"SE*{len(body) + 1}*0001")
    isa = (f"ISA*00*          *00*          *ZZ*SCRUBBER       *ZZ*RECEIVER       *260101*1200*^*"
           f"00501*{control:09d}*0*P*:")  # fmt: skip
    segments = [isa, f"GS*HC*SCRUBBER*RECEIVER*20260101*1200*{control}*X*005010X222A1", *body,
                f"GE*1*{control}", f"IEA*1*{control:09d}"]  # fmt: skip
    return "~\n".join(segments) + "~\n"
