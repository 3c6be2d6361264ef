"""Rule text to AST: the one entry of parsing (``parse_rules``).

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
from typing import Any

import attrs
from lark import Tree
from lark.exceptions import UnexpectedInput, VisitError

from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.kinds import ActionKinds
from scrubber.lang.parse.assemble import assemble
from scrubber.lang.parse.grammar import parser
from scrubber.lang.parse.incremental import Reparse, pieces_of
from scrubber.lang.parse.limits import limits
from scrubber.lang.parse.rules_tree import BlockOpen
from scrubber.lang.parse.syntax_errors import error_at, syntax_error
from scrubber.lang.parse.tests_tree import ToAst

__all__ = ["ParsedFile", "parse_rules"]

_STATEMENT_START = re.compile(
    r"^[ \t]*(?:(?:codeset|payer|charges|rules|rule|test)\b|\})", re.MULTILINE
)
#: where a statement may start within a line (a block written on one line): after "{", at "}",
#: at a statement word; text, comments and patterns are skipped over
_INLINE_BREAK = re.compile(
    r'"[^"\n]*"?|\#[^\n]*|matches\s+/(?:\\.|[^\\/\n])*/?'
    r"|(?P<open>\{)|(?P<close>\})"
    r"|(?<![\w.-])(?P<word>codeset|payer|charges|rules|rule|test)(?![\w-])"
)
_DEFINED_NAME = re.compile(r"^[ \t]*(codeset|payer)[ \t]+([A-Za-z][A-Za-z0-9_-]*)")
_BLOCK_START = re.compile(r"^[ \t]*rules\b")


@attrs.frozen
class ParsedFile:
    """The result of parsing one file: the AST (possibly partial) and every error found."""

    file: ast.RuleFile
    errors: tuple[RuleError, ...]
    #: names of codesets and payers whose definitions failed to parse; the checker does not
    #: report them again as unknown
    broken_names: frozenset[str]


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
            syntax_error(exc, chunk, file, lines, offset=offset, actions=kinds.first_words())
        )
        return None
    builder = ToAst(file, lines, offset, kinds)
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


def parse_rules(
    text: str, file: str, kinds: ActionKinds[Any], reparse: Reparse | None = None
) -> ParsedFile:
    """Parse one rule file with the action kinds ``kinds`` (``scrubber.actions.KINDS``; the
    usual entry is ``scrubber.actions.LANGUAGE.parse``). Never raises for bad input: every
    problem is in ``errors``. ``reparse``: the statements of this file's last parse, so that
    only the statements whose text changed are parsed again (``scrubber.lang.parse.incremental``;
    the result is the same)."""
    lines = text.split("\n")
    problem = limits(text, file, lines)
    if problem is not None:
        return ParsedFile(ast.RuleFile(file), (problem,), frozenset())
    errors: list[RuleError] = []
    statements = None
    if reparse is not None:

        def piece(chunk: str, offset: int) -> list[Any] | None:
            found = _statements(chunk, file, lines, offset, errors=errors, kinds=kinds)
            return None if errors else found

        statements = reparse.statements(text, file, _statement_starts(text), piece)
        errors.clear()
    if statements is None:
        statements = _statements(text, file, lines, 0, errors=errors, kinds=kinds)
    broken: set[str] = set()
    if statements is None:
        errors.clear()
        statements = _recover(text, file, lines, errors=errors, broken=broken, kinds=kinds)
    rule_file = assemble(statements, file, lines, errors)
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
    statements: list[Any] = []
    for chunk, offset in pieces_of(text, _statement_starts(text)):
        parsed = _statements(chunk, file, lines, offset, errors=errors, kinds=kinds)
        if parsed is None:
            defined = _DEFINED_NAME.match(chunk)
            if defined:
                broken.add(defined.group(2))
            elif _BLOCK_START.match(chunk):
                here = ast.Span(file, offset + 1, 1, offset + 1, 1)
                statements.append(BlockOpen("", None, None, here, here, broken=True))
            continue
        statements.extend(parsed)
    return statements
