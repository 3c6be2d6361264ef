"""``expect not held``: no hold reason at all."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expects.base import ExpectKind, Observed, visit_field

__all__ = ["KIND", "ExpectNotHeld"]


@attrs.frozen
class ExpectNotHeld(ast.Expect):
    span: ast.Span = ast.span_field()
    visit: int | None = visit_field()


class ExpectNotHeldKind(ExpectKind[ExpectNotHeld]):
    node = ExpectNotHeld
    grammar = "expect_not_held"

    def build(self, parts: Sequence[Any], span: ast.Span) -> ExpectNotHeld:
        return ExpectNotHeld(span=span)

    def render(self, node: ExpectNotHeld) -> str:
        return "not held"

    def evaluate(self, node: ExpectNotHeld, observed: Observed) -> str | None:
        if observed.reasons:
            return "expected the visit not held, got held for " + ", ".join(
                f'"{r}"' for r in observed.reasons
            )
        return None


KIND = ExpectNotHeldKind()
