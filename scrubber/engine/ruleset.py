"""The compiled rule set, and the runs built on the one primitive (``scrubber.engine.day``):
a whole batch, a stream of days, one patient's day handed over by another engine."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta

import attrs

from scrubber.engine.compile import CompiledBlock, compile_rules
from scrubber.engine.conditions import Condition, Context
from scrubber.engine.day import DayVisit, GroupOutcome, scrub_day
from scrubber.engine.merge import merge
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Line, VisitState
from scrubber.engine.trace import Tracer
from scrubber.errors import ScrubberError
from scrubber.lang.checked import BUILTIN_PAYER, CheckedRules
from scrubber.model.records import Batch, Case, LineRecord, Patient, Rejected, Visit
from scrubber.model.results import AuditEntry, HeldVisit, ScrubResult

__all__ = ["RuleSet", "StreamedDay"]

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
class RuleSet:
    rules: tuple[CompiledRule, ...] = attrs.field(repr=lambda rules: f"<{len(rules)} rules>")
    blocks: dict[str, tuple[CompiledBlock, ...]] = attrs.field(repr=False)
    #: each payer's name and the condition that chooses its visits, by name
    payers: tuple[tuple[str, Condition], ...] = attrs.field(repr=False)
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

    # -- runs --

    def scrub(
        self,
        batch: Batch,
        progress: Callable[[int, int], None] | None = None,
        *,
        tracer: Tracer | None = None,
    ) -> ScrubResult:
        """Scrub a whole batch; the result lists visits in export order.

        ``progress(done, total)`` is called now and then with the visits scrubbed so far;
        ``tracer`` hears what every rule did to every visit (``scrubber.engine.trace``).
        """
        if not isinstance(batch, Batch):
            raise TypeError(
                f"RuleSet.scrub takes a Batch (see scrubber.read_export), not {type(batch).__name__}"
            )
        groups: dict[tuple[str, date], list[DayVisit]] = {}
        for order, visit in enumerate(batch.visits):
            case = batch.case_of(visit)
            patient = batch.patient(case.patient_id)
            groups.setdefault((patient.id, visit.date_of_service), []).append(
                (order, patient, case, visit)
            )
        outcomes = []
        total, done = len(batch.visits), 0
        for number, group in enumerate(groups.values()):
            outcomes.append(scrub_day(self, group, tracer))
            done += len(group)
            if progress is not None and number % 500 == 0:
                progress(done, total)
        if progress is not None:
            progress(total, total)
        return merge(outcomes, batch.rejected)

    def scrub_stream(
        self, records: Iterable[LineRecord | Rejected], *, tracer: Tracer | None = None
    ) -> Iterator[StreamedDay]:
        """Scrub JSON Lines records one date of service at a time, in bounded memory.

        The records must be sorted by date of service (``scrubber sample --format jsonl`` writes
        them so); a record dated before the day being collected raises ``ScrubberError``, since
        its day has already been scrubbed. Audit sequence numbers run on across days.
        """
        day: date | None = None
        pending: dict[str, list[DayVisit]] = {}
        count = 0
        rejected: list[Rejected] = []
        seq = 1
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
                outcome = self._day(day, pending, rejected, seq, tracer)
                seq += len(outcome.audit)
                pending, rejected, count = {}, [], 0
                yield outcome
                del outcome  # the caller has it: do not hold a day while reading the next
            day = when
            pending.setdefault(record.patient.id, []).append(
                (count, record.patient, record.case, record.visit)
            )
            count += 1
        if pending or rejected:
            yield self._day(day, pending, rejected, seq, tracer)

    def _day(
        self,
        day: date | None,
        groups: dict[str, list[DayVisit]],
        rejected: list[Rejected],
        seq: int,
        tracer: Tracer | None,
    ) -> StreamedDay:
        result = merge((scrub_day(self, g, tracer) for g in groups.values()), rejected, seq)
        return StreamedDay(day, result.billed, result.exceptions, result.rejected, result.audit)

    def scrub_group(
        self, visits: Sequence[DayVisit], *, tracer: Tracer | None = None
    ) -> GroupOutcome:
        """Scrub the visits of one patient on one date of service, each given with its place
        in the whole export (``order``; any increasing numbers), for engines that partition an
        export themselves: rules never look beyond one patient's day, so the groups of an
        export can be scrubbed on different machines and merged by those places
        (``scrubber.engine.merge.merge``)."""
        if len({(p.id, v.date_of_service) for _, p, _, v in visits}) > 1:
            raise ScrubberError("scrub_group takes the visits of one patient on one date")
        return scrub_day(self, visits, tracer)

    # -- what the primitive asks --

    def payers_of(self, patient: Patient, case: Case, visit: Visit) -> frozenset[str]:
        """The payers a visit belongs to (always including ``any``)."""
        context = Context(visit, patient, case)
        return frozenset(
            {BUILTIN_PAYER, *(name for name, test in self.payers if test.test(context))}
        )

    def state(self, patient: Patient, case: Case, visit: Visit, order: int) -> VisitState:
        """A visit's working state, with its lines, as the rules will change them."""
        state = VisitState(visit, order, patient, case, self.payers_of(patient, case, visit))
        state.lines = [Line(charge, state, index) for index, charge in enumerate(visit.charges)]
        return state

    def plan(
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
