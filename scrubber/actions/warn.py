"""``warn "MESSAGE" [for CODES]``: the visit is billed as usual and flagged for review (§15).

Commercial scrubbers tell a block from a warning: a hold stops a visit, a warning lets it flow
and puts it on a specialist's list. Like ``hold``, without ``for`` the condition is tested on the
visit (it may not read a charge line); with ``for CODES`` on each of those lines, and the visit
is flagged once if any line meets it. A warning moves no unit and writes no audit entry: it goes
to the result's ``warnings``, with the rule's description and the values its condition read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_codes
from scrubber.model.results import VisitWarning

__all__ = ["KIND", "Warn"]


@attrs.frozen
class Warn(ast.ActionNode):
    message: str
    codes: ast.CodeList | None = None
    span: ast.Span = ast.span_field()


class WarnKind(ActionKind[Warn]):
    node = Warn
    grammar = "warn"
    first_word = "warn"
    keywords = ("warn", "for")
    # a warning's condition sees the scrubbed state the second time
    idempotent = False

    def build(self, parts: Sequence[Any], span: ast.Span) -> Warn:
        message, codes = parts
        return Warn(message.text, codes, span=span)

    def render(self, node: Warn) -> str:
        return f'warn "{node.message}"' + (f" for {render_codes(node.codes)}" if node.codes else "")

    def visit_level(self, node: Warn) -> bool:
        return node.codes is None

    def visit_level_note(self, node: Warn) -> str:
        return (
            "by a visit-level warning: it has no charge line to read; "
            'name the lines with "warn ... for CODES"'
        )

    def check(self, node: Warn, ctx: CheckContext) -> None:
        ctx.codes(node.codes)

    def compile(self, node: Warn, ctx: CompileContext) -> Apply:
        message, per_line = node.message, node.codes is not None

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for visit in visits:
                line: Line | None = None
                if per_line:
                    line = next((line for line in visit.lines if rule.selects(line)), None)
                    if line is None:
                        continue
                elif rule.condition is not None and not rule.condition(visit):
                    continue
                tree = rule.condition_tree
                reader = line or visit
                values = tree.values(reader) if tree is not None else ()
                warning = VisitWarning(
                    visit.visit.id, visit.patient.id, visit.visit.date_of_service, rule.name,
                    rule.source, message, rule.description or "", values,
                )  # fmt: skip
                recorder.warn(rule, visit, warning, reader)

        return apply

    def unchanged(self, node: Warn) -> str:
        return "no line met its condition"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        if choose.one_of(["visit", "lines"]) == "visit":
            return 'warn "Review this visit"', True
        return f'warn "Review these lines" for {choose.codes()}', False


KIND = WarnKind()
