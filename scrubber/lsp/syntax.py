"""The words of a rule file as the editor colours them, and what the grammar takes at a place.

Both come from the one grammar (``grammar/payer_rules.lark``) through lark: a file is cut into
statements at the lines that start one (as the parser's own recovery does), and each statement
is lexed by lark's contextual lexer while its LALR parser follows along, so a word is classified
as the grammar reads it there (``day`` after ``per`` is a scope, ``visit`` in ``rule visit-cap``
is part of a rule id). A statement that does not parse keeps the words read before the mistake;
the rest of it is coloured word by word. Statements are cached by their text, so after an edit
only the statement typed in is lexed again, and every other statement keeps its colours while
the file does not parse.
"""

from __future__ import annotations

import re
from functools import cache

import attrs
from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput
from lark.lexer import PatternStr

from scrubber.resources import grammar_text

__all__ = [
    "TOKEN_MODIFIERS",
    "TOKEN_TYPES",
    "Word",
    "accepted",
    "grammar",
    "keyword_terminals",
    "reserved",
    "statement_start",
    "words",
]

#: the semantic token types the server uses (standard LSP names, so every theme colours them)
TOKEN_TYPES = (
    "keyword", "operator", "string", "regexp", "comment", "number", "property", "decorator",
    "enumMember", "type", "namespace", "function",
)  # fmt: skip
TOKEN_MODIFIERS = ("declaration",)

#: words of conditions, coloured as operators
WORD_OPERATORS = frozenset({"and", "or", "not", "in", "matches", "is", "missing", "present", "has"})
_STATEMENT_START = re.compile(
    r"^[ \t]*(?:(?:codeset|payer|charges|rules|rule|test)(?![\w-])|\})", re.M
)
_CODESET_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_COMMENT = re.compile(r"#[^\n]*")
_FALLBACK = re.compile(
    r"(?P<comment>\#[^\n]*)"
    r'|(?P<string>"[^"\n]*"?)'
    r"|(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}(?![\w-]))"
    r"|(?P<code>(?<![\w.-])[A-Z0-9]{5}(?![\w.-]))"
    r"|(?P<path>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+)"
    r"|(?P<number>-?[0-9]+(?:\.[0-9]+)?(?![\w-]))"
    r"|(?P<word>[A-Za-z0-9][A-Za-z0-9_-]*)"
    r"|(?P<regex>/(?:\\.|[^\\/\n])+/)"
    r"|(?P<op><=|>=|!=|=|<|>|\.\.)"
)
_CACHED_STATEMENTS = 20_000
_CACHED_FILES = 32


@attrs.frozen
class Word:
    """One word of a file: where it is (offsets in code points), what it is for the editor
    (one of ``TOKEN_TYPES``), whether it defines a name, and the grammar's terminal (empty
    for a word read without the grammar)."""

    start: int
    end: int
    kind: str
    declaration: bool = False
    terminal: str = ""

    def shifted(self, by: int) -> Word:
        return attrs.evolve(self, start=self.start + by, end=self.end + by)


@cache
def grammar() -> Lark:
    """An LALR parser of the grammar, for its lexer and its interactive parser: the rules
    themselves are parsed by ``scrubber.actions.LANGUAGE``."""
    return Lark(grammar_text(), parser="lalr")


@cache
def keyword_terminals() -> dict[str, str]:
    """Terminal name -> its text, for the words written literally in the grammar."""
    return {
        t.name: t.pattern.value for t in grammar().terminals if isinstance(t.pattern, PatternStr)
    }


@cache
def reserved() -> frozenset[str]:
    """The words of the language (``limit``, ``rule``, ``when``, ``units``, ...)."""
    return frozenset(
        {text for text in keyword_terminals().values() if text.isalpha()} | {"unit", "units"}
    )


def statement_start(text: str, offset: int) -> int:
    """Where the statement that ``offset`` stands in begins."""
    begin = 0
    for found in _STATEMENT_START.finditer(text, 0, offset):
        begin = found.start()
    return begin


def _statements(text: str) -> list[tuple[int, int]]:
    starts = sorted({0, *(m.start() for m in _STATEMENT_START.finditer(text))})
    return list(zip(starts, [*starts[1:], len(text)], strict=True))


def words(text: str) -> list[Word]:
    """Every word of ``text`` with its colour, in order (the latest texts' kept)."""
    known = _file_cache.get(text)
    if known is not None:
        return known
    found: list[Word] = []
    for begin, end in _statements(text):
        found.extend(word.shifted(begin) for word in _statement_words(text[begin:end]))
    if len(_file_cache) >= _CACHED_FILES:
        _file_cache.pop(next(iter(_file_cache)))
    _file_cache[text] = found
    return found


_file_cache: dict[str, list[Word]] = {}


_statement_cache: dict[str, tuple[Word, ...]] = {}


