"""Checked rules to the parts of a ``RuleSet``: payers resolved, codesets expanded, tables
attached, each action compiled by its kind, and rules indexed by payer and by code, so that the
work per charge does not grow with the number of rules or table rows."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import attrs

from scrubber.actions import KINDS
from scrubber.actions.rule import CompiledRule, in_effect
from scrubber.lang import ast
from scrubber.lang.checked import CheckedRules
from scrubber.lang.expressions import Condition, compile_condition
from scrubber.model.fields import FIELDS, Subject
from scrubber.tables.pairs import PairTable
from scrubber.tables.prices import PriceTable
from scrubber.tables.units import UnitTable

__all__ = ["CompiledBlock", "compile_rules"]


_Table = TypeVar("_Table", UnitTable, PairTable, PriceTable)

_COUNTS = frozenset(path for path, field in FIELDS.items() if field.subject is Subject.COUNTS)


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


@attrs.frozen
class _FileContext:
    """What a kind may ask while compiling the rules of one file. It notes every answer (the
    codes a list expands to, the content of every table), in the order asked (``read``): they
    become part of the rule's meaning, so that a codeset or a table edited elsewhere changes
    the meaning of the rules that read it."""

    checked: CheckedRules
    file: str
    read: list[object] = attrs.field(factory=list)

    def codes(self, codes: ast.CodeList) -> frozenset[str] | None:
        found = self.checked.codes_of(codes)
        self.read.append(found)
        return found

    def unit_table(self, file: str) -> UnitTable:
        return self._noted(self.checked.unit_tables[(self.file, file)])

    def pair_table(self, file: str) -> PairTable:
        return self._noted(self.checked.pair_tables[(self.file, file)])

    def price_table(self, file: str) -> PriceTable:
        return self._noted(self.checked.price_tables[(self.file, file)])

    def _noted(self, table: _Table) -> _Table:
        # A table read from no source has no digest: a unique note, so no two loads compare equal
        self.read.append(table.digest or f"unknown {id(table)}")
        return table


def compile_rules(
    checked: CheckedRules,
) -> tuple[
    tuple[CompiledRule, ...],
    dict[str, tuple[CompiledBlock, ...]],
    tuple[tuple[str, Condition], ...],
]:
    rules: list[CompiledRule] = []
    blocks: dict[str, list[CompiledBlock]] = {}
    for rule_file in checked.files:
        context = _FileContext(checked, rule_file.path)
        for block in rule_file.blocks:
            effective, through = ast.checked_date(block.effective), ast.checked_date(block.through)
            by_code: dict[str, list[int]] = {}
            general: list[int] = []
            for rule in block.rules:
                action = rule.action
                kind = KINDS.kind_of(action)
                position = len(rules)
                context.read.clear()
                selected = kind.index_codes(action, context)
                apply = kind.compile(action, context)
                condition = compile_condition(rule.condition)
                counts = condition is not None and any(p in _COUNTS for p in condition.paths)
                rules.append(CompiledRule(
                    position=position, name=f"{rule_file.stem}/{rule.id}", source=str(action.span),
                    description=rule.description, payer=block.payer, effective=effective,
                    through=through, action=action, kind=kind,
                    condition_tree=condition, codes=selected,
                    visit_level=kind.visit_level(action), introduces=kind.introduces(action),
                    reads_history=counts or kind.spans_days(action),
                    apply=apply, meaning=(
                        rule.description, block.payer, effective, through, action,
                        rule.condition, selected, tuple(context.read),
                    ),
                ))  # fmt: skip
                if selected is None:
                    general.append(position)
                else:
                    for code in selected:
                        by_code.setdefault(code, []).append(position)
            blocks.setdefault(block.payer, []).append(CompiledBlock(
                block.payer, effective, through,
                {code: tuple(p) for code, p in by_code.items()}, tuple(general),
            ))  # fmt: skip
    payers = tuple(
        (name, Condition(payer.condition)) for name, payer in sorted(checked.payers.items())
    )
    return tuple(rules), {p: tuple(b) for p, b in blocks.items()}, payers
