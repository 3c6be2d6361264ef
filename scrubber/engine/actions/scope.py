"""Scopes (line, visit, day) and the cut that takes units from the latest lines first."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from scrubber.dsl.ast import Scope
from scrubber.engine.state import Line

__all__ = ["by_scope", "cut"]


def scope_key(scope: Scope) -> Callable[[Line], Hashable]:
    if scope is Scope.LINE:
        return lambda line: line.order
    if scope is Scope.VISIT:
        return lambda line: line.state.order
    return lambda line: 0  # the visits handed to a rule are already one patient and day


def by_scope(
    lines: Iterable[Line], scope: Scope, extra: Callable[[Line], Hashable] | None = None
) -> list[list[Line]]:
    """Lines grouped by scope (and ``extra``), each group in export order."""
    key = scope_key(scope)
    groups: dict[Hashable, list[Line]] = {}
    for line in sorted(lines, key=lambda line: line.order):
        groups.setdefault((key(line), extra(line) if extra else None), []).append(line)
    return list(groups.values())


def cut(lines: list[Line], cap: int) -> list[tuple[Line, int, int]]:
    """Reduce the lines' units to ``cap`` in total, later lines first: (line, before, after)."""
    excess = sum(line.charge.units for line in lines) - cap
    changes = []
    for line in reversed(lines):
        if excess <= 0:
            break
        before = line.charge.units
        take = min(before, excess)
        if take:
            changes.append((line, before, before - take))
            excess -= take
    return changes
