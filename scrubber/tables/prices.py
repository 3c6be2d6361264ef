"""Amount tables: a price per unit of each code, optionally per modifier (DESIGN §14).

One layout serves two purposes: the clinic's charge master (``charges by table "FILE"``, what a
line without an ``amount`` is charged) and a payer's fee schedule (``price by table "FILE"``,
what a line is expected to pay). Columns ``code,amount`` (per unit), an optional ``modifier``
column, extra columns allowed; a row with a modifier prices the lines that carry it before the
row of the same code without one. Read like every table: a file, archive, folder or workbook,
UTF-8 or Windows-1252, a line at a time, each problem at its part and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import attrs

from scrubber.model.measures import CENT, EXACT
from scrubber.model.records import Batch, Charge
from scrubber.shown import double_quoted
from scrubber.tables.problems import Problems
from scrubber.tables.rows import Header, column_of, header_key, parts_of_one_layout
from scrubber.tables.sources import Part, Source, open_source

__all__ = ["PriceTable", "charged", "charged_batch", "load_price_table", "price_table", "times"]

_CODE = re.compile(r"[A-Z0-9]{5}")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
#: a price per unit as written: digits, optionally a point and digits (no sign, no $, no commas)
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")


@attrs.frozen
class PriceTable:
    """Prices per unit by (code, modifier); the modifier is "" for a row without one."""

    path: str
    prices: dict[tuple[str, str], Decimal] = attrs.field(eq=False, repr=False)
    #: the labels of the parts read (one empty label for a plain file)
    parts: tuple[str, ...] = ("",)
    #: SHA-256 of the content read (``Source.digest``): what tells two loads of a table apart
    #: without comparing their rows ("" when the table was not read from a source)
    digest: str = attrs.field(default="", eq=False, repr=False, kw_only=True)
    #: the modifiers some row of each code names, in the table's order
    _modifiers: dict[str, tuple[str, ...]] = attrs.field(
        init=False, eq=False, repr=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        for code, modifier in self.prices:
            if modifier:
                self._modifiers[code] = (*self._modifiers.get(code, ()), modifier)

    def __len__(self) -> int:
        return len(self.prices)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.prices)

    def per_unit(self, code: str, modifiers: tuple[str, ...]) -> Decimal | None:
        """The price of one unit of ``code`` on a line with ``modifiers``: the first row (in
        table order) of the code with a modifier the line carries, else the code's row without
        a modifier, else None."""
        for modifier in self._modifiers.get(code, ()):
            if modifier in modifiers:
                return self.prices[(code, modifier)]
        return self.prices.get((code, ""))

    def charge(self, code: str, modifiers: tuple[str, ...], units: int) -> Decimal | None:
        """A line's amount: the price per unit times its units, rounded half up to cents."""
        price = self.per_unit(code, modifiers)
        if price is None:
            return None
        return times(price, units)


def charged(charge: Charge, master: PriceTable) -> Charge:
    """``charge`` with the charge master's amount when it came without one (a line of 0 units,
    or of a code the master does not price, stays without: it has no charge)."""
    if charge.amount is not None or charge.units == 0:
        return charge
    amount = master.charge(charge.cpt, charge.modifiers, charge.units)
    return charge if amount is None else attrs.evolve(charge, amount=amount)


def charged_batch(batch: Batch, master: PriceTable) -> Batch:
    """The export with every line charged as a scrub with ``master`` charges it."""
    visits = tuple(
        attrs.evolve(visit, charges=tuple(charged(c, master) for c in visit.charges))
        if any(c.amount is None for c in visit.charges)
        else visit
        for visit in batch.visits
    )
    return attrs.evolve(batch, visits=visits)


def times(price: Decimal, units: int | Decimal) -> Decimal:
    """``price`` x ``units`` rounded half up to cents (exact before rounding)."""
    return EXACT.multiply(price, Decimal(units)).quantize(
        CENT, rounding=ROUND_HALF_UP, context=EXACT
    )


def _looks(row: list[str]) -> bool:
    keys = [header_key(cell) for cell in row]
    return "code" in keys and "amount" in keys


HEADERS: tuple[Header, ...] = (("amounts", _looks, 1),)
LAYOUTS = {"amounts": "code,amount"}
EXPECTED = 'expected a header with the columns "code" and "amount" (and optionally "modifier")'


def load_price_table(path: Path, inside: Path | None = None) -> PriceTable:
    """Load an amount table from a file, archive or folder (within ``inside`` when given)."""
    return price_table(open_source(path, inside))


def price_table(source: Source, parts: tuple[Part, ...] | None = None) -> PriceTable:
    """Every part of ``source`` read as one table."""
    problems = Problems()
    prices: dict[tuple[str, str], Decimal] = {}
    labels: list[str] = []
    chosen = source.parts() if parts is None else parts
    found = parts_of_one_layout(chosen, HEADERS, LAYOUTS, problems, EXPECTED, keep_header=True)
    for label, _layout, rows in found:
        labels.append(label)
        _read_prices(rows, prices, problems)
    problems.raise_if_any()
    return PriceTable(str(source.path), prices, tuple(labels), digest=source.digest())


def _columns(header: list[str]) -> dict[str, int]:
    """Where each column the table is read by stands (the first of a name counts)."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = header_key(cell)
        if key in ("code", "amount", "modifier") and key not in columns:
            columns[key] = index
    return columns


def _read_prices(
    rows: Iterator[tuple[int, list[str]]],
    prices: dict[tuple[str, str], Decimal],
    problems: Problems,
) -> None:
    _, header = next(rows)
    columns = _columns(header)
    at_code, at_amount = columns["code"], columns["amount"]
    at_modifier = columns.get("modifier")
    needed = max(at_code, at_amount) + 1
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < needed:
            problems.add(line, 1, f"expected {needed} columns, found {len(row)}")
            continue
        code, amount_text = row[at_code], row[at_amount]
        modifier = row[at_modifier] if at_modifier is not None and at_modifier < len(row) else ""
        if not _CODE.fullmatch(code):
            problems.add(
                line, column_of(row, at_code),
                f"{double_quoted(code)} is not a code (5 capital letters or digits)",
            )  # fmt: skip
            continue
        if modifier and not _MODIFIER.fullmatch(modifier):
            assert at_modifier is not None
            problems.add(
                line, column_of(row, at_modifier),
                f"{double_quoted(modifier)} is not a modifier (2 capital letters or digits)",
            )  # fmt: skip
            continue
        if not _AMOUNT.fullmatch(amount_text):
            problems.add(
                line, column_of(row, at_amount),
                f"{double_quoted(amount_text)} is not an amount per unit (a decimal such as "
                "31.92, without a sign, $ or commas)",
            )  # fmt: skip
            continue
        amount = Decimal(amount_text)
        key = (code, modifier)
        previous = prices.get(key)
        if previous is not None and previous != amount:
            which = f"{code} with modifier {modifier}" if modifier else code
            problems.add(line, 1, f"{which} appears twice with different amounts")
            continue
        prices[key] = amount
