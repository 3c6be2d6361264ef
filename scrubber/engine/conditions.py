"""Conditions compiled once into Python closures, so nothing is parsed or compiled per charge.

A condition reads a ``Reader``: the current state of the charge line (after earlier rules), its
visit, and the visit's patient and case. A missing value (None, or an empty list) makes every
comparison false; only ``is missing`` is true for it (DESIGN §4).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any, Protocol

import attrs

from scrubber.dsl import ast
from scrubber.fields import FIELDS, Field, Subject
from scrubber.model import Case, Charge, Patient, Visit

__all__ = ["Context", "Predicate", "Reader", "compile_condition", "compile_expr", "read"]


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


@attrs.define(slots=True)
class Context:
    """A reader built from plain records (for payer matching and ``scrubber explain``)."""

    visit: Visit
    patient: Patient
    case: Case
    charge: Charge | None = None


Predicate = Callable[[Reader], bool]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


def read(field: Field) -> Callable[[Reader], Any]:
    """A reader for one field of a context."""
    get = field.get
    if field.subject is Subject.CHARGE:
        return lambda ctx: get(ctx.charge)
    if field.subject is Subject.VISIT:
        return lambda ctx: get(ctx.visit)
    if field.subject is Subject.PATIENT:
        return lambda ctx: get(ctx.patient)
    return lambda ctx: get(ctx.case)


def _missing(value: Any) -> bool:
    return value is None or value == ()


def compile_expr(expr: ast.Expr) -> Predicate:
    if isinstance(expr, ast.And):
        parts = [compile_expr(e) for e in expr.items]
        return lambda ctx: all(p(ctx) for p in parts)
    if isinstance(expr, ast.Or):
        parts = [compile_expr(e) for e in expr.items]
        return lambda ctx: any(p(ctx) for p in parts)
    if isinstance(expr, ast.Not):
        inner = compile_expr(expr.item)
        return lambda ctx: not inner(ctx)
    get = read(FIELDS[expr.path.name])
    if isinstance(expr, ast.Compare):
        compare, wanted = _OPS[expr.op], expr.value.value
        return lambda ctx: (v := get(ctx)) is not None and bool(compare(v, wanted))
    if isinstance(expr, ast.InList):
        options = frozenset(v.value for v in expr.values)
        return lambda ctx: (v := get(ctx)) is not None and v in options
    if isinstance(expr, ast.Matches):
        pattern = re.compile(expr.pattern)
        return lambda ctx: (v := get(ctx)) is not None and pattern.fullmatch(str(v)) is not None
    if isinstance(expr, ast.Has):
        item = expr.item
        return lambda ctx: item in (get(ctx) or ())
    if isinstance(expr, ast.IsMissing):
        return lambda ctx: _missing(get(ctx))
    return lambda ctx: not _missing(get(ctx))


def compile_condition(condition: ast.Condition | None) -> Predicate | None:
    """None when the rule has no condition (it always applies)."""
    if condition is None:
        return None
    test = compile_expr(condition.expr)
    if condition.negated:
        return lambda ctx: not test(ctx)
    return test
