"""Conditions compiled once, so nothing is parsed or compiled per charge.

A condition compiles into a small tree of nodes. Each leaf (``charge.units > 2``) holds how to
read its field and how to test the value; the tree gives two things built from those same leaves:
a plain predicate for the scrub (``Condition.test``), and ``Condition.trace``, which evaluates the
same tests while recording every value read and which parts made the condition false. Tracing is
how explanations and hold values are made: the engine's own evaluation, never a second one.

A missing value (None, or an empty list) makes every comparison false; only ``is missing`` is
true for it.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import attrs

from scrubber.lang import ast
from scrubber.lang.patterns import compile_pattern
from scrubber.lang.render import render_expr, render_value
from scrubber.model.fields import FIELDS, Field, Subject
from scrubber.model.history import VisitCounts
from scrubber.model.records import Case, Charge, Patient, Visit, mask_ssn

__all__ = ["Condition", "ConditionTrace", "Context", "Predicate", "Reader", "compile_condition"]


class Reader(Protocol):
    """What a condition reads. The engine's lines and visit states are readers themselves."""

    @property
    def visit(self) -> Visit: ...
    @property
    def patient(self) -> Patient: ...
    @property
    def case(self) -> Case: ...
    @property
    def charge(self) -> Charge | None: ...
    @property
    def counts(self) -> VisitCounts | None: ...


@attrs.define(slots=True)
class Context:
    """A reader built from plain records (to match a visit's payers, which read no counts)."""

    visit: Visit
    patient: Patient
    case: Case
    charge: Charge | None = None
    counts: VisitCounts | None = None


Predicate = Callable[[Reader], bool]
#: (path, value as read; an SSN masked)
Read = tuple[str, Any]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


@attrs.frozen
class ConditionTrace:
    """What one evaluation of a condition found: its verdict, the values it read (in the order
    read), and in words why it was false (or, for an ``unless``, why it held)."""

    holds: bool
    reads: tuple[Read, ...]
    reasons: tuple[str, ...]


def _reader(field: Field) -> Callable[[Reader], Any]:
    get = field.get
    if field.subject is Subject.CHARGE:
        return lambda ctx: get(ctx.charge)
    if field.subject is Subject.VISIT:
        return lambda ctx: get(ctx.visit)
    if field.subject is Subject.COUNTS:
        return lambda ctx: get(ctx.counts)
    if field.subject is Subject.PATIENT:
        return lambda ctx: get(ctx.patient)
    return lambda ctx: get(ctx.case)


def _missing(value: Any) -> bool:
    return value is None or value == ()


def shown(path: str, value: Any) -> str:
    """A value read, as a person reads it: text in quotes (a trailing space shows), lists as
    words, missing values as "missing", SSNs masked."""
    if _missing(value):
        return "missing"
    if path.endswith("ssn"):
        return str(mask_ssn(str(value)))
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, str | bool | Decimal | date):
        return render_value(value)
    return str(value)


