"""The tables of a rules folder, as the language server holds them between keystrokes.

The checker is handed ``FolderTables`` in place of a plain ``TableLoader``: a table is read the
first time a rule names it and kept while its files stay as they were (same names, sizes and
modification times); when they change, the next check reads it again. What the hover, the
definition and the completion ask of the tables (a code's MUE cap, its PTP partners, the line of
its row, every code) is answered from the same loaded tables, and the line of a row is counted
by the table readers' own row numbering (``scrubber.tables.rows``), so a CMS file with a notice
of several lines above its header still opens at the right row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from scrubber.tables import pairs, prices, units
from scrubber.tables.cache import TableCache
from scrubber.tables.loader import Refused, TableKind, TableLoader
from scrubber.tables.pairs import PairTable
from scrubber.tables.prices import PriceTable
from scrubber.tables.problems import Problems, TableError
from scrubber.tables.rows import rows_after_header
from scrubber.tables.sources import open_source
from scrubber.tables.units import UnitCap, UnitTable

__all__ = ["FolderTables", "Partners", "Row", "TableSet", "stamp_of"]

#: what a table's files look like on disk: (name, modification time in ns, size) of each
Stamp = tuple[tuple[str, int, int], ...]
Loaded = UnitTable | PairTable | PriceTable | TableError
#: pair tables up to this many rows get a partner map when their rows are read; larger ones
#: (the CMS file: 1.8 million rows) are asked pair by pair
_PARTNER_MAP_ROWS = 300_000
#: the most partners a hover lists per side
SHOWN_PARTNERS = 12


def stamp_of(path: Path) -> Stamp:
    """Names, sizes and modification times of a table's files: a folder's table files, or the
    file itself. Empty when it cannot be read (a table that disappears is read again, and then
    reported missing)."""
    try:
        if path.is_dir():
            found = []
            for child in sorted(path.iterdir()):
                if child.is_file():
                    info = child.stat()
                    found.append((child.name, info.st_mtime_ns, info.st_size))
            return tuple(found)
        info = path.stat()
    except OSError:
        return ()
    return ((path.name, info.st_mtime_ns, info.st_size),)


@attrs.frozen
class Row:
    """Where a code's first row is: the file to open and its 0-based line (None inside an
    archive or a workbook, which an editor cannot open at a line)."""

    file: Path
    line: int | None


@attrs.frozen
class Partners:
    """A code's procedure-to-procedure partners in one table: the codes it denies (it is
    column 1) and the codes that deny it (it is column 2), each sorted and capped."""

    denies: tuple[str, ...]
    denied_by: tuple[str, ...]
    more_denies: int = 0
    more_denied_by: int = 0


@attrs.define
class _Held:
    stamp: Stamp
    table: Loaded
    inside: Path | None
    kind: TableKind
    #: code -> its first row, once asked for
    rows: dict[str, Row] | None = None
    #: code -> (codes it denies, codes denying it), for pair tables small enough
    partners: dict[str, tuple[set[str], set[str]]] | None = None
    #: the codes of column 1 and column 2, once asked for (large pair tables)
    columns: tuple[frozenset[str], frozenset[str]] | None = None


class FolderTables(TableLoader):
    """A ``TableLoader`` that keeps what it read between checks and reads a table again only
    when its files change. ``on_read`` is told each time a table is read from disk."""

    def __init__(
        self,
        cache: TableCache | None = None,
        on_read: Callable[[Path, TableKind, Loaded], None] | None = None,
    ) -> None:
        super().__init__(cache)
        self._held: dict[tuple[Path, TableKind], _Held] = {}
        self._on_read = on_read
        #: (rule file, path as written) -> (table path, kind), of the latest check
        self.named: dict[tuple[Path, str], tuple[Path, TableKind]] = {}
        #: the table the checker located last, and where: it loads it next
        self._located: tuple[Path, str, Path] | None = None

    def begin(self) -> None:
        """A new check starts: forget which rule named which table (not the tables)."""
        self.named = {}
        self._located = None

    def locate(self, rule_file: Path, root: Path, written: str) -> Path | Refused:
        found = super().locate(rule_file, root, written)
        self._located = (rule_file, written, found) if isinstance(found, Path) else None
        return found

    def load(self, path: Path, kind: TableKind, inside: Path | None = None) -> Loaded:
        stamp = stamp_of(path)
        held = self._held.get((path, kind))
        if held is None or held.stamp != stamp:
            # A fresh loader reads the files again (the base class keeps what it read).
            table = TableLoader(self.cache).load(path, kind, inside)
            held = _Held(stamp, table, inside, kind)
            self._held[(path, kind)] = held
            if self._on_read is not None:
                self._on_read(path, kind, table)
        if self._located is not None and self._located[2] == path:
            self.named[self._located[:2]] = (path, kind)
        return held.table

    def snapshot(self) -> TableSet:
        """The tables of the check that just ran, as requests read them while the next check
        runs."""
        held = {}
        for key in dict.fromkeys(self.named.values()):
            found = self._held.get(key)
            if found is not None:
                held[key] = found
        return TableSet(dict(self.named), held)

    def warm(self) -> None:
        """Read the rows of the tables used now, so that the first hover does not wait. A large
        table (the CMS PTP file: seconds) is read when first asked instead, so that it never
        holds up the check of the next keystroke."""
        for (path, _), held in list(self._held.items()):
            if not isinstance(held.table, TableError) and len(held.table) <= _PARTNER_MAP_ROWS:
                _rows(held, path)


class TableSet:
    """The tables one check used: what hover, definition and completion ask of them."""

    def __init__(
        self, named: dict[tuple[Path, str], tuple[Path, TableKind]], held: dict[Any, _Held]
    ) -> None:
        self._named = named
        self._held: dict[tuple[Path, TableKind], _Held] = held

    def used(self) -> Iterator[tuple[Path, _Held]]:
        """The tables used that could be read, in the order first named."""
        for key, held in self._held.items():
            if not isinstance(held.table, TableError):
                yield key[0], held

    def table_named(self, rule_file: Path, written: str) -> tuple[Path, Loaded] | None:
        key = self._named.get((rule_file, written))
        held = self._held.get(key) if key is not None else None
        return (key[0], held.table) if key is not None and held is not None else None

    def caps(self, code: str) -> list[tuple[Path, UnitCap]]:
        """The unit cap of ``code`` in each unit table that has one."""
        return [
            (path, held.table.caps[code])
            for path, held in self.used()
            if isinstance(held.table, UnitTable) and code in held.table.caps
        ]

    def partners(self, code: str) -> list[tuple[Path, Partners]]:
        """The pair edits of ``code`` in each pair table where it has some."""
        found = []
        for path, held in self.used():
            if isinstance(held.table, PairTable):
                denies, denied_by = _partners_of(held, path, held.table, code)
                if denies or denied_by:
                    found.append((path, _capped(denies, denied_by)))
        return found

    def codes(self) -> frozenset[str]:
        """Every code of every table used (for completion)."""
        every: set[str] = set()
        for _, held in self.used():
            if isinstance(held.table, UnitTable):
                every.update(held.table.caps)
            elif isinstance(held.table, PairTable):
                column1, column2 = _columns(held, held.table)
                every.update(column1)
                every.update(column2)
        return frozenset(every)

    def rows(self, code: str) -> list[Row]:
        """The first row of ``code`` in each table used that holds it."""
        found = []
        for path, held in self.used():
            row = _rows(held, path).get(code)
            if row is not None:
                found.append(row)
        return found


# -- the rows, read once per version of a table --


def _rows(held: _Held, path: Path) -> dict[str, Row]:
    if held.rows is not None:
        return held.rows
    rows: dict[str, Row] = {}
    partners: dict[str, tuple[set[str], set[str]]] | None = None
    if isinstance(held.table, PairTable) and len(held.table) <= _PARTNER_MAP_ROWS:
        partners = {}
    headers = {"unit": units.HEADERS, "price": prices.HEADERS}.get(held.kind, pairs.HEADERS)
    try:
        source = open_source(path, held.inside)
        for part in source.parts():
            if source.kind == "file" and part.sheet is None:
                file, lines = path, True
            elif source.kind == "folder" and part.sheet is None:
                file, lines = path / part.label, True
            else:  # a member of an archive, a worksheet: the file, at no line
                file, lines = path, False
            found = rows_after_header(part, headers, Problems(), "")
            if found is None:
                continue
            for line, cells in found[2]:
                codes = cells[:1] if held.kind == "unit" else cells[:2]
                for code in codes:
                    if code and code not in rows:
                        rows[code] = Row(file, line - 1 if lines else None)
                if partners is not None and len(cells) >= 2:
                    partners.setdefault(cells[0], (set(), set()))[0].add(cells[1])
                    partners.setdefault(cells[1], (set(), set()))[1].add(cells[0])
    except (TableError, OSError, ValueError):
        pass  # the check reports what is wrong with the table; nothing to point at
    held.rows = rows
    held.partners = partners
    return rows


def _columns(held: _Held, table: PairTable) -> tuple[frozenset[str], frozenset[str]]:
    if held.columns is None:
        held.columns = (table.index.column1_codes(), table.index.column2_codes())
    return held.columns


def _partners_of(
    held: _Held, path: Path, table: PairTable, code: str
) -> tuple[list[str], list[str]]:
    if held.partners is None and len(table) <= _PARTNER_MAP_ROWS:
        _rows(held, path)
    if held.partners is not None:
        denies, denied_by = held.partners.get(code, (set(), set()))
    else:
        column1, column2 = _columns(held, table)
        denies = set(column2) if code in column1 else set()
        denied_by = set(column1) if code in column2 else set()
    # The edits in effect today (an edit with indicator 9 never applies).
    today = date.today()
    return (
        sorted(c for c in denies if table.indicator(code, c, today) not in (None, "9")),
        sorted(c for c in denied_by if table.indicator(c, code, today) not in (None, "9")),
    )


def _capped(denies: list[str], denied_by: list[str]) -> Partners:
    return Partners(
        tuple(denies[:SHOWN_PARTNERS]),
        tuple(denied_by[:SHOWN_PARTNERS]),
        max(len(denies) - SHOWN_PARTNERS, 0),
        max(len(denied_by) - SHOWN_PARTNERS, 0),
    )
