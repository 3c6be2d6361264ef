"""Conditions compiled once, so nothing is parsed or compiled per charge.

A condition compiles into a small tree of nodes, each made by its expression kind
(``scrubber.lang.expressions``). Each leaf (``charge.units > 2``) holds how to read its field and
how to test the value; the tree gives two things built from those same leaves: a plain predicate
for the scrub (``Condition.test``), and ``Condition.trace``, which evaluates the same tests while
recording every value read and which parts made the condition false. Tracing is how
explanations and hold values are made: the engine's own evaluation, never a second one.

A missing value (None, or an empty list) makes every comparison false; only ``is missing`` is
true for it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import attrs

from scrubber.lang.render import render_value
from scrubber.model.fields import FIELDS, Field, Subject
from scrubber.model.history import VisitCounts
from scrubber.model.records import Case, Charge, Patient, Visit, mask_ssn

__all__ = [
    "AllOf",
    "AnyOf",
    "CondNode",
    "ConditionTrace",
    "Context",
    "Leaf",
    "Negation",
    "Pair",
    "Predicate",
    "Read",
    "Reader",
    "missing",
    "plain",
    "reader_of",
    "recorded",
    "shown",
]


class Reader(Protocol):
    """What a condition reads. The engine's lines and visit states are readers themselves."""

    @property
    def visit(self) -> Visit: ...
    @property
    def patient(self) -> Patient: ...
    @property
    def case(self) -> Case: ...
    @property
    def charge(self) -> Charge | None: ...
    @property
    def counts(self) -> VisitCounts | None: ...
    @property
    def therapy_year_amount(self) -> Decimal | None: ...


@attrs.define(slots=True)
class Context:
    """A reader built from plain records (to match a visit's payers, which read no counts)."""

    visit: Visit
    patient: Patient
    case: Case
    charge: Charge | None = None
    counts: VisitCounts | None = None
    therapy_year_amount: Decimal | None = None


Predicate = Callable[[Reader], bool]
#: (path, value as read; an SSN masked)
Read = tuple[str, Any]


@attrs.frozen
class ConditionTrace:
    """What one evaluation of a condition found: its verdict, the values it read (in the order
    read), and in words why it was false (or, for an ``unless``, why it held)."""

    holds: bool
    reads: tuple[Read, ...]
    reasons: tuple[str, ...]


def reader_of(field: Field) -> Callable[[Reader], Any]:
    """How to read a field from a reader, chosen once per leaf."""
    get = field.get
    if field.subject is Subject.CHARGE:
        return lambda ctx: get(ctx.charge)
    if field.subject is Subject.VISIT:
        return lambda ctx: get(ctx.visit)
    if field.subject is Subject.COUNTS:
        if field.attribute == ("therapy_year_amount",):
            # read live: what the year has paid moves as this day's rules price and cut lines
            return lambda ctx: ctx.therapy_year_amount
        return lambda ctx: get(ctx.counts)
    if field.subject is Subject.PATIENT:
        return lambda ctx: get(ctx.patient)
    return lambda ctx: get(ctx.case)


def path_reader(name: str) -> tuple[str, Callable[[Reader], Any]]:
    """(the field's path, its reader) for a path a checked rule names."""
    field = FIELDS[name]
    return field.path, reader_of(field)


def missing(value: Any) -> bool:
    return value is None or value == ()


def shown(path: str, value: Any) -> str:
    """A value read, as a person reads it: text in quotes (a trailing space shows), lists as
    words, missing values as "missing", SSNs masked."""
    if missing(value):
        return "missing"
    if path.endswith("ssn"):
        return str(mask_ssn(str(value)))
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, str | bool | Decimal | date):
        return render_value(value)
    return str(value)


