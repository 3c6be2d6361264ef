"""X12 at the level of segments: the separators an interchange declares, its segments exactly as
received, and its envelopes (ISA/IEA, GS/GE, ST/SE) checked.

Nothing is assumed: the element separator is the fourth character of the ISA segment, the
repetition separator ISA11, the component separator ISA16 and the segment terminator the
character after it (ISA is fixed-length: 106 characters). Every segment keeps its raw text, the
terminator and any line break after it included, so that a segment scrubber does not change is
written back byte for byte.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs

from scrubber.errors import ScrubberError

__all__ = [
    "Delimiters",
    "Segment",
    "Transaction",
    "X12Error",
    "looks_like_x12",
    "parse_interchange",
]

ISA_LENGTH = 106


class X12Error(ScrubberError, ValueError):
    """An interchange that cannot be read as a whole (its envelope is broken). Under the one
    root of scrubber's errors; a ``ValueError`` too, as the text is what is wrong."""


@attrs.frozen
class Delimiters:
    element: str
    component: str
    repetition: str
    segment: str


class Segment(NamedTuple):
    """One segment: ``elements[0]`` is its id (``CLM``); ``raw`` is the text as received.

    A named tuple rather than an attrs record: an interchange of 100,000 lines has a million
    segments, and a tuple is built several times faster."""

    elements: tuple[str, ...]
    raw: str
    #: 1-based position in the interchange (for file-level messages)
    number: int
    #: ``elements[0]``, kept as a field: it is looked up for every segment, several times
    id: str

    def get(self, index: int) -> str:
        """Element ``index`` (``CLM01`` is 1), or empty when the segment has fewer."""
        return self.elements[index] if index < len(self.elements) else ""

    def parts(self, index: int, delimiters: Delimiters) -> list[str]:
        """The components of element ``index`` (``SV101`` -> ``["HC", "97110", "GP"]``)."""
        return self.get(index).split(delimiters.component)


@attrs.frozen
class Transaction:
    """One ST..SE transaction set: segments from ST to SE, both included."""

    control: str
    segments: tuple[Segment, ...]


def looks_like_x12(text: str) -> bool:
    """Whether ``text`` starts an X12 interchange (an ``ISA`` segment, white space before it
    allowed)."""
    return text.lstrip("\ufeff \t\r\n").startswith("ISA")


def _delimiters(head: str) -> Delimiters:
    if len(head) < ISA_LENGTH:
        raise X12Error(
            f"the ISA segment is {len(head)} characters; it is always {ISA_LENGTH} (truncated?)"
        )
    element = head[3]
    if element.isalnum() or element.isspace():
        raise X12Error(f"the ISA segment's element separator {element!r} is not a separator")
    fields = head[:ISA_LENGTH].split(element)
    if len(fields) != 17:
        raise X12Error(
            f"the ISA segment splits into {len(fields) - 1} elements at the separator {element!r} "
            "its fourth character declares; it always has 16 (wrong separators?)"
        )
    component, repetition, segment = fields[16][:1], fields[11], head[ISA_LENGTH - 1]
    if len(fields[16]) != 2 or segment != fields[16][1]:
        raise X12Error(
            "the ISA segment does not end with the component separator and the terminator"
        )
    used = {element, component, segment}
    if len(used) != 3 or any(c.isalnum() for c in used):
        raise X12Error(
            f"the separators the ISA declares are not distinct: element {element!r}, component "
            f"{component!r}, segment {segment!r}"
        )
    if len(repetition) != 1 or repetition.isalnum() or repetition in used:
        repetition = ""  # 4010 puts the standards identifier here; 5010 a separator
    return Delimiters(element, component, repetition, segment)


def _segments(text: str, delimiters: Delimiters) -> list[Segment]:
    """Each segment with its raw text: its elements, its terminator and the line breaks after
    it."""
    terminator, element = delimiters.segment, delimiters.element
    pieces = text.split(terminator)
    rest = pieces.pop()  # after the last terminator: line breaks, or a truncated segment
    if rest.strip():
        raise X12Error(
            f"the text after segment {len(pieces)} does not end with the segment terminator "
            f"{terminator!r} (truncated?)"
        )
    # Each piece's leading line breaks end the segment before it; comprehensions, not a loop:
    # a million segments is a common day.
    bodies = [piece.lstrip("\r\n") for piece in pieces]
    if "" in bodies:
        raise X12Error(f"segment {bodies.index('') + 1} is empty")
    tail = rest.lstrip("\r\n")
    breaks = [
        piece[: len(piece) - len(body)]
        for piece, body in zip([*pieces[1:], rest], [*bodies[1:], tail], strict=True)
    ]
    return [
        Segment(elements := tuple(body.split(element)), body + terminator + after, number,
                elements[0])
        for number, (body, after) in enumerate(zip(bodies, breaks, strict=True), start=1)
    ]  # fmt: skip


