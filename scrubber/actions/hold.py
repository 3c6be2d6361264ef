"""``hold "MESSAGE" [for CODES]``: the whole visit goes to Billing Exceptions with this reason.

Without ``for`` the condition is tested on the visit (it may not read a charge line); with
``for CODES`` it is tested on each of those lines and the visit is held if any line meets it. A
hold does not stop the rules after it, so every reason is listed and the held visit's charges are
scrubbed as they will be imported once it is fixed.
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
from scrubber.model.results import HoldReason

__all__ = ["KIND", "Hold"]


@attrs.frozen
class Hold(ast.ActionNode):
    message: str
    codes: ast.CodeList | None = None
    span: ast.Span = ast.span_field()


class HoldKind(ActionKind[Hold]):
    node = Hold
    grammar = "hold"
    first_word = "hold"
    keywords = ("hold", "for")
    # a hold's condition sees the scrubbed state the second time
    idempotent = False

    def build(self, parts: Sequence[Any], span: ast.Span) -> Hold:
        message, codes = parts
        return Hold(message.text, codes, span=span)

    def render(self, node: Hold) -> str:
        return f'hold "{node.message}"' + (f" for {render_codes(node.codes)}" if node.codes else "")

    def visit_level(self, node: Hold) -> bool:
        return node.codes is None

    def visit_level_note(self, node: Hold) -> str:
        return (
            "by a visit-level hold: it has no charge line to read; "
            'name the lines with "hold ... for CODES"'
        )

    def check(self, node: Hold, ctx: CheckContext) -> None:
        ctx.codes(node.codes)

    def compile(self, node: Hold, ctx: CompileContext) -> Apply:
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
                values = tree.values(line or visit) if tree is not None else ()
                visit.holds.append(
                    HoldReason(rule.name, rule.source, message, rule.description or "", values)
                )
                rule.emit(
                    recorder, visit, line, action="hold", field="visit", before=None, after=None,
                    message=f"visit {visit.visit.id} held: {message} ({rule.label})",
                    reader=line or visit,
                )  # fmt: skip

        return apply

    def unchanged(self, node: Hold) -> str:
        return "no line met its condition"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        if choose.one_of(["visit", "lines"]) == "visit":
            return 'hold "Check this visit"', True
        return f'hold "Check these lines" for {choose.codes()}', False


KIND = HoldKind()
