"""The paths a rule may read (``patient.address.postal_code``), their types and where they live.

Both the checker (is this path known, is it used in the right place, does the value have the
right type) and the engine (what is its value for this visit) read this one table, so a path
can never be accepted by one and unknown to the other. Most paths are attributes of the records;
``visit.treatment_day`` and the other counts across visits are derived (``scrubber.model.history``)
and read from what the engine computed for the visit.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import attrs

from scrubber.model.history import COUNT_DESCRIPTIONS, VisitCounts
from scrubber.model.meanings import meaning
from scrubber.model.records import (
    Address,
    Case,
    Charge,
    Employer,
    Guarantor,
    Insurance,
    Patient,
    Phone,
    Provider,
    Visit,
)

__all__ = ["FIELDS", "Field", "Kind", "Subject", "evolve_path"]


class Kind(enum.Enum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOL = "true/false"
    ENUM = "choice"
    LIST = "list"


class Subject(enum.Enum):
    """Which record a path reads: a charge path needs a charge line to be evaluated on; a count
    (``visit.treatment_day``) is read from what the engine derived for the visit."""

    CHARGE = "charge"
    VISIT = "visit"
    COUNTS = "counts"
    CASE = "case"
    PATIENT = "patient"


@attrs.frozen
class Field:
    path: str
    kind: Kind
    subject: Subject
    get: Callable[[Any], Any] = attrs.field(eq=False, repr=False)
    choices: tuple[str, ...] = ()
    settable: bool = False
    #: the attribute chain below the subject record, for ``set``
    attribute: tuple[str, ...] = ()
    #: the Python type of the value (an enum class for choices), to build values of it
    python_type: Any = attrs.field(default=str, eq=False, repr=False)
    #: what the field means, for explanations, hover text and completion
    description: str = ""


def _getter(names: tuple[str, ...]) -> Callable[[Any], Any]:
    def walk(obj: Any) -> Any:
        for name in names:
            if obj is None:
                return None
            obj = getattr(obj, name)
        return obj

    fast = operator.attrgetter(".".join(names))

    def get(obj: Any) -> Any:
        # attrgetter runs in C; a missing optional parent (no primary address) raises, and the
        # careful walk then says the value is missing.
        try:
            return fast(obj)
        except AttributeError:
            return walk(obj)

    return get


_KEYS = frozenset({"id", "patient_id", "case_id", "payer_id"})
#: fields a rule reads but never sets: the ids, and what the case was read from
_READ_ONLY = _KEYS | {"origin"}


def _plain_type(hint: Any) -> Any:
    args = [a for a in get_args(hint) if a is not type(None)]
    return args[0] if get_origin(hint) in (Union, UnionType) and len(args) == 1 else hint


def _kind_of(hint: Any) -> tuple[Kind, tuple[str, ...]] | None:
    hint = _plain_type(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return Kind.ENUM, tuple(str(m.value) for m in hint)
    if get_origin(hint) is tuple:
        # Lists of text (modifiers, diagnosis codes) can be asked "has"; lists of records cannot.
        return (Kind.LIST, ()) if get_args(hint)[0] is str else None
    simple = {
        str: Kind.TEXT,
        bool: Kind.BOOL,
        int: Kind.NUMBER,
        Decimal: Kind.NUMBER,
        date: Kind.DATE,
    }
    kind = simple.get(hint) if isinstance(hint, type) else None
    return (kind, ()) if kind is not None else None


def _record_fields(
    prefix: str, record: type, subject: Subject, through: tuple[str, ...], settable: bool
) -> list[Field]:
    hints = get_type_hints(record)
    fields = []
    for attribute in attrs.fields(record):
        found = _kind_of(hints[attribute.name])
        if found is None:
            continue  # a nested record: listed under its own prefix
        kind, choices = found
        name = "class" if attribute.name == "class_" else attribute.name
        chain = (*through, attribute.name)
        fields.append(
            Field(
                f"{prefix}.{name}",
                kind,
                subject,
                get=_getter(chain),
                choices=choices,
                settable=settable and name not in _READ_ONLY and kind is not Kind.LIST,
                attribute=chain,
                python_type=_plain_type(hints[attribute.name]),
                description=meaning(prefix, record.__name__, attribute.name),
            )
        )
    return fields


def _build() -> dict[str, Field]:
    groups: list[tuple[str, type, Subject, tuple[str, ...], bool]] = [
        ("charge", Charge, Subject.CHARGE, (), False),
        ("visit", Visit, Subject.VISIT, (), False),
        ("provider", Provider, Subject.VISIT, ("provider",), False),
        ("patient", Patient, Subject.PATIENT, (), True),
        ("patient.address", Address, Subject.PATIENT, ("address",), False),
        ("patient.phone", Phone, Subject.PATIENT, ("phone",), False),
        ("patient.guarantor", Guarantor, Subject.PATIENT, ("guarantor",), False),
        ("case", Case, Subject.CASE, (), True),
        ("insurance", Insurance, Subject.CASE, ("insurance",), True),
        ("insurance.employer", Employer, Subject.CASE, ("insurance", "employer"), False),
    ]
    for owner in ("address", "phone"):
        record = Address if owner == "address" else Phone
        groups.append(
            (
                f"insurance.employer.{owner}",
                record,
                Subject.CASE,
                ("insurance", "employer", owner),
                False,
            )
        )
    fields = [f for group in groups for f in _record_fields(*group)]
    counts = [
        attrs.evolve(f, description=COUNT_DESCRIPTIONS[f.attribute[-1]])
        for f in _record_fields("visit", VisitCounts, Subject.COUNTS, (), False)
    ]
    return {f.path: f for f in [*fields, *counts]}


FIELDS: dict[str, Field] = _build()


def evolve_path(record: Any, chain: tuple[str, ...], value: Any) -> Any:
    """A copy of ``record`` with the attribute at ``chain`` set to ``value`` (records are frozen).
    A missing record on the way (no employer) leaves everything as it is."""
    head, *rest = chain
    if not rest:
        return attrs.evolve(record, **{head: value})
    inner = getattr(record, head)
    if inner is None:
        return record
    return attrs.evolve(record, **{head: evolve_path(inner, tuple(rest), value)})
