"""``deny CODES``: the line is removed as not payable (counted apart from codes that never
flow)."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.drop import removal
from scrubber.lang import ast
from scrubber.lang.render import render_codes

__all__ = ["KIND", "Deny"]


@attrs.frozen
class Deny(ast.ActionNode):
    codes: ast.CodeList
    span: ast.Span = ast.span_field()


class DenyKind(ActionKind[Deny]):
    node = Deny
    grammar = "deny"
    first_word = "deny"
    keywords = ("deny",)

    def render(self, node: Deny) -> str:
        return f"deny {render_codes(node.codes)}"

    def check(self, node: Deny, ctx: CheckContext) -> None:
        ctx.codes(node.codes)

    def removes(
        self, node: Deny, codes_of: Callable[[ast.CodeList], frozenset[str] | None]
    ) -> frozenset[str] | None:
        return codes_of(node.codes)

    def compile(self, node: Deny, ctx: CompileContext) -> Apply:
        return removal("deny", "denied as not payable")

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        return f"deny {choose.codes()}", False


KIND = DenyKind()
