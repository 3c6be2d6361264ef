"""The scrub result against what the billing system actually holds.

``balance`` explains the EMR against scrubber's own result, so its "nothing unexplained" is true
by construction. Billing is where visits get lost or edited by hand. ``reconcile`` reads
billing's charge report and puts every visit and code on one kind:

    matched            billing holds the units per code that the result bills
    held_pending       held in the result, not in billing: still on Billing Exceptions
    released_hold      held in the result, in billing: fixed and imported later
    late_import        in billing, created after the EMR finalized it (daily totals by created
                       date drift, weekly agree)
    not_flowing        dropped by a rule or nothing billable, and not in billing
    missing_in_billing the result bills it, billing lacks it            (unexplained)
    extra_in_billing   billing holds it, the result does not bill it     (unexplained)
    unit_mismatch      both hold the code with different units           (unexplained)
    charge_mismatch    same units, but the charges differ (when billing's report has an
                       ``amount`` column and the result's lines a charge) (unexplained)

A visit with any unexplained code counts once in ``unexplained_visits``; ``unexplained_units``
adds the absolute differences, so a unit too many and a unit too few do not cancel.

Every figure adds up, because every count is made once, in one row, and the totals are the sum
of the rows: a visit of the export counts in the row of its EMR day and location, a visit only
billing knows in the row of its first charge in billing; billing's units count in the row of the
day and location billing gives each charge, and a visit in billing counts once, in the row of
its first charge there. Each visit has one kind, the first of its codes' kinds in
``VISIT_ORDER`` (unexplained first), so the visits by kind add up to the visits; the units by
kind are those of the codes of each kind.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

import attrs

from scrubber.formats.billing import BillingCharge, BillingRejected, BillingReport
from scrubber.model.records import Batch, Charge, Rejected, Visit
from scrubber.model.results import ScrubResult
from scrubber.reports.periods import Period, period_of

__all__ = [
    "EXPLAINED",
    "KIND_WORDS",
    "VISIT_ORDER",
    "Fact",
    "Kind",
    "ReconcileBy",
    "ReconcileReport",
    "ReconcileRow",
    "fact_words",
    "reconcile",
    "visit_kind",
]


class Kind(enum.StrEnum):
    MATCHED = "matched"
    HELD_PENDING = "held_pending"
    RELEASED_HOLD = "released_hold"
    LATE_IMPORT = "late_import"
    NOT_FLOWING = "not_flowing"
    MISSING_IN_BILLING = "missing_in_billing"
    EXTRA_IN_BILLING = "extra_in_billing"
    UNIT_MISMATCH = "unit_mismatch"
    CHARGE_MISMATCH = "charge_mismatch"


EXPLAINED = frozenset(
    {Kind.MATCHED, Kind.HELD_PENDING, Kind.RELEASED_HOLD, Kind.LATE_IMPORT, Kind.NOT_FLOWING}
)

#: each kind in people's words (reports for people; JSON and CSV keep the kind's name)
KIND_WORDS = {
    Kind.MATCHED: "matched: billing holds what the result bills",
    Kind.HELD_PENDING: "held, still on Billing Exceptions",
    Kind.RELEASED_HOLD: "held, then fixed and imported",
    Kind.LATE_IMPORT: "imported after the day the EMR finalized it",
    Kind.NOT_FLOWING: "not flowing: dropped by a rule, or nothing to bill",
    Kind.MISSING_IN_BILLING: "missing in billing: the result bills it",
    Kind.EXTRA_IN_BILLING: "extra in billing: the result does not bill it",
    Kind.UNIT_MISMATCH: "units apart: both hold the code, with other units",
    Kind.CHARGE_MISMATCH: "charges apart: the same units, other charges",
}

#: the kind a visit counts under: the first of its codes' kinds in this order (what needs
#: looking into first; a billed visit with a code that never flows is a matched visit)
VISIT_ORDER = (
    Kind.MISSING_IN_BILLING, Kind.EXTRA_IN_BILLING, Kind.UNIT_MISMATCH, Kind.CHARGE_MISMATCH,
    Kind.HELD_PENDING,
    Kind.RELEASED_HOLD, Kind.LATE_IMPORT, Kind.MATCHED, Kind.NOT_FLOWING,
)  # fmt: skip


class ReconcileBy(enum.StrEnum):
    DATE_OF_SERVICE = "date_of_service"
    CREATED_ON = "created_on"


@attrs.frozen
class Fact:
    """One visit and code, and its kind. ``cpt`` is empty for a visit with no charge at all."""

    visit_id: str
    cpt: str
    kind: Kind
    #: the units the EMR sent, the result bills (or holds, for a held visit), billing holds
    emr_units: int
    expected_units: int
    billing_units: int
    location: str
    #: the period the EMR side counts in (date of service, or finalized on), None for a visit
    #: billing knows and the export does not
    emr_period: date | None
    #: the period the billing side counts in (its date of service, or created on), None when
    #: billing does not hold it
    billing_period: date | None
    #: the charges the result bills and billing holds for the code (None: a side without one)
    expected_amount: Decimal | None = None
    billing_amount: Decimal | None = None

    @property
    def explained(self) -> bool:
        return self.kind in EXPLAINED

    @property
    def difference(self) -> int:
        """The units apart when unexplained (absolute), else 0."""
        return 0 if self.explained else abs(self.expected_units - self.billing_units)


@attrs.frozen
class ReconcileRow:
    """One period and location (None in the totals)."""

    period: date | None
    location: str | None
    emr_visits: int
    emr_units: int
    expected_visits: int
    expected_units: int
    billing_visits: int
    billing_units: int
    unexplained_visits: int
    unexplained_units: int
    #: (kind, visits, units) in ``Kind`` order: each visit of the row once, under its kind (see
    #: ``VISIT_ORDER``); the units of the codes of each kind (``_kind_units``)
    kinds: tuple[tuple[Kind, int, int], ...]

    @property
    def visits(self) -> int:
        """Every visit this row counts, once: the export's and those only billing knows."""
        return sum(visits for _, visits, _ in self.kinds)


