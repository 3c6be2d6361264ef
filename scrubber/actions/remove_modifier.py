"""``remove modifier M from CODES``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_codes
from scrubber.model.evolve import evolve

__all__ = ["KIND", "RemoveModifier"]


@attrs.frozen
class RemoveModifier(ast.ActionNode):
    modifier: str
    codes: ast.CodeList
    span: ast.Span = ast.span_field()


class RemoveModifierKind(ActionKind[RemoveModifier]):
    node = RemoveModifier
    grammar = "remove_modifier"
    first_word = "remove"
    keywords = ("remove", "modifier", "from")

    def build(self, parts: Sequence[Any], span: ast.Span) -> RemoveModifier:
        modifier, codes = parts
        return RemoveModifier(modifier.text, codes, span=span)

    def render(self, node: RemoveModifier) -> str:
        return f"remove modifier {node.modifier} from {render_codes(node.codes)}"

    def check(self, node: RemoveModifier, ctx: CheckContext) -> None:
        ctx.modifier(node.modifier, node.span)
        ctx.codes(node.codes)

    def compile(self, node: RemoveModifier, ctx: CompileContext) -> Apply:
        modifier = node.modifier

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for line in rule.selected(visits):
                before = line.charge.modifiers
                if modifier not in before:
                    continue
                after = tuple(m for m in before if m != modifier)
                line.charge = evolve(line.charge, modifiers=after)
                rule.emit(
                    recorder, line.state, line, action="remove_modifier", field="modifiers",
                    before=list(before), after=list(after),
                    message=f"{modifier} removed from {line.charge.cpt} by {rule.label}",
                )  # fmt: skip

        return apply

    def unchanged(self, node: RemoveModifier) -> str:
        return "no line carries the modifier"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        return f"remove modifier {choose.one_of(['GP', 'KX', '59'])} from {choose.codes()}", False


KIND = RemoveModifierKind()
