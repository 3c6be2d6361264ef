"""How procedure-to-procedure pairs are held in memory, and the fast way to read them.

A CMS PTP file has about 1.8 million rows. On this project's 2-core machines, making one Python
object per cell costs more than everything else a load does, so the common case is read by one
regular expression (two small objects a row: the pair and its period text, straight from the
file's bytes) and periods are parsed once per distinct text (a few thousand in a real file).
A cached table is held as sorted fixed-width records and an array of machine integers
instead, which load in milliseconds; both answer the same ``periods(column1, column2)`` question.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable
from itertools import compress, islice
from operator import eq, itemgetter, le, ne, not_
from typing import Protocol

__all__ = [
    "NEVER",
    "DictPairs",
    "PairIndex",
    "Period",
    "SortedPairs",
    "fast_pairs",
    "parse_periods",
]

#: a far-future date for "never deleted", as an integer YYYYMMDD
NEVER = 99991231
#: (effective, deleted, modifier indicator); dates as integers YYYYMMDD, 0 for "always"
Period = tuple[int, int, str]

_PERIOD_SEPARATOR = b";"
_INDICATORS = {b"0": "0", b"1": "1", b"9": "9"}


class PairIndex(Protocol):
    """The periods of the edit (column 1, column 2), or None when there is no such edit."""

    def periods(self, column1: str, column2: str) -> tuple[Period, ...] | None: ...

    def column2_codes(self) -> frozenset[str]: ...

    def records(self) -> tuple[bytes, array[int], list[bytes]]:
        """What a cache stores: sorted ``column1,column2`` records (``RECORD`` bytes each), a
        parallel array of period numbers, and the period texts (comma-separated)."""
        ...

    def period_counts(self) -> dict[tuple[Period, ...], int]:
        """How many pairs have each set of periods (what ``tables inspect`` summarises)."""
        ...

    def column1_codes(self) -> frozenset[str]: ...

    def __len__(self) -> int:
        """The distinct pairs."""
        ...


def _date(text: bytes, empty: int) -> int | None:
    if text in (b"", b"*"):
        return empty
    if len(text) != 8 or not text.isdigit():
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(year, month):
        return None
    return int(text)


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_periods(text: bytes, separator: bytes = b",") -> tuple[Period, ...] | None:
    """Periods from their text: ``indicator`` (simple layout) or ``effective,deleted,indicator``
    (CMS layout), several joined by ``;`` when a pair has more than one row. None if invalid."""
    periods: list[Period] = []
    for part in text.split(_PERIOD_SEPARATOR):
        cells = part.split(separator)
        if len(cells) == 1:
            effective, deleted, written = 0, NEVER, cells[0]
        elif len(cells) == 3:
            start, end = _date(cells[0], 0), _date(cells[1], NEVER)
            if start is None or end is None:
                return None
            effective, deleted, written = start, end, cells[2]
        else:
            return None
        indicator = _INDICATORS.get(written)
        if indicator is None:
            return None
        periods.append((effective, deleted, indicator))
    return tuple(periods)


class DictPairs:
    """Pairs in a dictionary keyed by the file's own bytes ``column1<separator>column2``."""

    __slots__ = ("_column2", "_pairs", "_periods", "separator")

    def __init__(
        self,
        pairs: dict[bytes, bytes],
        periods: dict[bytes, tuple[Period, ...]],
        separator: bytes,
    ) -> None:
        self._pairs = pairs
        self._periods = periods
        self.separator = separator
        self._column2: frozenset[str] | None = None

    def periods(self, column1: str, column2: str) -> tuple[Period, ...] | None:
        if len(column1) != 5 or len(column2) != 5 or not (column1 + column2).isascii():
            return None
        text = self._pairs.get(column1.encode() + self.separator + column2.encode())
        return None if text is None else self._periods[text]

    def column2_codes(self) -> frozenset[str]:
        if self._column2 is None:
            column2 = set(map(itemgetter(slice(6, 11)), self._pairs))
            self._column2 = frozenset(code.decode("ascii") for code in column2)
        return self._column2

    def __len__(self) -> int:
        return len(self._pairs)

    def period_counts(self) -> dict[tuple[Period, ...], int]:
        counts = Counter(self._pairs.values())
        return _by_periods((self._periods[text], n) for text, n in counts.items())

    def column1_codes(self) -> frozenset[str]:
        column1 = set(map(itemgetter(slice(0, 5)), self._pairs))
        return frozenset(code.decode("ascii") for code in column1)

    def records(self) -> tuple[bytes, array[int], list[bytes]]:
        # Sorting 1.8 million keys in file order that is not CMS order takes seconds on a small
        # machine; a file in CMS order is read as ``SortedPairs`` and never comes here.
        keys = sorted(self._pairs)
        records = b"".join(keys)
        texts = sorted(set(self._pairs.values()))
        number_of = {text: n for n, text in enumerate(texts)}
        values = array("I", map(number_of.__getitem__, map(self._pairs.__getitem__, keys)))
        if self.separator != b",":
            # Keys hold only code characters and the separator; texts only digits, * and it.
            records = records.replace(self.separator, b",")
            texts = [text.replace(self.separator, b",") for text in texts]
        return records, values, texts


