"""A checked rule set: what the engine compiles. Free of lark, so the engine can import it.

The checker (``scrubber.lang.check``) builds it, and only when the rules have no problem; codes
are expanded here so that checker and engine agree on what a codeset or a range contains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import attrs

from scrubber.lang import ast
from scrubber.tables.pairs import PairTable
from scrubber.tables.prices import PriceTable
from scrubber.tables.units import UnitTable

__all__ = [
    "BUILTIN_PAYER",
    "CODE_SHAPE",
    "MAX_RANGE",
    "CheckedRules",
    "expand_items",
    "expand_range",
    "range_shape_problem",
]

BUILTIN_PAYER = "any"
MAX_RANGE = 10_000
CODE_SHAPE = re.compile(r"[A-Z0-9]{5}")


@attrs.frozen
class CheckedRules:
    """A rule set whose every name resolves and every table loaded: ready to compile."""

    files: tuple[ast.RuleFile, ...]
    codesets: dict[str, frozenset[str]] = attrs.field(eq=False, repr=False)
    payers: dict[str, ast.PayerDef] = attrs.field(eq=False, repr=False)
    #: tables by (rule file path as shown, table path as written in the rule)
    unit_tables: dict[tuple[str, str], UnitTable] = attrs.field(eq=False, repr=False)
    pair_tables: dict[tuple[str, str], PairTable] = attrs.field(eq=False, repr=False)
    price_tables: dict[tuple[str, str], PriceTable] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    #: what a line without an ``amount`` is charged (``charges by table``), when named
    charge_master: PriceTable | None = attrs.field(default=None, eq=False, repr=False)

    def codes_of(self, codes: ast.CodeList) -> frozenset[str] | None:
        """The codes a list selects; None means every code (``any``)."""
        if codes.any:
            return None
        return frozenset(expand_items(codes.items, self.codesets))


def expand_range(start: str, end: str) -> list[str]:
    prefix = _letters(start)
    width = len(start) - len(prefix)
    return [
        f"{prefix}{n:0{width}d}"
        for n in range(int(start[len(prefix) :]), int(end[len(prefix) :]) + 1)
    ]


def _letters(code: str) -> str:
    # The non-digit prefix of a code: "G" of G0283, "" of 97110.
    return code[: len(code) - len(code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))] if code else ""


def range_shape_problem(start: str, end: str) -> str | None:
    for code in (start, end):
        if not CODE_SHAPE.fullmatch(code):
            return f'"{code}" is not a code: codes are 5 capital letters or digits, like 97110 or G0283'
    prefix = _letters(start)
    if (
        _letters(end) != prefix
        or not start[len(prefix) :].isdigit()
        or not end[len(prefix) :].isdigit()
    ):
        return f"{start}..{end} is not a range: both ends need the same letters, then digits (like G0281..G0283)"
    if start > end:
        return f"{start}..{end} runs backwards: write {end}..{start}"
    if int(end[len(prefix) :]) - int(start[len(prefix) :]) >= MAX_RANGE:
        return f"{start}..{end} spans more than {MAX_RANGE:,} codes"
    return None


def expand_items(
    items: Iterable[ast.CodeItem], codesets: dict[str, frozenset[str]]
) -> Iterator[str]:
    for item in items:
        if isinstance(item, ast.Code):
            yield item.value
        elif isinstance(item, ast.CodeRange):
            if range_shape_problem(item.start, item.end) is None:
                yield from expand_range(item.start, item.end)
        else:
            yield from codesets.get(item.name, ())
