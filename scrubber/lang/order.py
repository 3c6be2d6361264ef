"""The order rules apply in, for ``scrubber check --explain-order``.

Files in name order, blocks in file order, rules in block order; a visit gets the blocks of every
payer its case matches, plus the blocks of ``any``.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrubber.lang import ast
from scrubber.lang.checked import BUILTIN_PAYER, CheckedRules

__all__ = ["application_order"]


def application_order(
    checked: CheckedRules, payer: str
) -> Iterator[tuple[ast.RuleFile, ast.Block, ast.Rule]]:
    for rule_file in checked.files:
        for block in rule_file.blocks:
            if block.payer in (payer, BUILTIN_PAYER):
                for rule in block.rules:
                    yield rule_file, block, rule
