"""The meaning of a rule set: every problem a parse cannot see, all reported at once.

Input: parsed files (``ParsedFile``). Output: a ``CheckedRules`` (codesets resolved to codes,
tables loaded) and the list of ``RuleError``s. Checks never stop at the first problem; each
statement is checked on its own so that one mistake does not hide another.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs

from scrubber.dsl import ast
from scrubber.dsl.checked import (
    BUILTIN_PAYER,
    CODE_SHAPE,
    CheckedRules,
    expand_items,
    expand_range,
    range_shape_problem,
)
from scrubber.dsl.parse import ParsedFile, error_at
from scrubber.dsl.regex_safety import backtracking_risk
from scrubber.dsl.words import did_you_mean
from scrubber.errors import RuleError
from scrubber.fields import FIELDS, Field, Kind, Subject
from scrubber.table_cache import TableCache
from scrubber.tables import PairTable, TableError, UnitTable, load_pair_table, load_unit_table

__all__ = ["BUILTIN_PAYER", "METHODS", "CheckedRules", "SourceFile", "check"]

METHODS = ("cms-8-minute", "substantial-portion")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")

PAYER_SUBJECTS = frozenset({Subject.CASE, Subject.PATIENT})
VISIT_SUBJECTS = frozenset({Subject.VISIT, Subject.CASE, Subject.PATIENT})
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


class _Checker:
    def __init__(self, sources: list[SourceFile], cache: TableCache | None) -> None:
        self.sources = sources
        self.cache = cache
        self.errors: list[RuleError] = []
        self.codeset_defs: dict[str, ast.CodesetDef] = {}
        self.payer_defs: dict[str, ast.PayerDef] = {}
        self.codesets: dict[str, frozenset[str]] = {}
        self.broken = frozenset().union(*(s.parsed.broken_names for s in sources))
        self.unit_tables: dict[tuple[str, str], UnitTable] = {}
        self.pair_tables: dict[tuple[str, str], PairTable] = {}
        self._loaded: dict[Path, UnitTable | PairTable | TableError] = {}
        self.lines = {s.parsed.file.path: list(s.lines) for s in sources}

    # -- reporting --

    def error(self, code: str, message: str, span: ast.Span, notes: tuple[str, ...] = ()) -> None:
        error = error_at(code, message, span, self.lines.get(span.file, []))
        self.errors.append(attrs.evolve(error, notes=notes) if notes else error)

    # -- definitions --

    def collect_definitions(self) -> None:
        stems: dict[str, ast.RuleFile] = {}
        for source in self.sources:
            rule_file = source.parsed.file
            if not rule_file.blocks and not rule_file.codesets and not rule_file.payers:
                continue  # a file of tests only: its name names no rule
            if rule_file.stem in stems:
                self.error(
                    "E015", f'two rule files are named "{rule_file.stem}" ({stems[rule_file.stem].path} '
                    "and this one): audit entries name rules by file name, so names must differ",
                    ast.Span(rule_file.path, 1, 1, 1, 1),
                )  # fmt: skip
            stems.setdefault(rule_file.stem, rule_file)
            for codeset in rule_file.codesets:
                first = self.codeset_defs.get(codeset.name)
                if first is not None:
                    self.error(
                        "E015",
                        f'codeset "{codeset.name}" is already defined at {first.span}',
                        codeset.span,
                    )
                else:
                    self.codeset_defs[codeset.name] = codeset
            for payer in rule_file.payers:
                if payer.name == BUILTIN_PAYER:
                    self.error("E015", '"any" is the built-in payer that matches every visit; '
                               "choose another name", payer.span)  # fmt: skip
                    continue
                first_payer = self.payer_defs.get(payer.name)
                if first_payer is not None:
                    self.error(
                        "E015",
                        f'payer "{payer.name}" is already defined at {first_payer.span}',
                        payer.span,
                    )
                else:
                    self.payer_defs[payer.name] = payer

    def resolve_codesets(self) -> None:
        resolving: list[str] = []

        def resolve(name: str) -> frozenset[str]:
            if name in self.codesets:
                return self.codesets[name]
            definition = self.codeset_defs[name]
            if name in resolving:
                cycle = " -> ".join([*resolving[resolving.index(name) :], name])
                self.error(
                    "E017",
                    f"codeset {name} is defined in terms of itself ({cycle})",
                    definition.span,
                )
                return frozenset()
            resolving.append(name)
            codes: set[str] = set()
            for item in definition.items:
                if isinstance(item, ast.CodesetRef) and item.name in self.codeset_defs:
                    codes |= resolve(item.name)
                else:
                    codes |= set(self.check_code_item(item))
            resolving.pop()
            self.codesets[name] = frozenset(codes)
            return self.codesets[name]

        for name in self.codeset_defs:
            resolve(name)

    # -- codes --

    def check_code_item(self, item: ast.CodeItem) -> list[str]:
        if isinstance(item, ast.Code):
            if not CODE_SHAPE.fullmatch(item.value):
                hint = ""
                if re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", item.value):
                    hint = f"; a range is written with two dots: {item.value.replace('-', '..')}"
                elif item.value.upper() != item.value and CODE_SHAPE.fullmatch(item.value.upper()):
                    hint = f' (did you mean "{item.value.upper()}"?)'
                self.error(
                    "E025", f'"{item.value}" is not a code: codes are 5 capital letters or digits, '
                    f"like 97110 or G0283{hint}", item.span,
                )  # fmt: skip
                return []
            return [item.value]
        if isinstance(item, ast.CodeRange):
            problem = range_shape_problem(item.start, item.end)
            if problem:
                self.error("E025", problem, item.span)
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
            self.error("E010", f'unknown codeset "{item.name}"{hint}', item.span)
        return []

    def check_codes(self, codes: ast.CodeList | None) -> frozenset[str] | None:
        if codes is None or codes.any:
            return None
        return frozenset(c for item in codes.items for c in self.check_code_item(item))

    def check_modifier(self, modifier: str, span: ast.Span) -> None:
        if not _MODIFIER.fullmatch(modifier):
            hint = (
                f' (did you mean "{modifier.upper()}"?)'
                if _MODIFIER.fullmatch(modifier.upper())
                else ""
            )
            self.error(
                "E027",
                f'"{modifier}" is not a modifier: modifiers are 2 capital letters or digits{hint}',
                span,
            )

    # -- expressions --

    def field(self, path: ast.Path, allowed: frozenset[Subject], where: str) -> Field | None:
        field = FIELDS.get(path.name)
        if field is None:
            self.error(
                "E012", f'unknown field "{path.name}"{did_you_mean(path.name, FIELDS)}', path.span
            )
            return None
        if field.subject not in allowed:
            self.error("E013", f"{path.name} cannot be read {where}", path.span)
            return None
        return field

    def check_expr(self, expr: ast.Expr, allowed: frozenset[Subject], where: str) -> None:
        if isinstance(expr, ast.And | ast.Or):
            for item in expr.items:
                self.check_expr(item, allowed, where)
            return
        if isinstance(expr, ast.Not):
            self.check_expr(expr.item, allowed, where)
            return
        field = self.field(expr.path, allowed, where)
        if field is None:
            return
        if isinstance(expr, ast.Compare):
            self.check_compare(field, expr)
        elif isinstance(expr, ast.InList):
            if field.kind in (Kind.LIST, Kind.BOOL):
                self.error(
                    "E021",
                    f"{field.path} is {_kind_words(field)}: 'in [...]' does not apply to it",
                    expr.span,
                )
                return
            for value in expr.values:
                self.check_value(field, value)
        elif isinstance(expr, ast.Matches):
            if field.kind not in (Kind.TEXT, Kind.ENUM):
                self.error(
                    "E021",
                    f"{field.path} is {_kind_words(field)}: only text can be matched against a pattern",
                    expr.span,
                )
                return
            self.check_regex(expr)
        elif isinstance(expr, ast.Has) and field.kind is not Kind.LIST:
            self.error("E021", f"{field.path} is {_kind_words(field)}, not a list: 'has' asks whether a list "
                           "holds an item (as in charge.modifiers has KX)", expr.span)  # fmt: skip

    def check_compare(self, field: Field, expr: ast.Compare) -> None:
        if field.kind is Kind.LIST:
            self.error(
                "E021",
                f"{field.path} is a list: ask whether it holds an item, as in {field.path} has KX",
                expr.span,
            )
            return
        if expr.op not in ("=", "!=") and field.kind not in (Kind.NUMBER, Kind.DATE):
            self.error("E021", f"{field.path} is {_kind_words(field)}: compare it with = or != "
                       f"(the order {expr.op} applies to numbers and dates)", expr.span)  # fmt: skip
            return
        self.check_value(field, expr.value)

    def check_value(self, field: Field, value: ast.Literal) -> None:
        wanted = {
            Kind.TEXT: str, Kind.ENUM: str, Kind.NUMBER: Decimal, Kind.DATE: date, Kind.BOOL: bool,
        }.get(field.kind)  # fmt: skip
        actual = value.value
        if wanted is None:
            return
        if not isinstance(actual, wanted) or (wanted is not bool and isinstance(actual, bool)):
            self.error(
                "E020", f"{field.path} is {_kind_words(field)}, but {_literal_words(value)} is {_value_kind(value)}",
                value.span,
            )  # fmt: skip
            return
        if field.kind is Kind.ENUM and actual not in field.choices:
            choices = ", ".join(f'"{c}"' for c in field.choices)
            hint = did_you_mean(str(actual), field.choices)
            self.error(
                "E024",
                f'"{actual}" is not a value of {field.path} (one of {choices}){hint}',
                value.span,
            )
        whole = field.kind is Kind.NUMBER and field.path.startswith("charge.")
        if whole and isinstance(actual, Decimal) and actual != actual.to_integral_value():
            self.error(
                "E020", f"{field.path} is a whole number; {actual} can never equal it", value.span
            )

    def check_regex(self, expr: ast.Matches) -> None:
        # The pattern starts one column after the opening slash.
        first = expr.span.column + len(expr.path.name)
        line_text = (
            self.lines.get(expr.span.file, [""])[expr.span.line - 1] if expr.span.line else ""
        )
        slash = line_text.find("/", expr.path.span.end_column - 1)
        start_column = slash + 2 if slash >= 0 else first
        try:
            re.compile(expr.pattern)
        except re.error as exc:
            at = start_column + (exc.pos or 0)
            span = ast.Span(expr.span.file, expr.span.line, at, expr.span.line, at + 1)
            self.error("E022", f"the pattern is not a valid regular expression: {exc.msg}", span)
            return
        risk = backtracking_risk(expr.pattern)
        if risk:
            span = ast.Span(
                expr.span.file,
                expr.span.line,
                start_column - 1,
                expr.span.end_line,
                expr.span.end_column,
            )
            self.error("E023", f"the pattern is refused: {risk}", span)

    # -- tables --

    def table(
        self, source: SourceFile, written: str, span: ast.Span, kind: str
    ) -> UnitTable | PairTable | None:
        wanted = Path(written)
        if wanted.is_absolute() or "\\" in written:
            self.error(
                "E042",
                f'"{written}": a table path is relative to the rule file, with / between folders',
                span,
            )
            return None
        resolved = (source.path.parent / wanted).resolve()
        root = source.root.resolve()
        if not resolved.is_relative_to(root):
            self.error(
                "E042", f'"{written}" is outside the rules folder: tables must live inside it', span
            )
            return None
        if not resolved.is_file():
            near = ""
            if resolved.parent.is_dir():
                near = did_you_mean(resolved.name, [p.name for p in resolved.parent.glob("*.csv")])
            self.error("E040", f'table "{written}" does not exist{near}', span)
            return None
        cached = self._loaded.get(resolved)
        if cached is None:
            try:
                cached = (
                    load_unit_table(resolved)
                    if kind == "unit"
                    else load_pair_table(resolved, self.cache)
                )
            except TableError as exc:
                cached = exc
            self._loaded[resolved] = cached
        if isinstance(cached, TableError):
            shown = _table_display(source, written)
            for problem in cached.problems:
                self.errors.append(RuleError(
                    "E041", f"malformed table: {problem.message}", shown, problem.line, problem.column,
                    problem.line, problem.column + 1, _table_line(resolved, problem.line),
                    notes=(f"loaded by {span}",),
                ))  # fmt: skip
            if cached.more:
                self.error("E041", f"... and {cached.more} more problems in {written}", span)
            return None
        if (kind == "unit" and not isinstance(cached, UnitTable)) or (
            kind == "pair" and not isinstance(cached, PairTable)
        ):
            return None  # pragma: no cover - one file used as both kinds is reported when loaded
        return cached

    # -- rules --

    def check_payers(self) -> None:
        for payer in self.payer_defs.values():
            self.check_expr(
                payer.condition, PAYER_SUBJECTS, "to choose a payer (a payer is chosen by the case)"
            )

    def check_blocks(self) -> None:
        for source in self.sources:
            seen_ids: dict[str, ast.Rule] = {}
            for block in source.parsed.file.blocks:
                if (
                    block.payer != BUILTIN_PAYER
                    and block.payer not in self.payer_defs
                    and block.payer not in self.broken
                ):
                    known = [*self.payer_defs, BUILTIN_PAYER]
                    self.error(
                        "E011",
                        f'unknown payer "{block.payer}"{did_you_mean(block.payer, known)}',
                        block.payer_span,
                    )
                if block.effective and block.through and block.through < block.effective:
                    self.error("E030", f"the block ends ({block.through}) before it starts ({block.effective}): "
                               "it would never apply", block.span)  # fmt: skip
                for rule in block.rules:
                    first = seen_ids.get(rule.id)
                    if first is not None:
                        self.error(
                            "E014",
                            f'rule id "{rule.id}" is already used on line {first.span.line} of this file',
                            rule.span,
                        )
                    seen_ids.setdefault(rule.id, rule)
                    self.check_rule(source, rule)
                self.check_block_consistency(block)

    def check_rule(self, source: SourceFile, rule: ast.Rule) -> None:
        action = rule.action
        allowed = LINE_SUBJECTS
        where = ""
        if isinstance(action, ast.Set) or (isinstance(action, ast.Hold) and action.codes is None):
            allowed = VISIT_SUBJECTS
            verb = "set" if isinstance(action, ast.Set) else "hold"
            where = (f"by a visit-level {verb}: it has no charge line to read; "
                     'name the lines with "hold ... for CODES"' if verb == "hold" else
                     "by set: set changes the patient or case, not a charge line")  # fmt: skip
        if rule.condition is not None:
            self.check_expr(rule.condition.expr, allowed, where)
        if isinstance(action, ast.Limit | ast.LimitTotal):
            self.check_codes(action.codes)
            if action.cap < 0:
                self.error("E026", f"a cap cannot be below 0 (got {action.cap})", action.span)
        elif isinstance(action, ast.LimitMinutes):
            self.check_codes(action.codes)
            if action.method not in METHODS:
                self.error("E016", f'unknown method "{action.method}": use {" or ".join(METHODS)}'
                           f"{did_you_mean(action.method, METHODS)}", action.span)  # fmt: skip
        elif isinstance(action, ast.LimitTable):
            table = self.table(source, action.file, action.span, "unit")
            if isinstance(table, UnitTable) and table.layout == "simple" and action.scope is None:
                self.error("E028", 'this table has no MUE indicator column: say "per line", "per visit" '
                           "or \"per day\" after the file name", action.span)  # fmt: skip
            if table is not None:
                self.unit_tables[(source.parsed.file.path, action.file)] = table  # type: ignore[assignment]
        elif isinstance(action, ast.DenyTable):
            pair = self.table(source, action.file, action.span, "pair")
            if pair is not None:
                self.pair_tables[(source.parsed.file.path, action.file)] = pair  # type: ignore[assignment]
        elif isinstance(action, ast.AddModifier | ast.RemoveModifier):
            self.check_modifier(action.modifier, action.span)
            self.check_codes(action.codes)
        elif isinstance(action, ast.Replace):
            self.check_code_item(action.old)
            self.check_code_item(action.new)
            if action.old.value == action.new.value:
                self.error(
                    "E033", f"replacing {action.old.value} with itself changes nothing", action.span
                )
        elif isinstance(action, ast.Drop | ast.Deny):
            self.check_codes(action.codes)
        elif isinstance(action, ast.DenyPair):
            self.check_codes(action.codes)
            self.check_codes(action.with_codes)
            for modifier in action.bypass:
                self.check_modifier(modifier, action.span)
        elif isinstance(action, ast.Hold):
            self.check_codes(action.codes)
        elif isinstance(action, ast.Set):
            self.check_set(action)

    def check_set(self, action: ast.Set) -> None:
        field = FIELDS.get(action.path.name)
        if field is None:
            self.error(
                "E012",
                f'unknown field "{action.path.name}"{did_you_mean(action.path.name, FIELDS)}',
                action.path.span,
            )
            return
        if not field.settable:
            self.error("E013", f"{field.path} cannot be set: set changes patient, case and insurance fields, "
                       "not ids, charges, visits or addresses", action.path.span)  # fmt: skip
            return
        self.check_value(field, action.value)

    # -- rule tests --

    def check_tests(self) -> None:
        for source in self.sources:
            names: dict[str, ast.RuleTest] = {}
            for test in source.parsed.file.tests:
                if test.name in names:
                    self.error("E014", f'test "{test.name}" is already written on line '
                               f"{names[test.name].span.line} of this file", test.span)  # fmt: skip
                names.setdefault(test.name, test)
                known = [*self.payer_defs, BUILTIN_PAYER]
                if test.payer and test.payer not in known and test.payer not in self.broken:
                    self.error(
                        "E011",
                        f'unknown payer "{test.payer}"{did_you_mean(test.payer, known)}',
                        test.span,
                    )
                for step in test.steps:
                    if isinstance(step, ast.Given):
                        self.check_given(step)
                    elif isinstance(step, ast.TestCharge):
                        self.check_code_item(ast.Code(step.cpt, span=step.span))
                        for modifier in step.modifiers:
                            self.check_modifier(modifier, step.span)
                for expect in test.expects:
                    if expect.code is not None:
                        self.check_code_item(ast.Code(expect.code, span=expect.span))
                    if expect.kind in ("has_modifier", "lacks_modifier"):
                        self.check_modifier(str(expect.value), expect.span)

    def check_given(self, given: ast.Given) -> None:
        name = given.path.name
        if name in ("patient.address", "patient.phone") and given.value is None:
            return  # "without patient.address": no primary address
        field = FIELDS.get(name)
        if field is None:
            self.error(
                "E012", f'unknown field "{name}"{did_you_mean(name, FIELDS)}', given.path.span
            )
            return
        if field.subject is Subject.CHARGE:
            self.error("E013", f"{name} is set by the charge lines of a test (charge 97110 units 2 "
                       "minutes 30 modifiers GP), not with 'with'", given.path.span)  # fmt: skip
            return
        if field.path in ("visit.id", "visit.case_id", "patient.id", "case.id", "case.patient_id"):
            self.error(
                "E013", f"{name} is chosen by the test itself and cannot be set", given.path.span
            )
            return
        if given.value is not None:
            self.check_value(field, given.value)

    # -- whole-block analyses --

    def check_block_consistency(self, block: ast.Block) -> None:
        caps: dict[tuple[str, ast.Scope, ast.Condition | None], ast.Rule] = {}
        seen: dict[tuple[ast.Action, ast.Condition | None], ast.Rule] = {}
        gone: dict[str, ast.Rule] = {}
        for rule in block.rules:
            action = rule.action
            twin = seen.get((action, rule.condition))
            if twin is not None:
                self.error("E033", f'this rule can never change anything: rule "{twin.id}" on line '
                           f"{twin.span.line} does exactly the same before it", rule.span)  # fmt: skip
                continue
            seen[(action, rule.condition)] = rule
            selected = self.selected_codes(action)
            if selected and all(code in gone for code in selected):
                first = gone[min(selected)]
                self.error("E033", f"this rule can never apply: every code it selects is already removed "
                           f'by rule "{first.id}" on line {first.span.line}', rule.span)  # fmt: skip
                continue
            if isinstance(action, ast.Limit):
                for code in sorted(self.check_codes_quiet(action.codes) or ()):
                    key = (code, action.scope, rule.condition)
                    other = caps.get(key)
                    if (
                        other is not None
                        and isinstance(other.action, ast.Limit)
                        and other.action.cap != action.cap
                    ):
                        self.error(
                            "E032", f"caps disagree: {code} is limited to {action.cap} units per {action.scope} "
                            f'here and to {other.action.cap} by rule "{other.id}" on line {other.span.line}',
                            rule.span,
                        )  # fmt: skip
                        break
                    caps.setdefault(key, rule)
            if rule.condition is None:
                removed: frozenset[str] | None = None
                if isinstance(action, ast.Drop | ast.Deny):
                    removed = self.check_codes_quiet(action.codes)
                elif isinstance(action, ast.Replace):
                    removed = frozenset({action.old.value})
                for code in removed or ():
                    gone.setdefault(code, rule)

    def check_codes_quiet(self, codes: ast.CodeList) -> frozenset[str] | None:
        if codes.any:
            return None
        return frozenset(expand_items(codes.items, self.codesets))

    def selected_codes(self, action: ast.Action) -> frozenset[str] | None:
        """The codes an action works on, when it names them (None: any, a table, or a visit)."""
        if isinstance(action, ast.Replace):
            return frozenset({action.old.value})
        codes = getattr(action, "codes", None)
        if isinstance(codes, ast.CodeList) and not codes.any:
            return self.check_codes_quiet(codes)
        return None


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


def _table_line(path: Path, line: int) -> str:
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == line:
                    return text.rstrip("\r\n")
    except OSError:  # pragma: no cover
        return ""
    return ""


def check(
    sources: list[SourceFile], cache: TableCache | None = None
) -> tuple[CheckedRules, list[RuleError]]:
    """Check parsed files together (codesets and payers are shared across files); large PTP
    tables are read through ``cache`` when one is given."""
    checker = _Checker(sources, cache)
    for source in sources:
        checker.errors.extend(source.parsed.errors)
    checker.collect_definitions()
    checker.resolve_codesets()
    checker.check_payers()
    checker.check_blocks()
    checker.check_tests()
    checked = CheckedRules(
        tuple(s.parsed.file for s in sources),
        checker.codesets,
        checker.payer_defs,
        checker.unit_tables,
        checker.pair_tables,
    )
    return checked, sorted(checker.errors, key=lambda e: e.sort_key)