def _by_periods(items: Iterable[tuple[tuple[Period, ...], int]]) -> dict[tuple[Period, ...], int]:
    # Two texts may parse to the same periods (a tab-separated and a comma-separated part).
    counts: Counter[tuple[Period, ...]] = Counter()
    for periods, n in items:
        counts[periods] += n
    return dict(counts)


#: bytes of one record in a ``SortedPairs``: five-character code, comma, five-character code
RECORD = 11
_MEMO_LIMIT = 1 << 16


class SortedPairs:
    """Pairs as sorted fixed-width records searched by bisection: a CMS-ordered file as read,
    and what a cache file holds.

    Loading makes no object per pair. A search costs a few microseconds in Python, so answers
    are remembered: a scrub asks about the same few thousand code pairs again and again.
    """

    __slots__ = ("_column2", "_count", "_memo", "_periods", "_records", "_texts", "_values")

    def __init__(
        self,
        records: bytes,
        values: array[int],
        texts: list[bytes],
        periods: list[tuple[Period, ...]],
        column2: frozenset[str],
    ) -> None:
        self._records = records
        self._count = len(records) // RECORD
        self._values = values
        self._texts = texts
        self._periods = periods
        self._column2 = column2
        self._memo: dict[str, tuple[Period, ...] | None] = {}

    @classmethod
    def build(
        cls, records: bytes, values: array[int], texts: list[bytes], column2: frozenset[str]
    ) -> SortedPairs | None:
        """The index if every period text parses and every number names one, else None."""
        periods = [parse_periods(text) for text in texts]
        if None in periods or len(records) != RECORD * len(values):
            return None
        if values and max(values) >= len(texts):
            return None
        return cls(records, values, texts, periods, column2)  # type: ignore[arg-type]

    def periods(self, column1: str, column2: str) -> tuple[Period, ...] | None:
        key = column1 + "," + column2
        try:
            return self._memo[key]
        except KeyError:
            pass
        found = self._search(key) if len(key) == RECORD and key.isascii() else None
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = found
        return found

    def _search(self, key: str) -> tuple[Period, ...] | None:
        wanted, records = key.encode(), self._records
        low, high = 0, self._count
        while low < high:
            middle = (low + high) // 2
            at = middle * RECORD
            if records[at : at + RECORD] < wanted:
                low = middle + 1
            else:
                high = middle
        at = low * RECORD
        if low < self._count and records[at : at + RECORD] == wanted:
            return self._periods[self._values[low]]
        return None

    def column2_codes(self) -> frozenset[str]:
        return self._column2

    def records(self) -> tuple[bytes, array[int], list[bytes]]:
        return self._records, self._values, self._texts

    def period_counts(self) -> dict[tuple[Period, ...], int]:
        counts = Counter(self._values)
        return _by_periods((self._periods[number], n) for number, n in counts.items())

    def column1_codes(self) -> frozenset[str]:
        records = self._records
        column1 = {records[at : at + 5] for at in range(0, len(records), RECORD)}
        return frozenset(code.decode("ascii") for code in column1)

    def __len__(self) -> int:
        return self._count


def _pattern(layout: str, separator: bytes) -> re.Pattern[bytes]:
    s = re.escape(separator)
    code = rb"[A-Z0-9]{5}"
    end = rb"(?=" + s + rb"|\r|\n|\Z)"
    if layout == "simple":
        return re.compile(rb"^(" + code + s + code + rb")" + s + rb"([019])" + end, re.M)
    day = rb"(?:[0-9]{8}|\*|)"
    # Column 1, column 2, the pre-1996 flag (unquoted), effective, deleted, indicator.
    return re.compile(
        rb"^(" + code + s + code + rb")" + s + rb'[^' + s + rb'\r\n"]*' + s
        + rb"(" + day + s + day + s + rb"[019])" + end,
        re.M,
    )  # fmt: skip


