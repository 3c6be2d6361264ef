"""One patient across days: what earlier scrubs (the history) and the earlier days of this run
say, for the counts rules read (``visit.treatment_day``) and the units already billed in a
period (``limit ... per week``).

Rules never look beyond one patient, so a patient's days are scrubbed in date order, each with a
``PatientDays`` that holds the facts of the visits before it; after each day, the facts of that
day (with the units it billed) are added. Nothing here reads files: the facts of earlier scrubs
come from a history store through the run (``scrubber.engine.run``), which also says which
visits it sends again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from scrubber.lang.ast import Scope
from scrubber.model.history import VisitCounts, VisitFact, discipline, threshold_of

if TYPE_CHECKING:
    from scrubber.actions.state import VisitState

__all__ = ["PERIOD_START", "PatientDays"]


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
    scrubs (``history``) and from the days of this run already scrubbed (``add``).

    A visit the run sends again (``resent``: its id and the date this run sends it on) replaces
    its history record from that date on: the history's record counts for the days before the
    new record's date, as daily runs see it (DESIGN §8, guarantee 4). Every kind of run builds
    its patient's days here, so they all apply that policy the same way."""

    __slots__ = ("_counts", "_history", "_resent", "_run", "_visible")

    def __init__(
        self,
        history: Iterable[VisitFact] = (),
        resent: Mapping[str, date] | None = None,
        run: Iterable[VisitFact] = (),
    ) -> None:
        self._history: list[VisitFact] = list(history)
        self._resent: Mapping[str, date] = resent if resent is not None else {}
        self._run: list[VisitFact] = list(run)
        self._counts: dict[tuple[str, date, str], VisitCounts] = {}
        self._visible: tuple[date, list[VisitFact]] | None = None

    def add(self, facts: Iterable[VisitFact]) -> None:
        """The facts of a day just scrubbed (its billed units included)."""
        self._run.extend(facts)
        self._counts.clear()
        self._visible = None

    def facts_on(self, day: date) -> list[VisitFact]:
        """The facts that count for a visit on ``day``: this run's, and the history's but for
        the records of visits this run sends again on or before ``day``."""
        visible = self._visible
        if visible is not None and visible[0] == day:
            return visible[1]
        resent = self._resent
        history = self._history
        if history:
            history = [f for f in history if f.visit_id not in resent or day < resent[f.visit_id]]
        facts = [*history, *self._run] if history else self._run
        self._visible = (day, facts)
        return facts

    def counts(self, state: VisitState, today: Sequence[VisitFact]) -> VisitCounts:
        """The counts of a visit, from the facts known and those of its own day (``today``: the
        day's visits as the EMR sent them)."""
        case, day = state.case, state.visit.date_of_service
        own = discipline(state.visit.provider.role)
        key = (case.id, day, own)
        found = self._counts.get(key)
        if found is not None:
            return found
        facts = [*self.facts_on(day), *today]
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
        same = {
            f.date_of_service for f in facts
            if f.had_charge and f.payer_id == payer and f.patient_id == state.patient.id
            and f.date_of_service.year == day.year and f.date_of_service <= day
            and f.discipline == own
        }  # fmt: skip
        found = self._counts[key] = VisitCounts(
            len(treatment), authorized, since, len(year), discipline_year_day=len(same)
        )
        return found

    def year_amount(self, state: VisitState, group: str) -> Decimal | None:
        """The expected payments of the visits before ``state``'s day in its calendar year (and
        on its day, from earlier scrubs), of its patient, payer and threshold ``group``; None
        when one of them was recorded without what it was expected to pay (an older history)."""
        day, patient = state.visit.date_of_service, state.patient.id
        payer = state.case.insurance.payer_id
        total = Decimal("0.00")
        for f in self.facts_on(day):
            if (
                f.patient_id != patient or f.payer_id != payer
                or f.date_of_service.year != day.year or f.date_of_service > day
            ):  # fmt: skip
                continue
            if f.discipline is None:
                if f.had_charge:
                    return None
                continue
            if threshold_of(f.discipline) == group and f.expected is not None:
                total += f.expected
        return total

    def spent(self, payer_id: str, codes: frozenset[str] | None, first: date, last: date) -> int:
        """Units of ``codes`` (None: of any code) billed to ``payer_id`` from ``first`` through
        ``last``."""
        return sum(
            units
            for f in self.facts_on(last)
            if f.payer_id == payer_id and first <= f.date_of_service <= last
            for code, units in f.billed
            if codes is None or code in codes
        )


def _of_case(facts: list[VisitFact], case_id: str, day: date) -> Iterator[VisitFact]:
    return (f for f in facts if f.case_id == case_id and f.date_of_service <= day)
