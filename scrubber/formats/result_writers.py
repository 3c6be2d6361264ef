"""Writing a result as it comes: the days of a stream written one after another, byte for byte
what ``dumps_result`` and ``dumps_audit`` write for the whole batch (issue 25: a streamed result
had no documented way to be written)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from typing import IO, Literal, Protocol

from scrubber.formats.jsoncodec import dumps_json
from scrubber.formats.results import OPTIONAL, SECTIONS, dumps_audit
from scrubber.model.records import Rejected, Visit
from scrubber.model.results import AuditEntry, HeldVisit, ScrubResult, VisitWarning

__all__ = ["AuditWriter", "ResultPiece", "ResultWriter", "write_audit", "write_result"]

#: how many items of a section ``write_result`` turns into text at once
WRITE_ITEMS = 1000


def write_result(result: ScrubResult, target: IO[str]) -> None:
    """Write ``result`` to ``target`` as the bytes ``dumps_result`` gives, a thousand items of a
    section at a time: the whole text, about 1 KB a charge line, is never held (issue 29)."""
    records = dict(SECTIONS)
    target.write("{")
    names = [name for name, _ in SECTIONS if name not in OPTIONAL or getattr(result, name)]
    for n, name in enumerate(names):
        target.write(f'{"," if n else ""}\n  "{name}": [')
        items = getattr(result, name)
        if not items:
            target.write("]")
            continue
        record = records[name]
        prefix = len(name) + 10  # '{\n  "NAME": [\n', then the items indented as in the whole
        for start in range(0, len(items), WRITE_ITEMS):
            text = dumps_json({name: [record(item) for item in items[start : start + WRITE_ITEMS]]})
            target.write((",\n" if start else "\n") + text[prefix:-6])  # less '\n  ]\n}'
        target.write("\n  ]")
    target.write("\n}\n")


def write_audit(
    entries: tuple[AuditEntry, ...], target: IO[str], format: Literal["json", "jsonl", "csv"]
) -> None:
    """Write the audit trail as ``dumps_audit`` gives it, a thousand entries at a time."""
    with AuditWriter(target, format) as writer:
        for start in range(0, len(entries), WRITE_ITEMS):
            writer.add(entries[start : start + WRITE_ITEMS])


class ResultPiece(Protocol):
    """What ``ResultWriter.add`` takes: a whole ``ScrubResult`` or one ``StreamedDay`` of
    ``RuleSet.scrub_stream`` (any object with these four sections)."""

    @property
    def billed(self) -> tuple[Visit, ...]: ...
    @property
    def exceptions(self) -> tuple[HeldVisit, ...]: ...
    @property
    def warnings(self) -> tuple[VisitWarning, ...]: ...
    @property
    def rejected(self) -> tuple[Rejected, ...]: ...
    @property
    def audit(self) -> tuple[AuditEntry, ...]: ...


class ResultWriter:
    """Writes a result piece by piece (the days of a stream) as the same bytes ``dumps_result``
    gives for the whole: each section's items are spooled to a temporary file as they come, and
    the sections are put together at the end. Memory holds one piece at a time.

    ```python
    with open("result.json", "w", encoding="utf-8") as out, ResultWriter(out) as writer:
        for day in rules.scrub_stream(records):
            writer.add(day)
    ```

    Leaving the ``with`` block writes the document (``close``); leaving it on an exception
    writes nothing more, so a failed stream never looks like a complete result.
    """

    def __init__(self, target: IO[str]) -> None:
        self._target = target
        # one spool a section, closed by ``close``
        self._spools = {
            name: tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            for name, _ in SECTIONS
        }
        self._counts = dict.fromkeys(self._spools, 0)
        self._done = False

    def add(self, piece: ResultPiece) -> None:
        """Add the next piece; pieces must come in result order (the days of a stream as
        ``scrub_stream`` yields them)."""
        if self._done:
            raise ValueError("this ResultWriter is closed: its result is written")
        for name, record in SECTIONS:
            spool = self._spools[name]
            # a piece made before warnings existed has none
            for item in getattr(piece, name, ()):
                text = dumps_json(record(item)).replace("\n", "\n    ")
                spool.write((",\n    " if self._counts[name] else "    ") + text)
                self._counts[name] += 1

    def close(self) -> None:
        """Write the whole document to the target (once; the target stays open)."""
        if self._done:
            return
        out = self._target
        out.write("{")
        written = [name for name, _ in SECTIONS if name not in OPTIONAL or self._counts[name]]
        for n, name in enumerate(written):
            out.write(f'{"," if n else ""}\n  "{name}": [')
            spool = self._spools[name]
            if self._counts[name]:
                out.write("\n")
                spool.seek(0)
                shutil.copyfileobj(spool, out)
                out.write("\n  ")
            out.write("]")
        out.write("\n}\n")
        self.discard()

    def discard(self) -> None:
        """Let go of the spooled pieces without writing (``close`` does it once the result is
        written)."""
        self._done = True
        for spool in self._spools.values():
            spool.close()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


class AuditWriter:
    """The audit trail written piece by piece (the days of a stream), as ``dumps_audit`` writes
    it whole: CSV with one header, JSON Lines, or one JSON list."""

    def __init__(self, target: IO[str], format: Literal["json", "jsonl", "csv"]) -> None:
        self._target = target
        self._format = format
        self._count = 0
        self._done = False

    def add(self, entries: Iterable[AuditEntry]) -> None:
        """Add the next entries (a day's ``audit``), in result order."""
        if self._done:
            raise ValueError("this AuditWriter is closed: its audit trail is written")
        text = dumps_audit(entries, self._format)
        if self._format == "csv":
            header, _, rows = text.partition("\n")
            text = (header + "\n" if not self._count else "") + rows
            self._count += 1
        elif self._format == "json":
            items = text.strip()[1:-1].strip("\n")
            if items:
                self._target.write(("[\n" if not self._count else ",\n") + items)
                self._count += 1
            return
        self._target.write(text)

    def close(self) -> None:
        """Finish the trail (the closing bracket of JSON, the header of an empty CSV); once."""
        if self._done:
            return
        self._done = True
        if self._format == "json":
            self._target.write("\n]\n" if self._count else "[]\n")
        elif self._format == "csv" and not self._count:
            self._target.write(dumps_audit((), "csv"))

    def __enter__(self) -> AuditWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
