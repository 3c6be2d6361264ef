"""What every table reader shares: reading the bytes, streaming CSV rows, finding the header
among notice lines, and collecting line-numbered problems (at most ten, then a count)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from scrubber.files import FileRefused, read_regular

__all__ = [
    "HEAD_LINES",
    "MAX_PROBLEMS",
    "Problems",
    "TableError",
    "TableProblem",
    "column_of",
    "delimiter_of",
    "find_header",
    "norm",
    "open_rows",
    "read_bytes",
]

MAX_PROBLEMS = 10
#: how far down a file its header may be (CMS files put notices above it)
HEAD_LINES = 20


@attrs.frozen
class TableProblem:
    line: int
    column: int
    message: str


class TableError(Exception):
    """A table that cannot be used; ``problems`` hold line-numbered reasons (at most ten)."""

    def __init__(self, problems: list[TableProblem], more: int = 0) -> None:
        self.problems = tuple(problems)
        self.more = more
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))


#: the largest table read (the official PTP files are a few hundred MB)
MAX_TABLE_BYTES = 2 << 30


def read_bytes(path: Path, inside: Path | None = None) -> bytes:
    """A table's bytes: a regular file, within ``inside`` when given, of at most
    ``MAX_TABLE_BYTES``."""
    try:
        return read_regular(path, MAX_TABLE_BYTES, inside)
    except FileRefused as exc:
        raise TableError([TableProblem(1, 1, f"the table is not read: {exc}")]) from None
    except OSError as exc:
        reason = f"cannot read the table ({exc.strerror or exc})"
        raise TableError([TableProblem(1, 1, reason)]) from None


def delimiter_of(head: list[str], is_header: Callable[[list[str]], bool]) -> str:
    """Comma or tab: whichever makes a header of one of the first lines (CMS files come both
    ways, some with notice lines above the header)."""
    for delimiter in (",", "\t"):
        if any(is_header(row) for row in csv.reader(head, delimiter=delimiter) if row):
            return delimiter
    return ","


def open_rows(data: bytes, is_header: Callable[[list[str]], bool]) -> Iterator[list[str]]:
    """The table's rows, streamed: a PTP file is too large to hold as lists of cells."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TableError([TableProblem(line, 1, "not UTF-8 text")]) from None
    delimiter = delimiter_of(text.split("\n", HEAD_LINES)[:HEAD_LINES], is_header)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def norm(cell: str) -> str:
    return " ".join(cell.strip().lower().split())


class Problems:
    def __init__(self) -> None:
        self.items: list[TableProblem] = []
        self.more = 0

    def add(self, line: int, column: int, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(TableProblem(line, column, message))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.items:
            raise TableError(self.items, self.more)


def column_of(row: list[str], index: int) -> int:
    """1-based character column where cell ``index`` starts (for carets); cells rarely contain
    quotes in these files, so the plain join is exact enough to point at the right cell."""
    return sum(len(cell) + 1 for cell in row[:index]) + 1


def find_header(
    rows: list[list[str]], looks_right: Callable[[list[str]], bool], within: int
) -> int | None:
    for index, row in enumerate(rows[:within]):
        if row and looks_right(row):
            return index
    return None
