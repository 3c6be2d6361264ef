"""The envelopes of an X12 file checked (ISA/IEA, GS/GE, ST/SE and the HL tree the claims hang
from), and what the file holds told first: an 835, an 837I or a 4010 claim is refused for what it
is, before anything else. Each check looks at the few segments it needs (the ids of all of them
are one list: ``Segments``), not at every segment."""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from scrubber.formats.x12.segments import (
    Delimiters,
    Segments,
    X12Error,
    placed,
    shown,
    split_interchanges,
)

__all__ = ["Envelope", "Transaction", "holds", "parse_interchanges"]


@attrs.frozen
class Transaction:
    """One ST..SE transaction set: its control number (ST02) and where it is among its
    interchange's segments (``start`` is the ST, ``stop`` one past the SE)."""

    control: str
    start: int
    stop: int


@attrs.frozen
class Envelope:
    """One interchange (``ISA`` ... ``IEA``) of a file: its separators, its segments as received
    and its transaction sets. ``ordinal`` is its place in the file (1 for the first)."""

    ordinal: int
    delimiters: Delimiters
    segments: Segments = attrs.field(repr=False)
    transactions: tuple[Transaction, ...] = attrs.field(repr=False)


def parse_interchanges(text: str) -> tuple[str, list[Envelope]]:
    """What stands before the first ISA, and every interchange of the file with its transaction
    sets. ``X12Error`` (one line) when the file holds anything but 837P claims of version
    005010X222A1 or later (``holds``), when it is UTF-16 or its segments are indented, or when an
    envelope is broken (separators, truncation, counts and control numbers that do not match)."""
    lead, found = split_interchanges(text)
    several = len(found) > 1
    indented = next(
        (
            (ordinal, segments.segment(_first(segments.ids, _is_indented)))
            for ordinal, (_, segments, _) in enumerate(found, start=1)
            if any(_is_indented(sid) for sid in segments.distinct)
        ),
        None,
    )
    what = holds([segments for _, segments, _ in found], indented=indented is not None)
    if what is not None:
        raise X12Error(what)
    if indented is not None:
        ordinal, segment = indented
        raise placed(X12Error(f"segment {segment.number} ({shown(segment.id.strip())}) is indented "
                              "with white space: X12 segments follow the terminator (and its line "
                              "break) directly; remove the indentation"), ordinal, several=several)  # fmt: skip
    envelopes = []
    for ordinal, (delimiters, segments, rest) in enumerate(found, start=1):
        try:
            if rest.strip():
                raise X12Error(f"the text after segment {len(segments)} does not end with the "
                               f"segment terminator {delimiters.segment!r} (truncated?)")  # fmt: skip
            if "" in segments.distinct:
                raise X12Error(f"segment {segments.ids.index('') + 1} is empty")
            transactions = _envelopes(segments)
        except X12Error as exc:
            raise placed(exc, ordinal, several=several) from None
        envelopes.append(Envelope(ordinal, delimiters, segments, tuple(transactions)))
    return lead, envelopes


def _is_indented(sid: str) -> bool:
    return sid[:1].isspace()


def _first(ids: list[str], test: Callable[[str], bool]) -> int:
    """The index of the first id that passes ``test`` (one is known to)."""
    return next(n for n, sid in enumerate(ids) if test(sid))


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


def holds(interchanges: list[Segments], *, indented: bool = False) -> str | None:
    """Why the file cannot be read for what it holds (one line), or None when every
    transaction set is an 837P of version 005010X222A1 or a later addendum (GS08 and ST03).
    Told before anything else, so that an 835 or a 4010 claim is named as what it is."""
    kinds: list[tuple[str, str]] = []  # (what, where) of each set not read
    sets = 0
    for ordinal, segments in enumerate(interchanges, start=1):
        version = ""
        ids = [sid.strip() for sid in segments.ids] if indented else segments.ids
        for at in _all(ids, ("GS", "ST")):
            segment = segments.segment(at)
            if ids[at] == "GS":
                version = segment.get(8)
            else:
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


