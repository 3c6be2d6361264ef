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


#: segments ``start`` to ``stop`` (excluded) of a transaction set's interchange replaced by a
#: text of ``count`` segments ("" and 0: left out)
_Edit = tuple[int, int, str, int]
#: a claim of a transaction set: its CLM's index, whether anything of it is billed, its edits
_Claim = tuple[int, bool, list[_Edit]]


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
) -> _Claim:
    """What the claim's billing changes, as edits of the segments as received: the claim left
    out when nothing of it is billed; else each line not billed left out, each LX renumbered,
    each SV1 whose code, modifiers or units changed rebuilt, the CLM02 total rewritten when it
    differs in value. ``start`` is its transaction set's ST among the interchange's segments."""
    clm_at = start + place.clm
    left_out = clm_at, False, [(clm_at, start + place.end, "", 0)]
    if place.rejected:
        return left_out
    edits: list[_Edit] = [(clm_at, clm_at, "", 0)]  # the CLM's, when its total is known
    total = Decimal(0)
    number = 0
    bodies, read, element = segments.bodies, segments.segment, d.element
    for line in place.lines:
        charge = billed.get(line.charge_id)
        lx_at = start + line.lx
        if charge is None:
            edits.append((lx_at, start + line.end, "", 0))
            continue
        number += 1
        if bodies[lx_at] != f"LX{element}{number}":  # else it is the LX as billed already
            lx = read(lx_at).elements
            new = [lx[0], str(number), *lx[2:]]
            if new != lx:
                edits.append((lx_at, lx_at + 1, segments.rewritten(lx_at, new), 1))
        amount = line.amount
        same_code = bool(line.code) and line.code == (charge.cpt, *charge.modifiers)
        if charge.units == line.units and same_code:
            total += amount
            continue  # the SV1 as received
        sv1_at = start + line.sv1
        sv1 = read(sv1_at).elements
        elements = list(sv1)
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
        if elements != sv1:
            edits.append((sv1_at, sv1_at + 1, segments.rewritten(sv1_at, elements), 1))
        total += amount
    if not number:  # nothing of the claim is billed
        return left_out
    charged = place.charged if place.charged is not None else amount_of(read(clm_at).get(2))
    if charged != total:  # CLM02 is the sum of the lines as billed, in value
        clm = read(clm_at).elements
        text = segments.rewritten(clm_at, [*clm[:2], _money(total), *clm[3:]])
        edits[0] = (clm_at, clm_at + 1, text, 1)
    else:
        del edits[0]
    return clm_at, True, edits


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


def _transaction(segments: Segments, transaction: Transaction, claims: list[_Claim]) -> str | None:
    """The transaction set as billed: the segments as received with the claims' edits, the HL
    loops left without claims left out and the others renumbered, the SE recounted; None when
    it holds no claim any more (it is left out)."""
    if not any(billed for _, billed, _ in claims):
        return None
    start, se = transaction.start, transaction.stop - 1
    hls = _positions(segments.ids, "HL", start, se)
    edits = _hierarchy(segments, hls, se, claims) if hls else [e for *_, c in claims for e in c]
    out: list[str] = []
    at = start
    count = se - start
    raw = segments.raw
    for first, stop, text, added in edits:
        if first > at:
            out.append(raw(at, first))
        out.append(text)
        at = stop
        count += added - (stop - first)
    out.append(raw(at, se))
    sid = segments.segment(se).elements
    out.append(_segment(segments, se, [sid[0], str(count + 1), *sid[2:]], sid))
    return "".join(out)


def _hierarchy(segments: Segments, hls: list[int], se: int, claims: list[_Claim]) -> list[_Edit]:
    """The claims' edits, with the HL loops left without claims left out and the others'
    HL01, HL02 and HL04 renumbered. An HL's own segments run to the next HL (or the SE); the
    reader has checked that every HL02 names an HL before it, so children come after their
    parents."""
    bodies, element = segments.bodies, segments.delimiters.element
    read = [bodies[n].split(element) for n in hls]
    codes = [hl[1] if len(hl) > 1 else "" for hl in read]
    parent = {code: hl[2] if len(hl) > 2 else "" for code, hl in zip(codes, read, strict=True)}
    alive = dict.fromkeys(codes, False)
    for clm, billed, _ in claims:
        owner = bisect_right(hls, clm) - 1
        if billed and owner >= 0:
            alive[codes[owner]] = True
    for code in reversed(codes):
        if alive[code] and parent[code]:
            alive[parent[code]] = True
    numbers = {code: str(n) for n, code in enumerate((c for c in codes if alive[c]), start=1)}
    parents = {parent[code] for code in numbers if parent[code]}
    out: list[_Edit] = []
    waiting = 0  # the next claim
    while waiting < len(claims) and claims[waiting][0] < hls[0]:
        out.extend(claims[waiting][2])
        waiting += 1
    for hl, code, at, end in zip(read, codes, hls, [*hls[1:], se], strict=True):
        own: list[_Edit] = []  # the edits of the claims among this HL's own segments
        while waiting < len(claims) and claims[waiting][0] < end:
            own.extend(claims[waiting][2])
            waiting += 1
        if not alive[code]:
            out.append((at, end, "", 0))
            continue
        elements = list(hl)
        elements[1] = numbers[code]
        if parent[code]:
            elements[2] = numbers[parent[code]]
        if len(elements) > 4:
            elements[4] = "1" if code in parents else "0"
        if elements != hl:
            out.append((at, at + 1, segments.rewritten(at, elements), 1))
        out.extend(own)
    return out


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
            places = sorted(claims_of.get((number, index), []), key=lambda p: p.clm)
            claims = [_claim(place, segments, transaction.start, billed, d) for place in places]
            text = _transaction(segments, transaction, claims)
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
