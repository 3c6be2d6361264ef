"""The one strict converter between JSON values and the records of ``scrubber.model``.

Its hooks are strict on purpose: cattrs would happily turn ``"3"`` or ``3.7`` into ``3`` and a
string into a tuple of characters, and in billing a silently coerced value is a wrong claim. Every
value that does not fit becomes a message with the exact path of the value
(``visits[3].charges[0].units: expected a whole number ≥ 0, got "three"``), so that the reader can
reject the record holding it and read the rest.
"""

from __future__ import annotations

import difflib
import enum
import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from scrubber.formats.generated import FieldRules, generate_readers
from scrubber.model.records import (
    Case,
    Charge,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    Provider,
    ProviderRole,
    RelatedCause,
    Visit,
    mask_ssn_like,
    printable,
)
from scrubber.shown import cut

__all__ = [
    "InexactNumber",
    "converter",
    "raw_id",
    "shown",
    "structure",
    "validation_messages",
    "with_fast_parse",
]

_T = TypeVar("_T")

# JSON names that differ from attribute names (``class`` is a Python keyword).
_RENAMES: dict[type, dict[str, str]] = {Insurance: {"class_": "class"}}
#: fields left out of written JSON when missing, so that documents written before they existed
#: stay byte for byte the same (a charge's amount: only an 837P carries one)
_OMITTED_WHEN_MISSING: dict[type, tuple[str, ...]] = {Charge: ("amount", "expected")}
#: fields that are no part of the JSON at all, neither read nor written: what a case was read
#: from is the reader's to say (an export cannot claim to be an 837P)
_NOT_IN_JSON: dict[type, tuple[str, ...]] = {Case: ("origin",)}
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


def shown(value: Any) -> str:
    """The value as the user wrote it in JSON, shortened so a huge blob cannot flood a report
    (saying how many characters were left out)."""
    if isinstance(value, float) and _FROM_FAST_PARSE.get():
        raise InexactNumber  # show the digits as written, not the float's
    if isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, dict):
        text = "an object"
    elif isinstance(value, list):
        text = "a list"
    else:
        text = printable(json.dumps(value, ensure_ascii=False))
    # masked before it is cut, so that a cut never leaves most of an SSN's digits
    return cut(mask_ssn_like(text), 60)


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise _BadValue(f"expected text, got {shown(value)}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _BadValue(
                f"text that cannot be written as UTF-8 (a lone surrogate): {shown(value)}"
            ) from None
    return value


#: the largest whole number a count may hold, unless its field says otherwise
MAX_COUNT = 99_999
#: fields with a tighter bound: a day has 96 units of 15 minutes and 1,440 minutes
COUNT_LIMITS: dict[tuple[type, str], int] = {(Charge, "units"): 999, (Charge, "minutes"): 1_440}
#: amounts of money stay below a trillion
MAX_AMOUNT = Decimal(10) ** 12


def _counter(limit: int) -> Callable[[Any, type], int]:
    def structure(value: Any, _: type) -> int:
        # Every whole number in the export is a count (units, minutes): never negative.
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _BadValue(f"expected a whole number ≥ 0, got {shown(value)}")
        if value > limit:
            raise _BadValue(f"expected a whole number from 0 to {limit:,}, got {shown(value)}")
        return value

    return structure


_structure_count = _counter(MAX_COUNT)


def _optional(hook: Callable[[Any, type], int]) -> Callable[[Any, type], int | None]:
    def structure(value: Any, t: type) -> int | None:
        return None if value is None else hook(value, t)

    return structure


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise _BadValue(f"expected true or false, got {shown(value)}")
    return value


def _structure_date(value: Any, _: type) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise _BadValue(f"expected a date as YYYY-MM-DD, got {shown(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _BadValue(f"{shown(value)} is not a calendar date") from None


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, float) and _FROM_FAST_PARSE.get():
        raise InexactNumber
    bad = _BadValue(f'expected an amount such as "1200.00", got {shown(value)}')
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise bad
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise bad from None
    if not amount.is_finite():
        raise bad
    if abs(amount) >= MAX_AMOUNT:
        raise _BadValue(f"expected an amount below 1,000,000,000,000, got {shown(value)}")
    return amount


# ---- codes (DESIGN §3): checked on input, kept exactly as received ---------------------------


@attrs.frozen
class _CodeShape:
    """What a code looks like, in a pattern and in words (with examples) for the message."""

    pattern: re.Pattern[str]
    words: str

    def check(self, value: Any) -> str:
        if isinstance(value, str) and self.pattern.fullmatch(value):
            return value
        if not isinstance(value, str):
            raise _BadValue(f"expected text, got {shown(value)}")
        message = f"expected {self.words}, got {shown(value)}"
        # The same code but for case or white space: say which (a trailing space is invisible
        # in most screens, "gp" looks right to whoever typed it).
        close = "".join(value.split()).upper()
        if close != value and self.pattern.fullmatch(close):
            message += f' (did you mean "{close}"?)'
        raise _BadValue(message)


_CPT = _CodeShape(re.compile(r"[A-Z0-9]{5}"),
                  "a code of 5 capital letters or digits (97110, G0283, NORCM)")  # fmt: skip
_MODIFIER = _CodeShape(re.compile(r"[A-Z0-9]{2}"),
                       "a modifier of 2 capital letters or digits (GP, 59)")  # fmt: skip
