"""Helpers for bulk work: a pause of the cyclic garbage collector, and the fastest exact JSON.

Reading, scrubbing and writing an export allocate millions of small objects that form no
reference cycles (frozen records, tuples, strings). CPython's cyclic collector still walks the
ever-growing heap every few thousand allocations, which doubles the time of a large scrub for
nothing. ``paused_gc`` turns it off for the duration of one bulk step and restores it after.

orjson, when installed, parses and writes JSON several times faster than the json module. It is
used only where the result is identical: for writing, its output with 2-space indents is the same
bytes as ``json.dumps(indent=2, ensure_ascii=False)`` (a test checks it). For reading, orjson
turns a number with a fraction into a binary float; the reader raises ``InexactNumber`` as soon
as such a float reaches money or a message, and reads that text again with exact decimals.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["HAVE_ORJSON", "dumps_json", "fast_loads", "paused_gc"]

orjson: Any
try:
    import orjson
except ImportError:  # pragma: no cover - exercised in environments without orjson
    orjson = None

HAVE_ORJSON = orjson is not None


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def fast_loads(text: str) -> Any:
    """Parse with orjson (numbers with a fraction become floats), or ``NotImplemented``."""
    if orjson is None:
        return NotImplemented
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return NotImplemented  # let the json module parse it and word the error


def dumps_json(document: Any, default: Callable[[Any], Any]) -> str:
    """``json.dumps(document, indent=2, ensure_ascii=False)``, with orjson when installed."""
    if orjson is not None:
        try:
            written: bytes = orjson.dumps(document, default=default, option=orjson.OPT_INDENT_2)
            return written.decode("utf-8")
        except TypeError:
            pass  # something orjson cannot write (a lone surrogate): the json module decides
    return json.dumps(document, ensure_ascii=False, indent=2, default=default)
