"""What several kinds do to lines: group them by scope, cut units from the latest lines first,
record a cut, take a line out.

A scope groups lines of one patient's day (the visits a rule receives) further: ``line`` each
line alone, ``visit`` each visit, ``day`` the whole day; every group also keeps one payer (the
case's ``insurance.payer_id``), since a cap "per day" counts what one payer is billed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING

from scrubber.actions.days import PERIOD_START
from scrubber.actions.state import Line, Recorder
from scrubber.lang.ast import Scope
from scrubber.model.evolve import evolve
from scrubber.words import plural

if TYPE_CHECKING:
    from scrubber.actions.rule import CompiledRule

__all__ = ["already", "by_scope", "cut", "cut_scoped", "payer_of", "reduce", "remove"]


def payer_of(line: Line) -> str:
    return line.state.case.insurance.payer_id


def _scope_key(scope: Scope) -> Callable[[Line], Hashable]:
    if scope is Scope.LINE:
        return lambda line: line.order
    if scope is Scope.VISIT:
        return lambda line: line.state.order
    return payer_of


def by_scope(
    lines: Iterable[Line], scope: Scope, extra: Callable[[Line], Hashable] | None = None
) -> list[list[Line]]:
    """Lines grouped by scope and payer (and ``extra``), each group in export order."""
    key = _scope_key(scope)
    groups: dict[Hashable, list[Line]] = {}
    for line in sorted(lines, key=lambda line: line.order):
        group = (key(line), payer_of(line), extra(line) if extra else None)
        groups.setdefault(group, []).append(line)
    return list(groups.values())


def spent_before(lines: list[Line], scope: Scope, codes: frozenset[str] | None) -> int:
    """Units of ``codes`` already billed in the scope by other days and earlier scrubs: for a
    day, visits of that day scrubbed before (a history); for a week, month or year, also the
    earlier dates of the period. 0 when the run keeps no days."""
    start = PERIOD_START.get(scope)
    state = lines[0].state
    if start is None or state.days is None:
        return 0
    day = state.visit.date_of_service
    return state.days.spent(payer_of(lines[0]), codes, start(day), day)


def cut_scoped(
    lines: list[Line], cap: int, scope: Scope, codes: frozenset[str] | None
) -> tuple[list[tuple[Line, int, int]], int]:
    """``cut`` to what the cap leaves once the units already billed in the scope are spent
    first; and how many those were."""
    spent = spent_before(lines, scope, codes)
    return cut(lines, max(cap - spent, 0)), spent


def already(spent: int, scope: Scope) -> str:
    """ " (5 already billed this week)", for messages; empty when nothing was."""
    if not spent:
        return ""
    when = "that day" if scope is Scope.DAY else f"this {scope}"
    return f" ({spent} already billed {when})"


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


def reduce(
    rule: CompiledRule,
    recorder: Recorder,
    changes: list[tuple[Line, int, int]],
    what: str | Callable[[Line], str],
    how: str,
) -> None:
    """Apply cuts and record one ``limit`` entry each: "WHAT limited from 3 to 2 units HOW"."""
    for line, before, after in changes:
        line.charge = evolve(line.charge, units=after)
        name = what if isinstance(what, str) else what(line)
        rule.emit(
            recorder, line.state, line, action="limit", field="units", before=before, after=after,
            units_delta=after - before, message=f"{name} limited from {before} to {plural(after, 'unit')} {how}",
        )  # fmt: skip


def remove(rule: CompiledRule, recorder: Recorder, line: Line, how: str, why: str) -> None:
    """Take a line out (``drop``: never meant to flow; ``deny``: not payable)."""
    before = line.charge.units
    line.removed = how
    line.charge = evolve(line.charge, units=0)
    rule.emit(
        recorder, line.state, line, action=how, field="units", before=before, after=0,
        units_delta=-before, message=why,
    )  # fmt: skip
