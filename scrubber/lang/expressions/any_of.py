"""``A or B``: some part holds; when none does, every part's reason is given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expressions.base import Compile, ExprCheck, ExprKind, Render
from scrubber.lang.expressions.condition import AnyOf, CondNode

__all__ = ["KIND", "Or"]


@attrs.frozen
class Or(ast.Expr):
    items: tuple[ast.Expr, ...]
    span: ast.Span = ast.span_field()


class OrKind(ExprKind[Or]):
    node = Or
    grammar = "or_expr"
    precedence = 1

    def build(self, parts: Sequence[Any], span: ast.Span) -> Or:
        return Or(tuple(parts), span=span)

    def parts(self, node: Or) -> tuple[ast.Expr, ...]:
        return node.items

    def check(self, node: Or, ctx: ExprCheck) -> None:
        for item in node.items:
            ctx.sub(item)

    def render(self, node: Or, sub: Render) -> str:
        return " or ".join(sub(item, self.precedence) for item in node.items)

    def compile(self, node: Or, text: str, sub: Compile) -> CondNode:
        return AnyOf(text, [sub(item) for item in node.items])


KIND = OrKind()
