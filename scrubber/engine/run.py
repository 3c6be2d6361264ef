"""One run of the rules over visits, whatever feeds it.

A run is the only place that groups visits into patient-days, applies the policy for a visit id
sent again, builds each patient's earlier days, collects the facts a history keeps, and merges
and numbers what the primitive (``scrubber.engine.day.scrub_day``) gives back. The batch
(``RuleSet.scrub``), the stream (``RuleSet.scrub_stream``), Dask (``scrubber.distributed``),
``explain`` and the rule tests only feed it visits, so they cannot disagree.

The policy for a visit sent again (DESIGN §8, guarantee 4): the history's record of it counts for
the days before the date this run sends it on, the new record from that date on. ``resent`` maps
each visit id of the run to that date, over the whole run (a visit may come back under another
patient); ``scrubber.actions.days.PatientDays`` applies it day by day.

The history is opened by the run's callers and handed in through the ``History`` protocol: the
engine never opens a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import Protocol

import attrs

from scrubber.actions.days import PatientDays
from scrubber.engine.day import DayVisit, GroupOutcome, scrub_day
from scrubber.engine.merge import merge
from scrubber.engine.program import Program
from scrubber.engine.trace import Tracer
from scrubber.errors import ScrubberError
from scrubber.model.history import VisitFact
from scrubber.model.records import Batch, LineRecord, Rejected
from scrubber.model.results import ScrubResult

__all__ = [
    "History",
    "HistoryStores",
    "KeptDays",
    "Run",
    "by_patient",
    "day_visits",
]


class History(Protocol):
    """What a run needs of a history store: the facts of one patient's earlier visits, a place
    to record the facts of a run, and one transaction around the whole run."""

    def facts_of(self, patient_id: str) -> list[VisitFact]: ...

    def record(self, facts: Iterable[VisitFact]) -> None: ...

    def session(self) -> AbstractContextManager[None]: ...


class KeptDays(History, Protocol):
    """Where a stream keeps the facts of the days it has scrubbed (a temporary store, so that
    memory stays flat): also asked on which date the run sent a visit, and closed at the end."""

    def sent_on(self, visit_ids: Iterable[str]) -> dict[str, date]: ...

    def close(self) -> None: ...


class HistoryStores(Protocol):
    """How to open a history file by its path, and a temporary store for a stream's days
    (``scrubber.history.HistoryStore`` is one): handed to a ``RuleSet`` by the layer that knows
    files (``scrubber.load_rules``), never imported by the engine."""

    def open(self, path: str | Path) -> KeptDays: ...

    def temporary(self) -> KeptDays: ...


def day_visits(batch: Batch) -> list[DayVisit]:
    """Every visit of a batch with its patient and case, numbered in export order."""
    return [
        DayVisit(order, batch.patient(case.patient_id), case, visit)
        for order, visit in enumerate(batch.visits)
        for case in (batch.case_of(visit),)
    ]


def by_patient(visits: Iterable[DayVisit]) -> dict[str, dict[date, list[DayVisit]]]:
    """Visits grouped by patient, then by date of service, each group in the order given."""
    patients: dict[str, dict[date, list[DayVisit]]] = {}
    for item in visits:
        days = patients.setdefault(item.patient.id, {})
        days.setdefault(item.visit.date_of_service, []).append(item)
    return patients


@attrs.define
class Run:
    """One scrub's run: the program, the history it reads (never opened or written here but
    through the protocol), the tracer that listens, and the visits the run sends."""

    program: Program
    history: History | None = None
    tracer: Tracer | None = None
    #: visit id -> the date this run sends it on (over the whole run)
    resent: Mapping[str, date] = attrs.Factory(dict)

    @property
    def keeps_days(self) -> bool:
        """Whether patients' days are kept: a history to read and write, or a rule that counts
        across visits."""
        return self.history is not None or self.program.reads_history

    def send(self, visits: Iterable[DayVisit]) -> None:
        """Tell the run the visits it sends (before scrubbing any of their days)."""
        resent = self.resent
        assert isinstance(resent, dict)
        for item in visits:
            resent[item.visit.id] = item.visit.date_of_service

    def earlier(self, patient_id: str, run: Iterable[VisitFact] = ()) -> PatientDays | None:
        """A patient's days before those about to be scrubbed: the history's facts and the
        run's own (``run``); None when the run keeps no days."""
        if not self.keeps_days:
            return None
        history = self.history.facts_of(patient_id) if self.history is not None else []
        resent = self.resent
        if isinstance(resent, _SentBy):
            resent = resent.of(f.visit_id for f in history)
        return PatientDays(history, resent, run)

    def patient(self, patient_id: str, days: Iterable[Sequence[DayVisit]]) -> list[GroupOutcome]:
        """One patient's days in date order, each knowing what the ones before it billed."""
        earlier = self.earlier(patient_id)
        outcomes = []
        for visits in sorted(days, key=lambda group: group[0].visit.date_of_service):
            outcome = scrub_day(self.program, visits, earlier, self.tracer)
            if earlier is not None:
                earlier.add(outcome.facts)
            outcomes.append(outcome)
        return outcomes

    def batch(
        self, visits: Sequence[DayVisit], progress: Callable[[int, int], None] | None = None
    ) -> list[GroupOutcome]:
        """Every patient's days of ``visits`` (a whole export), patient by patient."""
        self.send(visits)
        outcomes: list[GroupOutcome] = []
        total, done = len(visits), 0
        for number, (patient_id, days) in enumerate(by_patient(visits).items()):
            scrubbed = self.patient(patient_id, days.values())
            if self.history is None:  # nothing will record the facts: let them go (issue 29)
                scrubbed = [
                    attrs.evolve(outcome, facts=()) if outcome.facts else outcome
                    for outcome in scrubbed
                ]
            outcomes += scrubbed
            done += sum(len(group) for group in days.values())
            if progress is not None and number % 200 == 0:
                progress(done, total)
        if progress is not None:
            progress(total, total)
        return outcomes

    def record(self, outcomes: Iterable[GroupOutcome]) -> None:
        """Keep the facts of the run's visits in the history (when there is one)."""
        if self.history is not None:
            self.history.record(fact for outcome in outcomes for fact in outcome.facts)

    def stream(
        self, records: Iterable[LineRecord | Rejected], kept: KeptDays | None
    ) -> Iterator[tuple[date | None, ScrubResult, int]]:
        """Scrub records sorted by date of service a day at a time: (date, the day's result
        numbered on from the day before, the units the EMR sent that day). The run's facts go
        to ``kept`` (or to memory when there is none) and to the history once the last day is
        scrubbed."""
        days: KeptDays | None = None
        if self.keeps_days:
            days = kept if kept is not None else _MemoryDays()
            self.resent = _SentBy(days, {})
        seen: set[str] = set()
        seq = 1
        for day, groups, rejected in _days(records):
            outcomes = []
            if isinstance(self.resent, _SentBy):
                self.resent.today = {
                    item.visit.id: item.visit.date_of_service
                    for group in groups.values()
                    for item in group
                }
            for patient_id, group in groups.items():
                run = days.facts_of(patient_id) if days is not None else ()
                earlier = self.earlier(patient_id, run)
                outcomes.append(scrub_day(self.program, group, earlier, self.tracer))
            if days is not None:
                days.record(fact for outcome in outcomes for fact in outcome.facts)
                if self.history is not None:
                    seen.update(groups)
            result = merge(outcomes, rejected, seq)
            seq += len(result.audit)
            del outcomes
            sent = sum(
                charge.units
                for group in groups.values()
                for item in group
                for charge in item.visit.charges
            )
            yield day, result, sent
        if self.history is not None and days is not None:
            self.history.record(fact for patient in sorted(seen) for fact in days.facts_of(patient))


