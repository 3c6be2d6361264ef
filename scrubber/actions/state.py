"""The working state of one scrub: visits and their lines as the rules change them, and the
recorder of audit entries (which tells a listener of each change: the engine's tracer).

Records stay frozen; a line's ``charge`` is replaced by an evolved copy at every change, so a
rule always reads the line as the rules before it left it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from scrubber.actions.days import PatientDays
from scrubber.model.history import VisitCounts, VisitFact, threshold_group
from scrubber.model.measures import EXACT, expected_payment, rescaled
from scrubber.model.records import Case, Charge, Patient, Visit, mask_ssn
from scrubber.model.results import AuditEntry, HoldReason, VisitWarning

if TYPE_CHECKING:
    from scrubber.actions.rule import CompiledRule
    from scrubber.lang.expressions.condition import Reader

__all__ = ["Applied", "AuditKey", "Line", "Priced", "Recorder", "VisitState", "Warned"]

#: where an audit entry sits in a scrub: visit order, rule position, line index, emission order
AuditKey = tuple[int, int, int, int]

#: told of every change a rule makes: the rule, the visit, the entry, and what the rule's
#: condition was evaluated on (so that a tracer can learn the values it read)
Applied = Callable[["CompiledRule", "VisitState", AuditEntry, "Reader | None"], None]
#: told of every line a ``price`` rule prices (which writes no audit entry): the rule, the
#: visit and what it did, in words (``explain`` shows it)
Priced = Callable[["CompiledRule", "VisitState", str], None]

_WHOLE = Decimal(1)

#: told of every warning a ``warn`` rule gives (which writes no audit entry): the rule, the
#: visit, the warning, and what the rule's condition was evaluated on
Warned = Callable[["CompiledRule", "VisitState", VisitWarning, "Reader | None"], None]


class Line:
    """One charge line as the rules leave it. It is its own condition context (it has
    ``visit``, ``patient``, ``case`` and ``charge``), so evaluating a condition allocates nothing."""

    __slots__ = ("charge", "index", "rate", "removed", "share", "state")

    def __init__(self, charge: Charge, state: VisitState, index: int) -> None:
        if charge.units == 0 and charge.amount is not None:
            # a line of 0 units is never billed nor held: its amount is no charge (§14)
            charge = attrs.evolve(charge, amount=None)
        if charge.expected is not None:
            # what a line is expected to pay is the rules' to say, never the input's
            charge = attrs.evolve(charge, expected=None)
        self.charge = charge
        self.state = state
        self.index = index
        #: "drop" or "deny" once the line is removed; removed lines are invisible to later rules
        self.removed: str | None = None
        #: the price per unit a ``price by table`` rule gave the line (None: not priced), and
        #: the share of it the payer pays (``price ... at N%`` multiplies it)
        self.rate: Decimal | None = None
        self.share = _WHOLE

    @property
    def expected(self) -> Decimal | None:
        """What the line is expected to pay as the rules leave it now (its billed units x its
        price x its share), or None when no rule priced it."""
        if self.rate is None:
            return None
        units = self.charge.units if self.removed is None else 0
        return expected_payment(self.rate, units, self.share)

    def outcome(self) -> Charge:
        """The line as billed or held: its charge with its expected payment (when priced)."""
        expected = self.expected
        if expected is None:
            return self.charge
        return attrs.evolve(self.charge, expected=expected)

    @property
    def visit(self) -> Visit:
        return self.state.visit

    @property
    def patient(self) -> Patient:
        return self.state.patient

    @property
    def case(self) -> Case:
        return self.state.case

    @property
    def counts(self) -> VisitCounts:
        return self.state.counts

    @property
    def therapy_year_amount(self) -> Decimal | None:
        return self.state.therapy_year_amount

    @property
    def billed(self) -> bool:
        return self.removed is None and self.charge.units > 0

    @property
    def order(self) -> tuple[int, int]:
        return (self.state.order, self.index)


@attrs.define(eq=False)
class VisitState:
    """A visit as the rules leave it; also its own (visit-level) condition context."""

    visit: Visit
    #: the visit's position in the export: "later lines lose units first" follows it
    order: int
    patient: Patient
    case: Case
    payers: frozenset[str]
    lines: list[Line] = attrs.field(factory=list)
    holds: list[HoldReason] = attrs.field(factory=list)
    #: what ``warn`` rules flagged (the visit is billed as usual)
    warnings: list[VisitWarning] = attrs.field(factory=list)
    #: a visit-level context reads no charge
    charge: None = None
    #: the patient's other days (history, earlier days of the run), when the run keeps them
    days: PatientDays | None = None
    #: the facts of this visit's day as the EMR sent them (for the counts)
    today: tuple[VisitFact, ...] = ()
    #: the states of the patient's visits of this day (this one included), in export order,
    #: as the rules leave them: what ``visit.therapy_year_amount`` adds up on the visit's date
    group: list[VisitState] = attrs.field(factory=list)
    _counts: VisitCounts | None = attrs.field(default=None, init=False)
    #: the year's expected payments before this visit's day (they do not change while the day
    #: is scrubbed), once read; a one-item list holding None when unknown
    _earlier: list[Decimal | None] | None = attrs.field(default=None, init=False)
    _payers: tuple[str, ...] | None = attrs.field(default=None, init=False)

    @property
    def shown_payers(self) -> tuple[str, ...]:
        """The visit's payers as audit entries list them: sorted, without ``any``."""
        if self._payers is None:
            self._payers = tuple(sorted(self.payers - {"any"}))
        return self._payers

    @property
    def counts(self) -> VisitCounts:
        """``visit.treatment_day`` and the other counts, computed when a rule first reads them."""
        if self._counts is None:
            days = self.days if self.days is not None else PatientDays()
            self._counts = days.counts(self, self.today)
        return self._counts

    @property
    def therapy_year_amount(self) -> Decimal | None:
        """The expected payments of the year that count toward this visit's therapy threshold
        (DESIGN §14): earlier days' (the history and this run) and, on the visit's own date,
        those of the day's visits up to and including this one as the rules leave them now.
        Missing for a provider outside the PT/SLP and OT thresholds, and when an earlier visit
        of the year was recorded by a history that did not keep expected payments."""
        group = threshold_group(self.visit.provider.role)
        if not group:
            return None
        if self._earlier is None:
            days = self.days if self.days is not None else PatientDays()
            self._earlier = [days.year_amount(self, group)]
        earlier = self._earlier[0]
        if earlier is None:
            return None
        payer = self.case.insurance.payer_id
        for other in self.group or (self,):
            if other.order > self.order or other.holds:
                continue
            if other.case.insurance.payer_id != payer:
                continue
            if threshold_group(other.visit.provider.role) != group:
                continue
            for line in other.lines:
                if line.billed and line.rate is not None:
                    earlier += expected_payment(line.rate, line.charge.units, line.share)
        return earlier


