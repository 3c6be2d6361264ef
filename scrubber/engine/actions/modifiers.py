"""``add modifier`` and ``remove modifier``. A line holds at most 4 modifiers: adding a fifth
holds the visit instead of dropping a modifier silently."""

from __future__ import annotations

import attrs

from scrubber.audit import HoldReason
from scrubber.dsl import ast
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Recorder, VisitState

__all__ = ["MAX_MODIFIERS", "apply_add", "apply_remove"]

MAX_MODIFIERS = 4


def apply_add(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.AddModifier)
    for line in rule.selected(visits):
        before = line.charge.modifiers
        if action.modifier in before:
            continue
        if len(before) >= MAX_MODIFIERS:
            message = (f"Too many modifiers: {action.modifier} cannot be added to {line.charge.cpt}, "
                       f"which already has {len(before)} ({' '.join(before)})")  # fmt: skip
            line.state.holds.append(HoldReason(rule.name, rule.source, message))
            rule.emit(recorder, line.state, line, action="hold", field="visit", before=None,
                      after=None, message=message)  # fmt: skip
            continue
        after = (*before, action.modifier)
        line.charge = attrs.evolve(line.charge, modifiers=after)
        rule.emit(
            recorder, line.state, line, action="add_modifier", field="modifiers", before=list(before),
            after=list(after), message=f"{action.modifier} added to {line.charge.cpt} by {rule.label}",
        )  # fmt: skip


def apply_remove(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.RemoveModifier)
    for line in rule.selected(visits):
        before = line.charge.modifiers
        if action.modifier not in before:
            continue
        after = tuple(m for m in before if m != action.modifier)
        line.charge = attrs.evolve(line.charge, modifiers=after)
        rule.emit(
            recorder, line.state, line, action="remove_modifier", field="modifiers",
            before=list(before), after=list(after),
            message=f"{action.modifier} removed from {line.charge.cpt} by {rule.label}",
        )  # fmt: skip
