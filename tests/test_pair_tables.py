"""PTP tables: the fast reader, the row-by-row reader and the compiled cache give one answer."""

import tempfile
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber.tables.cache import FORMAT, TableCache
from scrubber.tables.pair_index import SortedPairs
from scrubber.tables.pairs import _fast_pair_table, _load_pair_table, load_pair_table
from scrubber.tables.problems import TableError
from scrubber.tables.sources import open_source

CODES = ["97110", "97140", "97530", "G0283", "0001T", "97161", "A9999"]
DAYS = [date(1995, 6, 1), date(2020, 1, 1), date(2024, 2, 29), date(2025, 12, 31), date(2026, 3, 2)]
CMS_HEADER = (
    "Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date *=no data,"
    "Modifier 0=not allowed 1=allowed 9=not applicable,PTP Edit Rationale"
)
DATES = st.sampled_from(["", "*", "19960101", "20200101", "20240229", "20251231"])


@st.composite
def pair_files(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A valid PTP file in either layout and a few of the shapes real files come in; the flag
    says whether some rows are padded or quoted (readable, but only by the CSV reader)."""
    layout = draw(st.sampled_from(["cms", "simple"]))
    separator = draw(st.sampled_from([",", "\t"]))
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(CODES), st.sampled_from(CODES), DATES, DATES,
                      st.sampled_from("019"), st.sampled_from(["", "*"])),
            max_size=25,
        )
    )  # fmt: skip
    if draw(st.booleans()):
        rows.sort()  # CMS order: column 1, then column 2
    messy = draw(st.booleans()) and bool(rows)
    lines = []
    for n, (one, two, effective, deleted, written, flag) in enumerate(rows):
        indicator = f" {written}" if messy and n == 0 else written
        if layout == "simple":
            cells = [one, two, indicator]
        else:
            rationale = '"Misuse of column two code, with column one code"' if n % 3 else "x"
            cells = [one, two, flag, effective, deleted, indicator, rationale]
        lines.append(separator.join(cells))
    header = (
        separator.join(["column1", "column2", "modifier_indicator"])
        if layout == "simple"
        else CMS_HEADER.replace(",", separator)
    )
    if layout == "cms" and draw(st.booleans()):
        header = "CPT only copyright 2025 American Medical Association.\n" + header
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join([header, *lines]) + draw(st.sampled_from(["", ending, ending * 3]))
    bom = draw(st.booleans())
    return ("\ufeff" if bom else "").encode() + text.encode(), messy


def _answers(table: object) -> list[object]:
    lookups = [
        (one, two, day) for one in [*CODES, "9711", "g0283"] for two in CODES for day in DAYS
    ]
    return [table.indicator(one, two, day) for one, two, day in lookups]  # type: ignore[attr-defined]


@given(pair_files())
def test_every_reader_gives_the_same_edits(case):
    data, messy = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ptp.csv"
        path.write_bytes(data)
        parts = open_source(path).parts()
        slow = _load_pair_table(parts, path)
        read = load_pair_table(path)
        cache = TableCache(Path(folder) / "cache", min_bytes=0)
        first = load_pair_table(path, cache)
        cached = load_pair_table(path, cache)
    assert isinstance(cached.index, SortedPairs)
    expected = _answers(slow)
    for table in (read, first, cached):
        assert (table.layout, table.rows, len(table)) == (slow.layout, slow.rows, len(slow))
        assert table.column2_codes == slow.column2_codes
        assert _answers(table) == expected
    # A clean file never needs the CSV reader; a padded cell always does.
    assert (_fast_pair_table(parts, path) is None) == messy


@given(pair_files(), st.integers(1, 4), st.booleans())
def test_a_table_split_into_parts_reads_as_the_whole(case, count, zipped):
    """CMS publishes the PTP edits in parts, each with the notice and header: read as a folder
    or an archive, the parts answer every lookup as the single file does."""
    data, _ = case
    lines = data.split(b"\n")
    header = next(
        n
        for n, line in enumerate(lines)
        if line.lstrip(b"\xef\xbb\xbf").lower().startswith(b"column")
    )
    head, rows = lines[: header + 1], lines[header + 1 :]
    size = -(-len(rows) // count) or 1
    chunks = [rows[at : at + size] for at in range(0, max(len(rows), 1), size)]
    with tempfile.TemporaryDirectory() as folder:
        whole = Path(folder) / "whole.csv"
        whole.write_bytes(data)
        parts = {f"part{n}.csv": b"\n".join(head + chunk) for n, chunk in enumerate(chunks)}
        if zipped:
            target = Path(folder) / "parts.zip"
            with zipfile.ZipFile(target, "w") as archive:
                for name, part in parts.items():
                    archive.writestr(name, part)
        else:
            target = Path(folder) / "parts"
            target.mkdir()
            for name, part in parts.items():
                (target / name).write_bytes(part)
        expected, table = load_pair_table(whole), load_pair_table(target)
        cache = TableCache(Path(folder) / "cache", min_bytes=0)
        load_pair_table(target, cache)
        cached = load_pair_table(target, cache)
    assert len(table.parts) == len(chunks)
    for read in (table, cached):
        assert (read.layout, read.rows) == (expected.layout, expected.rows)
        assert _answers(read) == _answers(expected)


def _ptp(folder: Path, rows: list[str], name: str = "ptp.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([CMS_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


ROWS = ["97140,97161,,20200101,*,1,r", "97530,97164,,20200101,20260301,0,r"]


def test_a_clean_file_in_cms_order_is_read_without_a_dictionary(tmp_path):
    table = load_pair_table(_ptp(tmp_path, ROWS))
    assert isinstance(table.index, SortedPairs)
    assert table.indicator("97530", "97164", date(2026, 2, 1)) == "0"


def test_the_cache_is_used_when_present_and_keyed_by_content(tmp_path):
    cache = TableCache(tmp_path / "cache", min_bytes=0)
    path = _ptp(tmp_path, ROWS)
    assert load_pair_table(path, cache).indicator("97140", "97161", date(2026, 1, 5)) == "1"
    entries = list((tmp_path / "cache").glob("*.ptp"))
    assert len(entries) == 1
    # Same bytes, other file: the same entry serves it.
    other = _ptp(tmp_path, ROWS, "copy.csv")
    assert isinstance(load_pair_table(other, cache).index, SortedPairs)
    # One byte changed: never the old answer.
    path.write_text(path.read_text().replace("97161,,20200101,*,1", "97161,,20200101,*,0"))
    assert load_pair_table(path, cache).indicator("97140", "97161", date(2026, 1, 5)) == "0"
    assert len(list((tmp_path / "cache").glob("*.ptp"))) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-3],  # cut short
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped in the pairs
        lambda data: data.replace(f'"format":{FORMAT}'.encode(), b'"format":0'),  # another format
        lambda data: data.replace(b'"scrubber":"', b'"scrubber":"0.0.0-'),  # another version
        lambda data: b"not a cache entry",
        lambda data: data.replace(b'"periods":["', b'"periods":["2020XXXX,'),
    ],
)
def test_a_damaged_entry_is_a_miss_and_is_written_again(tmp_path, damage):
    cache = TableCache(tmp_path / "cache", min_bytes=0)
    path = _ptp(tmp_path, ROWS)
    load_pair_table(path, cache)
    (entry,) = (tmp_path / "cache").glob("*.ptp")
    entry.write_bytes(damage(entry.read_bytes()))
    table = load_pair_table(path, cache)
    assert table.indicator("97530", "97164", date(2026, 2, 1)) == "0"
    assert isinstance(load_pair_table(path, cache).index, SortedPairs)


def test_small_tables_are_not_cached(tmp_path):
    cache = TableCache(tmp_path / "cache")
    load_pair_table(_ptp(tmp_path, ROWS), cache)
    assert not (tmp_path / "cache").exists()


def test_a_cache_that_cannot_be_created_only_costs_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    table = load_pair_table(_ptp(tmp_path, ROWS), TableCache(blocker / "cache", min_bytes=0))
    assert table.indicator("97140", "97161", date(2026, 1, 5)) == "1"


def test_old_entries_are_pruned(tmp_path):
    cache = TableCache(tmp_path / "cache", min_bytes=0, keep=2)
    for n in range(4):
        rows = [f"97140,9716{n},,20200101,*,1,r"]
        load_pair_table(_ptp(tmp_path, rows, f"t{n}.csv"), cache)
    assert len(list((tmp_path / "cache").glob("*.ptp"))) == 2
    assert not list((tmp_path / "cache").glob("*.tmp"))


def test_a_bad_row_is_still_reported_with_its_line(tmp_path):
    path = _ptp(tmp_path, [*ROWS, "97140,9716,,20200101,*,1,r"])
    with pytest.raises(TableError) as info:
        load_pair_table(path, TableCache(tmp_path / "cache", min_bytes=0))
    assert [(p.line, p.message) for p in info.value.problems] == [
        (4, '"9716" is not a code (5 capital letters or digits)')
    ]
    assert not (tmp_path / "cache").exists()


def test_an_impossible_date_found_by_the_fast_reader_is_reported_by_the_row_reader(tmp_path):
    with pytest.raises(TableError) as info:
        load_pair_table(_ptp(tmp_path, ["97140,97161,,20230229,*,1,r"]))
    assert [(p.line, p.message) for p in info.value.problems] == [
        (2, '"20230229" is not a calendar date')
    ]


def test_default_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRUBBER_CACHE_DIR", str(tmp_path / "here"))
    assert TableCache.default().folder == tmp_path / "here"
    monkeypatch.delenv("SCRUBBER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert TableCache.default().folder == tmp_path / "xdg" / "scrubber"
