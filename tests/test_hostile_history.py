"""A damaged history is refused before use, never used or written (issue 24, point 3;
docs/history.md): a flipped header byte, swapped pages, values of the wrong type or range, a
look-alike of the tables, and bytes flipped anywhere end in one line and exit 2, never in a
traceback; the file is left as it was."""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from scrubber.cli import main
from scrubber.history.store import HistoryError, HistoryStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "emr_export.json"


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    """A history written by a scrub of the example, and the result of scrubbing again with it."""
    folder = tmp_path_factory.mktemp("intact")
    path = folder / "h.sqlite"
    assert main(["scrub", str(EXAMPLE), "-o", str(folder / "r.json"), "--history", str(path),
                 "--fail-on", "none"]) == 0  # fmt: skip
    again = folder / "again.sqlite"
    shutil.copy(path, again)
    out = folder / "r2.json"
    assert main(["scrub", str(EXAMPLE), "-o", str(out), "--history", str(again),
                 "--fail-on", "none"]) == 0  # fmt: skip
    return path, out.read_bytes()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _scrub(path: Path, tmp_path: Path, capsys) -> tuple[int, str, bytes | None]:
    out = tmp_path / "r.json"
    out.unlink(missing_ok=True)
    code = main(
        ["scrub", str(EXAMPLE), "-o", str(out), "--history", str(path), "--fail-on", "none"]
    )
    err = capsys.readouterr().err
    return code, err, out.read_bytes() if out.exists() else None


def _refused(path: Path, tmp_path: Path, capsys, words: str) -> None:
    before = _digest(path)
    code, err, out = _scrub(path, tmp_path, capsys)
    assert code == 2 and out is None, err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert _digest(path) == before, "a refused history is never written"
    assert main(["explain", str(EXAMPLE), "--visit", "V1", "--history", str(path)]) == 2
    assert words in capsys.readouterr().err
    with pytest.raises(HistoryError):
        HistoryStore.open(path, read_only=True)
    assert _digest(path) == before


def _copy(intact, tmp_path: Path) -> Path:
    path = tmp_path / "h.sqlite"
    shutil.copy(intact[0], path)
    return path


def _page_size(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[16:18], "big")


# ---- bytes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [16, 17, 20, 21, 28, 32, 52])
def test_a_flipped_header_byte_that_matters_is_refused(intact, tmp_path, capsys, offset):
    path = _copy(intact, tmp_path)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    _refused(path, tmp_path, capsys, "the history is damaged")


def test_any_flipped_header_byte_is_refused_or_changes_nothing(intact, tmp_path, capsys):
    """Some header fields change nothing that is read (the change counter, the user version):
    such a file is sound and gives the result of the intact one."""
    for offset in range(18, 100, 3):  # every field of the header (the fuzz target flips any byte)
        path = _copy(intact, tmp_path)
        data = bytearray(path.read_bytes())
        data[offset] ^= 0xFF
        path.write_bytes(bytes(data))
        before = _digest(path)
        code, err, out = _scrub(path, tmp_path, capsys)
        assert "Traceback" not in err
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and _digest(path) == before, (offset, err)
        else:
            assert out == intact[1], f"header byte {offset} changed the result"


@pytest.mark.parametrize("pages", [(1, 2), (2, 3), (3, 4), (1, -1), (2, -1)])
def test_swapped_pages_are_refused(intact, tmp_path, capsys, pages):
    path = _copy(intact, tmp_path)
    size, data = _page_size(path), bytearray(path.read_bytes())
    count = len(data) // size
    one, two = (n % count for n in pages)
    first, second = data[one * size : (one + 1) * size], data[two * size : (two + 1) * size]
    data[one * size : (one + 1) * size], data[two * size : (two + 1) * size] = second, first
    path.write_bytes(bytes(data))
    _refused(path, tmp_path, capsys, "the history is damaged")


