"""The records scrubber reads and writes, and the field paths rules may read.

``records``: what an EMR export holds (patients, cases, visits, charge lines), frozen, strings kept
exactly as received, money as ``Decimal``. ``results``: what a scrub leaves behind (billed visits,
exceptions, the audit trail). ``fields``: the paths a rule may read and their types, shared by the
checker and the engine. Nothing here reads files or knows the rule language.
"""

from scrubber.model.records import (
    Address,
    Batch,
    Case,
    CaseOrigin,
    Charge,
    Employer,
    Guarantor,
    Insurance,
    InsuranceClass,
    LineRecord,
    NoteType,
    Patient,
    Phone,
    Provider,
    ProviderRole,
    Rejected,
    RelatedCause,
    Visit,
    mask_ssn,
    mask_ssn_like,
    printable,
)
from scrubber.model.results import (
    ACTIONS,
    AuditEntry,
    HeldVisit,
    HoldReason,
    ScrubResult,
    VisitWarning,
    cause_of,
)

__all__ = [
    "ACTIONS",
    "Address",
    "AuditEntry",
    "Batch",
    "Case",
    "CaseOrigin",
    "Charge",
    "Employer",
    "Guarantor",
    "HeldVisit",
    "HoldReason",
    "Insurance",
    "InsuranceClass",
    "LineRecord",
    "NoteType",
    "Patient",
    "Phone",
    "Provider",
    "ProviderRole",
    "Rejected",
    "RelatedCause",
    "ScrubResult",
    "Visit",
    "VisitWarning",
    "cause_of",
    "mask_ssn",
    "mask_ssn_like",
    "printable",
]
