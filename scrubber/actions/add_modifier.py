"""``add modifier M to CODES``: adds M where it is not there yet. A line holds at most 4
modifiers: adding a fifth holds the visit ("Too many modifiers") instead of dropping one
silently."""

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
from scrubber.model.results import HoldReason

__all__ = ["KIND", "MAX_MODIFIERS", "AddModifier"]

MAX_MODIFIERS = 4


@attrs.frozen
class AddModifier(ast.ActionNode):
    modifier: str
    codes: ast.CodeList
    span: ast.Span = ast.span_field()


class AddModifierKind(ActionKind[AddModifier]):
    node = AddModifier
    grammar = "add_modifier"
    first_word = "add"
    keywords = ("add", "modifier", "to")

    def build(self, parts: Sequence[Any], span: ast.Span) -> AddModifier:
        modifier, codes = parts
        return AddModifier(modifier.text, codes, span=span)

    def render(self, node: AddModifier) -> str:
        return f"add modifier {node.modifier} to {render_codes(node.codes)}"

    def check(self, node: AddModifier, ctx: CheckContext) -> None:
        ctx.modifier(node.modifier, node.span)
        ctx.codes(node.codes)

    def compile(self, node: AddModifier, ctx: CompileContext) -> Apply:
        modifier = node.modifier

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for line in rule.selected(visits):
                before = line.charge.modifiers
                if modifier in before:
                    continue
                if len(before) >= MAX_MODIFIERS:
                    message = (f"Too many modifiers: {modifier} cannot be added to {line.charge.cpt}, "
                               f"which already has {len(before)} ({' '.join(before)})")  # fmt: skip
                    values = (("charge.cpt", line.charge.cpt), ("charge.modifiers", before))
                    line.state.holds.append(
                        HoldReason(rule.name, rule.source, message, rule.description or "", values)
                    )
                    rule.emit(recorder, line.state, line, action="hold", field="visit", before=None,
                              after=None, message=message)  # fmt: skip
                    continue
                after = (*before, modifier)
                line.charge = evolve(line.charge, modifiers=after)
                rule.emit(
                    recorder, line.state, line, action="add_modifier", field="modifiers",
                    before=list(before), after=list(after),
                    message=f"{modifier} added to {line.charge.cpt} by {rule.label}",
                )  # fmt: skip

        return apply

    def unchanged(self, node: AddModifier) -> str:
        return "the lines already carry the modifier"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        return f"add modifier {choose.one_of(['GP', 'KX', 'CQ', '59'])} to {choose.codes()}", False


KIND = AddModifierKind()