def test_bytes_flipped_anywhere_never_end_in_a_traceback(intact, tmp_path, capsys):
    """Flipped bytes SQLite cannot see (inside an id, in free space) leave a file that reads;
    every other is refused, untouched."""
    rng = random.Random(24)
    outcomes = set()
    for _ in range(40):
        path = _copy(intact, tmp_path)
        data = bytearray(path.read_bytes())
        for _ in range(rng.choice((1, 3, 10))):
            data[rng.randrange(100, len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        before = _digest(path)
        code, err, _ = _scrub(path, tmp_path, capsys)
        assert code in (0, 2) and "Traceback" not in err, err
        if code == 2:
            assert len(err.strip().splitlines()) == 1 and _digest(path) == before, err
        outcomes.add(code)
    assert 2 in outcomes


# ---- values --------------------------------------------------------------------------------------


def _changed(intact, tmp_path, *statements):
    path = _copy(intact, tmp_path)
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    db.close()
    return path


FIRST = "(SELECT min(visit_id) FROM visits)"
UNITS = "(SELECT min(visit_id) FROM billed_units)"


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        (f"UPDATE visits SET date_of_service = '2026-02-30' WHERE visit_id = {FIRST}",
         "date_of_service is text '2026-02-30', not a date as YYYY-MM-DD on the calendar"),
        (f"UPDATE visits SET date_of_service = '2026-13-01' WHERE visit_id = {FIRST}",
         "date_of_service is text '2026-13-01'"),
        (f"UPDATE visits SET date_of_service = '0000-01-01' WHERE visit_id = {FIRST}",
         "date_of_service is text '0000-01-01'"),
        (f"UPDATE visits SET note_type = 'memo' WHERE visit_id = {FIRST}",
         "note_type is text 'memo', not a known note type"),
        (f"UPDATE visits SET had_charge = 7 WHERE visit_id = {FIRST}", "had_charge is integer '7'"),
        (f"UPDATE billed_units SET units = 'two' WHERE visit_id = {UNITS}",
         "units is text 'two', not a whole number of units"),
        (f"UPDATE billed_units SET units = x'0102' WHERE visit_id = {UNITS}", "units is blob"),
        (f"UPDATE billed_units SET units = 2.5 WHERE visit_id = {UNITS}", "units is real '2.5'"),
        (f"UPDATE billed_units SET units = -3 WHERE visit_id = {UNITS}", "units is integer '-3'"),
        (f"UPDATE visits SET patient_id = x'5031' WHERE visit_id = {FIRST}", "patient_id is blob"),
        (f"UPDATE visits SET patient_id = CAST(x'ff41' AS TEXT) WHERE visit_id = {FIRST}",
         "holds text that is not UTF-8"),
    ],
    ids=["date-off-the-calendar", "month-13", "year-0", "unknown-note-type", "had-charge-7",
         "units-as-text", "units-as-blob", "units-as-real", "negative-units", "id-as-blob",
         "not-utf-8"],
)  # fmt: skip
def test_a_value_of_the_wrong_type_or_range_is_refused(intact, tmp_path, capsys, statement, words):
    _refused(_changed(intact, tmp_path, statement), tmp_path, capsys, words)


def test_nulls_in_a_look_alike_of_the_tables_are_refused(tmp_path, capsys):
    path = tmp_path / "h.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE scrubber_history (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO scrubber_history VALUES ('schema', '1')")
        db.execute("CREATE TABLE visits (visit_id TEXT PRIMARY KEY, case_id TEXT, patient_id "
                   "TEXT, payer_id TEXT, date_of_service TEXT, note_type TEXT, had_charge INTEGER)")  # fmt: skip
        db.execute("CREATE TABLE billed_units (visit_id TEXT, cpt TEXT, units INTEGER)")
        db.execute("INSERT INTO visits VALUES ('V1', NULL, 'P1', NULL, NULL, NULL, NULL)")
        db.execute("INSERT INTO billed_units VALUES ('V1', NULL, NULL)")
    db.close()
    _refused(path, tmp_path, capsys, "not a scrubber history (its tables are not a history's")


def test_a_trigger_added_to_a_history_is_refused(intact, tmp_path, capsys):
    path = _changed(
        intact, tmp_path,
        "CREATE TRIGGER wipe AFTER INSERT ON visits BEGIN DELETE FROM billed_units; END",
    )  # fmt: skip
    _refused(path, tmp_path, capsys, "its tables are not a history's: 'wipe' differ")


def test_statistics_from_analyze_are_not_damage(intact, tmp_path, capsys):
    path = _changed(intact, tmp_path, "ANALYZE")
    code, err, out = _scrub(path, tmp_path, capsys)
    assert code == 0 and out == intact[1], err
