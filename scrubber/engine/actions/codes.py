"""``replace``, ``drop`` and ``deny``."""

from __future__ import annotations

import attrs

from scrubber.dsl import ast
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Line, Recorder, VisitState

__all__ = ["apply_drop", "apply_replace", "remove"]


def apply_replace(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.Replace)
    for line in rule.selected(visits):
        old, new = line.charge.cpt, action.new.value
        line.charge = attrs.evolve(line.charge, cpt=new)
        rule.emit(
            recorder, line.state, line, action="replace", field="cpt", before=old, after=new, cpt=old,
            message=f"{old} replaced with {new} ({line.charge.units} units move with it) by {rule.label}",
        )  # fmt: skip


def remove(rule: CompiledRule, recorder: Recorder, line: Line, how: str, why: str) -> None:
    before = line.charge.units
    line.removed = how
    line.charge = attrs.evolve(line.charge, units=0)
    rule.emit(
        recorder, line.state, line, action=how, field="units", before=before, after=0,
        units_delta=-before, message=why,
    )  # fmt: skip


def apply_drop(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    how = "drop" if isinstance(rule.action, ast.Drop) else "deny"
    verb = "never flows to billing" if how == "drop" else "denied as not payable"
    for line in rule.selected(visits):
        remove(rule, recorder, line, how, f"{line.charge.cpt} {verb} ({rule.label})")
