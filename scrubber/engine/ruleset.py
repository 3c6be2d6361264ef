"""The compiled rule set: the public face of the engine. Each way of scrubbing (a whole batch, a
stream of days, one patient's day handed over by another engine) feeds the one run
(``scrubber.engine.run``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date
from pathlib import Path

import attrs

from scrubber.actions.days import PatientDays
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import VisitState
from scrubber.engine.compile import CompiledBlock
from scrubber.engine.day import DayVisit, GroupOutcome, scrub_day
from scrubber.engine.merge import merge
from scrubber.engine.program import Plan, Program
from scrubber.engine.run import History, HistoryStores, KeptDays, Run, day_visits
from scrubber.engine.trace import Tracer
from scrubber.errors import ScrubberError, UsageError
from scrubber.lang.checked import CheckedRules
from scrubber.lang.expressions import Condition
from scrubber.model.records import Batch, Case, LineRecord, Patient, Rejected, Visit
from scrubber.model.results import AuditEntry, HeldVisit, ScrubResult, VisitWarning

__all__ = ["RuleSet", "StreamedDay"]


@attrs.frozen
class StreamedDay:
    """The outcome of one date of service in a streamed scrub."""

    #: the date of service (None only for a stream of rejected records alone)
    date_of_service: date | None
    #: the visits billed that day, in the order they were read
    billed: tuple[Visit, ...]
    #: the visits held that day (Billing Exceptions)
    exceptions: tuple[HeldVisit, ...]
    #: the records of that day that could not be read
    rejected: tuple[Rejected, ...]
    #: the day's audit entries, ``seq`` running on from the day before
    audit: tuple[AuditEntry, ...]
    #: the units the EMR sent that day (of the visits read, not rejected): with ``audit``, what
    #: the conservation invariant of DESIGN §5 checks day by day
    emr_units: int = 0
    #: the day's visits ``warn`` rules flagged (billed as usual)
    warnings: tuple[VisitWarning, ...] = ()


@attrs.frozen
class RuleSet:
    """Compiled rules (``RuleSet.compile``), and the runs on them. ``stores``: how to open a
    history by its path and a temporary store for a stream's days (``scrubber.load_rules``
    hands in ``scrubber.history.HistoryStore``); without it, ``history`` must be an open store
    and a stream keeps its patients' days in memory."""

    program: Program
    stores: HistoryStores | None = attrs.field(default=None, repr=False, eq=False)

    @classmethod
    def compile(cls, checked: CheckedRules, *, stores: HistoryStores | None = None) -> RuleSet:
        return cls(Program.compile(checked), stores)

    # -- what the program holds --

    @property
    def rules(self) -> tuple[CompiledRule, ...]:
        return self.program.rules

    @property
    def blocks(self) -> dict[str, tuple[CompiledBlock, ...]]:
        return self.program.blocks

    @property
    def payers(self) -> tuple[tuple[str, Condition], ...]:
        return self.program.payers

    @property
    def reads_history(self) -> bool:
        """Whether a rule reads what happened on other days (``visit.treatment_day``, a cap
        ``per week``): runs then keep each patient's days."""
        return self.program.reads_history

    def payers_of(self, patient: Patient, case: Case, visit: Visit) -> frozenset[str]:
        """The payers a visit belongs to (always including ``any``)."""
        return self.program.payers_of(patient, case, visit)

    def state(self, patient: Patient, case: Case, visit: Visit, order: int) -> VisitState:
        return self.program.state(patient, case, visit, order)

    def plan(self, payers: frozenset[str], day: date, codes: frozenset[str]) -> Plan:
        return self.program.plan(payers, day, codes)

    # -- runs --

    def run(self, history: History | None = None, tracer: Tracer | None = None) -> Run:
        """A run of these rules (``scrubber.engine.run``), for engines that feed it visits."""
        return Run(self.program, history, tracer)

    def scrub(
        self,
        batch: Batch,
        progress: Callable[[int, int], None] | None = None,
        *,
        history: History | str | Path | None = None,
        tracer: Tracer | None = None,
    ) -> ScrubResult:
        """Scrub a whole batch; the result lists visits in export order.

        ``history``: a history store (or the path of its file, opened and closed here when the
        rule set has ``stores``) whose earlier visits count for the rules that look across
        visits, and which holds this batch's visits once the scrub is done, in one transaction
        (``scrubber.history``). ``progress(done, total)`` is called now and then with the
        visits scrubbed so far; ``tracer`` hears what every rule did to every visit
        (``scrubber.engine.trace``).
        """
        if not isinstance(batch, Batch):
            raise TypeError(
                f"RuleSet.scrub takes a Batch (see scrubber.read_export), not {type(batch).__name__}"
            )
        with self._session(history) as store:
            run = self.run(store, tracer)
            outcomes = run.batch(day_visits(batch), progress)
            run.record(outcomes)
        return merge(_let_go(outcomes), batch.rejected)

    def scrub_stream(
        self,
        records: Iterable[LineRecord | Rejected],
        *,
        history: History | str | Path | None = None,
        tracer: Tracer | None = None,
    ) -> Iterator[StreamedDay]:
        """Scrub JSON Lines records one date of service at a time.

        The records must be sorted by date of service (``scrubber sample --format jsonl`` writes
        them so); a record dated before the day being collected raises ``ScrubberError``, since
        its day has already been scrubbed. Audit sequence numbers run on across days. With a
        ``history``, it holds the stream's visits once the last day is scrubbed (stopping early
        leaves it as it was). Memory stays flat over the days when the rule set has ``stores``
        (the days a rule counts across are kept in a temporary file); without, they are kept
        in memory.
        """
        with self._session(history) as store:
            run = self.run(store, tracer)
            kept = self._kept_days() if run.keeps_days else None
            try:
                for day, result, sent in run.stream(records, kept):
                    yield StreamedDay(
                        day, result.billed, result.exceptions, result.rejected, result.audit,
                        sent, result.warnings,
                    )  # fmt: skip
            finally:
                if kept is not None:
                    kept.close()

    def scrub_group(
        self,
        visits: Sequence[DayVisit | tuple[int, Patient, Case, Visit]],
        *,
        earlier: PatientDays | None = None,
        tracer: Tracer | None = None,
    ) -> GroupOutcome:
        """Scrub the visits of one patient on one date of service, each given with its place
        in the whole export (``order``; any increasing numbers), for engines that partition an
        export themselves: rules never look beyond one patient, so an export's patients can be
        scrubbed on different machines and merged by those places
        (``scrubber.engine.merge.merge``). ``earlier``: the patient's earlier days, when rules
        count across visits (``RuleSet.run`` gives a run that builds them, and scrubs a
        patient's days in order)."""
        items = [DayVisit(*item) for item in visits]
        if len({(item.patient.id, item.visit.date_of_service) for item in items}) > 1:
            raise ScrubberError("scrub_group takes the visits of one patient on one date")
        return scrub_day(self.program, items, earlier, tracer)

    # -- histories, opened by the layer that knows files --

    def _session(
        self, history: History | str | Path | None
    ) -> AbstractContextManager[History | None]:
        if history is None:
            return nullcontext()
        if isinstance(history, str | Path):
            if self.stores is None:
                raise UsageError(
                    "a history given by its path needs rules loaded with scrubber.load_rules; "
                    "else open it: scrubber.history.HistoryStore.open(path)"
                )
            return _opened(self.stores.open(history))
        return _within(history)

    def _kept_days(self) -> KeptDays | None:
        return self.stores.temporary() if self.stores is not None else None


def _let_go(outcomes: list[GroupOutcome]) -> Iterator[GroupOutcome]:
    """The outcomes in order, each let go by the list as it is given: merged, a scrub's result
    is held once, not twice (issue 29: the in-memory peak)."""
    outcomes.reverse()
    while outcomes:
        yield outcomes.pop()


@contextmanager
def _opened(store: KeptDays) -> Iterator[History]:
    try:
        with store.session():
            yield store
    finally:
        store.close()


@contextmanager
def _within(history: History) -> Iterator[History]:
    with history.session():
        yield history
