"""``limit CODES to N units per line|visit|day``: a cap on the units of each code on its own."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.lines import already, by_scope, cut_scoped, reduce
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.codes import NEGATIVE_CAP
from scrubber.lang.render import render_codes, units_word

__all__ = ["KIND", "Limit", "check_cap"]

SCOPES = tuple(ast.Scope)


@attrs.frozen
class Limit(ast.ActionNode):
    codes: ast.CodeList
    cap: int
    scope: ast.Word
    span: ast.Span = ast.span_field()


def check_cap(cap: int, span: ast.Span, ctx: CheckContext) -> None:
    if cap < 0:
        ctx.error(NEGATIVE_CAP, f"a cap cannot be below 0 (got {cap})", span)


class LimitKind(ActionKind[Limit]):
    node = Limit
    grammar = "limit"
    first_word = "limit"
    keywords = ("limit", "to", "unit", "units", "per")

    def build(self, parts: Sequence[Any], span: ast.Span) -> Limit:
        codes, cap, scope = parts
        return Limit(codes, int(cap.text), scope, span=span)

    def render(self, node: Limit) -> str:
        return (
            f"limit {render_codes(node.codes)} to {node.cap} {units_word(node.cap)} "
            f"per {node.scope}"
        )

    def check(self, node: Limit, ctx: CheckContext) -> None:
        ctx.codes(node.codes)
        check_cap(node.cap, node.span, ctx)
        ctx.scope(node.scope, SCOPES)

    def spans_days(self, node: Limit) -> bool:
        return node.scope.text in ast.PERIODS

    def caps(
        self, node: Limit, codes_of: Callable[[ast.CodeList], frozenset[str] | None]
    ) -> Iterable[tuple[str, str, int]]:
        return ((code, node.scope.text, node.cap) for code in sorted(codes_of(node.codes) or ()))

    def compile(self, node: Limit, ctx: CompileContext) -> Apply:
        cap, scope = node.cap, ast.Scope(node.scope.text)

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for lines in by_scope(rule.selected(visits), scope, lambda line: line.charge.cpt):
                code = lines[0].charge.cpt
                changes, spent = cut_scoped(lines, cap, scope, frozenset({code}))
                reduce(
                    rule,
                    recorder,
                    changes,
                    code,
                    f"per {scope}{already(spent, scope)} by {rule.label}",
                )

        return apply

    def unchanged(self, node: Limit) -> str:
        return "the units were within the cap"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        scope = choose.one_of([s.value for s in SCOPES])
        return f"limit {choose.codes()} to {choose.number()} units per {scope}", False


KIND = LimitKind()
