"""JSON Lines exports: one visit a line, with its patient and case (DESIGN §3). Records come
one a line, so ``scrub`` streams them a day at a time; a patient or case sent on several lines
must be the same each time (the one ledger, ``scrubber.formats.ledger``, in its compact form, so
memory stays flat over weeks of lines).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO, Any

from scrubber.errors import ExportReadError
from scrubber.formats.convert import (
    InexactNumber,
    converter,
    raw_id,
    shown,
    structure,
    with_fast_parse,
)
from scrubber.formats.input import InputFormat, Read, ReadOptions
from scrubber.formats.jsoncodec import json_default, loads_exact, loads_fast
from scrubber.formats.ledger import Ledger, Place, claims_of_line
from scrubber.model.records import Batch, Case, LineRecord, Patient, Rejected, Visit

__all__ = ["FORMAT", "iter_jsonl", "numbered_lines", "read_lines"]


def iter_jsonl(lines: Iterable[str], file: str | None = None) -> Iterator[LineRecord | Rejected]:
    """Read a JSON Lines export one visit at a time (for streaming large exports).

    Each non-blank line is ``{"patient": {...}, "case": {...}, "visit": {...}}``. A patient or
    case that appears on several lines must be the same each time; a line that contradicts an
    earlier one is rejected, since billing cannot know which of the two is right. ``file``
    names the places in messages (``part-3.jsonl: line 12``), for exports split over files.
    """
    for _, record in numbered_lines(lines, file):
        yield record


def numbered_lines(
    lines: Iterable[str], file: str | None = None
) -> Iterator[tuple[int, LineRecord | Rejected]]:
    """``iter_jsonl`` with the line number of each record (rejected ones included)."""
    ledger = Ledger(repeats=True, compact=True, file=file)
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        place = Place(file, number)
        try:
            raw, fast = loads_fast(text)
            yield number, with_fast_parse(fast, partial(_line_record, raw, place, ledger))
        except InexactNumber:
            yield number, _line_record(loads_exact(text), place, ledger)
        except ValueError as exc:
            yield number, Rejected(str(place), None, (f"{place}: not valid JSON: {exc}",))


def _line_record(raw: Any, place: Place, ledger: Ledger) -> LineRecord | Rejected:
    if not isinstance(raw, dict):
        message = f"{place}: expected an object with patient, case and visit, got {shown(raw)}"
        return Rejected(str(place), None, (message,))
    errors: list[str] = []
    parts: dict[str, Any] = {}
    for key, cls in (("patient", Patient), ("case", Case), ("visit", Visit)):
        where = place.child(key)
        value = (
            structure(raw.get(key), cls, str(where))
            if key in raw
            else [f"{where}: required value is missing"]
        )
        if isinstance(value, list):
            errors.extend(value)
        else:
            parts[key] = value
    if errors:
        return Rejected(str(place), raw_id(raw.get("visit")), tuple(errors))
    patient, case, visit = parts["patient"], parts["case"], parts["visit"]
    claims = claims_of_line(patient, case, visit, place)
    errors = [conflict.message() for conflict in ledger.conflicts(claims)]
    if case.patient_id != patient.id:
        errors.append(f'{place}: case.patient_id: "{case.patient_id}" is not this line\'s patient')
    if visit.case_id != case.id:
        errors.append(f'{place}: visit.case_id: "{visit.case_id}" is not this line\'s case')
    if errors:
        return Rejected(str(place), visit.id, tuple(errors))
    ledger.accept(claims)
    return LineRecord(place.line or 0, patient, case, visit)


def _batch_from_lines(records: Iterable[LineRecord | Rejected]) -> Batch:
    patients: dict[str, Patient] = {}
    cases: dict[str, Case] = {}
    visits: list[Visit] = []
    rejected: list[Rejected] = []
    for record in records:
        if isinstance(record, Rejected):
            rejected.append(record)
            continue
        patients.setdefault(record.patient.id, record.patient)
        cases.setdefault(record.case.id, record.case)
        visits.append(record.visit)
    return Batch(tuple(patients.values()), tuple(cases.values()), tuple(visits), tuple(rejected))


@contextmanager
def read_lines(source: str | Path) -> Iterator[Iterator[str]]:
    """The lines of a JSON Lines export, one at a time (``-``: standard input), for streaming:
    only ``\\n`` ends a record, as in ``read_export``."""
    name = str(source)
    try:
        handle = (
            io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
            if name == "-"
            else open(name, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
        )
    except OSError as exc:
        raise ExportReadError(name, f"cannot read the file ({exc.strerror or exc})") from None
    try:
        yield _decoded(handle, name)
    finally:
        if name != "-":
            handle.close()


def _decoded(handle: IO[str], name: str) -> Iterator[str]:
    try:
        yield from handle
    except UnicodeDecodeError as exc:
        raise ExportReadError(name, f"not UTF-8 text (bad byte at offset {exc.start})") from None


def _read(text: str, name: str, options: ReadOptions) -> Read:
    # Only "\n" ends a record: str.splitlines() would also split on U+2028 and U+0085, which
    # may stand unescaped inside a JSON string.
    batch = _batch_from_lines(iter_jsonl(text.split("\n")))
    if not (batch.visits or batch.rejected):
        raise ExportReadError(name, "the export holds no records (an empty file, or only "
                              "blank lines): nothing to scrub")  # fmt: skip
    return Read(batch, FORMAT)


def _dumps(batch: Batch) -> str:
    """One line a visit, sorted by date of service, as streaming requires."""
    return "".join(
        json.dumps(line, ensure_ascii=False, default=json_default) + "\n"
        for line in _visit_lines(batch)
    )


def _visit_lines(batch: Batch) -> Iterator[dict[str, Any]]:
    for visit in sorted(batch.visits, key=lambda v: v.date_of_service):
        case = batch.case_of(visit)
        yield {
            "patient": converter.unstructure(batch.patient(case.patient_id)),
            "case": converter.unstructure(case),
            "visit": converter.unstructure(visit),
        }


def _is_record(first: str) -> bool:
    """A first line that is a whole JSON object with a visit: a JSON Lines record."""
    try:
        head = loads_exact(first)
    except ValueError:
        return False
    return isinstance(head, dict) and "visit" in head


FORMAT = InputFormat(
    name="jsonl",
    what="JSON Lines: one visit a line, with its patient and case",
    read=_read,
    dumps=_dumps,
    suffixes=(".jsonl", ".ndjson"),
    first_line=_is_record,
    streams=True,
)
