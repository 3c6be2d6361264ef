"""``expect CODE units N``: the units billed or held of a code, summed over its lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expects.base import ExpectCheck, ExpectKind, Observed, item_of, visit_field

__all__ = ["KIND", "ExpectUnits"]


@attrs.frozen
class ExpectUnits(ast.Expect):
    code: str
    units: int
    span: ast.Span = ast.span_field()
    visit: int | None = visit_field()


class ExpectUnitsKind(ExpectKind[ExpectUnits]):
    node = ExpectUnits
    grammar = "expect_units"

    def build(self, parts: Sequence[Any], span: ast.Span) -> ExpectUnits:
        return ExpectUnits(item_of(parts[0]), int(item_of(parts[1])), span=span)

    def check(self, node: ExpectUnits, ctx: ExpectCheck) -> None:
        ctx.code_item(ast.Code(node.code, span=node.span))

    def render(self, node: ExpectUnits) -> str:
        return f"{node.code} units {node.units}"

    def evaluate(self, node: ExpectUnits, observed: Observed) -> str | None:
        units = sum(line.units for line in observed.of_code(node.code))
        if units != node.units:
            return f"expected {node.code} units {node.units}, got {units}"
        return None


KIND = ExpectUnitsKind()
