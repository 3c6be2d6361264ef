"""``limit total of CODES to N units per visit|day``: a cap on the sum of several codes' units
(one evaluation per visit); later lines lose units first."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import attrs

from scrubber.engine.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.engine.actions.limit import check_cap
from scrubber.engine.actions.lines import by_scope, cut, reduce
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Line, Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_codes, units_word

__all__ = ["KIND", "LimitTotal"]

SCOPES = (ast.Scope.VISIT, ast.Scope.DAY)


@attrs.frozen
class LimitTotal(ast.ActionNode):
    codes: ast.CodeList
    cap: int
    scope: ast.Word
    span: ast.Span = ast.span_field()


def _part_of(codes: str, line: Line) -> str:
    return f"{line.charge.cpt}, part of the total of {codes},"


class LimitTotalKind(ActionKind[LimitTotal]):
    node = LimitTotal
    grammar = "limit_total"
    first_word = "limit"
    keywords = ("limit", "total", "of", "to", "unit", "units", "per")

    def build(self, parts: Sequence[Any], span: ast.Span) -> LimitTotal:
        codes, cap, scope = parts
        return LimitTotal(codes, int(cap.text), scope, span=span)

    def render(self, node: LimitTotal) -> str:
        return (
            f"limit total of {render_codes(node.codes)} to {node.cap} {units_word(node.cap)} "
            f"per {node.scope}"
        )

    def check(self, node: LimitTotal, ctx: CheckContext) -> None:
        ctx.codes(node.codes)
        check_cap(node.cap, node.span, ctx)
        ctx.scope(node.scope, SCOPES)

    def compile(self, node: LimitTotal, ctx: CompileContext) -> Apply:
        cap, scope = node.cap, ast.Scope(node.scope.text)

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            how = f"({cap} in total per {scope}) by {rule.label}"
            for lines in by_scope(rule.selected(visits), scope):
                codes = ", ".join(sorted({line.charge.cpt for line in lines}))
                what = codes if "," not in codes else partial(_part_of, codes)
                reduce(rule, recorder, cut(lines, cap), what, how)

        return apply

    def unchanged(self, node: LimitTotal) -> str:
        return "the units were within the cap"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        scope = choose.one_of([s.value for s in SCOPES])
        return f"limit total of {choose.codes()} to {choose.number()} units per {scope}", False


KIND = LimitTotalKind()
