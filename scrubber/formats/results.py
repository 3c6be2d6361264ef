"""Writing and reading scrub results: the result document and the audit trail.

Typed against ``scrubber.model.results`` (the engine's output), with the export's converter for
visits and charges, so a result read back from JSON equals the one the engine produced.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

import attrs

from scrubber.errors import ExportReadError
from scrubber.formats.convert import shown, structure
from scrubber.formats.jsoncodec import dumps_json, json_default, loads_exact
from scrubber.formats.result_warnings import read_warnings
from scrubber.formats.sheets import csv_text
from scrubber.formats.source import read_source_text
from scrubber.model.records import Charge, Rejected, Visit
from scrubber.model.results import (
    ACTIONS,
    AuditEntry,
    HeldVisit,
    HoldReason,
    ScrubResult,
    VisitWarning,
)

__all__ = [
    "AUDIT_COLUMNS",
    "audit_record",
    "dumps_audit",
    "dumps_result",
    "read_result",
    "result_document",
]

#: the money fields of an entry: written only for a line with a charge (§14)
MONEY_COLUMNS: tuple[str, ...] = ("amount_delta", "amount")
#: the columns of the written audit: the fields of an entry, in order (money last)
AUDIT_COLUMNS: tuple[str, ...] = tuple(f for f in AuditEntry._fields if f not in MONEY_COLUMNS)
_BASE = len(AUDIT_COLUMNS)


def audit_record(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as a JSON object, keys in the documented order. Its values are already
    plain (text, numbers, lists of modifiers, the date for the encoder), so it is a zip; the
    money fields follow, as decimal strings, on an entry of a line with a charge."""
    record = dict(zip(AUDIT_COLUMNS, entry[:_BASE], strict=True))
    if entry.amount_delta is not None:
        record["amount_delta"] = str(entry.amount_delta)
        record["amount"] = None if entry.amount is None else str(entry.amount)
    return record


def reason_record(reason: HoldReason | VisitWarning) -> dict[str, Any]:
    """A hold's reason as written: ``values`` maps each path the condition read to its value
    (text exactly as received, money as text, dates as YYYY-MM-DD, lists as lists)."""
    return {
        "rule": reason.rule, "source": reason.source, "message": reason.message,
        "description": reason.description,
        "values": {
            path: list(value) if isinstance(value, tuple) else value for path, value in reason.values
        },
    }  # fmt: skip


def held_record(held: HeldVisit) -> dict[str, Any]:
    return {
        "visit_id": held.visit_id,
        "patient_id": held.patient_id,
        "date_of_service": held.date_of_service.isoformat(),
        "reasons": [reason_record(reason) for reason in held.reasons],
        "charges": [charge_record(charge) for charge in held.charges],
        **_held_money(held),
    }


def _held_money(held: HeldVisit) -> dict[str, str]:
    """The charges a held visit holds up (§14), when any of its lines has a charge, and the
    expected payment it holds up, when any of its lines was priced."""
    money = {}
    for key in ("amount", "expected"):
        amounts = [getattr(c, key) for c in held.charges if getattr(c, key) is not None]
        if amounts:
            money[key] = str(sum(amounts, start=Decimal("0.00")))
    return money


def warning_record(warning: VisitWarning) -> dict[str, Any]:
    """A ``warn`` rule's flag as written (§15): the visit, then the fields of a hold's reason."""
    return {
        "visit_id": warning.visit_id,
        "patient_id": warning.patient_id,
        "date_of_service": warning.date_of_service.isoformat(),
        **reason_record(warning),
    }


def rejected_record(record: Rejected) -> dict[str, Any]:
    return {"path": record.path, "id": record.id, "errors": list(record.errors)}


def charge_record(charge: Charge) -> dict[str, Any]:
    """A charge line as written: what the converter's unstructuring gives (a test compares the
    bytes), written out because a result writes every line of the export (issue 29: cattrs'
    generated functions called a hook per field, most of writing's time). Tuples are written
    as JSON arrays; the amount is left out when there is none."""
    record = {
        "id": charge.id, "cpt": charge.cpt, "units": charge.units, "minutes": charge.minutes,
        "modifiers": charge.modifiers, "diagnosis_codes": charge.diagnosis_codes,
    }  # fmt: skip
    if charge.amount is not None:
        record["amount"] = str(charge.amount)
    if charge.expected is not None:
        record["expected"] = str(charge.expected)
    return record


