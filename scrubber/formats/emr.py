"""The EMR export, whatever its format: the functions callers use, over the registry of input
formats (``scrubber.formats.registry``: JSON, JSON Lines, X12 837P, each one module).

Readers never raise for a bad record: the record goes to ``rejected`` with the precise path of
the bad value and the rest is read. They raise ``ExportReadError`` only when the file as a whole
is not an export (not JSON, not the documented shape, not UTF-8).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from scrubber.formats.input import Read, ReadOptions
from scrubber.formats.json_document import dumps_document, export_document, parse_export
from scrubber.formats.json_lines import iter_jsonl, numbered_lines, read_lines
from scrubber.formats.registry import format_named, guess, guess_format
from scrubber.formats.source import read_source_text
from scrubber.formats.x12.reader import Interchange
from scrubber.model.records import Batch, ProviderRole

__all__ = [
    "ExportFormat",
    "dumps_export",
    "export_document",
    "guess_format",
    "iter_jsonl",
    "numbered_lines",
    "parse_export",
    "read_any_export",
    "read_export",
    "read_lines",
    "read_source_text",
    "read_x12_export",
    "write_export",
]

#: the name of an input format (``scrubber.formats.registry.names()``: json, jsonl, x12)
ExportFormat = str


def read_export(
    source: str | Path | IO[str],
    *,
    format: ExportFormat | None = None,
    x12_default_role: ProviderRole | None = None,
) -> Batch:
    """Read an EMR export from a path, ``"-"`` (standard input) or an open text stream.

    The format is X12 837P when the text starts with ``ISA``; else JSON unless ``format`` says
    otherwise, the name ends in ``.jsonl``/``.ndjson``, or the first line is a complete JSON
    Lines record. ``x12_default_role`` is the role of an 837P claim that names no taxonomy
    (``read_x12``). An export with no records at all is an ``ExportReadError``.
    """
    return read_any_export(source, format=format, x12_default_role=x12_default_role).batch


def read_any_export(
    source: str | Path | IO[str],
    *,
    format: ExportFormat | None = None,
    x12_default_role: ProviderRole | None = None,
) -> Read:
    """The export whatever its format, the format that read it, and what that format needs to
    write the billed result back in it (an 837P's envelopes). Without ``format`` the whole
    text decides, as in ``read_export``."""
    text, name = read_source_text(source, keep_bom=True)
    chosen = format_named(format) if format is not None else guess(text, name)
    if not chosen.keeps_bom:
        text = text.removeprefix("\ufeff")
    return chosen.read(text, name, ReadOptions(x12_default_role))


def read_x12_export(
    source: str | Path | IO[str], *, default_role: ProviderRole | None = None
) -> tuple[Batch, Interchange]:
    """An 837P file: its records, and where each claim is (to write the billed one)."""
    read = read_any_export(source, format="x12", x12_default_role=default_role)
    return read.batch, read.original


def dumps_export(batch: Batch, format: ExportFormat = "json", *, indent: int | None = 2) -> str:
    """The export as text. JSON Lines are sorted by date of service, as streaming requires; X12
    is an 837P of one claim per visit (``scrubber.formats.x12.compose``)."""
    if format == "json":
        return dumps_document(batch, indent)
    return format_named(format).dumps(batch)


def write_export(batch: Batch, target: str | Path | IO[str], format: ExportFormat = "json") -> None:
    """Write the export to a path, ``"-"`` (standard output) or an open text stream."""
    text = dumps_export(batch, format)
    if not isinstance(target, str | Path):
        target.write(text)
    elif str(target) == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
