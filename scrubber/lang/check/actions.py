"""What an action kind is offered while it checks its arguments (``CheckContext``), and the
tables it names, found and read inside the rules folder."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.check.checker import Checker, SourceFile
from scrubber.lang.checked import CODE_SHAPE
from scrubber.lang.words import did_you_mean, either
from scrubber.model.fields import FIELDS
from scrubber.tables.loader import Refused, TableKind
from scrubber.tables.pairs import PairTable
from scrubber.tables.prices import PriceTable
from scrubber.tables.problems import TableError
from scrubber.tables.units import UnitTable

__all__ = ["ActionContext", "load_table"]


def load_table(
    checker: Checker, source: SourceFile, written: str, span: ast.Span, kind: TableKind
) -> UnitTable | PairTable | PriceTable | None:
    found = checker.tables.locate(source.path, source.root, written)
    if isinstance(found, Refused):
        if found.reason == "missing":
            near = did_you_mean(found.name, found.beside)
            checker.error(codes.TABLE_MISSING, f'table "{written}" does not exist{near}', span)
        elif found.reason == "not_regular":
            message = f'"{written}" is not a table file, archive or folder (a device or a pipe)'
            checker.error(codes.TABLE_MISSING, message, span)
        elif found.reason == "outside":
            message = f'"{written}" is outside the rules folder: tables must live inside it'
            checker.error(codes.TABLE_OUTSIDE, message, span)
        else:
            message = (
                f'"{written}": a table path is relative to the rule file, with / between folders'
            )
            checker.error(codes.TABLE_OUTSIDE, message, span)
        return None
    table = checker.tables.load(found, kind, source.root)
    if isinstance(table, TableError):
        shown = _table_display(source, written)
        for problem in table.problems:
            # A part is named after the table: rules/tables/ptp.zip:part2.txt:17:1
            where = f"{shown}:{problem.part}" if problem.part else shown
            checker.errors.append(RuleError(
                codes.TABLE_MALFORMED.code, f"malformed table: {problem.message}", where,
                problem.line, problem.column, problem.line, problem.column + 1,
                problem.text, notes=(f"loaded by {span}",),
            ))  # fmt: skip
        if table.more:
            checker.error(
                codes.TABLE_MALFORMED, f"... and {table.more} more problems in {written}", span
            )
        return None
    return table


@attrs.define
class ActionContext:
    """The ``CheckContext`` a kind sees while checking one action of one file."""

    checker: Checker
    source: SourceFile

    def error(self, code: codes.ErrorCode, message: str, span: ast.Span) -> None:
        self.checker.error(code, message, span)

    def codes(self, code_list: ast.CodeList | None) -> frozenset[str] | None:
        if code_list is None or code_list.any:
            return None
        return frozenset(c for item in code_list.items for c in self.checker.code_item(item))

    def code(self, item: ast.CodeItem, role: str) -> str | None:
        if isinstance(item, ast.Code):
            found = self.checker.code_item(item)
            return found[0] if found else None
        hint = ""
        name = item.name if isinstance(item, ast.CodesetRef) else ""
        if any(c.isdigit() for c in name) and CODE_SHAPE.fullmatch(name.upper()):  # g0283
            hint = f' (did you mean "{name.upper()}"? codes are written in capitals)'
        what = "a range" if isinstance(item, ast.CodeRange) else "a codeset"
        self.checker.error(
            codes.BAD_CODE,
            f"{role} takes single codes (replace 97014 with G0283), not {what}{hint}",
            item.span,
        )
        return None

    def modifier(self, modifier: str, span: ast.Span) -> None:
        self.checker.modifier(modifier, span)

    def scope(self, word: ast.Word, allowed: Sequence[ast.Scope]) -> ast.Scope | None:
        words = [s.value for s in allowed]
        if word.text in words:
            return ast.Scope(word.text)
        hint = did_you_mean(word.text, words)
        self.checker.error(
            codes.UNKNOWN_WORD,
            f'"{word.text}" is not a scope here: use {either(words)}{hint}',
            word.span,
        )
        return None

    def word(self, word: ast.Word, allowed: Sequence[str], what: str) -> str | None:
        if word.text in allowed:
            return word.text
        self.checker.error(
            codes.UNKNOWN_WORD,
            f'unknown {what} "{word.text}": use {either(list(allowed))}'
            f"{did_you_mean(word.text, allowed)}",
            word.span,
        )
        return None

    def unit_table(self, file: str, span: ast.Span) -> UnitTable | None:
        table = load_table(self.checker, self.source, file, span, "unit")
        if isinstance(table, UnitTable):
            self.checker.unit_tables[(self.source.parsed.file.path, file)] = table
            return table
        return None

    def pair_table(self, file: str, span: ast.Span) -> PairTable | None:
        table = load_table(self.checker, self.source, file, span, "pair")
        if isinstance(table, PairTable):
            self.checker.pair_tables[(self.source.parsed.file.path, file)] = table
            return table
        return None

    def price_table(self, file: str, span: ast.Span) -> PriceTable | None:
        table = load_table(self.checker, self.source, file, span, "price")
        if isinstance(table, PriceTable):
            self.checker.price_tables[(self.source.parsed.file.path, file)] = table
            return table
        return None

    def settable(self, path: ast.Path, value: ast.Literal) -> None:
        field = FIELDS.get(path.name)
        if field is None:
            self.checker.error(
                codes.UNKNOWN_FIELD,
                f'unknown field "{path.name}"{did_you_mean(path.name, FIELDS)}',
                path.span,
            )
            return
        if not field.settable:
            self.checker.error(
                codes.WRONG_CONTEXT, f"{field.path} cannot be set: set changes patient, case and "
                "insurance fields, not ids, charges, visits or addresses", path.span,
            )  # fmt: skip
            return
        self.checker.value(field, value)


def _table_display(source: SourceFile, written: str) -> str:
    folder = source.parsed.file.path.replace("\\", "/").rsplit("/", 1)
    return f"{folder[0]}/{written}" if len(folder) == 2 else written
