"""Reading and writing EMR exports.

One cattrs converter does all structuring. Its hooks are strict on purpose: cattrs would happily
turn ``"3"`` or ``3.7`` into ``3`` and a string into a tuple of characters, and in billing a
silently coerced value is a wrong claim. Every value that does not fit becomes a message with the
exact path of the value, and the record holding it is rejected while the rest of the batch is read.
"""

from __future__ import annotations

import difflib
import enum
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import IO, Any, Literal, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from scrubber.bulk import dumps_json, fast_loads, paused_gc
from scrubber.errors import ExportReadError
from scrubber.model import (
    Batch,
    Case,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    ProviderRole,
    Rejected,
    RelatedCause,
    Visit,
)
from scrubber.seen_ids import CompactIds

__all__ = [
    "ExportFormat",
    "LineRecord",
    "converter",
    "dumps_export",
    "iter_jsonl",
    "parse_export",
    "read_export",
    "write_export",
]

ExportFormat = Literal["json", "jsonl"]
_T = TypeVar("_T")

# JSON names that differ from attribute names (``class`` is a Python keyword).
_RENAMES: dict[type, dict[str, str]] = {Insurance: {"class_": "class"}}
_JSON_NAMES = {attr: name for renames in _RENAMES.values() for attr, name in renames.items()}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class InexactNumber(Exception):
    """A number with a fraction reached a value that must be exact (money, or a value shown in a
    message) after the fast parser made it a binary float: the text must be parsed again with
    exact decimals."""


class _BadValue(ValueError):
    """A value of the wrong kind; its message is complete and goes to the user as it is."""


#: True while structuring a document that orjson parsed: a float there stands for digits the text
#: holds exactly, so it is read again rather than shown or used as money.
_FROM_FAST_PARSE: ContextVar[bool] = ContextVar("scrubber_fast_parse", default=False)


def _shown(value: Any) -> str:
    """The value as the user wrote it in JSON, shortened so a huge blob cannot flood a report."""
    if isinstance(value, float) and _FROM_FAST_PARSE.get():
        raise InexactNumber  # show the digits as written, not the float's
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, dict):
        text = "an object"
    elif isinstance(value, list):
        text = "a list"
    else:
        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise _BadValue(f"expected text, got {_shown(value)}")
    return value


def _structure_count(value: Any, _: type) -> int:
    # Every whole number in the export is a count (units, minutes): never negative.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _BadValue(f"expected a whole number ≥ 0, got {_shown(value)}")
    return value


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise _BadValue(f"expected true or false, got {_shown(value)}")
    return value


def _structure_date(value: Any, _: type) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise _BadValue(f"expected a date as YYYY-MM-DD, got {_shown(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadValue(f"{_shown(value)} is not a calendar date") from None


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, float) and _FROM_FAST_PARSE.get():
        raise InexactNumber
    bad = _BadValue(f'expected an amount such as "1200.00", got {_shown(value)}')
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise bad
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise bad from None
    if not amount.is_finite():
        raise bad
    return amount


def _enum_hook(cls: type[enum.Enum]) -> Callable[[Any, type], enum.Enum]:
    values = [str(member.value) for member in cls]

    def structure(value: Any, _: type) -> enum.Enum:
        if isinstance(value, str) and value in values:
            return cls(value)
        message = "expected one of " + ", ".join(f'"{v}"' for v in values)
        message += f"; got {_shown(value)}"
        if isinstance(value, str):
            same_but_case = [v for v in values if v.casefold() == value.strip().casefold()]
            close = same_but_case or difflib.get_close_matches(value, values, n=1)
            if close:
                message += f' (did you mean "{close[0]}"?)'
        raise _BadValue(message)

    return structure


