"""``expect warned "MESSAGE"``: a ``warn`` rule flagged the visit with this message (among
others); the visit is still billed (``expect ... units`` says how)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lang.expects.base import ExpectKind, Observed, item_of, visit_field

__all__ = ["KIND", "ExpectWarned"]


@attrs.frozen
class ExpectWarned(ast.Expect):
    message: str
    span: ast.Span = ast.span_field()
    visit: int | None = visit_field()


class ExpectWarnedKind(ExpectKind[ExpectWarned]):
    node = ExpectWarned
    grammar = "expect_warned"

    def build(self, parts: Sequence[Any], span: ast.Span) -> ExpectWarned:
        return ExpectWarned(item_of(parts[0]), span=span)

    def render(self, node: ExpectWarned) -> str:
        return f'warned "{node.message}"'

    def evaluate(self, node: ExpectWarned, observed: Observed) -> str | None:
        if node.message not in observed.warnings:
            got = ", ".join(f'"{w}"' for w in observed.warnings) or "no warning"
            return f'expected a warning "{node.message}", got {got}'
        return None


KIND = ExpectWarnedKind()
