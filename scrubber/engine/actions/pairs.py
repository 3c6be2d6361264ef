"""Pair edits: ``deny CODES with CODES per visit|day unless modifier ...`` and ``deny by table``."""

from __future__ import annotations

from scrubber.dsl import ast
from scrubber.engine.actions.codes import remove
from scrubber.engine.actions.scope import by_scope
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Line, Recorder, VisitState

__all__ = ["BYPASS_MODIFIERS", "apply_pair", "apply_table"]

#: modifiers that bypass a CMS PTP edit whose modifier indicator is 1 (DOMAIN.md)
BYPASS_MODIFIERS = frozenset({"59", "XE", "XP", "XS", "XU"})


def _billed(visits: list[VisitState]) -> list[Line]:
    return [line for visit in visits for line in visit.lines if line.billed]


def apply_pair(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.DenyPair)
    partners = rule.with_codes  # None: "with any", every other billed line is a partner
    bypass = frozenset(action.bypass)
    for lines in by_scope(_billed(visits), action.scope):
        for line in lines:
            if not line.billed or not rule.selects(line) or bypass & set(line.charge.modifiers):
                continue
            partner = next(
                (
                    p
                    for p in lines
                    if p is not line and p.billed and (partners is None or p.charge.cpt in partners)
                ),
                None,
            )
            if partner is not None:
                remove(rule, recorder, line, "deny",
                       f"{line.charge.cpt} denied: billed with {partner.charge.cpt} the same "
                       f"{action.scope} ({rule.label})")  # fmt: skip


def apply_table(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action, table = rule.action, rule.pair_table
    assert isinstance(action, ast.DenyTable) and table is not None
    scope = action.scope or ast.Scope.DAY
    for lines in by_scope(_billed(visits), scope):
        for line in lines:
            if not line.billed or not rule.selects(line):
                continue
            present = {
                other.charge.cpt: other for other in lines if other is not line and other.billed
            }
            day = line.state.visit.date_of_service
            for column1 in sorted(present):
                indicator = table.indicator(column1, line.charge.cpt, day)
                if indicator is None or indicator == "9":
                    continue
                if indicator == "1" and BYPASS_MODIFIERS & set(line.charge.modifiers):
                    continue
                remove(rule, recorder, line, "deny",
                       f"{line.charge.cpt} denied: column 2 of a PTP edit with {column1} billed "
                       f"the same {scope} ({rule.label})")  # fmt: skip
                break
