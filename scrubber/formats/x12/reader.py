"""An 837P interchange (005010X222A1) read into the records of an EMR export.

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

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

import attrs

from scrubber.formats.convert import COUNT_LIMITS, MAX_AMOUNT
from scrubber.formats.x12.codes import CAUSE_CODES, CLASS_OF_FILING, role_of
from scrubber.formats.x12.segments import Delimiters, Segment, Transaction, parse_interchange
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
    Rejected,
    RelatedCause,
    Visit,
)

__all__ = ["ClaimPlace", "Interchange", "LinePlace", "read_x12"]

MAX_UNITS = COUNT_LIMITS[(Charge, "units")]


@attrs.frozen
class LinePlace:
    """Where a service line is: its charge id, and the indexes (in its transaction set) of its
    LX segment, its SV1 segment and the end of its loop."""

    charge_id: str
    lx: int
    sv1: int
    end: int
    amount: Decimal
    units: int


@attrs.frozen
class ClaimPlace:
    clm01: str
    transaction: int
    clm: int
    end: int
    lines: tuple[LinePlace, ...]
    rejected: bool


@attrs.frozen
class Interchange:
    """An interchange as read: its separators, its segments, its transaction sets, and where
    each claim and line is."""

    delimiters: Delimiters
    segments: tuple[Segment, ...] = attrs.field(repr=False)
    transactions: tuple[Transaction, ...] = attrs.field(repr=False)
    claims: tuple[ClaimPlace, ...] = attrs.field(repr=False)


class _Problem(Exception):
    """A claim that cannot be mapped: the segment's place in its transaction set and why."""

    def __init__(self, position: int, segment: str, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.segment = segment
        self.message = message


@attrs.define
class _Party:
    """An NM1 and the segments that describe it (N3, N4, DMG, REF, PRV)."""

    nm1: Segment
    position: int
    n3: Segment | None = None
    n4: Segment | None = None
    dmg: Segment | None = None
    refs: dict[str, str] = attrs.Factory(dict)
    taxonomy: str | None = None


@attrs.define
class _Line:
    lx: int
    sv1: Segment | None = None
    sv1_at: int = 0
    day: date | None = None
    day_at: int = 0
    #: why the line's DTP*472 cannot be used (a range of several days)
    day_problem: str | None = None
    rendering: _Party | None = None
    end: int = 0


@attrs.frozen
class _Context:
    """The parties in force where a claim stands (its billing provider, subscriber, payer)."""

    billing: _Party | None
    billing_taxonomy: str | None
    subscriber: _Party | None
    sbr: Segment | None
    payer: _Party | None
    patient: _Party | None


@attrs.define
class _Claim:
    clm: Segment
    at: int
    hi: list[str] = attrs.Factory(list)
    refs: dict[str, str] = attrs.Factory(dict)
    accident: date | None = None
    rendering: _Party | None = None
    facility: _Party | None = None
    lines: list[_Line] = attrs.Factory(list)
    end: int = 0
    #: past an SBR inside the claim: the other subscribers and payers of a coordination of
    #: benefits (loops 2320 and 2330), whose parties are not this claim's
    other_payers: bool = False


def _d8(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _service_day(segment: Segment) -> tuple[date | None, str | None]:
    qualifier, value = segment.get(2), segment.get(3)
    if qualifier == "D8":
        return _d8(value), None
    if qualifier == "RD8":
        first, _, last = value.partition("-")
        start, end = _d8(first), _d8(last)
        if start is not None and start == end:
            return start, None
        return None, (f"DTP*472 RD8 {value!r} is a range of several days: therapy lines are billed "
                      "per date (one line per date of service)")  # fmt: skip
    return None, None


class _TransactionReader:
    """Reads one transaction set's claims, keeping the loop context segments need."""

    def __init__(self, transaction: Transaction, index: int, delimiters: Delimiters):
        self.segments = transaction.segments
        self.index = index
        self.control = transaction.control
        self.d = delimiters
        self.billing: _Party | None = None
        self.billing_taxonomy: str | None = None
        self.subscriber: _Party | None = None
        self.sbr: Segment | None = None
        self.payer: _Party | None = None
        self.patient: _Party | None = None
        #: the context as the current billing provider's and subscriber's own segments left it
        self._billing_end: tuple[_Party | None, str | None] | None = None
        self._subscriber_end: tuple[_Party | None, _Party | None, Segment | None] | None = None

    def _enter(self, level: str) -> None:
        """At an HL: the context a claim sees is what its ancestors' own segments set (the
        envelope check has made the HL tree follow the segments' order). A billing provider
        starts afresh; a subscriber sees its billing provider as that HL's own segments left
        it; a patient, its subscriber as that HL's own segments left it. What a sibling's
        segments set is forgotten, as the billed interchange may leave that sibling out."""
        if level == "20":
            self.billing, self.billing_taxonomy = None, None
            self.subscriber, self.payer, self.sbr, self.patient = None, None, None, None
            self._billing_end = None
            self._subscriber_end = None
        elif level == "22":
            if self._billing_end is None:
                self._billing_end = (self.billing, self.billing_taxonomy)
            self.billing, self.billing_taxonomy = self._billing_end
            self.subscriber, self.payer, self.sbr, self.patient = None, None, None, None
            self._subscriber_end = None
        else:
            if self._subscriber_end is None:
                self._subscriber_end = (self.subscriber, self.payer, self.sbr)
            self.billing, self.billing_taxonomy = self._billing_end or (None, None)
            self.subscriber, self.payer, self.sbr = self._subscriber_end
            self.patient = None

    def where(self, position: int) -> str:
        """A place in the interchange, as a 999 acknowledgment names it."""
        return f"ST {self.control} segment {position}"

    def claims(self) -> Iterator[tuple[_Claim, _Context]]:
        """Each claim with the parties in force where it stands."""
        party: _Party | None = None
        claim: _Claim | None = None
        line: _Line | None = None
        for at, segment in enumerate(self.segments):
            position = at + 1
            sid = segment.id
            if sid in ("HL", "SE"):
                if claim is not None:
                    yield self._close(claim, line, at)
                    claim, line = None, None
                if sid == "SE":
                    return
                party = None
                self._enter(segment.get(3))
                continue
            if sid == "CLM":
                if claim is not None:
                    yield self._close(claim, line, at)
                claim, line, party = _Claim(segment, at), None, None
                continue
            if sid == "LX" and claim is not None:
                if line is not None:
                    line.end = at
                line = _Line(at)
                claim.lines.append(line)
                party = None
                continue
            if sid == "SBR":
                if claim is None:
                    self.sbr = segment
                else:  # loop 2320: another payer of this claim, never the one billed
                    claim.other_payers = True
            elif sid == "NM1":
                party = _Party(segment, position)
                who = segment.get(1)
                if claim is None:
                    if who == "85":
                        self.billing = party
                    elif who == "IL":
                        self.subscriber = party
                    elif who == "PR":
                        self.payer = party
                    elif who == "QC":
                        self.patient = party
                elif line is not None:
                    if who == "82":
                        line.rendering = party
                elif claim.other_payers:
                    pass  # 2330A-G: the other payer's subscriber, payer and providers
                elif who == "82":
                    claim.rendering = party
                elif who == "77":
                    claim.facility = party
            elif sid == "N3" and party is not None:
                party.n3 = segment
            elif sid == "N4" and party is not None:
                party.n4 = segment
            elif sid == "DMG" and party is not None:
                party.dmg = segment
            elif sid == "PRV":
                if segment.get(1) == "BI" and claim is None:
                    self.billing_taxonomy = segment.get(3)
                elif party is not None:
                    party.taxonomy = segment.get(3)
            elif sid == "REF":
                if claim is not None and line is None and party is None:
                    claim.refs.setdefault(segment.get(1), segment.get(2))
                elif party is not None:
                    party.refs.setdefault(segment.get(1), segment.get(2))
            elif claim is not None and line is None and sid == "HI":
                claim.hi.extend(
                    segment.get(n).split(self.d.component)[1]
                    if self.d.component in segment.get(n)
                    else ""
                    for n in range(1, len(segment.elements))
                )
            elif claim is not None and line is None and sid == "DTP" and segment.get(1) == "439":
                claim.accident = _d8(segment.get(3))
            elif line is not None and sid == "SV1":
                line.sv1, line.sv1_at = segment, at
            elif line is not None and sid == "DTP" and segment.get(1) == "472":
                line.day_at = at
                line.day, line.day_problem = _service_day(segment)
        if claim is not None:  # pragma: no cover - SE always closes (checked by the envelope)
            yield self._close(claim, line, len(self.segments))

    def _close(self, claim: _Claim, line: _Line | None, end: int) -> tuple[_Claim, _Context]:
        if line is not None:
            line.end = end
        claim.end = end
        context = _Context(self.billing, self.billing_taxonomy, self.subscriber, self.sbr,
                           self.payer, self.patient)  # fmt: skip
        return claim, context


@attrs.define
class _Built:
    patient: Patient
    case: Case
    visits: list[Visit]
    place: ClaimPlace


def read_x12(text: str) -> tuple[Batch, Interchange]:
    """The records of an 837P interchange, and where each claim is in it. ``X12Error`` (a
    ``ValueError``) when the interchange as a whole cannot be read."""
    delimiters, segments, transactions = parse_interchange(text)
    patients: dict[str, Patient] = {}
    cases: list[Case] = []
    visits: list[Visit] = []
    rejected: list[Rejected] = []
    places: list[ClaimPlace] = []
    seen: set[str] = set()
    for index, transaction in enumerate(transactions):
        reader = _TransactionReader(transaction, index, delimiters)
        for claim, context in reader.claims():
            clm01 = claim.clm.get(1)
            try:
                if clm01 and clm01 in seen:
                    raise _Problem(claim.at + 1, "CLM", f"CLM01 {clm01!r} is used by another claim "
                                   "of the interchange: a claim's id must be unique")  # fmt: skip
                built = _build(claim, context, reader)
            except _Problem as problem:
                where = reader.where(problem.position)
                rejected.append(Rejected(reader.where(claim.at + 1), clm01 or None,
                                         (f"{where} ({problem.segment}): {problem.message}",)))  # fmt: skip
                places.append(ClaimPlace(clm01, index, claim.at, claim.end, (), True))
                seen.add(clm01)
                continue
            seen.add(clm01)
            patients.setdefault(built.patient.id, built.patient)  # the first claim's details
            cases.append(built.case)
            visits.extend(built.visits)
            places.append(built.place)
    batch = Batch(tuple(patients.values()), tuple(cases), tuple(visits), tuple(rejected))
    return batch, Interchange(delimiters, tuple(segments), tuple(transactions), tuple(places))


def _name(party: _Party) -> tuple[str, str, str | None]:
    nm1 = party.nm1
    return nm1.get(3), nm1.get(4), nm1.get(5) or None


def _address(party: _Party | None) -> tuple[Address, ...]:
    if party is None or party.n3 is None or party.n4 is None:
        return ()
    return (Address("home", party.n3.get(1), party.n4.get(1), party.n4.get(2), party.n4.get(3),
                    True, party.n3.get(2) or None),)  # fmt: skip


def _build(claim: _Claim, context: _Context, reader: _TransactionReader) -> _Built:
    clm = claim.clm
    at = claim.at + 1
    if not clm.get(1):
        raise _Problem(at, "CLM", "the claim has no id (CLM01): its visits and lines are named "
                       "by it")  # fmt: skip
    subscriber, sbr, payer = context.subscriber, context.sbr, context.payer
    if subscriber is None or sbr is None:
        raise _Problem(at, "CLM", "the claim has no subscriber (loop 2000B: SBR and NM1*IL)")
    if payer is None:
        raise _Problem(at, "CLM", "the claim has no payer (loop 2010BB: NM1*PR)")
    is_patient = sbr.get(2) == "18"
    patient_party = subscriber if is_patient else context.patient
    if patient_party is None:
        raise _Problem(at, "CLM", "SBR02 says the subscriber is not the patient, but there is no "
                       "patient loop (2000C: HL*23 and NM1*QC)")  # fmt: skip
    member = subscriber.nm1.get(9)
    if not member:
        raise _Problem(subscriber.position, "NM1", "the subscriber has no member id (NM109): "
                       "the patient is named by it")  # fmt: skip
    last, first, middle = _name(patient_party)
    dmg = patient_party.dmg
    birth = _d8(dmg.get(2)) if dmg is not None and dmg.get(1) == "D8" else None
    if birth is None:
        if dmg is None:
            raise _Problem(patient_party.position, "NM1",
                           "the patient has no birth date (no DMG*D8*CCYYMMDD after it)")  # fmt: skip
        raise _Problem(dmg.number - reader.segments[0].number + 1, "DMG",
                       f"DMG {dmg.get(2)!r} is not a birth date (DMG*D8*CCYYMMDD)")  # fmt: skip
    if not last:
        raise _Problem(patient_party.position, "NM1", "the patient has no last name (NM103)")
    patient_id = member if is_patient else f"{member}/{last},{first}/{birth.isoformat()}"
    ssn = patient_party.refs.get("SY") or (subscriber.refs.get("SY") if is_patient else None)
    patient = Patient(patient_id, first, last, birth, middle_initial=middle, ssn=ssn,
                      addresses=_address(patient_party))  # fmt: skip
    filing = sbr.get(9)
    insurance = Insurance(
        payer.nm1.get(9), CLASS_OF_FILING.get(filing, InsuranceClass.OTHER), member or None,
        claim_number=patient_party.refs.get("Y4") or subscriber.refs.get("Y4"),
        insured_is_patient=is_patient,
    )  # fmt: skip
    cause, state = RelatedCause.NONE, None
    causes = clm.parts(11, reader.d)
    for code in causes[:3]:
        if code in CAUSE_CODES:
            cause = CAUSE_CODES[code]
            break
    if len(causes) > 3 and causes[3]:
        state = causes[3]
    case = Case(
        claim.clm.get(1), patient_id, insurance, related_cause=cause, injury_date=claim.accident,
        accident_state=state, authorization_number=claim.refs.get("G1"),
    )  # fmt: skip
    location = _location(claim, context.billing)
    visits, line_places = _lines(claim, context, reader, location)
    place = ClaimPlace(case.id, reader.index, claim.at, claim.end, tuple(line_places), False)
    return _Built(patient, case, visits, place)


def _location(claim: _Claim, billing: _Party | None) -> str:
    if claim.facility is not None and claim.facility.nm1.get(3):
        return claim.facility.nm1.get(3)
    return billing.nm1.get(3) if billing is not None else ""


def _lines(
    claim: _Claim, context: _Context, reader: _TransactionReader, location: str
) -> tuple[list[Visit], list[LinePlace]]:
    clm01 = claim.clm.get(1)
    if not claim.lines:
        raise _Problem(claim.at + 1, "CLM", "the claim has no service line (loop 2400: LX, SV1)")
    by_day: dict[date, list[tuple[Charge, Provider]]] = {}
    places = []
    for number, line in enumerate(claim.lines, start=1):
        if line.sv1 is None:
            raise _Problem(line.lx + 1, "LX", f"service line {number} has no SV1")
        charge, provider = _charge(line, number, claim, context, reader)
        if line.day_problem is not None:
            raise _Problem(line.day_at + 1, "DTP", line.day_problem)
        if line.day is None and line.day_at:
            raise _Problem(line.day_at + 1, "DTP", f"service line {number}'s date of service is "
                           "not a date (DTP*472*D8*CCYYMMDD)")  # fmt: skip
        if line.day is None:
            raise _Problem(line.lx + 1, "LX",
                           f"service line {number} has no date of service (DTP*472*D8)")  # fmt: skip
        by_day.setdefault(line.day, []).append((charge, provider))
        places.append(LinePlace(charge.id, line.lx, line.sv1_at, line.end, charge.amount or Decimal(0),
                                charge.units))  # fmt: skip
    visits = []
    for day, items in by_day.items():
        providers = {provider for _, provider in items}
        if len(providers) > 1:
            shown = ", ".join(sorted(f"{p.id!r} ({p.role.value})" for p in providers))
            raise _Problem(claim.at + 1, "CLM", f"the lines of {day.isoformat()} have different "
                           f"rendering providers ({shown}): bill them as separate claims")  # fmt: skip
        visit_id = clm01 if len(by_day) == 1 else f"{clm01}/{day.isoformat()}"
        visits.append(Visit(visit_id, clm01, day, location, items[0][1], NoteType.DAILY,
                            tuple(charge for charge, _ in items)))  # fmt: skip
    return visits, places


def _charge(
    line: _Line, number: int, claim: _Claim, context: _Context, reader: _TransactionReader
) -> tuple[Charge, Provider]:
    sv1 = line.sv1
    assert sv1 is not None
    position = line.sv1_at + 1
    d = reader.d
    procedure = sv1.parts(1, d)
    if procedure[0] not in ("HC", "ER", "WK") or len(procedure) < 2 or not procedure[1]:
        raise _Problem(position, "SV1", f"SV101 {sv1.get(1)!r} is not a procedure code (HC:CODE)")
    modifiers = tuple(m for m in procedure[2:6] if m)
    try:
        amount = Decimal(sv1.get(2))
    except InvalidOperation:
        raise _Problem(position, "SV1", f"SV102 {sv1.get(2)!r} is not an amount") from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise _Problem(position, "SV1", f"SV102 {sv1.get(2)!r} is not an amount")
    if sv1.get(3) != "UN":
        raise _Problem(position, "SV1", f"SV103 is {sv1.get(3)!r}: therapy units are counted in "
                       "units (UN); minutes or other measures are not read")  # fmt: skip
    units_text = sv1.get(4)
    units = _whole(units_text)
    if units is None or units > MAX_UNITS:
        raise _Problem(position, "SV1", f"SV104 {units_text!r} is not a whole number of units "
                       f"from 0 to {MAX_UNITS}")  # fmt: skip
    pointers = sv1.get(7).split(d.component) if sv1.get(7) else []
    codes = []
    for pointer in pointers:
        if (
            not pointer.isdigit()
            or not 1 <= int(pointer) <= len(claim.hi)
            or not claim.hi[int(pointer) - 1]
        ):
            raise _Problem(position, "SV1", f"SV107 points to diagnosis {pointer!r}; the claim's HI "
                           f"has {len(claim.hi)}")  # fmt: skip
        codes.append(claim.hi[int(pointer) - 1])
    rendering = line.rendering or claim.rendering or context.billing
    taxonomy = (
        line.rendering.taxonomy if line.rendering is not None and line.rendering.taxonomy
        else claim.rendering.taxonomy if claim.rendering is not None and claim.rendering.taxonomy
        else context.billing_taxonomy
    )  # fmt: skip
    role = role_of(str(taxonomy or ""))
    if role is None:
        raise _Problem(position, "SV1", f"the rendering provider's taxonomy {taxonomy!r} is not a "
                       "therapist's (2251 PT, 2252 PTA, 225X OT, 224Z COTA, 235Z SLP)")  # fmt: skip
    npi = rendering.nm1.get(9) if rendering is not None else ""
    charge = Charge(f"{claim.clm.get(1)}/LX{number}", procedure[1], units, None, modifiers,
                    tuple(codes), amount)  # fmt: skip
    return charge, Provider(npi, role)


def _whole(text: str) -> int | None:
    """SV104 as a whole number: ``3`` or ``3.0``; anything else (``2.5``, ``two``) is None."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        return None
    return int(value)
