"""Writing and reading scrub results: the result document and the audit trail.

Typed against ``scrubber.model.results`` (the engine's output), with the export's converter for
visits and charges, so a result read back from JSON equals the one the engine produced.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable
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
    "AuditWriter",
    "ResultWriter",
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


def held_record(held: HeldVisit) -> dict[str, Any]:
    return {
        "visit_id": held.visit_id,
        "patient_id": held.patient_id,
        "date_of_service": held.date_of_service.isoformat(),
        "reasons": [
            {"rule": r.rule, "source": r.source, "message": r.message} for r in held.reasons
        ],
        "charges": converter.unstructure(held.charges, tuple[Charge, ...]),
    }


def rejected_record(record: Rejected) -> dict[str, Any]:
    return {"path": record.path, "id": record.id, "errors": list(record.errors)}


def billed_record(visit: Visit) -> dict[str, Any]:
    return converter.unstructure(visit, Visit)  # type: ignore[no-any-return]


#: the sections of a result, in order, and how each item of them is written
SECTIONS: tuple[tuple[str, Callable[[Any], dict[str, Any]]], ...] = (
    ("billed", billed_record),
    ("exceptions", held_record),
    ("rejected", rejected_record),
    ("audit", audit_record),
)


def result_document(result: ScrubResult) -> dict[str, Any]:
    """The scrub result as a JSON document: billed visits, exceptions (with each held visit's
    scrubbed charges), rejected records and the audit trail."""
    return {name: [record(item) for item in getattr(result, name)] for name, record in SECTIONS}


def dumps_result(result: ScrubResult) -> str:
    """Deterministic JSON: the same export and rules give the same bytes."""
    return dumps_json(result_document(result)) + "\n"


class ResultWriter:
    """Writes a result piece by piece (the days of a stream) as the same bytes ``dumps_result``
    gives for the whole: each section's items are spooled to a temporary file as they come, and
    the sections are put together at the end. Memory holds one piece at a time."""

    def __init__(self, target: IO[str]) -> None:
        self._target = target
        # one spool a section, closed by ``close``
        self._spools = {
            name: tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            for name, _ in SECTIONS
        }
        self._counts = dict.fromkeys(self._spools, 0)

    def add(self, result: ScrubResult) -> None:
        for name, record in SECTIONS:
            spool = self._spools[name]
            for item in getattr(result, name):
                text = dumps_json(record(item)).replace("\n", "\n    ")
                spool.write((",\n    " if self._counts[name] else "    ") + text)
                self._counts[name] += 1

    def close(self) -> None:
        out = self._target
        out.write("{")
        for n, (name, _) in enumerate(SECTIONS):
            out.write(f'{"," if n else ""}\n  "{name}": [')
            spool = self._spools[name]
            if self._counts[name]:
                out.write("\n")
                spool.seek(0)
                shutil.copyfileobj(spool, out)
                out.write("\n  ")
            out.write("]")
        out.write("\n}\n")
        self.discard()

    def discard(self) -> None:
        """Let go of the spooled pieces (``close`` does it once the result is written)."""
        for spool in self._spools.values():
            spool.close()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


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
            k: " ".join(v) if isinstance(v, list | tuple) else ("" if v is None else v)
            for k, v in record.items()
        })  # fmt: skip
    return buffer.getvalue()


class AuditWriter:
    """The audit trail written piece by piece (the days of a stream), as ``dumps_audit`` writes
    it whole: CSV with one header, JSON Lines, or one JSON list."""

    def __init__(self, target: IO[str], format: Literal["json", "jsonl", "csv"]) -> None:
        self._target = target
        self._format = format
        self._count = 0

    def add(self, entries: Iterable[AuditEntry]) -> None:
        text = dumps_audit(entries, self._format)
        if self._format == "csv":
            header, _, rows = text.partition("\n")
            text = (header + "\n" if not self._count else "") + rows
            self._count += 1
        elif self._format == "json":
            items = text.strip()[1:-1].strip("\n")
            if items:
                self._target.write(("[\n" if not self._count else ",\n") + items)
                self._count += 1
            return
        self._target.write(text)

    def close(self) -> None:
        if self._format == "json":
            self._target.write("\n]\n" if self._count else "[]\n")
        elif self._format == "csv" and not self._count:
            self._target.write(dumps_audit((), "csv"))


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
                          "units_delta": int(entry["units_delta"]),
                          "payers": tuple(entry["payers"])})
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
