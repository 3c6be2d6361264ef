"""One rules folder as the language server sees it: its files, as typed or as on disk, checked
together the way ``scrubber check FOLDER`` checks them.

A rule file's problems often lie in another file (a codeset defined twice, a table that does
not read), so the unit of checking is the folder: every ``.rules`` and ``.test`` file beside the
one being edited, with the open buffers in place of their files. Parsing is the costly part, so
each file's parse is kept until its text changes; tables are kept by ``FolderTables`` until
theirs do. ``analyze`` runs on the server's worker thread and returns an immutable
``Analysis`` that every request reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from scrubber.actions import LANGUAGE
from scrubber.errors import RuleError
from scrubber.lang import ast, codes
from scrubber.lang.parse import Reparse
from scrubber.lsp.positions import LineIndex
from scrubber.lsp.tables import FolderTables, TableSet
from scrubber.tables.cache import TableCache
from scrubber.tables.loader import TableKind

__all__ = ["Analysis", "FileView", "Folder", "rule_files"]

RULE_SUFFIXES = (".rules", ".test")
#: the codes of problems that leave statements out of a parse (syntax, limits, blocks): a
#: file with one keeps its last good parse for hover and definitions
_SYNTAX_CODES = frozenset({codes.SYNTAX.code, codes.LIMIT.code, codes.BLOCKS.code})


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a folder and the ``.test`` files beside them (as ``scrubber check``)."""
    try:
        return sorted(p for p in folder.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())
    except OSError:
        return []


def shown_name(folder: Path, file: Path) -> str:
    """A file as ``scrubber check FOLDER`` names it: the folder's name, then the file's."""
    return f"{folder.resolve().name}/{file.name}"


@attrs.frozen
class FileView:
    """One rule file as checked: its text, its parse, and how to find positions in it."""

    path: Path
    shown: str
    text: str
    index: LineIndex = attrs.field(eq=False, repr=False)
    #: the parse (``ParsedFile``): ``file`` (the AST, possibly partial) and ``errors``
    parsed: Any = attrs.field(eq=False, repr=False)
    #: the ``SourceFile`` handed to the checker
    source: Any = attrs.field(eq=False, repr=False)
    #: the buffer's version, None for a file read from disk
    version: int | None = None

    @property
    def rule_file(self) -> ast.RuleFile:
        found: ast.RuleFile = self.parsed.file
        return found

    @property
    def bom(self) -> int:
        return 1 if self.text.startswith("\ufeff") else 0

    @property
    def broken(self) -> bool:
        """Whether the file has a syntax error (its parse lacks a statement or more)."""
        return any(error.code in _SYNTAX_CODES for error in self.parsed.errors)

    @property
    def broken_names(self) -> frozenset[str]:
        names: frozenset[str] = getattr(self.parsed, "broken_names", frozenset())
        return names

    def offset(self, line: int, column: int) -> int:
        """The offset of the checker's ``line:column`` in this file."""
        return self.index.lark_offset(line, column) + (self.bom if line == 1 else 0)

    def span_offsets(self, span: ast.Span) -> tuple[int, int]:
        return self.offset(span.line, span.column), self.offset(span.end_line, span.end_column)


@attrs.frozen
class Analysis:
    """A folder checked at one moment: what every request of that moment reads."""

    folder: Path
    generation: int
    files: dict[Path, FileView]
    #: every problem, by the file it is in (rule files, and table files)
    errors: dict[Path, list[RuleError]]
    #: the check's report (``CheckReport``): ``rules`` is the checked rule set when clean
    report: Any = attrs.field(eq=False, repr=False)
    tables: TableSet = attrs.field(eq=False, repr=False)
    #: the latest view of each file that had no syntax error (for names whose definition is
    #: being typed)
    last_good: dict[Path, FileView] = attrs.field(factory=dict, eq=False, repr=False)

    def views(self) -> Iterator[FileView]:
        """The current views, then the last good ones of files that are broken now."""
        yield from self.files.values()
        for path, view in self.last_good.items():
            current = self.files.get(path)
            if current is None or current.broken:
                yield view


