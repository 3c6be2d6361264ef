"""The checker's problems as the editor's diagnostics: the same code and the same words as
``scrubber check`` prints (its notes as ``note:`` lines), at the same place, converted to the
protocol's positions in the negotiated encoding. Problems of a table are shown in the table's
own file, at its own line, as the checker reports them."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from scrubber.errors import RuleError
from scrubber.lsp.folder import Analysis
from scrubber.lsp.positions import LineIndex

__all__ = ["diagnostics", "message_of"]

#: how much of a table file is read to place its problems (a CMS file is large; its problems
#: are among its first lines or named by line anyway)
_TABLE_BYTES = 64 * 1024 * 1024


def message_of(error: RuleError) -> str:
    """The words of ``scrubber check`` for one problem: its message, then its notes."""
    return "\n".join([error.message, *(f"note: {note}" for note in error.notes)])


def severity_of(error: RuleError) -> types.DiagnosticSeverity:
    if getattr(error, "severity", "error") == "warning":
        return types.DiagnosticSeverity.Warning
    return types.DiagnosticSeverity.Error


def diagnostics(analysis: Analysis, path: Path, encoding: str) -> list[types.Diagnostic]:
    """The diagnostics of one file of the folder (a rule file or a table)."""
    errors = analysis.errors.get(path, [])
    if not errors:
        return []
    view = analysis.files.get(path)
    found = []
    table_index: LineIndex | None = None
    for error in errors:
        if view is not None:
            start = view.offset(error.line, error.column)
            end = view.offset(error.end_line, error.end_column) if error.end_line else start
            index = view.index
        else:
            if table_index is None:
                table_index = _table_text(path)
            index = table_index
            start = index.grid_offset(error.line, error.column)
            end = index.grid_offset(error.end_line, error.end_column) if error.end_line else start
        if end <= start:
            end = start + 1
        found.append(
            types.Diagnostic(
                range=index.range(start, end, encoding),
                message=message_of(error),
                severity=severity_of(error),
                code=error.code,
                source="scrubber",
            )
        )
    return found


def _table_text(path: Path) -> LineIndex:
    try:
        with path.open("rb") as handle:
            data = handle.read(_TABLE_BYTES)
    except OSError:
        return LineIndex("")
    text = data.decode("utf-8", "replace")
    return LineIndex(text[1:] if text.startswith("\ufeff") else text)
