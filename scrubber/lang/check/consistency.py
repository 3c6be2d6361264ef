"""The consistency stage: within a block, no rule that can never apply and no caps that disagree."""

from __future__ import annotations

from scrubber.lang import ast, codes
from scrubber.lang.check.checker import Checker
from scrubber.words import plural

__all__ = ["consistency"]


def consistency(checker: Checker) -> None:
    """Within a block: no rule that repeats an earlier one or can never apply because an
    earlier rule removed every line it selects, and no two caps on one code and scope that
    disagree."""
    for source in checker.sources:
        for block in source.parsed.file.blocks:
            _block_consistency(checker, block)


def _block_consistency(checker: Checker, block: ast.Block) -> None:
    caps: dict[tuple[str, str, ast.Condition | None], tuple[int, ast.Rule]] = {}
    seen: dict[tuple[ast.ActionNode, ast.Condition | None], ast.Rule] = {}
    gone: dict[str, ast.Rule] = {}
    codes_of = checker.codes_quiet
    for rule in block.rules:
        action = rule.action
        kind = checker.kinds.kind_of(action)
        twin = seen.get((action, rule.condition))
        if twin is not None:
            checker.error(codes.NEVER_APPLIES, f'this rule can never change anything: rule '
                          f'"{twin.id}" on line {twin.span.line} does exactly the same before it',
                          rule.span)  # fmt: skip
            continue
        seen[(action, rule.condition)] = rule
        selected = kind.named_codes(action, codes_of)
        if selected and all(code in gone for code in selected):
            first = gone[min(selected)]
            checker.error(codes.NEVER_APPLIES, "this rule can never apply: every code it selects "
                          f'is already removed by rule "{first.id}" on line {first.span.line}',
                          rule.span)  # fmt: skip
            continue
        for code, scope, cap in kind.caps(action, codes_of):
            key = (code, scope, rule.condition)
            other = caps.get(key)
            if other is not None and other[0] != cap:
                checker.error(
                    codes.CAPS_DISAGREE, f"caps disagree: {code} is limited to {plural(cap, 'unit')} per "
                    f'{scope} here and to {other[0]} by rule "{other[1].id}" on line '
                    f"{other[1].span.line}", rule.span,
                )  # fmt: skip
                break
            caps.setdefault(key, (cap, rule))
        if rule.condition is None:
            for code in kind.removes(action, codes_of) or ():
                gone.setdefault(code, rule)
