"""The state the checker's stages share, and the checks several of them ask for.

Definitions found so far, codesets resolved, tables loaded, and the one list of errors; checks of
a code, a field, a value and a modifier, each reporting at the right position; and what an
expression kind is offered while it checks itself (``ExprContext``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.checked import (
    CODE_SHAPE,
    CheckedRules,
    expand_items,
    expand_range,
    range_shape_problem,
)
from scrubber.lang.expressions import EXPRESSIONS
from scrubber.lang.expressions.base import kind_words, literal_words, value_kind
from scrubber.lang.kinds import ActionKinds
from scrubber.lang.parse import ParsedFile, error_at
from scrubber.lang.words import did_you_mean
from scrubber.model.fields import FIELDS, Field, Kind, Subject
from scrubber.tables.loader import TableLoader
from scrubber.tables.pairs import PairTable
from scrubber.tables.prices import PriceTable
from scrubber.tables.units import UnitTable

__all__ = [
    "LINE_SUBJECTS",
    "PAYER_SUBJECTS",
    "VISIT_SUBJECTS",
    "CheckReport",
    "Checker",
    "ExprContext",
    "SourceFile",
]

_MODIFIER = re.compile(r"[A-Z0-9]{2}")

PAYER_SUBJECTS = frozenset({Subject.CASE, Subject.PATIENT})
VISIT_SUBJECTS = frozenset({Subject.VISIT, Subject.COUNTS, Subject.CASE, Subject.PATIENT})
LINE_SUBJECTS = frozenset(Subject)


@attrs.frozen
class SourceFile:
    """A rule file as read: its parse, its text lines, and the folder its tables must stay in."""

    parsed: ParsedFile
    lines: tuple[str, ...]
    #: the file on disk (tables are found relative to it)
    path: Path
    #: the rules folder: no table may be read from outside it
    root: Path


@attrs.frozen
class CheckReport:
    """Every problem found, sorted by file and position, and the checked rules when there was
    none (``rules`` is None otherwise: a rule set with problems is never compiled)."""

    errors: tuple[RuleError, ...]
    rules: CheckedRules | None
    files: tuple[ast.RuleFile, ...]
    #: what the rules probably do not mean (severity "warning"); they never stop a scrub
    warnings: tuple[RuleError, ...] = ()

    def counts(self) -> dict[str, int]:
        """Files, rules, codesets and payers read."""
        return {
            "files": len(self.files),
            "rules": sum(len(b.rules) for f in self.files for b in f.blocks),
            "codesets": len({c.name for f in self.files for c in f.codesets}),
            "payers": len({p.name for f in self.files for p in f.payers}),
        }


class Checker:
    """The state the stages share: definitions found so far, tables loaded, and the errors."""

    def __init__(
        self, sources: Sequence[SourceFile], tables: TableLoader, kinds: ActionKinds[Any]
    ) -> None:
        self.sources = sources
        self.kinds = kinds
        self.tables = tables
        self.errors: list[RuleError] = []
        self.warnings: list[RuleError] = []
        self.codeset_defs: dict[str, ast.CodesetDef] = {}
        self.payer_defs: dict[str, ast.PayerDef] = {}
        self.codesets: dict[str, frozenset[str]] = {}
        self.broken = frozenset().union(*(s.parsed.broken_names for s in sources))
        self.unit_tables: dict[tuple[str, str], UnitTable] = {}
        self.pair_tables: dict[tuple[str, str], PairTable] = {}
        self.price_tables: dict[tuple[str, str], PriceTable] = {}
        #: the charge master of the rule set (``charges by table``), once loaded
        self.charge_master: PriceTable | None = None
        self.lines = {s.parsed.file.path: s.lines for s in sources}

    def error(
        self, code: codes.ErrorCode, message: str, span: ast.Span, notes: tuple[str, ...] = ()
    ) -> None:
        error = error_at(code, message, span, self.lines.get(span.file, ()))
        self.errors.append(attrs.evolve(error, notes=notes) if notes else error)

    def warn(self, code: codes.ErrorCode, message: str, span: ast.Span) -> None:
        error = error_at(code, message, span, self.lines.get(span.file, ()))
        self.warnings.append(attrs.evolve(error, severity="warning"))

    def source_line(self, span: ast.Span) -> str:
        lines = self.lines.get(span.file, ())
        return lines[span.line - 1] if 0 < span.line <= len(lines) else ""

    # -- codes --

    def code_item(self, item: ast.CodeItem) -> list[str]:
        """The codes of one item of a code list, reporting what is wrong with it."""
        if isinstance(item, ast.Code):
            if not CODE_SHAPE.fullmatch(item.value):
                hint = ""
                if re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", item.value):
                    hint = f"; a range is written with two dots: {item.value.replace('-', '..')}"
                elif item.value.upper() != item.value and CODE_SHAPE.fullmatch(item.value.upper()):
                    hint = f' (did you mean "{item.value.upper()}"?)'
                self.error(
                    codes.BAD_CODE, f'"{item.value}" is not a code: codes are 5 capital letters '
                    f"or digits, like 97110 or G0283{hint}", item.span,
                )  # fmt: skip
                return []
            return [item.value]
        if isinstance(item, ast.CodeRange):
            problem = range_shape_problem(item.start, item.end)
            if problem:
                self.error(codes.BAD_CODE, problem, item.span)
                return []
            return expand_range(item.start, item.end)
        if item.name in self.codeset_defs:
            return list(self.codesets.get(item.name, ()))
        if item.name not in self.broken:
            hint = did_you_mean(item.name, self.codeset_defs)
            looks_like_code = any(ch.isdigit() for ch in item.name)
            if not hint and looks_like_code and CODE_SHAPE.fullmatch(item.name.upper()):
                hint = (
                    f' (did you mean the code "{item.name.upper()}"? codes are written in capitals)'
                )
            self.error(codes.UNKNOWN_CODESET, f'unknown codeset "{item.name}"{hint}', item.span)
        return []

    def codes_quiet(self, code_list: ast.CodeList) -> frozenset[str] | None:
        """The codes a list selects, reporting nothing (it was checked already)."""
        if code_list.any:
            return None
        return frozenset(expand_items(code_list.items, self.codesets))

    # -- fields and values --

    def field(self, path: ast.Path, allowed: frozenset[Subject], where: str) -> Field | None:
        field = FIELDS.get(path.name)
        if field is None:
            self.error(
                codes.UNKNOWN_FIELD,
                f'unknown field "{path.name}"{did_you_mean(path.name, FIELDS)}',
                path.span,
            )
            return None
        if field.subject not in allowed:
            self.error(codes.WRONG_CONTEXT, f"{path.name} cannot be read {where}", path.span)
            return None
        return field

    def expr(self, expr: ast.Expr, allowed: frozenset[Subject], where: str) -> None:
        """Check a condition read where only ``allowed`` subjects may be (``where`` says why
        others cannot), by each of its kinds."""
        EXPRESSIONS.kind_of(expr).check(expr, ExprContext(self, allowed, where))

    def value(self, field: Field, value: ast.Literal) -> None:
        actual = value.value
        wanted = {
            Kind.TEXT: str, Kind.ENUM: str, Kind.NUMBER: Decimal, Kind.DATE: date, Kind.BOOL: bool,
        }.get(field.kind)  # fmt: skip
        if wanted is None or isinstance(actual, ast.BadDate):
            return  # a bad date is reported where it stands
        if not isinstance(actual, wanted) or (wanted is not bool and isinstance(actual, bool)):
            self.error(
                codes.WRONG_TYPE, f"{field.path} is {kind_words(field)}, but "
                f"{literal_words(value)} is {value_kind(value)}", value.span,
            )  # fmt: skip
            return
        if field.kind is Kind.ENUM and actual not in field.choices:
            choices = ", ".join(f'"{c}"' for c in field.choices)
            hint = did_you_mean(str(actual), field.choices)
            self.error(
                codes.NOT_A_CHOICE,
                f'"{actual}" is not a value of {field.path} (one of {choices}){hint}',
                value.span,
            )
        whole = field.kind is Kind.NUMBER and field.python_type is int
        if whole and isinstance(actual, Decimal) and actual != actual.to_integral_value():
            self.error(
                codes.WRONG_TYPE,
                f"{field.path} is a whole number; {actual} can never equal it",
                value.span,
            )

    def modifier(self, modifier: str, span: ast.Span) -> None:
        if not _MODIFIER.fullmatch(modifier):
            upper = modifier.upper()
            hint = f' (did you mean "{upper}"?)' if _MODIFIER.fullmatch(upper) else ""
            self.error(
                codes.BAD_MODIFIER,
                f'"{modifier}" is not a modifier: modifiers are 2 capital letters or digits{hint}',
                span,
            )


@attrs.frozen
class ExprContext:
    """The ``ExprCheck`` an expression kind sees: fields may be read only from ``allowed``
    subjects (``where`` says why others cannot be)."""

    checker: Checker
    allowed: frozenset[Subject]
    where: str

    def error(self, code: codes.ErrorCode, message: str, span: ast.Span) -> None:
        self.checker.error(code, message, span)

    def field(self, path: ast.Path) -> Field | None:
        return self.checker.field(path, self.allowed, self.where)

    def value(self, field: Field, value: ast.Literal) -> None:
        self.checker.value(field, value)

    def sub(self, expr: ast.Expr) -> None:
        EXPRESSIONS.kind_of(expr).check(expr, self)

    def source_line(self, span: ast.Span) -> str:
        return self.checker.source_line(span)
