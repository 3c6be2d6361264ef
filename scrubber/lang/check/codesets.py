"""The codesets stage: every codeset resolved to its codes."""

from __future__ import annotations

from scrubber.lang import ast, codes
from scrubber.lang.check.checker import Checker

__all__ = ["codesets"]


def codesets(checker: Checker) -> None:
    """Every codeset resolved to its codes; a codeset defined in terms of itself is an error."""
    resolving: list[str] = []

    def resolve(name: str) -> frozenset[str]:
        if name in checker.codesets:
            return checker.codesets[name]
        definition = checker.codeset_defs[name]
        if name in resolving:
            cycle = " -> ".join([*resolving[resolving.index(name) :], name])
            checker.error(
                codes.CYCLE, f"codeset {name} is defined in terms of itself ({cycle})",
                definition.span,
            )  # fmt: skip
            return frozenset()
        resolving.append(name)
        found: set[str] = set()
        for item in definition.items:
            if isinstance(item, ast.CodesetRef) and item.name in checker.codeset_defs:
                found |= resolve(item.name)
            else:
                found |= set(checker.code_item(item))
        resolving.pop()
        checker.codesets[name] = frozenset(found)
        return checker.codesets[name]

    for name in checker.codeset_defs:
        resolve(name)
