"""scrubber: payer rules for therapy charges, every change audited, EMR and billing balanced.

```python
import scrubber

rules = scrubber.load_rules()                       # the bundled rules, or a folder of yours
result = rules.scrub(scrubber.read_export("export.json"))
```

The names below are loaded on first use: ``import scrubber`` alone loads neither the rule
language's parser nor the export readers, so a service that only uses part of scrubber pays for
that part only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scrubber._version import __version__ as __version__

if TYPE_CHECKING:
    from scrubber.bulk import paused_gc
    from scrubber.engine.day import GroupOutcome
    from scrubber.engine.ruleset import RuleSet, StreamedDay
    from scrubber.engine.trace import EventKind, TraceEvent, Tracer
    from scrubber.errors import (
        ExportReadError,
        RuleError,
        RuleSetError,
        ScrubberError,
        UsageError,
    )
    from scrubber.formats.emr import (
        dumps_export,
        iter_jsonl,
        parse_export,
        read_export,
        write_export,
    )
    from scrubber.formats.result_writers import AuditWriter, ResultWriter, write_result
    from scrubber.formats.results import (
        dumps_audit,
        dumps_result,
        read_result,
    )
    from scrubber.formats.x12 import Interchange, X12Error, compose_837p, read_x12, write_scrubbed
    from scrubber.load import load_rules, rules_from_text
    from scrubber.model.measures import MEASURES, Measure
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
    )
    from scrubber.model.results import (
        AuditEntry,
        HeldVisit,
        HoldReason,
        ScrubResult,
        VisitWarning,
    )
    from scrubber.tables.cache import TableCache

_RECORDS = (
    *("Address", "Batch", "Case", "CaseOrigin", "Charge", "Employer", "Guarantor", "Insurance"),
    *("InsuranceClass", "LineRecord", "NoteType", "Patient", "Phone", "Provider"),
    *("ProviderRole", "Rejected", "RelatedCause", "Visit", "mask_ssn"),
)

#: public name -> the module that defines it
_HOMES: dict[str, str] = {
    **dict.fromkeys(_RECORDS, "scrubber.model.records"),
    **dict.fromkeys(("MEASURES", "Measure"), "scrubber.model.measures"),
    **dict.fromkeys(
        ("AuditEntry", "HeldVisit", "HoldReason", "ScrubResult", "VisitWarning"),
        "scrubber.model.results",
    ),
    **dict.fromkeys(
        ("ExportReadError", "RuleError", "RuleSetError", "ScrubberError", "UsageError"),
        "scrubber.errors",
    ),
    **dict.fromkeys(
        ("dumps_export", "iter_jsonl", "parse_export", "read_export", "write_export"),
        "scrubber.formats.emr",
    ),
    **dict.fromkeys(("dumps_audit", "dumps_result", "read_result"), "scrubber.formats.results"),
    **dict.fromkeys(
        ("AuditWriter", "ResultWriter", "write_result"), "scrubber.formats.result_writers"
    ),
    **dict.fromkeys(
        ("Interchange", "X12Error", "compose_837p", "read_x12", "write_scrubbed"),
        "scrubber.formats.x12",
    ),
    **dict.fromkeys(("RuleSet", "StreamedDay"), "scrubber.engine.ruleset"),
    **dict.fromkeys(("EventKind", "TraceEvent", "Tracer"), "scrubber.engine.trace"),
    "GroupOutcome": "scrubber.engine.day",
    "TableCache": "scrubber.tables.cache",
    "load_rules": "scrubber.load",
    "rules_from_text": "scrubber.load",
    "paused_gc": "scrubber.bulk",
}

__all__ = [
    "MEASURES",
    "Address",
    "AuditEntry",
    "AuditWriter",
    "Batch",
    "Case",
    "CaseOrigin",
    "Charge",
    "Employer",
    "EventKind",
    "ExportReadError",
    "GroupOutcome",
    "Guarantor",
    "HeldVisit",
    "HoldReason",
    "Insurance",
    "InsuranceClass",
    "Interchange",
    "LineRecord",
    "Measure",
    "NoteType",
    "Patient",
    "Phone",
    "Provider",
    "ProviderRole",
    "Rejected",
    "RelatedCause",
    "ResultWriter",
    "RuleError",
    "RuleSet",
    "RuleSetError",
    "ScrubResult",
    "ScrubberError",
    "StreamedDay",
    "TableCache",
    "TraceEvent",
    "Tracer",
    "UsageError",
    "Visit",
    "VisitWarning",
    "X12Error",
    "compose_837p",
    "dumps_audit",
    "dumps_export",
    "dumps_result",
    "iter_jsonl",
    "load_rules",
    "mask_ssn",
    "parse_export",
    "paused_gc",
    "read_export",
    "read_result",
    "read_x12",
    "rules_from_text",
    "write_export",
    "write_result",
    "write_scrubbed",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'scrubber' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
