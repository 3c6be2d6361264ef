"""Checked AST to an immutable ``RuleSet``: payers resolved, codesets expanded, tables attached,
and rules indexed by payer and by code, so that the work per charge does not grow with the
number of rules or table rows."""

from __future__ import annotations

from datetime import date

import attrs

from scrubber.dsl import ast
from scrubber.dsl.checked import CheckedRules
from scrubber.engine.actions import codes, holds, limits, minutes, modifiers, pairs, sets
from scrubber.engine.conditions import Predicate, compile_condition, compile_expr
from scrubber.engine.rules import Apply, CompiledRule, in_effect

__all__ = ["CompiledBlock", "compile_rules"]

_APPLY: dict[type, Apply] = {
    ast.Limit: limits.apply_limit,
    ast.LimitTotal: limits.apply_limit_total,
    ast.LimitTable: limits.apply_limit_table,
    ast.LimitMinutes: minutes.apply,
    ast.AddModifier: modifiers.apply_add,
    ast.RemoveModifier: modifiers.apply_remove,
    ast.Replace: codes.apply_replace,
    ast.Drop: codes.apply_drop,
    ast.Deny: codes.apply_drop,
    ast.DenyPair: pairs.apply_pair,
    ast.DenyTable: pairs.apply_table,
    ast.Hold: holds.apply,
    ast.Set: sets.apply,
}


@attrs.frozen
class CompiledBlock:
    payer: str
    effective: date | None
    through: date | None
    #: code -> positions of the rules that select lines of that code
    by_code: dict[str, tuple[int, ...]] = attrs.field(eq=False, repr=False)
    #: positions of the rules that look at every line or at the visit
    general: tuple[int, ...] = attrs.field(eq=False)

    def effective_on(self, day: date) -> bool:
        return in_effect(day, self.effective, self.through)


def _selected_codes(
    checked: CheckedRules, rule_file: ast.RuleFile, action: ast.Action
) -> frozenset[str] | None:
    if isinstance(action, ast.Replace):
        return frozenset({action.old.value})
    if isinstance(action, ast.LimitTable):
        return frozenset(checked.unit_tables[(rule_file.path, action.file)].caps)
    if isinstance(action, ast.DenyTable):
        return checked.pair_tables[(rule_file.path, action.file)].column2_codes
    if isinstance(action, ast.Set):
        return None
    codes = getattr(action, "codes", None)
    if isinstance(codes, ast.CodeList):
        return checked.codes_of(codes)
    return None


def compile_rules(
    checked: CheckedRules,
) -> tuple[
    tuple[CompiledRule, ...],
    dict[str, tuple[CompiledBlock, ...]],
    tuple[tuple[str, Predicate], ...],
]:
    rules: list[CompiledRule] = []
    blocks: dict[str, list[CompiledBlock]] = {}
    for rule_file in checked.files:
        for block in rule_file.blocks:
            by_code: dict[str, list[int]] = {}
            general: list[int] = []
            for rule in block.rules:
                action = rule.action
                position = len(rules)
                selected = _selected_codes(checked, rule_file, action)
                with_codes = (
                    checked.codes_of(action.with_codes)
                    if isinstance(action, ast.DenyPair)
                    else None
                )
                rules.append(CompiledRule(
                    position=position,
                    name=f"{rule_file.stem}/{rule.id}",
                    source=str(action.span),
                    description=rule.description,
                    payer=block.payer,
                    effective=block.effective,
                    through=block.through,
                    action=action,
                    condition=compile_condition(rule.condition),
                    codes=selected,
                    apply=_APPLY[type(action)],
                    with_codes=with_codes,
                    unit_table=checked.unit_tables.get((rule_file.path, getattr(action, "file", ""))),
                    pair_table=checked.pair_tables.get((rule_file.path, getattr(action, "file", ""))),
                ))  # fmt: skip
                if selected is None:
                    general.append(position)
                else:
                    for code in selected:
                        by_code.setdefault(code, []).append(position)
            blocks.setdefault(block.payer, []).append(CompiledBlock(
                block.payer, block.effective, block.through,
                {code: tuple(p) for code, p in by_code.items()}, tuple(general),
            ))  # fmt: skip
    payers = tuple(
        (name, compile_expr(payer.condition)) for name, payer in sorted(checked.payers.items())
    )
    return tuple(rules), {p: tuple(b) for p, b in blocks.items()}, payers
