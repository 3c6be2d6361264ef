"""The order rules apply in, for ``scrubber check --explain-order``.

Files in name order, blocks in file order, rules in block order; a visit gets the blocks of every
payer its case matches, plus the blocks of ``any``.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.dsl import ast
from scrubber.dsl.checked import BUILTIN_PAYER, CheckedRules

__all__ = ["application_order", "describe_action"]


def application_order(
    checked: CheckedRules, payer: str
) -> Iterator[tuple[ast.RuleFile, ast.Block, ast.Rule]]:
    for rule_file in checked.files:
        for block in rule_file.blocks:
            if block.payer in (payer, BUILTIN_PAYER):
                for rule in block.rules:
                    yield rule_file, block, rule


def _codes(codes: ast.CodeList | None) -> str:
    if codes is None:
        return ""
    if codes.any:
        return "any"
    words = []
    for item in codes.items:
        if isinstance(item, ast.Code):
            words.append(item.value)
        elif isinstance(item, ast.CodeRange):
            words.append(f"{item.start}..{item.end}")
        else:
            words.append(item.name)
    return " ".join(words)


def describe_action(action: ast.Action) -> str:
    """The action in the words of the language (a short form for listings)."""
    if isinstance(action, ast.Limit):
        return f"limit {_codes(action.codes)} to {action.cap} units per {action.scope}"
    if isinstance(action, ast.LimitTotal):
        return f"limit total of {_codes(action.codes)} to {action.cap} units per {action.scope}"
    if isinstance(action, ast.LimitMinutes):
        return f"limit {_codes(action.codes)} by minutes using {action.method}"
    if isinstance(action, ast.LimitTable | ast.DenyTable):
        verb = "limit" if isinstance(action, ast.LimitTable) else "deny"
        scope = f" per {action.scope}" if action.scope else ""
        return f'{verb} by table "{action.file}"{scope}'
    if isinstance(action, ast.AddModifier):
        return f"add modifier {action.modifier} to {_codes(action.codes)}"
    if isinstance(action, ast.RemoveModifier):
        return f"remove modifier {action.modifier} from {_codes(action.codes)}"
    if isinstance(action, ast.Replace):
        return f"replace {action.old.value} with {action.new.value}"
    if isinstance(action, ast.Drop):
        return f"drop {_codes(action.codes)}"
    if isinstance(action, ast.Deny):
        return f"deny {_codes(action.codes)}"
    if isinstance(action, ast.DenyPair):
        bypass = f" unless modifier {' '.join(action.bypass)}" if action.bypass else ""
        return f"deny {_codes(action.codes)} with {_codes(action.with_codes)} per {action.scope}{bypass}"
    if isinstance(action, ast.Hold):
        target = f" for {_codes(action.codes)}" if action.codes else ""
        return f'hold "{action.message}"{target}'
    return f"set {action.path.name} to {action.value.value}"
