"""Where things are in a text, in the three ways the server must count.

The checker counts as lark does: 1-based lines split at ``\\n`` only, columns in code points
(Python string indexes). The Language Server Protocol counts 0-based lines that end at ``\\n``,
``\\r\\n`` or ``\\r``, and characters in the encoding the client and the server agreed on (UTF-16
unless both say otherwise; Neovim 0.11 gets UTF-8). Everything in between is an offset into the
text, in code points. pygls' own ``TextDocument.lines`` also splits at ``\\u2028``, form feeds and
the other ``str.splitlines`` breaks, which the protocol does not, so the server keeps this index
of its own.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types

__all__ = ["LineIndex", "units"]

_LSP_BREAK = re.compile(r"\r\n|\r|\n")
_UTF8 = types.PositionEncodingKind.Utf8
_UTF16 = types.PositionEncodingKind.Utf16


def units(text: str, encoding: str) -> int:
    """How many units of ``encoding`` the text takes."""
    if text.isascii() or encoding not in (_UTF8, _UTF16):
        return len(text)
    if encoding == _UTF16:
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


class LineIndex:
    """Offsets (code points) of one text to protocol positions and back, and from the checker's
    ``line:column``."""

    __slots__ = ("_breaks", "_lark_starts", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        #: where each protocol line starts
        self._starts = [0] + [m.end() for m in _LSP_BREAK.finditer(text)]
        #: where each protocol line's break starts (its end); the last line ends with the text
        self._breaks = [m.start() for m in _LSP_BREAK.finditer(text)] + [len(text)]
        self._lark_starts: list[int] | None = None

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_text(self, line: int) -> str:
        """A protocol line without its break (empty past the end)."""
        if not 0 <= line < len(self._starts):
            return ""
        return self.text[self._starts[line] : self._breaks[line]]

    def line_start(self, line: int) -> int:
        return self._starts[max(0, min(line, len(self._starts) - 1))]

    def line_of(self, offset: int) -> int:
        """The protocol line holding ``offset``."""
        return bisect.bisect_right(self._starts, offset) - 1

    def position(self, offset: int, encoding: str) -> types.Position:
        """The protocol position of an offset (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self._starts[line]
        # An offset inside a line break (between \r and \n) is the end of the line.
        offset = min(offset, self._breaks[line])
        return types.Position(line, units(self.text[start:offset], encoding))

    def offset(self, position: types.Position, encoding: str) -> int:
        """The offset of a protocol position; a line past the end is the end of the text, a
        character past the end of its line is the end of the line, and a character inside a
        code point (half of a surrogate pair, a UTF-8 continuation) is that code point's start."""
        if position.line >= len(self._starts):
            return len(self.text)
        start = self._starts[max(position.line, 0)]
        end = self._breaks[max(position.line, 0)]
        wanted = max(position.character, 0)
        line = self.text[start:end]
        if line.isascii() or encoding not in (_UTF8, _UTF16):
            return start + min(wanted, len(line))
        counted = 0
        for index, ch in enumerate(line):
            width = units(ch, encoding)
            if counted + width > wanted:
                return start + index
            counted += width
        return end

    def range(self, start: int, end: int, encoding: str) -> types.Range:
        return types.Range(self.position(start, encoding), self.position(end, encoding))

    def end_position(self, encoding: str) -> types.Position:
        """Just past the last character: where a whole-document edit ends."""
        return self.position(len(self.text), encoding)

    # -- the checker's positions --

    def lark_offset(self, line: int, column: int) -> int:
        """The offset of the checker's 1-based ``line:column`` (lines split at ``\\n`` only, as
        lark and ``RuleError`` count them), clamped to the text."""
        if self._lark_starts is None:
            self._lark_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        starts = self._lark_starts
        if line < 1:
            return 0
        if line > len(starts):
            return len(self.text)
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return min(start + max(column - 1, 0), end)

    def grid_offset(self, line: int, column: int) -> int:
        """The offset of a 1-based ``line:column`` counted on protocol lines (what the table
        readers count: a CSV reader's lines end at ``\\n``, ``\\r\\n`` or ``\\r`` too)."""
        if line < 1:
            return 0
        if line > len(self._starts):
            return len(self.text)
        start = self._starts[line - 1]
        return min(start + max(column - 1, 0), self._breaks[line - 1])
