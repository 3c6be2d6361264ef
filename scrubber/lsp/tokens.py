"""Semantic tokens: the words of a file (``scrubber.lsp.syntax``) in the protocol's encoding,
so that any editor with semantic highlighting colours rule files with no grammar of its own."""

from __future__ import annotations

from lsprotocol import types

from scrubber.lsp.folder import FileView
from scrubber.lsp.names import words_of
from scrubber.lsp.syntax import TOKEN_MODIFIERS, TOKEN_TYPES

__all__ = ["LEGEND", "encode"]

LEGEND = types.SemanticTokensLegend(
    token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS)
)
_TYPE = {name: number for number, name in enumerate(TOKEN_TYPES)}


def encode(view: FileView, encoding: str) -> list[int]:
    """The relative five-integer encoding of every word (a word over a line break, such as
    ``unless`` + ``modifier``, is one token per line)."""
    data: list[int] = []
    last_line = last_start = 0
    index = view.index
    for word in words_of(view):
        kind = _TYPE[word.kind]
        modifiers = 1 if word.declaration else 0
        start = word.start
        while start < word.end:
            line = index.line_of(start)
            end = min(
                word.end, index.line_start(line + 1) if line + 1 < index.line_count else word.end
            )
            piece = view.text[start:end].rstrip("\r\n")
            if piece:
                position = index.position(start, encoding)
                length = index.position(start + len(piece), encoding).character - position.character
                delta_line = position.line - last_line
                delta_start = position.character - (last_start if delta_line == 0 else 0)
                data += [delta_line, delta_start, length, kind, modifiers]
                last_line, last_start = position.line, position.character
            if end <= start:
                break
            start = end
    return data
