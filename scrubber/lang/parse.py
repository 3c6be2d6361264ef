"""Rule text to AST: the one place where lark trees and tokens exist.

The whole file is parsed in one go. When that fails, the file is cut into statements at the
lines that start one (``codeset``, ``payer``, ``rules``, ``rule``, ``}``) and each statement is
parsed on its own, so that one mistake does not hide the next: the author sees every syntax error
of the file at once. The grammar stays the only definition of the syntax; the cut is only where
parsing resumes.

Parsing is syntax only: nodes are built from what is written, and whether a word is a scope the
action takes, a date is on the calendar, or a name is a codeset is the checker's to say. Each
action's node is built by its kind, from the grammar rule's parts: the kinds are handed in by
the caller (``scrubber.lang.kinds``), so parsing loads no engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import attrs
from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.lexer import PatternStr

from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.expressions import EXPRESSIONS
from scrubber.lang.kinds import ActionKinds
from scrubber.lang.mistakes import KNOWN_MISTAKES
from scrubber.lang.words import describe_expected, did_you_mean
from scrubber.model.records import printable
from scrubber.resources import grammar_text

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_LINE_LENGTH",
    "MAX_NESTING",
    "ParsedFile",
    "parse_rules",
    "reserved_words",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINE_LENGTH = 4000
MAX_NESTING = 40

_STATEMENT_START = re.compile(r"^[ \t]*(?:(?:codeset|payer|rules|rule|test)\b|\})", re.MULTILINE)
#: where a statement may start within a line (a block written on one line): after "{", at "}",
#: at a statement word; text, comments and patterns are skipped over
_INLINE_BREAK = re.compile(
    r'"[^"\n]*"?|\#[^\n]*|matches\s+/(?:\\.|[^\\/\n])*/?'
    r"|(?P<open>\{)|(?P<close>\})"
    r"|(?<![\w.-])(?P<word>codeset|payer|rules|rule|test)(?![\w-])"
)
_DEFINED_NAME = re.compile(r"^[ \t]*(codeset|payer)[ \t]+([A-Za-z][A-Za-z0-9_-]*)")
_BLOCK_START = re.compile(r"^[ \t]*rules\b")
_CODESET_NAME = re.compile(r"[a-z][a-z0-9_-]*")


@cache
def parser() -> Lark:
    """The LALR parser, built once per process."""
    return Lark(
        grammar_text(),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


@cache
def reserved_words() -> frozenset[str]:
    """The words of the language (``limit``, ``rule``, ``when``, ...): no name may be one."""
    words = {text for text in _literal_terminals().values() if text.isalpha()}
    return frozenset(words | {"unit", "units"})


@cache
def _literal_terminals() -> dict[str, str]:
    # Keyword terminals by name -> their text, so errors can say "rule" and not RULE.
    return {
        t.name: t.pattern.value for t in parser().terminals if isinstance(t.pattern, PatternStr)
    }


@attrs.frozen
class ParsedFile:
    """The result of parsing one file: the AST (possibly partial) and every error found."""

    file: ast.RuleFile
    errors: tuple[RuleError, ...]
    #: names of codesets and payers whose definitions failed to parse; the checker does not
    #: report them again as unknown
    broken_names: frozenset[str]


@attrs.frozen
class _BlockOpen:
    payer: str
    effective: date | ast.BadDate | None
    through: date | ast.BadDate | None
    span: ast.Span
    payer_span: ast.Span
    #: a block header with a syntax error: its rules are parsed (for their own errors) but the
    #: block is left out, rather than reporting every rule in it as "outside a block"
    broken: bool = False


@attrs.frozen
class _BlockClose:
    span: ast.Span


class _ToAst(Transformer[Token, Any]):
    """Builds AST nodes from one parse; positions are shifted by ``line_offset`` lines."""

    def __init__(
        self, file: str, lines: list[str], line_offset: int, kinds: ActionKinds[Any]
    ) -> None:
        super().__init__()
        self.kinds = kinds
        self.file = file
        self.lines = lines
        self.offset = line_offset

    # -- positions --

    def span(self, meta: Any) -> ast.Span:
        return ast.Span(
            self.file, meta.line + self.offset, meta.column,
            meta.end_line + self.offset, meta.end_column,
        )  # fmt: skip

    # -- codes --

    def _item(self, token: Token) -> ast.CodeItem:
        span = self.span(token)
        if _CODESET_NAME.fullmatch(token):
            return ast.CodesetRef(str(token), span=span)
        return ast.Code(str(token), span=span)

    @v_args(meta=True)
    def code(self, meta: Any, children: list[Token]) -> ast.CodeItem:
        return self._item(children[0])

    @v_args(meta=True)
    def code_range(self, meta: Any, children: list[Token]) -> ast.CodeRange:
        start, end = children
        return ast.CodeRange(str(start), str(end), span=self.span(meta))

    @v_args(meta=True)
    def codes(self, meta: Any, children: list[Any]) -> ast.CodeList:
        if len(children) == 1 and isinstance(children[0], Token) and children[0].type == "ANY":
            return ast.CodeList((), any=True, span=self.span(meta))
        return ast.CodeList(tuple(children), span=self.span(meta))

    # -- statements --

    @v_args(meta=True)
    def codeset(self, meta: Any, children: list[Any]) -> ast.CodesetDef:
        name, *items = children
        return ast.CodesetDef(str(name), tuple(items), span=self.span(meta))

    @v_args(meta=True)
    def payer(self, meta: Any, children: list[Any]) -> ast.PayerDef:
        name, label, expr = children
        return ast.PayerDef(str(name), _text(label), expr, span=self.span(meta))

    @v_args(meta=True)
    def block_open(self, meta: Any, children: list[Any]) -> _BlockOpen:
        name, effective = children
        start, through = effective if effective is not None else (None, None)
        return _BlockOpen(str(name), start, through, self.span(meta), self.span(name))

    def effective(
        self, children: list[Any]
    ) -> tuple[date | ast.BadDate, date | ast.BadDate | None]:
        start, through = children
        return self._date(start), (self._date(through) if through is not None else None)

    def through(self, children: list[Any]) -> tuple[None, date | ast.BadDate]:
        return None, self._date(children[0])

    @v_args(meta=True)
    def block_close(self, meta: Any, children: list[Any]) -> _BlockClose:
        return _BlockClose(self.span(meta))

    @v_args(meta=True)
    def rule(self, meta: Any, children: list[Any]) -> ast.Rule:
        rule_id, description, action, condition = children
        return ast.Rule(str(rule_id), _text(description), action, condition, span=self.span(meta))

    @v_args(meta=True)
    def when(self, meta: Any, children: list[Any]) -> ast.Condition:
        return ast.Condition(children[1], negated=False, span=self.span(meta))

    @v_args(meta=True)
    def unless(self, meta: Any, children: list[Any]) -> ast.Condition:
        return ast.Condition(children[1], negated=True, span=self.span(meta))

    # -- actions --

    def __default__(self, data: Any, children: list[Any], meta: Any) -> Any:
        # Actions and expressions are built by their kinds, from the grammar rule's parts.
        kind: Any = self.kinds.by_grammar(str(data)) or EXPRESSIONS.by_grammar(str(data))
        if kind is None:  # pragma: no cover - every grammar rule is handled
            return super().__default__(data, children, meta)  # type: ignore[no-untyped-call]
        parts = [self._word(child) if isinstance(child, Token) else child for child in children]
        return kind.build(parts, self.span(meta))

    def _word(self, token: Token) -> ast.Word:
        text = str(token)
        if token.type == "STRING":
            text = text[1:-1]
        return ast.Word(text, span=self.span(token))

    def bypass(self, children: list[Token]) -> tuple[str, ...]:
        return tuple(str(t) for t in children[1:])

    # -- rule tests --

    @v_args(meta=True)
    def test(self, meta: Any, children: list[Any]) -> ast.RuleTest:
        name, payer, on, *items = children
        steps = tuple(i for i in items if not isinstance(i, ast.Expect))
        expects = tuple(i for i in items if isinstance(i, ast.Expect))
        day = self._date(on) if on is not None else None
        return ast.RuleTest(_text(name) or "", str(payer) if payer else None, day, steps, expects,
                            span=self.span(meta))  # fmt: skip

    @v_args(meta=True)
    def given(self, meta: Any, children: list[Any]) -> ast.Given:
        return ast.Given(self._path(children[0]), children[1], span=self.span(meta))

    @v_args(meta=True)
    def given_missing(self, meta: Any, children: list[Any]) -> ast.Given:
        return ast.Given(self._path(children[0]), None, span=self.span(meta))

    @v_args(meta=True)
    def next_visit(self, meta: Any, children: list[Any]) -> ast.NextVisit:
        return ast.NextVisit(self._date(children[0]) if children[0] else None, span=self.span(meta))

    @v_args(meta=True)
    def charge(self, meta: Any, children: list[Any]) -> ast.TestCharge:
        code, units, minutes, *modifiers = children
        return ast.TestCharge(
            str(code), int(units), int(minutes) if minutes is not None else None,
            tuple(str(m) for m in modifiers if m is not None), span=self.span(meta),
        )  # fmt: skip

    def _expect(
        self, meta: Any, kind: str, code: Token | None = None, value: Any = None
    ) -> ast.Expect:
        return ast.Expect(
            kind, str(code) if code is not None else None, value, span=self.span(meta)
        )

    @v_args(meta=True)
    def expect_units(self, meta: Any, children: list[Any]) -> ast.Expect:
        return self._expect(meta, "units", children[0], int(children[1]))

    @v_args(meta=True)
    def expect_not_billed(self, meta: Any, children: list[Any]) -> ast.Expect:
        return self._expect(meta, "not_billed", children[0])

    @v_args(meta=True)
    def expect_modifier(self, meta: Any, children: list[Any]) -> ast.Expect:
        return self._expect(meta, "has_modifier", children[0], str(children[1]))

    @v_args(meta=True)
    def expect_no_modifier(self, meta: Any, children: list[Any]) -> ast.Expect:
        return self._expect(meta, "lacks_modifier", children[0], str(children[1]))

    @v_args(meta=True)
    def expect_held(self, meta: Any, children: list[Any]) -> ast.Expect:
        return self._expect(meta, "held", None, _text(children[0]))

    @v_args(meta=True)
    def expect_not_held(self, meta: Any, children: list[Any]) -> ast.Expect:
        return self._expect(meta, "not_held")

    def _path(self, token: Token) -> ast.Path:
        return ast.Path(str(token), span=self.span(token))

    # -- values --

    def _date(self, token: Token) -> date | ast.BadDate:
        try:
            return date.fromisoformat(str(token))
        except ValueError:
            return ast.BadDate(str(token), span=self.span(token))

    def string(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(_text(children[0]) or "", span=self.span(children[0]))

    def number(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(Decimal(str(children[0])), span=self.span(children[0]))

    def date(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(self._date(children[0]), span=self.span(children[0]))

    @v_args(meta=True)
    def true(self, meta: Any, children: list[Any]) -> ast.Literal:
        return ast.Literal(True, span=self.span(meta))

    @v_args(meta=True)
    def false(self, meta: Any, children: list[Any]) -> ast.Literal:
        return ast.Literal(False, span=self.span(meta))


def _text(token: Token | None) -> str | None:
    return None if token is None else str(token)[1:-1]


def error_at(
    code: codes.ErrorCode, message: str, span: ast.Span, lines: Sequence[str]
) -> RuleError:
    source = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    return RuleError(
        code.code,
        message,
        span.file,
        span.line,
        span.column,
        span.end_line,
        span.end_column,
        source,
    )


# ---- syntax errors ---------------------------------------------------------------------------


def _token_words(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    text = str(token)
    return f'"{text}"' if len(text) <= 40 else f'"{text[:37]}..."'


def _syntax_error(
    exc: UnexpectedInput,
    text: str,
    file: str,
    lines: list[str],
    *,
    offset: int,
    actions: tuple[str, ...],
) -> RuleError:
    literal = _literal_terminals()
    line = (exc.line if exc.line > 0 else 1) + offset
    column = exc.column if exc.column > 0 else 1
    end_column = column + 1
    suggestion = ""
    if isinstance(exc, UnexpectedCharacters):
        found = f"unexpected character {exc.char!r}"
        accepted = _accepted_before(text, exc.pos_in_stream or 0)
        expected = describe_expected(accepted or exc.allowed or (), literal, actions)
    elif isinstance(exc, UnexpectedToken | UnexpectedEOF):
        token = exc.token
        found = (
            "the statement ends too early"
            if token.type == "$END"
            else f"unexpected {_token_words(token)}"
        )
        if token.type != "$END" and token.end_column:
            end_column = token.end_column
        names = exc.accepts or exc.expected if isinstance(exc, UnexpectedToken) else exc.expected
        expected = describe_expected(names, literal, actions)
        keywords = [literal[n] for n in names if n in literal and literal[n].isalpha()]
        if {"limit", "drop"} <= set(keywords):
            keywords = [*keywords, *actions]
        if token.type != "$END" and str(token).isalpha():
            suggestion = did_you_mean(str(token), keywords)
    else:  # pragma: no cover - lark raises only the three kinds above
        found, expected = "unexpected input", "something else"
    friendly = _known_mistake(exc)
    message = f"{found}: {friendly}" if friendly else f"{found}; expected {expected}{suggestion}"
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    return RuleError(codes.SYNTAX.code, message, file, line, column, line, end_column, source)


def _accepted_before(text: str, position: int) -> set[str] | None:
    """The words the parser would take at ``position``, exactly: the lexer's list for a bad
    character is the parser state's, which LALR shares between places (a test's words would be
    offered after a rule's condition)."""
    try:
        interactive = parser().parse_interactive(text[:position])
        interactive.exhaust_lexer()
        accepted: set[str] = interactive.accepts()  # type: ignore[no-untyped-call]
        return accepted
    except (UnexpectedInput, RecursionError):
        return None