def billed_record(visit: Visit) -> dict[str, Any]:
    """A billed visit as written: the converter's unstructuring, written out (see above)."""
    finalized = visit.finalized_on
    return {
        "id": visit.id, "case_id": visit.case_id,
        "date_of_service": visit.date_of_service.isoformat(), "location": visit.location,
        "provider": {"id": visit.provider.id, "role": visit.provider.role.value},
        "note_type": visit.note_type.value,
        "charges": [charge_record(charge) for charge in visit.charges],
        "finalized_on": finalized.isoformat() if finalized is not None else None,
    }  # fmt: skip


#: the sections of a result, in order, and how each item of them is written
SECTIONS: tuple[tuple[str, Callable[[Any], dict[str, Any]]], ...] = (
    ("billed", billed_record),
    ("exceptions", held_record),
    ("warnings", warning_record),
    ("rejected", rejected_record),
    ("audit", audit_record),
)


#: sections written only when they hold something: a result without warnings keeps the four
#: sections of §5 (what every reader of results written before §15 expects)
OPTIONAL = frozenset({"warnings"})


def result_document(result: ScrubResult) -> dict[str, Any]:
    """The scrub result as a JSON document: billed visits, exceptions (with each held visit's
    scrubbed charges), the visits ``warn`` rules flagged (only when there are some), rejected
    records and the audit trail."""
    return {
        name: [record(item) for item in getattr(result, name)]
        for name, record in SECTIONS
        if name not in OPTIONAL or getattr(result, name)
    }


def dumps_result(result: ScrubResult) -> str:
    """Deterministic JSON: the same export and rules give the same bytes."""
    return dumps_json(result_document(result)) + "\n"


#: one JSON Lines entry: what ``json.dumps(..., ensure_ascii=False)`` builds for every call,
#: built once (an audit has an entry per change)
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, default=json_default)


def dumps_audit(entries: Iterable[AuditEntry], format: Literal["json", "jsonl", "csv"]) -> str:
    if format == "jsonl":
        encode = _LINE_ENCODER.encode
        return "".join(encode(audit_record(entry)) + "\n" for entry in entries)
    if format == "json":
        # the bytes of ``json.dumps(indent=2, ensure_ascii=False)``, with orjson when installed
        # (as the result's own audit section is written)
        return dumps_json([audit_record(entry) for entry in entries]) + "\n"
    # a row is the entry's written fields as they stand (the money fields are not columns)
    rows = (
        [
            " ".join(v) if isinstance(v, list | tuple) else ("" if v is None else v)
            for v in entry[:_BASE]
        ]
        for entry in entries
    )
    return csv_text(AUDIT_COLUMNS, rows)


@attrs.frozen
class _Reason:
    rule: str
    source: str
    message: str
    # written since reasons say how to fix the visit; a result written before reads as empty
    description: str = ""
    values: dict[str, Any] = attrs.Factory(dict)


@attrs.frozen
class _Held:
    visit_id: str
    patient_id: str
    date_of_service: date
    reasons: tuple[_Reason, ...]
    charges: tuple[Charge, ...] = ()


@attrs.frozen
class _RejectedRecord:
    path: str
    errors: tuple[str, ...]
    id: str | None = None


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _plain(value: Any) -> bool:
    """A before or after value: text, a number, true/false, a list of text, or null."""
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return value is None or isinstance(value, str | int | bool | Decimal)


