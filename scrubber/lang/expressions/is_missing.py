"""``PATH is missing``: the one test that holds for a missing value (null, no primary address,
an empty list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expressions.base import Compile, ExprCheck, ExprKind, Render, path_of
from scrubber.lang.expressions.condition import CondNode, Leaf, missing, shown

__all__ = ["KIND", "IsMissing"]


@attrs.frozen
class IsMissing(ast.Expr):
    path: ast.Path
    span: ast.Span = ast.span_field()


class IsMissingKind(ExprKind[IsMissing]):
    node = IsMissing
    grammar = "is_missing"

    def build(self, parts: Sequence[Any], span: ast.Span) -> IsMissing:
        return IsMissing(path_of(parts[0]), span=span)

    def check(self, node: IsMissing, ctx: ExprCheck) -> None:
        ctx.field(node.path)

    def render(self, node: IsMissing, sub: Render) -> str:
        return f"{node.path.name} is missing"

    def compile(self, node: IsMissing, text: str, sub: Compile) -> CondNode:
        name = node.path.name
        return Leaf(
            text, name, missing, lambda v: f"{name} is not missing (it is {shown(name, v)})"
        )


KIND = IsMissingKind()
