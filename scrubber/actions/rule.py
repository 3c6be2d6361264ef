"""A rule ready to run: its action's compiled function, its condition, the codes it selects."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.expressions import Condition
from scrubber.lang.expressions.condition import Predicate, Reader

if TYPE_CHECKING:
    from scrubber.actions.base import ActionKind, Apply

__all__ = ["CompiledRule", "in_effect"]


def in_effect(day: date, effective: date | None, through: date | None) -> bool:
    """Whether a block dated ``effective``..``through`` (both ends included, either open)
    applies on ``day``."""
    return (effective is None or effective <= day) and (through is None or day <= through)


@attrs.frozen
class CompiledRule:
    #: the rule's place in the one global order (files, blocks, rules)
    position: int
    #: FILESTEM/ID, as audit entries name it
    name: str
    #: path:line:column of the action
    source: str
    description: str | None
    payer: str
    effective: date | None
    through: date | None
    action: ast.ActionNode
    kind: ActionKind[Any] = attrs.field(eq=False, repr=False)
    #: the rule's condition (None: it always applies), for tracing
    condition_tree: Condition | None = attrs.field(eq=False, repr=False)
    #: the codes whose lines the rule looks at; None when it looks at every line or the visit
    codes: frozenset[str] | None
    #: works on the whole visit (a hold without ``for``, a ``set``)
    visit_level: bool
    #: codes the action puts on lines (``replace``)
    introduces: frozenset[str]
    #: reads other days of the patient: a count across visits, or a cap per week, month, year
    reads_history: bool
    apply: Apply = attrs.field(eq=False, repr=False)
    #: what the rule does, wherever it is written: its name, description, payer, dates,
    #: action, condition, codes and the content of the tables it reads. Two rule sets whose
    #: rule of one name has the same meaning run it alike (``scrubber.engine.reach``)
    meaning: tuple[object, ...] = attrs.field(default=(), eq=False, repr=False, kw_only=True)
    #: the condition's predicate, or None
    condition: Predicate | None = attrs.field(init=False, eq=False, repr=False)

    @condition.default
    def _predicate(self) -> Predicate | None:
        return None if self.condition_tree is None else self.condition_tree.test

    @property
    def label(self) -> str:
        """How messages name the rule: its description, else its name."""
        return self.description or self.name

    def effective_on(self, day: date) -> bool:
        return in_effect(day, self.effective, self.through)

    def looks_at(self, line: Line) -> bool:
        """A live line of the rule's codes (whatever its condition says)."""
        return line.removed is None and (self.codes is None or line.charge.cpt in self.codes)

    def selects(self, line: Line) -> bool:
        """Whether the rule works on this line: a live line of its codes meeting its condition."""
        if line.removed is not None:
            return False
        if self.codes is not None and line.charge.cpt not in self.codes:
            return False
        return self.condition is None or self.condition(line)

    def selected(self, visits: Iterable[VisitState]) -> list[Line]:
        return [line for visit in visits for line in visit.lines if self.selects(line)]

    def emit(
        self,
        recorder: Recorder,
        visit: VisitState,
        line: Line | None,
        *,
        reader: Reader | None = None,
        **fields: Any,
    ) -> None:
        """Record one change. ``reader``: what the rule's condition was evaluated on, so that a
        tracer learns the values it read (a hold's ZIP code)."""
        recorder.emit(self, visit, line, reader, **fields)