_ODD_QUOTES = re.compile(rb'^[^"\n]*(?:"[^"\n]*"[^"\n]*)*"[^"\n]*$', re.M)


def fast_pairs(
    segments: list[tuple[bytes, int]], layout: str, separator: bytes
) -> tuple[PairIndex, int] | None:
    """Pairs and row count when every row of every segment (a part's bytes, from the offset
    after its header) is plainly well formed, else None. The parts of one table are read as
    if they were one file, in order.

    None sends the caller to the row-by-row reader, which accepts the same files and more
    (padded cells, quoted codes, blank lines) and names the line of every problem; this path
    only ever accepts rows that reader would read the same way.
    """
    pattern = _pattern(layout, separator)
    found: list[tuple[bytes, bytes]] = []
    for data, start in segments:
        end = len(data)
        while end > start and data[end - 1 : end] in (b"\n", b"\r", b" ", b"\t"):
            end -= 1
        if end == start:
            continue
        if data.find(b'"', start, end) != -1 and _ODD_QUOTES.search(data, start, end):
            return None  # a quoted cell runs over a line end: only a real CSV reader can tell
        rows: list[tuple[bytes, bytes]] = pattern.findall(data, start, end)
        if len(rows) != data.count(b"\n", start, end) + 1:
            return None
        found.extend(rows)
    if not found:
        return DictPairs({}, {}, separator), 0
    keys = list(map(itemgetter(0), found))
    index: PairIndex | None
    if all(map(le, keys, islice(keys, 1, None))):
        index = _sorted_index(keys, list(map(itemgetter(1), found)), separator)
    else:
        index = _dict_index(found, keys, separator)
    return None if index is None else (index, len(found))


def _sorted_index(keys: list[bytes], texts: list[bytes], separator: bytes) -> SortedPairs | None:
    """A file in CMS order (column 1, then column 2) is already the sorted form."""
    repeats = list(compress(range(len(keys) - 1), map(eq, keys, islice(keys, 1, None))))
    if repeats:
        # A pair on several rows (deleted and added again) keeps every period, in file order.
        head_of: dict[int, int] = {}
        for row in repeats:
            head = head_of.get(row, row)
            texts[head] = texts[head] + _PERIOD_SEPARATOR + texts[row + 1]
            head_of[row + 1] = head
        kept = list(map(not_, map(head_of.__contains__, range(len(keys)))))
        keys, texts = list(compress(keys, kept)), list(compress(texts, kept))
    distinct = sorted(set(texts))
    number_of = {text: n for n, text in enumerate(distinct)}
    values = array("I", map(number_of.__getitem__, texts))
    records = b"".join(keys)
    if separator != b",":
        records = records.replace(separator, b",")
        distinct = [text.replace(separator, b",") for text in distinct]
    column2 = frozenset(code.decode("ascii") for code in set(map(itemgetter(slice(6, 11)), keys)))
    return SortedPairs.build(records, values, distinct, column2)


def _dict_index(
    found: list[tuple[bytes, bytes]], keys: list[bytes], separator: bytes
) -> DictPairs | None:
    pairs = dict(found)
    if len(pairs) != len(found):
        _merge_repeats(pairs, found, keys)
    periods = {text: parse_periods(text, separator) for text in set(pairs.values())}
    valid = {text: value for text, value in periods.items() if value is not None}
    if len(valid) != len(periods):
        return None
    return DictPairs(pairs, valid, separator)


def _merge_repeats(
    pairs: dict[bytes, bytes], found: list[tuple[bytes, bytes]], keys: list[bytes]
) -> None:
    """A pair on several rows (deleted and added again) keeps every period, in file order."""
    # ``pairs`` holds each key's last text; a row with another text is an earlier row of a
    # repeated pair. Found without a Python-level loop over every row.
    earlier = map(ne, map(pairs.__getitem__, keys), map(itemgetter(1), found))
    repeated = {key for key, _ in compress(found, earlier)}
    texts: dict[bytes, list[bytes]] = {}
    rows: Iterable[tuple[bytes, bytes]] = compress(found, map(repeated.__contains__, keys))
    for key, text in rows:
        texts.setdefault(key, []).append(text)
    for key, parts in texts.items():
        pairs[key] = _PERIOD_SEPARATOR.join(parts)
