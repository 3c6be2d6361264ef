"""Go to definition: a codeset or a payer to where it is defined (in whichever file of the
folder), a code to its row in each of the folder's tables that holds it, a table's path to the
table itself."""

from __future__ import annotations

from pathlib import Path

import attrs

from scrubber.lsp.folder import Analysis, FileView
from scrubber.lsp.hover import after_table
from scrubber.lsp.names import Defined, Names, word_at

__all__ = ["Target", "targets"]


@attrs.frozen
class Target:
    """A place to go: a file and offsets in it (``view`` when it is a rule file of the
    folder), or a file and a 0-based line (a table)."""

    path: Path
    view: FileView | None = None
    start: int = 0
    end: int = 0
    line: int = 0


def targets(analysis: Analysis, names: Names, view: FileView, offset: int) -> list[Target]:
    word = word_at(view, offset)
    if word is None:
        return []
    text = view.text[word.start : word.end]
    defined: Defined | None = None
    if word.kind == "type":
        defined = names.codesets.get(text)
    elif word.kind == "namespace":
        defined = names.payers.get(text)
    elif word.kind == "function":
        defined = names.rules.get((view.path, text))
    elif word.kind == "enumMember":
        return [Target(row.file, line=row.line or 0) for row in analysis.tables.rows(text)]
    elif word.kind == "string" and after_table(view, word):
        found = analysis.tables.table_named(view.path, text.strip('"'))
        if found is None:
            return []
        path = found[0]
        if path.is_dir():
            parts = sorted(p for p in path.iterdir() if p.is_file())
            path = parts[0] if parts else path
        return [Target(path)]
    if defined is None:
        return []
    current = analysis.files.get(defined.path)
    # A definition read from the last good parse points into the text as it was then.
    return [Target(defined.path, current or defined.view, defined.start, defined.end)]