def _error_key(exc: UnexpectedInput) -> tuple[int, str] | None:
    state = getattr(exc, "state", None)
    position = getattr(state, "position", None)
    if not isinstance(position, int):
        return None
    if isinstance(exc, UnexpectedCharacters):
        return position, "char:" + exc.char
    token = getattr(exc, "token", None)
    return position, str(token.type if token is not None else "$END")


@cache
def _mistake_index() -> dict[tuple[int, str], str]:
    """(LR state, word kind) -> message, from the known mistakes.

    lark's own ``match_examples`` compares whole parser stacks, which differ between a lone
    statement and a whole file; the LR state and the kind of word are what identify a mistake.
    """
    exact: dict[tuple[int, str], str] = {}
    for label, examples in KNOWN_MISTAKES.items():
        for example in examples:
            try:
                parser().parse(example)
            except UnexpectedInput as exc:
                key = _error_key(exc)
                if key is not None:
                    exact.setdefault(key, label)
    return exact


def _known_mistake(exc: UnexpectedInput) -> str | None:
    key = _error_key(exc)
    if key is None:
        return None
    return _mistake_index().get(key)


# ---- the driver ------------------------------------------------------------------------------


def _nesting_problem(text: str, file: str, lines: list[str]) -> RuleError | None:
    """Refuse absurd nesting before lark and the transformer recurse into it. Parentheses in
    text, comments and patterns are not nesting."""
    depth = 0
    line = 1
    for number, row in enumerate(text.split("\n"), start=1):
        line = number
        for column, ch in _bracket_positions(row):
            if ch == "(":
                depth += 1
                if depth > MAX_NESTING:
                    return error_at(
                        codes.LIMIT,
                        f"conditions are nested more than {MAX_NESTING} parentheses deep",
                        ast.Span(file, line, column, line, column + 1), lines,
                    )  # fmt: skip
            else:
                depth = max(depth - 1, 0)
    return None


