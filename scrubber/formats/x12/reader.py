"""837P interchanges (005010X222A1 or a later addendum) read into the records of an EMR export.

One case per claim (``CLM01``); one visit per claim and date of service (the line's
``DTP*472``); one charge per service line (``SV1``). The patient is the subscriber (2010BA) when
``SBR02`` is ``18``, else the patient of 2010CA; the payer is 2010BB's ``NM1*PR``; the insurance
class comes from ``SBR09``, the provider's role from the rendering provider's taxonomy (the
line's, else the claim's, else the billing provider's). Ids name where things are in the
claim: the visit is ``CLM01`` (``CLM01/2026-03-02`` when the claim spans several dates), the
charge ``CLM01/LX2``, the patient the subscriber's member id (a dependent adds name and birth
date).

A claim that cannot be mapped is rejected with the position of the offending segment in its
transaction set (ST = 1, as a 999 acknowledgment counts) and a plain message; the rest of the
interchange is read. What the billed interchange needs (where each claim and line is, its
original charges) is kept in an ``Interchange``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from scrubber.formats.convert import COUNT_LIMITS
from scrubber.formats.ledger import Claim as Stands
from scrubber.formats.ledger import Ledger, Place, fingerprint
from scrubber.formats.x12.codes import CAUSE_CODES, CLASS_OF_FILING, role_of
from scrubber.formats.x12.elements import amount_of, d8, pointer_of, whole_units
from scrubber.formats.x12.envelopes import Envelope, parse_interchanges
from scrubber.formats.x12.loops import Claim, Context, Party, TransactionReader
from scrubber.formats.x12.segments import Delimiters, Segment, Segments, X12Error, shown
from scrubber.model.records import (
    Address,
    Batch,
    Case,
    CaseOrigin,
    Charge,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    Provider,
    ProviderRole,
    Rejected,
    RelatedCause,
    Visit,
)

__all__ = ["ClaimPlace", "Interchange", "LinePlace", "read_x12"]

MAX_UNITS = COUNT_LIMITS[(Charge, "units")]
#: the elements a line's SV1 is read to (SV107), each empty when the segment stops before it
_EMPTY = ("",) * 8


@attrs.frozen
class LinePlace:
    """Where a service line is: its charge id, and the indexes (in its transaction set) of its
    LX segment, its SV1 segment and the end of its loop; its charge and units, and (so that the
    writer rebuilds only what changed) its code and modifiers as received (empty: not known,
    the writer reads them)."""

    charge_id: str
    lx: int
    sv1: int
    end: int
    amount: Decimal
    units: int
    code: tuple[str, ...] = ()


@attrs.frozen
class ClaimPlace:
    """Where a claim is: its interchange (``envelope``, an index into
    ``Interchange.envelopes``), its transaction set (an index into that interchange's), the
    indexes of its CLM and of the end of its loop, and its lines; ``charged`` is CLM02 as an
    amount (None: not an amount, or not known; the writer reads it)."""

    clm01: str
    transaction: int
    clm: int
    end: int
    lines: tuple[LinePlace, ...]
    rejected: bool
    envelope: int = 0
    charged: Decimal | None = None


@attrs.frozen
class Interchange:
    """An X12 file as read: what stood before its first ISA (a byte-order mark, white space),
    its interchanges (one or several, each with its separators, segments and transaction sets),
    and where each claim and line is."""

    lead: str
    envelopes: tuple[Envelope, ...] = attrs.field(repr=False)
    claims: tuple[ClaimPlace, ...] = attrs.field(repr=False)


class _Problem(Exception):
    """A claim that cannot be mapped: the segment's place in its transaction set and why."""

    def __init__(self, position: int, segment: str, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.segment = segment
        self.message = message


@attrs.define
class _Built:
    patient: Patient
    case: Case
    visits: list[Visit]
    place: ClaimPlace
    #: the position of the patient's NM1 (2010BA or 2010CA), where the ledger places the patient
    patient_at: int
    #: the patient's digest (``ledger.fingerprint``)
    digest: int


def read_x12(text: str, *, default_role: ProviderRole | None = None) -> tuple[Batch, Interchange]:
    """The records of the 837P interchanges of a file (one or several), and where each claim
    is in them. ``X12Error`` (a ``ValueError``, one line) when the file cannot be read as a
    whole: it holds anything but 837P claims of version 005010X222A1 or a later addendum, it
    is UTF-16 or indented, an envelope is broken, or it holds no claim at all.

    ``default_role`` is the role of a claim that names no taxonomy on any of its loops (PRV is
    situational: small practices send none); without it such a claim's provider is ``other``,
    as is one whose taxonomy is not a therapist's."""
    lead, envelopes = parse_interchanges(text)
    patients: dict[str, Patient] = {}
    cases: list[Case] = []
    visits: list[Visit] = []
    rejected: list[Rejected] = []
    places: list[ClaimPlace] = []
    seen: set[str] = set()
    ledger = Ledger(repeats=True)  # a patient stands on each of its claims: the same each time
    built_patients: _Patients = {}
    accepted: set[tuple[str, int]] = set()  # the patients the ledger holds: id and digest
    for envelope_index, envelope in enumerate(envelopes):
        place = f"interchange {envelope.ordinal}, " if len(envelopes) > 1 else ""
        for index, transaction in enumerate(envelope.transactions):
            reader = TransactionReader(envelope.segments, transaction, index, envelope.delimiters,
                                       place=place, default_role=default_role)  # fmt: skip
            for claim, context in reader.claims():
                clm01 = claim.clm.get(1)
                try:
                    if clm01 and clm01 in seen:
                        raise _Problem(claim.at + 1, "CLM", f"CLM01 {shown(clm01)} is used by another "
                                       "claim of the file: a claim's id must be unique")  # fmt: skip
                    built = _build(claim, context, reader, envelope_index, built_patients)
                    _check_ids(built, reader, ledger, accepted)
                except _Problem as problem:
                    where = reader.where(problem.position)
                    rejected.append(Rejected(reader.where(claim.at + 1), clm01 or None,
                                             (f"{where} ({problem.segment}): {problem.message}",)))  # fmt: skip
                    places.append(ClaimPlace(clm01, index, claim.at, claim.end, (), True,
                                             envelope_index))  # fmt: skip
                    seen.add(clm01)
                    continue
                seen.add(clm01)
                patients.setdefault(built.patient.id, built.patient)  # the same on every claim
                cases.append(built.case)
                visits.extend(built.visits)
                places.append(built.place)
    if not places:
        raise X12Error("the file's 837P transaction sets hold no claim (CLM): nothing to read")
    batch = Batch(tuple(patients.values()), tuple(cases), tuple(visits), tuple(rejected))
    return batch, Interchange(lead, tuple(envelopes), tuple(places))


def _check_ids(
    built: _Built, reader: TransactionReader, ledger: Ledger, accepted: set[tuple[str, int]]
) -> None:
    """The one ledger's rule for ids, as for JSON Lines (``scrubber.formats.ledger``): a
    patient standing on several claims must be the same each time (billing cannot know which
    of two versions is right), and a visit or line id may stand once. Accepted, the claim's ids
    are remembered; else the claim is rejected, naming where the first one stood.

    The ledger is asked only what can conflict. A patient it already holds with the same
    digest (``accepted``) is not claimed again: the ledger would find it the same and keep the
    first (a patient stands on many claims). A case's id is CLM01, unique among the claims that
    reach the ledger (checked first): never claimed. A line's id is ``CLM01/LXn``, which no
    other line of the file can have (``n`` is a number): never claimed. A visit's id is CLM01
    (unique, as said) or ``CLM01/DATE``, which can be another claim's CLM01: an id with a ``/``
    in it can meet another such id, one without cannot meet any, so only the first kind is
    claimed. Most claims ask the ledger nothing (a place is then not even written)."""
    patient = (built.patient.id, built.digest)
    visits = [v.id for v in built.visits if "/" in v.id]
    if patient in accepted and not visits:
        return
    at = Place(None, None, reader.where(built.place.clm + 1))
    claims = [Stands("visit", visit, at) for visit in visits]
    if patient not in accepted:
        claims.insert(0, Stands("patient", built.patient.id,
                                Place(None, None, reader.where(built.patient_at)), built.digest))  # fmt: skip
    conflicts = ledger.conflicts(claims)
    if conflicts:
        raise _Problem(built.place.clm + 1, "CLM", "; ".join(c.words() for c in conflicts))
    ledger.accept(claims)
    accepted.add(patient)


def _padded(segment: Segment) -> list[str]:
    """A segment's elements, with empty ones past its last (as X12 leaves trailing empty
    elements out): read by index without a call per element."""
    return [*segment.elements, *_PAD]


_ZERO = Decimal(0)

#: what ``_padded`` adds: more elements than any segment the reader reads by index has
_PAD = ("",) * 16


def _address(party: Party, segments: Segments) -> tuple[Address, ...]:
    if party.n3 is None or party.n4 is None:
        return ()
    n3, n4 = _padded(segments.segment(party.n3)), _padded(segments.segment(party.n4))
    return (Address("home", n3[1], n4[1], n4[2], n4[3], True, n3[2] or None),)


#: the patients built so far, by the text of what each is built from (whether the subscriber
#: is the patient, the element separator, the subscriber's and the patient's NM1, the
#: patient's DMG, N3 and N4, the SSN), with its digest for the ledger: a patient stands on many claims, and is
#: built, checked and digested once
_Patients = dict[tuple[object, ...], tuple[Patient, int]]


def _patient(
    context: Context, at: int, reader: TransactionReader, patients: _Patients
) -> tuple[Patient, int, Party, Party]:
    """The claim's patient, its digest, and the parties it is read from (the patient's and the
    subscriber's)."""
    subscriber, sbr = context.subscriber, context.sbr
    if subscriber is None or sbr is None:
        raise _Problem(at, "CLM", "the claim has no subscriber (loop 2000B: SBR and NM1*IL)")
    if context.payer is None:
        raise _Problem(at, "CLM", "the claim has no payer (loop 2010BB: NM1*PR)")
    is_patient = sbr.get(2) == "18"
    party = subscriber if is_patient else context.patient
    if party is None:
        raise _Problem(at, "CLM", "SBR02 says the subscriber is not the patient, but there is no "
                       "patient loop (2000C: HL*23 and NM1*QC)")  # fmt: skip
    bodies = reader.segments.bodies
    ssn = party.refs.get("SY") or (subscriber.refs.get("SY") if is_patient else None)
    dmg = party.dmg
    # the separator too: the interchanges of one file may each declare their own
    key = (is_patient, reader.d.element, bodies[subscriber.nm1.number - 1], bodies[party.nm1.number - 1],
           None if dmg is None else bodies[dmg], ssn,
           None if party.n3 is None or party.n4 is None else (bodies[party.n3], bodies[party.n4]))  # fmt: skip
    known = patients.get(key)
    if known is not None:  # read from the same text before, and accepted then
        return known[0], known[1], party, subscriber
    member = subscriber.nm1.get(9)
    if not member:
        raise _Problem(subscriber.position, "NM1", "the subscriber has no member id (NM109): "
                       "the patient is named by it")  # fmt: skip
    nm1 = _padded(party.nm1)
    last, first, middle = nm1[3], nm1[4], nm1[5] or None
    if dmg is None:
        raise _Problem(party.position, "NM1",
                       "the patient has no birth date (no DMG*D8*CCYYMMDD after it)")  # fmt: skip
    born = _padded(reader.segments.segment(dmg))
    birth = d8(born[2]) if born[1] == "D8" else None
    if birth is None:
        raise _Problem(dmg + 1 - reader.first_number + 1, "DMG",
                       f"DMG {shown(born[2])} is not a birth date (DMG*D8*CCYYMMDD)")  # fmt: skip
    if not last:
        raise _Problem(party.position, "NM1", "the patient has no last name (NM103)")
    patient_id = member if is_patient else f"{member}/{last},{first}/{birth.isoformat()}"
    patient = Patient(patient_id, first, last, birth, middle_initial=middle, ssn=ssn,
                      addresses=_address(party, reader.segments))  # fmt: skip
    patients[key] = (patient, fingerprint(patient))
    return patient, patients[key][1], party, subscriber


def _build(
    claim: Claim, context: Context, reader: TransactionReader, envelope: int, patients: _Patients
) -> _Built:
    clm = _padded(claim.clm)
    clm01 = clm[1]
    at = claim.at + 1
    if not clm01:
        raise _Problem(at, "CLM", "the claim has no id (CLM01): its visits and lines are named "
                       "by it")  # fmt: skip
    patient, digest, patient_party, subscriber = _patient(context, at, reader, patients)
    assert context.sbr is not None and context.payer is not None  # _patient refuses a claim without
    sbr, payer = _padded(context.sbr), context.payer
    is_patient = sbr[2] == "18"
    insurance = Insurance(
        payer.nm1.get(9), CLASS_OF_FILING.get(sbr[9], InsuranceClass.OTHER),
        subscriber.nm1.get(9) or None,
        claim_number=patient_party.refs.get("Y4") or subscriber.refs.get("Y4"),
        insured_is_patient=is_patient,
    )  # fmt: skip
    cause, state = RelatedCause.NONE, None
    causes = clm[11].split(reader.d.component)
    for code in causes[:3]:
        if code in CAUSE_CODES:
            cause = CAUSE_CODES[code]
            break
    if len(causes) > 3 and causes[3]:
        state = causes[3]
    case = Case(
        clm01, patient.id, insurance, related_cause=cause, injury_date=claim.accident,
        accident_state=state, authorization_number=claim.refs.get("G1"),
        origin=CaseOrigin.X12_837P,
    )  # fmt: skip
    location = _location(claim, context.billing)
    visits, line_places = _lines(claim, clm01, context, reader, location)
    place = ClaimPlace(clm01, reader.index, claim.at, claim.end, tuple(line_places), False,
                       envelope, amount_of(clm[2]))  # fmt: skip
    return _Built(patient, case, visits, place, patient_party.position, digest)


def _location(claim: Claim, billing: Party | None) -> str:
    facility = claim.facility.nm1.get(3) if claim.facility is not None else ""
    if facility:
        return facility
    return billing.nm1.get(3) if billing is not None else ""


def _lines(
    claim: Claim, clm01: str, context: Context, reader: TransactionReader, location: str
) -> tuple[list[Visit], list[LinePlace]]:
    """The claim's visits (one per date of service) and where each of its lines is."""
    if not claim.lines:
        raise _Problem(claim.at + 1, "CLM", "the claim has no service line (loop 2400: LX, SV1)")
    by_day: dict[date, list[Charge]] = {}  # the charges of each date of service, in order
    provider_of: dict[date, Provider] = {}  # the provider of each date's first line
    mixed: set[date] = set()  # the dates whose lines have different providers
    places = []
    # the provider of the lines that name none of their own (the common case): found once
    claim_provider = _provider(None, claim, context, reader)
    bodies, services, hi = reader.segments.bodies, reader.services, claim.hi
    for number, line in enumerate(claim.lines, start=1):
        if line.sv1 is None:
            raise _Problem(line.lx + 1, "LX", f"service line {number} has no SV1")
        # the same few SV1s stand on thousands of lines: each is read once
        body = bodies[line.sv1]
        service: _Service | str | None = services.get(body)
        if service is None:
            service = services[body] = _service(reader.segments.segment(line.sv1), reader.d)
        if isinstance(service, str):
            raise _Problem(line.sv1_at + 1, "SV1", service)
        cpt, modifiers, code, amount, units, pointers = service
        codes = []
        for pointer, at in pointers:
            if at is None or not 1 <= at <= len(hi) or not hi[at - 1]:
                raise _Problem(line.sv1_at + 1, "SV1", f"SV107 points to diagnosis "
                               f"{shown(pointer)}; the claim's HI has {len(hi)}")  # fmt: skip
            codes.append(hi[at - 1])
        provider = (
            _provider(line.rendering, claim, context, reader) if line.rendering is not None
            else claim_provider
        )  # fmt: skip
        if line.day_problem is not None:
            raise _Problem(line.day_at + 1, "DTP", line.day_problem)
        if line.day is None and line.day_at:
            raise _Problem(line.day_at + 1, "DTP", f"service line {number}'s date of service is "
                           "not a date (DTP*472*D8*CCYYMMDD)")  # fmt: skip
        if line.day is None:
            raise _Problem(line.lx + 1, "LX",
                           f"service line {number} has no date of service (DTP*472*D8)")  # fmt: skip
        charge_id = f"{clm01}/LX{number}"
        charges = by_day.get(line.day)
        if charges is None:
            charges = by_day[line.day] = []
            provider_of[line.day] = provider
        elif provider is not provider_of[line.day]:  # one record per provider (``_provider``)
            mixed.add(line.day)
        charges.append(Charge(charge_id, cpt, units, None, modifiers, tuple(codes), amount))
        # a zero placed as 0, whatever zero the SV1 writes (as before the reader read less)
        places.append(LinePlace(charge_id, line.lx, line.sv1_at, line.end, amount or _ZERO, units,
                                code))  # fmt: skip
    visits = []
    for day, charges in by_day.items():
        if day in mixed:
            providers = {
                claim_provider if line.rendering is None
                else _provider(line.rendering, claim, context, reader)
                for line in claim.lines if line.day == day
            }  # fmt: skip
            named = ", ".join(sorted(f"{shown(p.id)} ({p.role.value})" for p in providers))
            raise _Problem(claim.at + 1, "CLM", f"the lines of {day.isoformat()} have different "
                           f"rendering providers ({named}): bill them as separate claims")  # fmt: skip
        visit_id = clm01 if len(by_day) == 1 else f"{clm01}/{day.isoformat()}"
        visits.append(Visit(visit_id, clm01, day, location, provider_of[day], NoteType.DAILY,
                            tuple(charges)))  # fmt: skip
    return visits, places


#: what an SV1 says whatever claim it stands in: the code, the modifiers, the code and the
#: modifiers as one tuple, the charge, the units and the diagnosis pointers (each with its
#: number, None when it is none); or why it cannot be read
_Service = tuple[str, tuple[str, ...], tuple[str, ...], Decimal, int, list[tuple[str, int | None]]]


def _service(sv1: Segment, d: Delimiters) -> _Service | str:
    """SV1 read (see ``_Service``), or the problem with it."""
    # the elements read by index, empty past the last one (as X12 leaves trailing empty
    # elements out)
    elements = [*sv1.elements[:8], *_EMPTY[len(sv1.elements) :]]
    procedure = elements[1].split(d.component)
    if procedure[0] not in ("HC", "ER", "WK") or len(procedure) < 2 or not procedure[1]:
        message = f"SV101 {shown(elements[1])} is not a procedure code (HC:CODE)"
        if len(procedure) == 1 and any(not c.isalnum() and not c.isspace() for c in procedure[0]):
            message += f"; the ISA declares {d.component!r} as the component separator (ISA16)"
        return message
    modifiers = tuple([m for m in procedure[2:6] if m])
    amount = amount_of(elements[2])
    if amount is None:
        return f"SV102 {shown(elements[2])} is not an amount"
    if elements[3] != "UN":
        return (f"SV103 is {shown(elements[3])}: therapy units are counted in units (UN); "
                "minutes or other measures are not read")  # fmt: skip
    units = whole_units(elements[4])
    if units is None or units > MAX_UNITS:
        return (f"SV104 {shown(elements[4])} is not a whole number of units from 0 to "
                f"{MAX_UNITS}")  # fmt: skip
    pointers = elements[7].split(d.component) if elements[7] else []
    code = (procedure[1], *modifiers)
    return procedure[1], modifiers, code, amount, units, [(p, pointer_of(p)) for p in pointers]


def _provider(
    rendering: Party | None, claim: Claim, context: Context, reader: TransactionReader
) -> Provider:
    """A line's provider: its own rendering provider (``rendering``), else the claim's, else
    the billing provider; its role from the first of those loops that names a taxonomy."""
    taxonomy = (
        rendering.taxonomy if rendering is not None and rendering.taxonomy
        else claim.rendering.taxonomy if claim.rendering is not None and claim.rendering.taxonomy
        else context.billing_taxonomy
    )  # fmt: skip
    rendering = rendering or claim.rendering or context.billing
    # A taxonomy never rejects a claim: any other profession is "other" (rules decide what it
    # means); no taxonomy at all (PRV is situational) is the configured default role.
    chosen = role_of(taxonomy) if taxonomy else reader.default_role
    role = chosen or ProviderRole.OTHER
    npi = rendering.nm1.get(9) if rendering is not None else ""
    provider = reader.providers.get((npi, role))
    if provider is None:  # one record per provider: a visit's lines are then compared at once
        provider = reader.providers[npi, role] = Provider(npi, role)
    return provider
