"""``replace CODE with CODE``: the line's code changes; its units and minutes stay. The audit
entry carries the units that move to the new code, so balancing does not count them lost."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.codes import NEVER_APPLIES
from scrubber.lang.render import render_item
from scrubber.model.evolve import evolve
from scrubber.words import plural

__all__ = ["KIND", "Replace"]


@attrs.frozen
class Replace(ast.ActionNode):
    #: a ``Code`` once checked (the parser also takes a codeset name or a range here)
    old: ast.CodeItem
    new: ast.CodeItem
    span: ast.Span = ast.span_field()


def _code(item: ast.CodeItem) -> str:
    assert isinstance(item, ast.Code), "a checked replace names single codes"
    return item.value


class ReplaceKind(ActionKind[Replace]):
    node = Replace
    grammar = "replace"
    first_word = "replace"
    keywords = ("replace", "with")
    # later rules on the new code run again when billed output is scrubbed a second time
    idempotent = False

    def render(self, node: Replace) -> str:
        return f"replace {render_item(node.old)} with {render_item(node.new)}"

    def check(self, node: Replace, ctx: CheckContext) -> None:
        old = ctx.code(node.old, "replace")
        new = ctx.code(node.new, "replace")
        if old is not None and old == new:
            ctx.error(NEVER_APPLIES, f"replacing {old} with itself changes nothing", node.span)

    def named_codes(
        self, node: Replace, codes_of: Callable[[ast.CodeList], frozenset[str] | None]
    ) -> frozenset[str] | None:
        return frozenset({node.old.value}) if isinstance(node.old, ast.Code) else frozenset()

    def removes(
        self, node: Replace, codes_of: Callable[[ast.CodeList], frozenset[str] | None]
    ) -> frozenset[str] | None:
        return self.named_codes(node, codes_of)

    def introduces(self, node: Replace) -> frozenset[str]:
        return frozenset({_code(node.new)})

    def compile(self, node: Replace, ctx: CompileContext) -> Apply:
        new = _code(node.new)

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for line in rule.selected(visits):
                old = line.charge.cpt
                line.charge = evolve(line.charge, cpt=new)
                rule.emit(
                    recorder, line.state, line, action="replace", field="cpt", before=old,
                    after=new, cpt=old,
                    message=f"{old} replaced with {new} ({_moving(line.charge.units)}) "
                    f"by {rule.label}",
                )  # fmt: skip

        return apply

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        old = choose.one_of(["97014", "97110", "97140", "G0283"])
        new = choose.one_of([c for c in ("G0283", "97530", "97161") if c != old])
        return f"replace {old} with {new}", False


KIND = ReplaceKind()


def _moving(units: int) -> str:
    """ "1 unit moves with it", "3 units move with it"."""
    return f"{plural(units, 'unit')} {'moves' if units == 1 else 'move'} with it"
