"""Billing's own charge report, as the billing system exports it: what ``reconcile`` checks
the scrub result against.

One line per charge with the columns ``visit_id``, ``date_of_service``, ``created_on``,
``location``, ``cpt`` and ``units`` (more columns are ignored). Billing systems name them their
own way, so ``--columns units=Qty,created_on="Entry Date"`` maps them; header names are compared
with white space folded and case ignored. Dates are ``YYYY-MM-DD`` or, as US systems write
them, ``MM/DD/YYYY``. A line that cannot be read is rejected with its line number and the rest
is read; text is kept exactly as received (a trailing space in a visit id is a different visit).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import attrs

from scrubber.errors import ExportReadError, UsageError
from scrubber.files import FileRefused, read_regular

__all__ = [
    "BILLING_COLUMNS",
    "BillingCharge",
    "BillingRejected",
    "BillingReport",
    "parse_columns",
    "read_billing",
]

BILLING_COLUMNS = ("visit_id", "date_of_service", "created_on", "location", "cpt", "units")
#: the largest billing report read (a year of a large practice is a few hundred MB)
MAX_BILLING_BYTES = 2 << 30
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@attrs.frozen
class BillingCharge:
    line: int
    visit_id: str
    date_of_service: date
    created_on: date
    location: str
    cpt: str
    units: int


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
        if not equals or name not in BILLING_COLUMNS or not header.strip():
            raise UsageError(
                f"--columns: {item.strip()!r} is not NAME=HEADER with NAME one of "
                + ", ".join(BILLING_COLUMNS)
            )
        mapping[name] = header.strip()
    return mapping


def _key(header: str) -> str:
    return " ".join(header.split()).casefold()


def _date(text: str) -> date | None:
    text = text.strip()
    found = _US_DATE.fullmatch(text)
    try:
        if found:
            month, day, year = map(int, found.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def read_billing(path: str | Path, columns: Mapping[str, str] | None = None) -> BillingReport:
    """Read a billing charge report; ``ExportReadError`` when it cannot be read as a whole (not
    UTF-8, no header with the columns), bad lines in ``rejected``."""
    name = str(path)
    try:
        data = read_regular(Path(path), MAX_BILLING_BYTES)
    except FileRefused as exc:
        raise ExportReadError(name, f"the billing report is not read: {exc}") from None
    except OSError as exc:
        raise ExportReadError(
            name, f"cannot read the billing report ({exc.strerror or exc})"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ExportReadError(
            name, f"line {line} is not UTF-8 text (save the report as CSV UTF-8)"
        ) from None
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if "\t" in first else ",")
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ExportReadError(name, f"line 1: not readable as CSV: {exc}") from None
    if not header:
        raise ExportReadError(name, "the billing report is empty")
    wanted = {column: (columns or {}).get(column, column) for column in BILLING_COLUMNS}
    found = {_key(cell): index for index, cell in enumerate(header)}
    lacking = [f"{column} (as {written!r})" if written != column else column
               for column, written in wanted.items() if _key(written) not in found]  # fmt: skip
    if lacking:
        raise ExportReadError(
            name, f"no column {', '.join(lacking)} in the header ({', '.join(header)}); map a "
            "column of another name with --columns NAME=HEADER",
        )  # fmt: skip
    at = {column: found[_key(written)] for column, written in wanted.items()}
    charges, rejected = [], []
    start = 2
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            charge, errors = _charge(row, at, line)
            if charge is None:
                rejected.append(BillingRejected(line, tuple(errors)))
            else:
                charges.append(charge)
    except csv.Error as exc:
        rejected.append(BillingRejected(start, (f"line {start}: not readable as CSV: {exc}",)))
    return BillingReport(name, tuple(charges), tuple(rejected))


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
                f"line {line}: {column}: {cells[column]!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)"
            )
    units_text = (cells["units"] or "").strip()
    if not units_text.isascii() or not units_text.isdigit() or len(units_text) > 5:
        errors.append(f"line {line}: units: {cells['units']!r} is not a whole number of units")
    for column in ("visit_id", "cpt"):
        if not (cells[column] or "").strip():
            errors.append(f"line {line}: {column}: empty")
    if errors:
        return None, errors
    return BillingCharge(
        line, cells["visit_id"] or "", days["date_of_service"] or date.min, days["created_on"] or date.min,
        cells["location"] or "", cells["cpt"] or "", int(units_text),
    ), []  # fmt: skip
