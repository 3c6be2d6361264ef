"""What a rule set is once compiled: the rules in their one order, the blocks of each payer, the
payers' conditions, and the plans that say which rules a group visits first.

The scrub primitive (``scrubber.engine.day``) asks the program these questions; the runs
(``scrubber.engine.run``) hand the primitive its groups. Keeping the program apart from the runs
is what lets the primitive import it without the runs importing the primitive back.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import attrs

from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, VisitState
from scrubber.engine.compile import CompiledBlock, compile_rules
from scrubber.lang.checked import BUILTIN_PAYER, CheckedRules
from scrubber.lang.expressions import Condition
from scrubber.lang.expressions.condition import Context, Reader, path_reader
from scrubber.model.records import Case, Patient, Visit
from scrubber.tables.prices import PriceTable, charged

__all__ = ["Program"]

_MAX_PLANS = 4096
#: cases whose payers are remembered: a run scrubs a patient's days together, so the visits of
#: a case come close together; a stream reads new records every line, so a larger memo would
#: only keep thousands of records nobody asks about again (10 MB at 4,096: issue 29's flat
#: memory while streaming)
_MAX_CASES = 256

#: a plan: the blocks in effect, and the positions of the rules to visit first
Plan = tuple[tuple[CompiledBlock, ...], tuple[int, ...]]


@attrs.frozen
class Program:
    """Compiled rules, indexed by payer and by code (``scrubber.engine.compile``)."""

    rules: tuple[CompiledRule, ...] = attrs.field(repr=lambda rules: f"<{len(rules)} rules>")
    blocks: dict[str, tuple[CompiledBlock, ...]] = attrs.field(repr=False)
    #: each payer's name and the condition that chooses its visits, by name
    payers: tuple[tuple[str, Condition], ...] = attrs.field(repr=False)
    #: the clinic's prices for lines that come without an amount (``charges by table``)
    charge_master: PriceTable | None = attrs.field(default=None, repr=False)
    #: what every rule reads besides itself: the payers' definitions and the charge master's
    #: content. Two programs of the same world whose rules mean the same run alike
    #: (``scrubber.engine.reach``); () when unknown (a program not compiled from checked rules)
    world: tuple[object, ...] = attrs.field(default=(), repr=False, eq=False, kw_only=True)
    _plans: dict[tuple[frozenset[str], int, frozenset[str]], Plan] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )
    #: the dates on which some block starts or stops applying, sorted
    _eras: tuple[date, ...] = attrs.field(init=False, repr=False, eq=False)
    #: whether a rule reads what happened on other days (computed once: runs ask per scrub)
    reads_history: bool = attrs.field(init=False, repr=False, eq=False)
    #: id(case) -> (case, patient, payers); the records are kept so that an id is never reused
    _case_payers: dict[int, tuple[Case, Patient, frozenset[str]]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )
    #: how to read every field a payer's condition reads, once each (``payers_of``)
    _payer_reads: tuple[Callable[[Reader], Any], ...] = attrs.field(
        init=False, repr=False, eq=False
    )
    #: the values of those fields -> payers: what the conditions say depends on nothing else
    _payers_by_values: dict[tuple[Any, ...], frozenset[str]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )

    @_payer_reads.default
    def _fields_of_payers(self) -> tuple[Callable[[Reader], Any], ...]:
        paths = sorted({path for _, condition in self.payers for path in condition.paths})
        return tuple(path_reader(path)[1] for path in paths)

    @_eras.default
    def _block_boundaries(self) -> tuple[date, ...]:
        edges = set()
        for block in (b for blocks in self.blocks.values() for b in blocks):
            if block.effective is not None:
                edges.add(block.effective)
            if block.through is not None and block.through < date.max:
                edges.add(block.through + timedelta(days=1))
        return tuple(sorted(edges))

    @reads_history.default
    def _reads_history(self) -> bool:
        return any(rule.reads_history for rule in self.rules)

    @classmethod
    def compile(cls, checked: CheckedRules) -> Program:
        rules, blocks, payers = compile_rules(checked)
        master = checked.charge_master
        world = (
            tuple(sorted(checked.payers.items())),
            None if master is None else master.digest or f"unknown {id(master)}",
        )
        return cls(rules, blocks, payers, master, world=world)

    def payers_of(self, patient: Patient, case: Case, visit: Visit) -> frozenset[str]:
        """The payers a visit belongs to (always including ``any``). A payer's condition reads
        only the case, its insurance and the patient (the checker refuses anything else, E013),
        so the answer is the case's: computed once per case and patient, not once per visit
        (issue 29). Keyed by identity, the records kept so that an id is never reused."""
        known = self._case_payers.get(id(case))
        if known is not None and known[0] is case and known[1] is patient:
            return known[2]
        if len(self._case_payers) >= _MAX_CASES:
            self._case_payers.clear()
        context = Context(visit, patient, case)
        # Cases differ but what payers read of them repeats (an 837P is a case per claim):
        # the conditions are asked once per combination of the values they read.
        values = tuple([read(context) for read in self._payer_reads])
        try:
            payers = self._payers_by_values.get(values)
        except TypeError:  # a value that cannot be a key (none of the fields' types today)
            values, payers = (), None
        if payers is None:
            payers = frozenset(
                {BUILTIN_PAYER, *(name for name, test in self.payers if test.test(context))}
            )
            if values:
                if len(self._payers_by_values) >= _MAX_CASES:
                    self._payers_by_values.clear()
                self._payers_by_values[values] = payers
        self._case_payers[id(case)] = (case, patient, payers)
        return payers

    def state(self, patient: Patient, case: Case, visit: Visit, order: int) -> VisitState:
        """A visit's working state, with its lines, as the rules will change them."""
        state = VisitState(visit, order, patient, case, self.payers_of(patient, case, visit))
        master = self.charge_master
        state.lines = [
            Line(charge if master is None else charged(charge, master), state, index)
            for index, charge in enumerate(visit.charges)
        ]
        return state

    def plan(self, payers: frozenset[str], day: date, codes: frozenset[str]) -> Plan:
        """The blocks in effect and the rules to visit first, for a group's payers, date and
        codes. Memoized by era (the span between two block boundaries) rather than by date, so
        that the days of a long stream share their plans instead of each adding new ones."""
        key = (payers, bisect_right(self._eras, day), codes)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _MAX_PLANS:
                self._plans.clear()
            blocks = tuple(
                b for p in sorted(payers) for b in self.blocks.get(p, ()) if b.effective_on(day)
            )
            first = sorted({p for b in blocks for p in b.general} | {
                p for b in blocks for code in codes for p in b.by_code.get(code, ())
            })  # fmt: skip
            plan = self._plans[key] = (blocks, tuple(first))
        return plan
