"""The charges stage: the rule set's charge master (``charges by table "FILE"``, DESIGN §14),
named at most once across every file, found inside the rules folder and read as an amount
table."""

from __future__ import annotations

from scrubber.lang import codes
from scrubber.lang.check.actions import load_table
from scrubber.lang.check.checker import Checker
from scrubber.tables.prices import PriceTable

__all__ = ["charges"]


def charges(checker: Checker) -> None:
    """One charge master per rule set: a line is charged once, by one price list."""
    first = None
    for source in checker.sources:
        for statement in source.parsed.file.charges:
            if first is not None:
                checker.error(
                    codes.TWO_CHARGE_MASTERS,
                    f"the charge master is already named at {first.span}: a rule set has one "
                    "price list for the lines that come without an amount",
                    statement.span,
                )
                continue
            first = statement
            table = load_table(checker, source, statement.file, statement.span, "price")
            if isinstance(table, PriceTable):
                checker.charge_master = table
