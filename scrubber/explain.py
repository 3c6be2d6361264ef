"""``scrubber explain``: for one visit, every rule in order, and what it did or why it did not.

The visit is scrubbed with the whole batch (so ``per day`` rules see the patient's other visits);
the audit says what applied. For the rules that did nothing, the reason is found in this order:
the payer did not match, the block was not in effect on the date, no line had a code the rule
selects, the condition was false (and which part of it, with the value it read), or there was
nothing to change (under the cap, modifier already there, no partner line).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrubber.audit import AuditEntry
from scrubber.dsl import ast
from scrubber.dsl.checked import BUILTIN_PAYER, CheckedRules
from scrubber.dsl.fmt import render_expr, render_value
from scrubber.engine import RuleSet
from scrubber.engine.conditions import Context, compile_expr, read
from scrubber.engine.rules import CompiledRule
from scrubber.errors import UsageError
from scrubber.fields import FIELDS
from scrubber.model import Batch, Visit, mask_ssn

__all__ = ["explain_visit"]


def _shown(path: str, value: Any) -> str:
    if value is None or value == ():
        return "missing"
    if "ssn" in path:
        return str(mask_ssn(value))
    if isinstance(value, tuple):
        return " ".join(value)
    return render_value(value) if isinstance(value, str | bool) else str(value)


def _false_parts(expr: ast.Expr, context: Context) -> Iterator[str]:
    """The smallest parts of a condition that made it false, each with the value it read."""
    if isinstance(expr, ast.And):
        for item in expr.items:
            if not compile_expr(item)(context):
                yield from _false_parts(item, context)
                return
    elif isinstance(expr, ast.Or):
        for item in expr.items:
            yield from _false_parts(item, context)
    elif isinstance(expr, ast.Not):
        yield f"{render_expr(expr.item)} is true" + _value_note(expr.item, context)
    else:
        yield f"{render_expr(expr)} is false" + _value_note(expr, context)


def _value_note(expr: ast.Expr, context: Context) -> str:
    path = getattr(expr, "path", None)
    if not isinstance(path, ast.Path) or path.name not in FIELDS:
        return ""
    return f" ({path.name} is {_shown(path.name, read(FIELDS[path.name])(context))})"


def _condition_reason(condition: ast.Condition, context: Context) -> str:
    if condition.negated:
        return f"its 'unless' condition holds: {render_expr(condition.expr)}" + _value_note(
            condition.expr, context
        )
    return "its condition is false: " + "; ".join(_false_parts(condition.expr, context))


def _why_not(rule: CompiledRule, condition: ast.Condition | None, visit: Visit, batch: Batch,
             codes_seen: set[str]) -> str:  # fmt: skip
    patient, case = batch.patient_of(visit), batch.case_of(visit)
    if rule.codes is not None and not codes_seen & rule.codes:
        has = ", ".join(sorted(codes_seen)) or "no lines"
        return f"no line of the visit has a code it selects (the visit has {has})"
    action = rule.action
    visit_level = isinstance(action, ast.Set) or (
        isinstance(action, ast.Hold) and action.codes is None
    )
    if condition is not None:
        test = compile_expr(condition.expr)
        contexts = [Context(visit, patient, case)] if visit_level else [
            Context(visit, patient, case, charge) for charge in visit.charges
            if rule.codes is None or charge.cpt in rule.codes
        ]  # fmt: skip
        if contexts and all(test(c) == condition.negated for c in contexts):
            return _condition_reason(condition, contexts[0])
    return {
        ast.Limit: "the units were within the cap",
        ast.LimitTotal: "the units were within the cap",
        ast.LimitTable: "the units were within the table's caps",
        ast.LimitMinutes: "the minutes support the units billed",
        ast.AddModifier: "the lines already carry the modifier",
        ast.RemoveModifier: "no line carries the modifier",
        ast.DenyPair: "no partner line was billed in the same scope, or the line carries a bypass modifier",
        ast.DenyTable: "no pair of the table was billed together without a bypass",
        ast.Set: "the field already had that value",
    }.get(type(action), "there was nothing to change")


def _audit_line(entry: AuditEntry) -> str:
    change = ""
    if entry.field not in ("visit",) and (entry.before is not None or entry.after is not None):
        before = " ".join(entry.before) if isinstance(entry.before, list) else entry.before
        after = " ".join(entry.after) if isinstance(entry.after, list) else entry.after
        change = f" [{entry.field}: {before or 'none'} -> {after or 'none'}]"
    return f"{entry.message}{change}"


def explain_visit(checked: CheckedRules, rules: RuleSet, batch: Batch, visit_id: str) -> list[str]:
    """Plain sentences, one or more per rule, in the order the rules apply."""
    rejected = [r for r in batch.rejected if r.id == visit_id]
    if rejected:
        return [f"Visit {visit_id} was not scrubbed: its record was rejected.",
                *(f"  {error}" for r in rejected for error in r.errors)]  # fmt: skip
    visit = next((v for v in batch.visits if v.id == visit_id), None)
    if visit is None:
        raise UsageError(f"scrubber explain: no visit {visit_id!r} in the export")
    result = rules.scrub(batch)
    entries: dict[str, list[AuditEntry]] = {}
    for entry in result.audit:
        if entry.visit_id == visit_id:
            entries.setdefault(entry.rule, []).append(entry)
    patient, case = batch.patient_of(visit), batch.case_of(visit)
    payers = rules.payers_of(patient, case, visit)
    codes_seen = {c.cpt for c in visit.charges} | {
        str(e.after) for group in entries.values() for e in group if e.action == "replace"
    }
    conditions = {
        f"{f.stem}/{r.id}": r.condition for f in checked.files for b in f.blocks for r in b.rules
    }
    where = "billed" if any(v.id == visit_id for v in result.billed) else (
        "held on Billing Exceptions" if any(h.visit_id == visit_id for h in result.exceptions) else
        "not billed (nothing left to bill)"
    )  # fmt: skip
    shown_payers = ", ".join(sorted(payers - {BUILTIN_PAYER})) or "none (only rules for any payer)"
    lines = [
        f"Visit {visit_id} of patient {patient.id} on {visit.date_of_service} at {visit.location}: "
        f"payers {shown_payers}; the visit is {where}.",
    ]
    for number, rule in enumerate(rules.rules, start=1):
        head = f"{number:3}. {rule.name} ({rule.source})"
        if rule.payer not in payers:
            condition = checked.payers[rule.payer].condition
            note = _value_note(condition, Context(visit, patient, case))
            lines.append(f"{head}: skipped, the visit does not belong to payer {rule.payer} "
                         f"({render_expr(condition)} is false{note}).")  # fmt: skip
        elif not rule.effective_on(visit.date_of_service):
            span = f"from {rule.effective or 'the start'} to {rule.through or 'no end'}"
            lines.append(f"{head}: skipped, not in effect on {visit.date_of_service} ({span}).")
        elif rule.name in entries:
            for n, entry in enumerate(entries[rule.name]):
                lines.append(
                    f"{head if n == 0 else ' ' * len(head)}: applied, {_audit_line(entry)}."
                )
        else:
            reason = _why_not(rule, conditions.get(rule.name), visit, batch, codes_seen)
            lines.append(f"{head}: did nothing, {reason}.")
    return lines
