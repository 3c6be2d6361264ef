"""What ``hold`` and ``warn`` share: a message, an optional ``for CODES``, and the same choice of
visits. Without ``for`` the condition is tested on the visit (it may not read a charge line);
with ``for CODES`` on each of those lines, and the visit is flagged once if any line meets it.
The two kinds differ only in what flagging does (``FlagKind.flag``): a hold stops the visit, a
warning lets it flow onto a specialist's list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_codes

__all__ = ["FlagKind", "FlagNode"]


@attrs.frozen
class FlagNode(ast.ActionNode):
    message: str
    codes: ast.CodeList | None = None
    span: ast.Span = ast.span_field()


F = TypeVar("F", bound=FlagNode)


class FlagKind(ActionKind[F]):
    """A kind that flags a visit with a message; subclasses say the word and what flagging does."""

    #: the kind in a message ("a visit-level hold")
    noun: ClassVar[str]
    #: the messages of the rules drawn for property tests: on the visit, on lines
    samples: ClassVar[tuple[str, str]]
    # a flag's condition sees the scrubbed state the second time
    idempotent = False

    def build(self, parts: Sequence[Any], span: ast.Span) -> F:
        message, codes = parts
        node: F = self.node(message.text, codes, span=span)
        return node

    def render(self, node: F) -> str:
        codes = f" for {render_codes(node.codes)}" if node.codes else ""
        return f'{self.first_word} "{node.message}"{codes}'

    def visit_level(self, node: F) -> bool:
        return node.codes is None

    def visit_level_note(self, node: F) -> str:
        return (
            f"by a visit-level {self.noun}: it has no charge line to read; "
            f'name the lines with "{self.first_word} ... for CODES"'
        )

    def check(self, node: F, ctx: CheckContext) -> None:
        ctx.codes(node.codes)

    def compile(self, node: F, ctx: CompileContext) -> Apply:
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
                self.flag(rule, visit, line, message, recorder)

        return apply

    def flag(
        self, rule: CompiledRule, visit: VisitState, line: Line | None, message: str,
        recorder: Recorder,
    ) -> None:  # fmt: skip
        """Flag ``visit`` (``line``: the first line that met the condition, for ``for CODES``)."""
        raise NotImplementedError

    def unchanged(self, node: F) -> str:
        return "no line met its condition"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        on_visit, on_lines = self.samples
        if choose.one_of(["visit", "lines"]) == "visit":
            return f'{self.first_word} "{on_visit}"', True
        return f'{self.first_word} "{on_lines}" for {choose.codes()}', False


def values_read(rule: CompiledRule, reader: Line | VisitState) -> tuple[Any, ...]:
    """What the rule's condition read on ``reader`` (shown with the flag)."""
    tree = rule.condition_tree
    return tree.values(reader) if tree is not None else ()
