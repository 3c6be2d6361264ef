"""Unit-cap tables (MUE): ``code,units`` as a billing specialist writes it, or the CMS
practitioner MUE file as CMS publishes it, so that the official file can be dropped in."""

from __future__ import annotations

import enum
import re
from pathlib import Path

import attrs

from scrubber.tables.rows import (
    HEAD_LINES,
    Problems,
    TableError,
    TableProblem,
    column_of,
    find_header,
    norm,
    open_rows,
    read_bytes,
)

__all__ = ["CapScope", "UnitCap", "UnitTable", "load_unit_table"]

_CODE = re.compile(r"[A-Z0-9]{5}")


class CapScope(enum.StrEnum):
    LINE = "line"
    DAY = "day"


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


def _simple_units(row: list[str]) -> bool:
    return [norm(c) for c in row[:2]] == ["code", "units"]


def _cms_units(row: list[str]) -> bool:
    return norm(row[0]).startswith("hcpcs/cpt code") and len(row) >= 3


def load_unit_table(path: Path) -> UnitTable:
    """Load a unit-cap table: ``code,units`` or the CMS practitioner MUE layout."""
    rows = list(open_rows(read_bytes(path), lambda r: _simple_units(r) or _cms_units(r)))
    problems = Problems()
    simple = find_header(rows, _simple_units, 1)
    cms = find_header(rows, _cms_units, HEAD_LINES)
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
            problems.add(line, column_of(row, 1), f'"{units_text}" is not a whole number of units')
            continue
        scope = None
        if cms is not None:
            kind = row[2].strip()[:1]
            if kind not in ("1", "2", "3"):
                problems.add(
                    line, column_of(row, 2),
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
