"""scrubber: payer rules for therapy charges, every change audited, EMR and billing balanced."""

from typing import TYPE_CHECKING

from scrubber.audit import AuditEntry, HeldVisit, HoldReason, ScrubResult
from scrubber.engine import GroupOutcome, RuleSet, StreamedDay
from scrubber.errors import ExportReadError, RuleError, RuleSetError, ScrubberError, UsageError
from scrubber.io import (
    LineRecord,
    dumps_export,
    iter_jsonl,
    parse_export,
    read_export,
    write_export,
)
from scrubber.model import (
    Address,
    Batch,
    Case,
    Charge,
    Employer,
    Guarantor,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    Phone,
    Provider,
    ProviderRole,
    Rejected,
    RelatedCause,
    Visit,
    mask_ssn,
)
from scrubber.results import dumps_audit, dumps_result, read_result
from scrubber.table_cache import TableCache

__all__ = [
    "Address",
    "AuditEntry",
    "Batch",
    "Case",
    "Charge",
    "Employer",
    "ExportReadError",
    "GroupOutcome",
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
    "RuleError",
    "RuleSet",
    "RuleSetError",
    "ScrubResult",
    "ScrubberError",
    "StreamedDay",
    "TableCache",
    "UsageError",
    "Visit",
    "dumps_audit",
    "dumps_export",
    "dumps_result",
    "iter_jsonl",
    "load_rules",
    "mask_ssn",
    "parse_export",
    "read_export",
    "read_result",
    "write_export",
]

__version__ = "0.1.0"

if TYPE_CHECKING:
    from scrubber.load import load_rules


def __getattr__(name: str) -> object:
    # The rule language (and lark) loads on first use of ``load_rules``: a service that only
    # reads exports, or the engine with rules compiled elsewhere, never imports the parser.
    if name == "load_rules":
        from scrubber.load import load_rules

        return load_rules
    raise AttributeError(f"module 'scrubber' has no attribute {name!r}")
