"""Writing and reading scrub results: the result document and the audit trail.

Typed against ``scrubber.model.results`` (the engine's output), with the export's converter for
visits and charges, so a result read back from JSON equals the one the engine produced.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import IO, Any, Literal

import cattrs

from scrubber.errors import ExportReadError
from scrubber.formats.convert import converter, validation_messages
from scrubber.formats.emr import read_source_text
from scrubber.formats.jsoncodec import dumps_json, json_default, loads_exact
from scrubber.model.records import Charge, Rejected, Visit
from scrubber.model.results import AuditEntry, HeldVisit, HoldReason, ScrubResult

__all__ = [
    "AUDIT_COLUMNS",
    "audit_record",
    "dumps_audit",
    "dumps_result",
    "read_result",
    "result_document",
]

#: the columns of the written audit: the fields of an entry, in order
AUDIT_COLUMNS: tuple[str, ...] = AuditEntry._fields


def audit_record(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as a JSON object, keys in the documented order. Its values are already
    plain (text, numbers, lists of modifiers, the date for the encoder), so it is a zip."""
    return dict(zip(AUDIT_COLUMNS, entry, strict=True))


def result_document(result: ScrubResult) -> dict[str, Any]:
    """The scrub result as a JSON document: billed visits, exceptions (with each held visit's
    scrubbed charges), rejected records and the audit trail."""
    return {
        "billed": [converter.unstructure(v, Visit) for v in result.billed],
        "exceptions": [
            {
                "visit_id": held.visit_id,
                "patient_id": held.patient_id,
                "date_of_service": held.date_of_service.isoformat(),
                "reasons": [
                    {"rule": r.rule, "source": r.source, "message": r.message} for r in held.reasons
                ],
                "charges": converter.unstructure(held.charges, tuple[Charge, ...]),
            }
            for held in result.exceptions
        ],
        "rejected": [
            {"path": r.path, "id": r.id, "errors": list(r.errors)} for r in result.rejected
        ],
        "audit": [audit_record(entry) for entry in result.audit],
    }


def dumps_result(result: ScrubResult) -> str:
    """Deterministic JSON: the same export and rules give the same bytes."""
    return dumps_json(result_document(result)) + "\n"


def dumps_audit(entries: Iterable[AuditEntry], format: Literal["json", "jsonl", "csv"]) -> str:
    records = [audit_record(entry) for entry in entries]
    if format == "jsonl":
        return "".join(
            json.dumps(r, ensure_ascii=False, default=json_default) + "\n" for r in records
        )
    if format == "json":
        return json.dumps(records, ensure_ascii=False, indent=2, default=json_default) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({
            k: " ".join(v) if isinstance(v, list) else ("" if v is None else v) for k, v in record.items()
        })  # fmt: skip
    return buffer.getvalue()


def read_result(source: str | Path | IO[str]) -> ScrubResult:
    """Read a scrub result written by ``scrubber scrub`` back into a ``ScrubResult``.

    Raises ``ExportReadError`` when the file is not such a result; balancing works on results
    read back exactly as on results fresh from the engine.
    """
    text, name = read_source_text(source)
    try:
        document = loads_exact(text)
    except ValueError as exc:
        raise ExportReadError(name, f"not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not all(
        isinstance(document.get(key), list) for key in ("billed", "exceptions", "rejected", "audit")
    ):
        raise ExportReadError(
            name, "not a scrub result: expected billed, exceptions, rejected and audit lists"
        )
    try:
        billed = converter.structure(document["billed"], tuple[Visit, ...])
        exceptions = tuple(
            HeldVisit(
                str(held["visit_id"]), str(held["patient_id"]), date.fromisoformat(held["date_of_service"]),
                tuple(HoldReason(r["rule"], r["source"], r["message"]) for r in held["reasons"]),
                converter.structure(held.get("charges", []), tuple[Charge, ...]),
            )
            for held in document["exceptions"]
        )  # fmt: skip
        rejected = tuple(
            Rejected(r["path"], r.get("id"), tuple(r["errors"])) for r in document["rejected"]
        )
        audit = tuple(
            AuditEntry(**{**entry, "date_of_service": date.fromisoformat(entry["date_of_service"]),
                          "units_delta": int(entry["units_delta"])})
            for entry in document["audit"]
        )  # fmt: skip
    except (KeyError, TypeError, ValueError, cattrs.BaseValidationError) as exc:
        detail = (
            "; ".join(validation_messages(exc, "result"))
            if isinstance(exc, cattrs.BaseValidationError)
            else repr(exc)
        )
        raise ExportReadError(name, f"not a scrub result ({detail})") from None
    return ScrubResult(billed, exceptions, rejected, audit)
