"""Pairing the braces of ``rules`` blocks and sorting statements into a ``RuleFile``: where
a rule outside a block, a block never closed or a stray ``}`` is found."""

from __future__ import annotations

from typing import Any

from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.parse.rules_tree import BlockClose, BlockOpen
from scrubber.lang.parse.syntax_errors import error_at

__all__ = ["assemble"]


def assemble(
    statements: list[Any], file: str, lines: list[str], errors: list[RuleError]
) -> ast.RuleFile:
    """Pair the braces of ``rules`` blocks and sort the statements into a RuleFile."""
    codesets: list[ast.CodesetDef] = []
    payers: list[ast.PayerDef] = []
    blocks: list[ast.Block] = []
    tests: list[ast.RuleTest] = []
    charges: list[ast.ChargeMaster] = []
    open_block: BlockOpen | None = None
    rules: list[ast.Rule] = []

    def close(end: ast.Span | None) -> None:
        assert open_block is not None
        if open_block.broken:
            rules.clear()
            return
        span = open_block.span
        if end is not None:
            span = ast.Span(file, span.line, span.column, end.end_line, end.end_column)
        blocks.append(
            ast.Block(open_block.payer, open_block.effective, open_block.through, tuple(rules),
                      span=span, payer_span=open_block.payer_span)
        )  # fmt: skip
        rules.clear()

    for statement in statements:
        if isinstance(statement, BlockOpen):
            if open_block is not None:
                errors.append(error_at(
                    codes.BLOCKS, f"the rules block opened on line {open_block.span.line} is not closed "
                    "with } before this one", statement.span, lines,
                ))  # fmt: skip
                close(None)
            open_block = statement
        elif isinstance(statement, BlockClose):
            if open_block is None:
                errors.append(
                    error_at(
                        codes.BLOCKS, "} without a rules block to close", statement.span, lines
                    )
                )
            else:
                close(statement.span)
                open_block = None
        elif isinstance(statement, ast.RuleTest):
            if open_block is not None:
                errors.append(error_at(
                    codes.BLOCKS, "a test stands outside rules blocks (close the block with } first)",
                    statement.span, lines,
                ))  # fmt: skip
            tests.append(statement)
        elif isinstance(statement, ast.Rule):
            if open_block is None:
                errors.append(error_at(
                    codes.BLOCKS, "a rule must stand inside a block: rules PAYER { ... }",
                    statement.span, lines,
                ))  # fmt: skip
            else:
                rules.append(statement)
        elif isinstance(statement, ast.ChargeMaster):
            if open_block is not None:
                errors.append(error_at(
                    codes.BLOCKS, "a charge master is named outside rules blocks (close the block "
                    "with } first)", statement.span, lines,
                ))  # fmt: skip
            charges.append(statement)
        elif isinstance(statement, ast.CodesetDef | ast.PayerDef):
            if open_block is not None:
                kind = "codeset" if isinstance(statement, ast.CodesetDef) else "payer"
                errors.append(error_at(
                    codes.BLOCKS, f"a {kind} is defined outside rules blocks (close the block with }} first)",
                    statement.span, lines,
                ))  # fmt: skip
            if isinstance(statement, ast.CodesetDef):
                codesets.append(statement)
            else:
                payers.append(statement)
    if open_block is not None:
        errors.append(
            error_at(
                codes.BLOCKS, "this rules block is never closed with }", open_block.span, lines
            )
        )
        close(None)
    return ast.RuleFile(
        file, tuple(codesets), tuple(payers), tuple(blocks), tuple(tests), tuple(charges)
    )
