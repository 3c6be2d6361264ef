"""The loops of one 837P transaction set walked in order: each claim (loop 2300) with its
lines (2400) and the parties in force where it stands (its billing provider, subscriber, payer
and patient, from the HL levels above it), as the reader maps them onto records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, NamedTuple

import attrs

from scrubber.formats.x12.elements import d8
from scrubber.formats.x12.envelopes import Transaction
from scrubber.formats.x12.segments import Delimiters, Segment, Segments, _new_tuple, shown
from scrubber.model.records import Provider, ProviderRole

__all__ = ["Claim", "Context", "Line", "Party", "TransactionReader", "service_day"]


@attrs.define
class Party:
    """An NM1 and the segments that describe it (N3, N4, DMG, REF, PRV). N3, N4 and DMG are kept
    as their indexes among the interchange's segments, split only when read: a claim's facility
    and its billing provider have an address that is never read, and a patient standing on
    many claims is read once."""

    nm1: Segment
    position: int
    n3: int | None = None
    n4: int | None = None
    #: the DMG's index among the interchange's segments, like N3 and N4
    dmg: int | None = None
    refs: dict[str, str] = attrs.Factory(dict)
    taxonomy: str | None = None


@attrs.define
class Line:
    lx: int
    #: the SV1's index among the interchange's segments (split only when its text is new: the
    #: same few SV1s stand on thousands of lines)
    sv1: int | None = None
    sv1_at: int = 0
    day: date | None = None
    day_at: int = 0
    #: why the line's DTP*472 cannot be used (a range of several days)
    day_problem: str | None = None
    rendering: Party | None = None
    end: int = 0


class Context(NamedTuple):
    """The parties in force where a claim stands (its billing provider, subscriber, payer). A
    named tuple: one is made for every claim."""

    billing: Party | None
    billing_taxonomy: str | None
    subscriber: Party | None
    sbr: Segment | None
    payer: Party | None
    patient: Party | None


@attrs.define
class Claim:
    clm: Segment
    at: int
    hi: list[str] = attrs.Factory(list)
    refs: dict[str, str] = attrs.Factory(dict)
    accident: date | None = None
    rendering: Party | None = None
    facility: Party | None = None
    lines: list[Line] = attrs.Factory(list)
    end: int = 0
    #: past an SBR inside the claim: the other subscribers and payers of a coordination of
    #: benefits (loops 2320 and 2330), whose parties are not this claim's
    other_payers: bool = False


def service_day(segment: Segment) -> tuple[date | None, str | None]:
    qualifier, value = segment.get(2), segment.get(3)
    if qualifier == "D8":
        return d8(value), None
    if qualifier == "RD8":
        first, _, last = value.partition("-")
        start, end = d8(first), d8(last)
        if start is not None and start == end:
            return start, None
        return None, (f"DTP*472 RD8 {shown(value)} is a range of several days: therapy lines are billed "
                      "per date (one line per date of service)")  # fmt: skip
    return None, None


#: the segments the loops read, besides HL, SE, CLM and LX
_READ = frozenset({"SBR", "NM1", "N3", "N4", "DMG", "PRV", "REF", "HI", "DTP", "SV1"})


#: a line's DTP that is not its date of service (DTP01 is not 472)
_NOT_472: tuple[date | None, str | None] = (None, "not a date of service")


def _line_day(segment: Segment) -> tuple[date | None, str | None]:
    """What a DTP in a service line says of the line's date of service."""
    return service_day(segment) if segment.get(1) == "472" else _NOT_472


def _diagnoses(elements: list[str], component: str) -> tuple[str, ...]:
    """The codes of an HI segment, in order: each element's code after its qualifier (empty
    when the element has no component separator)."""
    return tuple(e.split(component)[1] if component in e else "" for e in elements[1:])


