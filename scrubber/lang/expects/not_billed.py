"""``expect CODE not billed``: no unit of the code is left, billed or held."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expects.base import ExpectCheck, ExpectKind, Observed, item_of, visit_field
from scrubber.words import plural

__all__ = ["KIND", "ExpectNotBilled"]


@attrs.frozen
class ExpectNotBilled(ast.Expect):
    code: str
    span: ast.Span = ast.span_field()
    visit: int | None = visit_field()


class ExpectNotBilledKind(ExpectKind[ExpectNotBilled]):
    node = ExpectNotBilled
    grammar = "expect_not_billed"

    def build(self, parts: Sequence[Any], span: ast.Span) -> ExpectNotBilled:
        return ExpectNotBilled(item_of(parts[0]), span=span)

    def check(self, node: ExpectNotBilled, ctx: ExpectCheck) -> None:
        ctx.code_item(ast.Code(node.code, span=node.span))

    def render(self, node: ExpectNotBilled) -> str:
        return f"{node.code} not billed"

    def evaluate(self, node: ExpectNotBilled, observed: Observed) -> str | None:
        units = sum(line.units for line in observed.of_code(node.code))
        if units:
            return f"expected {node.code} not billed, got {plural(units, 'unit')}"
        return None


KIND = ExpectNotBilledKind()