def _is_homogeneous_tuple(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def make_converter(detailed: bool = True) -> cattrs.Converter:
    """Build the strict converter. ``converter`` below is the one everyone shares; a second one
    without detailed validation reads good records faster, and only a record it refuses is read
    again by the detailed one, for messages with paths."""
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_count)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(date, _structure_date)
    conv.register_structure_hook(Decimal, _structure_decimal)
    # Each enum by its own class: a StrEnum is a str, and the text hook would accept any string.
    for enum_type in (InsuranceClass, NoteType, ProviderRole, RelatedCause):
        conv.register_structure_hook(enum_type, _enum_hook(enum_type))
        conv.register_unstructure_hook(enum_type, lambda member: member.value)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_unstructure_hook(Decimal, str)

    def tuple_hook(t: Any) -> Callable[[Any, type], tuple[Any, ...]]:
        (element, _) = get_args(t)

        def structure(value: Any, _: type) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise _BadValue(f"expected a list, got {_shown(value)}")
            items, errors = [], []
            for index, item in enumerate(value):
                try:
                    items.append(conv.structure(item, element))
                except Exception as exc:
                    exc.add_note(IterableValidationNote(f"@ index {index}", index, element))
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {t!r}", errors, t)
            return tuple(items)

        return structure

    conv.register_structure_hook_factory(_is_homogeneous_tuple, tuple_hook)

    def record_hook(cls: type[Any]) -> Callable[[Any, type], Any]:
        renames = {a: override(rename=n) for a, n in _RENAMES.get(cls, {}).items()}
        inner = make_dict_structure_fn(cls, conv, **renames)  # type: ignore[arg-type]

        def structure(value: Any, t: type) -> Any:
            if not isinstance(value, dict):
                raise _BadValue(f"expected an object, got {_shown(value)}")
            return inner(value, t)

        return structure

    def record_unhook(cls: type[Any]) -> Callable[[Any], Any]:
        renames = {a: override(rename=n) for a, n in _RENAMES.get(cls, {}).items()}
        return make_dict_unstructure_fn(cls, conv, **renames)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, record_hook)
    conv.register_unstructure_hook_factory(attrs.has, record_unhook)
    return conv


converter = make_converter()
_fast_converter = make_converter(detailed=False)


def _inexact_inside(exc: BaseException) -> bool:
    if isinstance(exc, InexactNumber):
        return True
    return any(_inexact_inside(sub) for sub in getattr(exc, "exceptions", ()))


