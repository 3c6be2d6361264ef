"""Where an export's text comes from: a path, ``-`` (standard input) or an open text stream,
read whole as UTF-8, or only its start, to tell its format before choosing how to read it.

Every format reads its text through here, so that the encodings refused (UTF-16, bytes that are
not UTF-8) are refused in the same words whatever the format.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

from scrubber.errors import ExportReadError

__all__ = ["read_source_text", "start_of"]


def read_source_text(source: str | Path | IO[str], *, keep_bom: bool = False) -> tuple[str, str]:
    """The text of a path, ``-`` (standard input) or an open text stream, and its name. UTF-8
    (a byte-order mark dropped unless ``keep_bom``: an 837P gives it back as received); UTF-16
    and other bytes are an ``ExportReadError``."""
    if not isinstance(source, str | Path):
        if not callable(getattr(source, "read", None)):
            raise TypeError(
                f"expected a path, '-' or an open text file, not {type(source).__name__} "
                "(for a document already decoded, use scrubber.parse_export)"
            )
        text = source.read()
        if not isinstance(text, str):
            raise TypeError("expected a text file (opened without 'b'), not a binary one")
        return text, str(getattr(source, "name", "<stream>"))
    if str(source) == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        name = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ExportReadError(name, f"cannot read the file ({exc.strerror or exc})") from None
    _refuse_utf16(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportReadError(name, f"not UTF-8 text (bad byte at offset {exc.start})") from None
    return (text if keep_bom else text.removeprefix("\ufeff")), name


def _refuse_utf16(head: bytes, name: str) -> None:
    """UTF-16 (a byte-order mark FF FE or FE FF, or a NUL beside every character) is refused in
    one line: exports and 837P files are UTF-8 or ASCII."""
    sample = head[:64]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(sample) >= 4 and sample.count(0) * 3 >= len(sample)
    ):
        raise ExportReadError(name, "not UTF-8 text: the file is UTF-16; exports and 837P files "
                              "are read as UTF-8 or ASCII: save it as UTF-8")  # fmt: skip


_BLANK = b" \t\r\n"


def _first_line(handle: IO[bytes]) -> tuple[bytes, bytes]:
    """The first bytes of a file (to tell its encoding) and its first line that is not blank,
    however much white space stands before it (read in chunks, never a fixed window)."""
    head = handle.read(1 << 16)
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip(_BLANK)
    while not body:
        chunk = handle.read(1 << 16)
        if not chunk:
            break
        body = chunk.lstrip(_BLANK)
    if b"\n" not in body:
        body += handle.readline(1 << 20)
    return head[:64], body.split(b"\n", 1)[0]


def start_of(source: str | Path) -> tuple[str, str]:
    """The first line of an export that is not blank (to tell its format) and its name. Only
    the start of the file is read; ``-`` is standard input, of which only what is buffered is
    looked at, without consuming it. UTF-16 is refused here already."""
    name = str(source)
    if name == "-":
        stdin: Any = sys.stdin.buffer  # a BufferedReader: peek looks without consuming
        peeked = stdin.peek(1 << 16)
        head = peeked[:64]
        first = peeked.removeprefix(b"\xef\xbb\xbf").lstrip(_BLANK).split(b"\n", 1)[0]
    else:
        try:
            with open(name, "rb") as handle:
                head, first = _first_line(handle)
        except OSError as exc:
            raise ExportReadError(name, f"cannot read the file ({exc.strerror or exc})") from None
    _refuse_utf16(head, name if name != "-" else "<stdin>")
    return first.decode("utf-8", "replace"), name
