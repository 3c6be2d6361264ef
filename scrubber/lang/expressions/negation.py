"""``not A``: the part does not hold (a missing value makes a comparison false, so
``not PATH = X`` holds for a missing value)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expressions.base import Compile, ExprCheck, ExprKind, Render
from scrubber.lang.expressions.condition import CondNode, Negation

__all__ = ["KIND", "Not"]


@attrs.frozen
class Not(ast.Expr):
    item: ast.Expr
    span: ast.Span = ast.span_field()


class NotKind(ExprKind[Not]):
    node = Not
    grammar = "not_"
    precedence = 3

    def build(self, parts: Sequence[Any], span: ast.Span) -> Not:
        return Not(parts[0], span=span)

    def parts(self, node: Not) -> tuple[ast.Expr, ...]:
        return (node.item,)

    def check(self, node: Not, ctx: ExprCheck) -> None:
        ctx.sub(node.item)

    def render(self, node: Not, sub: Render) -> str:
        return "not " + sub(node.item, self.precedence)

    def compile(self, node: Not, text: str, sub: Compile) -> CondNode:
        return Negation(text, sub(node.item))


KIND = NotKind()
