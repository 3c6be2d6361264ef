"""Unit-cap tables (MUE): ``code,units`` as a billing specialist writes it, or the CMS
practitioner MUE file exactly as CMS publishes it (the AMA notice above the header, a header
cell with a line break), as a file, in a ZIP archive, in a folder or in a workbook."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from pathlib import Path

import attrs

from scrubber.shown import double_quoted
from scrubber.tables.problems import Problems
from scrubber.tables.rows import HEAD_LINES, Header, column_of, header_key, parts_of_one_layout
from scrubber.tables.sources import Part, Source, open_source

__all__ = ["CapScope", "UnitCap", "UnitTable", "load_unit_table", "unit_table"]

_CODE = re.compile(r"[A-Z0-9]{5}")
#: the most digits of a cap (a day of therapy is far below a million units)
_CAP_DIGITS = 6


class CapScope(enum.StrEnum):
    LINE = "line"
    DAY = "day"


@attrs.frozen
class UnitCap:
    units: int
    #: from the CMS adjudication indicator (1 -> line, 2 and 3 -> day); None for simple tables
    scope: CapScope | None = None
    #: the adjudication indicator as written (1, 2 or 3; what ``tables inspect`` counts)
    indicator: str | None = attrs.field(default=None, eq=False)


@attrs.frozen
class UnitTable:
    path: str
    layout: str
    caps: dict[str, UnitCap] = attrs.field(eq=False, repr=False)
    #: the labels of the parts read (one empty label for a plain file)
    parts: tuple[str, ...] = ("",)
    #: SHA-256 of the content read (``Source.digest``): what tells two loads of a table apart
    #: without comparing their rows ("" when the table was not read from a source)
    digest: str = attrs.field(default="", eq=False, repr=False, kw_only=True)

    def __len__(self) -> int:
        return len(self.caps)


def _simple_units(row: list[str]) -> bool:
    return [header_key(c) for c in row[:2]] == ["code", "units"]


def _cms_units(row: list[str]) -> bool:
    return header_key(row[0]).startswith("hcpcs/cptcode") and len(row) >= 3


HEADERS: tuple[Header, ...] = (("simple", _simple_units, 1), ("cms", _cms_units, HEAD_LINES))
#: each layout in words
LAYOUTS = {"simple": "code,units", "cms": "the CMS practitioner MUE layout"}
EXPECTED = (
    'expected a header "code,units" or the CMS MUE header "HCPCS/CPT Code,Practitioner Services '
    'MUE Values,MUE Adjudication Indicator,MUE Rationale"'
)


def load_unit_table(path: Path, inside: Path | None = None) -> UnitTable:
    """Load a unit-cap table from a file, archive or folder (within ``inside`` when given)."""
    return unit_table(open_source(path, inside))


def unit_table(source: Source, parts: tuple[Part, ...] | None = None) -> UnitTable:
    """Every part of ``source`` (its ``parts``, when already unpacked) read as one table;
    parts of different layouts are an error."""
    problems = Problems()
    caps: dict[str, UnitCap] = {}
    layout: str | None = None
    labels: list[str] = []
    chosen = source.parts() if parts is None else parts
    for label, layout, rows in parts_of_one_layout(chosen, HEADERS, LAYOUTS, problems, EXPECTED):
        labels.append(label)
        _read_caps(rows, layout, caps, problems)
    problems.raise_if_any()
    assert layout is not None, "a table without a header is a problem"
    return UnitTable(str(source.path), layout, caps, tuple(labels), digest=source.digest())


def _read_caps(
    rows: Iterator[tuple[int, list[str]]], layout: str, caps: dict[str, UnitCap], problems: Problems
) -> None:
    wanted = 2 if layout == "simple" else 3
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < wanted:
            problems.add(line, 1, f"expected {wanted} columns, found {len(row)}")
            continue
        code, units_text = row[0], row[1]
        if not _CODE.fullmatch(code):
            problems.add(
                line, 1, f"{double_quoted(code)} is not a code (5 capital letters or digits)"
            )
            continue
        # ASCII digits only ("²" is a digit to Python, not to int()), and few of them: a cap
        # of a hundred thousand digits would not even convert
        if not (units_text.isascii() and units_text.isdigit()) or len(units_text) > _CAP_DIGITS:
            problems.add(
                line,
                column_of(row, 1),
                f"{double_quoted(units_text)} is not a whole number of units",
            )
            continue
        scope = indicator = None
        if layout == "cms":
            indicator = row[2].strip()[:1]
            if indicator not in ("1", "2", "3"):
                problems.add(
                    line, column_of(row, 2),
                    f"{double_quoted(row[2])} is not an MUE adjudication indicator (it must start with 1, 2 or 3)",
                )  # fmt: skip
                continue
            scope = CapScope.LINE if indicator == "1" else CapScope.DAY
        cap = UnitCap(int(units_text), scope, indicator)
        previous = caps.get(code)
        if previous is not None and previous != cap:
            problems.add(line, 1, f"{code} appears twice with different caps")
            continue
        caps[code] = cap
