"""Procedure-to-procedure tables (PTP): ``column1,column2,modifier_indicator`` as written by
hand, or the CMS layout (about 1.8 million rows), read fast when the file is clean and row by row,
with every problem's line, when it is not."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs

from scrubber.tables.cache import TableCache
from scrubber.tables.pair_index import DictPairs, PairIndex, fast_pairs, parse_periods
from scrubber.tables.rows import (
    HEAD_LINES,
    Problems,
    TableError,
    TableProblem,
    column_of,
    delimiter_of,
    find_header,
    norm,
    open_rows,
    read_bytes,
)

__all__ = ["PairTable", "load_pair_table"]

_CODE = re.compile(r"[A-Z0-9]{5}")
_CMS_DATE = re.compile(r"[0-9]{8}")


def _day(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


@attrs.frozen
class PairTable:
    """Procedure-to-procedure edits: which column-1 code denies which column-2 code, when.

    An edit applies on days with effective <= day < deleted. The pairs live in a ``PairIndex``:
    a dictionary when read from the file, sorted arrays when read from a compiled cache.
    """

    path: str
    layout: str
    rows: int
    index: PairIndex = attrs.field(eq=False, repr=False)

    @property
    def column2_codes(self) -> frozenset[str]:
        """Every code that appears in column 2 (the codes an edit can deny)."""
        return self.index.column2_codes()

    def indicator(self, column1: str, column2: str, on: date) -> str | None:
        """The modifier indicator of the edit (column1, column2) in effect on ``on``, or None."""
        periods = self.index.periods(column1, column2)
        if periods is None:
            return None
        day = _day(on)
        for effective, deleted, indicator in periods:
            if effective <= day < deleted:
                return indicator
        return None

    def __len__(self) -> int:
        return self.rows


def _cms_date(text: str, line: int, column: int, problems: Problems) -> str | None:
    text = text.strip()
    if text in ("", "*"):
        return text
    if not _CMS_DATE.fullmatch(text):
        problems.add(line, column, f'"{text}" is not a date as YYYYMMDD (or * for none)')
        return None
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        problems.add(line, column, f'"{text}" is not a calendar date')
        return None
    return text


_SIMPLE_PAIRS = ["column1", "column2", "modifier_indicator"]
_PAIRS_HEADER = (
    'expected a header "column1,column2,modifier_indicator" or the CMS layout (Column 1, '
    "Column 2, prior to 1996 flag, effective date, deletion date, modifier indicator, rationale)"
)


def _simple_pairs(row: list[str]) -> bool:
    return [norm(c) for c in row[:3]] == _SIMPLE_PAIRS


def _cms_pairs(row: list[str]) -> bool:
    return norm(row[0]).replace(" ", "") == "column1" and len(row) >= 6


def _is_pairs_header(row: list[str]) -> bool:
    return _simple_pairs(row) or _cms_pairs(row)


def _pairs_header(rows: list[list[str]]) -> tuple[str, int]:
    """The layout and the index of the header row among the first rows."""
    simple = find_header(rows, _simple_pairs, 1)
    if simple is not None:
        return "simple", simple
    cms = find_header(rows, _cms_pairs, HEAD_LINES)
    if cms is not None:
        return "cms", cms
    raise TableError([TableProblem(1, 1, _PAIRS_HEADER)])


def load_pair_table(path: Path, cache: TableCache | None = None) -> PairTable:
    """Load procedure-to-procedure edits: the simple layout or the CMS layout.

    With a ``cache``, a large table is read from its compiled form when one exists for exactly
    these bytes (keyed by their SHA-256, so an edited table is never served stale), and its
    compiled form is stored after reading it.
    """
    data = read_bytes(path)
    digest = cache.digest(data) if cache is not None else None
    if cache is not None and digest is not None:
        hit = cache.load_pairs(digest)
        if hit is not None:
            layout, rows, index = hit
            return PairTable(str(path), layout, rows, index)
    table = _fast_pair_table(data, path) or _load_pair_table(data, path)
    if cache is not None and digest is not None:
        cache.store_pairs(digest, table.layout, table.rows, table.index)
    return table


def _fast_pair_table(data: bytes, path: Path) -> PairTable | None:
    """The common case (a clean file) without a CSV reader: see ``scrubber.pair_index``."""
    if not data.isascii():
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None  # the row-by-row reader names the line that is not UTF-8
    head_end = 0
    lines: list[bytes] = []
    while len(lines) < HEAD_LINES and head_end < len(data):
        next_end = data.find(b"\n", head_end)
        next_end = len(data) if next_end == -1 else next_end + 1
        lines.append(data[head_end:next_end])
        head_end = next_end
    text_lines = [line.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n") for line in lines]
    if not text_lines:
        return None
    delimiter = delimiter_of(text_lines, _is_pairs_header)
    head = [next(csv.reader([line], delimiter=delimiter), []) for line in text_lines]
    try:
        layout, header = _pairs_header(head)
    except TableError:
        return None
    start = sum(len(line) for line in lines[: header + 1])
    found = fast_pairs(data, start, layout, delimiter.encode())
    if found is None:
        return None
    index, rows = found
    return PairTable(str(path), layout, rows, index)


def _load_pair_table(data: bytes, path: Path) -> PairTable:
    """Row by row with a CSV reader: any file the format allows, every problem with its line."""
    rows = open_rows(data, _is_pairs_header)
    head = []
    for row in rows:
        head.append(row)
        if len(head) == HEAD_LINES:
            break
    problems = Problems()
    layout, header = _pairs_header(head)
    width = 3 if layout == "simple" else 6
    pairs: dict[bytes, bytes] = {}
    valid_codes: set[str] = set()
    # (effective, deletion, indicator) as written -> the period text, checked once (None: bad)
    checked: dict[tuple[str, str, str], bytes | None] = {}
    count = 0

    def period_of(row: list[str], line: int) -> bytes | None:
        if layout == "simple":
            indicator, at, dates = row[2].strip(), 3, ""
        else:
            indicator, at = row[5].strip(), 6
            start = _cms_date(row[3], line, column_of(row, 3), problems)
            end = _cms_date(row[4], line, column_of(row, 4), problems)
            if start is None or end is None:
                return None
            dates = f"{start},{end},"
        if indicator not in ("0", "1", "9"):
            message = f'"{indicator}" is not a modifier indicator (0, 1 or 9)'
            problems.add(line, column_of(row, at - 1), message)
            return None
        return (dates + indicator).encode()

    def rest() -> Iterator[list[str]]:
        yield from head[header + 1 :]
        yield from rows

    for line, row in enumerate(rest(), start=header + 2):
        if len(row) < width:
            if row and any(cell.strip() for cell in row):
                problems.add(line, 1, f"expected at least {width} columns, found {len(row)}")
            continue
        column1, column2 = row[0], row[1]
        if column1 not in valid_codes or column2 not in valid_codes:
            bad = next((c for c in (column1, column2) if not _CODE.fullmatch(c)), None)
            if bad is not None:
                at = 1 if bad == column1 else column_of(row, 1)
                problems.add(line, at, f'"{bad}" is not a code (5 capital letters or digits)')
                continue
            valid_codes.update((column1, column2))
        key = (row[2], "", "") if layout == "simple" else (row[3], row[4], row[5])
        period = checked.get(key, b"")
        if period == b"":
            period = checked[key] = period_of(row, line)
        elif period is None:
            period_of(row, line)  # report this line's problem too
        if period is None:
            continue
        pair = f"{column1},{column2}".encode()
        known = pairs.get(pair)
        pairs[pair] = period if known is None else known + b";" + period
        count += 1
    problems.raise_if_any()
    periods = {text: parse_periods(text) for text in set(pairs.values())}
    valid = {text: value for text, value in periods.items() if value is not None}
    assert len(valid) == len(periods), "every period was checked row by row"
    return PairTable(str(path), layout, count, DictPairs(pairs, valid, b","))
