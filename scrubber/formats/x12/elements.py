"""What one element of an 837P holds: a date, an amount, a number of units, a diagnosis
pointer. Each is checked by its shape and length before any conversion, so that an element of a
million digits or an exponent (``1E99999999``) is a claim's problem, never a long computation or
an exception from ``int`` or ``Decimal``."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from scrubber.formats.convert import MAX_AMOUNT

__all__ = ["amount_of", "d8", "pointer_of", "whole_units"]

#: an amount as X12 writes one (type R: digits with an optional sign and decimal point, at most
#: 18 characters; no exponent), checked before it becomes a Decimal
_AMOUNT = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)")
_AMOUNT_LENGTH = 18
#: a quantity (SV104, type R of at most 15 characters), whole or with a zero fraction
_QUANTITY = re.compile(r"[0-9]+(\.0*)?")
_QUANTITY_LENGTH = 15
#: a diagnosis pointer (SV107, type N0 of 1 or 2 digits)
_POINTER = re.compile(r"[0-9]{1,2}")


def d8(text: str) -> date | None:
    """A date written CCYYMMDD (``D8``), None when it is none (eight ASCII digits first)."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def amount_of(text: str) -> Decimal | None:
    """An amount element (SV102, CLM02) as an amount below the largest the records hold
    (``480`` and ``480.00`` are the same); None when it is none. The shape is checked first:
    ``1E1000000`` or a million digits never reach ``Decimal``."""
    if len(text) > _AMOUNT_LENGTH or not _AMOUNT.fullmatch(text):
        return None
    amount = Decimal(text)
    return amount if abs(amount) < MAX_AMOUNT else None


def whole_units(text: str) -> int | None:
    """SV104 as a whole number: ``3`` or ``3.0``; anything else (``2.5``, ``two``, ``1E3``, 16
    characters or more) is None, before any conversion."""
    if len(text) > _QUANTITY_LENGTH or not _QUANTITY.fullmatch(text):
        return None
    return int(text.split(".", 1)[0])


def pointer_of(text: str) -> int | None:
    """A diagnosis pointer (SV107: 1 or 2 ASCII digits) as a number, None when it is none."""
    return int(text) if _POINTER.fullmatch(text) else None
