"""``PATH in ["a", "b"]``: a field equal to one of a few values (not for lists or true/false)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast, codes
from scrubber.lang.expressions.base import Compile, ExprCheck, ExprKind, Render, kind_words, path_of
from scrubber.lang.expressions.condition import CondNode, Leaf
from scrubber.lang.render import render_value
from scrubber.model.fields import Kind

__all__ = ["KIND", "InList"]


@attrs.frozen
class InList(ast.Expr):
    path: ast.Path
    values: tuple[ast.Literal, ...]
    span: ast.Span = ast.span_field()


class InListKind(ExprKind[InList]):
    node = InList
    grammar = "in_list"

    def build(self, parts: Sequence[Any], span: ast.Span) -> InList:
        path, *values = parts
        return InList(path_of(path), tuple(values), span=span)

    def check(self, node: InList, ctx: ExprCheck) -> None:
        field = ctx.field(node.path)
        if field is None:
            return
        if field.kind in (Kind.LIST, Kind.BOOL):
            ctx.error(
                codes.WRONG_OPERATOR,
                f"{field.path} is {kind_words(field)}: 'in [...]' does not apply to it",
                node.span,
            )
            return
        for value in node.values:
            ctx.value(field, value)

    def render(self, node: InList, sub: Render) -> str:
        return f"{node.path.name} in [{', '.join(render_value(v.value) for v in node.values)}]"

    def compile(self, node: InList, text: str, sub: Compile) -> CondNode:
        options = frozenset(v.value for v in node.values)
        return Leaf(text, node.path.name, lambda v: v is not None and v in options)


KIND = InListKind()
