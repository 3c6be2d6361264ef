"""What no rule file may exceed, checked before lark sees the text: its size, its lines, how
deep its parentheses nest, and text that is not UTF-8 at all."""

from __future__ import annotations

import re

from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.parse.syntax_errors import error_at
from scrubber.model.records import printable

__all__ = ["MAX_FILE_BYTES", "MAX_LINE_LENGTH", "MAX_NESTING", "limits"]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINE_LENGTH = 4000
MAX_NESTING = 40


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


def limits(text: str, file: str, lines: list[str]) -> RuleError | None:
    """The first limit the text breaks, or None."""
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
