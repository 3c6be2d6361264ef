"""EMR against billing: every visit and every unit of difference, explained by its cause.

A pure function of the export (what the EMR sent) and the scrub result (what billing got, what
was held, and the audit trail). For each row (a date, or the week starting on a Monday, and a
location) and in total:

    EMR visits = billed visits + held visits + visits with no billable charge
    EMR units  = billed units  + held units  + units taken by each rule (limits, drops, denials)

The remainder of both is "unexplained" and is always 0; anything else is a bug that the report
and the command line say loudly.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from datetime import date

import attrs

from scrubber.model.measures import UNITS, Measure
from scrubber.model.records import Batch, Rejected, Visit
from scrubber.model.results import AuditEntry, HeldVisit, ScrubResult, cause_of
from scrubber.reports.periods import Period, period_of

__all__ = [
    "NEW_PATIENT_CODES",
    "BalanceReport",
    "BalanceRow",
    "Cause",
    "CauseLine",
    "CodeUnits",
    "balance",
]

#: evaluation codes counted as new-patient visits (their units summed, modifiers included)
NEW_PATIENT_CODES = frozenset({"97161", "97162", "97163"})


class By(enum.StrEnum):
    DATE_OF_SERVICE = "date_of_service"
    FINALIZED_ON = "finalized_on"


@attrs.frozen
class CauseLine:
    """One visit's part in a cause: the drill-down of a report (which visits, which lines)."""

    visit_id: str
    date_of_service: date
    location: str
    #: the line's code, or empty for the visit as a whole (a hold, no billable charge)
    cpt: str
    units: int
    message: str


@attrs.frozen(order=True)
class Cause:
    """One reason for a difference: ``rule`` (a rule took units), ``never_flows`` (dropped, as
    NORCM), ``denied``, ``held`` (on Billing Exceptions, by reason) or ``no_billable_charge``.
    ``lines`` are the visits and lines behind it (not part of its value)."""

    cause: str
    rule: str | None = None
    reason: str | None = None
    visits: int = 0
    units: int = 0
    lines: tuple[CauseLine, ...] = attrs.field(default=(), eq=False, order=False, repr=False)


@attrs.frozen
class CodeUnits:
    """Units of one code on both sides. ``moved_in``/``moved_out`` are units a ``replace`` moved
    (97014 -> G0283), so they are not shown as lost on one code and gained on another."""

    cpt: str
    emr: int = 0
    billed: int = 0
    held: int = 0
    scrubbed: int = 0
    moved_in: int = 0
    moved_out: int = 0


@attrs.frozen
class BalanceRow:
    #: the day, or the Monday of the week; None in the totals
    period: date | None
    #: None in the totals
    location: str | None
    emr_visits: int
    emr_units: int
    billed_visits: int
    billed_units: int
    causes: tuple[Cause, ...]
    new_patient_visits_emr: int
    new_patient_visits_billed: int
    units_by_cpt: tuple[CodeUnits, ...]

    @property
    def difference_visits(self) -> int:
        return self.emr_visits - self.billed_visits

    @property
    def difference_units(self) -> int:
        return self.emr_units - self.billed_units

    @property
    def unexplained_visits(self) -> int:
        return self.difference_visits - sum(c.visits for c in self.causes)

    @property
    def unexplained_units(self) -> int:
        return self.difference_units - sum(c.units for c in self.causes)


@attrs.frozen
class BalanceReport:
    """The figures of ``units`` and ``causes`` are in the report's ``measure``: whole units, or
    for ``charges`` exact ``Decimal`` amounts (every cent explained, DESIGN §14)."""

    by: By
    period: Period
    rows: tuple[BalanceRow, ...]
    totals: BalanceRow
    rejected: tuple[Rejected, ...]
    measure: str = "units"

    @property
    def balanced(self) -> bool:
        return all(
            r.unexplained_visits == 0 == r.unexplained_units for r in (*self.rows, self.totals)
        )


