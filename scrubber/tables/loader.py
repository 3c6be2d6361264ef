"""Tables as the rule checker needs them: found relative to the rule file, never outside the
rules folder, read once per run however many rules name them, large ones through the cache.

The checker turns what this module answers into rule errors at the rule's position; all file
access for tables happens here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import attrs

from scrubber.tables.cache import TableCache
from scrubber.tables.pairs import PairTable, load_pair_table
from scrubber.tables.rows import TableError
from scrubber.tables.units import UnitTable, load_unit_table

__all__ = ["Refused", "TableKind", "TableLoader"]

TableKind = Literal["unit", "pair"]


@attrs.frozen
class Refused:
    """A table path that cannot be used: ``reason`` is ``bad_path`` (absolute, or with ``\\``),
    ``outside`` (leads out of the rules folder), ``missing``, or ``not_regular`` (a device, a
    pipe, a folder); for a missing file, the names of the tables beside where it was looked for
    (for a "did you mean")."""

    reason: Literal["bad_path", "outside", "missing", "not_regular"]
    name: str = ""
    beside: tuple[str, ...] = ()


class TableLoader:
    """Finds and loads the tables of one rule set; every table is read once."""

    def __init__(self, cache: TableCache | None = None) -> None:
        self.cache = cache
        self._loaded: dict[tuple[Path, TableKind], UnitTable | PairTable | TableError] = {}

    def locate(self, rule_file: Path, root: Path, written: str) -> Path | Refused:
        """The table ``written`` in ``rule_file``, inside the rules folder ``root``."""
        wanted = Path(written)
        if wanted.is_absolute() or "\\" in written:
            return Refused("bad_path")
        resolved = (rule_file.parent / wanted).resolve()
        if not resolved.is_relative_to(root.resolve()):
            return Refused("outside")
        if resolved.exists() and not resolved.is_file():
            return Refused("not_regular", resolved.name)
        if not resolved.is_file():
            beside: tuple[str, ...] = ()
            if resolved.parent.is_dir():
                beside = tuple(sorted(p.name for p in resolved.parent.glob("*.csv")))
            return Refused("missing", resolved.name, beside)
        return resolved

    def load(self, path: Path, kind: TableKind) -> UnitTable | PairTable | TableError:
        key = (path, kind)
        found = self._loaded.get(key)
        if found is None:
            try:
                found = (
                    load_unit_table(path) if kind == "unit" else load_pair_table(path, self.cache)
                )
            except TableError as exc:
                found = exc
            self._loaded[key] = found
        return found

    @staticmethod
    def line_text(path: Path, line: int) -> str:
        """The text of one line of a table (for the caret under a problem)."""
        try:
            with path.open(encoding="utf-8-sig", errors="replace") as handle:
                for number, text in enumerate(handle, start=1):
                    if number == line:
                        return text.rstrip("\r\n")
        except OSError:  # pragma: no cover - the table was just read
            return ""
        return ""
