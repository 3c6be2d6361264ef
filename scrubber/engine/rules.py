"""A rule ready to run: its action, its compiled condition, the codes it selects, its tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import attrs

from scrubber.dsl import ast
from scrubber.engine.conditions import Predicate
from scrubber.engine.state import Line, Recorder, VisitState
from scrubber.tables import PairTable, UnitTable

__all__ = ["Apply", "CompiledRule", "in_effect"]


def in_effect(day: date, effective: date | None, through: date | None) -> bool:
    """Whether a block dated ``effective``..``through`` (both ends included, either open)
    applies on ``day``."""
    return (effective is None or effective <= day) and (through is None or day <= through)


Apply = Callable[["CompiledRule", list[VisitState], Recorder], None]


@attrs.frozen
class CompiledRule:
    position: int
    #: FILESTEM/ID, as audit entries name it
    name: str
    #: path:line:column of the action
    source: str
    description: str | None
    payer: str
    effective: date | None
    through: date | None
    action: ast.Action
    condition: Predicate | None = attrs.field(eq=False)
    #: the codes whose lines the rule looks at; None when it looks at every line or the visit
    codes: frozenset[str] | None
    apply: Apply = attrs.field(eq=False, repr=False)
    with_codes: frozenset[str] | None = None
    unit_table: UnitTable | None = attrs.field(default=None, eq=False, repr=False)
    pair_table: PairTable | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def label(self) -> str:
        """How messages name the rule: its description, else its name."""
        return self.description or self.name

    def effective_on(self, day: date) -> bool:
        return in_effect(day, self.effective, self.through)

    def selects(self, line: Line) -> bool:
        """Whether the rule works on this line: a live line of its codes meeting its condition."""
        if line.removed is not None:
            return False
        if self.codes is not None and line.charge.cpt not in self.codes:
            return False
        return self.condition is None or self.condition(line)

    def selected(self, visits: Iterable[VisitState]) -> list[Line]:
        return [line for visit in visits for line in visit.lines if self.selects(line)]

    def emit(self, recorder: Recorder, visit: VisitState, line: Line | None, **fields: Any) -> None:
        recorder.emit(
            rule_name=self.name, source=self.source, payer=self.payer, position=self.position,
            visit=visit, line=line, **fields,
        )  # fmt: skip
