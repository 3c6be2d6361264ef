"""Syntax errors in words: what was found, what the parser would take instead, and the
friendly message of a known mistake (``scrubber.lang.mistakes``) made in the same place."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.mistakes import KNOWN_MISTAKES
from scrubber.lang.parse.grammar import literal_terminals, parser
from scrubber.lang.words import describe_expected, did_you_mean

__all__ = ["error_at", "syntax_error"]


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


def _token_words(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    text = str(token)
    return f'"{text}"' if len(text) <= 40 else f'"{text[:37]}..."'


def syntax_error(
    exc: UnexpectedInput,
    text: str,
    file: str,
    lines: list[str],
    *,
    offset: int,
    actions: tuple[str, ...],
) -> RuleError:
    literal = literal_terminals()
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