def _envelopes(segments: Segments) -> list[Transaction]:
    ids, segment = segments.ids, segments.segment
    second = _index(ids, "ISA", 1)
    if second is not None:
        raise X12Error(f"segment {second + 1} is an ISA, but the interchange before it has no "
                       "IEA (truncated?)")  # fmt: skip
    if ids[-1] != "IEA":
        raise X12Error(f"the interchange ends with {shown(ids[-1])}, not IEA (truncated?)")
    isa, iea = segment(0), segment(len(ids) - 1)
    if iea.get(2) != isa.get(13):
        raise X12Error(
            f"IEA02 {shown(iea.get(2))} is not the ISA13 control number {shown(isa.get(13))}"
        )
    transactions: list[Transaction] = []
    groups = 0
    at = 1
    while at < len(ids) - 1:
        gs = segment(at)
        if gs.id != "GS":
            raise X12Error(f"segment {gs.number} is {shown(gs.id)} where a GS or the IEA belongs")
        groups += 1
        sets, at = 0, at + 1
        while at < len(ids) - 1 and ids[at] == "ST":
            st = segment(at)
            end = _index(ids, "SE", at + 1)
            if end is None or any(
                _index(ids, sid, at + 1, end) is not None for sid in ("ST", "GE")
            ):
                raise X12Error(f"the transaction set that starts at segment {st.number} has no SE")
            se = segment(end)
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
            _check_hierarchy(segments, _all(ids, ("HL",), at, end))
            transactions.append(Transaction(st.get(2), at, end + 1))
            sets += 1
            at = end + 1
        ge = segment(at) if at < len(ids) else None
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


def _all(
    ids: list[str], wanted: tuple[str, ...], start: int = 0, stop: int | None = None
) -> list[int]:
    """Where each of the ``wanted`` ids is in ``ids[start:stop]``, in order: a search in C per
    id found, not a Python step per segment."""
    stop = len(ids) if stop is None else stop
    found: list[int] = []
    for sid in wanted:
        at = _index(ids, sid, start, stop)
        while at is not None:
            found.append(at)
            at = _index(ids, sid, at + 1, stop)
    return sorted(found) if len(wanted) > 1 else found


#: the levels of an 837P's hierarchy (HL03) and the level of each one's parent
_PARENT_LEVEL = {"20": "", "22": "20", "23": "22"}
#: the levels below each level
_BELOW = {
    level: tuple(lv for lv, up in _PARENT_LEVEL.items() if up == level) for level in _PARENT_LEVEL
}


def _check_hierarchy(segments: Segments, hls: list[int]) -> None:
    """The HL tree the claims hang from, as an 837P lays it out: billing provider (HL03 20),
    subscriber (22) under it, patient (23) under a subscriber; each HL01 new, each HL02 the
    HL01 of the nearest HL above it at its parent's level (a child follows its parent's own
    segments or its siblings). What the reader takes from a claim's loops above it is then
    exactly what the billed interchange keeps with the claim."""
    seen: set[str] = set()
    open_at: dict[str, str] = {}  # level -> HL01 of the HL of that level open here
    bodies, pad = segments.bodies, segments.delimiters.element * 3
    for index in hls:
        # HL01 to HL03 read by index from the text with empty elements added at its end
        _, own, parent, level, *_ = (bodies[index] + pad).split(segments.delimiters.element)
        number = index + 1
        if not own or own in seen:
            raise X12Error(f"the HL at segment {number} has HL01 {shown(own)}, which is not a "
                           "new id in its transaction set")  # fmt: skip
        if level not in _PARENT_LEVEL:
            raise X12Error(f"the HL at segment {number} has the level HL03 {shown(level)}; an "
                           "837P has 20 (billing provider), 22 (subscriber) and 23 (patient)")  # fmt: skip
        above = _PARENT_LEVEL[level]
        expected = open_at.get(above, "") if above else ""
        if above and not expected:
            raise X12Error(f"the HL at segment {number} (level {level}) has no HL of level "
                           f"{above} above it")  # fmt: skip
        if parent != expected:
            named = f"is the HL {shown(expected)} above it" if expected else "is none (level 20)"
            raise X12Error(f"the HL at segment {number} names the parent HL02 {shown(parent)}; "
                           f"its parent {named}")  # fmt: skip
        seen.add(own)
        open_at[level] = own
        for below in _BELOW[level]:
            open_at.pop(below, None)