def _statement_words(chunk: str) -> tuple[Word, ...]:
    known = _statement_cache.get(chunk)
    if known is not None:
        return known
    if len(_statement_cache) >= _CACHED_STATEMENTS:
        _statement_cache.clear()
    result = _statement_cache[chunk] = tuple(_lex(chunk))
    return result


def _lex(chunk: str) -> list[Word]:
    tokens: list[Token] = []
    lexed_to = len(chunk)
    parser = grammar().parse_interactive(chunk)
    try:
        for token in parser.iter_parse():
            tokens.append(token)
    except UnexpectedCharacters as exc:
        lexed_to = exc.pos_in_stream or 0
    except UnexpectedInput:
        # The token that did not fit was read (and is kept); the rest is read word by word.
        lexed_to = (tokens[-1].end_pos or 0) if tokens else 0
    except RecursionError:  # pragma: no cover - the parser refuses deep nesting first
        lexed_to = 0
    found: list[Word] = []
    previous = ""
    at = 0
    for token in tokens:
        start = token.start_pos or 0
        found.extend(_comments(chunk, at, start))
        found.extend(_classified(token, previous))
        previous = token.type
        at = token.end_pos or start
    found.extend(_comments(chunk, at, lexed_to))
    if lexed_to < len(chunk):
        found.extend(_fallback(chunk, lexed_to))
    return found


def _comments(chunk: str, start: int, end: int) -> list[Word]:
    return [Word(m.start(), m.end(), "comment") for m in _COMMENT.finditer(chunk, start, end)]


def _classified(token: Token, previous: str) -> list[Word]:
    start, end, kind = token.start_pos or 0, token.end_pos or 0, token.type
    value = str(token)
    declaration = False
    if kind == "UNLESS_MODIFIER":  # "unless modifier": one terminal, maybe over two lines
        return [
            Word(start + m.start(), start + m.end(), "keyword", terminal=kind)
            for m in re.finditer(r"\w+", value)
        ]
    if kind == "STRING":
        colour: str | None = "string"
    elif kind == "REGEX":
        colour = "regexp"
    elif kind in ("DATE", "INT", "NUMBER"):
        colour = "number"
    elif kind == "PATH":
        colour = "property"
    elif kind == "MODIFIER":
        colour = "decorator"
    elif kind in ("SCOPE", "METHOD", "WHEN", "UNLESS", "ANY", "_UNITS"):
        colour = "keyword"
    elif kind == "OP":
        colour = "operator"
    elif kind == "NAME":
        colour, declaration = {
            "CODESET": ("type", True), "PAYER": ("namespace", True),
            "RULES": ("namespace", False), "FOR": ("namespace", False),
        }.get(previous, (None, False))  # fmt: skip
    elif kind == "ITEM":
        if previous == "RULE":
            colour, declaration = "function", True
        elif _CODESET_NAME.fullmatch(value):
            colour = "type"
        else:
            colour = "enumMember"
    elif kind in keyword_terminals():
        if value in WORD_OPERATORS:
            colour = "operator"
        elif value.isalpha():
            colour = "keyword"
        elif value in ("=", ".."):
            colour = "operator"
        else:
            colour = None  # punctuation
    else:
        colour = None
    if colour is None:
        return []
    return [Word(start, end, colour, declaration, kind)]


def _fallback(chunk: str, start: int) -> list[Word]:
    """The words of a statement past its mistake, classified by their shape alone."""
    found = []
    for match in _FALLBACK.finditer(chunk, start):
        group = match.lastgroup
        text = match.group()
        if group == "word":
            if text in WORD_OPERATORS:
                colour: str | None = "operator"
            elif text in reserved():
                colour = "keyword"
            elif re.fullmatch(r"[A-Z0-9]{5}", text):
                colour = "enumMember"
            elif re.fullmatch(r"[A-Z0-9]{2}", text):
                colour = "decorator"
            else:
                colour = None
        else:
            colour = {
                "comment": "comment", "string": "string", "date": "number", "path": "property",
                "code": "enumMember",
                "number": "number", "regex": "regexp", "op": "operator",
            }.get(group or "")  # fmt: skip
        if colour is not None:
            found.append(Word(match.start(), match.end(), colour))
    return found


def accepted(text: str, offset: int) -> tuple[set[str], str]:
    """The terminals the grammar takes at ``offset`` (which must stand between words), and the
    terminal just before it in its statement (empty at a statement's start); nothing when the
    statement is already wrong before ``offset``."""
    begin = statement_start(text, offset)
    parser = grammar().parse_interactive(text[begin:offset])
    try:
        tokens = parser.exhaust_lexer()
        choices: set[str] = parser.accepts()  # type: ignore[no-untyped-call]
    except (UnexpectedInput, RecursionError):
        return set(), ""
    return choices, (tokens[-1].type if tokens else "")