class TransactionReader:
    """Reads one transaction set's claims, keeping the loop context segments need."""

    def __init__(
        self,
        segments: Segments,
        transaction: Transaction,
        index: int,
        delimiters: Delimiters,
        *,
        place: str = "",
        default_role: ProviderRole | None = None,
    ):
        self.segments = segments
        #: the transaction set's ST and one past its SE, among the interchange's segments
        self.start, self.stop = transaction.start, transaction.stop
        #: the ST's number in the interchange: positions are counted from it (ST = 1)
        self.first_number = transaction.start + 1
        self.index = index
        #: each SV1 read so far (``reader._service``), by its text: the same few stand on
        #: thousands of lines
        self.services: dict[str, Any] = {}
        #: the providers read so far, one record each (by NPI and role)
        self.providers: dict[tuple[str, ProviderRole], Provider] = {}
        self.control = transaction.control
        self.d = delimiters
        #: the interchange, when the file holds several ("interchange 2, ")
        self.place = place
        self.default_role = default_role
        self.billing: Party | None = None
        self.billing_taxonomy: str | None = None
        self.subscriber: Party | None = None
        self.sbr: Segment | None = None
        self.payer: Party | None = None
        self.patient: Party | None = None
        #: the context as the current billing provider's and subscriber's own segments left it
        self._billing_end: tuple[Party | None, str | None] | None = None
        self._subscriber_end: tuple[Party | None, Party | None, Segment | None] | None = None

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
        return f"{self.place}ST {self.control} segment {position}"

    def claims(self) -> Iterator[tuple[Claim, Context]]:
        """Each claim with the parties in force where it stands. A segment is split into its
        elements only when it is read (``Segments``)."""
        party: Party | None = None
        claim: Claim | None = None
        line: Line | None = None
        ids, read, start = self.segments.ids, self.segments.segment, self.start
        bodies, element, new = self.segments.bodies, self.d.element, _new_tuple
        days: dict[str, tuple[date | None, str | None]] = {}
        diagnoses: dict[str, tuple[str, ...]] = {}
        component = self.d.component
        pad = element * 3  # HL03, REF02 and PRV03 then always stand
        for number, sid in enumerate(ids[start : self.stop], start):
            at = number - start
            if sid in {"HL", "SE"}:
                if claim is not None:
                    yield self._close(claim, line, at)
                    claim, line = None, None
                if sid == "SE":
                    return
                party = None
                self._enter((bodies[number] + pad).split(element)[3])
                continue
            if sid == "CLM":
                if claim is not None:
                    yield self._close(claim, line, at)
                claim, line, party = Claim(read(number), at), None, None
                continue
            if sid == "LX" and claim is not None:
                if line is not None:
                    line.end = at
                line = Line(at)
                claim.lines.append(line)
                party = None
                continue
            if sid not in _READ:
                continue
            if sid in {"N3", "N4", "DMG"}:
                if party is not None:
                    if sid == "N3":
                        party.n3 = number
                    elif sid == "N4":
                        party.n4 = number
                    else:
                        party.dmg = number
                continue
            if sid == "DTP" and line is not None and claim is not None:
                # a line's date: the same few stand on thousands of lines, each read once
                body = bodies[number]
                day = days.get(body)
                if day is None:
                    day = days[body] = _line_day(read(number))
                if day is not _NOT_472:
                    line.day_at = at
                    line.day, line.day_problem = day
                continue
            if sid == "SV1" and line is not None:
                line.sv1, line.sv1_at = number, at
                continue
            if sid in {"REF", "PRV"}:
                # read by index from the text with empty elements added at its end: no
                # Segment, no call per element
                elements = (bodies[number] + pad).split(element)
                if sid == "REF":
                    if claim is not None and line is None and party is None:
                        claim.refs.setdefault(elements[1], elements[2])
                    elif party is not None:
                        party.refs.setdefault(elements[1], elements[2])
                elif elements[1] == "BI" and claim is None:
                    self.billing_taxonomy = elements[3]
                elif party is not None:
                    party.taxonomy = elements[3]
                continue
            if sid == "HI" and claim is not None and line is None:
                # a claim's diagnoses: the same few combinations stand on many claims
                body = bodies[number]
                codes = diagnoses.get(body)
                if codes is None:
                    codes = diagnoses[body] = _diagnoses(body.split(element), component)
                claim.hi.extend(codes)
                continue
            # Segments.segment written out: a call less for each of the segments read
            segment: Segment = new(Segment, (bodies[number].split(element), number + 1, sid))
            # the segments by how often they stand in a claim (one id each: the order is free)
            if sid == "NM1":
                party = Party(segment, at + 1)
                who = segment.elements[1] if len(segment.elements) > 1 else ""
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
            elif sid == "SBR":
                if claim is None:
                    self.sbr = segment
                else:  # loop 2320: another payer of this claim, never the one billed
                    claim.other_payers = True
            elif claim is not None and line is None and sid == "DTP" and segment.get(1) == "439":
                claim.accident = d8(segment.get(3))
        if claim is not None:  # pragma: no cover - SE always closes (checked by the envelope)
            yield self._close(claim, line, self.stop - start)

    def _close(self, claim: Claim, line: Line | None, end: int) -> tuple[Claim, Context]:
        if line is not None:
            line.end = end
        claim.end = end
        # tuple.__new__ rather than Context(...): the named tuple's constructor is a Python
        # function, and there is one context a claim
        context = _new_tuple(Context, (self.billing, self.billing_taxonomy, self.subscriber,
                                       self.sbr, self.payer, self.patient))  # fmt: skip
        return claim, context
