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
    """Every AST node under ``node`` (itself included), walked with a stack and each record
    type's field names looked up once: the language server checks on every keystroke, and a
    recursive generator per value cost a third of checking a 1,000-rule file."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, tuple):
            stack.extend(reversed(item))
            continue
        names = _FIELDS.get(type(item))
        if names is None:
            names = _FIELDS[type(item)] = _fields_of(type(item))
        if names:
            stack.extend(getattr(item, name) for name in reversed(names))


#: each record type's fields to walk into, found once per type
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields_of(kind: type) -> tuple[str, ...]:
    """The fields to walk into of a record type (none for a span or a plain value)."""
    if not attrs.has(kind) or issubclass(kind, ast.Span):
        return ()
    return tuple(field.name for field in attrs.fields(kind))
