"""``expect CODE has modifier MM``: a line of the code carries the modifier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expects.base import ExpectCheck, ExpectKind, Observed, item_of, visit_field

__all__ = ["KIND", "ExpectHasModifier"]


@attrs.frozen
class ExpectHasModifier(ast.Expect):
    code: str
    modifier: str
    span: ast.Span = ast.span_field()
    visit: int | None = visit_field()


class ExpectHasModifierKind(ExpectKind[ExpectHasModifier]):
    node = ExpectHasModifier
    grammar = "expect_modifier"

    def build(self, parts: Sequence[Any], span: ast.Span) -> ExpectHasModifier:
        return ExpectHasModifier(item_of(parts[0]), item_of(parts[1]), span=span)

    def check(self, node: ExpectHasModifier, ctx: ExpectCheck) -> None:
        ctx.code_item(ast.Code(node.code, span=node.span))
        ctx.modifier(node.modifier, node.span)

    def render(self, node: ExpectHasModifier) -> str:
        return f"{node.code} has modifier {node.modifier}"

    def evaluate(self, node: ExpectHasModifier, observed: Observed) -> str | None:
        of_code = observed.of_code(node.code)
        if not of_code:
            return f"expected a {node.code} line, but none was billed"
        if not any(node.modifier in line.modifiers for line in of_code):
            got = "; ".join(" ".join(line.modifiers) or "none" for line in of_code)
            return f"expected {node.code} to have modifier {node.modifier}, got {got}"
        return None


KIND = ExpectHasModifierKind()
