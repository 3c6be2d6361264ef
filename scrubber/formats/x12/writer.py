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
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from scrubber.formats.x12.elements import amount_of
from scrubber.formats.x12.reader import ClaimPlace, Interchange
from scrubber.formats.x12.segments import Delimiters, Envelope, Segment
from scrubber.model.records import Charge
from scrubber.model.results import ScrubResult

__all__ = ["write_scrubbed"]

_CENT = Decimal("0.01")
_RAW = itemgetter(1)  # Segment.raw, for "".join(map(...)) over a million segments


def _rewritten(segment: Segment, elements: Sequence[str], d: Delimiters) -> Segment:
    """``segment`` with new elements in its raw text, keeping what followed it (terminator,
    line break); itself when nothing changes. Its ``elements`` stay as received: the writer
    looks up the original numbers (HL01) in them. Only segments after the ISA are rewritten,
    and only the ISA can have white space before it."""
    if list(elements) == list(segment.elements):
        return segment
    tail = segment.raw[len(d.element.join(segment.elements)) :]
    return segment._replace(raw=d.element.join(elements) + tail)


def _money(amount: Decimal) -> str:
    return str(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def _claim(
    place: ClaimPlace, segments: Sequence[Segment], billed: dict[str, Charge], d: Delimiters
) -> list[Segment]:
    """The claim's segments as billed (none when nothing of it is billed)."""
    kept = [line for line in place.lines if line.charge_id in billed]
    if place.rejected or not kept:
        return []
    out = list(segments[place.clm : place.lines[0].lx])
    total = Decimal(0)
    for number, line in enumerate(kept, start=1):
        charge = billed[line.charge_id]
        lx = segments[line.lx]
        out.append(_rewritten(lx, [lx.id, str(number), *lx.elements[2:]], d))
        out.extend(segments[line.lx + 1 : line.sv1])
        sv1 = segments[line.sv1]
        elements = list(sv1.elements)
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
        elements[1] = _procedure(sv1.get(1), charge, d)
        out.append(_rewritten(sv1, elements, d))
        out.extend(segments[line.sv1 + 1 : line.end])
        total += amount
    out.extend(segments[place.lines[-1].end : place.end])
    clm = out[0]
    if amount_of(clm.get(2)) != total:  # CLM02 is the sum of the lines as billed, in value
        out[0] = _rewritten(clm, [*clm.elements[:2], _money(total), *clm.elements[3:]], d)
    return out


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


def _hierarchy(out: list[Segment], ids: list[str], d: Delimiters) -> list[Segment]:
    """Drop the HL loops left without claims, then renumber HL01, HL02 and HL04. An HL's own
    segments run to the next HL (or the SE); the reader has checked that every HL02 names an
    HL before it, so children come after their parents."""
    hls = [n for n, sid in enumerate(ids) if sid == "HL"]
    if not hls:
        return out
    codes = [out[n].get(1) for n in hls]
    parent = {code: out[n].get(2) for code, n in zip(codes, hls, strict=True)}
    alive = dict.fromkeys(codes, False)
    for clm in (n for n, sid in enumerate(ids) if sid == "CLM"):
        owner = bisect_right(hls, clm) - 1
        if owner >= 0:
            alive[codes[owner]] = True
    for code in reversed(codes):
        if alive[code] and parent[code]:
            alive[parent[code]] = True
    ends = [*hls[1:], len(out) - 1]  # the SE closes the last HL's segments
    kept = out[: hls[0]]
    places = []
    for code, start, end in zip(codes, hls, ends, strict=True):
        if alive[code]:
            places.append(len(kept))
            kept.extend(out[start:end])
    kept.append(out[-1])
    numbers = {code: str(n) for n, code in enumerate((c for c in codes if alive[c]), start=1)}
    parents = {parent[code] for code in numbers if parent[code]}
    for place in places:
        hl = kept[place]
        code = hl.get(1)
        elements = list(hl.elements)
        elements[1] = numbers[code]
        if parent[code]:
            elements[2] = numbers[parent[code]]
        if len(elements) > 4:
            elements[4] = "1" if code in parents else "0"
        kept[place] = _rewritten(hl, elements, d)
    return kept


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
        d = envelope.delimiters
        written: dict[int, list[Segment]] = {}
        for index, transaction in enumerate(envelope.transactions):
            segments = transaction.segments
            out: list[Segment] = []
            at = 0
            for place in sorted(claims_of.get((number, index), []), key=lambda p: p.clm):
                out.extend(segments[at : place.clm])
                out.extend(_claim(place, segments, billed, d))
                at = place.end
            out.extend(segments[at:])
            ids = [segment.id for segment in out]
            if "CLM" not in ids:
                continue  # a transaction set with no claim left is left out
            out = _hierarchy(out, ids, d)
            se = out[-1]
            out[-1] = _rewritten(se, [se.id, str(len(out)), *se.elements[2:]], d)
            written[index] = out
        if written:  # an interchange without a claim is left out
            parts.append(_envelope(envelope, written))
    return interchange.lead + "".join(parts) if parts else ""


def _envelope(envelope: Envelope, written: dict[int, list[Segment]]) -> str:
    """ISA, the groups with the transaction sets left in them (GE01 recounted), IEA; a group
    left without transaction sets is left out (IEA01 recounted)."""
    d = envelope.delimiters
    segments = envelope.segments
    parts: list[str] = []
    groups, at, index = 0, 0, 0
    while at < len(segments):
        segment = segments[at]
        if segment.id == "GS":
            group: list[str] = []
            at += 1
            while segments[at].id == "ST":
                if index in written:
                    group.append("".join(map(_RAW, written[index])))
                at += len(envelope.transactions[index].segments)
                index += 1
            ge = segments[at]
            if group:
                groups += 1
                parts.append(segment.raw)
                parts.extend(group)
                parts.append(_rewritten(ge, [ge.id, str(len(group)), *ge.elements[2:]], d).raw)
            at += 1
        elif segment.id == "IEA":
            parts.append(
                _rewritten(segment, [segment.id, str(groups), *segment.elements[2:]], d).raw
            )
            at += 1
        else:
            parts.append(segment.raw)
            at += 1
    return "".join(parts)
