"""``limit total of CODES to N units per visit|day``: a cap on the sum of several codes' units
(one evaluation per visit); later lines lose units first."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.limit import check_cap
from scrubber.actions.lines import already, by_scope, cut_scoped, reduce
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_codes, units_word

__all__ = ["KIND", "LimitTotal"]

SCOPES = tuple(s for s in ast.Scope if s is not ast.Scope.LINE)


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
        selected = ctx.codes(node.codes)

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for lines in by_scope(rule.selected(visits), scope):
                codes = ", ".join(sorted({line.charge.cpt for line in lines}))
                what = codes if "," not in codes else partial(_part_of, codes)
                changes, spent = cut_scoped(lines, cap, scope, selected)
                how = f"({cap} in total per {scope}{already(spent, scope)}) by {rule.label}"
                reduce(rule, recorder, changes, what, how)

        return apply

    def spans_days(self, node: LimitTotal) -> bool:
        return node.scope.text in ast.PERIODS

    def unchanged(self, node: LimitTotal) -> str:
        return "the units were within the cap"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        scope = choose.one_of([s.value for s in SCOPES])
        return f"limit total of {choose.codes()} to {choose.number()} units per {scope}", False


KIND = LimitTotalKind()
