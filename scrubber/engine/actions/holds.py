"""``hold "MESSAGE" [for CODES]``: the visit goes to Billing Exceptions with this reason."""

from __future__ import annotations

from scrubber.audit import HoldReason
from scrubber.dsl import ast
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Recorder, VisitState

__all__ = ["apply"]


def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.Hold)
    for visit in visits:
        if action.codes is None:
            if rule.condition is not None and not rule.condition(visit):
                continue
            line = None
        else:
            line = next((line for line in visit.lines if rule.selects(line)), None)
            if line is None:
                continue
        visit.holds.append(HoldReason(rule.name, rule.source, action.message))
        rule.emit(
            recorder, visit, line, action="hold", field="visit", before=None, after=None,
            message=f"visit {visit.visit.id} held: {action.message} ({rule.label})",
        )  # fmt: skip
