"""``A and B``: every part holds (evaluated left to right, stopping at the first false part,
so an explanation names the part that failed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expressions.base import Compile, ExprCheck, ExprKind, Render
from scrubber.lang.expressions.condition import AllOf, CondNode

__all__ = ["KIND", "And"]


@attrs.frozen
class And(ast.Expr):
    items: tuple[ast.Expr, ...]
    span: ast.Span = ast.span_field()


class AndKind(ExprKind[And]):
    node = And
    grammar = "and_expr"
    precedence = 2

    def build(self, parts: Sequence[Any], span: ast.Span) -> And:
        return And(tuple(parts), span=span)

    def parts(self, node: And) -> tuple[ast.Expr, ...]:
        return node.items

    def check(self, node: And, ctx: ExprCheck) -> None:
        for item in node.items:
            ctx.sub(item)

    def render(self, node: And, sub: Render) -> str:
        return " and ".join(sub(item, self.precedence) for item in node.items)

    def compile(self, node: And, text: str, sub: Compile) -> CondNode:
        return AllOf(text, [sub(item) for item in node.items])


KIND = AndKind()
