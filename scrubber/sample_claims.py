"""The synthetic sample as a billing service receives it: an 837P of one claim per visit.

So that a newcomer can try the X12 path (``scrubber sample --format x12``, then ``scrubber scrub``)
without a claim file of their own. It is the sample export (``scrubber.sample``) as an 837P would
carry it: what an 837P cannot say is left out (a placeholder evaluation without charges, a note
finalized as do-not-bill or by an aide, the codes that never flow such as NORCM, a patient
without a primary address), every line is priced from a small price list, and every provider
has an NPI whose check digit is right (the Luhn formula over ``80840`` and the first nine digits,
as CMS defines it) and the taxonomy of their profession. The data problems the rules are for
stay in: 5-digit ZIP codes on Medicare patients, 97014 for Medicare, 97140 with 97530, units
past the MUE, lines by assistants.
"""

from __future__ import annotations

import random
from decimal import Decimal

import attrs

from scrubber.formats.x12.compose import compose_837p
from scrubber.model.records import Batch, Case, NoteType, Provider, ProviderRole, Visit
from scrubber.sample import sample_batch

__all__ = ["PRICES", "npi", "npi_is_valid", "sample_claims", "sample_x12"]

#: a clinic's price per unit of each code the sample bills (its charge master)
PRICES: dict[str, Decimal] = {
    **dict.fromkeys(("97161", "97162", "97163", "97164"), Decimal("150.00")),
    **dict.fromkeys(("97110", "97112", "97116", "97530", "97535"), Decimal("45.00")),
    "97140": Decimal("42.00"),
    **dict.fromkeys(("97035", "97032"), Decimal("22.00")),
    **dict.fromkeys(("97010", "97012", "97014", "97018", "G0283"), Decimal("20.00")),
}
#: codes that never flow to billing: no claim carries them
_NEVER_FLOW = frozenset({"NORCM", "NC001"})
#: roles an 837P names by a taxonomy (an aide or a student does not bill)
_BILLING_ROLES = frozenset(
    {ProviderRole.PT, ProviderRole.PTA, ProviderRole.OT, ProviderRole.COTA, ProviderRole.SLP}
)


def _luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits`` (every second digit from the right doubled)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return str((10 - total % 10) % 10)


def npi(first_nine: str) -> str:
    """An NPI from its first nine digits: the tenth is the Luhn check digit computed over the
    prefix ``80840`` and those nine (the NPI standard's card issuer prefix)."""
    if len(first_nine) != 9 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError(f"an NPI starts with nine digits, not {first_nine!r}")
    return first_nine + _luhn_digit("80840" + first_nine)


def npi_is_valid(text: str) -> bool:
    """Whether ``text`` is ten digits whose last is the NPI check digit."""
    return len(text) == 10 and text.isascii() and text.isdigit() and npi(text[:9]) == text


def _billable(visit: Visit, batch: Batch) -> Visit | None:
    """The visit as a claim carries it, or None when no claim would be sent for it."""
    patient = batch.patient_of(visit)
    if (
        visit.note_type is NoteType.DO_NOT_BILL
        or visit.provider.role not in _BILLING_ROLES
        or patient.address is None
    ):
        return None
    charges = tuple(
        attrs.evolve(charge, amount=PRICES.get(charge.cpt, Decimal("40.00")) * charge.units)
        for charge in visit.charges
        if charge.cpt not in _NEVER_FLOW and charge.units > 0
    )
    return attrs.evolve(visit, charges=charges) if charges else None


def sample_claims(visits: int = 40, seed: int = 0, *, visits_per_day: int = 10) -> Batch:
    """The sample batch as an 837P carries it (see the module's docstring): providers named by
    valid NPIs, lines priced, the visits no claim would carry left out."""
    batch = sample_batch(visits, seed, visits_per_day=visits_per_day)
    rng = random.Random(f"npi-{seed}")
    npis: dict[str, str] = {}
    kept: list[Visit] = []
    for visit in batch.visits:
        billable = _billable(visit, batch)
        if billable is None:
            continue
        provider = visit.provider
        if provider.id not in npis:
            npis[provider.id] = npi(f"1{rng.randrange(10**8):08d}")
        kept.append(attrs.evolve(billable, provider=Provider(npis[provider.id], provider.role)))
    cases = {visit.case_id for visit in kept}
    patients = {batch.case(case).patient_id for case in cases}
    return Batch(
        tuple(p for p in batch.patients if p.id in patients),
        tuple(_as_claimed(c) for c in batch.cases if c.id in cases),
        tuple(kept),
    )


def _as_claimed(case: Case) -> Case:
    """The case as billing sends it: an authorization number a clearinghouse would refuse (a
    trailing space or period, which the EMR sample holds on purpose) as billing keyed it."""
    number = case.authorization_number
    return attrs.evolve(case, authorization_number=number.rstrip(" .") if number else number)


def sample_x12(visits: int = 40, seed: int = 0, *, visits_per_day: int = 10) -> str:
    """The sample as one 837P interchange (005010X222A1), one claim per visit."""
    return compose_837p(sample_claims(visits, seed, visits_per_day=visits_per_day))
