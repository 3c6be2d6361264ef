"""``PATH OP VALUE`` and ``PATH OP PATH``: a field compared with a value, or with another field
of the same type (``visit.authorization_day > case.authorization_visits``). The order ``<``,
``<=``, ``>``, ``>=`` applies to numbers and dates; a missing value on either side is false."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from scrubber.lang import ast, codes
from scrubber.lang.expressions.base import (
    Compile,
    ExprCheck,
    ExprKind,
    Render,
    kind_words,
    path_of,
    sort_of,
)
from scrubber.lang.expressions.condition import CondNode, Leaf, Pair
from scrubber.lang.render import render_value
from scrubber.model.fields import Kind

__all__ = ["KIND", "Compare"]

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


@attrs.frozen
class Compare(ast.Expr):
    """``PATH OP VALUE``, or ``PATH OP PATH`` (both sides of one type)."""

    path: ast.Path
    op: str
    value: ast.Literal | ast.Path
    span: ast.Span = ast.span_field()


class CompareKind(ExprKind[Compare]):
    node = Compare
    grammar = "compare"

    def build(self, parts: Sequence[Any], span: ast.Span) -> Compare:
        path, op, value = parts
        other = path_of(value) if isinstance(value, ast.Word) else value
        return Compare(path_of(path), op.text, other, span=span)

    def paths(self, node: Compare) -> Iterator[ast.Path]:
        yield node.path
        if isinstance(node.value, ast.Path):
            yield node.value

    def check(self, node: Compare, ctx: ExprCheck) -> None:
        field = ctx.field(node.path)
        if field is None:
            return
        if field.kind is Kind.LIST:
            ctx.error(
                codes.WRONG_OPERATOR,
                f"{field.path} is a list: ask whether it holds an item, as in {field.path} has KX",
                node.span,
            )
            return
        if node.op not in ("=", "!=") and field.kind not in (Kind.NUMBER, Kind.DATE):
            ctx.error(codes.WRONG_OPERATOR, f"{field.path} is {kind_words(field)}: compare it "
                      f"with = or != (the order {node.op} applies to numbers and dates)",
                      node.span)  # fmt: skip
            return
        if isinstance(node.value, ast.Path):
            other = ctx.field(node.value)
            if other is not None and sort_of(other) != sort_of(field):
                ctx.error(
                    codes.WRONG_TYPE, f"{field.path} is {kind_words(field)}, but {other.path} is "
                    f"{kind_words(other)}: both sides of a comparison must be of one type",
                    node.value.span,
                )  # fmt: skip
            return
        ctx.value(field, node.value)

    def render(self, node: Compare, sub: Render) -> str:
        other = node.value
        shown = other.name if isinstance(other, ast.Path) else render_value(other.value)
        return f"{node.path.name} {node.op} {shown}"

    def compile(self, node: Compare, text: str, sub: Compile) -> CondNode:
        compare = OPS[node.op]
        if isinstance(node.value, ast.Path):
            return Pair(text, node.path.name, node.value.name, compare)
        wanted = node.value.value
        return Leaf(text, node.path.name, lambda v: v is not None and bool(compare(v, wanted)))


KIND = CompareKind()
