"""The scrubbed interchange: the 837P as received, with what the scrub changed and nothing else.

Held and rejected claims are left out (they are in the result's exceptions and rejected list);
a claim spanning several dates keeps the dates that are billed; scrubbed-away lines are
removed; each remaining line carries its code, units and modifiers as billed, and when its
units changed, its charge scaled to them (original charge x billed units / original units,
rounded half-up to cents); ``CLM02`` is the sum of its lines (rewritten only when it is not
already, in value). A subscriber or patient loop left
without claims is dropped, and the LX, HL, SE, GE and IEA numbers and counts are made
consistent. Every other segment is written byte for byte as it was received.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import itemgetter

from scrubber.formats.x12.reader import ClaimPlace, Interchange
from scrubber.formats.x12.segments import Delimiters, Segment
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
    changed = len(kept) != len(place.lines)
    total = Decimal(0)
    for number, line in enumerate(kept, start=1):
        charge = billed[line.charge_id]
        lx = segments[line.lx]
        out.append(_rewritten(lx, [lx.id, str(number), *lx.elements[2:]], d))
        out.extend(segments[line.lx + 1 : line.sv1])
        sv1 = segments[line.sv1]
        elements = list(sv1.elements)
        procedure = sv1.parts(1, d)
        wanted = [procedure[0], charge.cpt, *charge.modifiers]
        amount = line.amount
        if charge.units != line.units:
            amount = (line.amount * charge.units / line.units).quantize(_CENT, ROUND_HALF_UP)
            elements[2] = str(amount)
            elements[4] = str(charge.units)
        if wanted != [p for p in procedure if p]:
            elements[1] = d.component.join(wanted)
        rewritten = _rewritten(sv1, elements, d)
        changed = changed or rewritten is not sv1
        out.append(rewritten)
        out.extend(segments[line.sv1 + 1 : line.end])
        total += amount
    out.extend(segments[place.lines[-1].end : place.end])
    clm = out[0]
    if changed or _amount(clm.get(2)) != total:  # CLM02 is the sum of the lines as billed
        out[0] = _rewritten(clm, [*clm.elements[:2], _money(total), *clm.elements[3:]], d)
    return out


def _amount(text: str) -> Decimal | None:
    """An amount as written (``480`` and ``480.00`` are the same), None when it is none."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


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
    """The interchange as billed (see the module's docstring)."""
    d = interchange.delimiters
    # Held visits are in the exceptions, not billed: their lines, and a claim with nothing
    # billed, are left out by looking up what is billed.
    billed = {charge.id: charge for visit in result.billed for charge in visit.charges}
    claims_of: dict[int, list[ClaimPlace]] = {}
    for place in interchange.claims:
        claims_of.setdefault(place.transaction, []).append(place)
    written: dict[int, list[Segment]] = {}
    for index, transaction in enumerate(interchange.transactions):
        segments = transaction.segments
        out: list[Segment] = []
        at = 0
        for place in sorted(claims_of.get(index, []), key=lambda p: p.clm):
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
    return _envelope(interchange, written)


def _envelope(interchange: Interchange, written: dict[int, list[Segment]]) -> str:
    """ISA, the groups with the transaction sets left in them (GE01 recounted), IEA; a group
    left without transaction sets is left out (IEA01 recounted)."""
    d = interchange.delimiters
    segments = interchange.segments
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
                at += len(interchange.transactions[index].segments)
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
