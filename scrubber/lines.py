"""The physical lines of a text file as a CSV reader pulls them: numbered, bounded, and cheap to
step over when blank.

Billing reports and table files are CSV written by other systems, and sometimes by no system at
all. Three things go wrong when Python's ``csv`` module reads such bytes whole:

- one line of 256 MiB is decoded, split and copied several times (2 GB for one bad member);
- a file of 64 MiB of line breaks costs one Python step per line (23 s);
- one cell over the reader's limit, or a quote that is never closed, ends the reading, or
  swallows every line after it into one cell.

``Lines`` hands the reader one line at a time (CR, LF or CRLF ends a line, as in CSV): a line
longer than ``max_line`` bytes or not UTF-8 is never decoded but reported (``Unreadable``) with
its number; a run of blank lines between rows is stepped over in one search and only counted;
a row may run on over at most ``max_row_lines`` lines (a quoted cell with line breaks), else it
is abandoned; and ``restart`` reads again from the line after a row's first one, so that a
broken row never hides the lines after it.
"""

from __future__ import annotations

import re

__all__ = ["MAX_LINE", "MAX_ROW_LINES", "Lines", "Unreadable"]

#: the longest line read, in bytes: the ``csv`` module's own limit on one cell (131,072
#: characters), and far beyond any real line of a charge report or a CMS table (a few hundred)
MAX_LINE = 1 << 17
#: the most lines one row may run over (cells with line breaks in them, such as the AMA notice
#: of the MUE file, run over a few)
MAX_ROW_LINES = 16

_NOT_BLANK = re.compile(rb"[^ \t,\r\n]")


def _end_of_line(data: bytes, at: int) -> int:
    """Where the line starting at ``at`` ends, its line break included: two searches in C
    (a regular expression for CR, LF or CRLF is ten times slower on a 256 MiB line)."""
    feed = data.find(b"\n", at)
    feed = len(data) if feed == -1 else feed + 1
    ret = data.find(b"\r", at, feed)
    if ret == -1:
        return feed
    return ret + 2 if data[ret + 1 : ret + 2] == b"\n" else ret + 1


#: encodings as people name them
_ENCODING_NAMES = {"cp1252": "Windows-1252"}


class Unreadable(Exception):
    """A line (``line``) that cannot be read, or a row that cannot: ``message`` says why,
    without the line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


class Lines:
    """The lines of ``data`` as text, one per ``next``. Call ``new_row`` before each row the
    reader reads; ``first`` is then the line the row starts on.

    With ``skip_unreadable`` (a billing report: every other line is still read), a line that
    cannot be read between rows is kept in ``unreadable`` and stepped over; inside a row it
    abandons the row (``Unreadable`` naming the row's first line). Without it (a table, which is
    used whole or not at all), the first such line raises ``Unreadable``.
    """

    def __init__(
        self,
        data: bytes,
        *,
        max_line: int = MAX_LINE,
        max_row_lines: int = MAX_ROW_LINES,
        skip_unreadable: bool = True,
        fallback: str | None = None,
    ) -> None:
        self.data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        self.max_line = max_line
        self.max_row_lines = max_row_lines
        self.skip_unreadable = skip_unreadable
        #: the encoding of a line that is not UTF-8 (a CMS table: Windows-1252), or None
        self.fallback = fallback
        #: the last line read or stepped over, and the first line of the row being read
        self.number = 0
        self.first = 0
        #: lines that cannot be read, and why
        self.unreadable: dict[int, str] = {}
        self._at = 0
        self._first_end = 0
        self._row_lines = 0
        #: the text of the lines of the row being read
        self.row_text: list[str] = []

    def __iter__(self) -> Lines:
        return self

    def new_row(self) -> None:
        self._row_lines = 0
        self.row_text = []
        self.first = 0

    def restart(self) -> None:
        """Read on from the line after the current row's first (its other lines get read as
        rows of their own)."""
        if self.first:
            self._at, self.number = self._first_end, self.first
        self.new_row()

    def __next__(self) -> str:
        data, size = self.data, len(self.data)
        if self._row_lines >= self.max_row_lines:
            raise Unreadable(
                self.first,
                f"the row runs on over more than {self.max_row_lines} lines (a quote that is "
                "not closed?)",
            )
        while True:
            if not self._row_lines:
                self._step_over_blanks()
            at = self._at
            if at >= size:
                raise StopIteration
            end = _end_of_line(data, at)
            self.number += 1
            self._at = end
            why = None
            if end - at > self.max_line:
                why = f"the line is {end - at:,} bytes long; at most {self.max_line:,} are read"
            else:
                try:
                    text = data[at:end].decode("utf-8")
                except UnicodeDecodeError:
                    text, why = self._fallen_back(data[at:end])
            if why is not None:
                self.unreadable.setdefault(self.number, why)
                if not self.skip_unreadable:
                    raise Unreadable(self.number, why)
                if self._row_lines:
                    raise Unreadable(
                        self.first, f"the row runs on into line {self.number}, which cannot be read"
                    )
                continue
            if not self._row_lines:
                self.first, self._first_end = self.number, end
            self._row_lines += 1
            self.row_text.append(text)
            return text

    def _fallen_back(self, line: bytes) -> tuple[str, str | None]:
        """(text, None) of a line in the fallback encoding, or ("", why) when it cannot be."""
        if self.fallback is None:
            return "", "not UTF-8 text"
        try:
            return line.decode(self.fallback), None
        except UnicodeDecodeError as exc:
            name = _ENCODING_NAMES.get(self.fallback, self.fallback)
            return "", f"not UTF-8 or {name} text (byte 0x{line[exc.start]:02X})"

    def _step_over_blanks(self) -> None:
        """Between rows, step over blank lines (spaces, tabs and commas only) in one search,
        counting them: a file of line breaks costs what its size costs."""
        data, at = self.data, self._at
        if at >= len(data) or data[at] not in b" \t,\r\n":
            return
        found = _NOT_BLANK.search(data, at)
        stop = found.start() if found is not None else len(data)
        end = max(data.rfind(b"\n", at, stop), data.rfind(b"\r", at, stop)) + 1
        if found is None:
            end = len(data)
        if end <= at:
            return
        self.number += (
            data.count(b"\n", at, end) + data.count(b"\r", at, end) - data.count(b"\r\n", at, end)
        )
        if end == len(data) and data[end - 1 : end] not in (b"\n", b"\r"):
            self.number += 1  # trailing blanks without a line break are a line too
        self._at = end
