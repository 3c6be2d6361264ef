"""The meaning of a rule set: every problem a parse cannot see, all reported at once.

The checker is a list of named stages (``STAGES``) run in order into one error list: definitions,
codesets, dates, payers, blocks, rules, consistency, tests. Each stage checks every statement on
its own, so that one mistake does not hide another. What differs between kinds of action is
checked by the kind itself (handed in: ``scrubber.lang.kinds``), through the ``CheckContext`` this
module offers; tables are found and read by ``scrubber.tables.loader``.

``check`` returns the problems, and the checked rules only when there is none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.checked import (
    BUILTIN_PAYER,
    CODE_SHAPE,
    CheckedRules,
    expand_items,
    expand_range,
    range_shape_problem,
)
from scrubber.lang.kinds import ActionKinds
from scrubber.lang.parse import ParsedFile, error_at, reserved_words
from scrubber.lang.patterns import pattern_problem
from scrubber.lang.words import did_you_mean, either
from scrubber.model.fields import FIELDS, Field, Kind, Subject
from scrubber.tables.loader import Refused, TableKind, TableLoader
from scrubber.tables.pairs import PairTable
from scrubber.tables.problems import TableError
from scrubber.tables.units import UnitTable

__all__ = ["STAGES", "CheckReport", "SourceFile", "check"]

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
        self.codeset_defs: dict[str, ast.CodesetDef] = {}
        self.payer_defs: dict[str, ast.PayerDef] = {}
        self.codesets: dict[str, frozenset[str]] = {}
        self.broken = frozenset().union(*(s.parsed.broken_names for s in sources))
        self.unit_tables: dict[tuple[str, str], UnitTable] = {}
        self.pair_tables: dict[tuple[str, str], PairTable] = {}
        self.lines = {s.parsed.file.path: s.lines for s in sources}

    def error(
        self, code: codes.ErrorCode, message: str, span: ast.Span, notes: tuple[str, ...] = ()
    ) -> None:
        error = error_at(code, message, span, self.lines.get(span.file, ()))
        self.errors.append(attrs.evolve(error, notes=notes) if notes else error)

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

    # -- expressions --

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
        if isinstance(expr, ast.And | ast.Or):
            for item in expr.items:
                self.expr(item, allowed, where)
            return
        if isinstance(expr, ast.Not):
            self.expr(expr.item, allowed, where)
            return
        field = self.field(expr.path, allowed, where)
        if field is None:
            return
        if isinstance(expr, ast.Compare):
            self.compare(field, expr, allowed, where)
        elif isinstance(expr, ast.InList):
            if field.kind in (Kind.LIST, Kind.BOOL):
                self.error(
                    codes.WRONG_OPERATOR,
                    f"{field.path} is {_kind_words(field)}: 'in [...]' does not apply to it",
                    expr.span,
                )
                return
            for value in expr.values:
                self.value(field, value)
        elif isinstance(expr, ast.Matches):
            if field.kind not in (Kind.TEXT, Kind.ENUM):
                self.error(
                    codes.WRONG_OPERATOR, f"{field.path} is {_kind_words(field)}: only text can "
                    "be matched against a pattern", expr.span,
                )  # fmt: skip
                return
            self.regex(expr)
        elif isinstance(expr, ast.Has) and field.kind is not Kind.LIST:
            self.error(codes.WRONG_OPERATOR, f"{field.path} is {_kind_words(field)}, not a list: "
                       "'has' asks whether a list holds an item (as in charge.modifiers has KX)",
                       expr.span)  # fmt: skip

    def compare(
        self, field: Field, expr: ast.Compare, allowed: frozenset[Subject], where: str
    ) -> None:
        if field.kind is Kind.LIST:
            self.error(
                codes.WRONG_OPERATOR,
                f"{field.path} is a list: ask whether it holds an item, as in {field.path} has KX",
                expr.span,
            )
            return
        if expr.op not in ("=", "!=") and field.kind not in (Kind.NUMBER, Kind.DATE):
            self.error(codes.WRONG_OPERATOR, f"{field.path} is {_kind_words(field)}: compare it "
                       f"with = or != (the order {expr.op} applies to numbers and dates)",
                       expr.span)  # fmt: skip
            return
        if isinstance(expr.value, ast.Path):
            other = self.field(expr.value, allowed, where)
            if other is not None and _sort(other) != _sort(field):
                self.error(
                    codes.WRONG_TYPE, f"{field.path} is {_kind_words(field)}, but {other.path} is "
                    f"{_kind_words(other)}: both sides of a comparison must be of one type",
                    expr.value.span,
                )  # fmt: skip
            return
        self.value(field, expr.value)

    def value(self, field: Field, value: ast.Literal) -> None:
        actual = value.value
        wanted = {
            Kind.TEXT: str, Kind.ENUM: str, Kind.NUMBER: Decimal, Kind.DATE: date, Kind.BOOL: bool,
        }.get(field.kind)  # fmt: skip
        if wanted is None or isinstance(actual, ast.BadDate):
            return  # a bad date is reported where it stands
        if not isinstance(actual, wanted) or (wanted is not bool and isinstance(actual, bool)):
            self.error(
                codes.WRONG_TYPE, f"{field.path} is {_kind_words(field)}, but "
                f"{_literal_words(value)} is {_value_kind(value)}", value.span,
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

    def regex(self, expr: ast.Matches) -> None:
        found = pattern_problem(expr.pattern)
        if found is None:
            return
        lines = self.lines.get(expr.span.file, ())
        line_text = lines[expr.span.line - 1] if 0 < expr.span.line <= len(lines) else ""
        slash = line_text.find("/", expr.path.span.end_column - 1)
        start = slash + 1 if slash >= 0 else expr.span.column + len(expr.path.name)
        span = ast.Span(
            expr.span.file, expr.span.line, start, expr.span.end_line, expr.span.end_column
        )  # the pattern between its slashes
        code, message = found
        self.error(code, message, span)

    def modifier(self, modifier: str, span: ast.Span) -> None:
        if not _MODIFIER.fullmatch(modifier):
            upper = modifier.upper()
            hint = f' (did you mean "{upper}"?)' if _MODIFIER.fullmatch(upper) else ""
            self.error(
                codes.BAD_MODIFIER,
                f'"{modifier}" is not a modifier: modifiers are 2 capital letters or digits{hint}',
                span,
            )

    # -- tables --

    def table(
        self, source: SourceFile, written: str, span: ast.Span, kind: TableKind
    ) -> UnitTable | PairTable | None:
        found = self.tables.locate(source.path, source.root, written)
        if isinstance(found, Refused):
            if found.reason == "missing":
                near = did_you_mean(found.name, found.beside)
                self.error(codes.TABLE_MISSING, f'table "{written}" does not exist{near}', span)
            elif found.reason == "not_regular":
                message = f'"{written}" is not a table file, archive or folder (a device or a pipe)'
                self.error(codes.TABLE_MISSING, message, span)
            elif found.reason == "outside":
                message = f'"{written}" is outside the rules folder: tables must live inside it'
                self.error(codes.TABLE_OUTSIDE, message, span)
            else:
                message = f'"{written}": a table path is relative to the rule file, with / between folders'
                self.error(codes.TABLE_OUTSIDE, message, span)
            return None
        table = self.tables.load(found, kind, source.root)
        if isinstance(table, TableError):
            shown = _table_display(source, written)
            for problem in table.problems:
                # A part is named after the table: rules/tables/ptp.zip:part2.txt:17:1
                where = f"{shown}:{problem.part}" if problem.part else shown
                self.errors.append(RuleError(
                    codes.TABLE_MALFORMED.code, f"malformed table: {problem.message}", where,
                    problem.line, problem.column, problem.line, problem.column + 1,
                    problem.text, notes=(f"loaded by {span}",),
                ))  # fmt: skip
            if table.more:
                self.error(
                    codes.TABLE_MALFORMED, f"... and {table.more} more problems in {written}", span
                )
            return None
        return table


@attrs.define
class _ActionContext:
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
        table = self.checker.table(self.source, file, span, "unit")
        if isinstance(table, UnitTable):
            self.checker.unit_tables[(self.source.parsed.file.path, file)] = table
            return table
        return None

    def pair_table(self, file: str, span: ast.Span) -> PairTable | None:
        table = self.checker.table(self.source, file, span, "pair")
        if isinstance(table, PairTable):
            self.checker.pair_tables[(self.source.parsed.file.path, file)] = table
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


# ---- the stages ----------------------------------------------------------------------------


def parse_errors(checker: Checker) -> None:
    """What the parser found: syntax, limits, blocks."""
    for source in checker.sources:
        checker.errors.extend(source.parsed.errors)


def definitions(checker: Checker) -> None:
    """Codesets and payers are shared by every file: each name defined once; files named apart
    (audit entries name rules by file name)."""
    stems: dict[str, ast.RuleFile] = {}
    for source in checker.sources:
        rule_file = source.parsed.file
        if not rule_file.blocks and not rule_file.codesets and not rule_file.payers:
            continue  # a file of tests only: its name names no rule
        if rule_file.stem in stems:
            checker.error(
                codes.DUPLICATE_DEFINITION, f'two rule files are named "{rule_file.stem}" '
                f"({stems[rule_file.stem].path} and this one): audit entries name rules by file "
                "name, so names must differ", ast.Span(rule_file.path, 1, 1, 1, 1),
            )  # fmt: skip
        stems.setdefault(rule_file.stem, rule_file)
        for codeset in rule_file.codesets:
            first = checker.codeset_defs.get(codeset.name)
            if first is not None:
                checker.error(
                    codes.DUPLICATE_DEFINITION,
                    f'codeset "{codeset.name}" is already defined at {first.span}',
                    codeset.span,
                )
            else:
                checker.codeset_defs[codeset.name] = codeset
        for payer in rule_file.payers:
            if payer.name == BUILTIN_PAYER:
                checker.error(codes.DUPLICATE_DEFINITION, '"any" is the built-in payer that '
                              "matches every visit; choose another name", payer.span)  # fmt: skip
                continue
            first_payer = checker.payer_defs.get(payer.name)
            if first_payer is not None:
                checker.error(
                    codes.DUPLICATE_DEFINITION,
                    f'payer "{payer.name}" is already defined at {first_payer.span}',
                    payer.span,
                )
            else:
                checker.payer_defs[payer.name] = payer


def names(checker: Checker) -> None:
    """No codeset or payer may be named with a word of the language: ``add modifier GP to
    limit`` could not be read. (A rule's id is only ever shown, so any word will do.)"""
    reserved = reserved_words()
    for source in checker.sources:
        rule_file = source.parsed.file
        named: list[tuple[str, str, ast.Span]] = [
            *(("codeset", c.name, c.span) for c in rule_file.codesets),
            # "payer any" has its own message (the built-in payer)
            *(("payer", p.name, p.span) for p in rule_file.payers if p.name != BUILTIN_PAYER),
        ]
        for kind, name, span in named:
            if name in reserved:
                checker.error(
                    codes.RESERVED_WORD, f'"{name}" is a word of the language and cannot name a '
                    f"{kind}: choose another name, like my-{name}", _name_span(checker, span, name),
                )  # fmt: skip


def _name_span(checker: Checker, span: ast.Span, name: str) -> ast.Span:
    """Where a definition's name stands: the first word after its keyword."""
    lines = checker.lines.get(span.file, ())
    text = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    at = text.find(name, text.find(" ", span.column - 1))
    if at < 0:
        return span
    return ast.Span(span.file, span.line, at + 1, span.line, at + 1 + len(name))


def codesets(checker: Checker) -> None:
    """Every codeset resolved to its codes; a codeset defined in terms of itself is an error."""
    resolving: list[str] = []

    def resolve(name: str) -> frozenset[str]:
        if name in checker.codesets:
            return checker.codesets[name]
        definition = checker.codeset_defs[name]
        if name in resolving:
            cycle = " -> ".join([*resolving[resolving.index(name) :], name])
            checker.error(
                codes.CYCLE, f"codeset {name} is defined in terms of itself ({cycle})",
                definition.span,
            )  # fmt: skip
            return frozenset()
        resolving.append(name)
        found: set[str] = set()
        for item in definition.items:
            if isinstance(item, ast.CodesetRef) and item.name in checker.codeset_defs:
                found |= resolve(item.name)
            else:
                found |= set(checker.code_item(item))
        resolving.pop()
        checker.codesets[name] = frozenset(found)
        return checker.codesets[name]

    for name in checker.codeset_defs:
        resolve(name)


def dates(checker: Checker) -> None:
    """Every date written is on the calendar; every block's range is not empty."""
    for source in checker.sources:
        for node in _nodes(source.parsed.file):
            if isinstance(node, ast.BadDate):
                checker.error(codes.BAD_DATE, f"{node.text} is not a calendar date", node.span)
        for block in source.parsed.file.blocks:
            start, end = block.effective, block.through
            if isinstance(start, date) and isinstance(end, date) and end < start:
                checker.error(codes.EMPTY_RANGE, f"the block ends ({end}) before it starts "
                              f"({start}): it would never apply", block.span)  # fmt: skip


def payers(checker: Checker) -> None:
    """A payer is chosen by the case: its condition reads the case, insurance and patient."""
    for payer in checker.payer_defs.values():
        checker.expr(
            payer.condition, PAYER_SUBJECTS, "to choose a payer (a payer is chosen by the case)"
        )


def blocks(checker: Checker) -> None:
    """Every block names a payer that is defined."""
    known = [*checker.payer_defs, BUILTIN_PAYER]
    for source in checker.sources:
        for block in source.parsed.file.blocks:
            if block.payer not in known and block.payer not in checker.broken:
                checker.error(
                    codes.UNKNOWN_PAYER,
                    f'unknown payer "{block.payer}"{did_you_mean(block.payer, known)}',
                    block.payer_span,
                )


def rules(checker: Checker) -> None:
    """Rule ids unique in their file; each condition reads fields that exist, where they can be
    read, with values of their type; each action's arguments, checked by its kind (tables are
    loaded here)."""
    for source in checker.sources:
        seen: dict[str, ast.Rule] = {}
        context = _ActionContext(checker, source)
        for block in source.parsed.file.blocks:
            for rule in block.rules:
                first = seen.get(rule.id)
                if first is not None:
                    checker.error(
                        codes.DUPLICATE_ID,
                        f'rule id "{rule.id}" is already used on line {first.span.line} of this file',
                        rule.span,
                    )
                seen.setdefault(rule.id, rule)
                kind = checker.kinds.kind_of(rule.action)
                if rule.condition is not None:
                    if kind.visit_level(rule.action):
                        allowed, where = VISIT_SUBJECTS, kind.visit_level_note(rule.action)
                    else:
                        allowed, where = LINE_SUBJECTS, ""
                    checker.expr(rule.condition.expr, allowed, where)
                kind.check(rule.action, context)


def consistency(checker: Checker) -> None:
    """Within a block: no rule that repeats an earlier one or can never apply because an
    earlier rule removed every line it selects, and no two caps on one code and scope that
    disagree."""
    for source in checker.sources:
        for block in source.parsed.file.blocks:
            _block_consistency(checker, block)


def _block_consistency(checker: Checker, block: ast.Block) -> None:
    caps: dict[tuple[str, str, ast.Condition | None], tuple[int, ast.Rule]] = {}
    seen: dict[tuple[ast.ActionNode, ast.Condition | None], ast.Rule] = {}
    gone: dict[str, ast.Rule] = {}
    codes_of = checker.codes_quiet
    for rule in block.rules:
        action = rule.action
        kind = checker.kinds.kind_of(action)
        twin = seen.get((action, rule.condition))
        if twin is not None:
            checker.error(codes.NEVER_APPLIES, f'this rule can never change anything: rule '
                          f'"{twin.id}" on line {twin.span.line} does exactly the same before it',
                          rule.span)  # fmt: skip
            continue
        seen[(action, rule.condition)] = rule
        selected = kind.named_codes(action, codes_of)
        if selected and all(code in gone for code in selected):
            first = gone[min(selected)]
            checker.error(codes.NEVER_APPLIES, "this rule can never apply: every code it selects "
                          f'is already removed by rule "{first.id}" on line {first.span.line}',
                          rule.span)  # fmt: skip
            continue
        for code, scope, cap in kind.caps(action, codes_of):
            key = (code, scope, rule.condition)
            other = caps.get(key)
            if other is not None and other[0] != cap:
                checker.error(
                    codes.CAPS_DISAGREE, f"caps disagree: {code} is limited to {cap} units per "
                    f'{scope} here and to {other[0]} by rule "{other[1].id}" on line '
                    f"{other[1].span.line}", rule.span,
                )  # fmt: skip
                break
            caps.setdefault(key, (cap, rule))
        if rule.condition is None:
            for code in kind.removes(action, codes_of) or ():
                gone.setdefault(code, rule)


def tests(checker: Checker) -> None:
    """Rule tests: names unique in their file, payers known, fields that a test may set, codes
    and modifiers well formed."""
    known = [*checker.payer_defs, BUILTIN_PAYER]
    for source in checker.sources:
        names: dict[str, ast.RuleTest] = {}
        for test in source.parsed.file.tests:
            if test.name in names:
                checker.error(codes.DUPLICATE_ID, f'test "{test.name}" is already written on line '
                              f"{names[test.name].span.line} of this file", test.span)  # fmt: skip
            names.setdefault(test.name, test)
            if test.payer and test.payer not in known and test.payer not in checker.broken:
                checker.error(
                    codes.UNKNOWN_PAYER,
                    f'unknown payer "{test.payer}"{did_you_mean(test.payer, known)}',
                    test.span,
                )
            for step in test.steps:
                if isinstance(step, ast.Given):
                    _given(checker, step)
                elif isinstance(step, ast.TestCharge):
                    checker.code_item(ast.Code(step.cpt, span=step.span))
                    for modifier in step.modifiers:
                        checker.modifier(modifier, step.span)
            for expect in test.expects:
                if expect.code is not None:
                    checker.code_item(ast.Code(expect.code, span=expect.span))
                if expect.kind in ("has_modifier", "lacks_modifier"):
                    checker.modifier(str(expect.value), expect.span)


def _given(checker: Checker, given: ast.Given) -> None:
    name = given.path.name
    if name in ("patient.address", "patient.phone") and given.value is None:
        return  # "without patient.address": no primary address
    field = FIELDS.get(name)
    if field is None:
        checker.error(
            codes.UNKNOWN_FIELD, f'unknown field "{name}"{did_you_mean(name, FIELDS)}',
            given.path.span,
        )  # fmt: skip
        return
    if field.subject is Subject.CHARGE:
        checker.error(codes.WRONG_CONTEXT, f"{name} is set by the charge lines of a test (charge "
                      "97110 units 2 minutes 30 modifiers GP), not with 'with'",
                      given.path.span)  # fmt: skip
        return
    if field.subject is Subject.COUNTS:
        checker.error(codes.WRONG_CONTEXT, f"{name} is counted from the test's visits: add them "
                      "with 'next visit on DATE'", given.path.span)  # fmt: skip
        return
    if field.path in ("visit.id", "visit.case_id", "patient.id", "case.id", "case.patient_id"):
        checker.error(
            codes.WRONG_CONTEXT, f"{name} is chosen by the test itself and cannot be set",
            given.path.span,
        )  # fmt: skip
        return
    if given.value is not None:
        checker.value(field, given.value)


#: the checker, stage by stage, in the order they run
STAGES: tuple[tuple[str, Callable[[Checker], None]], ...] = (
    ("parse", parse_errors),
    ("definitions", definitions),
    ("names", names),
    ("codesets", codesets),
    ("dates", dates),
    ("payers", payers),
    ("blocks", blocks),
    ("rules", rules),
    ("consistency", consistency),
    ("tests", tests),
)


def check(
    sources: Sequence[SourceFile], kinds: ActionKinds[Any], tables: TableLoader | None = None
) -> CheckReport:
    """Check parsed files together (codesets and payers are shared across files), with the
    action kinds they were parsed with. ``tables`` finds and reads the tables (with a cache for
    large ones, when it has one)."""
    checker = Checker(sources, tables or TableLoader(), kinds)
    for _name, stage in STAGES:
        stage(checker)
    errors = tuple(sorted(checker.errors, key=lambda e: e.sort_key))
    files = tuple(s.parsed.file for s in sources)
    if errors:
        return CheckReport(errors, None, files)
    checked = CheckedRules(
        files, checker.codesets, checker.payer_defs, checker.unit_tables, checker.pair_tables
    )
    return CheckReport((), checked, files)


# ---- words -------------------------------------------------------------------------------------


def _nodes(node: Any) -> Iterator[Any]:
    """Every AST node under ``node`` (itself included)."""
    yield node
    if isinstance(node, tuple):
        for item in node:
            yield from _nodes(item)
    elif attrs.has(type(node)) and not isinstance(node, ast.Span):
        for field in attrs.fields(type(node)):
            yield from _nodes(getattr(node, field.name))


def _sort(field: Field) -> Kind:
    """What a field compares as: a choice compares as text."""
    return Kind.TEXT if field.kind is Kind.ENUM else field.kind


def _kind_words(field: Field) -> str:
    return {
        Kind.TEXT: "text", Kind.NUMBER: "a number", Kind.DATE: "a date", Kind.BOOL: "true or false",
        Kind.ENUM: "one of " + ", ".join(f'"{c}"' for c in field.choices), Kind.LIST: "a list",
    }[field.kind]  # fmt: skip


def _value_kind(value: ast.Literal) -> str:
    actual = value.value
    if isinstance(actual, bool):
        return "true/false"
    if isinstance(actual, Decimal):
        return "a number"
    if isinstance(actual, date):
        return "a date"
    return "text"


def _literal_words(value: ast.Literal) -> str:
    actual = value.value
    if isinstance(actual, bool):
        return "true" if actual else "false"
    if isinstance(actual, str):
        return f'"{actual}"'
    return str(actual)


def _table_display(source: SourceFile, written: str) -> str:
    folder = source.parsed.file.path.replace("\\", "/").rsplit("/", 1)
    return f"{folder[0]}/{written}" if len(folder) == 2 else written