def _plain(value: Any) -> Any:
    """A value as a result document holds it: money as text (its digits kept), a date as
    YYYY-MM-DD, a choice as its word; text, numbers, lists and missing as they are."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _recorded(path: str, value: Any) -> Any:
    return mask_ssn(str(value)) if path.endswith("ssn") and value is not None else value


class _Node:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def predicate(self) -> Predicate:
        raise NotImplementedError

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        """The verdict, recording each value read; when false, the smallest parts that made it
        false, in words."""
        raise NotImplementedError


class _Leaf(_Node):
    __slots__ = ("check", "get", "path", "when_false")

    def __init__(
        self,
        text: str,
        path: str,
        get: Callable[[Reader], Any],
        check: Callable[[Any], bool],
        when_false: Callable[[Any], str],
    ) -> None:
        super().__init__(text)
        self.path, self.get, self.check, self.when_false = path, get, check, when_false

    def predicate(self) -> Predicate:
        get, check = self.get, self.check
        return lambda ctx: check(get(ctx))

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        value = self.get(ctx)
        reads.append((self.path, _recorded(self.path, value)))
        if self.check(value):
            return True, []
        return False, [self.when_false(value)]


class _Pair(_Node):
    """``PATH OP PATH``: both values are read; a missing one makes it false."""

    __slots__ = ("compare", "left", "right")

    def __init__(
        self,
        text: str,
        left: tuple[str, Callable[[Reader], Any]],
        right: tuple[str, Callable[[Reader], Any]],
        compare: Callable[[Any, Any], bool],
    ) -> None:
        super().__init__(text)
        self.left, self.right, self.compare = left, right, compare

    def predicate(self) -> Predicate:
        (_, left), (_, right), compare = self.left, self.right, self.compare

        def test(ctx: Reader) -> bool:
            a, b = left(ctx), right(ctx)
            return a is not None and b is not None and bool(compare(a, b))

        return test

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        start = len(reads)
        for path, get in (self.left, self.right):
            reads.append((path, _recorded(path, get(ctx))))
        if self.predicate()(ctx):
            return True, []
        return False, [f"{self.text} is false{_notes(reads[start:])}"]


class _All(_Node):
    __slots__ = ("items",)

    def __init__(self, text: str, items: list[_Node]) -> None:
        super().__init__(text)
        self.items = items

    def predicate(self) -> Predicate:
        parts = [item.predicate() for item in self.items]
        return lambda ctx: all(p(ctx) for p in parts)

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        for item in self.items:  # as the predicate: stop at the first false part
            holds, reasons = item.explain(ctx, reads)
            if not holds:
                return False, reasons
        return True, []


class _Any(_Node):
    __slots__ = ("items",)

    def __init__(self, text: str, items: list[_Node]) -> None:
        super().__init__(text)
        self.items = items

    def predicate(self) -> Predicate:
        parts = [item.predicate() for item in self.items]
        return lambda ctx: any(p(ctx) for p in parts)

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        reasons: list[str] = []
        for item in self.items:
            holds, why = item.explain(ctx, reads)
            if holds:
                return True, []
            reasons += why
        return False, reasons


class _Not(_Node):
    __slots__ = ("item",)

    def __init__(self, text: str, item: _Node) -> None:
        super().__init__(text)
        self.item = item

    def predicate(self) -> Predicate:
        inner = self.item.predicate()
        return lambda ctx: not inner(ctx)

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        start = len(reads)
        holds, _ = self.item.explain(ctx, reads)
        if not holds:
            return True, []
        return False, [f"{self.item.text} is true{_notes(reads[start:])}"]


def _notes(reads: list[Read]) -> str:
    seen = dict(reads)
    return "".join(f" ({path} is {shown(path, value)})" for path, value in seen.items())


def _leaf(expr: ast.Expr) -> _Node:
    path = getattr(expr, "path")  # noqa: B009 - every leaf has one
    field = FIELDS[path.name]
    text = render_expr(expr)
    name = field.path

    def false(value: Any) -> str:
        return f"{text} is false ({name} is {shown(name, value)})"

    check: Callable[[Any], bool]
    if isinstance(expr, ast.Compare) and isinstance(expr.value, ast.Path):
        other = FIELDS[expr.value.name]
        return _Pair(text, (name, _reader(field)), (other.path, _reader(other)), _OPS[expr.op])
    if isinstance(expr, ast.Compare):
        assert isinstance(expr.value, ast.Literal)
        compare, wanted = _OPS[expr.op], expr.value.value
        check = lambda v: v is not None and bool(compare(v, wanted))  # noqa: E731
    elif isinstance(expr, ast.InList):
        options = frozenset(v.value for v in expr.values)
        check = lambda v: v is not None and v in options  # noqa: E731
    elif isinstance(expr, ast.Matches):
        pattern = compile_pattern(expr.pattern)
        check = lambda v: v is not None and pattern.fullmatch(str(v)) is not None  # noqa: E731
    elif isinstance(expr, ast.Has):
        item = expr.item
        check = lambda v: item in (v or ())  # noqa: E731
    elif isinstance(expr, ast.IsMissing):
        check = _missing

        def false(value: Any) -> str:
            return f"{name} is not missing (it is {shown(name, value)})"

    else:
        check = lambda v: not _missing(v)  # noqa: E731

        def false(value: Any) -> str:
            return f"{name} is missing"

    return _Leaf(text, name, _reader(field), check, false)


def _paths(expr: ast.Expr) -> Iterator[str]:
    if isinstance(expr, ast.And | ast.Or):
        for item in expr.items:
            yield from _paths(item)
    elif isinstance(expr, ast.Not):
        yield from _paths(expr.item)
    else:
        yield expr.path.name
        if isinstance(expr, ast.Compare) and isinstance(expr.value, ast.Path):
            yield expr.value.name


def _node(expr: ast.Expr) -> _Node:
    if isinstance(expr, ast.And):
        return _All(render_expr(expr), [_node(e) for e in expr.items])
    if isinstance(expr, ast.Or):
        return _Any(render_expr(expr), [_node(e) for e in expr.items])
    if isinstance(expr, ast.Not):
        return _Not(render_expr(expr), _node(expr.item))
    return _leaf(expr)


class Condition:
    """A compiled ``when``/``unless`` condition (or a payer's). ``test`` is the predicate the
    scrub calls; ``trace`` evaluates the same tests and says what it read and why."""

    __slots__ = ("_readers", "_root", "negated", "paths", "test", "text")

    def __init__(self, expr: ast.Expr, negated: bool = False) -> None:
        self._root = _node(expr)
        #: every field path the condition may read
        self.paths = frozenset(_paths(expr))
        written = list(dict.fromkeys(_paths(expr)))
        self._readers = [(path, _reader(FIELDS[path])) for path in written]
        self.negated = negated
        self.text = self._root.text
        test = self._root.predicate()
        self.test: Predicate = (lambda ctx: not test(ctx)) if negated else test

    def values(self, ctx: Reader) -> tuple[tuple[str, Any], ...]:
        """Every path the condition reads, with its value on ``ctx`` (an SSN masked), in the
        order written: what a held visit's reason shows so that it can be fixed."""
        return tuple((path, _plain(_recorded(path, read(ctx)))) for path, read in self._readers)

    def trace(self, ctx: Reader) -> ConditionTrace:
        reads: list[Read] = []
        holds, reasons = self._root.explain(ctx, reads)
        if self.negated:
            why = [] if not holds else [f"its 'unless' condition holds: {self.text}{_notes(reads)}"]
            return ConditionTrace(not holds, tuple(reads), tuple(why))
        return ConditionTrace(holds, tuple(reads), tuple(reasons))


def compile_condition(condition: ast.Condition | None) -> Condition | None:
    """None when the rule has no condition (it always applies)."""
    if condition is None:
        return None
    return Condition(condition.expr, condition.negated)