@attrs.frozen
class ReconcileReport:
    by: ReconcileBy
    period: Period
    rows: tuple[ReconcileRow, ...]
    totals: ReconcileRow
    #: every visit and code, matched ones included, in export order then billing order
    facts: tuple[Fact, ...]
    rejected: tuple[Rejected, ...]
    billing_rejected: tuple[BillingRejected, ...]
    #: late imports whose EMR week and billing week differ (weekly totals differ by them)
    crossings: tuple[Fact, ...]

    @property
    def discrepancies(self) -> tuple[Fact, ...]:
        """Every fact that is not ``matched``, explained or not."""
        return tuple(fact for fact in self.facts if fact.kind is not Kind.MATCHED)

    @property
    def unexplained(self) -> tuple[Fact, ...]:
        """The facts to look into: every unexplained one, in export then billing order."""
        return tuple(fact for fact in self.facts if not fact.explained)

    @property
    def reconciled(self) -> bool:
        """Nothing unexplained, and every line of billing's report read."""
        return self.totals.unexplained_visits == 0 and not self.billing_rejected


def _amounts(charges: Iterable[Charge | BillingCharge]) -> dict[str, Decimal]:
    """The charges per code, of the codes whose every line has one."""
    sums: dict[str, Decimal] = {}
    without: set[str] = set()
    for charge in charges:
        if charge.amount is None:
            without.add(charge.cpt)
        else:
            sums[charge.cpt] = sums.get(charge.cpt, Decimal("0.00")) + charge.amount
    return {cpt: amount for cpt, amount in sums.items() if cpt not in without}