def _days(
    records: Iterable[LineRecord | Rejected],
) -> Iterator[tuple[date | None, dict[str, list[DayVisit]], list[Rejected]]]:
    """Records sorted by date of service as days: (date, visits by patient, rejected records);
    a record dated before the day being collected is a ``ScrubberError`` (its day is done)."""
    day: date | None = None
    pending: dict[str, list[DayVisit]] = {}
    rejected: list[Rejected] = []
    count = 0
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
            yield day, pending, rejected
            pending, rejected, count = {}, [], 0
        day = when
        item = DayVisit(count, record.patient, record.case, record.visit)
        pending.setdefault(record.patient.id, []).append(item)
        count += 1
    if pending or rejected:
        yield day, pending, rejected


class _MemoryDays:
    """A stream's days kept in memory, when no temporary store was handed in."""

    def __init__(self) -> None:
        self._facts: dict[str, list[VisitFact]] = {}
        self._sent: dict[str, date] = {}

    def facts_of(self, patient_id: str) -> list[VisitFact]:
        return list(self._facts.get(patient_id, ()))

    def record(self, facts: Iterable[VisitFact]) -> None:
        for fact in facts:
            self._facts.setdefault(fact.patient_id, []).append(fact)
            self._sent[fact.visit_id] = fact.date_of_service

    def sent_on(self, visit_ids: Iterable[str]) -> dict[str, date]:
        sent = self._sent
        return {visit_id: sent[visit_id] for visit_id in visit_ids if visit_id in sent}

    def session(self) -> AbstractContextManager[None]:
        return nullcontext()

    def close(self) -> None:
        self._facts.clear()


class _SentBy(Mapping[str, date]):
    """The dates a stream sent its visits on: the day being scrubbed (``today``) and the days
    already scrubbed, asked of where they are kept (so that memory stays flat), for the visits
    of one patient's history at a time (``of``)."""

    def __init__(self, days: KeptDays, today: dict[str, date]) -> None:
        self.days = days
        self.today = today

    def of(self, visit_ids: Iterable[str]) -> dict[str, date]:
        """The dates of those of ``visit_ids`` the stream has sent, in one question."""
        today = self.today
        ids = list(visit_ids)
        found = {visit_id: today[visit_id] for visit_id in ids if visit_id in today}
        asked = [visit_id for visit_id in ids if visit_id not in found]
        if asked:
            found.update(self.days.sent_on(asked))
        return found

    def __getitem__(self, visit_id: str) -> date:
        return self.of((visit_id,))[visit_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.today)

    def __len__(self) -> int:
        return len(self.today)
