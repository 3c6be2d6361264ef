"""Reading a file that a rule set names, safely: only a regular file (never a device, a pipe or a
folder), only inside the folder it must stay in, and never more than a stated number of bytes.

A rule folder is data someone else may have written: a ``x.rules`` that is a pipe would block a
read forever, a link to ``/dev/zero`` would fill memory, a link to ``/etc/passwd`` would be read
and quoted back. ``stat()`` says 0 bytes for devices and pipes, so the size is checked on what is
read, not only on what the file claims.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["FileRefused", "read_regular"]


class FileRefused(Exception):
    """A file that is not read; the message says why, in words for a rule author."""


def read_regular(path: Path, limit: int, inside: Path | None = None) -> bytes:
    """The bytes of ``path``: a regular file (links followed) within ``inside`` when given, of
    at most ``limit`` bytes. Raises ``FileRefused`` otherwise, and ``OSError`` when it cannot
    be read."""
    if inside is not None and not path.resolve().is_relative_to(inside.resolve()):
        raise FileRefused("it leads outside the rules folder (a link out is not followed)")
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("it is not a regular file (a device, a pipe or a folder)")
        if info.st_size > limit:
            raise FileRefused(f"it is {info.st_size:,} bytes; at most {limit:,} are read")
        chunks, total = [], 0
        while chunk := os.read(descriptor, min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileRefused(f"it holds more than {limit:,} bytes; at most that many are read")
        return b"".join(chunks)
    finally:
        os.close(descriptor)
