"""CSV that is safe to open in a spreadsheet, for every CSV scrubber writes.

A billing specialist opens CSV files in Excel or LibreOffice, which run a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula (and treat a leading tab or carriage return the same
way in some versions): a location written as ``=HYPERLINK("http://evil","x")`` in the EMR would
become a live link in the audit. Every text cell that starts with one of those characters is
written with a leading ``'``, which spreadsheets show as text and do not display. Numbers
written as numbers (``-2`` units) are left alone: only text is ever a formula.

Then every cell that holds a carriage return, a line feed, the delimiter or a quote is quoted
(quotes doubled). Python's ``csv`` module quotes only the characters of its own line ending
(``\\n`` here), so a cell ``\\r=cmd`` would get its ``'`` and still end the row at the CR in a
spreadsheet, whose next row would start with ``=cmd``: the quoting is done here, after the
formula escape, so that it cannot be missed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

__all__ = ["FORMULA_STARTS", "csv_line", "csv_text", "safe_cell", "write_rows"]

#: the characters a spreadsheet reads as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell: text that a spreadsheet would run as a formula gets a leading
    ``'``; every other value (numbers included) is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _field(value: Any) -> str:
    """One cell as written: made safe, then quoted when it holds a CR, LF, comma or quote.
    ``safe_cell`` written out, and four searches rather than a set walked a character at a
    time: an audit trail writes some twenty cells per change (issue 29)."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        text = "'" + text
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(row: Sequence[Any]) -> str:
    """One row as a CSV line ending in ``\\n``, every cell made safe and quoted where needed
    (a row of one empty cell is ``""``, so that it is not read as a blank line)."""
    if len(row) == 1 and _field(row[0]) == "":
        return '""\n'
    return ",".join(map(_field, row)) + "\n"


def write_rows(target: IO[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` as CSV (``\\n`` line ends), every cell made safe."""
    for row in rows:
        target.write(csv_line(row))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document: the header, then the rows, every cell made safe."""
    out = io.StringIO()
    write_rows(out, [header, *rows])
    return out.getvalue()
