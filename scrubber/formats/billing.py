"""Billing's own charge report, as the billing system exports it: what ``reconcile`` checks
the scrub result against.

One line per charge with the columns ``visit_id``, ``date_of_service``, ``created_on``,
``location``, ``cpt`` and ``units`` (more columns are ignored). Billing systems name them their
own way, so ``--columns units=Qty,created_on="Entry Date"`` maps them; header names are compared
with white space folded and case ignored. Dates are ``YYYY-MM-DD`` or, as US systems write
them, ``MM/DD/YYYY``. A line that cannot be read is rejected with its line number and the rest
is read; text is kept exactly as received (a trailing space in a visit id is a different visit).

"A line that cannot be read" includes one that is not CSV at all: a cell over the CSV reader's
limit, bytes that are not UTF-8, a line over ``MAX_LINE_BYTES``. Each is listed with its line
number and the reading goes on with the next line, so that nothing after it silently becomes
``missing_in_billing``. Runs of blank lines are skipped in one step, so a file of line breaks
costs what its size costs, not a Python step per line.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs

from scrubber.errors import ExportReadError, UsageError
from scrubber.files import FileRefused, read_regular
from scrubber.lines import MAX_LINE, Lines, Unreadable
from scrubber.shown import cut, quoted, visible

__all__ = [
    "BILLING_COLUMNS",
    "MAX_LINE_BYTES",
    "BillingCharge",
    "BillingRejected",
    "BillingReport",
    "parse_columns",
    "read_billing",
]

BILLING_COLUMNS = ("visit_id", "date_of_service", "created_on", "location", "cpt", "units")
#: columns read when the report has them (mapped with ``--columns`` like the others): the
#: line's charge, which ``reconcile`` then compares (DESIGN §14)
OPTIONAL_COLUMNS = ("amount",)
_AMOUNT = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,6})?")
#: the largest billing report read (a year of a large practice is a few hundred MB)
MAX_BILLING_BYTES = 2 << 30
#: the longest line read (a charge line is a few hundred bytes); the CSV reader's own limit on
#: one cell is the same, so a longer line could not be read as CSV anyway
MAX_LINE_BYTES = MAX_LINE
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: how the header is quoted in a message: enough to recognise it
_HEADER_SHOWN = 200


@attrs.frozen
class BillingCharge:
    line: int
    visit_id: str
    date_of_service: date
    created_on: date
    location: str
    cpt: str
    units: int
    #: the line's charge, when the report has an ``amount`` column
    amount: Decimal | None = None


@attrs.frozen
class BillingRejected:
    line: int
    errors: tuple[str, ...]


@attrs.frozen
class BillingReport:
    source: str
    charges: tuple[BillingCharge, ...]
    rejected: tuple[BillingRejected, ...]


def parse_columns(text: str | None) -> dict[str, str]:
    """``--columns units=Qty,created_on=Entry Date``: our column name -> the report's header."""
    if not text:
        return {}
    mapping = {}
    for item in next(csv.reader([text])):
        name, equals, header = item.partition("=")
        name = name.strip()
        if not equals or name not in (*BILLING_COLUMNS, *OPTIONAL_COLUMNS) or not header.strip():
            raise UsageError(
                f"--columns: {item.strip()!r} is not NAME=HEADER with NAME one of "
                + ", ".join((*BILLING_COLUMNS, *OPTIONAL_COLUMNS))
            )
        mapping[name] = header.strip()
    return mapping


def _key(header: str) -> str:
    return " ".join(header.split()).casefold()


