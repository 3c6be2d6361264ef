"""Parsing a file again after an edit: only the statements whose text changed.

An editor sends the whole text of a file after every keystroke, and the language server checks
it each time (issue 28: diagnostics under 200 ms for a file of 1,000 rules). Most of that time
was the parser's, going over a thousand statements of which one had changed. So the file is
cut where statements may start (the cut error recovery uses, ``driver._statement_starts``), and
a piece parsed before (the same text in the same file) gives its statements again, moved to
its new line when lines were added or removed above it; only new pieces go to the parser.

The grammar is still the only definition of the syntax: a piece is parsed by the same parser
as the whole file, and as soon as a piece does not parse, the caller parses the whole file as
without ``Reparse`` (the whole text, then recovery), so syntax errors read exactly as always.
When every piece parses, their statements are what the whole file's parse gives: a property
test checks it on generated files and edits (tests/test_incremental_parse.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import attrs

from scrubber.lang import ast

__all__ = ["Reparse", "pieces_of"]

#: parses one piece (its text, the line it starts on, less one) into statements, or None
ParsePiece = Callable[[str, int], list[Any] | None]

_T = TypeVar("_T")


class Reparse:
    """The statements of the pieces of a file's last parse, by their text: kept by the caller
    between parses of one file (the language server keeps one per open file). Only the pieces
    of the last parse are kept, so it holds one file's statements at most."""

    def __init__(self) -> None:
        self._file = ""
        #: piece text -> (the line offset it was parsed at, its statements)
        self._pieces: dict[str, tuple[int, list[Any]]] = {}

    def statements(
        self, text: str, file: str, starts: list[int], parse: ParsePiece
    ) -> list[Any] | None:
        """Every statement of ``text``, cut at ``starts``: pieces known from the last parse
        reused, the others parsed by ``parse``; None when a piece does not parse."""
        known = self._pieces if file == self._file else {}
        pieces: dict[str, tuple[int, list[Any]]] = {}
        statements: list[Any] = []
        for piece, offset in pieces_of(text, starts):
            found = pieces.get(piece) or known.get(piece)
            if found is None:
                parsed = parse(piece, offset)
                if parsed is None:
                    return None
                found = (offset, parsed)
            elif found[0] != offset:
                found = (offset, [_moved(s, offset - found[0]) for s in found[1]])
            pieces[piece] = found
            statements.extend(found[1])
        self._file, self._pieces = file, pieces
        return statements


def pieces_of(text: str, starts: list[int]) -> Iterator[tuple[str, int]]:
    """The pieces of ``text`` cut at ``starts``, each with the number of lines before it; a
    piece that starts within a line keeps its columns (the line's start as spaces); pieces of
    blanks alone are left out."""
    offset, counted_to = 0, 0
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        offset += text.count("\n", counted_to, begin)
        counted_to = begin
        column = begin - (text.rfind("\n", 0, begin) + 1)
        piece = " " * column + text[begin:end]
        if piece.strip():
            yield piece, offset


def _moved(value: _T, lines: int) -> _T:
    """``value`` with every span in it ``lines`` lines further down (a new node where a span
    changed; the same object where none did)."""
    if isinstance(value, ast.Span):
        moved: Any = ast.Span(
            value.file, value.line + lines, value.column, value.end_line + lines, value.end_column
        )
        return moved  # type: ignore[no-any-return]
    if isinstance(value, tuple):
        items = tuple(_moved(item, lines) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items  # type: ignore[return-value]
    cls = type(value)
    if not attrs.has(cls):
        return value
    changes = {}
    for field in attrs.fields(cls):
        if not field.init:
            continue
        old = getattr(value, field.name)
        new = _moved(old, lines)
        if new is not old:
            changes[field.alias] = new
    return attrs.evolve(value, **changes) if changes else value  # type: ignore[misc]