def plain(value: Any) -> Any:
    """A value as a result document holds it: money as text (its digits kept), a date as
    YYYY-MM-DD, a choice as its word; text, numbers, lists and missing as they are."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def recorded(path: str, value: Any) -> Any:
    return mask_ssn(str(value)) if path.endswith("ssn") and value is not None else value


def notes(reads: list[Read]) -> str:
    """`` (path is value)`` for each value read, for messages."""
    seen = dict(reads)
    return "".join(f" ({path} is {shown(path, value)})" for path, value in seen.items())


class CondNode:
    """A node of a compiled condition; ``text`` is the part as written."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def predicate(self) -> Predicate:
        raise NotImplementedError

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        """The verdict, recording each value read; when false, the smallest parts that made it
        false, in words."""
        raise NotImplementedError


class Leaf(CondNode):
    """One field tested against something fixed: ``check(value)``; ``when_false`` words a
    false verdict."""

    __slots__ = ("check", "get", "path", "when_false")

    def __init__(
        self,
        text: str,
        path: str,
        check: Callable[[Any], bool],
        when_false: Callable[[Any], str] | None = None,
    ) -> None:
        super().__init__(text)
        self.path, self.get = path_reader(path)
        self.check = check
        self.when_false = when_false or self._false

    def _false(self, value: Any) -> str:
        return f"{self.text} is false ({self.path} is {shown(self.path, value)})"

    def predicate(self) -> Predicate:
        get, check = self.get, self.check
        return lambda ctx: check(get(ctx))

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        value = self.get(ctx)
        reads.append((self.path, recorded(self.path, value)))
        if self.check(value):
            return True, []
        return False, [self.when_false(value)]


class Pair(CondNode):
    """Two fields compared: both values are read; a missing one makes it false."""

    __slots__ = ("compare", "left", "right")

    def __init__(
        self, text: str, left: str, right: str, compare: Callable[[Any, Any], bool]
    ) -> None:
        super().__init__(text)
        self.left, self.right, self.compare = path_reader(left), path_reader(right), compare

    def predicate(self) -> Predicate:
        (_, left), (_, right), compare = self.left, self.right, self.compare

        def test(ctx: Reader) -> bool:
            a, b = left(ctx), right(ctx)
            return a is not None and b is not None and bool(compare(a, b))

        return test

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        start = len(reads)
        for path, get in (self.left, self.right):
            reads.append((path, recorded(path, get(ctx))))
        if self.predicate()(ctx):
            return True, []
        return False, [f"{self.text} is false{notes(reads[start:])}"]


class AllOf(CondNode):
    __slots__ = ("items",)

    def __init__(self, text: str, items: list[CondNode]) -> None:
        super().__init__(text)
        self.items = items

    def predicate(self) -> Predicate:
        parts = [item.predicate() for item in self.items]
        return lambda ctx: all(p(ctx) for p in parts)

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        for item in self.items:  # as the predicate: stop at the first false part
            holds, reasons = item.explain(ctx, reads)
            if not holds:
                return False, reasons
        return True, []


class AnyOf(CondNode):
    __slots__ = ("items",)

    def __init__(self, text: str, items: list[CondNode]) -> None:
        super().__init__(text)
        self.items = items

    def predicate(self) -> Predicate:
        parts = [item.predicate() for item in self.items]
        return lambda ctx: any(p(ctx) for p in parts)

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        reasons: list[str] = []
        for item in self.items:
            holds, why = item.explain(ctx, reads)
            if holds:
                return True, []
            reasons += why
        return False, reasons


class Negation(CondNode):
    __slots__ = ("item",)

    def __init__(self, text: str, item: CondNode) -> None:
        super().__init__(text)
        self.item = item

    def predicate(self) -> Predicate:
        inner = self.item.predicate()
        return lambda ctx: not inner(ctx)

    def explain(self, ctx: Reader, reads: list[Read]) -> tuple[bool, list[str]]:
        start = len(reads)
        holds, _ = self.item.explain(ctx, reads)
        if not holds:
            return True, []
        return False, [f"{self.item.text} is true{notes(reads[start:])}"]
