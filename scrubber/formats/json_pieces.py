"""A JSON document's top-level lists read a piece at a time: a few hundred kilobytes of whole
elements parsed at once, never the whole document's tree (issue 29).

Why: parsing an export whole held orjson's tree of every record (about 5.7 KB a charge line)
while the records were built from it, most of the in-memory mode's peak. Here each list is cut
at its elements' boundaries and each piece is parsed, structured by the caller, and let go.

How a cut is found without a parser of its own: a cut is tried after a ``}`` followed by ``,``
or ``]``, once the braces between the piece's start and the cut balance (cheap counts), and it
holds only if orjson parses the piece as a list of whole values. Since the piece starts where
an element starts, a piece that parses ends where an element ends, outside any string, at the
list's own level: a cut in a string or inside an element cannot parse. A piece that does not
parse (a cut past the list's end, braces inside strings, text orjson refuses but the json
module reads) is tried again with a nearer cut, then read element by element by the json
module, exactly. A piece is wrapped in two brackets, so that it is nested as deep as in the
document and orjson's limit of depth falls where it falls on the whole document.

The reader decides nothing about what is wrong: whatever is not the plain shape (the lists not
in the order asked for, a list missing or not a list, a key given twice, text that is not JSON)
raises ``NotPlain`` and the caller reads the document whole, as before, which says what is
wrong in the same words as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from typing import Any

from scrubber.formats.jsoncodec import HAVE_ORJSON, decode_exact_at, fast_loads, loads_exact

__all__ = ["PIECE_CHARS", "NotPlain", "Piece", "iter_pieces"]

#: about how much text a piece holds: its tree is about 13 times that (issue 29's figures)
PIECE_CHARS = 1 << 18
#: a piece that does not parse is tried again nearer its start, down to this much text, then
#: read element by element by the json module
_SMALLEST = 1 << 12
#: how far past twice a piece's size its end is looked for (a few elements more)
_SLACK = 1 << 14

_WS = re.compile(r"[ \t\n\r]*")
#: where a piece may end: after a closing brace, before the comma or the list's end
_CUT = re.compile(r"\}[ \t\n\r]*[,\]]")
_scan_key: Any = json.decoder.scanstring  # type: ignore[attr-defined]


class NotPlain(Exception):
    """The text is not a JSON object holding the lists asked for, in that order, once each
    (or is not JSON): the caller reads it whole, which says what is wrong."""


class Piece:
    """Whole elements of a list, from the element numbered ``first``. ``fast``: orjson parsed
    them, so a number with a fraction is a float standing for digits the text holds exactly;
    ``exact()`` parses the same text again with exact decimals."""

    __slots__ = ("_end", "_start", "_text", "fast", "first", "items")

    def __init__(
        self, first: int, items: list[Any], fast: bool, *, text: str, start: int, end: int
    ) -> None:
        self.first = first
        self.items = items
        self.fast = fast
        self._text, self._start, self._end = text, start, end

    def exact(self) -> list[Any]:
        """The same elements, every number with a fraction an exact ``Decimal``."""
        if not self.fast:
            return self.items
        try:
            wrapped = loads_exact("[[" + self._text[self._start : self._end] + "]]")
        except ValueError:
            raise NotPlain from None
        items: list[Any] = wrapped[0]
        return items


def iter_pieces(
    text: str, names: tuple[str, ...], size: int = PIECE_CHARS
) -> Iterator[tuple[str, Piece]]:
    """The pieces of the top-level lists ``names`` of the JSON object ``text``, list by list
    in that order. Any other key's value is read (it must be JSON) and left. Raises
    ``NotPlain`` (possibly after some pieces) when the text is not of that shape."""
    pos = _skip(text, 0)
    if not text.startswith("{", pos):
        raise NotPlain
    pos = _skip(text, pos + 1)
    expected = list(names)
    while True:
        if not text.startswith('"', pos):
            raise NotPlain
        try:
            key, pos = _scan_key(text, pos + 1, True)
        except ValueError:
            raise NotPlain from None
        pos = _skip(text, pos)
        if not text.startswith(":", pos):
            raise NotPlain
        pos = _skip(text, pos + 1)
        if key in names:
            if not expected or key != expected[0] or not text.startswith("[", pos):
                raise NotPlain
            expected.pop(0)
            pieces = _list_pieces(text, pos, size)
            while True:
                try:
                    piece = next(pieces)
                except StopIteration as done:
                    pos = done.value
                    break
                yield key, piece
        else:
            pos = _exact_value(text, pos)[1]
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
            continue
        if not text.startswith("}", pos):
            raise NotPlain
        break
    if expected or _skip(text, pos + 1) != len(text):
        raise NotPlain


def _skip(text: str, at: int) -> int:
    """Past the JSON white space at ``at``."""
    found = _WS.match(text, at)
    return found.end() if found is not None else at


def _exact_value(text: str, at: int) -> tuple[Any, int]:
    try:
        return decode_exact_at(text, at)
    except ValueError:
        raise NotPlain from None


def _list_pieces(text: str, at: int, size: int) -> Generator[Piece, None, int]:
    """The pieces of the list whose ``[`` is at ``at``; returns where the list ends."""
    start = _skip(text, at + 1)
    if text.startswith("]", start):
        return start + 1
    first = 0
    window = size
    while True:  # ``start``: where an element starts
        end = _balanced_cut(text, start, window) if HAVE_ORJSON else None
        parsed = NotImplemented if end is None else fast_loads("[[" + text[start:end] + "]]")
        if parsed is NotImplemented and end is not None and window > _SMALLEST:
            window //= 8  # the list ends sooner, or orjson refuses this text: a nearer cut
            continue
        if end is not None and parsed is not NotImplemented:
            piece = Piece(first, parsed[0], True, text=text, start=start, end=end)
        else:  # the list's last elements, or brackets inside strings: element by element
            items, end = _exact_elements(text, start, start + size)
            piece = Piece(first, items, False, text=text, start=start, end=end)
        yield piece
        first += len(piece.items)
        window = min(size, 2 * window)  # after a nearer cut, the list's end is near: grow back
        after = _skip(text, end)
        if text.startswith("]", after):
            return after + 1
        if not text.startswith(",", after):
            raise NotPlain
        start = _skip(text, after + 1)


def _balanced_cut(text: str, start: int, window: int) -> int | None:
    """The first place from ``start + window`` on where a piece may end: after a ``}`` that
    closes as many braces as were opened since ``start`` (strings aside; brackets are left to
    the parse, which refuses a cut inside a list), looked for as far as ``start + 2 * window``
    and some more."""
    count = text.count
    stop = start + 2 * window + _SLACK
    cut = _CUT.search(text, start + window - 1, stop)
    if cut is None:
        return None
    end = cut.start() + 1
    braces = count("{", start, end) - count("}", start, end)
    while braces:
        cut = _CUT.search(text, end, stop)
        if cut is None:
            return None
        following = cut.start() + 1
        braces += count("{", end, following) - count("}", end, following)
        end = following
    return end


def _exact_elements(text: str, start: int, until: int) -> tuple[list[Any], int]:
    """Elements read one by one by the json module from ``start`` until one ends at or past
    ``until`` or the list ends; the elements, and where the last ends."""
    items = []
    pos = start
    while True:
        value, end = _exact_value(text, pos)
        items.append(value)
        after = _skip(text, end)
        if end >= until or text.startswith("]", after):
            return items, end
        if not text.startswith(",", after):
            raise NotPlain
        pos = _skip(text, after + 1)
