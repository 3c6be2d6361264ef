"""``paused_gc``: turn off the cyclic garbage collector for one bulk step, on request.

Reading, scrubbing and writing a large export allocate millions of small objects that form no
reference cycles (frozen records, tuples, strings). CPython's cyclic collector still walks the
ever-growing heap every few thousand allocations, which can double the time of a large scrub for
nothing. The library never pauses the collector on its own: the interpreter's collector is
shared by every thread of the process, and a billing service with other work in flight must
decide that for itself. The command line does it for each command; a library user may too::

    with scrubber.paused_gc():
        result = rules.scrub(scrubber.read_export("big.json"))
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its previous state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
