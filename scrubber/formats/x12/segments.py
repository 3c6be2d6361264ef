"""X12 at the level of segments: the interchanges of a file (one or several, one after
another), the separators each declares, and its segments exactly as received. The envelopes
(ISA/IEA, GS/GE, ST/SE) and what the file holds are checked in ``envelopes``.

Nothing is assumed: the element separator is the fourth character of the ISA segment, the
repetition separator ISA11, the component separator ISA16 and the segment terminator the
character after it (ISA is fixed-length: 106 characters). Every segment keeps its text, the
terminator and any line break after it, so that a segment scrubber does not change is written
back byte for byte.

An interchange of 100,000 lines has a million segments, and on this work a Python object
kept per segment (its elements split, a record) costs more than everything else the reader
does: an interchange is kept as its segments' texts and ids (``Segments``), and a segment is
split into its elements only where it is read.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import attrs

from scrubber.errors import ScrubberError

__all__ = [
    "Delimiters",
    "Segment",
    "Segments",
    "X12Error",
    "looks_like_x12",
    "placed",
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
    """One segment split into its elements: ``elements[0]`` is its id (``CLM``). Made only for
    the segments the reader reads (``Segments.segment``); the text as received stays in
    ``Segments``."""

    elements: list[str]
    #: 1-based position in the interchange (for file-level messages)
    number: int
    #: ``elements[0]``
    id: str

    def get(self, index: int) -> str:
        """Element ``index`` (``CLM01`` is 1), or empty when the segment has fewer."""
        return self.elements[index] if index < len(self.elements) else ""

    def parts(self, index: int, delimiters: Delimiters) -> list[str]:
        """The components of element ``index`` (``SV101`` -> ``["HC", "97110", "GP"]``)."""
        return self.get(index).split(delimiters.component)


_new_tuple = tuple.__new__


@attrs.frozen
class Segments:
    """The segments of one interchange as received: each one's text without its terminator
    (``bodies``), its id (``ids``: one string object per distinct id, so a million ids cost a
    list), and what followed its terminator (``after``: one string when every segment is
    followed by the same, the common case, else one per segment). Index 0 is the ISA."""

    bodies: list[str] = attrs.field(repr=False)
    ids: list[str] = attrs.field(repr=False)
    after: str | list[str] = attrs.field(repr=False)
    delimiters: Delimiters
    #: the distinct ids (a handful), to ask whether any is empty or indented at once
    distinct: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    #: what follows every segment's text (terminator and line break) when it is the same
    _sep: str = attrs.field(init=False, repr=False, eq=False)

    @distinct.default
    def _distinct(self) -> frozenset[str]:
        return frozenset(self.ids)

    @_sep.default
    def _same_after(self) -> str:
        return self.delimiters.segment + self.after if isinstance(self.after, str) else ""

    def __len__(self) -> int:
        return len(self.bodies)

    def segment(self, index: int) -> Segment:
        """Segment ``index`` split into its elements."""
        # tuple.__new__ rather than Segment(...): the named tuple's own constructor is a Python
        # function, and the reader asks for about a million segments
        fields = (self.bodies[index].split(self.delimiters.element), index + 1, self.ids[index])
        return _new_tuple(Segment, fields)

    def raw(self, start: int, stop: int) -> str:
        """Segments ``start`` to ``stop`` (excluded) as received, terminators and line breaks
        included."""
        if stop <= start:
            return ""
        if self._sep:  # the same after every terminator
            return self._sep.join(self.bodies[start:stop]) + self._sep
        terminator, bodies, afters = self.delimiters.segment, self.bodies[start:stop], self.after
        return "".join(
            [
                body + terminator + after
                for body, after in zip(bodies, afters[start:stop], strict=True)
            ]
        )

    def rewritten(self, index: int, elements: list[str]) -> str:
        """Segment ``index`` with ``elements`` as received otherwise (its terminator and the
        line break after it)."""
        after = self.after if isinstance(self.after, str) else self.after[index]
        return self.delimiters.element.join(elements) + self.delimiters.segment + after


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


def _segments(text: str, delimiters: Delimiters) -> tuple[Segments, str]:
    """Each segment's text as received: its elements, its terminator and the line breaks after
    it; and the text after the last terminator (line breaks, or a truncated segment). Nothing
    is refused here: what the text holds is told before how it is written."""
    terminator, element = delimiters.segment, delimiters.element
    found = _uniform(text, terminator)
    after: str | list[str]
    if found is not None:
        bodies, tail, after = found
    else:
        bodies, tail, after = _each(text, terminator)
    # One string object per distinct id: a million ids are then a list of a few strings. A
    # segment's first four characters tell its id when they hold the element separator (NM1*,
    # N3*1): a slice and a lookup, where splitting off the id copies the rest of the segment.
    known: dict[str, str] = {}
    heads: dict[str, str] = {}

    def new_head(head: str, body: str) -> str:
        sid = body.partition(element)[0]
        sid = known.setdefault(sid, sid)
        if element in head:  # the id ends within the head: the head alone decides it
            heads[head] = sid
        return sid

    told = heads.get
    ids = [told(head := body[:4]) or new_head(head, body) for body in bodies]
    return Segments(bodies, ids, after, delimiters), tail


#: the line breaks that may follow every terminator in a file written one way throughout
_LINE_BREAKS = ("\n", "\r\n")


def _uniform(text: str, terminator: str) -> tuple[list[str], str, str] | None:
    """The segments' texts and the tail, cut in one go, when the same thing follows every
    terminator (``~\\n``, ``~\\r\\n`` or ``~`` alone, without white space after it): what
    ``_each`` finds then, at a fraction of its cost. None when the text is written otherwise."""
    if terminator in "\r\n \t":
        return None
    terminators = text.count(terminator)
    # the line break after every terminator, else none ("": no line breaks)
    after = next((b for b in _LINE_BREAKS if text.count(terminator + b) == terminators), "")
    sep = terminator + after
    # nothing more that _each would take for a line end may follow: a segment's text then
    # starts right after the separator
    if re.search(re.escape(sep) + "[\r\n \t]", text):
        return None
    bodies = text.split(sep)
    return bodies, bodies.pop(), after


def _each(text: str, terminator: str) -> tuple[list[str], str, list[str]]:
    """The segments' texts, the tail, and what follows each terminator, segment by segment."""
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
    return bodies, tail, breaks


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


def split_interchanges(text: str) -> tuple[str, list[tuple[Delimiters, Segments, str]]]:
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
    found: list[tuple[Delimiters, Segments, str]] = []
    while True:
        try:
            delimiters = _delimiters(text[at : at + ISA_LENGTH])
        except X12Error as exc:
            raise placed(exc, len(found) + 1, several=bool(found)) from None
        end = _interchange_end(text, at, delimiters)
        segments, rest = _segments(text[at:end], delimiters)
        found.append((delimiters, segments, rest))
        if end >= len(text):
            return lead, found
        if not text.startswith("ISA", end):
            last = len(segments)
            raise placed(X12Error(f"the text after the IEA (segment {last}) does not start "
                                   "another interchange (ISA)"), len(found), several=True)  # fmt: skip
        at = end


def placed(exc: X12Error, ordinal: int, *, several: bool) -> X12Error:
    """The problem of one interchange of a file that holds several, said of that one."""
    return X12Error(f"interchange {ordinal}: {exc}") if several else exc