_SKIPPED = re.compile(r'"[^"\n]*"?|#.*|matches\s+/(?:\\.|[^\\/\n])*/?')


def _bracket_positions(row: str) -> list[tuple[int, str]]:
    """(1-based column, bracket) of the parentheses of one line outside text, comments and
    patterns."""
    found = []
    at = 0
    for skipped in _SKIPPED.finditer(row):
        found += [(at + i + 1, ch) for i, ch in enumerate(row[at : skipped.start()]) if ch in "()"]
        at = skipped.end()
    found += [(at + i + 1, ch) for i, ch in enumerate(row[at:]) if ch in "()"]
    return found


_SURROGATE = re.compile("[\ud800-\udfff]")


def _limits(text: str, file: str, lines: list[str]) -> RuleError | None:
    # A str from an API caller or from standard input decoded with surrogateescape may hold
    # lone surrogates: no file can, and nothing after this point could encode them.
    bad = _SURROGATE.search(text)
    if bad is not None:
        row = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        return error_at(
            codes.LIMIT, f"the text is not UTF-8: a lone surrogate (U+{ord(bad.group()):04X})",
            ast.Span(file, row, column, row, column + 1), [printable(each) for each in lines],
        )  # fmt: skip
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        return error_at(
            codes.LIMIT, f"the file is {size:,} bytes; rule files may be at most {MAX_FILE_BYTES:,}",
            ast.Span(file, 1, 1, 1, 1), lines,
        )  # fmt: skip
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_LENGTH:
            span = ast.Span(file, number, MAX_LINE_LENGTH + 1, number, len(line) + 1)
            return error_at(
                codes.LIMIT, f"line {number} is {len(line):,} characters long; "
                f"lines may be at most {MAX_LINE_LENGTH:,} (split a long codeset over lines)",
                span, lines,
            )  # fmt: skip
    return _nesting_problem(text, file, lines)


