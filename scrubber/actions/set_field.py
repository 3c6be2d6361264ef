"""``set PATH to VALUE``: changes a patient, case or insurance field for the rules that follow
(``set patient.ssn to "999999999" when patient.ssn is missing``); the audit masks SSNs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_value
from scrubber.model.fields import FIELDS, Subject, evolve_path
from scrubber.model.records import mask_ssn

__all__ = ["KIND", "Set"]


@attrs.frozen
class Set(ast.ActionNode):
    path: ast.Path
    value: ast.Literal
    span: ast.Span = ast.span_field()


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | bool | int) else str(value)


class SetKind(ActionKind[Set]):
    node = Set
    grammar = "set"
    first_word = "set"
    keywords = ("set", "to")
    # its condition sees the scrubbed state the second time
    idempotent = False

    def build(self, parts: Sequence[Any], span: ast.Span) -> Set:
        path, value = parts
        return Set(ast.Path(path.text, span=path.span), value, span=span)

    def render(self, node: Set) -> str:
        return f"set {node.path.name} to {render_value(node.value.value)}"

    def visit_level(self, node: Set) -> bool:
        return True

    def visit_level_note(self, node: Set) -> str:
        return "by set: set changes the patient or case, not a charge line"

    def check(self, node: Set, ctx: CheckContext) -> None:
        ctx.settable(node.path, node.value)

    def compile(self, node: Set, ctx: CompileContext) -> Apply:
        field = FIELDS[node.path.name]
        value = node.value.value
        on_patient = field.subject is Subject.PATIENT
        # an SSN is never shown whole, not even the one a rule sets
        shown = mask_ssn(str(value)) if field.path.endswith("ssn") else render_value(value)

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for visit in visits:
                if rule.condition is not None and not rule.condition(visit):
                    continue
                before = field.get(visit.patient if on_patient else visit.case)
                if before == value:
                    continue
                if on_patient:
                    visit.patient = evolve_path(visit.patient, field.attribute, value)
                else:
                    visit.case = evolve_path(visit.case, field.attribute, value)
                rule.emit(
                    recorder, visit, None, action="set", field=field.path,
                    before=_plain(before), after=_plain(value),
                    message=f"{field.path} set to {shown} ({rule.label})",
                )  # fmt: skip

        return apply

    def unchanged(self, node: Set) -> str:
        return "the field already had that value"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        return 'set patient.ssn to "999999999"', True


KIND = SetKind()
