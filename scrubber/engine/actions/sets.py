"""``set PATH to VALUE``: changes a patient, case or insurance field for the rules that follow."""

from __future__ import annotations

from typing import Any

from scrubber.dsl import ast
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Recorder, VisitState
from scrubber.fields import FIELDS, Subject, evolve_path

__all__ = ["apply"]


def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.Set)
    field = FIELDS[action.path.name]
    value = action.value.value
    for visit in visits:
        if rule.condition is not None and not rule.condition(visit):
            continue
        before = field.get(visit.patient if field.subject is Subject.PATIENT else visit.case)
        if before == value:
            continue
        if field.subject is Subject.PATIENT:
            visit.patient = evolve_path(visit.patient, field.attribute, value)
        else:
            visit.case = evolve_path(visit.case, field.attribute, value)
        rule.emit(
            recorder, visit, None, action="set", field=field.path,
            before=_plain(before), after=_plain(value),
            message=f"{field.path} set by {rule.label}",
        )  # fmt: skip


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, str | bool | int) else str(value)
