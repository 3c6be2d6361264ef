"""What an input format is: the one description every reader of an export gives the registry
(``scrubber.formats.registry``), so that detecting, reading and writing back go through one
table and a new format is one module plus its line there (DESIGN §2).

A format says how to recognise its text (by its first characters, by a file name, by its first
line), how to read it into a ``Batch`` (bad records rejected with a precise path, the file as a
whole refused with ``ExportReadError``), how to write a batch in it, whether its records come one
a line (so that ``scrub`` can stream them a day at a time), and, for a format that billing takes
back as it came (X12 837P), how to write the billed result in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from scrubber.model.records import Batch, ProviderRole
from scrubber.model.results import ScrubResult

__all__ = ["InputFormat", "Read", "ReadOptions"]


@attrs.frozen
class ReadOptions:
    """What a reader may be told beyond the text: the role of an 837P claim that names no
    taxonomy (DESIGN §9). Formats ignore what does not concern them."""

    x12_default_role: ProviderRole | None = None


@attrs.frozen
class Read:
    """An export as read: its records, the format that read it, and what that format needs to
    write the billed result back in it (an 837P's envelopes and where each claim stood), or
    None when the result is written as JSON."""

    batch: Batch
    format: InputFormat
    original: Any = None


@attrs.frozen
class InputFormat:
    """One input format (the fields say why each exists)."""

    #: the name used by ``--input-format`` and ``read_export(format=...)``
    name: str
    #: what the format is, for messages and docs ("JSON Lines: one visit a line")
    what: str
    #: reads the text (name: for messages) into records; raises ``ExportReadError`` only when
    #: the text as a whole is not of this format
    read: Callable[[str, str, ReadOptions], Read]
    #: writes a batch as text in this format
    dumps: Callable[[Batch], str]
    #: whether the first characters of the text alone say it is this format, whatever the file
    #: is called (an 837P starts with ``ISA``); None: only names and first lines tell
    starts: Callable[[str], bool] | None = None
    #: file name endings that say this format when the text's start does not
    suffixes: tuple[str, ...] = ()
    #: whether the first non-blank line alone is one of this format's records
    first_line: Callable[[str], bool] | None = None
    #: records come one a line: ``scrub`` reads them a day at a time
    streams: bool = False
    #: the text is read with its byte-order mark, to be written back as received
    keeps_bom: bool = False
    #: writes the billed result in this format from ``Read.original`` (None when nothing is
    #: billed: no file is written); None: results are written as JSON
    write_billed: Callable[[Any, ScrubResult], str | None] | None = None
