"""What scrubber measures on every line, described once: units and charges (money).

Both measures obey the same bookkeeping: for every visit and code, what the EMR sent = what is
billed + what is held + what the audit entries took away. The audit entry names the change
(``units_delta``, ``amount_delta``) and the line's level after it (``units``, ``amount``); a
``replace`` entry moves the level from the old code to the new one. Reports and checks walk
``MEASURES`` rather than naming units, so a third measure is one declaration here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import attrs

from scrubber.model.records import Charge

__all__ = [
    "CENT",
    "CHARGES",
    "EXACT",
    "MEASURES",
    "UNITS",
    "Measure",
    "expected_payment",
    "rescaled",
]

#: money is kept to the cent
CENT = Decimal("0.01")
#: arithmetic on amounts that loses no digit (amounts are below 10**12, with the digits the
#: export sent): a change is the exact difference of two charges, whatever their digits
EXACT = Context(prec=120, rounding=ROUND_HALF_UP)


def rescaled(amount: Decimal, before: int, after: int) -> Decimal:
    """A line's charge once its units go from ``before`` to ``after``: charge x after / before,
    rounded half up to cents (§14); 0 units keep no charge; unchanged units keep it exactly."""
    if after == before:
        return amount
    if after == 0:
        return Decimal("0.00")
    share = EXACT.divide(EXACT.multiply(amount, after), before)
    return share.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def expected_payment(rate: Decimal, units: int, share: Decimal) -> Decimal:
    """What a line is expected to pay: its price per unit x its billed units x the share of it
    a payer pays (``price ... at 85%``: 0.85), rounded half up to cents once, at the end."""
    exact = EXACT.multiply(EXACT.multiply(rate, Decimal(units)), share)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


@attrs.frozen
class Measure:
    """One measure: its name (``balance --measure NAME``), the charge attribute that holds a
    line's level, and the audit entry attributes of the change and of the level after it."""

    name: str
    #: the attribute of ``Charge`` (None on a line means the line has no such figure)
    of_charge: str
    #: the audit entry's change (<= 0) and the line's level after the change
    delta: str
    level: str
    #: the zero of the measure (0 units, 0.00 dollars)
    zero: Any

    def charge_level(self, charge: Charge) -> Any:
        """The line's figure (zero when it has none: a line without a charge, or of 0 units)."""
        value = getattr(charge, self.of_charge)
        if value is None or (self is not UNITS and charge.units == 0):
            return self.zero
        return value

    def entry_delta(self, entry: Any) -> Any:
        value = getattr(entry, self.delta)
        return self.zero if value is None else value

    def entry_level(self, entry: Any) -> Any:
        value = getattr(entry, self.level)
        return self.zero if value is None else value


UNITS = Measure("units", "units", "units_delta", "units", 0)
CHARGES = Measure("charges", "amount", "amount_delta", "amount", Decimal("0.00"))
#: every measure, units first
MEASURES = (UNITS, CHARGES)
