"""Rules that an earlier rule of the same payer makes unreachable, across blocks (§15).

Within one block, a rule whose every code an earlier unconditional ``drop``, ``deny`` or
``replace`` took away is an error (E033), and two caps on one code and scope that disagree are
an error (E032). Across the blocks of one payer (every file, in the one order), the same is
usually a leftover: a warning. An earlier rule reaches a later one only when its block is in
effect on every date the later block is (a 2025 block does not shadow a 2026 one).

- W005: every code the rule names is removed by an earlier unconditional ``drop``, ``deny`` or
  ``replace`` of the same payer in another block.
- W006: every cap the rule sets is higher than an earlier unconditional cap of the same code and
  scope for the same payer (the earlier, lower cap always takes the units first), where E032
  does not already say so.
"""

from __future__ import annotations

from datetime import date

from scrubber.lang import ast, codes
from scrubber.lang.check.checker import Checker

__all__ = ["unreachable"]


def _covers(earlier: ast.Block, later: ast.Block) -> bool:
    """Whether ``earlier`` is in effect on every date ``later`` is."""
    start, end = earlier.effective, earlier.through
    if not (start is None or isinstance(start, date)) or not (end is None or isinstance(end, date)):
        return False
    if start is not None and (not isinstance(later.effective, date) or later.effective < start):
        return False
    return end is None or (isinstance(later.through, date) and later.through <= end)


def unreachable(checker: Checker) -> None:
    """W005 and W006 over every payer's blocks, in the order the rules run."""
    by_payer: dict[str, list[ast.Block]] = {}
    for source in checker.sources:
        for block in source.parsed.file.blocks:
            by_payer.setdefault(block.payer, []).append(block)
    for blocks in by_payer.values():
        _payer(checker, blocks)


def _payer(checker: Checker, blocks: list[ast.Block]) -> None:
    codes_of = checker.codes_quiet
    # what earlier unconditional rules did: code -> (block, rule); (code, scope) -> lowest cap
    gone: dict[str, tuple[ast.Block, ast.Rule]] = {}
    caps: dict[tuple[str, str], tuple[int, ast.Block, ast.Rule]] = {}
    for block in blocks:
        for rule in block.rules:
            kind = checker.kinds.kind_of(rule.action)
            selected = kind.named_codes(rule.action, codes_of)
            removers = [gone.get(code) for code in selected or ()]
            if selected and all(
                r is not None and r[0] is not block and _covers(r[0], block) for r in removers
            ):
                first = gone[min(selected)][1]
                checker.warn(
                    codes.SHADOWED_ACROSS_BLOCKS,
                    "this rule can never apply: every code it selects is already removed by "
                    f'rule "{first.id}" ({first.span.file}:{first.span.line}) of the same payer; '
                    "remove one of the two, or give the earlier one a condition",
                    rule.span,
                )
            own = list(kind.caps(rule.action, codes_of))
            lower = [caps.get((code, scope)) for code, scope, _ in own]
            if own and all(
                low is not None
                and low[0] < cap
                and _covers(low[1], block)
                and not (low[1] is block and rule.condition is None)
                for (_, _, cap), low in zip(own, lower, strict=True)
            ):
                code, scope, cap = own[0]
                low = lower[0]
                assert low is not None
                checker.warn(
                    codes.UNREACHABLE_CAP,
                    f"this cap can never be reached: {code} is already limited to {low[0]} "
                    f'units per {scope} by rule "{low[2].id}" ({low[2].span.file}:'
                    f"{low[2].span.line}), before this cap of {cap}; lower the earlier cap's "
                    "reach with a condition, or remove one",
                    rule.span,
                )
            if rule.condition is None:
                for code in kind.removes(rule.action, codes_of) or ():
                    gone.setdefault(code, (block, rule))
                for code, scope, cap in own:
                    low = caps.get((code, scope))
                    if low is None or cap < low[0]:
                        caps[(code, scope)] = (cap, block, rule)
