"""The visit and charge ids a streamed export has already sent, in a few bytes each.

A charge id sent twice is a charge billed twice, so the JSON Lines reader checks every id
against every earlier line, across all the days of a stream. Kept as Python strings in a
dictionary that costs about 250 bytes an id and made streaming memory grow with the number of
days; here an id costs 16 bytes: a 64-bit fingerprint and a 64-bit number (where it was first
seen), in sorted arrays searched by bisection, with the newest ids in a small dictionary.

Fingerprints are Python's 64-bit string hash: two different ids share one with a probability
of about n²/2⁶⁵ (one in 37 million for a million ids), and the cost of that is a line wrongly
reported as a duplicate, never a duplicate let through.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from itertools import repeat
from operator import add, and_, itemgetter, lshift, or_, rshift, sub

__all__ = ["CompactIds"]

_RECENT = 4096
_SHIFT = 1 << 63  # fingerprints are signed; shifted, they sort as unsigned
_LOW = (1 << 64) - 1
_SLICE = 1 << 13


class CompactIds:
    """A map from id to a number (where it was first seen) that keeps the first number."""

    __slots__ = ("_recent", "_runs")

    def __init__(self) -> None:
        self._recent: dict[int, int] = {}
        #: sorted runs (fingerprints, numbers), largest first; at most a few
        self._runs: list[tuple[array[int], array[int]]] = []

    def get(self, record_id: str) -> int | None:
        fingerprint = hash(record_id)
        found = self._recent.get(fingerprint)
        if found is not None:
            return found
        for fingerprints, numbers in self._runs:
            at = bisect_left(fingerprints, fingerprint)
            if at < len(fingerprints) and fingerprints[at] == fingerprint:
                return numbers[at]
        return None

    def add(self, record_id: str, number: int) -> None:
        """Remember ``record_id`` (callers check ``get`` first: an id is added once)."""
        self._recent.setdefault(hash(record_id), number)
        if len(self._recent) >= _RECENT:
            self._flush()

    def __len__(self) -> int:
        return len(self._recent) + sum(len(run[0]) for run in self._runs)

    def _flush(self) -> None:
        newest = sorted(self._recent.items())
        self._recent = {}
        run = (array("q", map(itemgetter(0), newest)), array("Q", map(itemgetter(1), newest)))
        self._runs.append(run)
        # Merge runs of equal size, like carries in a binary counter: at most log2(n / 4096)
        # runs to search, and each id is merged as many times over a whole stream.
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= len(self._runs[-1][0]):
            newer = self._runs.pop()
            older = self._runs.pop()
            self._runs.append(_merge(older, newer))

    def nbytes(self) -> int:
        """Bytes held in the sorted runs (the part that grows with a stream)."""
        return sum(f.itemsize * len(f) + n.itemsize * len(n) for f, n in self._runs)


def _merge(
    older: tuple[array[int], array[int]], newer: tuple[array[int], array[int]]
) -> tuple[array[int], array[int]]:
    """Two sorted runs into one, a slice at a time: each pair of slices is packed into integers
    (fingerprint above, number below) and sorted in C, so the merge is fast and its extra
    memory is a slice's worth, not a list of Python integers three times the size of the run."""
    (old_f, old_n), (new_f, new_n) = older, newer
    fingerprints: array[int] = array("q")
    numbers: array[int] = array("Q")
    i = j = 0
    while i < len(old_f) or j < len(new_f):
        i_end = min(i + _SLICE, len(old_f))
        j_end = len(new_f) if i_end == len(old_f) else bisect_left(new_f, old_f[i_end], j)
        if j_end - j > _SLICE:  # many newer ids in the gap: cut the slice at one of them
            j_end = j + _SLICE
            i_end = bisect_left(old_f, new_f[j_end], i)
        packed: list[int] = []
        for f, n in ((old_f[i:i_end], old_n[i:i_end]), (new_f[j:j_end], new_n[j:j_end])):
            packed.extend(map(or_, map(lshift, map(add, f, repeat(_SHIFT)), repeat(64)), n))
        packed.sort()
        fingerprints.extend(map(sub, map(rshift, packed, repeat(64)), repeat(_SHIFT)))
        numbers.extend(map(and_, packed, repeat(_LOW)))
        i, j = i_end, j_end
    return fingerprints, numbers