#: each audit field, what it must be, and how a message says so
_AUDIT_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "seq": (lambda v: _whole(v) and v >= 1, "a whole number from 1"),
    "visit_id": (_text, "text"),
    "charge_id": (lambda v: v is None or _text(v), "text or null"),
    "patient_id": (_text, "text"),
    "date_of_service": (lambda v: _text(v) and _iso_date(v) is not None, "a date as YYYY-MM-DD"),
    "payer": (_text, "text"),
    "payers": (lambda v: isinstance(v, list) and all(map(_text, v)), "a list of text"),
    "location": (_text, "text"),
    "provider": (_text, "text"),
    "cpt": (lambda v: v is None or _text(v), "text or null"),
    "rule": (_text, "text"),
    "source": (_text, "text"),
    "action": (lambda v: v in ACTIONS, "one of " + ", ".join(ACTIONS)),
    "field": (_text, "text"),
    "before": (_plain, "text, a number, a list of text or null"),
    "after": (_plain, "text, a number, a list of text or null"),
    "units_delta": (lambda v: _whole(v) and v <= 0, "a whole number of 0 or less"),
    "units": (lambda v: v is None or (_whole(v) and v >= 0), "a whole number or null"),
    "message": (_text, "text"),
}


def _decimal_text(value: Any) -> Decimal | None:
    """An amount written as a decimal string (``"-33.33"``), else None."""
    if not isinstance(value, str) or not 0 < len(value) <= 256:  # any amount an export holds
        return None
    try:
        amount = Decimal(value)
    except ArithmeticError:
        return None
    return amount if amount.is_finite() else None


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _audit_entry(raw: Any, path: str, problems: list[str]) -> AuditEntry | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: expected an object")
        return None
    values: dict[str, Any] = {}
    for name, (good, words) in _AUDIT_FIELDS.items():
        if name not in raw:
            problems.append(f"{path}.{name}: required value is missing")
            return None
        value = raw[name]
        if not good(value):
            problems.append(f"{path}.{name}: expected {words}, got {shown(value)}")
            return None
        values[name] = value
    for name in MONEY_COLUMNS:
        value = raw.get(name)
        amount = _decimal_text(value)
        if value is not None and amount is None:
            problems.append(f"{path}.{name}: expected an amount as text such as \"-33.33\", "
                            f"got {shown(value)}")  # fmt: skip
            return None
        values[name] = amount
    values["date_of_service"] = _iso_date(values["date_of_service"])
    values["payers"] = tuple(values["payers"])
    return AuditEntry(**values)


def _hold_reason(reason: _Reason) -> HoldReason:
    values = tuple((p, tuple(v) if isinstance(v, list) else v) for p, v in reason.values.items())
    return HoldReason(reason.rule, reason.source, reason.message, reason.description, values)


def read_result(source: str | Path | IO[str]) -> ScrubResult:
    """Read a scrub result written by ``scrubber scrub`` back into a ``ScrubResult``.

    Raises ``ExportReadError`` when the file is not such a result, naming where (up to a few
    places, each with its path: ``result.exceptions[2].reasons``); balancing works on results
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
    problems: list[str] = []

    def typed(raw: list[Any], cls: Any, path: str) -> tuple[Any, ...]:
        found = structure(raw, tuple[cls, ...], path)
        if isinstance(found, list):
            problems.extend(found)
            return ()
        return tuple(found)

    billed = typed(document["billed"], Visit, "result.billed")
    held = typed(document["exceptions"], _Held, "result.exceptions")
    for index, visit in enumerate(held):
        if not visit.reasons:
            problems.append(
                f"result.exceptions[{index}].reasons: a held visit has a reason at least"
            )
        for number, reason in enumerate(visit.reasons):
            for path, value in reason.values.items():
                if not _plain(value):
                    problems.append(
                        f"result.exceptions[{index}].reasons[{number}].values.{path}: expected "
                        f"text, a number, a list of text or null, got {shown(value)}"
                    )
    warnings = read_warnings(document, typed, _plain, problems)
    rejected = typed(document["rejected"], _RejectedRecord, "result.rejected")
    audit = [
        _audit_entry(raw, f"result.audit[{index}]", problems)
        for index, raw in enumerate(document["audit"])
    ]
    if problems:
        shown_problems = "; ".join(problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ExportReadError(name, f"not a scrub result: {shown_problems}{more}")
    exceptions = tuple(
        HeldVisit(h.visit_id, h.patient_id, h.date_of_service,
                  tuple(_hold_reason(r) for r in h.reasons), h.charges)
        for h in held
    )  # fmt: skip
    return ScrubResult(
        billed,
        exceptions,
        tuple(Rejected(r.path, r.id, r.errors) for r in rejected),
        tuple(entry for entry in audit if entry is not None),
        warnings,
    )  # fmt: skip
