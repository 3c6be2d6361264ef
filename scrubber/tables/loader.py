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
from scrubber.tables.prices import PriceTable, load_price_table
from scrubber.tables.problems import TableError
from scrubber.tables.sources import PART_SUFFIXES
from scrubber.tables.units import UnitTable, load_unit_table

__all__ = ["Refused", "TableKind", "TableLoader"]

TableKind = Literal["unit", "pair", "price"]


@attrs.frozen
class Refused:
    """A table path that cannot be used: ``reason`` is ``bad_path`` (absolute, or with ``\\``),
    ``outside`` (leads out of the rules folder), ``missing``, or ``not_regular`` (a device or a
    pipe); for a missing table, the names of the tables beside where it was looked for (for a
    "did you mean")."""

    reason: Literal["bad_path", "outside", "missing", "not_regular"]
    name: str = ""
    beside: tuple[str, ...] = ()


class TableLoader:
    """Finds and loads the tables of one rule set; every table is read once."""

    def __init__(self, cache: TableCache | None = None) -> None:
        self.cache = cache
        self._loaded: dict[
            tuple[Path, TableKind], UnitTable | PairTable | PriceTable | TableError
        ] = {}

    def locate(self, rule_file: Path, root: Path, written: str) -> Path | Refused:
        """The table ``written`` in ``rule_file`` (a file, a ZIP archive or a folder), inside
        the rules folder ``root``."""
        wanted = Path(written)
        if wanted.is_absolute() or "\\" in written or "\x00" in written:
            return Refused("bad_path")
        resolved = (rule_file.parent / wanted).resolve()
        if not resolved.is_relative_to(root.resolve()):
            return Refused("outside")
        if resolved.is_file() or resolved.is_dir():
            return resolved
        if resolved.exists():
            return Refused("not_regular", resolved.name)
        beside: tuple[str, ...] = ()
        if resolved.parent.is_dir():
            beside = tuple(
                sorted(
                    p.name
                    for p in resolved.parent.iterdir()
                    if p.is_dir() or p.suffix.lower() in (*PART_SUFFIXES, ".zip")
                )
            )
        return Refused("missing", resolved.name, beside)

    def load(
        self, path: Path, kind: TableKind, inside: Path | None = None
    ) -> UnitTable | PairTable | PriceTable | TableError:
        """The table at ``path`` (found by ``locate``); a folder's files must stay ``inside``."""
        key = (path, kind)
        found = self._loaded.get(key)
        if found is None:
            try:
                if kind == "unit":
                    found = load_unit_table(path, inside)
                elif kind == "price":
                    found = load_price_table(path, inside)
                else:
                    found = load_pair_table(path, self.cache, inside)
            except TableError as exc:
                found = exc
            self._loaded[key] = found
        return found
