"""The EMR export: one JSON document, or JSON Lines (one visit with its case and patient a line).

Readers never raise for a bad record: the record goes to ``rejected`` with the precise path of
the bad value and the rest is read. They raise ``ExportReadError`` only when the file as a whole
is not an export (not JSON, not the documented shape, not UTF-8).
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO, Any, Literal, TypeVar

from scrubber.errors import ExportReadError
from scrubber.formats.convert import (
    InexactNumber,
    converter,
    shown,
    structure,
    with_fast_parse,
)
from scrubber.formats.jsoncodec import dumps_json, fast_loads, json_default, loads_exact
from scrubber.formats.ledger import (
    Claim,
    Ledger,
    Place,
    claims_of_line,
    claims_of_visit,
)
from scrubber.formats.x12.compose import compose_837p
from scrubber.formats.x12.reader import Interchange, read_x12
from scrubber.formats.x12.segments import X12Error, looks_like_x12
from scrubber.model.records import (
    Batch,
    Case,
    LineRecord,
    Patient,
    ProviderRole,
    Rejected,
    Visit,
    printable,
)

__all__ = [
    "ExportFormat",
    "dumps_export",
    "export_document",
    "guess_format",
    "iter_jsonl",
    "numbered_lines",
    "parse_export",
    "read_any_export",
    "read_export",
    "read_lines",
    "read_source_text",
    "read_x12_export",
    "write_export",
]

ExportFormat = Literal["json", "jsonl", "x12"]
_T = TypeVar("_T")


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return printable(str(raw["id"]))
    return None


def parse_export(document: Any, source: str = "export") -> Batch:
    """Build a batch from an already decoded JSON export.

    Raises ``ExportReadError`` only when the document as a whole is not an export; every bad
    record is returned in ``Batch.rejected`` instead.
    """
    if not isinstance(document, dict):
        raise ExportReadError(
            source,
            f"expected a JSON object with patients, cases and visits, got {shown(document)}",
        )
    for key in ("patients", "cases", "visits"):
        if key not in document:
            raise ExportReadError(source, f'the export has no "{key}" list')
        if not isinstance(document[key], list):
            raise ExportReadError(source, f'"{key}" must be a list, got {shown(document[key])}')
    reader = _DocumentReader()
    patients = reader.records(document["patients"], "patients", Patient, reader.patient_claims)
    cases = reader.records(document["cases"], "cases", Case, reader.case_claims)
    visits = reader.records(document["visits"], "visits", Visit, reader.visit_claims)
    return Batch(tuple(patients), tuple(cases), tuple(visits), tuple(reader.rejected))


class _DocumentReader:
    """Reads the three lists of a document in order: cases refer to patients read before them,
    visits to cases; ids are checked by the ledger."""

    def __init__(self) -> None:
        self.ledger = Ledger(repeats=False)
        self.rejected: list[Rejected] = []

    def patient_claims(self, patient: Patient, place: Place) -> tuple[list[Claim], list[str]]:
        return [Claim("patient", patient.id, place)], []

    def case_claims(self, case: Case, place: Place) -> tuple[list[Claim], list[str]]:
        problem = self.ledger.reference_problem(
            "patient", case.patient_id, place.child(".patient_id")
        )
        return [Claim("case", case.id, place)], [problem] if problem else []

    def visit_claims(self, visit: Visit, place: Place) -> tuple[list[Claim], list[str]]:
        problem = self.ledger.reference_problem("case", visit.case_id, place.child(".case_id"))
        return claims_of_visit(visit, place), [problem] if problem else []

    def records(
        self,
        raws: list[Any],
        name: str,
        cls: type[_T],
        claims_of: Callable[[_T, Place], tuple[list[Claim], list[str]]],
    ) -> list[_T]:
        kind = name[:-1]
        kept: list[_T] = []
        for index, raw in enumerate(raws):
            place = Place(path=f"{name}[{index}]")
            record = structure(raw, cls, str(place))
            if not isinstance(record, list):
                claims, problems = claims_of(record, place)
                conflicts = self.ledger.conflicts(claims)
                errors = [c.message() for c in conflicts if c.claim.kind == kind]
                errors += problems + [c.message() for c in conflicts if c.claim.kind != kind]
                if not errors:
                    self.ledger.accept(claims)
                    kept.append(record)
                    continue
                record = errors
            self.rejected.append(Rejected(str(place), _raw_id(raw), tuple(record)))
            self.ledger.reject(kind, _raw_id(raw), place)  # type: ignore[arg-type]
        return kept


def _loads_fast(text: str) -> tuple[Any, bool]:
    """JSON parsed by orjson when installed, and whether it was: numbers with a fraction then
    come back as floats, and a record that meets one raises ``InexactNumber`` so that the text
    is parsed again exactly."""
    fast = fast_loads(text)
    return (loads_exact(text), False) if fast is NotImplemented else (fast, True)


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
            raw, fast = _loads_fast(text)
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
        return Rejected(str(place), _raw_id(raw.get("visit")), tuple(errors))
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


def read_source_text(source: str | Path | IO[str], *, keep_bom: bool = False) -> tuple[str, str]:
    """The text of a path, ``-`` (standard input) or an open text stream, and its name. UTF-8
    (a byte-order mark dropped unless ``keep_bom``: an 837P gives it back as received); UTF-16
    and other bytes are an ``ExportReadError``."""
    if not isinstance(source, str | Path):
        if not callable(getattr(source, "read", None)):
            raise TypeError(
                f"expected a path, '-' or an open text file, not {type(source).__name__} "
                "(for a document already decoded, use scrubber.parse_export)"
            )
        text = source.read()
        if not isinstance(text, str):
            raise TypeError("expected a text file (opened without 'b'), not a binary one")
        return text, str(getattr(source, "name", "<stream>"))
    if str(source) == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        name = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ExportReadError(name, f"cannot read the file ({exc.strerror or exc})") from None
    _refuse_utf16(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportReadError(name, f"not UTF-8 text (bad byte at offset {exc.start})") from None
    return (text if keep_bom else text.removeprefix("\ufeff")), name


def _refuse_utf16(head: bytes, name: str) -> None:
    """UTF-16 (a byte-order mark FF FE or FE FF, or a NUL beside every character) is refused in
    one line: exports and 837P files are UTF-8 or ASCII."""
    sample = head[:64]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(sample) >= 4 and sample.count(0) * 3 >= len(sample)
    ):
        raise ExportReadError(name, "not UTF-8 text: the file is UTF-16; exports and 837P files "
                              "are read as UTF-8 or ASCII: save it as UTF-8")  # fmt: skip


_BLANK = b" \t\r\n"


def _first_line(handle: IO[bytes]) -> tuple[bytes, bytes]:
    """The first bytes of a file (to tell its encoding) and its first line that is not blank,
    however much white space stands before it (read in chunks, never a fixed window)."""
    head = handle.read(1 << 16)
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip(_BLANK)
    while not body:
        chunk = handle.read(1 << 16)
        if not chunk:
            break
        body = chunk.lstrip(_BLANK)
    if b"\n" not in body:
        body += handle.readline(1 << 20)
    return head[:64], body.split(b"\n", 1)[0]


def guess_format(source: str | Path) -> ExportFormat:
    """X12 when the text starts with ``ISA`` (whatever the name; a byte-order mark and any
    amount of white space before it); else JSON or JSON Lines, from the name (``.jsonl``,
    ``.ndjson``, ``.json``), else from the first line that is not blank. Only the start of the
    file is read; ``-`` is standard input, of which only what is buffered is looked at (white
    space beyond it: JSON, and the whole text decides when read, see ``read_any_export``)."""
    name = str(source)
    if name == "-":
        stdin: Any = sys.stdin.buffer  # a BufferedReader: peek looks without consuming
        peeked = stdin.peek(1 << 16)
        head = peeked[:64]
        first = peeked.removeprefix(b"\xef\xbb\xbf").lstrip(_BLANK).split(b"\n", 1)[0]
    else:
        try:
            with open(name, "rb") as handle:
                head, first = _first_line(handle)
        except OSError as exc:
            raise ExportReadError(name, f"cannot read the file ({exc.strerror or exc})") from None
    _refuse_utf16(head, name if name != "-" else "<stdin>")
    return _guess_format(first.decode("utf-8", "replace"), name)


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


_FIRST_TEXT = re.compile(r"[\ufeff \t\r\n]*")


def _guess_format(text: str, name: str) -> ExportFormat:
    if looks_like_x12(text):
        return "x12"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    start = _FIRST_TEXT.match(text).end()  # type: ignore[union-attr]  # always matches
    end = text.find("\n", start)
    first = text[start : end if end >= 0 else len(text)]
    try:
        head = loads_exact(first)
    except ValueError:
        return "json"
    return "jsonl" if isinstance(head, dict) and "visit" in head else "json"


def read_export(
    source: str | Path | IO[str],
    *,
    format: ExportFormat | None = None,
    x12_default_role: ProviderRole | None = None,
) -> Batch:
    """Read an EMR export from a path, ``"-"`` (standard input) or an open text stream.

    The format is X12 837P when the text starts with ``ISA``; else JSON unless ``format`` says
    otherwise, the name ends in ``.jsonl``/``.ndjson``, or the first line is a complete JSON
    Lines record. ``x12_default_role`` is the role of an 837P claim that names no taxonomy
    (``read_x12``). An export with no records at all is an ``ExportReadError``.
    """
    text, name = read_source_text(source)
    return _read_text_export(text, name, format, x12_default_role)


def read_x12_export(
    source: str | Path | IO[str], *, default_role: ProviderRole | None = None
) -> tuple[Batch, Interchange]:
    """An 837P file: its records, and where each claim is (to write the billed one)."""
    text, name = read_source_text(source, keep_bom=True)
    return _read_x12_text(text, name, default_role)


def read_any_export(
    source: str | Path | IO[str],
    *,
    format: ExportFormat | None = None,
    x12_default_role: ProviderRole | None = None,
) -> tuple[Batch, Interchange | None]:
    """The export whatever its format, and when it is an 837P where each claim is in it (to
    write the billed one). Without ``format`` the whole text decides, as in ``read_export``."""
    text, name = read_source_text(source, keep_bom=True)
    if (format or _guess_format(text, name)) == "x12":
        return _read_x12_text(text, name, x12_default_role)
    return _read_text_export(text.removeprefix("\ufeff"), name, format), None


def _read_x12_text(
    text: str, name: str, default_role: ProviderRole | None = None
) -> tuple[Batch, Interchange]:
    try:
        return read_x12(text, default_role=default_role)
    except X12Error as exc:
        raise ExportReadError(name, f"not a readable X12 interchange: {exc}") from None


def _read_text_export(
    text: str, name: str, format: ExportFormat | None, default_role: ProviderRole | None = None
) -> Batch:
    chosen = format or _guess_format(text, name)
    if chosen == "x12":
        return _read_x12_text(text, name, default_role)[0]
    if chosen == "jsonl":
        # Only "\n" ends a record: str.splitlines() would also split on U+2028 and U+0085,
        # which may stand unescaped inside a JSON string.
        batch = _batch_from_lines(iter_jsonl(text.split("\n")))
        if not (batch.visits or batch.rejected):
            raise ExportReadError(name, "the export holds no records (an empty file, or only "
                                  "blank lines): nothing to scrub")  # fmt: skip
        return batch
    if not text.strip():
        raise ExportReadError(name, "the export is empty: nothing to scrub")
    try:
        document, fast = _loads_fast(text)
        batch = with_fast_parse(fast, partial(parse_export, document, name))
    except InexactNumber:
        batch = parse_export(loads_exact(text), name)
    except ValueError as exc:
        raise ExportReadError(name, f"not valid JSON: {exc}") from None
    if not (batch.patients or batch.cases or batch.visits or batch.rejected):
        raise ExportReadError(name, "the export holds no records (its patients, cases and "
                              "visits are empty lists): nothing to scrub")  # fmt: skip
    return batch


def _visit_lines(batch: Batch) -> Iterator[dict[str, Any]]:
    for visit in sorted(batch.visits, key=lambda v: v.date_of_service):
        case = batch.case_of(visit)
        yield {
            "patient": converter.unstructure(batch.patient(case.patient_id)),
            "case": converter.unstructure(case),
            "visit": converter.unstructure(visit),
        }


def dumps_export(batch: Batch, format: ExportFormat = "json", *, indent: int | None = 2) -> str:
    """The export as text. JSON Lines are sorted by date of service, as streaming requires; X12
    is an 837P of one claim per visit (``scrubber.formats.x12.compose``)."""
    if format == "x12":
        return compose_837p(batch)
    if format == "jsonl":
        return "".join(
            json.dumps(line, ensure_ascii=False, default=json_default) + "\n"
            for line in _visit_lines(batch)
        )
    document = export_document(batch)
    if indent == 2:
        return dumps_json(document) + "\n"
    return json.dumps(document, ensure_ascii=False, indent=indent, default=json_default) + "\n"


def export_document(batch: Batch) -> dict[str, Any]:
    """The batch as the JSON export document, ready for ``json.dumps``."""
    return {
        "patients": converter.unstructure(batch.patients, tuple[Patient, ...]),
        "cases": converter.unstructure(batch.cases, tuple[Case, ...]),
        "visits": converter.unstructure(batch.visits, tuple[Visit, ...]),
    }


def write_export(batch: Batch, target: str | Path | IO[str], format: ExportFormat = "json") -> None:
    """Write the export to a path, ``"-"`` (standard output) or an open text stream."""
    text = dumps_export(batch, format)
    if not isinstance(target, str | Path):
        target.write(text)
    elif str(target) == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
