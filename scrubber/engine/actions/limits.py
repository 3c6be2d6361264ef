"""``limit CODES to N``, ``limit total of CODES to N`` and ``limit by table``."""

from __future__ import annotations

import attrs

from scrubber.dsl import ast
from scrubber.engine.actions.scope import by_scope, cut
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Line, Recorder, VisitState
from scrubber.tables import CapScope

__all__ = ["apply_limit", "apply_limit_table", "apply_limit_total"]


def reduce(
    rule: CompiledRule,
    recorder: Recorder,
    changes: list[tuple[Line, int, int]],
    scope: str,
    what: str,
) -> None:
    for line, before, after in changes:
        line.charge = attrs.evolve(line.charge, units=after)
        rule.emit(
            recorder, line.state, line, action="limit", field="units", before=before, after=after,
            units_delta=after - before,
            message=f"{what} limited from {before} to {after} units per {scope} by {rule.label}",
        )  # fmt: skip


def apply_limit(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.Limit)
    for lines in by_scope(rule.selected(visits), action.scope, lambda line: line.charge.cpt):
        reduce(rule, recorder, cut(lines, action.cap), action.scope, lines[0].charge.cpt)


def apply_limit_total(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.LimitTotal)
    for lines in by_scope(rule.selected(visits), action.scope):
        codes = sorted({line.charge.cpt for line in lines})
        what = codes[0] if len(codes) == 1 else "the total of " + ", ".join(codes) + " (this line"
        changes = cut(lines, action.cap)
        for line, before, after in changes:
            line.charge = attrs.evolve(line.charge, units=after)
            name = (
                what
                if len(codes) == 1
                else f"{line.charge.cpt}, part of the total of {', '.join(codes)},"
            )
            rule.emit(
                recorder, line.state, line, action="limit", field="units", before=before, after=after,
                units_delta=after - before,
                message=f"{name} limited from {before} to {after} units ({action.cap} in total per "
                f"{action.scope}) by {rule.label}",
            )  # fmt: skip


_SCOPES = {CapScope.LINE: ast.Scope.LINE, CapScope.DAY: ast.Scope.DAY}


def apply_limit_table(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action, table = rule.action, rule.unit_table
    assert isinstance(action, ast.LimitTable) and table is not None
    by_scope_kind: dict[ast.Scope, list[Line]] = {}
    for line in rule.selected(visits):
        cap = table.caps[line.charge.cpt]
        scope = action.scope or (_SCOPES[cap.scope] if cap.scope else ast.Scope.DAY)
        by_scope_kind.setdefault(scope, []).append(line)
    for scope, selected in by_scope_kind.items():
        for lines in by_scope(selected, scope, lambda line: line.charge.cpt):
            code = lines[0].charge.cpt
            reduce(rule, recorder, cut(lines, table.caps[code].units), scope, code)
