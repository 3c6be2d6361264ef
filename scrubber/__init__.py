"""scrubber: payer rules for therapy charges, every change audited, EMR and billing balanced."""

from scrubber.errors import ExportReadError, ScrubberError, UsageError
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

__all__ = [
    "Address",
    "Batch",
    "Case",
    "Charge",
    "Employer",
    "ExportReadError",
    "Guarantor",
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
    "ScrubberError",
    "UsageError",
    "Visit",
    "dumps_export",
    "iter_jsonl",
    "mask_ssn",
    "parse_export",
    "read_export",
    "write_export",
]

__version__ = "0.1.0"
