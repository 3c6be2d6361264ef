"""CSV tables that rules load: unit caps (MUE) and procedure-to-procedure pairs (PTP).

Two layouts each. Simple ones a billing specialist writes by hand (``code,units`` and
``column1,column2,modifier_indicator``), and the layouts of the CMS files, so that the official
files can be dropped in as they are downloaded. A PTP file has about 1.8 million rows: rows are
kept as compact tuples of strings and integer dates, not as objects.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import attrs

from scrubber.bulk import paused_gc

__all__ = [
    "PairEdit",
    "PairTable",
    "TableError",
    "TableProblem",
    "UnitCap",
    "UnitTable",
    "load_pair_table",
    "load_unit_table",
]

_CODE = re.compile(r"[A-Z0-9]{5}")
_CMS_DATE = re.compile(r"[0-9]{8}")
MAX_PROBLEMS = 10
#: a far-future date for "never deleted", as an integer YYYYMMDD
NEVER = 99991231


class CapScope(enum.StrEnum):
    LINE = "line"
    DAY = "day"


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


@attrs.frozen
class UnitCap:
    units: int
    #: from the CMS adjudication indicator (1 -> line, 2 and 3 -> day); None for simple tables
    scope: CapScope | None = None


@attrs.frozen
class UnitTable:
    path: str
    layout: str
    caps: dict[str, UnitCap] = attrs.field(eq=False, repr=False)

    def __len__(self) -> int:
        return len(self.caps)


@attrs.frozen
class PairEdit:
    column1: str
    column2: str
    modifier_indicator: str
    effective: date | None = None
    deleted: date | None = None


def _day(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


@attrs.frozen
class PairTable:
    """Pair edits keyed by column 2 + column 1 (ten characters), each with its periods.

    A period is (effective, deleted, indicator), the dates as integers YYYYMMDD; an edit applies
    on days with effective <= day < deleted. One flat dictionary keeps 1.8 million pairs loadable
    in seconds and each lookup a single hash probe.
    """

    path: str
    layout: str
    rows: int
    pairs: dict[str, tuple[tuple[int, int, str], ...]] = attrs.field(eq=False, repr=False)
    #: every code that appears in column 2 (the codes an edit can deny)
    column2_codes: frozenset[str] = attrs.field(eq=False, repr=False)

    def indicator(self, column1: str, column2: str, on: date) -> str | None:
        """The modifier indicator of the edit (column1, column2) in effect on ``on``, or None."""
        periods = self.pairs.get(column2 + column1)
        if periods is None:
            return None
        day = _day(on)
        for effective, deleted, indicator in periods:
            if effective <= day < deleted:
                return indicator
        return None

    def __len__(self) -> int:
        return self.rows


def _open_rows(path: Path) -> Iterator[list[str]]:
    """The table's rows, streamed: a PTP file is too large to hold as lists of cells."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = f"cannot read the table ({exc.strerror or exc})"
        raise TableError([TableProblem(1, 1, reason)]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TableError([TableProblem(line, 1, "not UTF-8 text")]) from None
    del data
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _norm(cell: str) -> str:
    return " ".join(cell.strip().lower().split())


class _Problems:
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


def _column_of(row: list[str], index: int) -> int:
    # 1-based character column where cell ``index`` starts (for carets); cells rarely contain
    # quotes in these files, so the plain join is exact enough to point at the right cell.
    return sum(len(cell) + 1 for cell in row[:index]) + 1


def _find_header(
    rows: list[list[str]], looks_right: Callable[[list[str]], bool], within: int
) -> int | None:
    for index, row in enumerate(rows[:within]):
        if row and looks_right(row):
            return index
    return None


def load_unit_table(path: Path) -> UnitTable:
    """Load a unit-cap table: ``code,units`` or the CMS practitioner MUE layout."""
    rows = list(_open_rows(path))
    problems = _Problems()
    simple = _find_header(rows, lambda r: [_norm(c) for c in r[:2]] == ["code", "units"], 1)
    cms = _find_header(rows, lambda r: _norm(r[0]).startswith("hcpcs/cpt code") and len(r) >= 3, 20)
    if simple is None and cms is None:
        raise TableError([TableProblem(
            1, 1, 'expected a header "code,units" or the CMS MUE header "HCPCS/CPT Code,'
            'Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale"',
        )])  # fmt: skip
    header = simple if simple is not None else cms
    assert header is not None
    caps: dict[str, UnitCap] = {}
    for index in range(header + 1, len(rows)):
        row = rows[index]
        line = index + 1
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < (2 if simple is not None else 3):
            wanted = 2 if simple is not None else 3
            problems.add(line, 1, f"expected {wanted} columns, found {len(row)}")
            continue
        code, units_text = row[0], row[1]
        if not _CODE.fullmatch(code):
            problems.add(line, 1, f'"{code}" is not a code (5 capital letters or digits)')
            continue
        if not units_text.isdigit():
            problems.add(line, _column_of(row, 1), f'"{units_text}" is not a whole number of units')
            continue
        scope = None
        if cms is not None:
            kind = row[2].strip()[:1]
            if kind not in ("1", "2", "3"):
                problems.add(
                    line, _column_of(row, 2),
                    f'"{row[2]}" is not an MUE adjudication indicator (it must start with 1, 2 or 3)',
                )  # fmt: skip
                continue
            scope = CapScope.LINE if kind == "1" else CapScope.DAY
        cap = UnitCap(int(units_text), scope)
        previous = caps.get(code)
        if previous is not None and previous != cap:
            problems.add(line, 1, f"{code} appears twice with different caps")
            continue
        caps[code] = cap
    problems.raise_if_any()
    return UnitTable(str(path), "cms" if simple is None else "simple", caps)


def _cms_date(text: str, line: int, column: int, problems: _Problems, empty: int) -> int | None:
    text = text.strip()
    if text in ("", "*"):
        return empty
    if not _CMS_DATE.fullmatch(text):
        problems.add(line, column, f'"{text}" is not a date as YYYYMMDD (or * for none)')
        return None
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        problems.add(line, column, f'"{text}" is not a calendar date')
        return None
    return int(text)


def load_pair_table(path: Path) -> PairTable:
    """Load procedure-to-procedure edits: the simple layout or the CMS layout.

    Streams the rows and shares the strings and tuples that repeat (a code appears in thousands
    of rows, a date in hundreds of thousands), which keeps a 1.8-million-row file affordable.
    """
    with paused_gc():
        return _load_pair_table(path)


def _load_pair_table(path: Path) -> PairTable:
    rows = _open_rows(path)
    head = []
    for row in rows:
        head.append(row)
        if len(head) == 20:
            break
    problems = _Problems()
    simple = _find_header(
        head, lambda r: [_norm(c) for c in r[:3]] == ["column1", "column2", "modifier_indicator"], 1
    )
    cms = _find_header(
        head, lambda r: _norm(r[0]).replace(" ", "") == "column1" and len(r) >= 6, 20
    )
    if simple is None and cms is None:
        raise TableError([TableProblem(
            1, 1, 'expected a header "column1,column2,modifier_indicator" or the CMS layout '
            "(Column 1, Column 2, prior to 1996 flag, effective date, deletion date, modifier "
            "indicator, rationale)",
        )])  # fmt: skip
    header = simple if simple is not None else cms
    assert header is not None
    width = 3 if simple is not None else 6
    pairs: dict[str, tuple[tuple[int, int, str], ...]] = {}
    column2_codes: set[str] = set()
    valid_codes: set[str] = set()
    # (effective, deletion, indicator) as written -> the period, checked once (None: bad)
    periods: dict[tuple[str, str, str], tuple[tuple[int, int, str], ...] | None] = {}
    count = 0

    def period_of(row: list[str], line: int) -> tuple[tuple[int, int, str], ...] | None:
        if simple is not None:
            indicator, effective, deleted, at = row[2].strip(), 0, NEVER, 3
        else:
            indicator, at = row[5].strip(), 6
            start = _cms_date(row[3], line, _column_of(row, 3), problems, 0)
            end = _cms_date(row[4], line, _column_of(row, 4), problems, NEVER)
            if start is None or end is None:
                return None
            effective, deleted = start, end
        if indicator not in ("0", "1", "9"):
            message = f'"{indicator}" is not a modifier indicator (0, 1 or 9)'
            problems.add(line, _column_of(row, at - 1), message)
            return None
        return ((effective, deleted, indicator),)

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
                at = 1 if bad == column1 else _column_of(row, 1)
                problems.add(line, at, f'"{bad}" is not a code (5 capital letters or digits)')
                continue
            valid_codes.update((column1, column2))
        key = (row[2], "", "") if simple is not None else (row[3], row[4], row[5])
        period = periods.get(key, ())
        if period == ():
            period = periods[key] = period_of(row, line)
        elif period is None:
            period_of(row, line)  # report this line's problem too
        if period is None:
            continue
        pair = column2 + column1
        known = pairs.get(pair)
        pairs[pair] = period if known is None else known + period
        column2_codes.add(column2)
        count += 1
    problems.raise_if_any()
    return PairTable(
        str(path), "cms" if simple is None else "simple", count, pairs, frozenset(column2_codes)
    )
