"""``drop CODES``: the line never flows to billing (NORCM, NC001). Recorded as ``drop``, so that
balancing counts it apart from denials."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.lines import remove
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_codes

__all__ = ["KIND", "Drop", "removal"]


@attrs.frozen
class Drop(ast.ActionNode):
    codes: ast.CodeList
    span: ast.Span = ast.span_field()


def removal(how: str, verb: str) -> Apply:
    """Remove every selected line: ``how`` is the audit action, ``verb`` says why."""

    def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
        for line in rule.selected(visits):
            remove(rule, recorder, line, how, f"{line.charge.cpt} {verb} ({rule.label})")

    return apply


class DropKind(ActionKind[Drop]):
    node = Drop
    grammar = "drop"
    first_word = "drop"
    keywords = ("drop",)

    def render(self, node: Drop) -> str:
        return f"drop {render_codes(node.codes)}"

    def check(self, node: Drop, ctx: CheckContext) -> None:
        ctx.codes(node.codes)

    def removes(
        self, node: Drop, codes_of: Callable[[ast.CodeList], frozenset[str] | None]
    ) -> frozenset[str] | None:
        return codes_of(node.codes)

    def compile(self, node: Drop, ctx: CompileContext) -> Apply:
        return removal("drop", "never flows to billing")

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        return f"drop {choose.codes()}", False


KIND = DropKind()
