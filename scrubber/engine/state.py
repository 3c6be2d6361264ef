"""The working state of one scrub: visits and their lines as the rules change them.

Records stay frozen; a line's ``charge`` is replaced by an evolved copy at every change, so a
rule always reads the line as the rules before it left it.
"""

from __future__ import annotations

from typing import Any

import attrs

from scrubber.audit import AuditEntry, HoldReason
from scrubber.model import Case, Charge, Patient, Visit, mask_ssn

__all__ = ["AuditKey", "Line", "Recorder", "VisitState"]

#: where an audit entry sits in a scrub: visit order, rule position, line index, emission order
AuditKey = tuple[int, int, int, int]


class Line:
    """One charge line as the rules leave it. It is its own condition context (it has
    ``visit``, ``patient``, ``case`` and ``charge``), so evaluating a condition allocates nothing."""

    __slots__ = ("charge", "index", "removed", "state")

    def __init__(self, charge: Charge, state: VisitState, index: int) -> None:
        self.charge = charge
        self.state = state
        self.index = index
        #: "drop" or "deny" once the line is removed; removed lines are invisible to later rules
        self.removed: str | None = None

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
    #: a visit-level context reads no charge
    charge: None = None


class Recorder:
    """Collects audit entries; sequence numbers are given once the whole scrub is known."""

    def __init__(self) -> None:
        self.entries: list[tuple[AuditKey, dict[str, Any]]] = []
        self._tick = 0

    def emit(
        self,
        *,
        rule_name: str,
        source: str,
        payer: str,
        position: int,
        visit: VisitState,
        line: Line | None,
        action: str,
        field: str,
        before: Any,
        after: Any,
        units_delta: int = 0,
        message: str,
        cpt: str | None = None,
    ) -> None:
        self._tick += 1
        key = (visit.order, position, line.index if line else -1, self._tick)
        if field == "patient.ssn":
            before, after = mask_ssn(before), mask_ssn(after)
        self.entries.append((key, {
            "visit_id": visit.visit.id,
            "charge_id": line.charge.id if line else None,
            "patient_id": visit.patient.id,
            "date_of_service": visit.visit.date_of_service,
            "payer": payer,
            "cpt": cpt if cpt is not None else (line.charge.cpt if line else None),
            "rule": rule_name,
            "source": source,
            "action": action,
            "field": field,
            "before": before,
            "after": after,
            "units_delta": units_delta,
            "message": message,
            "units": line.charge.units if line else None,
        }))  # fmt: skip

    def finish(self) -> list[AuditEntry]:
        ordered = sorted(self.entries, key=lambda item: item[0])
        return [AuditEntry(seq=n, **fields) for n, (_, fields) in enumerate(ordered, start=1)]

    def keyed(self) -> list[tuple[AuditKey, AuditEntry]]:
        """The entries unnumbered (``seq`` 0), each with the key that orders it among the
        entries of a whole scrub: for scrubs split across machines and numbered once merged."""
        return sorted(
            ((key, AuditEntry(seq=0, **fields)) for key, fields in self.entries),
            key=lambda item: item[0],
        )
