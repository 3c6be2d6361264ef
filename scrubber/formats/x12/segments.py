"""X12 at the level of segments: the interchanges of a file (one or several, one after
another), the separators each declares, its segments exactly as received, and its envelopes
(ISA/IEA, GS/GE, ST/SE) checked; what the file holds is told first (an 835, an 837I or a 4010
claim is refused for what it is, before anything else).

Nothing is assumed: the element separator is the fourth character of the ISA segment, the
repetition separator ISA11, the component separator ISA16 and the segment terminator the
character after it (ISA is fixed-length: 106 characters). Every segment keeps its raw text, the
terminator and any line break after it included, so that a segment scrubber does not change is
written back byte for byte.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import attrs

from scrubber.errors import ScrubberError

__all__ = [
    "Delimiters",
    "Envelope",
    "Segment",
    "Transaction",
    "X12Error",
    "holds",
    "looks_like_x12",
    "parse_interchanges",
    "shown",
    "split_interchanges",
    "utf16_problem",
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


#: what may stand before the first ISA: a byte-order mark and white space (kept as received)
_LEAD = "\ufeff \t\r\n"
#: line breaks after a segment terminator belong to that segment (kept as received)
_BREAKS = "\r\n"
_BLANKS = (" ", "\t")
#: white space that ends lines (spaces or tabs, then a line break), as received
_LINE_ENDS = re.compile(r"(?:[ \t]*[\r\n])*")
_WHITE = re.compile(r"\s*")
#: the longest value a message quotes whole
_SHOWN = 40


def shown(value: str) -> str:
    """A value of the interchange as a message quotes it: in quotes with escapes (so that a
    space or a control character is visible), cut after 40 characters with the number of
    characters left out."""
    if len(value) <= _SHOWN:
        return repr(value)
    return f"{value[:_SHOWN]!r}... ({len(value) - _SHOWN:,} more characters)"


_STARTS_X12 = re.compile(r"[\ufeff \t\r\n]*ISA")


def looks_like_x12(text: str) -> bool:
    """Whether ``text`` starts an X12 interchange (an ``ISA`` segment; a byte-order mark and
    white space before it allowed, however much of it there is: a match, not a copy)."""
    return _STARTS_X12.match(text) is not None


def utf16_problem(head: str) -> str | None:
    """Why text that starts with ``head`` is UTF-16 read as if it were UTF-8 (its ASCII
    characters each followed or preceded by a NUL), or None. X12 and the exports are UTF-8 or
    ASCII."""
    sample = head[:64]
    if len(sample) >= 4 and sample.count("\x00") * 3 >= len(sample):
        return ("the text is UTF-16 (a NUL byte beside every character); X12 is read as UTF-8 "
                "or ASCII: save the file as UTF-8")  # fmt: skip
    return None


@attrs.frozen
class Envelope:
    """One interchange (``ISA`` ... ``IEA``) of a file: its separators, its segments as received
    and its transaction sets. ``ordinal`` is its place in the file (1 for the first)."""

    ordinal: int
    delimiters: Delimiters
    segments: tuple[Segment, ...] = attrs.field(repr=False)
    transactions: tuple[Transaction, ...] = attrs.field(repr=False)


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


def _segments(text: str, delimiters: Delimiters) -> tuple[list[Segment], str]:
    """Each segment with its raw text: its elements, its terminator and the line breaks after
    it; and the text after the last terminator (line breaks, or a truncated segment). Nothing
    is refused here: what the text holds is told before how it is written."""
    terminator, element = delimiters.segment, delimiters.element
    pieces = text.split(terminator)
    rest = pieces.pop()
    # Each piece's leading line breaks end the segment before it; comprehensions, not a loop:
    # a million segments is a common day.
    bodies = [piece.lstrip(_BREAKS) for piece in pieces]
    # Spaces before a line break end a line as well (kept as received); spaces before a
    # segment indent it, which is refused later.
    bodies = [_after_line_ends(body) if body[:1] in _BLANKS else body for body in bodies]
    tail = _after_line_ends(rest.lstrip(_BREAKS))
    breaks = [
        piece[: len(piece) - len(body)]
        for piece, body in zip([*pieces[1:], rest], [*bodies[1:], tail], strict=True)
    ]
    segments = [
        Segment(elements := tuple(body.split(element)), body + terminator + after, number,
                elements[0])
        for number, (body, after) in enumerate(zip(bodies, breaks, strict=True), start=1)
    ]  # fmt: skip
    return segments, tail


def _after_line_ends(body: str) -> str:
    """``body`` after the spaces and tabs that only stand before a line break."""
    return body[_LINE_ENDS.match(body).end() :]  # type: ignore[union-attr]  # always matches


def _interchange_end(text: str, start: int, delimiters: Delimiters) -> int:
    """Where the interchange that starts at ``start`` ends: after its IEA's terminator and the
    line breaks that follow it (the end of the text when no IEA follows, or only white space
    does)."""
    iea = re.compile(re.escape(delimiters.segment) + r"\s*IEA" + re.escape(delimiters.element))
    found = iea.search(text, start + ISA_LENGTH - 1)
    if found is None:
        return len(text)
    end = text.find(delimiters.segment, found.end())
    if end < 0:
        return len(text)
    end = _LINE_ENDS.match(text, end + 1).end()  # type: ignore[union-attr]  # always matches
    rest = _WHITE.match(text, end).end()  # type: ignore[union-attr]  # (a match, not a copy)
    return len(text) if rest == len(text) else end


def split_interchanges(text: str) -> tuple[str, list[tuple[Delimiters, list[Segment], str]]]:
    """What stands before the first ISA (a byte-order mark, white space), and each interchange
    of the file: its separators, its segments, the text after its last terminator. A file may
    hold several interchanges one after another (clearinghouses batch them that way), each
    with its own separators."""
    problem = utf16_problem(text)
    if problem is not None:
        raise X12Error(problem)
    at = len(text) - len(text.lstrip(_LEAD))
    lead = text[:at]
    if not text.startswith("ISA", at):
        raise X12Error("an X12 interchange starts with ISA")
    found: list[tuple[Delimiters, list[Segment], str]] = []
    while True:
        try:
            delimiters = _delimiters(text[at : at + ISA_LENGTH])
        except X12Error as exc:
            raise _placed(exc, len(found) + 1, several=bool(found)) from None
        end = _interchange_end(text, at, delimiters)
        segments, rest = _segments(text[at:end], delimiters)
        found.append((delimiters, segments, rest))
        if end >= len(text):
            return lead, found
        if not text.startswith("ISA", end):
            last = segments[-1].number if segments else 0
            raise _placed(X12Error(f"the text after the IEA (segment {last}) does not start "
                                   "another interchange (ISA)"), len(found), several=True)  # fmt: skip
        at = end


def _placed(exc: X12Error, ordinal: int, *, several: bool) -> X12Error:
    """The problem of one interchange of a file that holds several, said of that one."""
    return X12Error(f"interchange {ordinal}: {exc}") if several else exc


def parse_interchanges(text: str) -> tuple[str, list[Envelope]]:
    """What stands before the first ISA, and every interchange of the file with its transaction
    sets. ``X12Error`` (one line) when the file holds anything but 837P claims of version
    005010X222A1 or later (``holds``), when it is UTF-16 or its segments are indented, or when an
    envelope is broken (separators, truncation, counts and control numbers that do not match)."""
    lead, found = split_interchanges(text)
    several = len(found) > 1
    indented = next(
        (
            (ordinal, segment)
            for ordinal, (_, segments, _) in enumerate(found, start=1)
            for segment in segments
            if segment.id[:1].isspace()
        ),
        None,
    )
    what = holds([segments for _, segments, _ in found], indented=indented is not None)
    if what is not None:
        raise X12Error(what)
    if indented is not None:
        ordinal, segment = indented
        raise _placed(X12Error(f"segment {segment.number} ({shown(segment.id.strip())}) is indented "
                               "with white space: X12 segments follow the terminator (and its line "
                               "break) directly; remove the indentation"), ordinal, several=several)  # fmt: skip
    envelopes = []
    for ordinal, (delimiters, segments, rest) in enumerate(found, start=1):
        try:
            if rest.strip():
                raise X12Error(f"the text after segment {len(segments)} does not end with the "
                               f"segment terminator {delimiters.segment!r} (truncated?)")  # fmt: skip
            empty = next((s.number for s in segments if not s.id), None)
            if empty is not None:
                raise X12Error(f"segment {empty} is empty")
            transactions = _envelopes(segments)
        except X12Error as exc:
            raise _placed(exc, ordinal, several=several) from None
        envelopes.append(Envelope(ordinal, delimiters, tuple(segments), tuple(transactions)))
    return lead, envelopes


# ---- what the file holds: 837P claims of 005010X222A1 or a later addendum, nothing else -------

#: the versions read: the 837P of 5010 with the A1 addendum HIPAA adopted, or a later one
_READ_VERSION = re.compile(r"005010X222A[1-9][0-9]{0,2}")
_READ = "scrubber reads 837P professional claims, version 005010X222A1 or a later addendum"
#: transaction sets by their ST01, as a message names them
_SET_NAMES = {
    "820": "an 820 premium payment",
    "834": "an 834 benefit enrollment",
    "835": "an 835 claim payment advice",
    "270": "a 270 eligibility inquiry",
    "271": "a 271 eligibility response",
    "276": "a 276 claim status inquiry",
    "277": "a 277 claim status response",
    "278": "a 278 services review",
    "997": "a 997 functional acknowledgment",
    "999": "a 999 implementation acknowledgment",
}


def _version_shown(version: str) -> str:
    return version if re.fullmatch(r"[A-Z0-9]{1,12}", version) else shown(version)


def _described(st01: str, version: str) -> str:
    """What one transaction set is, in words."""
    named = _version_shown(version) if version else "no version given"
    if st01 != "837":
        name = _SET_NAMES.get(st01) or f"a transaction set {_version_shown(st01)}"
        return f"{name} ({named})"
    if version.startswith("005010X223"):
        return f"an 837I institutional claim ({named})"
    if version.startswith("005010X224"):
        return f"an 837D dental claim ({named})"
    if version.startswith("004010X096"):
        return f"a 4010 institutional claim ({named}), a version 5010 replaced in 2012"
    if version.startswith("004010"):
        return f"a 4010 claim ({named}), a version 5010 replaced in 2012"
    if version == "005010X222":
        return "an 837P of version 005010X222, without the A1 addendum HIPAA adopted"
    return f"an 837 of version {named}"


def holds(interchanges: list[list[Segment]], *, indented: bool = False) -> str | None:
    """Why the file cannot be read for what it holds (one line), or None when every
    transaction set is an 837P of version 005010X222A1 or a later addendum (GS08 and ST03).
    Told before anything else, so that an 835 or a 4010 claim is named as what it is."""
    kinds: list[tuple[str, str]] = []  # (what, where) of each set not read
    sets = 0
    for ordinal, segments in enumerate(interchanges, start=1):
        version = ""
        for segment in segments:
            sid = segment.id.strip() if indented else segment.id
            if sid == "GS":
                version = segment.get(8)
            elif sid == "ST":
                sets += 1
                st01, st03 = segment.get(1), segment.get(3)
                own = st03 or version
                if (
                    st01 == "837"
                    and _READ_VERSION.fullmatch(version)
                    and (not st03 or _READ_VERSION.fullmatch(st03))
                ):
                    continue
                where = f"transaction set {shown(segment.get(2))} at segment {segment.number}"
                if len(interchanges) > 1:
                    where = f"interchange {ordinal}, {where}"
                if st01 == "837" and st03 and _READ_VERSION.fullmatch(st03):
                    own = version  # the group's version is the one at fault
                kinds.append((_described(st01, own), where))
    also = "; its segments are also indented with white space" if indented else ""
    if not sets:
        return f"the file holds no transaction set (ST): nothing to read; {_READ}{also}"
    if not kinds:
        return None
    what, where = kinds[0]
    if all(kind == what for kind, _ in kinds) and len(kinds) == sets:
        return f"the file holds {what}: {_READ}{also}"
    return f"the {where} holds {what}: {_READ}{also}"


def _envelopes(segments: list[Segment]) -> list[Transaction]:
    ids = [segment.id for segment in segments]
    second = _index(ids, "ISA", 1)
    if second is not None:
        raise X12Error(f"segment {second + 1} is an ISA, but the interchange before it has no "
                       "IEA (truncated?)")  # fmt: skip
    if ids[-1] != "IEA":
        raise X12Error(f"the interchange ends with {shown(ids[-1])}, not IEA (truncated?)")
    isa, iea = segments[0], segments[-1]
    if iea.get(2) != isa.get(13):
        raise X12Error(
            f"IEA02 {shown(iea.get(2))} is not the ISA13 control number {shown(isa.get(13))}"
        )
    transactions: list[Transaction] = []
    groups = 0
    at = 1
    while at < len(segments) - 1:
        gs = segments[at]
        if gs.id != "GS":
            raise X12Error(f"segment {gs.number} is {shown(gs.id)} where a GS or the IEA belongs")
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
                    f"SE01 of the transaction set {shown(st.get(2))} says {shown(se.get(1))} segments; it has "
                    f"{counted} from ST to SE"
                )
            if se.get(2) != st.get(2):
                raise X12Error(
                    f"SE02 {shown(se.get(2))} is not the ST02 control number {shown(st.get(2))}"
                )
            _check_hierarchy([segments[n] for n in range(at, end) if ids[n] == "HL"])
            transactions.append(Transaction(st.get(2), tuple(segments[at : end + 1])))
            sets += 1
            at = end + 1
        ge = segments[at] if at < len(segments) else None
        if ge is None or ge.id != "GE":
            raise X12Error(f"the functional group that starts at segment {gs.number} has no GE")
        if ge.get(1) != str(sets) or ge.get(2) != gs.get(6):
            raise X12Error(
                f"GE01 {shown(ge.get(1))} and GE02 {shown(ge.get(2))} do not close the group GS06 "
                f"{shown(gs.get(6))} of {sets} transaction sets"
            )
        at += 1
    if iea.get(1) != str(groups):
        raise X12Error(
            f"IEA01 says {shown(iea.get(1))} functional groups; the interchange has {groups}"
        )
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
            raise X12Error(f"the HL at segment {segment.number} has HL01 {shown(own)}, which is not a "
                           "new id in its transaction set")  # fmt: skip
        if level not in _PARENT_LEVEL:
            raise X12Error(f"the HL at segment {segment.number} has the level HL03 {shown(level)}; an "
                           "837P has 20 (billing provider), 22 (subscriber) and 23 (patient)")  # fmt: skip
        above = _PARENT_LEVEL[level]
        expected = open_at.get(above, "") if above else ""
        if above and not expected:
            raise X12Error(f"the HL at segment {segment.number} (level {level}) has no HL of level "
                           f"{above} above it")  # fmt: skip
        if parent != expected:
            named = f"is the HL {shown(expected)} above it" if expected else "is none (level 20)"
            raise X12Error(f"the HL at segment {segment.number} names the parent HL02 {shown(parent)}; "
                           f"its parent {named}")  # fmt: skip
        seen.add(own)
        open_at[level] = own
        for below in [lv for lv, up in _PARENT_LEVEL.items() if up == level]:
            open_at.pop(below, None)
