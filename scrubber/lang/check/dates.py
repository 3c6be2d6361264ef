"""The dates stage: every date on the calendar, every block's range not empty."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import attrs

from scrubber.lang import ast, codes
from scrubber.lang.check.checker import Checker

__all__ = ["dates"]


def dates(checker: Checker) -> None:
    """Every date written is on the calendar; every block's range is not empty."""
    for source in checker.sources:
        for node in _nodes(source.parsed.file):
            if isinstance(node, ast.BadDate):
                checker.error(codes.BAD_DATE, f"{node.text} is not a calendar date", node.span)
        for block in source.parsed.file.blocks:
            start, end = block.effective, block.through
            if isinstance(start, date) and isinstance(end, date) and end < start:
                checker.error(codes.EMPTY_RANGE, f"the block ends ({end}) before it starts "
                              f"({start}): it would never apply", block.span)  # fmt: skip


def _nodes(node: Any) -> Iterator[Any]:
    """Every AST node under ``node`` (itself included)."""
    yield node
    if isinstance(node, tuple):
        for item in node:
            yield from _nodes(item)
    elif attrs.has(type(node)) and not isinstance(node, ast.Span):
        for field in attrs.fields(type(node)):
            yield from _nodes(getattr(node, field.name))
