"""The rule language as plain data.

Every node is frozen and slotted and carries the ``Span`` it came from, for error carets and
for the ``file:line:column`` in audit entries. Spans are left out of equality, so the same rule
written on another line (or reformatted) is the same rule. Nothing here knows about lark, and
nothing here imports more than attrs: the engine reads these nodes without the parser.

The parser builds nodes from the syntax alone; whatever needs meaning (is this a scope the action
takes, is ``2026-02-30`` a date, is this name a codeset) is left for the checker, which sees the
words as written (``Word``, ``BadDate``) and says so at their position.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

__all__ = [
    "ANY",
    "ActionNode",
    "BadDate",
    "Block",
    "ChargeMaster",
    "Code",
    "CodeItem",
    "CodeList",
    "CodeRange",
    "CodesetDef",
    "CodesetRef",
    "Condition",
    "Expect",
    "Expr",
    "Given",
    "Literal",
    "NextVisit",
    "Path",
    "PayerDef",
    "RepeatVisit",
    "Rule",
    "RuleFile",
    "RuleTest",
    "Scope",
    "Span",
    "TestCharge",
    "TestStep",
    "Value",
    "Word",
    "checked_date",
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


def span_field() -> Any:
    # Typed as Any so the attrs plugin of mypy reads it as a plain default.
    return attrs.field(default=NOWHERE, eq=False, repr=False, kw_only=True)


class Scope(enum.StrEnum):
    """How far a cap or a pair edit looks: one line, one visit, one patient's day (same payer),
    or the patient's ISO week (Monday to Sunday), calendar month or calendar year (same payer)."""

    LINE = "line"
    VISIT = "visit"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


#: the scopes that reach over several dates of service
PERIODS = frozenset({Scope.WEEK, Scope.MONTH, Scope.YEAR})


Value = str | Decimal | date | bool


# ---- codes -----------------------------------------------------------------------------------


@attrs.frozen
class Code:
    value: str
    span: Span = span_field()


@attrs.frozen
class CodeRange:
    start: str
    end: str
    span: Span = span_field()


@attrs.frozen
class CodesetRef:
    name: str
    span: Span = span_field()


CodeItem = Code | CodeRange | CodesetRef


@attrs.frozen
class CodeList:
    """The codes an action selects; ``any`` selects every code."""

    items: tuple[CodeItem, ...]
    any: bool = False
    span: Span = span_field()


ANY = CodeList((), any=True)


# ---- expressions -----------------------------------------------------------------------------


@attrs.frozen
class Path:
    name: str
    span: Span = span_field()


@attrs.frozen
class Literal:
    #: a ``BadDate`` only in a rule set that does not check clean
    value: Value | BadDate
    span: Span = span_field()


class Expr:
    """Base of the expression nodes. Each kind of expression defines its node in its own module
    (``scrubber.lang.expressions``), beside how it is checked, written and compiled."""

    __slots__ = ()
    span: Span


@attrs.frozen
class Condition:
    """``when EXPR`` (negated=False) or ``unless EXPR`` (negated=True)."""

    expr: Expr
    negated: bool
    span: Span = span_field()


# ---- actions ---------------------------------------------------------------------------------


@attrs.frozen
class Word:
    """A word of the language kept as written, with where it stands: a scope (``day``) or a
    method (``cms-8-minute``). The checker says whether it is one the action takes."""

    text: str
    span: Span = span_field()

    def __str__(self) -> str:
        return self.text


@attrs.frozen
class BadDate:
    """A date written in the right shape that is not on the calendar (``2026-02-30``): kept so
    that the checker can report it where it stands."""

    text: str
    span: Span = span_field()

    def __str__(self) -> str:
        return self.text


def checked_date(value: date | BadDate | None) -> date | None:
    """A date of a rule set that checked clean: every ``BadDate`` was reported, so none is left
    where rules are compiled or tests are run."""
    assert not isinstance(value, BadDate), "a checked rule set holds calendar dates"
    return value


class ActionNode:
    """Base of the action nodes. Each kind of action defines its node in its own module
    (``scrubber.actions``), beside everything else that kind owns; the language only
    needs to know that a rule holds one."""

    __slots__ = ()
    span: Span


# ---- statements ------------------------------------------------------------------------------


@attrs.frozen
class CodesetDef:
    name: str
    items: tuple[CodeItem, ...]
    span: Span = span_field()


@attrs.frozen
class PayerDef:
    name: str
    label: str | None
    condition: Expr
    span: Span = span_field()


@attrs.frozen
class ChargeMaster:
    """``charges by table "FILE"``: the clinic's prices per unit, for the lines that come
    without an ``amount`` (DESIGN §14); one per rule set."""

    file: str
    span: Span = span_field()


@attrs.frozen
class Rule:
    id: str
    description: str | None
    action: ActionNode
    condition: Condition | None = None
    span: Span = span_field()


@attrs.frozen
class Block:
    payer: str
    #: a ``BadDate`` only in a rule set that does not check clean
    effective: date | BadDate | None
    through: date | BadDate | None
    rules: tuple[Rule, ...]
    span: Span = span_field()
    #: where the payer name stands, for "unknown payer" carets
    payer_span: Span = span_field()


# ---- rule tests ------------------------------------------------------------------------------


@attrs.frozen
class Given:
    """``with PATH = VALUE`` (value set) or ``without PATH`` (value None: missing)."""

    path: Path
    value: Literal | None
    span: Span = span_field()


@attrs.frozen
class TestCharge:
    cpt: str
    units: int
    minutes: int | None = None
    modifiers: tuple[str, ...] = ()
    span: Span = span_field()


@attrs.frozen
class NextVisit:
    on: date | BadDate | None = None
    span: Span = span_field()


@attrs.frozen
class RepeatVisit:
    """``repeat visit N times [every D days]``: N more copies of the visit written so far, with
    its charges, each D days (default 1) after the one before."""

    times: int
    every: int | None = None
    span: Span = span_field()


class Expect:
    """Base of the rule-test expectations. Each kind defines its node in its own module
    (``scrubber.lang.expects``), beside how it is checked, written and judged."""

    __slots__ = ()
    span: Span
    #: the visit it looks at (1 for the first), None for all the test's visits together
    visit: int | None


TestStep = Given | TestCharge | NextVisit | RepeatVisit


@attrs.frozen
class RuleTest:
    name: str
    payer: str | None
    on: date | BadDate | None
    steps: tuple[TestStep, ...]
    expects: tuple[Expect, ...]
    span: Span = span_field()


@attrs.frozen
class RuleFile:
    """One ``.rules`` file. ``stem`` names its rules in audit entries (``medicare/mue``)."""

    path: str
    codesets: tuple[CodesetDef, ...] = ()
    payers: tuple[PayerDef, ...] = ()
    blocks: tuple[Block, ...] = ()
    tests: tuple[RuleTest, ...] = ()
    #: ``charges by table`` statements (the checker allows one per rule set)
    charges: tuple[ChargeMaster, ...] = ()

    @property
    def stem(self) -> str:
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1]
        for suffix in (".rules", ".test"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name
