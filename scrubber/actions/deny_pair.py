"""``deny CODES with CODES per visit|day [unless modifier M...]``: a pair edit written in the
rule. The first codes are denied when one of the second is billed in the same scope, unless the
line carries one of the modifiers; ``with any`` takes every other billed line as a partner."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.pairs import billed_groups, deny_all
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_codes

__all__ = ["KIND", "DenyPair"]

SCOPES = (ast.Scope.VISIT, ast.Scope.DAY)


@attrs.frozen
class DenyPair(ast.ActionNode):
    codes: ast.CodeList
    with_codes: ast.CodeList
    scope: ast.Word
    bypass: tuple[str, ...] = ()
    span: ast.Span = ast.span_field()


class DenyPairKind(ActionKind[DenyPair]):
    node = DenyPair
    grammar = "deny_pair"
    first_word = "deny"
    keywords = ("deny", "with", "per", "unless", "modifier")

    def build(self, parts: Sequence[Any], span: ast.Span) -> DenyPair:
        codes, with_codes, scope, bypass = parts
        return DenyPair(codes, with_codes, scope, tuple(bypass or ()), span=span)

    def render(self, node: DenyPair) -> str:
        bypass = f" unless modifier {' '.join(node.bypass)}" if node.bypass else ""
        return (f"deny {render_codes(node.codes)} with {render_codes(node.with_codes)} "
                f"per {node.scope}{bypass}")  # fmt: skip

    def check(self, node: DenyPair, ctx: CheckContext) -> None:
        ctx.codes(node.codes)
        ctx.codes(node.with_codes)
        ctx.scope(node.scope, SCOPES)
        for modifier in node.bypass:
            ctx.modifier(modifier, node.span)

    def compile(self, node: DenyPair, ctx: CompileContext) -> Apply:
        partners = ctx.codes(node.with_codes)  # None: "with any"
        bypass = frozenset(node.bypass)
        scope = ast.Scope(node.scope.text)

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            denials: list[tuple[Line, str]] = []
            for lines in billed_groups(visits, scope):
                # Each line's partners are the partner lines other than itself: counted once
                # per group, so the rule costs a step per line, not per pair of lines.
                counts = Counter(
                    line.charge.cpt for line in lines
                    if partners is None or line.charge.cpt in partners
                )  # fmt: skip
                smallest = heapq.nsmallest(2, counts)
                for line in lines:
                    if not rule.selects(line) or bypass.intersection(line.charge.modifiers):
                        continue
                    code = line.charge.cpt
                    others = [c for c in smallest if c != code or counts[code] > 1]
                    if others:
                        denials.append((line, f"{code} denied: billed with {others[0]} "
                                              f"the same {scope} ({rule.label})"))  # fmt: skip
            deny_all(rule, recorder, denials)

        return apply

    def unchanged(self, node: DenyPair) -> str:
        return "no partner line was billed in the same scope, or the line carries a bypass modifier"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        scope = choose.one_of(["visit", "day"])
        bypass = choose.one_of(["", " unless modifier 59 XU"])
        return f"deny {choose.codes()} with {choose.codes()} per {scope}{bypass}", False


KIND = DenyPairKind()
