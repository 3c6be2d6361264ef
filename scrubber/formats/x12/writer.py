"""The scrubbed interchanges: the 837P as received, with what the scrub changed and nothing else.

Held and rejected claims are left out (they are in the result's exceptions and rejected list);
a claim spanning several dates keeps the dates that are billed; scrubbed-away lines are
removed; each remaining line carries its code, units and modifiers as billed (``SV101`` is
rewritten only when they changed, its components after the modifiers, such as the description
SV101-7, kept as received), and when its units changed, its charge scaled to them (original
charge x billed units / original units, rounded half-up to cents); ``CLM02`` is the sum of its
lines, rewritten only when it differs in value (``100`` stays ``100``). A subscriber or patient
loop left without claims is dropped, and the LX, HL, SE, GE and IEA numbers and counts are made
consistent. Every other segment is written byte for byte as it was received.

Each interchange of the file is written with its own envelope, and only when it still holds a
claim: an interchange without a claim is one a clearinghouse refuses. When no claim at all is
billed the text is empty (the command line then writes no file).

Only what changes is rebuilt: each run of segments between two changes is written as one
piece of the text as received (``Segments.raw``); a segment is split into its elements only
where it may change (CLM, LX, SV1, HL, SE, GE, IEA).
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import ROUND_HALF_UP, Decimal

from scrubber.formats.x12.elements import amount_of
from scrubber.formats.x12.envelopes import Envelope, Transaction
from scrubber.formats.x12.reader import ClaimPlace, Interchange
from scrubber.formats.x12.segments import Delimiters, Segments
from scrubber.model.records import Charge
from scrubber.model.results import ScrubResult

__all__ = ["write_scrubbed"]

_CENT = Decimal("0.01")


def _segment(segments: Segments, index: int, elements: list[str], old: list[str]) -> str:
    """Segment ``index`` with ``elements``: as received when they are the ones it has (``old``),
    else rebuilt with what followed it (terminator, line break). Only segments after the ISA
    are rewritten, and only the ISA can have white space before it."""
    if elements == old:
        return segments.raw(index, index + 1)
    return segments.rewritten(index, elements)


def _money(amount: Decimal) -> str:
    return str(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def _claim(
    place: ClaimPlace, segments: Segments, start: int, billed: dict[str, Charge], d: Delimiters
) -> tuple[list[str], int]:
    """The claim's text as billed, in pieces, and how many segments it has (none when nothing
    of it is billed). ``start`` is its transaction set's ST among the interchange's segments."""
    kept = [line for line in place.lines if line.charge_id in billed]
    if place.rejected or not kept:
        return [], 0
    raw, read = segments.raw, segments.segment
    clm_at = start + place.clm
    first = start + place.lines[0].lx
    out = ["", raw(clm_at + 1, first)]  # the CLM comes when its total is known
    count = first - clm_at
    total = Decimal(0)
    for number, line in enumerate(kept, start=1):
        charge = billed[line.charge_id]
        lx_at, sv1_at, end = start + line.lx, start + line.sv1, start + line.end
        lx = read(lx_at).elements
        out.append(_segment(segments, lx_at, [lx[0], str(number), *lx[2:]], lx))
        out.append(raw(lx_at + 1, sv1_at))
        sv1 = read(sv1_at).elements
        elements = list(sv1)
        amount = line.amount
        if charge.units != line.units:
            # the engine rescaled the line's charge with its units (§14); a charge built by
            # hand without one is rescaled here the same way
            amount = (
                charge.amount if charge.amount is not None
                else (line.amount * charge.units / line.units).quantize(_CENT, ROUND_HALF_UP)
            )  # fmt: skip
            elements[2] = str(amount)
            elements[4] = str(charge.units)
        elements[1] = _procedure(elements[1], charge, d)
        out.append(_segment(segments, sv1_at, elements, sv1))
        out.append(raw(sv1_at + 1, end))
        count += end - lx_at
        total += amount
    last = start + place.lines[-1].end
    out.append(raw(last, start + place.end))
    count += place.end - place.lines[-1].end
    clm = read(clm_at)
    if amount_of(clm.get(2)) != total:  # CLM02 is the sum of the lines as billed, in value
        out[0] = segments.rewritten(clm_at, [*clm.elements[:2], _money(total), *clm.elements[3:]])
    else:
        out[0] = raw(clm_at, clm_at + 1)
    return out, count


def _procedure(received: str, charge: Charge, d: Delimiters) -> str:
    """SV101 as billed: as received when the code and modifiers did not change; else the code
    and modifiers rewritten, and every component after the modifiers (SV101-7, the
    description: an EVV visit's times) kept in its place."""
    parts = received.split(d.component)
    if [parts[1], *(m for m in parts[2:6] if m)] == [charge.cpt, *charge.modifiers]:
        return received
    after = parts[6:]
    modifiers = list(charge.modifiers)
    if after:  # the description stays the seventh component
        modifiers += [""] * (4 - len(modifiers))
    return d.component.join([parts[0], charge.cpt, *modifiers, *after])


class _Transaction:
    """One transaction set written: the runs of segments as received, each claim as billed,
    the HL loops left without claims dropped and the others renumbered, the SE recounted."""

    def __init__(self, segments: Segments, transaction: Transaction) -> None:
        self.segments = segments
        self.start, self.se = transaction.start, transaction.stop - 1
        self.out: list[str] = []
        self.count = 0
        #: (CLM index, end index, pieces, segments) of each claim, in order
        self.claims: list[tuple[int, int, list[str], int]] = []
        self._next = 0

    def copy(self, at: int, stop: int) -> None:
        """Segments ``at`` to ``stop`` as received, each claim among them as billed."""
        claims, out = self.claims, self.out
        while self._next < len(claims) and claims[self._next][0] < stop:
            clm, end, pieces, count = claims[self._next]
            if clm > at:
                out.append(self.segments.raw(at, clm))
                self.count += clm - at
            out.extend(pieces)
            self.count += count
            at = end
            self._next += 1
        if stop > at:
            out.append(self.segments.raw(at, stop))
            self.count += stop - at

    def skip(self, stop: int) -> None:
        """Leave out the segments up to ``stop`` (an HL loop without claims)."""
        while self._next < len(self.claims) and self.claims[self._next][0] < stop:
            self._next += 1

    def text(self) -> str | None:
        """The transaction set as billed; None when it holds no claim any more."""
        if not any(count for _, _, _, count in self.claims):
            return None  # a transaction set with no claim left is left out
        segments, ids = self.segments, self.segments.ids
        hls = _positions(ids, "HL", self.start, self.se)
        if not hls:
            self.copy(self.start, self.se)
        else:
            self._hierarchy(hls)
        se = segments.segment(self.se)
        self.count += 1
        self.out.append(_segment(segments, self.se, [se.id, str(self.count), *se.elements[2:]],
                                 se.elements))  # fmt: skip
        return "".join(self.out)

    def _hierarchy(self, hls: list[int]) -> None:
        """Drop the HL loops left without claims, then renumber HL01, HL02 and HL04. An HL's
        own segments run to the next HL (or the SE); the reader has checked that every HL02
        names an HL before it, so children come after their parents."""
        segments = self.segments
        read = [segments.segment(n) for n in hls]
        codes = [hl.get(1) for hl in read]
        parent = {hl.get(1): hl.get(2) for hl in read}
        alive = dict.fromkeys(codes, False)
        for clm, _, _, count in self.claims:
            owner = bisect_right(hls, clm) - 1
            if count and owner >= 0:
                alive[codes[owner]] = True
        for code in reversed(codes):
            if alive[code] and parent[code]:
                alive[parent[code]] = True
        numbers = {code: str(n) for n, code in enumerate((c for c in codes if alive[c]), start=1)}
        parents = {parent[code] for code in numbers if parent[code]}
        self.copy(self.start, hls[0])
        for hl, at, end in zip(read, hls, [*hls[1:], self.se], strict=True):
            code = hl.get(1)
            if not alive[code]:
                self.skip(end)
                continue
            elements = list(hl.elements)
            elements[1] = numbers[code]
            if parent[code]:
                elements[2] = numbers[parent[code]]
            if len(elements) > 4:
                elements[4] = "1" if code in parents else "0"
            self.out.append(_segment(segments, at, elements, hl.elements))
            self.count += 1
            self.copy(at + 1, end)


def _positions(ids: list[str], sid: str, start: int, stop: int) -> list[int]:
    """Where ``sid`` stands in ``ids[start:stop]`` (a search in C for each)."""
    found: list[int] = []
    try:
        while True:
            start = ids.index(sid, start, stop)
            found.append(start)
            start += 1
    except ValueError:
        return found


def write_scrubbed(interchange: Interchange, result: ScrubResult) -> str:
    """The interchanges as billed (see the module's docstring); empty when nothing is billed."""
    # Held visits are in the exceptions, not billed: their lines, and a claim with nothing
    # billed, are left out by looking up what is billed.
    billed = {charge.id: charge for visit in result.billed for charge in visit.charges}
    claims_of: dict[tuple[int, int], list[ClaimPlace]] = {}
    for place in interchange.claims:
        claims_of.setdefault((place.envelope, place.transaction), []).append(place)
    parts: list[str] = []
    for number, envelope in enumerate(interchange.envelopes):
        d, segments = envelope.delimiters, envelope.segments
        written: dict[int, str] = {}
        for index, transaction in enumerate(envelope.transactions):
            writing = _Transaction(segments, transaction)
            start = transaction.start
            for place in sorted(claims_of.get((number, index), []), key=lambda p: p.clm):
                pieces, count = _claim(place, segments, start, billed, d)
                writing.claims.append((start + place.clm, start + place.end, pieces, count))
            text = writing.text()
            if text is not None:
                written[index] = text
        if written:  # an interchange without a claim is left out
            parts.append(_envelope(envelope, written))
    return interchange.lead + "".join(parts) if parts else ""


def _envelope(envelope: Envelope, written: dict[int, str]) -> str:
    """ISA, the groups with the transaction sets left in them (GE01 recounted), IEA; a group
    left without transaction sets is left out (IEA01 recounted)."""
    segments = envelope.segments
    ids = segments.ids
    parts: list[str] = []
    groups, at, index = 0, 0, 0
    while at < len(ids):
        sid = ids[at]
        if sid == "GS":
            group: list[str] = []
            gs = at
            at += 1
            while ids[at] == "ST":
                if index in written:
                    group.append(written[index])
                at = envelope.transactions[index].stop
                index += 1
            ge = segments.segment(at).elements
            if group:
                groups += 1
                parts.append(segments.raw(gs, gs + 1))
                parts.extend(group)
                parts.append(_segment(segments, at, [ge[0], str(len(group)), *ge[2:]], ge))
            at += 1
        elif sid == "IEA":
            iea = segments.segment(at).elements
            parts.append(_segment(segments, at, [iea[0], str(groups), *iea[2:]], iea))
            at += 1
        else:
            parts.append(segments.raw(at, at + 1))
            at += 1
    return "".join(parts)