def validation_messages(exc: BaseException, path: str) -> list[str]:
    """Flatten cattrs' exception groups into ``path: message`` lines, in document order."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        out: list[str] = []
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                sub_path = f"{path}.{_JSON_NAMES.get(note.name, note.name)}"
            elif isinstance(note, IterableValidationNote):
                sub_path = f"{path}[{note.index}]"
            else:  # pragma: no cover - cattrs attaches only these two notes
                sub_path = path
            out.extend(validation_messages(sub, sub_path))
        for sub in without:
            out.extend(validation_messages(sub, path))
        return out
    if isinstance(exc, KeyError):
        return [f"{path}: required value is missing"]
    if isinstance(exc, _BadValue):
        return [f"{path}: {exc}"]
    return [f"{path}: {type(exc).__name__}: {exc}"]


def _structure(raw: Any, cls: type[_T], path: str) -> _T | list[str]:
    try:
        return _fast_converter.structure(raw, cls)
    except Exception:
        pass
    try:
        return converter.structure(raw, cls)
    except Exception as exc:
        if _inexact_inside(exc):
            raise InexactNumber from None
        return validation_messages(exc, path)


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return str(raw["id"])
    return None


# The messages every reader gives for records that repeat or contradict an earlier one (the
# document reader, the JSON Lines reader, and scrubber.distributed across files).


def duplicate_message(path: str, kind: str, record_id: str, first: str) -> str:
    return f'{path}.id: duplicate {kind} id "{record_id}" (first at {first})'


def differs_message(where: str, kind: str, record_id: str, first: str) -> str:
    return f'{where}: {kind}: {kind} "{record_id}" differs from the one on {first}'


def charge_duplicates(visit: Visit, path: str, first_of: Callable[[str], str | None]) -> list[str]:
    """The charges of ``visit`` whose id ``first_of`` places earlier, or that repeat within it."""
    problems = []
    seen_here: set[str] = set()
    for index, charge in enumerate(visit.charges):
        first = first_of(charge.id)
        if first is not None or charge.id in seen_here:
            where = first or f"{path}.charges"
            problems.append(
                f'{path}.charges[{index}].id: duplicate charge id "{charge.id}" (first at {where})'
            )
        seen_here.add(charge.id)
    return problems


class _Ledger:
    """Accepted ids, rejected ids and the charge ids seen, for the checks across records of a
    whole document (all of which are in memory anyway). A patient or case is remembered by the
    hash of its record."""

    def __init__(self) -> None:
        self.patients: dict[str, tuple[int, str]] = {}
        self.cases: dict[str, tuple[int, str]] = {}
        self.visits: dict[str, str] = {}
        self.charges: dict[str, tuple[str, int]] = {}
        self.rejected_patients: dict[str, str] = {}
        self.rejected_cases: dict[str, str] = {}

    def patient_problem(self, patient_id: str, path: str) -> str | None:
        if patient_id in self.patients:
            return None
        if patient_id in self.rejected_patients:
            where = self.rejected_patients[patient_id]
            return f'{path}: patient "{patient_id}" was rejected ({where})'
        return f'{path}: no patient with id "{patient_id}" in the export'

    def case_problem(self, case_id: str, path: str) -> str | None:
        if case_id in self.cases:
            return None
        if case_id in self.rejected_cases:
            return f'{path}: case "{case_id}" was rejected ({self.rejected_cases[case_id]})'
        return f'{path}: no case with id "{case_id}" in the export'

    def _first_charge(self, charge_id: str) -> str | None:
        first = self.charges.get(charge_id)
        return None if first is None else f"{first[0]}.charges[{first[1]}]"

    def visit_problems(self, visit: Visit, path: str) -> list[str]:
        problems = []
        if visit.id in self.visits:
            problems.append(duplicate_message(path, "visit", visit.id, self.visits[visit.id]))
        case_problem = self.case_problem(visit.case_id, f"{path}.case_id")
        if case_problem:
            problems.append(case_problem)
        return problems + charge_duplicates(visit, path, self._first_charge)

    def accept_visit(self, visit: Visit, path: str) -> None:
        self.visits[visit.id] = path
        for index, charge in enumerate(visit.charges):
            self.charges[charge.id] = (path, index)


class _StreamLedger:
    """What a JSON Lines stream must remember of earlier lines, in a few bytes per record
    (``CompactIds``), so that memory stays flat over weeks of days: for every patient and case
    its first line and a 32-bit hash of its record (a contradicting record has one chance in
    four billion to share it), for every visit and charge the line it was first sent on.

    ``accept`` must follow ``problems`` for the same line: it reuses what ``problems`` looked up.
    """

    def __init__(self) -> None:
        self.patients = CompactIds()  # line << 32 | record hash
        self.cases = CompactIds()  # line << 32 | record hash
        self.visits = CompactIds()  # line
        self.charges = CompactIds()  # line << 16 | charge index
        self._new_patient = self._new_case = False

    def _first_charge(self, charge_id: str) -> str | None:
        packed = self.charges.get(charge_id)
        return None if packed is None else f"line {packed >> 16}: visit.charges[{packed & 0xFFFF}]"

    def problems(self, patient: Patient, case: Case, visit: Visit, where: str) -> list[str]:
        errors = []
        known = self.patients.get(patient.id)
        self._new_patient = known is None
        if known is not None and known & _LOW32 != hash(patient) & _LOW32:
            errors.append(differs_message(where, "patient", patient.id, f"line {known >> 32}"))
        known = self.cases.get(case.id)
        self._new_case = known is None
        if known is not None and known & _LOW32 != hash(case) & _LOW32:
            errors.append(differs_message(where, "case", case.id, f"line {known >> 32}"))
        if case.patient_id != patient.id:
            errors.append(
                f'{where}: case.patient_id: "{case.patient_id}" is not this line\'s patient'
            )
        if visit.case_id != case.id:
            errors.append(f'{where}: visit.case_id: "{visit.case_id}" is not this line\'s case')
        path = f"{where}: visit"
        first_visit = self.visits.get(visit.id)
        if first_visit is not None:
            errors.append(duplicate_message(path, "visit", visit.id, f"line {first_visit}: visit"))
        return errors + charge_duplicates(visit, path, self._first_charge)

    def accept(self, patient: Patient, case: Case, visit: Visit, line: int) -> None:
        packed_line = min(line, _LOW32) << 32
        if self._new_patient:
            self.patients.add(patient.id, packed_line | hash(patient) & _LOW32)
        if self._new_case:
            self.cases.add(case.id, packed_line | hash(case) & _LOW32)
        self.visits.add(visit.id, line)
        for index, charge in enumerate(visit.charges):
            self.charges.add(charge.id, line << 16 | min(index, 0xFFFF))


_LOW32 = (1 << 32) - 1


def parse_export(document: Any, source: str = "export") -> Batch:
    """Build a batch from an already decoded JSON export (DESIGN §3).

    Raises ``ExportReadError`` only when the document as a whole is not an export; every bad
    record is returned in ``Batch.rejected`` instead.
    """
    if not isinstance(document, dict):
        raise ExportReadError(
            source,
            f"expected a JSON object with patients, cases and visits, got {_shown(document)}",
        )
    for key in ("patients", "cases", "visits"):
        if key not in document:
            raise ExportReadError(source, f'the export has no "{key}" list')
        if not isinstance(document[key], list):
            raise ExportReadError(source, f'"{key}" must be a list, got {_shown(document[key])}')

    ledger = _Ledger()
    rejected: list[Rejected] = []
    patients: list[Patient] = []
    for index, raw in enumerate(document["patients"]):
        path = f"patients[{index}]"
        patient = _structure(raw, Patient, path)
        if not isinstance(patient, list) and patient.id in ledger.patients:
            patient = [
                duplicate_message(path, "patient", patient.id, ledger.patients[patient.id][1])
            ]
        if isinstance(patient, list):
            rejected.append(Rejected(path, _raw_id(raw), tuple(patient)))
            if (rid := _raw_id(raw)) is not None and rid not in ledger.patients:
                ledger.rejected_patients.setdefault(rid, path)
            continue
        ledger.patients[patient.id] = (hash(patient), path)
        patients.append(patient)

    cases: list[Case] = []
    for index, raw in enumerate(document["cases"]):
        path = f"cases[{index}]"
        case = _structure(raw, Case, path)
        if not isinstance(case, list):
            problems = []
            if case.id in ledger.cases:
                problems.append(duplicate_message(path, "case", case.id, ledger.cases[case.id][1]))
            if (p := ledger.patient_problem(case.patient_id, f"{path}.patient_id")) is not None:
                problems.append(p)
            if problems:
                case = problems
        if isinstance(case, list):
            rejected.append(Rejected(path, _raw_id(raw), tuple(case)))
            if (rid := _raw_id(raw)) is not None and rid not in ledger.cases:
                ledger.rejected_cases.setdefault(rid, path)
            continue
        ledger.cases[case.id] = (hash(case), path)
        cases.append(case)

    visits: list[Visit] = []
    for index, raw in enumerate(document["visits"]):
        path = f"visits[{index}]"
        visit = _structure(raw, Visit, path)
        if not isinstance(visit, list):
            visit = ledger.visit_problems(visit, path) or visit
        if isinstance(visit, list):
            rejected.append(Rejected(path, _raw_id(raw), tuple(visit)))
            continue
        ledger.accept_visit(visit, path)
        visits.append(visit)
    return Batch(tuple(patients), tuple(cases), tuple(visits), tuple(rejected))


@attrs.frozen
class LineRecord:
    """One line of a JSON Lines export: a visit with its case and patient inline."""

    line: int
    patient: Patient
    case: Case
    visit: Visit


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def loads_exact(text: str) -> Any:
    """JSON with every number that has a fraction read as an exact ``Decimal``, never a float."""
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


def _loads_fast(text: str) -> tuple[Any, bool]:
    """JSON parsed by orjson when installed, and whether it was: numbers with a fraction then
    come back as floats, and a record that meets one raises ``InexactNumber`` so that the text
    is parsed again exactly."""
    fast = fast_loads(text)
    return (loads_exact(text), False) if fast is NotImplemented else (fast, True)


def _with_fast_parse(fast: bool, work: Callable[[], _T]) -> _T:
    token = _FROM_FAST_PARSE.set(fast)
    try:
        return work()
    finally:
        _FROM_FAST_PARSE.reset(token)


def iter_jsonl(lines: Iterable[str], source: str = "export") -> Iterator[LineRecord | Rejected]:
    """Read a JSON Lines export one visit at a time (for streaming large exports).

    Each non-blank line is ``{"patient": {...}, "case": {...}, "visit": {...}}``. A patient or
    case that appears on several lines must be the same each time; a line that contradicts an
    earlier one is rejected, since billing cannot know which of the two is right.
    """
    ledger = _StreamLedger()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            raw, fast = _loads_fast(text)
            yield _with_fast_parse(fast, partial(_line_record, raw, number, ledger))
        except InexactNumber:
            yield _line_record(loads_exact(text), number, ledger)
        except ValueError as exc:
            where = f"line {number}"
            yield Rejected(where, None, (f"{where}: not valid JSON: {exc}",))


def _line_record(raw: Any, number: int, ledger: _StreamLedger) -> LineRecord | Rejected:
    where = f"line {number}"
    if not isinstance(raw, dict):
        message = f"{where}: expected an object with patient, case and visit, got {_shown(raw)}"
        return Rejected(where, None, (message,))
    errors: list[str] = []
    parts: dict[str, Any] = {}
    for key, cls in (("patient", Patient), ("case", Case), ("visit", Visit)):
        value = (
            _structure(raw.get(key), cls, f"{where}: {key}")
            if key in raw
            else [f"{where}: {key}: required value is missing"]
        )
        if isinstance(value, list):
            errors.extend(value)
        else:
            parts[key] = value
    if not errors:
        errors = ledger.problems(parts["patient"], parts["case"], parts["visit"], where)
    if errors:
        return Rejected(where, _raw_id(raw.get("visit")), tuple(errors))
    patient, case, visit = parts["patient"], parts["case"], parts["visit"]
    ledger.accept(patient, case, visit, number)
    return LineRecord(number, patient, case, visit)


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


def read_source_text(source: str | Path | IO[str]) -> tuple[str, str]:
    if not isinstance(source, str | Path):
        return source.read(), str(getattr(source, "name", "<stream>"))
    if str(source) == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        name = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ExportReadError(name, f"cannot read the file ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise ExportReadError(name, f"not UTF-8 text (bad byte at offset {exc.start})") from None


def _guess_format(text: str, name: str) -> ExportFormat:
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    first = text.lstrip().split("\n", 1)[0]
    try:
        head = loads_exact(first)
    except ValueError:
        return "json"
    return "jsonl" if isinstance(head, dict) and "visit" in head else "json"


def read_export(source: str | Path | IO[str], *, format: ExportFormat | None = None) -> Batch:
    """Read an EMR export from a path, ``"-"`` (standard input) or an open text stream.

    The format is JSON unless ``format`` says otherwise, the name ends in ``.jsonl``/``.ndjson``,
    or the first line is a complete JSON Lines record.
    """
    text, name = read_source_text(source)
    with paused_gc():
        return _read_text_export(text, name, format)


def _read_text_export(text: str, name: str, format: ExportFormat | None) -> Batch:
    chosen = format or _guess_format(text, name)
    if chosen == "jsonl":
        # An empty JSON Lines file is a day with no visits; an empty JSON document is broken.
        # Only "\n" ends a record: str.splitlines() would also split on U+2028 and U+0085,
        # which may stand unescaped inside a JSON string.
        return _batch_from_lines(iter_jsonl(text.split("\n"), name))
    if not text.strip():
        raise ExportReadError(name, "the export is empty")
    try:
        document, fast = _loads_fast(text)
        return _with_fast_parse(fast, partial(parse_export, document, name))
    except InexactNumber:
        return parse_export(loads_exact(text), name)
    except ValueError as exc:
        raise ExportReadError(name, f"not valid JSON: {exc}") from None


def _visit_lines(batch: Batch) -> Iterator[dict[str, Any]]:
    for visit in sorted(batch.visits, key=lambda v: v.date_of_service):
        case = batch.case_of(visit)
        yield {
            "patient": converter.unstructure(batch.patient(case.patient_id)),
            "case": converter.unstructure(case),
            "visit": converter.unstructure(visit),
        }


def json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps_export(batch: Batch, format: ExportFormat = "json", *, indent: int | None = 2) -> str:
    """The export as text. JSON Lines are sorted by date of service, as streaming requires."""
    if format == "jsonl":
        return "".join(
            json.dumps(line, ensure_ascii=False, default=json_default) + "\n"
            for line in _visit_lines(batch)
        )
    document = export_document(batch)
    if indent == 2:
        return dumps_json(document, json_default) + "\n"
    return json.dumps(document, ensure_ascii=False, indent=indent, default=json_default) + "\n"


def export_document(batch: Batch) -> dict[str, Any]:
    """The batch as the JSON export document (DESIGN §3), ready for ``json.dumps``."""
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
