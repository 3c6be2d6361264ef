"""One patient across days: what earlier scrubs (the history) and the earlier days of this run
say, for the counts rules read (``visit.treatment_day``) and the units already billed in a
period (``limit ... per week``).

Rules never look beyond one patient, so a patient's days are scrubbed in date order, each with a
``PatientDays`` that holds the facts of the visits before it; after each day, the facts of that
day (with the units it billed) are added. Nothing here reads files: the facts of earlier scrubs
come from a history store (``scrubber.history``) through the ``History`` protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

from scrubber.lang.ast import Scope
from scrubber.model.history import VisitCounts, VisitFact

if TYPE_CHECKING:
    from scrubber.actions.state import VisitState

__all__ = ["PERIOD_START", "History", "PatientDays"]


class History(Protocol):
    """What the engine needs of a history store: the facts of one patient's earlier visits,
    a place to record the facts of a scrub, and one transaction around the whole scrub."""

    def facts_of(self, patient_id: str) -> list[VisitFact]: ...

    def record(self, facts: Iterable[VisitFact]) -> None: ...

    def session(self) -> AbstractContextManager[None]: ...


#: the first day of the period a date falls in: the day itself, its ISO week (from Monday), its
#: calendar month, its calendar year
PERIOD_START = {
    Scope.DAY: lambda day: day,
    Scope.WEEK: lambda day: day - timedelta(days=day.weekday()),
    Scope.MONTH: lambda day: day.replace(day=1),
    Scope.YEAR: lambda day: day.replace(month=1, day=1),
}


class PatientDays:
    """The facts of one patient's visits known before the day being scrubbed: from earlier
    scrubs (minus the visits this run sends again: a corrected visit replaces its record) and
    from the days of this run already scrubbed."""

    __slots__ = ("_counts", "_facts")

    def __init__(self, earlier: Iterable[VisitFact] = ()) -> None:
        self._facts: list[VisitFact] = list(earlier)
        self._counts: dict[tuple[str, date], VisitCounts] = {}

    def add(self, facts: Iterable[VisitFact]) -> None:
        """The facts of a day just scrubbed (its billed units included)."""
        self._facts.extend(facts)
        self._counts.clear()

    def counts(self, state: VisitState, today: Sequence[VisitFact]) -> VisitCounts:
        """The counts of a visit, from the facts known and those of its own day (``today``: the
        day's visits as the EMR sent them)."""
        case, day = state.case, state.visit.date_of_service
        key = (case.id, day)
        found = self._counts.get(key)
        if found is not None:
            return found
        facts = [*self._facts, *today]
        treatment = sorted(
            {f.date_of_service for f in _of_case(facts, case.id, day) if f.had_charge}
        )
        authorized = None
        start, end = case.authorization_start, case.authorization_end
        if start is not None and start <= day and (end is None or day <= end):
            authorized = sum(1 for d in treatment if d >= start)
        reports = [f.date_of_service for f in _of_case(facts, case.id, day) if f.report]
        since = None if not reports else sum(1 for d in treatment if d > max(reports))
        payer = case.insurance.payer_id
        year = {
            f.date_of_service for f in facts
            if f.had_charge and f.payer_id == payer and f.patient_id == state.patient.id
            and f.date_of_service.year == day.year and f.date_of_service <= day
        }  # fmt: skip
        found = self._counts[key] = VisitCounts(len(treatment), authorized, since, len(year))
        return found

    def spent(self, payer_id: str, codes: frozenset[str] | None, first: date, last: date) -> int:
        """Units of ``codes`` (None: of any code) billed to ``payer_id`` from ``first`` through
        ``last``."""
        return sum(
            units
            for f in self._facts
            if f.payer_id == payer_id and first <= f.date_of_service <= last
            for code, units in f.billed
            if codes is None or code in codes
        )


def _of_case(facts: list[VisitFact], case_id: str, day: date) -> Iterator[VisitFact]:
    return (f for f in facts if f.case_id == case_id and f.date_of_service <= day)