def parse_interchange(text: str) -> tuple[Delimiters, list[Segment], list[Transaction]]:
    """The separators, every segment, and the transaction sets; ``X12Error`` when the envelope
    is broken (separators, truncation, counts and control numbers that do not match)."""
    lead = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    if not text[lead:].startswith("ISA"):
        raise X12Error("an X12 interchange starts with ISA")
    delimiters = _delimiters(text[lead:])
    segments = _segments(text[lead:], delimiters)
    if lead:
        segments[0] = segments[0]._replace(raw=text[:lead] + segments[0].raw)
    return delimiters, segments, _envelopes(segments)


def _envelopes(segments: list[Segment]) -> list[Transaction]:
    ids = [segment.id for segment in segments]
    second = _index(ids, "ISA", 1)
    if second is not None:
        raise X12Error(f"segment {second + 1} starts a second interchange (ISA): one interchange "
                       "a file is read; split the file at each ISA")  # fmt: skip
    if ids[-1] != "IEA":
        raise X12Error(f"the interchange ends with {ids[-1]!r}, not IEA (truncated?)")
    isa, iea = segments[0], segments[-1]
    if iea.get(2) != isa.get(13):
        raise X12Error(f"IEA02 {iea.get(2)!r} is not the ISA13 control number {isa.get(13)!r}")
    transactions: list[Transaction] = []
    groups = 0
    at = 1
    while at < len(segments) - 1:
        gs = segments[at]
        if gs.id != "GS":
            raise X12Error(f"segment {gs.number} is {gs.id!r} where a GS or the IEA belongs")
        groups += 1
        sets, at = 0, at + 1
        while at < len(segments) - 1 and segments[at].id == "ST":
            st = segments[at]
            end = _index(ids, "SE", at + 1)
            if end is None or any(
                _index(ids, sid, at + 1, end) is not None for sid in ("ST", "GE")
            ):
                raise X12Error(f"the transaction set that starts at segment {st.number} has no SE")
            se = segments[end]
            counted = end - at + 1
            if se.get(1) != str(counted):
                raise X12Error(
                    f"SE01 of the transaction set {st.get(2)!r} says {se.get(1)!r} segments; it has "
                    f"{counted} from ST to SE"
                )
            if se.get(2) != st.get(2):
                raise X12Error(f"SE02 {se.get(2)!r} is not the ST02 control number {st.get(2)!r}")
            _check_hierarchy([segments[n] for n in range(at, end) if ids[n] == "HL"])
            transactions.append(Transaction(st.get(2), tuple(segments[at : end + 1])))
            sets += 1
            at = end + 1
        ge = segments[at] if at < len(segments) else None
        if ge is None or ge.id != "GE":
            raise X12Error(f"the functional group that starts at segment {gs.number} has no GE")
        if ge.get(1) != str(sets) or ge.get(2) != gs.get(6):
            raise X12Error(
                f"GE01 {ge.get(1)!r} and GE02 {ge.get(2)!r} do not close the group GS06 "
                f"{gs.get(6)!r} of {sets} transaction sets"
            )
        at += 1
    if iea.get(1) != str(groups):
        raise X12Error(f"IEA01 says {iea.get(1)!r} functional groups; the interchange has {groups}")
    return transactions


def _index(ids: list[str], sid: str, start: int, stop: int | None = None) -> int | None:
    """Where the first ``sid`` is in ``ids[start:stop]`` (a search in C: a transaction set
    can hold a million segments), or None."""
    try:
        return ids.index(sid, start, len(ids) if stop is None else stop)
    except ValueError:
        return None


#: the levels of an 837P's hierarchy (HL03) and the level of each one's parent
_PARENT_LEVEL = {"20": "", "22": "20", "23": "22"}


def _check_hierarchy(hls: list[Segment]) -> None:
    """The HL tree the claims hang from, as an 837P lays it out: billing provider (HL03 20),
    subscriber (22) under it, patient (23) under a subscriber; each HL01 new, each HL02 the
    HL01 of the nearest HL above it at its parent's level (a child follows its parent's own
    segments or its siblings). What the reader takes from a claim's loops above it is then
    exactly what the billed interchange keeps with the claim."""
    seen: set[str] = set()
    open_at: dict[str, str] = {}  # level -> HL01 of the HL of that level open here
    for segment in hls:
        own, parent, level = segment.get(1), segment.get(2), segment.get(3)
        if not own or own in seen:
            raise X12Error(f"the HL at segment {segment.number} has HL01 {own!r}, which is not a "
                           "new id in its transaction set")  # fmt: skip
        if level not in _PARENT_LEVEL:
            raise X12Error(f"the HL at segment {segment.number} has the level HL03 {level!r}; an "
                           "837P has 20 (billing provider), 22 (subscriber) and 23 (patient)")  # fmt: skip
        above = _PARENT_LEVEL[level]
        expected = open_at.get(above, "") if above else ""
        if above and not expected:
            raise X12Error(f"the HL at segment {segment.number} (level {level}) has no HL of level "
                           f"{above} above it")  # fmt: skip
        if parent != expected:
            named = f"is the HL {expected!r} above it" if expected else "is none (level 20)"
            raise X12Error(f"the HL at segment {segment.number} names the parent HL02 {parent!r}; "
                           f"its parent {named}")  # fmt: skip
        seen.add(own)
        open_at[level] = own
        for below in [lv for lv, up in _PARENT_LEVEL.items() if up == level]:
            open_at.pop(below, None)