def _units(charges: Iterable[Charge | BillingCharge]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for charge in charges:
        counts[charge.cpt] += charge.units
    return counts


class _Visit:
    """One export visit's sides: what the EMR sent, what the result bills or holds."""

    def __init__(self, visit: Visit, emr_day: date) -> None:
        self.visit = visit
        self.emr_day = emr_day
        self.emr = _units(visit.charges)
        self.expected: Counter[str] = Counter()
        self.expected_amounts: dict[str, Decimal] = {}
        self.held: Counter[str] | None = None


def reconcile(
    batch: Batch,
    result: ScrubResult,
    billing: BillingReport,
    by: ReconcileBy | str = ReconcileBy.DATE_OF_SERVICE,
    period: Period | str = Period.DAY,
) -> ReconcileReport:
    """Every visit and code of the export and of billing's report on one kind, per period and
    location and in total. ``by`` chooses the day each side counts on: both on the date of
    service, or the EMR on the day it finalized the visit (its date of service when the export
    has none) and billing on the day the charge was created."""
    by, period = ReconcileBy(by), Period(period)
    visits: dict[str, _Visit] = {}
    for visit in batch.visits:
        day = visit.date_of_service
        if by is ReconcileBy.CREATED_ON and visit.finalized_on is not None:
            day = visit.finalized_on
        visits[visit.id] = _Visit(visit, day)
    for billed in result.billed:
        visits[billed.id].expected = _units(billed.charges)
        visits[billed.id].expected_amounts = _amounts(billed.charges)
    for held in result.exceptions:
        visits[held.visit_id].held = _units(held.charges)
    in_billing: dict[str, list[BillingCharge]] = defaultdict(list)
    for charge in billing.charges:
        in_billing[charge.visit_id].append(charge)

    def billing_day(charge: BillingCharge) -> date:
        return charge.created_on if by is ReconcileBy.CREATED_ON else charge.date_of_service

    facts: list[Fact] = []
    for visit_id, side in visits.items():
        facts.extend(_facts(side, in_billing.get(visit_id, []), period, billing_day))
    for visit_id, charges in in_billing.items():
        if visit_id not in visits:
            for cpt, units in _units(charges).items():
                first = next(c for c in charges if c.cpt == cpt)
                facts.append(Fact(visit_id, cpt, Kind.EXTRA_IN_BILLING, 0, 0, units,
                                  first.location, None, period_of(billing_day(first), period)))  # fmt: skip
    rows, totals = _rows(visits, in_billing, facts, period, billing_day)
    crossings = tuple(
        fact
        for fact in facts
        if fact.kind is Kind.LATE_IMPORT
        and fact.emr_period is not None
        and fact.billing_period is not None
        and period_of(fact.emr_period, Period.WEEK) != period_of(fact.billing_period, Period.WEEK)
    )
    return ReconcileReport(
        by, period, rows, totals, tuple(facts), batch.rejected, billing.rejected, crossings
    )


def _facts(
    side: _Visit,
    charges: list[BillingCharge],
    period: Period,
    billing_day: Callable[[BillingCharge], date],
) -> list[Fact]:
    visit = side.visit
    billed = _units(charges)
    emr_period = period_of(side.emr_day, period)
    days = {c.cpt: period_of(billing_day(c), period) for c in charges}
    late = {c.cpt for c in charges if c.created_on > (visit.finalized_on or visit.date_of_service)}
    amounts = _amounts(charges)

    def fact(cpt: str, kind: Kind, expected: int) -> Fact:
        return Fact(visit.id, cpt, kind, side.emr[cpt], expected, billed[cpt], visit.location,
                    emr_period, days.get(cpt), side.expected_amounts.get(cpt), amounts.get(cpt))  # fmt: skip

    codes = list(dict.fromkeys([*side.emr, *side.expected, *(side.held or ()), *billed]))
    if not codes:
        return [fact("", Kind.NOT_FLOWING, 0)]
    if side.held is not None:
        kind = Kind.RELEASED_HOLD if charges else Kind.HELD_PENDING
        return [fact(cpt, kind, side.held[cpt]) for cpt in codes]
    found = []
    for cpt in codes:
        expected, held_in_billing = side.expected[cpt], billed[cpt]
        ours, theirs = side.expected_amounts.get(cpt), amounts.get(cpt)
        if expected and held_in_billing == expected and ours is not None and theirs is not None \
                and ours != theirs:  # fmt: skip
            kind = Kind.CHARGE_MISMATCH
        elif expected and held_in_billing == expected:
            kind = Kind.LATE_IMPORT if cpt in late else Kind.MATCHED
        elif expected and not held_in_billing:
            kind = Kind.MISSING_IN_BILLING
        elif expected:
            kind = Kind.UNIT_MISMATCH
        elif held_in_billing:
            kind = Kind.EXTRA_IN_BILLING
        else:
            kind = Kind.NOT_FLOWING
        found.append(fact(cpt, kind, expected))
    return found


def _kind_units(fact: Fact) -> int:
    """The units a fact stands for in its kind's count."""
    if fact.kind in (Kind.MISSING_IN_BILLING, Kind.EXTRA_IN_BILLING, Kind.UNIT_MISMATCH):
        return fact.difference
    if fact.kind in (Kind.RELEASED_HOLD, Kind.LATE_IMPORT):
        return fact.billing_units
    if fact.kind is Kind.NOT_FLOWING:
        return fact.emr_units
    return fact.expected_units


def fact_words(fact: Fact) -> str:
    """What a fact is, in people's words; a charge apart shows both charges."""
    words = KIND_WORDS[fact.kind]
    if fact.kind is Kind.CHARGE_MISMATCH:
        words += f" ({fact.expected_amount} in the result, {fact.billing_amount} in billing)"
    return words


def visit_kind(kinds: Iterable[Kind]) -> Kind:
    """The one kind a visit counts under: the first of its codes' kinds in ``VISIT_ORDER``."""
    present = set(kinds)
    return next(kind for kind in VISIT_ORDER if kind in present)


class _Tally:
    """One row's counts. Every count is a sum (no set of ids), so that adding the rows gives
    the totals."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.kind_visits: Counter[Kind] = Counter()
        self.kind_units: Counter[Kind] = Counter()

    def add(self, other: _Tally) -> None:
        self.counts.update(other.counts)
        self.kind_visits.update(other.kind_visits)
        self.kind_units.update(other.kind_units)

    def visit(self, facts: list[Fact]) -> None:
        """One visit's facts, counted in this row: the visit once, under its kind."""
        self.kind_visits[visit_kind(fact.kind for fact in facts)] += 1
        for fact in facts:
            self.kind_units[fact.kind] += _kind_units(fact)
        if any(not fact.explained for fact in facts):
            self.counts["unexplained_visits"] += 1
            self.counts["unexplained_units"] += sum(fact.difference for fact in facts)

    def row(self, period: date | None, location: str | None) -> ReconcileRow:
        c = self.counts
        kinds = tuple(
            (kind, self.kind_visits[kind], self.kind_units[kind])
            for kind in Kind
            if kind in self.kind_visits or kind in self.kind_units
        )
        return ReconcileRow(
            period, location, c["emr_visits"], c["emr_units"], c["expected_visits"],
            c["expected_units"], c["billing_visits"], c["billing_units"],
            c["unexplained_visits"], c["unexplained_units"], kinds,
        )  # fmt: skip


def _rows(
    visits: dict[str, _Visit],
    in_billing: dict[str, list[BillingCharge]],
    facts: list[Fact],
    period: Period,
    billing_day: Callable[[BillingCharge], date],
) -> tuple[tuple[ReconcileRow, ...], ReconcileRow]:
    tallies: dict[tuple[date, str], _Tally] = defaultdict(_Tally)
    by_visit: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        by_visit[fact.visit_id].append(fact)
    first_in_billing: dict[str, tuple[date, str]] = {}
    for visit_id, charges in in_billing.items():
        first = min(charges, key=billing_day)  # the earliest; of one day, the first listed
        first_in_billing[visit_id] = (period_of(billing_day(first), period), first.location)
        tallies[first_in_billing[visit_id]].counts["billing_visits"] += 1
        for charge in charges:
            tally = tallies[(period_of(billing_day(charge), period), charge.location)]
            tally.counts["billing_units"] += charge.units
    for visit_id, side in visits.items():
        tally = tallies[(period_of(side.emr_day, period), side.visit.location)]
        tally.counts["emr_visits"] += 1
        tally.counts["emr_units"] += sum(side.emr.values())
        if sum(side.expected.values()):
            tally.counts["expected_visits"] += 1
            tally.counts["expected_units"] += sum(side.expected.values())
        tally.visit(by_visit[visit_id])
    for visit_id, where in first_in_billing.items():
        if visit_id not in visits:  # a visit only billing knows
            tallies[where].visit(by_visit[visit_id])
    total = _Tally()
    rows = []
    for (when, location), tally in sorted(tallies.items()):
        total.add(tally)
        rows.append(tally.row(when, location))
    return tuple(rows), total.row(None, None)