def _statements(
    chunk: str,
    file: str,
    lines: list[str],
    offset: int,
    *,
    errors: list[RuleError],
    kinds: ActionKinds[Any],
) -> list[Any] | None:
    """Parse one piece of text into statements, or record its syntax error and return None."""
    try:
        tree = parser().parse(chunk)
    except UnexpectedInput as exc:
        errors.append(
            _syntax_error(exc, chunk, file, lines, offset=offset, actions=kinds.first_words())
        )
        return None
    builder = _ToAst(file, lines, offset, kinds)
    statements: list[Any] = []
    for child in tree.children:
        if not isinstance(child, Tree):  # pragma: no cover - start only holds statement trees
            continue
        try:
            statements.append(builder.transform(child))
        except (VisitError, RecursionError) as exc:
            if isinstance(exc, VisitError) and not isinstance(exc.orig_exc, RecursionError):
                raise
            # Reported where the statement starts (a rule, not the block around it).
            line = offset + (child.meta.line if not child.meta.empty else 1)
            span = ast.Span(file, line, 1, line, 2)
            errors.append(error_at(codes.LIMIT, "this statement is nested too deeply", span, lines))
    return statements


def _assemble(
    statements: list[Any], file: str, lines: list[str], errors: list[RuleError]
) -> ast.RuleFile:
    """Pair the braces of ``rules`` blocks and sort the statements into a RuleFile."""
    codesets: list[ast.CodesetDef] = []
    payers: list[ast.PayerDef] = []
    blocks: list[ast.Block] = []
    tests: list[ast.RuleTest] = []
    open_block: _BlockOpen | None = None
    rules: list[ast.Rule] = []

    def close(end: ast.Span | None) -> None:
        assert open_block is not None
        if open_block.broken:
            rules.clear()
            return
        span = open_block.span
        if end is not None:
            span = ast.Span(file, span.line, span.column, end.end_line, end.end_column)
        blocks.append(
            ast.Block(open_block.payer, open_block.effective, open_block.through, tuple(rules),
                      span=span, payer_span=open_block.payer_span)
        )  # fmt: skip
        rules.clear()

    for statement in statements:
        if isinstance(statement, _BlockOpen):
            if open_block is not None:
                errors.append(error_at(
                    codes.BLOCKS, f"the rules block opened on line {open_block.span.line} is not closed "
                    "with } before this one", statement.span, lines,
                ))  # fmt: skip
                close(None)
            open_block = statement
        elif isinstance(statement, _BlockClose):
            if open_block is None:
                errors.append(
                    error_at(
                        codes.BLOCKS, "} without a rules block to close", statement.span, lines
                    )
                )
            else:
                close(statement.span)
                open_block = None
        elif isinstance(statement, ast.RuleTest):
            if open_block is not None:
                errors.append(error_at(
                    codes.BLOCKS, "a test stands outside rules blocks (close the block with } first)",
                    statement.span, lines,
                ))  # fmt: skip
            tests.append(statement)
        elif isinstance(statement, ast.Rule):
            if open_block is None:
                errors.append(error_at(
                    codes.BLOCKS, "a rule must stand inside a block: rules PAYER { ... }",
                    statement.span, lines,
                ))  # fmt: skip
            else:
                rules.append(statement)
        elif isinstance(statement, ast.CodesetDef | ast.PayerDef):
            if open_block is not None:
                kind = "codeset" if isinstance(statement, ast.CodesetDef) else "payer"
                errors.append(error_at(
                    codes.BLOCKS, f"a {kind} is defined outside rules blocks (close the block with }} first)",
                    statement.span, lines,
                ))  # fmt: skip
            if isinstance(statement, ast.CodesetDef):
                codesets.append(statement)
            else:
                payers.append(statement)
    if open_block is not None:
        errors.append(
            error_at(
                codes.BLOCKS, "this rules block is never closed with }", open_block.span, lines
            )
        )
        close(None)
    return ast.RuleFile(file, tuple(codesets), tuple(payers), tuple(blocks), tuple(tests))


