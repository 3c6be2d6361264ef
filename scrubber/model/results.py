"""What a scrub leaves behind: the audit trail, the exceptions, and the result as a whole.

Every change to a charge or a visit is one ``AuditEntry``: which rule (``medicare/mue``) at which
``file:line:column``, which field, before and after, the change in units, and a sentence. The
conservation invariant is checkable from a result alone: for every visit and code, EMR units =
billed units + held units + the units the audit entries took away (a ``replace`` entry moves
its ``units`` from the old code to the new one).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from scrubber.model.records import Charge, Rejected, Visit

__all__ = [
    "ACTIONS",
    "AuditEntry",
    "HeldVisit",
    "HoldReason",
    "ScrubResult",
    "VisitWarning",
    "cause_of",
]

#: every value of ``AuditEntry.action``
ACTIONS = ("limit", "drop", "deny", "replace", "add_modifier", "remove_modifier", "hold", "set")

#: how balancing names the units an audit action took: a code that never flows (NORCM) and a
#: denial are told apart from the other rules
_CAUSES = {"drop": "never_flows", "deny": "denied"}


def cause_of(action: str) -> str:
    """The balancing cause of the units an entry with this ``action`` took away."""
    return _CAUSES.get(action, "rule")


class AuditEntry(NamedTuple):
    """One change. A NamedTuple rather than a frozen attrs class: a scrub makes one per change
    (hundreds of thousands for a large export) and a tuple is built several times faster,
    while staying immutable and comparing by value. Fields are in the order of the written
    audit (``scrubber.formats.results.AUDIT_COLUMNS``)."""

    seq: int
    visit_id: str
    charge_id: str | None
    patient_id: str
    date_of_service: date
    #: the payer of the rule's block (``any`` for a rule of every payer)
    payer: str
    #: every payer the visit belongs to (``medicare``, ...; ``any`` left out), sorted
    payers: tuple[str, ...]
    location: str
    #: the provider's id
    provider: str
    #: the line's code when the change was made (for ``replace``, the code it had before)
    cpt: str | None
    rule: str
    source: str
    action: str
    field: str
    before: Any
    after: Any
    units_delta: int
    #: the line's units after the change (a ``replace`` moves this many units to the new code)
    units: int | None
    message: str
    #: the exact change of the line's charge (``Decimal``), on every entry of a line with a
    #: charge (0.00 when none); None for a line without a charge
    amount_delta: Decimal | None = None
    #: the line's charge after the change (a ``replace`` moves this charge to the new code)
    amount: Decimal | None = None


@attrs.frozen
class HoldReason:
    """Why a visit is held: the rule, where it is written, its message, and what a specialist
    needs to fix the visit: the rule's description, and the values its condition read (path,
    value as read: text exactly as in the export, an SSN masked)."""

    rule: str
    source: str
    message: str
    description: str = ""
    values: tuple[tuple[str, Any], ...] = ()


@attrs.frozen
class HeldVisit:
    """A visit on the Billing Exceptions list, with every reason and its scrubbed charges."""

    visit_id: str
    patient_id: str
    date_of_service: date
    reasons: tuple[HoldReason, ...]
    #: the charges as they would be imported once the visit is fixed (0-unit lines left out)
    charges: tuple[Charge, ...]


@attrs.frozen
class VisitWarning:
    """A visit flagged for review by a ``warn`` rule (§15): billed as usual (a warning moves no
    unit and writes no audit entry), listed so that a specialist looks at it. The same fields
    as a hold's reason, with the visit it flags."""

    visit_id: str
    patient_id: str
    date_of_service: date
    rule: str
    source: str
    message: str
    description: str = ""
    values: tuple[tuple[str, Any], ...] = ()


@attrs.frozen
class ScrubResult:
    billed: tuple[Visit, ...]
    exceptions: tuple[HeldVisit, ...]
    rejected: tuple[Rejected, ...]
    audit: tuple[AuditEntry, ...]
    #: the visits ``warn`` rules flagged, in export order (then rule order)
    warnings: tuple[VisitWarning, ...] = ()
