"""Every input format in one table (DESIGN §2): detection, reading and writing back go through
it, so ``scrub``, ``read_export`` and the other commands never branch on a format's name.

Adding a format is one module that declares an ``InputFormat`` (see ``scrubber.formats.input``
and docs/engine.md, "Adding an input format") and its line in ``FORMATS`` below. The order is
the order of detection: a format whose text announces itself (an 837P's ``ISA``) is recognised
whatever the file is called; then file names; then the first line; else a JSON document.
"""

from __future__ import annotations

import re
from pathlib import Path

from scrubber.errors import UsageError
from scrubber.formats import json_document, json_lines
from scrubber.formats.input import InputFormat
from scrubber.formats.source import start_of
from scrubber.formats.x12 import export as x12_export

__all__ = ["DEFAULT", "FORMATS", "format_named", "guess", "guess_format", "names"]

#: every input format, in the order of detection
FORMATS: tuple[InputFormat, ...] = (
    x12_export.FORMAT,
    json_lines.FORMAT,
    json_document.FORMAT,
)
#: the format of a text that nothing else claims
DEFAULT = json_document.FORMAT

_BY_NAME = {entry.name: entry for entry in FORMATS}
_FIRST_TEXT = re.compile(r"[\ufeff \t\r\n]*")


def names() -> tuple[str, ...]:
    """The formats' names (``--input-format`` choices)."""
    return tuple(_BY_NAME)


def format_named(name: str) -> InputFormat:
    """The format of this name; a ``UsageError`` naming the known ones otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(names())
        raise UsageError(f'no input format "{name}" (the formats are {known})') from None


def guess(text: str, name: str) -> InputFormat:
    """The format of an export from its text (the whole of it, or its start) and its name."""
    for entry in FORMATS:
        if entry.starts is not None and entry.starts(text):
            return entry
    for entry in FORMATS:
        if name.endswith(entry.suffixes) and entry.suffixes:
            return entry
    start = _FIRST_TEXT.match(text).end()  # type: ignore[union-attr]  # always matches
    end = text.find("\n", start)
    first = text[start : end if end >= 0 else len(text)]
    for entry in FORMATS:
        if entry.first_line is not None and entry.first_line(first):
            return entry
    return DEFAULT


def guess_format(source: str | Path) -> str:
    """The name of an export's format from its first line that is not blank and its name
    (only the start of the file is read; see ``scrubber.formats.source.start_of``)."""
    first, name = start_of(source)
    return guess(first, name).name