class Folder:
    """A rules folder, kept between analyses: parses by text, tables by their files.

    Used from the worker thread only."""

    def __init__(self, folder: Path, log: Callable[[str], None]) -> None:
        self.folder = folder
        self._log = log
        self._parsed: dict[Path, FileView] = {}
        self._last_good: dict[Path, FileView] = {}
        #: each file's last parse, so that an edit parses again only what it changed
        self._reparse: dict[Path, Reparse] = {}
        # Large tables go through the compiled cache, as on the command line.
        self.tables = FolderTables(TableCache.default(), on_read=self._table_read)

    def _table_read(self, path: Path, kind: TableKind, table: object) -> None:
        rows = len(table) if hasattr(table, "__len__") else 0
        what = "malformed" if isinstance(table, Exception) else f"{rows:,} rows"
        self._log(f"read {kind} table {path} ({what})")

    def analyze(self, buffers: dict[Path, tuple[str, int | None]], generation: int) -> Analysis:
        """Check the folder with ``buffers`` (path -> (text, version)) in place of its files."""
        paths = sorted({*rule_files(self.folder), *(p for p in buffers if p.parent == self.folder)})
        views: dict[Path, FileView] = {}
        for path in paths:
            view = self._view(path, buffers.get(path))
            if view is not None:
                views[path] = view
        for gone in set(self._parsed) - set(views):
            del self._parsed[gone]
            self._reparse.pop(gone, None)
            self._last_good.pop(gone, None)
        self.tables.begin()
        report = LANGUAGE.check([view.source for view in views.values()], tables=self.tables)
        # warnings once the folder checks clean, as `scrubber check` lists them
        shown = report.errors or (*report.errors, *report.warnings)
        errors = self._by_file(tuple(shown), views)
        for path, view in views.items():
            if not view.broken:
                self._last_good[path] = view
        return Analysis(
            self.folder, generation, views, errors, report, self.tables.snapshot(),
            dict(self._last_good),
        )  # fmt: skip

    def _view(self, path: Path, buffer: tuple[str, int | None] | None) -> FileView | None:
        shown = shown_name(self.folder, path)
        if buffer is not None:
            text, version = buffer
        else:
            try:
                data = path.read_bytes()
                text, version = data.decode("utf-8"), None
            except UnicodeDecodeError:
                return self._as_checked(path, shown)
            except OSError:
                return None
        known = self._parsed.get(path)
        if known is not None and known.text == text:
            if known.version != version:
                known = attrs.evolve(known, version=version)
                self._parsed[path] = known
            return known
        body = text[1:] if text.startswith("\ufeff") else text
        reparse = self._reparse.setdefault(path, Reparse())
        source = LANGUAGE.text_source(body, shown, self.folder, reparse)
        # text_source finds tables beside folder/shown; the file is in the folder itself.
        source = attrs.evolve(source, path=path)
        view = FileView(path, shown, text, LineIndex(text), source.parsed, source, version)
        self._parsed[path] = view
        return view

    def _as_checked(self, path: Path, shown: str) -> FileView | None:
        """A file that is not UTF-8: read as the checker reads it, for its error."""
        try:
            (source,) = LANGUAGE.sources([path])
        except Exception:  # the file went away or cannot be read: nothing to show
            return None
        parsed = source.parsed
        errors = tuple(attrs.evolve(e, file=shown) for e in parsed.errors)
        parsed = attrs.evolve(parsed, errors=errors, file=attrs.evolve(parsed.file, path=shown))
        source = attrs.evolve(source, parsed=parsed)
        return FileView(path, shown, "", LineIndex(""), parsed, source)

    def _by_file(
        self, errors: tuple[RuleError, ...], views: dict[Path, FileView]
    ) -> dict[Path, list[RuleError]]:
        by_shown = {view.shown: path for path, view in views.items()}
        found: dict[Path, list[RuleError]] = {}
        for error in errors:
            path = by_shown.get(error.file) or self._table_file(error.file)
            if path is not None:
                found.setdefault(path, []).append(error)
        return found

    def _table_file(self, shown: str) -> Path | None:
        """The file a table problem is in: ``rules/tables/mue.csv``, or a part of a table
        (``rules/tables/ptp:part2.txt``, ``rules/tables/ptp.zip:part2.txt``)."""
        head, _, relative = shown.partition("/")
        if head != self.folder.resolve().name or not relative:
            return None
        table, _, part = relative.partition(":")
        path = self.folder / table
        if part and path.is_dir():
            return path / part.split(":", 1)[0]
        return path
