"""``expect CODE lacks modifier MM``: a line of the code is billed, and none carries the
modifier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expects.base import ExpectCheck, ExpectKind, Observed, item_of, visit_field

__all__ = ["KIND", "ExpectLacksModifier"]


@attrs.frozen
class ExpectLacksModifier(ast.Expect):
    code: str
    modifier: str
    span: ast.Span = ast.span_field()
    visit: int | None = visit_field()


class ExpectLacksModifierKind(ExpectKind[ExpectLacksModifier]):
    node = ExpectLacksModifier
    grammar = "expect_no_modifier"

    def build(self, parts: Sequence[Any], span: ast.Span) -> ExpectLacksModifier:
        return ExpectLacksModifier(item_of(parts[0]), item_of(parts[1]), span=span)

    def check(self, node: ExpectLacksModifier, ctx: ExpectCheck) -> None:
        ctx.code_item(ast.Code(node.code, span=node.span))
        ctx.modifier(node.modifier, node.span)

    def render(self, node: ExpectLacksModifier) -> str:
        return f"{node.code} lacks modifier {node.modifier}"

    def evaluate(self, node: ExpectLacksModifier, observed: Observed) -> str | None:
        of_code = observed.of_code(node.code)
        if not of_code:
            return f"expected a {node.code} line, but none was billed"
        if any(node.modifier in line.modifiers for line in of_code):
            return f"expected {node.code} without modifier {node.modifier}, but it has it"
        return None


KIND = ExpectLacksModifierKind()
