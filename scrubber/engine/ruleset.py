"""The compiled rule set and the scrub itself.

Visits are scrubbed in groups of one patient and one date of service, because ``per day`` caps
and pair edits look across the visits of a day. Within a group the rules run in their one global
order (files by name, blocks, rules); each visit only sees the rules of blocks that apply to it
(its payers, its date), so every visit sees its rules in the documented order and each rule sees
what the earlier ones did. Only the rules indexed under a code present in the group (or that look
at every line) are visited, so a group's work does not grow with the size of the rule set.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta

import attrs

from scrubber.audit import AuditEntry, HeldVisit, ScrubResult
from scrubber.bulk import paused_gc
from scrubber.dsl import ast
from scrubber.dsl.checked import BUILTIN_PAYER, CheckedRules
from scrubber.engine.compile import CompiledBlock, compile_rules
from scrubber.engine.conditions import Context, Predicate
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import AuditKey, Line, Recorder, VisitState
from scrubber.errors import ScrubberError
from scrubber.io import LineRecord
from scrubber.model import Batch, Case, Patient, Rejected, Visit

__all__ = ["GroupOutcome", "RuleSet", "StreamedDay"]

BUILTIN_SOURCE = "scrubber"
_MAX_PLANS = 4096


@attrs.frozen
class StreamedDay:
    """The outcome of one date of service in a streamed scrub."""

    date_of_service: date | None
    billed: tuple[Visit, ...]
    exceptions: tuple[HeldVisit, ...]
    rejected: tuple[Rejected, ...]
    audit: tuple[AuditEntry, ...]


@attrs.frozen
class GroupOutcome:
    """The outcome of one patient's visits on one date of service, scrubbed on their own (see
    ``RuleSet.scrub_group``). Every item carries its place in the whole export, so outcomes
    scrubbed anywhere, in any order, merge into exactly the result of one scrub."""

    billed: tuple[tuple[int, Visit], ...]
    exceptions: tuple[tuple[int, HeldVisit], ...]
    #: entries with ``seq`` 0, numbered once every group's entries are merged by key
    audit: tuple[tuple[AuditKey, AuditEntry], ...]


@attrs.frozen
class RuleSet:
    rules: tuple[CompiledRule, ...] = attrs.field(repr=lambda rules: f"<{len(rules)} rules>")
    blocks: dict[str, tuple[CompiledBlock, ...]] = attrs.field(repr=False)
    payers: tuple[tuple[str, Predicate], ...] = attrs.field(repr=False)
    _plans: dict[
        tuple[frozenset[str], int, frozenset[str]],
        tuple[tuple[CompiledBlock, ...], tuple[int, ...]],
    ] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    #: the dates on which some block starts or stops applying, sorted
    _eras: tuple[date, ...] = attrs.field(init=False, repr=False, eq=False)

    @_eras.default
    def _block_boundaries(self) -> tuple[date, ...]:
        edges = set()
        for block in (b for blocks in self.blocks.values() for b in blocks):
            if block.effective is not None:
                edges.add(block.effective)
            if block.through is not None and block.through < date.max:
                edges.add(block.through + timedelta(days=1))
        return tuple(sorted(edges))

    @classmethod
    def compile(cls, checked: CheckedRules) -> RuleSet:
        rules, blocks, payers = compile_rules(checked)
        return cls(rules, blocks, payers)

    # -- the scrub --

    def scrub(
        self, batch: Batch, progress: Callable[[int, int], None] | None = None
    ) -> ScrubResult:
        """Scrub a whole batch; the result lists visits in export order.

        ``progress(done, total)`` is called now and then with the visits scrubbed so far.
        """
        with paused_gc():
            return self._scrub(batch, progress)

    def _scrub(self, batch: Batch, progress: Callable[[int, int], None] | None) -> ScrubResult:
        recorder = Recorder()
        states, groups = self._groups(batch)
        done = 0
        for number, group in enumerate(groups):
            self._run(group, recorder)
            done += len(group)
            if progress is not None and number % 500 == 0:
                progress(done, len(states))
        if progress is not None:
            progress(len(states), len(states))
        billed, held = self._outcomes(states, recorder)
        return ScrubResult(tuple(billed), tuple(held), batch.rejected, tuple(recorder.finish()))

    def scrub_stream(self, records: Iterable[LineRecord | Rejected]) -> Iterator[StreamedDay]:
        """Scrub JSON Lines records one date of service at a time, in bounded memory.

        The records must be sorted by date of service (``scrubber sample --format jsonl`` writes
        them so); a record dated before the day being collected raises ``ScrubberError``, since
        its day has already been scrubbed. Audit sequence numbers run on across days.
        """
        day: date | None = None
        pending: list[VisitState] = []
        rejected: list[Rejected] = []
        seq = 0
        for record in records:
            if isinstance(record, Rejected):
                rejected.append(record)
                continue
            when = record.visit.date_of_service
            if day is not None and when < day:
                raise ScrubberError(
                    f"line {record.line}: visit {record.visit.id} is dated {when}, before {day}: "
                    "streaming needs the export sorted by date of service"
                )
            if day is not None and when != day and pending:
                outcome = self._scrub_day(day, pending, rejected, seq)
                seq += len(outcome.audit)
                pending, rejected = [], []
                yield outcome
                del outcome  # the caller has it: do not hold a day while reading the next
            day = when
            pending.append(self._state(record.patient, record.case, record.visit, len(pending)))
        if pending or rejected:
            yield self._scrub_day(day, pending, rejected, seq)

    def scrub_group(self, visits: Sequence[tuple[int, Patient, Case, Visit]]) -> GroupOutcome:
        """Scrub the visits of one patient on one date of service, each given with its place
        in the whole export (``order``; any increasing numbers), for engines that partition an
        export themselves: rules never look beyond one patient's day, so the groups of an
        export can be scrubbed on different machines and merged by those places."""
        ordered = sorted(visits, key=lambda item: item[0])
        if len({(p.id, v.date_of_service) for _, p, _, v in ordered}) > 1:
            raise ScrubberError("scrub_group takes the visits of one patient on one date")
        recorder = Recorder()
        states = [self._state(p, c, v, order) for order, p, c, v in ordered]
        if states:
            self._run(states, recorder)
        billed: list[tuple[int, Visit]] = []
        held: list[tuple[int, HeldVisit]] = []
        for state in states:
            one_billed, one_held = self._outcomes([state], recorder)
            billed.extend((state.order, visit) for visit in one_billed)
            held.extend((state.order, visit) for visit in one_held)
        return GroupOutcome(tuple(billed), tuple(held), tuple(recorder.keyed()))

    def _scrub_day(
        self, day: date | None, states: list[VisitState], rejected: list[Rejected], seq: int
    ) -> StreamedDay:
        recorder = Recorder()
        groups: dict[str, list[VisitState]] = {}
        for state in states:
            groups.setdefault(state.patient.id, []).append(state)
        for group in groups.values():
            self._run(group, recorder)
        billed, held = self._outcomes(states, recorder)
        audit = tuple(entry._replace(seq=entry.seq + seq) for entry in recorder.finish())
        return StreamedDay(day, tuple(billed), tuple(held), tuple(rejected), audit)

    # -- internals --

    def payers_of(self, patient: Patient, case: Case, visit: Visit) -> frozenset[str]:
        """The payers a visit belongs to (always including ``any``)."""
        context = Context(visit, patient, case)
        return frozenset({BUILTIN_PAYER, *(name for name, test in self.payers if test(context))})

    def _groups(self, batch: Batch) -> tuple[list[VisitState], list[list[VisitState]]]:
        """The batch's visit states in export order, and the same states by patient and date
        of service (the unit the rules work on)."""
        states = [
            self._state(batch.patient_of(v), batch.case_of(v), v, n)
            for n, v in enumerate(batch.visits)
        ]
        groups: dict[tuple[str, date], list[VisitState]] = {}
        for state in states:
            groups.setdefault((state.patient.id, state.visit.date_of_service), []).append(state)
        return states, list(groups.values())

    def _state(self, patient: Patient, case: Case, visit: Visit, order: int) -> VisitState:
        state = VisitState(visit, order, patient, case, self.payers_of(patient, case, visit))
        state.lines = [Line(charge, state, index) for index, charge in enumerate(visit.charges)]
        return state

    def _plan(
        self, payers: frozenset[str], day: date, codes: frozenset[str]
    ) -> tuple[tuple[CompiledBlock, ...], tuple[int, ...]]:
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

    def _run(self, group: list[VisitState], recorder: Recorder) -> None:
        day = group[0].visit.date_of_service
        payers = (
            group[0].payers if len(group) == 1 else frozenset().union(*(s.payers for s in group))
        )
        codes = frozenset(line.charge.cpt for state in group for line in state.lines)
        blocks, first = self._plan(payers, day, codes)
        if not blocks:
            return
        queue = list(first)
        queued = set(queue)
        while queue:
            position = heapq.heappop(queue)
            rule = self.rules[position]
            targets = [state for state in group if rule.payer in state.payers]
            rule.apply(rule, targets, recorder)
            if isinstance(rule.action, ast.Replace):
                # Lines now carry a new code: later rules on that code join the queue.
                for block in blocks:
                    for later in block.by_code.get(rule.action.new.value, ()):
                        if later > position and later not in queued:
                            queued.add(later)
                            heapq.heappush(queue, later)

    def _outcomes(
        self, states: list[VisitState], recorder: Recorder
    ) -> tuple[list[Visit], list[HeldVisit]]:
        billed: list[Visit] = []
        held: list[HeldVisit] = []
        for state in states:
            scrubbed = attrs.evolve(
                state.visit, charges=tuple(line.charge for line in state.lines if line.billed)
            )
            if state.holds:
                held.append(HeldVisit(
                    state.visit.id, state.patient.id, state.visit.date_of_service,
                    tuple(state.holds), scrubbed.charges,
                ))  # fmt: skip
            elif scrubbed.charges:
                billed.append(scrubbed)
            elif sum(charge.units for charge in state.visit.charges) == 0:
                # Nothing was taken away by a rule, so no entry explains why the visit does
                # not flow: say it (DESIGN §5: every visit is accounted for).
                none = not state.visit.charges
                payer = min(state.payers - {BUILTIN_PAYER}, default=BUILTIN_PAYER)
                recorder.emit(
                    rule_name="scrubber/no-charges" if none else "scrubber/no-units",
                    source=BUILTIN_SOURCE, payer=payer, position=-1, visit=state, line=None,
                    action="drop", field="visit", before=None, after=None,
                    message=(f"visit {state.visit.id} has no charges: nothing flows to billing" if none
                             else f"visit {state.visit.id} has only lines with 0 units: nothing flows to billing"),
                )  # fmt: skip
            # A line points at its visit state and back: break the cycle, so the state is
            # freed now rather than at the next full collection (which a stream of days, or a
            # result written right after the scrub, would otherwise wait for with it in memory).
            state.lines = []
        return billed, held