class Recorder:
    """Collects the audit entries of one group, each with the key that orders it among the
    entries of a whole scrub (numbered once every group is merged), and tells ``on_applied``
    (the engine's tracer, when a run has one) of each change a rule makes."""

    def __init__(
        self,
        on_applied: Applied | None = None,
        on_priced: Priced | None = None,
        on_warned: Warned | None = None,
    ) -> None:
        self.entries: list[tuple[AuditKey, AuditEntry]] = []
        self.on_applied = on_applied
        self.on_priced = on_priced
        self.on_warned = on_warned
        self._tick = 0

    def priced(self, rule: CompiledRule, visit: VisitState, message: str) -> None:
        """A ``price`` rule priced a line of ``visit``: no audit entry (pricing changes nothing
        billed), only the listener is told."""
        if self.on_priced is not None:
            self.on_priced(rule, visit, message)

    def warn(
        self, rule: CompiledRule, visit: VisitState, warning: VisitWarning, reader: Reader | None
    ) -> None:
        """Flag a visit for review: kept on the visit, told to the tracer, no audit entry (a
        warning changes nothing)."""
        visit.warnings.append(warning)
        if self.on_warned is not None:
            self.on_warned(rule, visit, warning, reader)

    def emit(
        self,
        rule: CompiledRule,
        visit: VisitState,
        line: Line | None,
        reader: Reader | None,
        *,
        action: str,
        field: str,
        before: Any,
        after: Any,
        message: str,
        units_delta: int = 0,
        cpt: str | None = None,
    ) -> None:
        entry = self._add(
            rule.position, visit, line, name=rule.name, source=rule.source, payer=rule.payer,
            action=action, field=field, before=before, after=after, units_delta=units_delta,
            message=message, cpt=cpt,
        )  # fmt: skip
        if self.on_applied is not None:
            self.on_applied(rule, visit, entry, reader)

    def emit_builtin(
        self, name: str, source: str, payer: str, visit: VisitState, message: str
    ) -> None:
        """An entry of scrubber itself (a visit with nothing to bill), not of a rule."""
        self._add(
            -1, visit, None, name=name, source=source, payer=payer, action="drop", field="visit",
            before=None, after=None, units_delta=0, message=message, cpt=None,
        )  # fmt: skip

    def _add(
        self, position: int, visit: VisitState, line: Line | None, *, name: str, source: str,
        payer: str, action: str, field: str, before: Any, after: Any, units_delta: int,
        message: str, cpt: str | None,
    ) -> AuditEntry:  # fmt: skip
        self._tick += 1
        if field == "patient.ssn":
            before, after = mask_ssn(before), mask_ssn(after)
        amount_delta = amount = None
        if line is not None and line.charge.amount is not None:
            amount_delta, amount = _money(line, units_delta)
        entry = AuditEntry(
            0, visit.visit.id, line.charge.id if line else None, visit.patient.id,
            visit.visit.date_of_service, payer, visit.shown_payers, visit.visit.location,
            visit.visit.provider.id,
            cpt if cpt is not None else (line.charge.cpt if line else None),
            name, source, action, field, before, after, units_delta,
            line.charge.units if line else None, message, amount_delta, amount,
        )  # fmt: skip
        self.entries.append(
            ((visit.order, position, line.index if line else -1, self._tick), entry)
        )
        return entry


_NO_CHANGE = Decimal("0.00")


def _money(line: Line, units_delta: int) -> tuple[Decimal, Decimal]:
    """Rescale the charge of a line whose units a rule just changed (its charge still the one
    before the change): charge x after / before to the cent; a removed line keeps no charge. A
    line that had 0 units carries no charge to rescale (balancing counts it as none). The change
    and the charge after it, for the audit entry."""
    charge = line.charge
    old = charge.amount
    assert old is not None
    before = charge.units - units_delta
    if units_delta == 0 and (before == 0 or line.removed is None):
        return _NO_CHANGE, old
    new = rescaled(old, before, 0 if line.removed is not None else charge.units)
    if new != old:
        line.charge = attrs.evolve(charge, amount=new)
    return EXACT.subtract(new, old), new
