"""JSON text in and out: exact numbers, and orjson where it gives the same result faster.

orjson, when installed, parses and writes JSON several times faster than the json module. It is
used only where the result is identical: for writing, its output with 2-space indents is the same
bytes as ``json.dumps(indent=2, ensure_ascii=False)`` (a test checks it). For reading, orjson
turns a number with a fraction into a binary float; the reader raises ``InexactNumber`` as soon
as such a float reaches money or a message, and reads that text again with exact decimals
(``loads_exact``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

__all__ = [
    "HAVE_ORJSON",
    "MAX_DEPTH",
    "TooDeep",
    "decode_exact_at",
    "dumps_json",
    "fast_loads",
    "json_default",
    "loads_exact",
    "loads_fast",
]

orjson: Any
try:
    import orjson
except ImportError:  # pragma: no cover - exercised in environments without orjson
    orjson = None

HAVE_ORJSON = orjson is not None


def fast_loads(text: str) -> Any:
    """Parse with orjson (numbers with a fraction become floats), or ``NotImplemented``."""
    if orjson is None:
        return NotImplemented
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return NotImplemented  # let the json module parse it and word the error


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


class TooDeep(ValueError):
    """JSON nested deeper than a reader can follow."""

    def __init__(self) -> None:
        super().__init__(
            f"nested more than about {MAX_DEPTH:,} levels deep (an export is a few levels deep)"
        )


#: about how deep the readers follow nested lists and objects (the json module's limit)
MAX_DEPTH = 1000


def loads_exact(text: str) -> Any:
    """JSON with every number that has a fraction read as an exact ``Decimal``, never a float.
    Nesting beyond what the reader can follow raises ``TooDeep`` (a ``ValueError``)."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise TooDeep from None


_EXACT = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


def decode_exact_at(text: str, at: int) -> tuple[Any, int]:
    """The one JSON value that starts at ``at`` (no white space before it), read as
    ``loads_exact`` reads it, and where it ends: a document's lists are read a piece at a time
    (``scrubber.formats.json_pieces``). Raises ``ValueError`` (``TooDeep`` for nesting the
    reader cannot follow) when there is no such value."""
    try:
        value, end = _EXACT.raw_decode(text, at)
    except RecursionError:
        raise TooDeep from None
    return value, end


def json_default(value: Any) -> Any:
    """What the encoders call for values JSON has no type for: tuples and dates."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps_json(document: Any, default: Callable[[Any], Any] = json_default) -> str:
    """``json.dumps(document, indent=2, ensure_ascii=False)``, with orjson when installed."""
    if orjson is not None:
        try:
            written: bytes = orjson.dumps(document, default=default, option=orjson.OPT_INDENT_2)
            return written.decode("utf-8")
        except TypeError:
            pass  # something orjson cannot write (a lone surrogate): the json module decides
    return json.dumps(document, ensure_ascii=False, indent=2, default=default)


def loads_fast(text: str) -> tuple[Any, bool]:
    """JSON parsed by orjson when installed, and whether it was: numbers with a fraction then
    come back as floats, and a record that meets one raises ``InexactNumber`` so that the text
    is parsed again exactly."""
    fast = fast_loads(text)
    return (loads_exact(text), False) if fast is NotImplemented else (fast, True)
