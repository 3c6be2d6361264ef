"""Fuzz target: history files (docs/history.md: a file that is not a sound history is refused).

What is fed in: a history written by a scrub of a small sample, then

- **damaged** in its bytes: bytes flipped (the header's included), a run overwritten, two pages
  swapped, a page doubled, the file cut short or grown;
- **foreign**: an empty or a text file, another SQLite database, a look-alike of the tables
  without their constraints, a history with a trigger, a view or another schema version;
- **bad rows**: values of the wrong type or range written with SQL (text or blobs for units,
  dates off the calendar, unknown note types, NULLs, text that is not UTF-8, megabyte ids);
- **concurrent**: two scrubs of two days of the export on one history at the same time;
- **killed**: a scrub killed with SIGKILL at a random moment.

What must hold: a scrub with the file exits 0 or 2, never with a traceback; an exit 2 is one
line and leaves the file as it was (byte for byte), with no output written; a file a scrub used
still opens cleanly after it. Two concurrent scrubs both finish and leave what the two run one
after the other leave (in one order or the other). After a kill the history opens and holds
what it held before the scrub or what the whole scrub gives, nothing in between.

Every scrub runs in a forked child with a time and a memory limit (``fuzz_child``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import tempfile
import time
from functools import cache
from pathlib import Path

import attrs
from fuzz_child import in_child
from hypothesis import strategies as st

from scrubber.cli import main
from scrubber.history.store import HistoryError, HistoryStore
from scrubber.sample import sample_document

__all__ = ["HistoryCase", "history_files", "probe_history"]


@attrs.frozen
class HistoryCase:
    """A history file to scrub with (``data``), made how ``kind`` says; ``seed`` times a kill."""

    kind: str
    data: bytes = attrs.field(repr=lambda data: f"<{len(data):,} bytes>")
    seed: int = 0


@cache
def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="scrubber-fuzz-history-"))


@cache
def _exports() -> tuple[Path, Path, Path]:
    """The sample as one export, and as its earlier and its later dates."""
    document = sample_document(16, seed=11, visits_per_day=4)
    days = sorted({visit["date_of_service"] for visit in document["visits"]})
    paths = []
    for name, keep in (("all", days), ("early", days[: len(days) // 2]),
                       ("late", days[len(days) // 2 :])):  # fmt: skip
        part = dict(
            document, visits=[v for v in document["visits"] if v["date_of_service"] in keep]
        )
        path = _folder() / f"{name}.json"
        path.write_text(json.dumps(part), encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1], paths[2]


def _scrub(export: Path, history: Path, out: Path, wait: str = "2") -> tuple[int, str]:
    captured_out, captured_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(captured_out), contextlib.redirect_stderr(captured_err):
        code = main(["scrub", str(export), "-o", str(out), "--history", str(history),
                     "--fail-on", "none", "--history-wait", wait])  # fmt: skip
    return code, captured_out.getvalue() + captured_err.getvalue()


@cache
def _base() -> bytes:
    """A history written by a scrub of the early days."""
    path = _folder() / "base.sqlite"
    code, said = _scrub(_exports()[1], path, _folder() / "base.json")
    assert code == 0, said
    return path.read_bytes()


@cache
def _killed_export() -> Path:
    """A larger export for the scrubs that are killed, so that a kill lands inside them."""
    path = _folder() / "killed.json"
    path.write_text(json.dumps(sample_document(400, seed=12, visits_per_day=100)), encoding="utf-8")
    return path


@cache
def _scrub_seconds() -> float:
    """How long a scrub of ``_killed_export`` takes here: kills are timed within it."""
    path = _folder() / "timed.sqlite"
    path.write_bytes(_base())
    start = time.perf_counter()
    _scrub(_killed_export(), path, _folder() / "timed.json")
    return time.perf_counter() - start


def _facts(path: Path) -> str:
    """What a history holds, as text (its rows in order)."""
    db = sqlite3.connect(path)
    try:
        rows = [list(map(repr, row)) for row in db.execute("SELECT * FROM visits ORDER BY 1")]
        rows += [
            list(map(repr, row)) for row in db.execute("SELECT * FROM billed_units ORDER BY 1, 2")
        ]
    finally:
        db.close()
    return json.dumps(rows)


@cache
def _after(*exports: Path) -> str:
    """The facts after scrubbing ``exports`` one after the other on the base history."""
    path = _folder() / "after.sqlite"
    path.write_bytes(_base())
    for export in exports:
        code, said = _scrub(export, path, _folder() / "after.json")
        assert code == 0, said
    return _facts(path)


# ---- what is fed in --------------------------------------------------------------------------


_HOSTILE_SQL = (
    "NULL", "'two'", "x'ff00'", "2.5", "-1", "1000000000000", "'2026-02-30'", "'0000-01-01'",
    "'2026-13-01'", "'memo'", "CAST(x'ff41' AS TEXT)", "CAST(x'c3' AS TEXT)", "''", "0",
    "'x' || hex(zeroblob(60000))", "'9999-12-31'", "'1e3'",
)  # fmt: skip
_COLUMNS = {
    "visits": ("visit_id", "case_id", "patient_id", "payer_id", "date_of_service", "note_type",
               "had_charge"),
    "billed_units": ("visit_id", "cpt", "units"),
}  # fmt: skip
_FOREIGN_SQL = (
    ("CREATE TABLE invoices (id TEXT)",),
    ("CREATE TABLE scrubber_history (key TEXT, value TEXT)", "INSERT INTO scrubber_history VALUES ('schema', '1')",
     "CREATE TABLE visits (visit_id TEXT, case_id, patient_id, payer_id, date_of_service, note_type, had_charge)",
     "CREATE TABLE billed_units (visit_id, cpt, units)",
     "INSERT INTO visits VALUES ('V1', NULL, 'P1', NULL, NULL, NULL, NULL)"),
)  # fmt: skip
_ADDED_SQL = (
    "CREATE TRIGGER t AFTER INSERT ON visits BEGIN DELETE FROM billed_units; END",
    "CREATE VIEW v AS SELECT * FROM visits",
    "CREATE TABLE extra (x)",
    "CREATE INDEX extra_index ON billed_units (units)",
    "UPDATE scrubber_history SET value = '99' WHERE key = 'schema'",
    "UPDATE scrubber_history SET value = 'one' WHERE key = 'schema'",
    "DELETE FROM scrubber_history",
    "DROP INDEX visits_by_patient",
    "PRAGMA user_version = 7",
    "ANALYZE",
)


def _with_sql(data: bytes, statements: list[str]) -> bytes:
    path = _folder() / "build.sqlite"
    path.unlink(missing_ok=True)
    path.write_bytes(data)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            with contextlib.suppress(sqlite3.Error):  # a duplicate key: that edit is not made
                db.execute(statement)
    finally:
        db.close()
    return path.read_bytes()


@st.composite
def _damaged(draw: st.DrawFn, data: bytes) -> bytes:
    page = int.from_bytes(data[16:18], "big") or 4096
    pages = max(len(data) // page, 1)
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(("flip", "header", "run", "swap", "double", "cut", "grow")))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if edit == "flip" and data:
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif edit == "header" and len(data) > 99:
            at = draw(st.integers(16, 99))
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif edit == "run":
            size = draw(st.integers(1, 4096))
            fill = draw(st.sampled_from((b"\x00", b"\xff", b"A")))
            data = data[:at] + fill * size + data[at + size :]
        elif edit in ("swap", "double") and pages > 1:
            one, two = draw(st.integers(0, pages - 1)), draw(st.integers(0, pages - 1))
            first = data[one * page : (one + 1) * page]
            second = data[two * page : (two + 1) * page]
            if edit == "swap":
                data = data[: one * page] + second + data[(one + 1) * page :]
            data = data[: two * page] + first + data[(two + 1) * page :]
        elif edit == "cut":
            data = data[:at]
        else:
            data = data + draw(st.binary(min_size=1, max_size=page))
    return data


@st.composite
def history_files(draw: st.DrawFn) -> HistoryCase:
    kind = draw(st.sampled_from(("damaged", "damaged", "foreign", "bad rows", "bad rows",
                                 "concurrent", "killed")))  # fmt: skip
    base = _base()
    if kind == "damaged":
        return HistoryCase(kind, draw(_damaged(base)))
    if kind == "foreign":
        how = draw(st.sampled_from(("empty", "text", "sqlite", "added")))
        if how == "empty":
            return HistoryCase(kind, b"")
        if how == "text":
            return HistoryCase(kind, draw(st.binary(max_size=2048)))
        if how == "sqlite":
            return HistoryCase(kind, _with_sql(b"", list(draw(st.sampled_from(_FOREIGN_SQL)))))
        added = draw(st.lists(st.sampled_from(_ADDED_SQL), min_size=1, max_size=2))
        return HistoryCase(kind, _with_sql(base, added))
    if kind == "bad rows":
        statements = []
        for _ in range(draw(st.integers(1, 3))):
            table = draw(st.sampled_from(sorted(_COLUMNS)))
            column = draw(st.sampled_from(_COLUMNS[table]))
            value = draw(st.sampled_from(_HOSTILE_SQL))
            row = draw(st.integers(0, 20))
            statements.append(
                f"UPDATE {table} SET {column} = {value} WHERE visit_id = (SELECT visit_id FROM "
                f"{table} ORDER BY visit_id LIMIT 1 OFFSET {row})"
            )
        return HistoryCase(kind, _with_sql(base, statements))
    return HistoryCase(kind, base, draw(st.integers(0, 2**31)))


# ---- what must hold --------------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "none"


def _one_scrub(paths: tuple[Path, Path, Path]) -> str:
    export, history, out = paths
    code, said = _scrub(export, history, out)
    return json.dumps([code, said])


def probe_history(case: HistoryCase) -> str:
    """Scrub with the history as the case says; see the module for what must hold."""
    work = Path(tempfile.mkdtemp(dir=_folder()))
    try:
        if case.kind == "concurrent":
            return _concurrent(case, work)
        if case.kind == "killed":
            return _killed(case, work)
        history, out = work / "h.sqlite", work / "out.json"
        history.write_bytes(case.data)
        before = _digest(history)
        code, said = json.loads(in_child(_one_scrub, (_exports()[2], history, out)))
        assert code in (0, 2), f"exit {code}: {said[-500:]}"
        assert "Traceback" not in said, said[-2000:]
        if code == 2:
            assert len(said.strip().splitlines()) == 1, f"not one line: {said[-500:]}"
            assert _digest(history) == before, "a refused history was written"
            assert not out.exists(), "a refused scrub wrote its output"
            return f"{case.kind}: refused ({_why(said)})"
        with HistoryStore.open(history, read_only=True) as store:
            assert len(store) > 0
        return f"{case.kind}: used"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _why(said: str) -> str:
    for words in ("not a scrubber history", "written by a newer scrubber", "damaged", "locked",
                  "another scrub"):  # fmt: skip
        if words in said:
            return words
    return said.strip()[:60]


def _concurrent(case: HistoryCase, work: Path) -> str:
    history = work / "h.sqlite"
    history.write_bytes(case.data)
    _, early, late = _exports()
    context = multiprocessing.get_context("fork")
    children = [
        context.Process(target=_scrub_and_exit, args=(export, history, work / f"{n}.json", "30"))
        for n, export in enumerate((late, early))
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        if child.exitcode is None:
            child.kill()
        assert child.exitcode == 0, f"a concurrent scrub ended with {child.exitcode}"
    facts = _facts(history)
    assert facts in (_after(early, late), _after(late, early)), (
        "two concurrent scrubs left what neither order of them leaves"
    )
    return "concurrent: both finished, one after the other"


def _scrub_and_exit(export: Path, history: Path, out: Path, wait: str) -> None:
    code, said = _scrub(export, history, out, wait)
    os._exit(code if "Traceback" not in said else 3)


def _killed(case: HistoryCase, work: Path) -> str:
    history = work / "h.sqlite"
    history.write_bytes(case.data)
    before = _facts(history)
    context = multiprocessing.get_context("fork")
    child = context.Process(
        target=_scrub_and_exit, args=(_killed_export(), history, work / "o.json", "5")
    )
    child.start()
    time.sleep(random.Random(case.seed).uniform(0.0, _scrub_seconds() * 1.2))
    with contextlib.suppress(ProcessLookupError):
        os.kill(child.pid or 0, signal.SIGKILL)
    child.join(30)
    finished = child.exitcode == 0
    # A read-only open cannot roll back what an interrupted scrub left half-written: it may be
    # refused, in one line; the next scrub's open (read and write) recovers the file.
    try:
        with HistoryStore.open(history, read_only=True) as store:
            len(store)
    except HistoryError as exc:
        assert "\n" not in str(exc)
    with HistoryStore.open(history) as store:
        len(store)
    facts = _facts(history)
    after = _after(_killed_export())
    assert facts in (before, after), "a killed scrub left a history between before and after"
    what = "whole scrub" if facts == after else "history as before"
    return f"killed: {what}{' (it had finished)' if finished else ''}"