def _date(text: str) -> date | None:
    """``YYYY-MM-DD`` or ``MM/DD/YYYY`` in ASCII digits, a date on the calendar; nothing else
    (``date.fromisoformat`` would also take ``2026-W10-1`` and ``20260302``)."""
    text = text.strip()
    found = _US_DATE.fullmatch(text)
    try:
        if found:
            month, day, year = map(int, found.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
    except ValueError:
        return None


def read_billing(path: str | Path, columns: Mapping[str, str] | None = None) -> BillingReport:
    """Read a billing charge report; ``ExportReadError`` when it cannot be read as a whole (no
    header with the columns, UTF-16 text), every line that cannot be read in ``rejected``."""
    name = str(path)
    try:
        data = read_regular(Path(path), MAX_BILLING_BYTES)
    except FileRefused as exc:
        raise ExportReadError(name, f"the billing report is not read: {exc}") from None
    except OSError as exc:
        raise ExportReadError(
            name, f"cannot read the billing report ({exc.strerror or exc})"
        ) from None
    lines = Lines(data, max_line=MAX_LINE_BYTES)
    first = next(lines, None)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or "\x00" in (first or ""):
        raise ExportReadError(
            name, "the billing report is UTF-16 text, not UTF-8 (save the report as CSV UTF-8)"
        )
    if lines.unreadable:
        line, why = next(iter(lines.unreadable.items()))
        raise ExportReadError(name, f"the header (line {line}) cannot be read: {_why(why)}")
    if first is None:
        raise ExportReadError(name, "the billing report is empty")
    delimiter = "\t" if "\t" in first else ","
    try:
        header = next(csv.reader([first], delimiter=delimiter), None)
    except csv.Error as exc:
        raise ExportReadError(name, f"line {lines.first}: not readable as CSV: {exc}") from None
    if not header:
        raise ExportReadError(name, "the billing report is empty")
    wanted = {column: (columns or {}).get(column, column) for column in BILLING_COLUMNS}
    found = {_key(cell): index for index, cell in enumerate(header)}
    lacking = [f"{column} (as {written!r})" if written != column else column
               for column, written in wanted.items() if _key(written) not in found]  # fmt: skip
    if lacking:
        shown = cut(visible(", ".join(header)), _HEADER_SHOWN)
        raise ExportReadError(
            name, f"no column {', '.join(lacking)} in the header ({shown}); map a "
            "column of another name with --columns NAME=HEADER",
        )  # fmt: skip
    at = {column: found[_key(written)] for column, written in wanted.items()}
    for column in OPTIONAL_COLUMNS:
        written = (columns or {}).get(column, column)
        if _key(written) in found:
            at[column] = found[_key(written)]
        elif column in (columns or {}):
            shown = cut(visible(", ".join(header)), _HEADER_SHOWN)
            raise ExportReadError(
                name, f"no column {column} (as {written!r}) in the header ({shown})"
            )
    return BillingReport(name, *_rows(lines, delimiter, at))


def _why(why: str) -> str:
    if why == "not UTF-8 text":
        return "it is not UTF-8 text (save the report as CSV UTF-8)"
    return why + " (a charge line is a few hundred)"


def _rows(
    lines: Lines, delimiter: str, at: dict[str, int]
) -> tuple[tuple[BillingCharge, ...], tuple[BillingRejected, ...]]:
    """Every row after the header: a charge, or rejected with its line. A row that cannot be
    read (a line of it too long or not UTF-8, a cell over the CSV reader's limit, a quote never
    closed) is rejected, and so is a row that reads but is not a charge, or that swallowed a
    charge line into a quoted cell; when such a row ran over several lines, the lines after its
    first are read again as rows of their own, so that one broken row never hides the charges
    after it."""
    charges = []
    errors: dict[int, tuple[str, ...]] = {}
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        lines.new_row()
        try:
            row = next(reader)
        except StopIteration:
            break
        except (csv.Error, Unreadable) as exc:
            line = exc.line if isinstance(exc, Unreadable) else lines.first or lines.number
            why = exc.message if isinstance(exc, Unreadable) else f"not readable as CSV: {exc}"
            errors.setdefault(line, (f"line {line}: {why}",))
            lines.restart()
            continue
        if not any(cell.strip() for cell in row):
            continue
        charge, problems = _charge(row, at, lines.first)
        swallowed = _charge_among(lines.row_text[1:], delimiter, at) if charge else 0
        if swallowed:
            charge, problems = None, [_swallowed(lines.first, lines.first + swallowed)]
        if charge is not None:
            charges.append(charge)
            continue
        errors.setdefault(lines.first, tuple(problems))
        if len(lines.row_text) > 1:
            lines.restart()
    for line, why in lines.unreadable.items():
        errors.setdefault(line, (f"line {line}: {_why(why)}",))
    rejected = tuple(BillingRejected(line, errors[line]) for line in sorted(errors))
    return tuple(charges), rejected


def _swallowed(line: int, charge_line: int) -> str:
    return (f"line {line}: a quote opened here runs on over line {charge_line}, which is a "
            "charge line of its own (a quote that is not closed?)")  # fmt: skip


def _charge_among(texts: list[str], delimiter: str, at: dict[str, int]) -> int:
    """The first of the lines a quoted cell ran over that reads as a charge line on its own
    (1 for the second line of the row), or 0. A cell with a line break in it is CSV; but when
    what it swallowed are charge lines, the quote was not closed where it should have been."""
    for n, text in enumerate(texts, start=1):
        try:
            row = next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error:
            continue
        if _charge(row, at, 0)[0] is not None:
            return n
    return 0


def _charge(
    row: list[str], at: dict[str, int], line: int
) -> tuple[BillingCharge | None, list[str]]:
    errors = []
    cells = {column: row[index] if index < len(row) else None for column, index in at.items()}
    for column, value in cells.items():
        if value is None:
            errors.append(f"line {line}: {column}: the line has no such cell")
    if errors:
        return None, errors
    days = {}
    for column in ("date_of_service", "created_on"):
        days[column] = _date(cells[column] or "")
        if days[column] is None:
            errors.append(
                f"line {line}: {column}: {quoted(cells[column] or '')} is not a date "
                "(YYYY-MM-DD or MM/DD/YYYY)"
            )
    units_text = (cells["units"] or "").strip()
    if not units_text.isascii() or not units_text.isdigit() or len(units_text) > 5:
        errors.append(
            f"line {line}: units: {quoted(cells['units'] or '')} is not a whole number of units"
        )
    for column in ("visit_id", "cpt"):
        if not (cells[column] or "").strip():
            errors.append(f"line {line}: {column}: empty")
    amount = None
    if "amount" in cells:
        amount_text = (cells["amount"] or "").strip().removeprefix("$").replace(",", "")
        if _AMOUNT.fullmatch(amount_text):
            amount = Decimal(amount_text)
        elif amount_text:
            errors.append(
                f"line {line}: amount: {quoted(cells['amount'] or '')} is not an amount (a "
                "decimal such as 66.67)"
            )
    if errors:
        return None, errors
    return BillingCharge(
        line, cells["visit_id"] or "", days["date_of_service"] or date.min, days["created_on"] or date.min,
        cells["location"] or "", cells["cpt"] or "", int(units_text), amount,
    ), []  # fmt: skip
