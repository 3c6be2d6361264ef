"""The compiled rule set, and the runs built on the one primitive (``scrubber.engine.day``):
a whole batch, a stream of days, one patient's day handed over by another engine."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import attrs

from scrubber.actions.days import History, PatientDays
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, VisitState
from scrubber.engine.compile import CompiledBlock, compile_rules
from scrubber.engine.day import DayVisit, GroupOutcome, scrub_day, scrub_patient
from scrubber.engine.merge import merge
from scrubber.engine.trace import Tracer
from scrubber.errors import ScrubberError
from scrubber.lang.checked import BUILTIN_PAYER, CheckedRules
from scrubber.lang.expressions import Condition
from scrubber.lang.expressions.condition import Context
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

    @property
    def reads_history(self) -> bool:
        """Whether a rule reads what happened on other days (``visit.treatment_day``, a cap
        ``per week``): runs then keep each patient's days."""
        return any(rule.reads_history for rule in self.rules)

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
        history: History | str | Path | None = None,
        tracer: Tracer | None = None,
    ) -> ScrubResult:
        """Scrub a whole batch; the result lists visits in export order.

        ``history``: a history store (or the path of its file, opened and closed here) whose
        earlier visits count for the rules that look across visits, and which holds this
        batch's visits once the scrub is done, in one transaction (``scrubber.history``).
        ``progress(done, total)`` is called now and then with the visits scrubbed so far;
        ``tracer`` hears what every rule did to every visit (``scrubber.engine.trace``).
        """
        if not isinstance(batch, Batch):
            raise TypeError(
                f"RuleSet.scrub takes a Batch (see scrubber.read_export), not {type(batch).__name__}"
            )
        with _session(history) as store:
            patients: dict[str, dict[date, list[DayVisit]]] = {}
            for order, visit in enumerate(batch.visits):
                case = batch.case_of(visit)
                patient = batch.patient(case.patient_id)
                days = patients.setdefault(patient.id, {})
                days.setdefault(visit.date_of_service, []).append((order, patient, case, visit))
            resent = {visit.id for visit in batch.visits}
            outcomes: list[GroupOutcome] = []
            total, done = len(batch.visits), 0
            for number, (patient_id, days) in enumerate(patients.items()):
                earlier = self.patient_days(store, patient_id, resent)
                outcomes += scrub_patient(self, list(days.values()), earlier, tracer)
                done += sum(len(group) for group in days.values())
                if progress is not None and number % 200 == 0:
                    progress(done, total)
            if progress is not None:
                progress(total, total)
            if store is not None:
                store.record(fact for outcome in outcomes for fact in outcome.facts)
        return merge(outcomes, batch.rejected)

    def scrub_stream(
        self,
        records: Iterable[LineRecord | Rejected],
        *,
        history: History | str | Path | None = None,
        tracer: Tracer | None = None,
    ) -> Iterator[StreamedDay]:
        """Scrub JSON Lines records one date of service at a time, in bounded memory.

        The records must be sorted by date of service (``scrubber sample --format jsonl`` writes
        them so); a record dated before the day being collected raises ``ScrubberError``, since
        its day has already been scrubbed. Audit sequence numbers run on across days. With a
        ``history``, it holds the stream's visits once the last day is scrubbed (stopping early
        leaves it as it was).
        """
        with _session(history) as store:
            keep = store if store is not None else _days_store(self)
            try:
                yield from self._stream(records, keep, store is not None, tracer)
            finally:
                if keep is not None and keep is not store:
                    keep.close()  # type: ignore[attr-defined]

    def _stream(
        self,
        records: Iterable[LineRecord | Rejected],
        keep: History | None,
        recording: bool,
        tracer: Tracer | None,
    ) -> Iterator[StreamedDay]:
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
                outcome = self._day(day, pending, rejected, seq=seq, keep=keep, tracer=tracer)
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
            yield self._day(day, pending, rejected, seq=seq, keep=keep, tracer=tracer)

    def _day(
        self,
        day: date | None,
        groups: dict[str, list[DayVisit]],
        rejected: list[Rejected],
        *,
        seq: int,
        keep: History | None,
        tracer: Tracer | None,
    ) -> StreamedDay:
        outcomes = []
        resent = {visit.id for group in groups.values() for *_, visit in group}
        for patient_id, group in groups.items():
            outcomes.append(
                scrub_day(self, group, self.patient_days(keep, patient_id, resent), tracer)
            )
        if keep is not None:
            keep.record(fact for outcome in outcomes for fact in outcome.facts)
        result = merge(outcomes, rejected, seq)
        return StreamedDay(day, result.billed, result.exceptions, result.rejected, result.audit)

    def scrub_group(
        self,
        visits: Sequence[DayVisit],
        *,
        earlier: PatientDays | None = None,
        tracer: Tracer | None = None,
    ) -> GroupOutcome:
        """Scrub the visits of one patient on one date of service, each given with its place
        in the whole export (``order``; any increasing numbers), for engines that partition an
        export themselves: rules never look beyond one patient, so an export's patients can be
        scrubbed on different machines and merged by those places
        (``scrubber.engine.merge.merge``). ``earlier``: the patient's earlier days, when rules
        count across visits (``scrubber.engine.day.scrub_patient`` runs a patient's days in
        order)."""
        if len({(p.id, v.date_of_service) for _, p, _, v in visits}) > 1:
            raise ScrubberError("scrub_group takes the visits of one patient on one date")
        return scrub_day(self, visits, earlier, tracer)

    def patient_days(
        self, store: History | None, patient_id: str, resent: set[str]
    ) -> PatientDays | None:
        """The patient's days before a run: the facts of earlier scrubs in ``store`` (minus the
        visits the run sends again, ``resent``: a corrected visit replaces its record); None
        when the run keeps no days (no history, and no rule counts across visits)."""
        if store is None:
            return PatientDays() if self.reads_history else None
        return PatientDays(f for f in store.facts_of(patient_id) if f.visit_id not in resent)

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


@contextmanager
def _session(history: History | str | Path | None) -> Iterator[History | None]:
    """The history for one scrub, in one transaction; a path is opened and closed here."""
    if history is None:
        yield None
        return
    if isinstance(history, str | Path):
        from scrubber.history.store import HistoryStore

        store = HistoryStore.open(history)
        try:
            with store.session():
                yield store
        finally:
            store.close()
        return
    with history.session():
        yield history


def _days_store(rules: RuleSet) -> History | None:
    """Where a stream keeps its patients' days when it has no history of its own and a rule
    counts across visits: a temporary history file, so memory stays flat over the days."""
    if not rules.reads_history:
        return None
    from scrubber.history.store import HistoryStore

    store: History = HistoryStore.temporary()
    return store
