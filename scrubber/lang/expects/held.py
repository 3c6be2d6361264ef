"""``expect held "REASON"``: the visit is held, for this reason among others."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expects.base import ExpectKind, Observed, item_of, visit_field

__all__ = ["KIND", "ExpectHeld"]


@attrs.frozen
class ExpectHeld(ast.Expect):
    reason: str
    span: ast.Span = ast.span_field()
    visit: int | None = visit_field()


class ExpectHeldKind(ExpectKind[ExpectHeld]):
    node = ExpectHeld
    grammar = "expect_held"

    def build(self, parts: Sequence[Any], span: ast.Span) -> ExpectHeld:
        return ExpectHeld(item_of(parts[0]), span=span)

    def render(self, node: ExpectHeld) -> str:
        return f'held "{node.reason}"'

    def evaluate(self, node: ExpectHeld, observed: Observed) -> str | None:
        if node.reason not in observed.reasons:
            got = ", ".join(f'"{r}"' for r in observed.reasons) or "not held"
            return f'expected the visit held for "{node.reason}", got {got}'
        return None


KIND = ExpectHeldKind()
