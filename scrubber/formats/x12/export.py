"""The 837P as an input format (DESIGN §9): recognised by its ``ISA`` whatever the file is
called, read with its byte-order mark (given back as received), and written back billed from
the interchange as read."""

from __future__ import annotations

from typing import Any

from scrubber.errors import ExportReadError
from scrubber.formats.input import InputFormat, Read, ReadOptions
from scrubber.formats.x12.compose import compose_837p
from scrubber.formats.x12.reader import Interchange, read_x12
from scrubber.formats.x12.segments import X12Error, looks_like_x12
from scrubber.formats.x12.writer import write_scrubbed
from scrubber.model.results import ScrubResult

__all__ = ["FORMAT"]


def _read(text: str, name: str, options: ReadOptions) -> Read:
    try:
        batch, interchange = read_x12(text, default_role=options.x12_default_role)
    except X12Error as exc:
        raise ExportReadError(name, f"not a readable X12 interchange: {exc}") from None
    return Read(batch, FORMAT, interchange)


def _write_billed(original: Any, result: ScrubResult) -> str | None:
    """The billed interchange, or None when no claim is billed (a clearinghouse refuses an
    837P without one)."""
    interchange: Interchange = original
    return write_scrubbed(interchange, result) or None


FORMAT = InputFormat(
    name="x12",
    what="an ASC X12 837P interchange (005010X222A1)",
    read=_read,
    dumps=compose_837p,
    starts=looks_like_x12,
    keeps_bom=True,
    write_billed=_write_billed,
)
