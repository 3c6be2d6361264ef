"""The rule language as plain data.

Every node is frozen and slotted and carries the ``Span`` it came from, for error carets and
for the ``file:line:column`` in audit entries. Spans are left out of equality, so the same rule
written on another line (or reformatted) is the same rule. Nothing here knows about lark.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "ANY",
    "Action",
    "AddModifier",
    "And",
    "Block",
    "Code",
    "CodeItem",
    "CodeList",
    "CodeRange",
    "CodesetDef",
    "CodesetRef",
    "Compare",
    "Condition",
    "Deny",
    "DenyPair",
    "DenyTable",
    "Drop",
    "Expect",
    "Expr",
    "Given",
    "Has",
    "Hold",
    "InList",
    "IsMissing",
    "IsPresent",
    "Limit",
    "LimitMinutes",
    "LimitTable",
    "LimitTotal",
    "Literal",
    "Matches",
    "NextVisit",
    "Not",
    "Or",
    "Path",
    "PayerDef",
    "RemoveModifier",
    "Replace",
    "Rule",
    "RuleFile",
    "RuleTest",
    "Scope",
    "Set",
    "Span",
    "TestCharge",
    "TestStep",
    "Value",
]


@attrs.frozen(order=True)
class Span:
    """Where a node stands: 1-based line and column; the end column is exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NOWHERE = Span("<generated>", 1, 1, 1, 1)


def _span() -> Any:
    # Typed as Any so the attrs plugin of mypy reads it as a plain default.
    return attrs.field(default=NOWHERE, eq=False, repr=False, kw_only=True)


class Scope(enum.StrEnum):
    LINE = "line"
    VISIT = "visit"
    DAY = "day"


Value = str | Decimal | date | bool


# ---- codes -----------------------------------------------------------------------------------


@attrs.frozen
class Code:
    value: str
    span: Span = _span()


@attrs.frozen
class CodeRange:
    start: str
    end: str
    span: Span = _span()


@attrs.frozen
class CodesetRef:
    name: str
    span: Span = _span()


CodeItem = Code | CodeRange | CodesetRef


@attrs.frozen
class CodeList:
    """The codes an action selects; ``any`` selects every code."""

    items: tuple[CodeItem, ...]
    any: bool = False
    span: Span = _span()


ANY = CodeList((), any=True)


# ---- expressions -----------------------------------------------------------------------------


@attrs.frozen
class Path:
    name: str
    span: Span = _span()


@attrs.frozen
class Literal:
    value: Value
    span: Span = _span()


@attrs.frozen
class Compare:
    path: Path
    op: str
    value: Literal
    span: Span = _span()


@attrs.frozen
class InList:
    path: Path
    values: tuple[Literal, ...]
    span: Span = _span()


@attrs.frozen
class Matches:
    path: Path
    pattern: str
    span: Span = _span()


@attrs.frozen
class IsMissing:
    path: Path
    span: Span = _span()


@attrs.frozen
class IsPresent:
    path: Path
    span: Span = _span()


@attrs.frozen
class Has:
    path: Path
    item: str
    span: Span = _span()


@attrs.frozen
class And:
    items: tuple[Expr, ...]
    span: Span = _span()


@attrs.frozen
class Or:
    items: tuple[Expr, ...]
    span: Span = _span()


@attrs.frozen
class Not:
    item: Expr
    span: Span = _span()


Expr = Compare | InList | Matches | IsMissing | IsPresent | Has | And | Or | Not


@attrs.frozen
class Condition:
    """``when EXPR`` (negated=False) or ``unless EXPR`` (negated=True)."""

    expr: Expr
    negated: bool
    span: Span = _span()


# ---- actions ---------------------------------------------------------------------------------


@attrs.frozen
class Limit:
    codes: CodeList
    cap: int
    scope: Scope
    span: Span = _span()


@attrs.frozen
class LimitTotal:
    codes: CodeList
    cap: int
    scope: Scope
    span: Span = _span()


@attrs.frozen
class LimitMinutes:
    codes: CodeList
    method: str
    span: Span = _span()


@attrs.frozen
class LimitTable:
    file: str
    scope: Scope | None
    span: Span = _span()


@attrs.frozen
class AddModifier:
    modifier: str
    codes: CodeList
    span: Span = _span()


@attrs.frozen
class RemoveModifier:
    modifier: str
    codes: CodeList
    span: Span = _span()


@attrs.frozen
class Replace:
    old: Code
    new: Code
    span: Span = _span()


@attrs.frozen
class Drop:
    codes: CodeList
    span: Span = _span()


@attrs.frozen
class Deny:
    codes: CodeList
    span: Span = _span()


@attrs.frozen
class DenyPair:
    codes: CodeList
    with_codes: CodeList
    scope: Scope
    bypass: tuple[str, ...] = ()
    span: Span = _span()


@attrs.frozen
class DenyTable:
    file: str
    scope: Scope | None
    span: Span = _span()


@attrs.frozen
class Hold:
    message: str
    codes: CodeList | None = None
    span: Span = _span()


@attrs.frozen
class Set:
    path: Path
    value: Literal
    span: Span = _span()


Action = (
    Limit
    | LimitTotal
    | LimitMinutes
    | LimitTable
    | AddModifier
    | RemoveModifier
    | Replace
    | Drop
    | Deny
    | DenyPair
    | DenyTable
    | Hold
    | Set
)


# ---- statements ------------------------------------------------------------------------------


@attrs.frozen
class CodesetDef:
    name: str
    items: tuple[CodeItem, ...]
    span: Span = _span()


@attrs.frozen
class PayerDef:
    name: str
    label: str | None
    condition: Expr
    span: Span = _span()


@attrs.frozen
class Rule:
    id: str
    description: str | None
    action: Action
    condition: Condition | None = None
    span: Span = _span()


@attrs.frozen
class Block:
    payer: str
    effective: date | None
    through: date | None
    rules: tuple[Rule, ...]
    span: Span = _span()
    #: where the payer name stands, for "unknown payer" carets
    payer_span: Span = _span()


# ---- rule tests ------------------------------------------------------------------------------


@attrs.frozen
class Given:
    """``with PATH = VALUE`` (value set) or ``without PATH`` (value None: missing)."""

    path: Path
    value: Literal | None
    span: Span = _span()


@attrs.frozen
class TestCharge:
    cpt: str
    units: int
    minutes: int | None = None
    modifiers: tuple[str, ...] = ()
    span: Span = _span()


@attrs.frozen
class NextVisit:
    on: date | None = None
    span: Span = _span()


@attrs.frozen
class Expect:
    """``kind`` is units, not_billed, has_modifier, lacks_modifier, held or not_held."""

    kind: str
    code: str | None = None
    value: int | str | None = None
    span: Span = _span()


TestStep = Given | TestCharge | NextVisit


@attrs.frozen
class RuleTest:
    name: str
    payer: str | None
    on: date | None
    steps: tuple[TestStep, ...]
    expects: tuple[Expect, ...]
    span: Span = _span()


@attrs.frozen
class RuleFile:
    """One ``.rules`` file. ``stem`` names its rules in audit entries (``medicare/mue``)."""

    path: str
    codesets: tuple[CodesetDef, ...] = ()
    payers: tuple[PayerDef, ...] = ()
    blocks: tuple[Block, ...] = ()
    tests: tuple[RuleTest, ...] = ()

    @property
    def stem(self) -> str:
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1]
        for suffix in (".rules", ".test"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name
