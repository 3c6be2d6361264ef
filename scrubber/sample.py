"""A realistic synthetic EMR export, deterministic for a seed.

It exists so that the README, the docs, the balancing examples and the benchmarks all run on the
kind of data a therapy clinic really sends: several payers, PT and PTA providers, timed codes with
minutes, evaluations, NORCM notes, and the data problems billing runs into (a 5-digit ZIP on a
Medicare patient, a phone with an extension, an authorization number with a trailing space, ...).
SSNs it makes are in the 9xx range, which is never issued, so no real number can appear.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs

from scrubber.formats.emr import export_document
from scrubber.formats.sheets import csv_text
from scrubber.model.records import (
    Address,
    Batch,
    Case,
    Charge,
    Employer,
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
from scrubber.model.results import ScrubResult

__all__ = ["FIRST_DAY", "sample_batch", "sample_billing", "sample_document"]

FIRST_DAY = date(2026, 3, 2)  # a Monday
LOCATIONS = ("Main St", "Mesa", "Scottsdale")
PROVIDERS = (
    Provider("PT1", ProviderRole.PT),
    Provider("PT2", ProviderRole.PT),
    Provider("PT3", ProviderRole.PT),
    Provider("PTA1", ProviderRole.PTA),
    Provider("PTA2", ProviderRole.PTA),
    Provider("OT1", ProviderRole.OT),
)
# (payer id, class, weight)
PAYERS = (
    ("MCR-AZ", InsuranceClass.MEDICARE, 34),
    ("HUMANA-MA", InsuranceClass.MEDICARE_ADVANTAGE, 8),
    ("BCBS-AZ", InsuranceClass.COMMERCIAL, 24),
    ("UHC", InsuranceClass.COMMERCIAL, 10),
    ("AHCCCS", InsuranceClass.MEDICAID, 6),
    ("WC-AZ", InsuranceClass.WORKERS_COMP, 9),
    ("GEICO-PIP", InsuranceClass.AUTO, 6),
    ("SELF", InsuranceClass.SELF_PAY, 3),
)
TIMED = ("97110", "97112", "97116", "97140", "97530", "97535", "97035", "97032")
UNTIMED = ("97010", "97014", "97012", "97018")
EVALS = ("97161", "97162", "97163")
DIAGNOSES = ("M54.50", "M25.561", "M75.101", "M62.81", "R26.2", "M17.11", "G89.29")
INJURY_DIAGNOSES = ("S83.511A", "S39.012A", "S13.4XXA", "S46.011A")
FIRST_NAMES = (
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Frank",
    "Grace",
    "Hector",
    "Ines",
    "Jon",
    "Kim",
    "Luis",
    "Maya",
    "Noah",
    "Olga",
    "Pete",
    "Rosa",
    "Sam",
    "Tara",
    "Victor",
)
LAST_NAMES = (
    "Ruiz",
    "Nguyen",
    "Smith",
    "Patel",
    "Garcia",
    "Johnson",
    "Lee",
    "Brown",
    "Khan",
    "Lopez",
    "Martin",
    "Walker",
    "Young",
    "Silva",
    "Ortiz",
    "Reed",
)
STREETS = ("Main St", "Camelback Rd", "Central Ave", "Indian School Rd", "McDowell Rd")
CITIES = (("Phoenix", "850"), ("Mesa", "852"), ("Scottsdale", "852"), ("Tempe", "852"))


@attrs.define
class _Maker:
    rng: random.Random
    patients: list[Patient] = attrs.field(factory=list)
    cases: list[Case] = attrs.field(factory=list)
    visits: list[Visit] = attrs.field(factory=list)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def patient(self, n: int, insurance_class: InsuranceClass) -> Patient:
        rng = self.rng
        city, prefix = rng.choice(CITIES)
        zip5 = prefix + f"{rng.randrange(100):02d}"
        medicare = insurance_class is InsuranceClass.MEDICARE
        postal = zip5 + f"{rng.randrange(10000):04d}" if medicare or self.chance(0.4) else zip5
        if medicare and self.chance(0.04):
            postal = zip5  # ZIP+4 missing on a Medicare patient
        home_type = "home" if not self.chance(0.02) else rng.choice(("work", "billing"))
        addresses = [
            Address(
                home_type,
                f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
                city,
                "AZ",
                postal,
                primary=not self.chance(0.02),
            )
        ]
        if self.chance(0.15):
            addresses.append(
                Address(
                    "work",
                    f"{rng.randrange(1, 999)} Commerce Dr",
                    "Phoenix",
                    "AZ",
                    "85004",
                    primary=False,
                )
            )
        number = f"602555{rng.randrange(10000):04d}"
        phones = [
            Phone(
                number,
                primary=True,
                type="mobile",
                extension=f"{rng.randrange(100, 999)}" if self.chance(0.02) else None,
            )
        ]
        workers_comp = insurance_class is InsuranceClass.WORKERS_COMP
        has_ssn = self.chance(0.94 if workers_comp else 0.5)
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 60))
        if medicare:
            birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 20))
        return Patient(
            id=f"P{n}",
            first_name=rng.choice(FIRST_NAMES),
            middle_initial=rng.choice("ABCDEFGHJKLMNPRSTW") if self.chance(0.6) else None,
            last_name=rng.choice(LAST_NAMES),
            birth_date=birth,
            ssn=f"9{rng.randrange(10**8):08d}" if has_ssn else None,
            addresses=tuple(addresses),
            phones=tuple(phones),
        )

    def case(self, n: int, patient: Patient, payer: str, cls: InsuranceClass, start: date) -> Case:
        rng = self.rng
        claim = None
        cause = RelatedCause.NONE
        injury = None
        state = None
        employer = None
        insured_is_patient = True
        if cls is InsuranceClass.WORKERS_COMP:
            cause = RelatedCause.EMPLOYMENT
            injury = start - timedelta(days=rng.randrange(5, 60))
            claim = f"WC{rng.randrange(10**6):06d}" if not self.chance(0.04) else None
            if self.chance(0.2):
                insured_is_patient = False
                if not self.chance(0.3):
                    employer = Employer(
                        "Desert Logistics LLC",
                        claim,
                        Address("work", "77 Freight Way", "Phoenix", "AZ", "85009"),
                        Phone("6025559000", primary=True),
                    )
        elif cls is InsuranceClass.AUTO:
            cause = RelatedCause.AUTO_ACCIDENT
            injury = start - timedelta(days=rng.randrange(3, 40))
            state = "AZ" if not self.chance(0.1) else None
        elif self.chance(0.05):
            cause = RelatedCause.OTHER_ACCIDENT
            injury = start - timedelta(days=rng.randrange(3, 90)) if not self.chance(0.1) else None
        auth_required = cls in (
            InsuranceClass.COMMERCIAL,
            InsuranceClass.MEDICAID,
            InsuranceClass.MEDICARE_ADVANTAGE,
            InsuranceClass.WORKERS_COMP,
        )
        auth = None
        if auth_required:
            roll = rng.random()
            auth = (
                None
                if roll < 0.02
                else f"A{rng.randrange(10**6):06d} "
                if roll < 0.05
                else f"A{rng.randrange(10**6):06d}."
                if roll < 0.07
                else "0000"
                if roll < 0.16
                else f"A{rng.randrange(10**6):06d}"
            )
        subscriber = claim if cls is InsuranceClass.WORKERS_COMP else f"{rng.randrange(10**9):09d}X"
        if cls is InsuranceClass.MEDICARE:
            digits = [rng.randrange(10) for _ in range(3)]
            subscriber = f"{rng.randrange(1, 10)}EG{digits[0]}TE{digits[1]}MK{digits[2]}{digits[0]}"
        ytd = None
        if cls in (InsuranceClass.MEDICARE, InsuranceClass.MEDICARE_ADVANTAGE):
            ytd = Decimal(rng.randrange(0, 350000)) / 100
        insurance = Insurance(
            payer_id=payer,
            class_=cls,
            subscriber_id=subscriber,
            policy_start=date(2026, 1, 1) if not self.chance(0.015) else None,
            policy_end=None,
            claim_number=claim,
            insured_is_patient=insured_is_patient,
            employer=employer,
        )
        # An authorization covers a number of treatment days within dates; some courses run
        # past the count or the end date (the bundled rules hold those visits).
        visits_authorized = auth_start = auth_end = None
        if auth_required and auth is not None:
            visits_authorized = rng.choice((6, 8, 12, 12, 20))
            auth_start = start
            auth_end = start + timedelta(days=rng.choice((20, 30, 60, 60, 90)))
        care_start = care_end = None
        if cls is InsuranceClass.MEDICARE:
            care_start, care_end = start, start + timedelta(days=89)
        return Case(
            id=f"C{n}",
            patient_id=patient.id,
            insurance=insurance,
            related_cause=cause,
            injury_date=injury,
            accident_state=state,
            authorization_required=auth_required,
            authorization_number=auth,
            therapy_ytd_amount=ytd,
            authorization_visits=visits_authorized,
            authorization_start=auth_start,
            authorization_end=auth_end,
            plan_of_care_start=care_start,
            plan_of_care_end=care_end,
        )

    def charges(self, visit_id: str, kind: NoteType, medicare: bool, injury: bool) -> list[Charge]:
        rng = self.rng
        diagnoses = (rng.choice(INJURY_DIAGNOSES if injury else DIAGNOSES),)
        lines: list[tuple[str, int, int | None, tuple[str, ...]]] = []
        if kind is NoteType.EVALUATION:
            units = 2 if self.chance(0.05) else 1
            lines.append((rng.choice(EVALS), units, None, ()))
            if self.chance(0.5):
                lines.append(("97110", 1, rng.randrange(8, 20), ()))
        elif kind is NoteType.RE_EVALUATION:
            lines.append(("97164", 1, None, ()))
        else:
            if self.chance(0.05):
                code = "NORCM" if self.chance(0.7) else "NC001"
                lines.append((code, 1, None, ()))
            codes = rng.sample(TIMED[:6], rng.randrange(1, 4))
            for code in codes:
                minutes = rng.choice((8, 10, 13, 15, 18, 20, 23, 25, 30, 38, 45))
                units = max(1, (minutes + 7) // 15)
                if self.chance(0.12):
                    units += 1  # documented more units than the minutes support
                modifiers: tuple[str, ...] = ()
                if self.chance(0.3):
                    modifiers = ("GP",)
                if code == "97140" and "97530" in codes and self.chance(0.5):
                    modifiers = (*modifiers, "59")
                lines.append((code, units, minutes, modifiers))
            if self.chance(0.25):
                code = "97014" if medicare and self.chance(0.6) else rng.choice(UNTIMED)
                lines.append((code, 1, None, ()))
            if self.chance(0.06):
                lines.append(("97110", 7, 100, ()))  # past the MUE sample value
        return [
            Charge(f"{visit_id}-{i}", code, units, minutes, modifiers, diagnoses)
            for i, (code, units, minutes, modifiers) in enumerate(lines, start=1)
        ]

    def visit(self, n: int, case: Case, day: date, kind: NoteType) -> Visit:
        rng = self.rng
        provider = (
            rng.choice(PROVIDERS[:3]) if kind is not NoteType.DAILY else rng.choice(PROVIDERS)
        )
        if self.chance(0.01):
            provider = Provider("AIDE1", ProviderRole.AIDE)
        visit_id = f"V{n}"
        placeholder = kind is NoteType.EVALUATION and self.chance(0.05)
        medicare = case.insurance.class_ is InsuranceClass.MEDICARE
        injury = case.related_cause is not RelatedCause.NONE
        charges = () if placeholder else tuple(self.charges(visit_id, kind, medicare, injury))
        finalized = day + timedelta(days=1 if self.chance(0.1) else 0)
        if self.chance(0.02):
            kind = NoteType.DO_NOT_BILL
        return Visit(
            id=visit_id,
            case_id=case.id,
            date_of_service=day,
            location=rng.choice(LOCATIONS),
            provider=provider,
            note_type=kind,
            charges=charges,
            finalized_on=finalized,
        )


def _weekdays(first: date, count: int) -> list[date]:
    days: list[date] = []
    day = first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


#: how many visits a course of care has: mostly a few weeks, some a single visit, some long
COURSE_LENGTHS = (1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 20, 24)
COURSE_WEIGHTS = (10, 8, 8, 8, 10, 10, 10, 10, 8, 6, 6, 4)


def _course(rng: random.Random, days: list[date], start: int) -> list[date]:
    """The dates of one course: two or three visits a week from ``days[start]``, as long as
    the span of days allows."""
    length = rng.choices(COURSE_LENGTHS, COURSE_WEIGHTS)[0]
    steps = rng.choice(((2, 3), (2, 2, 1), (1, 2, 2), (2, 2, 1), (1, 1, 3)))
    chosen: list[date] = []
    at, n = start, 0
    while at < len(days) and len(chosen) < length:
        chosen.append(days[at])
        at += steps[n % len(steps)]
        n += 1
    return chosen


def _note(rng: random.Random, index: int, since_report: int) -> NoteType:
    """The note of the course's visit ``index``: an evaluation first; a progress report about
    every 10 treatment days (now and then forgotten); a re-evaluation now and then."""
    if index == 0:
        return NoteType.EVALUATION
    if since_report >= 9 and rng.random() < 0.8:
        return NoteType.PROGRESS
    if rng.random() < 0.02:
        return NoteType.RE_EVALUATION
    return NoteType.DAILY


def sample_batch(visits: int = 40, seed: int = 0, *, visits_per_day: int = 10) -> Batch:
    """A valid batch of about ``visits`` visits spread over weekdays from ``FIRST_DAY``: courses
    of care of one to several weeks, each starting with an evaluation, with progress notes,
    authorizations and plans of care."""
    rng = random.Random(seed)
    maker = _Maker(rng)
    day_count = max(1, -(-visits // visits_per_day))
    days = _weekdays(FIRST_DAY, day_count)
    weights = [w for *_, w in PAYERS]
    made = 0
    while made < visits:
        payer, cls, _ = rng.choices(PAYERS, weights)[0]
        number = len(maker.patients) + 1
        patient = maker.patient(number, cls)
        # Courses begin more often early in the span, so that many run several weeks.
        start_index = min(rng.randrange(len(days)), rng.randrange(len(days)))
        case = maker.case(number, patient, payer, cls, days[start_index])
        maker.patients.append(patient)
        maker.cases.append(case)
        since_report = 0
        for i, day in enumerate(_course(rng, days, start_index)):
            if made >= visits:
                break
            kind = _note(rng, i, since_report)
            made += 1
            visit = maker.visit(made, case, day, kind)
            maker.visits.append(visit)
            if visit.charges:
                reported = visit.note_type in (
                    NoteType.EVALUATION, NoteType.RE_EVALUATION, NoteType.PROGRESS
                )  # fmt: skip
                since_report = 0 if reported else since_report + 1
    ordered = sorted(maker.visits, key=lambda v: (v.date_of_service, int(v.id[1:])))
    return Batch(tuple(maker.patients), tuple(maker.cases), tuple(ordered))


# Each corruption makes one visit record unreadable in a different way: a wrong type, a negative
# count, a bad date, a case that does not exist, an unknown choice.
_CORRUPTIONS: tuple[tuple[str, Any], ...] = (
    ("units", "three"),
    ("units", -1),
    ("minutes", "38 min"),
    ("date_of_service", "03/02/2026"),
    ("case_id", None),
    ("note_type", "dailly"),
    ("charges", "97110"),
)


def sample_document(
    visits: int = 40, seed: int = 0, *, malformed: int = 0, visits_per_day: int = 10
) -> dict[str, Any]:
    """The export as a JSON-ready document, with ``malformed`` visit records made unreadable."""
    batch = sample_batch(visits, seed, visits_per_day=visits_per_day)
    document = export_document(batch)
    rng = random.Random(f"malformed-{seed}")
    targets = rng.sample(range(len(document["visits"])), min(malformed, len(document["visits"])))
    for n, index in enumerate(sorted(targets)):
        record = document["visits"][index]
        field, value = _CORRUPTIONS[n % len(_CORRUPTIONS)]
        if field in ("units", "minutes"):
            if not record["charges"]:
                record["charges"] = [{"id": f"{record['id']}-1", "cpt": "97110", "units": 1}]
            record["charges"][0][field] = value
        elif field == "case_id":
            record["case_id"] = "C-MISSING"
        else:
            record[field] = value
    return document


def sample_billing(batch: Batch, result: ScrubResult, seed: int = 0) -> str:
    """What a billing system's charge report of this scrub might look like, as CSV: every billed
    visit imported on the day the EMR finalized it, with what billing systems really do mixed
    in, so that ``scrubber reconcile`` has something to find:

    - a visit finalized on a Friday and imported the next Monday (a late import that crosses a
      week boundary: daily totals drift, weekly totals too, and the report says why);
    - visits imported a day late within the week (daily totals drift, weekly agree);
    - one held visit fixed and imported (a released hold);
    - three mistakes: a billed visit lost, a unit keyed twice, a code added by hand.
    """
    rng = random.Random(f"billing-{seed}")
    visits = {visit.id: visit for visit in batch.visits}
    billed = [visit for visit in result.billed if visit.charges]
    lost, doubled, added = (
        (billed[i].id for i in rng.sample(range(len(billed)), 3))
        if len(billed) >= 3
        else ("", "", "")
    )
    fridays = [
        v.id for v in billed if (visits[v.id].finalized_on or v.date_of_service).weekday() == 4
    ]
    crossing = fridays[0] if fridays else ""
    rows: list[tuple[str, str, str, str, str, int]] = []
    for visit in billed:
        if visit.id == lost:
            continue
        finalized = visits[visit.id].finalized_on or visit.date_of_service
        created = finalized + timedelta(
            days=3 if visit.id == crossing else (1 if rng.random() < 0.08 else 0)
        )
        for n, charge in enumerate(visit.charges):
            units = charge.units + (1 if visit.id == doubled and n == 0 else 0)
            rows.append((visit.id, visit.date_of_service.isoformat(), created.isoformat(),
                         visit.location, charge.cpt, units))  # fmt: skip
        if visit.id == added:
            rows.append((visit.id, visit.date_of_service.isoformat(), created.isoformat(),
                         visit.location, "97140", 1))  # fmt: skip
    if result.exceptions:
        held = result.exceptions[0]
        visit = visits[held.visit_id]
        created = (visit.finalized_on or visit.date_of_service) + timedelta(days=2)
        rows += [(held.visit_id, held.date_of_service.isoformat(), created.isoformat(),
                  visit.location, charge.cpt, charge.units) for charge in held.charges]  # fmt: skip
    rows.sort(key=lambda row: (row[2], row[0], row[4], row[5]))
    return csv_text(("visit_id", "date_of_service", "created_on", "location", "cpt", "units"), rows)
