"""The payers and blocks stages: what chooses a payer, and blocks of known payers."""

from __future__ import annotations

from scrubber.lang import codes
from scrubber.lang.check.checker import PAYER_SUBJECTS, Checker
from scrubber.lang.checked import BUILTIN_PAYER
from scrubber.lang.words import did_you_mean

__all__ = ["blocks", "payers"]


def payers(checker: Checker) -> None:
    """A payer is chosen by the case: its condition reads the case, insurance and patient."""
    for payer in checker.payer_defs.values():
        checker.expr(
            payer.condition, PAYER_SUBJECTS, "to choose a payer (a payer is chosen by the case)"
        )


def blocks(checker: Checker) -> None:
    """Every block names a payer that is defined."""
    known = [*checker.payer_defs, BUILTIN_PAYER]
    for source in checker.sources:
        for block in source.parsed.file.blocks:
            if block.payer not in known and block.payer not in checker.broken:
                checker.error(
                    codes.UNKNOWN_PAYER,
                    f'unknown payer "{block.payer}"{did_you_mean(block.payer, known)}',
                    block.payer_span,
                )
