"""Compiled PTP tables kept between runs, so a full CMS table loads in well under a second.

An entry is named by the SHA-256 of the table's content (a file's or an archive's bytes, a
folder's file names and bytes: ``scrubber.tables.sources``) and also records the scrubber version and
the format that wrote it: an edited table, a new scrubber or a damaged file simply misses and
the table is read again, so the cache is never stale. Entries hold only integers, dates and
codes, read back by a parser of our own: nothing in a cache folder can run code (no pickle).
Small tables are not cached; reading them is faster than hashing them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from array import array
from pathlib import Path

import attrs

from scrubber._version import __version__
from scrubber.tables.pair_index import RECORD, PairIndex, SortedPairs

__all__ = ["TableCache"]

_MAGIC = b"scrubber compiled pair table\n"
#: bump whenever what a table reads as (or the layout of an entry) changes
FORMAT = 2
_SUFFIX = ".ptp"


@attrs.frozen
class TableCache:
    """A folder of compiled tables.

    ``min_bytes``: tables smaller than this are always read from their file. ``keep``: how many
    entries stay after a new one is written (the most recently used; the rest are deleted).
    """

    folder: Path = attrs.field(converter=Path)
    min_bytes: int = 4 << 20
    keep: int = 8

    @classmethod
    def default(cls) -> TableCache:
        """``$SCRUBBER_CACHE_DIR``, else ``$XDG_CACHE_HOME/scrubber``, else ``~/.cache/scrubber``."""
        chosen = os.environ.get("SCRUBBER_CACHE_DIR")
        if chosen:
            return cls(Path(chosen))
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return cls(Path(base) / "scrubber")

    def wants(self, size: int) -> bool:
        """Whether a table of ``size`` bytes is worth caching (hashing a small one costs more
        than reading it)."""
        return size >= self.min_bytes

    def _entry(self, digest: str) -> Path:
        return self.folder / f"{digest}{_SUFFIX}"

    def load_pairs(self, digest: str) -> tuple[str, int, SortedPairs, tuple[str, ...]] | None:
        """(layout, rows, pairs, part labels) stored for exactly this content, or None."""
        path = self._entry(digest)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        found = _decode(data, digest)
        if found is not None:
            with contextlib.suppress(OSError):
                os.utime(path)  # most recently used: the last to be pruned
        return found

    def store_pairs(
        self,
        digest: str,
        layout: str,
        rows: int,
        pairs: PairIndex,
        parts: tuple[str, ...] = ("",),
    ) -> bool:
        """Write the compiled form; False (and nothing half-written) if the folder refuses."""
        records, values, texts = pairs.records()
        payload = records + values.tobytes()
        header = {
            "format": FORMAT,
            "scrubber": __version__,
            "source_sha256": digest,
            "layout": layout,
            "rows": rows,
            "parts": list(parts),
            "pairs": len(values),
            "byteorder": sys.byteorder,
            "periods": [text.decode("ascii") for text in texts],
            "column2": sorted(pairs.column2_codes()),
            "payload_sha256": hashlib.sha256(payload).hexdigest(),
        }
        encoded = _MAGIC + json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(encoded)
                    out.write(payload)
                os.replace(temporary, self._entry(digest))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            self._prune()
        except OSError:
            return False
        return True

    def _prune(self) -> None:
        entries = sorted(
            self.folder.glob(f"*{_SUFFIX}"), key=lambda p: p.stat().st_mtime_ns, reverse=True
        )
        for stale in entries[self.keep :]:
            stale.unlink(missing_ok=True)


def _decode(data: bytes, digest: str) -> tuple[str, int, SortedPairs, tuple[str, ...]] | None:
    """The entry's contents if every check holds; any doubt is a miss."""
    if not data.startswith(_MAGIC):
        return None
    header_end = data.find(b"\n", len(_MAGIC))
    if header_end == -1:
        return None
    try:
        header = json.loads(data[len(_MAGIC) : header_end])
        count = int(header["pairs"])
        wanted = (FORMAT, __version__, digest)
        if (header["format"], header["scrubber"], header["source_sha256"]) != wanted:
            return None
        layout, rows = str(header["layout"]), int(header["rows"])
        parts = tuple(str(label) for label in header["parts"])
        texts = [str(text).encode("ascii") for text in header["periods"]]
        column2 = frozenset(str(code) for code in header["column2"])
        byteorder, payload_sha = header["byteorder"], header["payload_sha256"]
    except (ValueError, KeyError, TypeError, UnicodeError):
        return None
    payload = memoryview(data)[header_end + 1 :]
    values = array("I")
    if len(payload) != count * (RECORD + values.itemsize):
        return None
    if hashlib.sha256(payload).hexdigest() != payload_sha:
        return None
    records = bytes(payload[: count * RECORD])
    values.frombytes(payload[count * RECORD :])
    if byteorder != sys.byteorder:
        values.byteswap()
    index = SortedPairs.build(records, values, texts, column2)
    return None if index is None else (layout, rows, index, parts)