class _Tally:
    """Running sums for one row."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.causes: Counter[tuple[str, str | None, str | None]] = Counter()
        self.cause_visits: Counter[tuple[str, str | None, str | None]] = Counter()
        self.codes: dict[str, Counter[str]] = {}
        self.lines: dict[tuple[str, str | None, str | None], list[CauseLine]] = {}

    def cause(
        self, key: tuple[str, str | None, str | None], visits: int, units: int, line: CauseLine
    ) -> None:
        self.cause_visits[key] += visits
        self.causes[key] += units
        self.lines.setdefault(key, []).append(line)

    def code(self, cpt: str, field: str, units: int) -> None:
        self.codes.setdefault(cpt, Counter())[field] += units

    def add(self, other: _Tally) -> None:
        self.counts.update(other.counts)
        self.causes.update(other.causes)
        self.cause_visits.update(other.cause_visits)
        for cpt, counter in other.codes.items():
            self.codes.setdefault(cpt, Counter()).update(counter)
        for key, lines in other.lines.items():
            self.lines.setdefault(key, []).extend(lines)

    def row(self, period: date | None, location: str | None) -> BalanceRow:
        keys = sorted(
            set(self.causes) | set(self.cause_visits), key=lambda k: (k[0], k[1] or "", k[2] or "")
        )
        causes = tuple(
            Cause(
                kind,
                rule,
                reason,
                self.cause_visits[(kind, rule, reason)],
                self.causes[(kind, rule, reason)],
                tuple(self.lines.get((kind, rule, reason), ())),
            )
            for kind, rule, reason in keys
        )
        codes = tuple(
            CodeUnits(cpt, **dict(counter)) for cpt, counter in sorted(self.codes.items())
        )
        c = self.counts
        return BalanceRow(
            period, location, c["emr_visits"], c["emr_units"], c["billed_visits"], c["billed_units"],
            causes, c["new_emr"], c["new_billed"], codes,
        )  # fmt: skip


def balance(
    batch: Batch,
    result: ScrubResult,
    by: By | str = By.DATE_OF_SERVICE,
    period: Period | str = Period.DAY,
    measure: Measure = UNITS,
) -> BalanceReport:
    """Balance the export against the scrub result. ``by`` chooses the date a visit is counted
    on (its date of service, or the day its note was finalized, falling back to the date of
    service when the export has none); ``period`` groups days into weeks starting on Monday;
    ``measure`` what is counted (units, or the lines' charges: the same bookkeeping)."""
    by, period = By(by), Period(period)
    billed = {visit.id: visit for visit in result.billed}
    held = {h.visit_id: h for h in result.exceptions}
    entries: dict[str, list[AuditEntry]] = {}
    for entry in result.audit:
        entries.setdefault(entry.visit_id, []).append(entry)
    tallies: dict[tuple[date, str], _Tally] = {}
    for visit in batch.visits:
        day = (
            visit.finalized_on
            if by is By.FINALIZED_ON and visit.finalized_on
            else visit.date_of_service
        )
        tally = tallies.setdefault((period_of(day, period), visit.location), _Tally())
        _count_visit(
            tally,
            visit,
            billed.get(visit.id),
            held.get(visit.id),
            entries.get(visit.id, ()),
            measure=measure,
        )
    total = _Tally()
    rows = []
    for (when, location), tally in sorted(tallies.items()):
        total.add(tally)
        rows.append(tally.row(when, location))
    return BalanceReport(
        by, period, tuple(rows), total.row(None, None), batch.rejected, measure.name
    )


def _count_visit(
    tally: _Tally,
    visit: Visit,
    billed: Visit | None,
    held: HeldVisit | None,
    entries: Iterable[AuditEntry],
    *,
    measure: Measure,
) -> None:
    counts = tally.counts
    of = measure.charge_level
    emr_units = sum((of(c) for c in visit.charges), start=measure.zero)
    counts["emr_visits"] += 1
    counts["emr_units"] += emr_units
    counts["new_emr"] += sum(c.units for c in visit.charges if c.cpt in NEW_PATIENT_CODES)
    for c in visit.charges:
        tally.code(c.cpt, "emr", of(c))
    if billed is not None:
        counts["billed_visits"] += 1
        counts["billed_units"] += sum((of(c) for c in billed.charges), start=measure.zero)
        counts["new_billed"] += sum(c.units for c in billed.charges if c.cpt in NEW_PATIENT_CODES)
        for c in billed.charges:
            tally.code(c.cpt, "billed", of(c))
    elif held is not None:
        # A visit held for several reasons counts once, under its first reason.
        first = held.reasons[0]
        units = sum((of(c) for c in held.charges), start=measure.zero)
        message = "; ".join(reason.message for reason in held.reasons)
        line = CauseLine(visit.id, visit.date_of_service, visit.location, "", units, message)
        tally.cause(("held", first.rule, first.message), 1, units, line)
        for c in held.charges:
            tally.code(c.cpt, "held", of(c))
    else:
        message = "no charge at all" if not visit.charges else "every line scrubbed away"
        line = CauseLine(visit.id, visit.date_of_service, visit.location, "", 0, message)
        tally.cause(("no_billable_charge", None, None), 1, measure.zero, line)
    for entry in entries:
        action, delta = entry.action, measure.entry_delta(entry)
        if action == "replace":
            tally.code(str(entry.before), "moved_out", measure.entry_level(entry))
            tally.code(str(entry.after), "moved_in", measure.entry_level(entry))
        elif delta:
            line = CauseLine(visit.id, visit.date_of_service, visit.location, entry.cpt or "",
                             -delta, entry.message)  # fmt: skip
            tally.cause((cause_of(action), entry.rule, None), 0, -delta, line)
            tally.code(entry.cpt or "", "scrubbed", -delta)
