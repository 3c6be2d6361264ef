"""``PATH has ITEM``: a list (``charge.modifiers``, ``charge.diagnosis_codes``) holds an item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast, codes
from scrubber.lang.expressions.base import Compile, ExprCheck, ExprKind, Render, kind_words, path_of
from scrubber.lang.expressions.condition import CondNode, Leaf
from scrubber.model.fields import Kind

__all__ = ["KIND", "Has"]


@attrs.frozen
class Has(ast.Expr):
    path: ast.Path
    item: str
    span: ast.Span = ast.span_field()


class HasKind(ExprKind[Has]):
    node = Has
    grammar = "has"

    def build(self, parts: Sequence[Any], span: ast.Span) -> Has:
        path, item = parts
        return Has(path_of(path), item.text, span=span)

    def check(self, node: Has, ctx: ExprCheck) -> None:
        field = ctx.field(node.path)
        if field is not None and field.kind is not Kind.LIST:
            ctx.error(codes.WRONG_OPERATOR, f"{field.path} is {kind_words(field)}, not a list: "
                      "'has' asks whether a list holds an item (as in charge.modifiers has KX)",
                      node.span)  # fmt: skip

    def render(self, node: Has, sub: Render) -> str:
        item = node.item
        bare = len(item) == 2 and item.isalnum() and item.upper() == item
        shown = item if bare else f'"{item}"'
        return f"{node.path.name} has {shown}"

    def compile(self, node: Has, text: str, sub: Compile) -> CondNode:
        item = node.item
        return Leaf(text, node.path.name, lambda v: item in (v or ()))


KIND = HasKind()