def parse_rules(text: str, file: str, kinds: ActionKinds[Any]) -> ParsedFile:
    """Parse one rule file with the action kinds ``kinds`` (``scrubber.actions.KINDS``; the
    usual entry is ``scrubber.actions.LANGUAGE.parse``). Never raises for bad input: every
    problem is in ``errors``."""
    lines = text.split("\n")
    problem = _limits(text, file, lines)
    if problem is not None:
        return ParsedFile(ast.RuleFile(file), (problem,), frozenset())
    errors: list[RuleError] = []
    statements = _statements(text, file, lines, 0, errors=errors, kinds=kinds)
    broken: set[str] = set()
    if statements is None:
        errors.clear()
        statements = _recover(text, file, lines, errors=errors, broken=broken, kinds=kinds)
    rule_file = _assemble(statements, file, lines, errors)
    return ParsedFile(rule_file, tuple(sorted(errors, key=lambda e: e.sort_key)), frozenset(broken))


def _statement_starts(text: str) -> list[int]:
    """Where statements may start: at the start of a line (as usual), and within a line after
    "{", at "}" and at a statement word, so that a block written on one line is cut too."""
    starts = {m.start() for m in _STATEMENT_START.finditer(text)} | {0}
    for found in _INLINE_BREAK.finditer(text):
        if found.group("open"):
            starts.add(found.end())
        elif found.group("close") or found.group("word"):
            starts.add(found.start())
    return sorted(starts)


def _recover(
    text: str,
    file: str,
    lines: list[str],
    *,
    errors: list[RuleError],
    broken: set[str],
    kinds: ActionKinds[Any],
) -> list[Any]:
    starts = _statement_starts(text)
    statements: list[Any] = []
    offset, counted_to = 0, 0
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        offset += text.count("\n", counted_to, begin)
        counted_to = begin
        # A piece that starts within a line keeps its columns: the line's start as spaces.
        column = begin - (text.rfind("\n", 0, begin) + 1)
        chunk = " " * column + text[begin:end]
        if not chunk.strip():
            continue
        parsed = _statements(chunk, file, lines, offset, errors=errors, kinds=kinds)
        if parsed is None:
            defined = _DEFINED_NAME.match(chunk)
            if defined:
                broken.add(defined.group(2))
            elif _BLOCK_START.match(chunk):
                here = ast.Span(file, offset + 1, 1, offset + 1, 1)
                statements.append(_BlockOpen("", None, None, here, here, broken=True))
            continue
        statements.extend(parsed)
    return statements
