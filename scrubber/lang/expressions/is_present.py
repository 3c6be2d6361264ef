"""``PATH is present``: the value is there (not null, not an empty list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expressions.base import Compile, ExprCheck, ExprKind, Render, path_of
from scrubber.lang.expressions.condition import CondNode, Leaf, missing

__all__ = ["KIND", "IsPresent"]


@attrs.frozen
class IsPresent(ast.Expr):
    path: ast.Path
    span: ast.Span = ast.span_field()


class IsPresentKind(ExprKind[IsPresent]):
    node = IsPresent
    grammar = "is_present"

    def build(self, parts: Sequence[Any], span: ast.Span) -> IsPresent:
        return IsPresent(path_of(parts[0]), span=span)

    def check(self, node: IsPresent, ctx: ExprCheck) -> None:
        ctx.field(node.path)

    def render(self, node: IsPresent, sub: Render) -> str:
        return f"{node.path.name} is present"

    def compile(self, node: IsPresent, text: str, sub: Compile) -> CondNode:
        name = node.path.name
        return Leaf(text, name, lambda v: not missing(v), lambda v: f"{name} is missing")


KIND = IsPresentKind()
