"""The rules stage: ids, conditions and each action's arguments (checked by its kind)."""

from __future__ import annotations

from scrubber.lang import ast, codes
from scrubber.lang.check.actions import ActionContext
from scrubber.lang.check.checker import LINE_SUBJECTS, VISIT_SUBJECTS, Checker

__all__ = ["rules"]


def rules(checker: Checker) -> None:
    """Rule ids unique in their file; each condition reads fields that exist, where they can be
    read, with values of their type; each action's arguments, checked by its kind (tables are
    loaded here)."""
    for source in checker.sources:
        seen: dict[str, ast.Rule] = {}
        context = ActionContext(checker, source)
        for block in source.parsed.file.blocks:
            for rule in block.rules:
                first = seen.get(rule.id)
                if first is not None:
                    checker.error(
                        codes.DUPLICATE_ID,
                        f'rule id "{rule.id}" is already used on line {first.span.line} of this file',
                        rule.span,
                    )
                seen.setdefault(rule.id, rule)
                kind = checker.kinds.kind_of(rule.action)
                if rule.condition is not None:
                    if kind.visit_level(rule.action):
                        allowed, where = VISIT_SUBJECTS, kind.visit_level_note(rule.action)
                    else:
                        allowed, where = LINE_SUBJECTS, ""
                    checker.expr(rule.condition.expr, allowed, where)
                kind.check(rule.action, context)
