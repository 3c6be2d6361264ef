"""What a scrub leaves behind: the audit trail, the exceptions, and the result as a whole.

Every change to a charge or a visit is one ``AuditEntry``: which rule (``medicare/mue``) at which
``file:line:column``, which field, before and after, the change in units, and a sentence. The
conservation invariant of DESIGN §5 is checkable from a result alone: for every visit and code,
EMR units = billed units + held units + the units the audit entries took away.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import attrs

from scrubber.model import Charge, Rejected, Visit

__all__ = ["ACTIONS", "AuditEntry", "HeldVisit", "HoldReason", "ScrubResult"]

ACTIONS = ("limit", "drop", "deny", "replace", "add_modifier", "remove_modifier", "hold", "set")


class AuditEntry(NamedTuple):
    """One change. A NamedTuple rather than a frozen attrs class: a scrub makes one per change
    (hundreds of thousands for a large export) and a tuple is built several times faster,
    while staying immutable and comparing by value. Fields are in the order of the written
    audit (``scrubber.results.AUDIT_COLUMNS``)."""

    seq: int
    visit_id: str
    charge_id: str | None
    patient_id: str
    date_of_service: date
    payer: str
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


@attrs.frozen
class HoldReason:
    rule: str
    source: str
    message: str


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
class ScrubResult:
    billed: tuple[Visit, ...]
    exceptions: tuple[HeldVisit, ...]
    rejected: tuple[Rejected, ...]
    audit: tuple[AuditEntry, ...]
