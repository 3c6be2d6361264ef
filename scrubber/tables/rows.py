"""What every table reader shares: the rows of a part with the line each starts on, and the
header found among the notice lines CMS puts above it.

CMS files are not tidy CSV. The practitioner MUE file opens with the AMA notice as one quoted
cell spanning several lines, and its header's first cell holds a line break (``"HCPCS/`` newline
``CPT Code"``); the PTP text files put notice lines above a tab-separated header. So rows are
read by a real CSV reader, numbered by the physical line they start on, and header cells are
compared with every space and line break removed, case ignored.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence

from scrubber.lines import Lines, Unreadable
from scrubber.tables.problems import Problems, TableError, TableProblem
from scrubber.tables.sources import Part

__all__ = [
    "HEAD_LINES",
    "Header",
    "column_of",
    "delimiter_of",
    "header_key",
    "numbered_rows",
    "parts_of_one_layout",
    "rows_after_header",
]

#: how far down a part its header may be, in rows (CMS files put notices above it)
HEAD_LINES = 20
#: how many physical lines are looked at to tell commas from tabs (a notice spans several)
_SNIFF_LINES = 200
#: the most lines one row may run over (the AMA notice of the MUE file runs over seven)
MAX_ROW_LINES = 256

#: a layout's name, how its header row looks, and within how many rows it must be found
Header = tuple[str, Callable[[list[str]], bool], int]


def header_key(cell: str) -> str:
    """A header cell as compared: no white space at all (line breaks included), case ignored;
    ``HCPCS/CPT Code`` is ``"HCPCS/`` newline ``CPT Code"``."""
    return "".join(cell.split()).casefold()


def delimiter_of(head: Sequence[str], is_header: Callable[[list[str]], bool]) -> str:
    """Comma or tab: whichever makes a header of one of the first rows (CMS files come both
    ways, some with notice lines above the header)."""
    for delimiter in (",", "\t"):
        try:
            if any(is_header(row) for row in csv.reader(head, delimiter=delimiter) if row):
                return delimiter
        except csv.Error:
            continue
    return ","


def numbered_rows(
    part: Part, is_header: Callable[[list[str]], bool]
) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, cells) of a part: a worksheet's rows, or a text part read as
    CSV (comma or tab) with quoted cells that may span lines, each line UTF-8 or else
    Windows-1252 (the MUE file of CMS). A text part is read a line at a
    time (``scrubber.lines``): a line over 131,072 bytes is refused before it is decoded, and
    runs of blank lines are stepped over in one search."""
    if part.sheet is not None:
        yield from part.sheet()
        return
    delimiter = delimiter_of(_first_lines(part.data), is_header)
    lines = Lines(part.data, max_row_lines=MAX_ROW_LINES, skip_unreadable=False, fallback="cp1252")
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        lines.new_row()
        try:
            row = next(reader)
        except StopIteration:
            return
        except Unreadable as exc:
            raise TableError([TableProblem(exc.line, 1, exc.message, part.label)]) from None
        except csv.Error as exc:
            line = lines.first or lines.number
            problem = TableProblem(line, 1, f"not readable as CSV: {exc}", part.label)
            raise TableError([problem]) from None
        yield lines.first, row


def _first_lines(data: bytes) -> list[str]:
    """The first lines of a part, to tell commas from tabs (as many as can be read)."""
    head: list[str] = []
    lines = Lines(data, max_row_lines=_SNIFF_LINES + 1, skip_unreadable=False, fallback="cp1252")
    try:
        while len(head) < _SNIFF_LINES:
            head.append(next(lines))
    except (StopIteration, Unreadable):
        pass  # the reading proper says what cannot be read
    return head


def rows_after_header(
    part: Part,
    headers: Sequence[Header],
    problems: Problems,
    expected: str,
    *,
    keep_header: bool = False,
) -> tuple[str, int, Iterator[tuple[int, list[str]]]] | None:
    """The layout of ``part``, the line of its header and its rows after the header (the header
    row first, with ``keep_header``: a layout whose columns are found by name); None (with a
    problem added) when no header is found. ``expected`` says what a header looks like."""
    problems.within(part.label, part.line_text)
    rows = numbered_rows(part, lambda row: any(looks(row) for _, looks, _ in headers))
    head: list[tuple[int, list[str]]] = []
    for numbered in rows:
        head.append(numbered)
        if len(head) == HEAD_LINES:
            break
    for name, looks, within in headers:
        for index, (line, row) in enumerate(head[:within]):
            if row and looks(row):
                return name, line, _chain(head[index + (0 if keep_header else 1) :], rows)
    if not any(any(cell.strip() for cell in row) for _, row in head):
        problems.add(1, 1, "the part is empty" if part.label else "the table is empty")
    else:
        problems.add(head[0][0] if head else 1, 1, expected)
    return None


def parts_of_one_layout(
    parts: Sequence[Part],
    headers: Sequence[Header],
    layouts: dict[str, str],
    problems: Problems,
    expected: str,
    *,
    keep_header: bool = False,
) -> Iterator[tuple[str, str, Iterator[tuple[int, list[str]]]]]:
    """(label, layout, rows after the header) of each part whose header is found and whose
    layout is the first part's: the parts of one table share one layout (``layouts`` names
    each in words for the problem). ``keep_header``: the rows start with the header row."""
    first: str | None = None
    for part in parts:
        found = rows_after_header(part, headers, problems, expected, keep_header=keep_header)
        if found is None:
            continue
        layout, header_line, rows = found
        if first is not None and layout != first:
            problems.add(
                header_line, 1,
                f"this part is laid out as {layouts[layout]} but the parts before it as "
                f"{layouts[first]}: the parts of one table share one layout",
            )  # fmt: skip
            continue
        first = layout
        yield part.label, layout, rows


def _chain(
    first: list[tuple[int, list[str]]], rest: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from first
    yield from rest


def column_of(row: list[str], index: int) -> int:
    """1-based character column where cell ``index`` starts (for carets); cells rarely contain
    quotes in these files, so the plain join is exact enough to point at the right cell."""
    return sum(len(cell) + 1 for cell in row[:index]) + 1
