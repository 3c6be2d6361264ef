"""CSV that is safe to open in a spreadsheet, for every CSV scrubber writes.

A billing specialist opens CSV files in Excel or LibreOffice, which run a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula (and treat a leading tab or carriage return the same
way in some versions): a location written as ``=HYPERLINK("http://evil","x")`` in the EMR would
become a live link in the audit. Every text cell that starts with one of those characters is
written with a leading ``'``, which spreadsheets show as text and do not display. Numbers
written as numbers (``-2`` units) are left alone: only text is ever a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

__all__ = ["FORMULA_STARTS", "csv_text", "safe_cell", "write_rows"]

#: the characters a spreadsheet reads as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell: text that a spreadsheet would run as a formula gets a leading
    ``'``; every other value (numbers included) is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(target: IO[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` as CSV (``\\n`` line ends), every cell made safe."""
    writer = csv.writer(target, lineterminator="\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document: the header, then the rows, every cell made safe."""
    out = io.StringIO()
    write_rows(out, [header, *rows])
    return out.getvalue()