_DIAGNOSIS = _CodeShape(
    re.compile(r"[A-Z][0-9][A-Z0-9](\.?[A-Z0-9]{1,4})?"),
    "an ICD-10-CM code (a letter, a digit, a letter or digit, then optionally a dot and 1 to 4 "
    "letters or digits: M54.50 or M5450)",
)


def _code_list(shape: _CodeShape) -> Callable[[Any, type], tuple[str, ...]]:
    """A list of codes, each checked; a bad one is named by its index (``modifiers[1]``)."""

    def structure(value: Any, t: type) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise _BadValue(f"expected a list, got {shown(value)}")
        items, errors = [], []
        for index, item in enumerate(value):
            try:
                items.append(shape.check(item))
            except _BadValue as exc:
                exc.add_note(IterableValidationNote(f"@ index {index}", index, str))
                errors.append(exc)
        if errors:
            raise IterableValidationError("While structuring a list of codes", errors, t)
        return tuple(items)

    return structure


#: the code fields of a charge line and how each is checked
_CODE_HOOKS: dict[tuple[type, str], Callable[[Any, type], Any]] = {
    (Charge, "cpt"): lambda value, _: _CPT.check(value),
    (Charge, "modifiers"): _code_list(_MODIFIER),
    (Charge, "diagnosis_codes"): _code_list(_DIAGNOSIS),
}


def _enum_hook(cls: type[enum.Enum]) -> Callable[[Any, type], enum.Enum]:
    values = [str(member.value) for member in cls]

    def structure(value: Any, _: type) -> enum.Enum:
        if isinstance(value, str) and value in values:
            return cls(value)
        message = "expected one of " + ", ".join(f'"{v}"' for v in values)
        message += f"; got {shown(value)}"
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
                raise _BadValue(f"expected a list, got {shown(value)}")
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
        overrides = {a: override(rename=n) for a, n in _RENAMES.get(cls, {}).items()}
        for (owner, name), limit in COUNT_LIMITS.items():
            if owner is cls:
                bounded = _counter(limit)
                optional = type(None) in get_args(
                    attrs.fields_dict(attrs.resolve_types(cls))[name].type
                )
                overrides[name] = override(struct_hook=_optional(bounded) if optional else bounded)
        for (owner, name), hook in _CODE_HOOKS.items():
            if owner is cls:
                overrides[name] = override(struct_hook=hook)
        for name in _NOT_IN_JSON.get(cls, ()):
            overrides[name] = override(omit=True)
        inner = make_dict_structure_fn(cls, conv, **overrides)  # type: ignore[arg-type]

        def structure(value: Any, t: type) -> Any:
            if not isinstance(value, dict):
                raise _BadValue(f"expected an object, got {shown(value)}")
            return inner(value, t)

        return structure

    def record_unhook(cls: type[Any]) -> Callable[[Any], Any]:
        overrides = {a: override(rename=n) for a, n in _RENAMES.get(cls, {}).items()}
        for name in _OMITTED_WHEN_MISSING.get(cls, ()):
            overrides[name] = override(omit_if_default=True)
        for name in _NOT_IN_JSON.get(cls, ()):
            overrides[name] = override(omit=True)
        return make_dict_unstructure_fn(cls, conv, **overrides)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, record_hook)
    conv.register_unstructure_hook_factory(attrs.has, record_unhook)
    return conv


#: fields whose values repeat from visit to visit: a few codes, places and providers
_SHARED = frozenset({
    (Charge, "cpt"), (Charge, "modifiers"), (Charge, "diagnosis_codes"), (Visit, "location"),
    (Provider, "id"),
})  # fmt: skip
converter = make_converter()
_fast_converter = make_converter(detailed=False)
#: the generated reader of the records an export is made of (scrubber.formats.generated): a
#: record it refuses is read again by the converter, which says why
_generated = generate_readers(
    (Patient, Case, Visit),
    FieldRules(
        renames=_RENAMES,
        not_in_json=_NOT_IN_JSON,
        count_limits=COUNT_LIMITS,
        default_count_limit=MAX_COUNT,
        codes={(Charge, "cpt"): _CPT.pattern},
        code_lists={
            (Charge, "modifiers"): _MODIFIER.pattern,
            (Charge, "diagnosis_codes"): _DIAGNOSIS.pattern,
        },
        date_pattern=_ISO_DATE,
        amount=_structure_decimal,
        shared=_SHARED,
    ),
)


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


def structure(raw: Any, cls: type[_T], path: str) -> _T | list[str]:
    """The record, or the messages (each starting with its path) that say why it is refused."""
    try:
        read = _generated.get(cls)
        return read(raw) if read is not None else _fast_converter.structure(raw, cls)
    except Exception:
        pass
    try:
        return converter.structure(raw, cls)
    except Exception as exc:
        if _inexact_inside(exc):
            raise InexactNumber from None
        return validation_messages(exc, path)


def with_fast_parse(fast: bool, work: Callable[[], _T]) -> _T:
    """Run ``work`` knowing whether its JSON was parsed by orjson (floats stand for exact
    digits then: a record that meets one raises ``InexactNumber``)."""
    token = _FROM_FAST_PARSE.set(fast)
    try:
        return work()
    finally:
        _FROM_FAST_PARSE.reset(token)


def raw_id(raw: Any) -> str | None:
    """The id of a record as sent, when it has one that is text (shown printable): a rejected
    record is named by it."""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return printable(str(raw["id"]))
    return None
