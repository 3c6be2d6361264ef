"""Procedure-to-procedure tables (PTP): ``column1,column2,modifier_indicator`` as written by
hand, or the CMS layout (about 1.8 million rows, published in four parts as tab-separated text
with notice lines above the header), as a file, a ZIP archive, a folder or a workbook. Clean
text parts are read fast; anything else row by row, with every problem's part and line."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import attrs

from scrubber.shown import double_quoted
from scrubber.tables.cache import TableCache
from scrubber.tables.pair_index import DictPairs, PairIndex, fast_pairs, parse_periods
from scrubber.tables.problems import Problems, TableError
from scrubber.tables.rows import (
    HEAD_LINES,
    Header,
    column_of,
    delimiter_of,
    header_key,
    parts_of_one_layout,
)
from scrubber.tables.sources import Part, Source, decoded_line, open_source

__all__ = ["PairTable", "load_pair_table", "pair_table"]

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
    #: the labels of the parts read (one empty label for a plain file)
    parts: tuple[str, ...] = ("",)
    #: SHA-256 of the content read (``Source.digest``): what tells two loads of a table apart
    #: without comparing their rows ("" when the table was not read from a source)
    digest: str = attrs.field(default="", eq=False, repr=False, kw_only=True)

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
        problems.add(
            line, column, f"{double_quoted(text)} is not a date as YYYYMMDD (or * for none)"
        )
        return None
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        problems.add(line, column, f"{double_quoted(text)} is not a calendar date")
        return None
    return text


_SIMPLE_PAIRS = ["column1", "column2", "modifier_indicator"]
_PAIRS_HEADER = (
    'expected a header "column1,column2,modifier_indicator" or the CMS layout (Column 1, '
    "Column 2, prior to 1996 flag, effective date, deletion date, modifier indicator, rationale)"
)


def _simple_pairs(row: list[str]) -> bool:
    return [header_key(c) for c in row[:3]] == ["column1", "column2", "modifier_indicator"]


def _cms_pairs(row: list[str]) -> bool:
    return header_key(row[0]) == "column1" and len(row) >= 6


def _is_pairs_header(row: list[str]) -> bool:
    return _simple_pairs(row) or _cms_pairs(row)


HEADERS: tuple[Header, ...] = (("simple", _simple_pairs, 1), ("cms", _cms_pairs, HEAD_LINES))
#: each layout in words
LAYOUTS = {"simple": "column1,column2,modifier_indicator", "cms": "the CMS PTP layout"}


def _continues_header(row: list[str]) -> bool:
    """A second header line (the cells under "Deletion Date", "Modifier" in some CMS releases):
    no codes, some words."""
    return len(row) > 2 and not row[0].strip() and not row[1].strip() and any(map(str.strip, row))


def load_pair_table(
    path: Path, cache: TableCache | None = None, inside: Path | None = None
) -> PairTable:
    """Load procedure-to-procedure edits from a file, archive or folder (within ``inside`` when
    given): the simple layout or the CMS layout.

    With a ``cache``, a large table is read from its compiled form when one exists for exactly
    this content (keyed by its SHA-256: the file's or archive's bytes, or a folder's names and
    bytes, so an edited table is never served stale, and an archive is not even inflated), and
    its compiled form is stored after reading it.
    """
    return pair_table(open_source(path, inside), cache)


def pair_table(
    source: Source, cache: TableCache | None = None, parts: tuple[Part, ...] | None = None
) -> PairTable:
    """Every part of ``source`` (its ``parts``, when already unpacked) read as one table;
    parts of different layouts are an error."""
    digest = source.digest()
    if cache is not None and cache.wants(source.size):
        hit = cache.load_pairs(digest)
        if hit is not None:
            layout, rows, index, labels = hit
            return PairTable(str(source.path), layout, rows, index, labels, digest=digest)
    parts = source.parts() if parts is None else parts
    found = _fast_pair_table(parts, source.path) or _load_pair_table(parts, source.path)
    table = attrs.evolve(found, digest=digest)
    if cache is not None and cache.wants(source.size):
        cache.store_pairs(digest, table.layout, table.rows, table.index, table.parts)
    return table


def _text_head(part: Part) -> tuple[str, str, int] | None:
    """(layout, delimiter, offset of the first row after the header) of a clean text part."""
    data = part.data
    head_end = 0
    lines: list[bytes] = []
    while len(lines) < HEAD_LINES and head_end < len(data):
        next_end = data.find(b"\n", head_end)
        next_end = len(data) if next_end == -1 else next_end + 1
        lines.append(data[head_end:next_end])
        head_end = next_end
    texts = [decoded_line(line) for line in lines]
    if not texts:
        return None
    delimiter = delimiter_of(texts, _is_pairs_header)
    try:
        head = [next(csv.reader([text], delimiter=delimiter), []) for text in texts]
    except csv.Error:
        return None  # the row-by-row reader names the line
    found = next(
        (
            (layout, n)
            for layout, looks, within in HEADERS
            for n, row in enumerate(head[:within])
            if row and looks(row)
        ),
        None,
    )
    if found is None:
        return None
    layout, header = found
    while header + 1 < len(head) and _continues_header(head[header + 1]):
        header += 1
    return layout, delimiter, sum(len(line) for line in lines[: header + 1])


def _fast_pair_table(parts: tuple[Part, ...], path: Path) -> PairTable | None:
    """The common case (clean text parts of one layout and delimiter) without a CSV reader:
    see ``scrubber.tables.pair_index``."""
    heads = []
    for part in parts:
        if part.sheet is not None:
            return None
        if not part.data.isascii():
            try:
                part.text()  # UTF-8 or Windows-1252: the rows are read as bytes below
            except TableError:
                return None  # the row-by-row reader names the line
        head = _text_head(part)
        if head is None:
            return None
        heads.append(head)
    if len({(layout, delimiter) for layout, delimiter, _ in heads}) != 1:
        return None
    layout, delimiter, _ = heads[0]
    segments = [(part.data, start) for part, (_, _, start) in zip(parts, heads, strict=True)]
    found = fast_pairs(segments, layout, delimiter.encode())
    if found is None:
        return None
    index, rows = found
    return PairTable(str(path), layout, rows, index, tuple(part.label for part in parts))


def _load_pair_table(parts: tuple[Part, ...], path: Path) -> PairTable:
    """Row by row with a CSV reader: any part the format allows, every problem with its part
    and line."""
    problems = Problems()
    layout: str | None = None
    labels = []
    pairs: dict[bytes, bytes] = {}
    valid_codes: set[str] = set()
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
            message = f"{double_quoted(indicator)} is not a modifier indicator (0, 1 or 9)"
            problems.add(line, column_of(row, at - 1), message)
            return None
        return (dates + indicator).encode()

    for label, layout, rows in parts_of_one_layout(
        parts, HEADERS, LAYOUTS, problems, _PAIRS_HEADER
    ):
        labels.append(label)
        count += _read_rows(
            rows, layout=layout, pairs=pairs, valid_codes=valid_codes, period_of=period_of,
            problems=problems,
        )  # fmt: skip
    problems.raise_if_any()
    assert layout is not None, "a table without a header is a problem"
    periods = {text: parse_periods(text) for text in set(pairs.values())}
    valid = {text: value for text, value in periods.items() if value is not None}
    assert len(valid) == len(periods), "every period was checked row by row"
    return PairTable(str(path), layout, count, DictPairs(pairs, valid, b","), tuple(labels))


def _read_rows(
    rows: Iterator[tuple[int, list[str]]],
    *,
    layout: str,
    pairs: dict[bytes, bytes],
    valid_codes: set[str],
    period_of: Callable[[list[str], int], bytes | None],
    problems: Problems,
) -> int:
    """Add one part's edits to ``pairs``; the number of rows read."""
    width = 3 if layout == "simple" else 6
    count = 0
    # (effective, deletion, indicator) as written -> the period text, checked once (None: bad)
    checked: dict[tuple[str, str, str], bytes | None] = {}
    first = True
    for line, row in rows:
        if first and layout == "cms" and _continues_header(row):
            continue
        first = False
        if len(row) < width:
            if row and any(cell.strip() for cell in row):
                problems.add(line, 1, f"expected at least {width} columns, found {len(row)}")
            continue
        column1, column2 = row[0], row[1]
        if column1 not in valid_codes or column2 not in valid_codes:
            bad = next((c for c in (column1, column2) if not _CODE.fullmatch(c)), None)
            if bad is not None:
                at = 1 if bad == column1 else column_of(row, 1)
                problems.add(
                    line, at, f"{double_quoted(bad)} is not a code (5 capital letters or digits)"
                )
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
    return count
