"""The history store: what later scrubs need from earlier ones, in one SQLite file.

For every visit a scrub read (not rejected) it keeps the visit id, case id, patient id, payer id,
date of service, note type, whether it had a charge line, the units billed per code, and (since
schema 2) the therapy threshold its provider counts toward and its expected payment, for
``visit.therapy_year_amount``; nothing else (no names, addresses or SSNs). A visit sent again
replaces its record.

- One transaction per scrub (``session``): an interrupted or failed scrub leaves the file as it
  was, and a second scrub on the same file waits for the first (up to ``timeout`` seconds, then
  a clear error).
- A file that is not a scrubber history (another SQLite database, a text file, a damaged one, a
  look-alike with other tables or bad values) is refused and never written; a history written by
  a newer scrubber is refused too. ``integrity`` checks the whole file before it is used.
- Lookups go through indexes on the patient and the visit, so a day's cost does not grow with the
  months already stored.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs

from scrubber._version import __version__
from scrubber.errors import UsageError
from scrubber.history.integrity import problem_of, schema_of, tables_of_a_history
from scrubber.model.history import VisitFact
from scrubber.model.records import NoteType
from scrubber.shown import cut, visible

__all__ = ["SCHEMA", "HistoryError", "HistoryStore", "OutOfOrder"]

#: the version of the tables below; a newer file is refused, an older one is upgraded when a
#: scrub opens it (version 1 kept no expected payments: ``_UPGRADE_1``)
SCHEMA = 2
_SQLITE_MAGIC = b"SQLite format 3\x00"
_NOTES = {note.value: note for note in NoteType}

_VISITS_1 = """CREATE TABLE visits (
        visit_id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        payer_id TEXT NOT NULL,
        date_of_service TEXT NOT NULL,
        note_type TEXT NOT NULL,
        had_charge INTEGER NOT NULL
    ) WITHOUT ROWID"""
#: version 2 adds, to each visit, its provider's discipline (``discipline``: PT with PTA, OT
#: with COTA, SLP, any other role on its own; ``visit.discipline_year_day`` counts by it and the
#: therapy threshold groups by it) and its expected payment (a decimal as text, NULL when none), written as SQLite
#: writes the table once ``_UPGRADE_1`` added them, so that a new and an upgraded file are one
#: schema, compared as text
_VISITS_2 = _VISITS_1.replace(
    "had_charge INTEGER NOT NULL\n    )",
    "had_charge INTEGER NOT NULL\n    , discipline TEXT, expected TEXT)",
)
_UPGRADE_1 = (
    "ALTER TABLE visits ADD COLUMN discipline TEXT",
    "ALTER TABLE visits ADD COLUMN expected TEXT",
    "UPDATE scrubber_history SET value = '2' WHERE key = 'schema'",
)

_CREATE = (
    "CREATE TABLE scrubber_history (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    _VISITS_2,
    "CREATE INDEX visits_by_patient ON visits (patient_id, date_of_service)",
    """CREATE TABLE billed_units (
        visit_id TEXT NOT NULL REFERENCES visits (visit_id) ON DELETE CASCADE,
        cpt TEXT NOT NULL,
        units INTEGER NOT NULL,
        PRIMARY KEY (visit_id, cpt)
    ) WITHOUT ROWID""",
)


#: what ``sqlite_master`` of a history holds, and of a history of version 1
_TABLES = tables_of_a_history(_CREATE)
_TABLES_1 = tables_of_a_history(tuple(_VISITS_1 if s == _VISITS_2 else s for s in _CREATE))
#: what goes wrong reading a file SQLite cannot read whole (its error text may not be UTF-8)
_UNREADABLE = (sqlite3.DatabaseError, UnicodeDecodeError)


class HistoryError(UsageError):
    """A history file that cannot be used: not a history, too new, damaged, locked."""


#: how many ids one query names (SQLite allows 999 parameters in its older builds)
_CHUNK = 500


@attrs.frozen
class OutOfOrder:
    """Visits a scrub added to the history dated before days it already held for their
    patients: the counts across visits made for those later days (treatment days, caps per week,
    month or year) did not see them, so a later count can differ from a run of all days in date
    order. Visits already in the history (corrections sent again) do not count: replacing them
    is what the history is for."""

    #: how many visits new to the history came out of order
    visits: int
    #: the earliest date of service among them
    earliest: date
    #: the latest date the history held for their patients
    latest_held: date

    def joined(self, other: OutOfOrder | None) -> OutOfOrder:
        if other is None:
            return self
        return OutOfOrder(
            self.visits + other.visits,
            min(self.earliest, other.earliest),
            max(self.latest_held, other.latest_held),
        )


class HistoryStore:
    """One history file, opened for a scrub (``open``) or for reading only (``read_only``)."""

    def __init__(self, connection: sqlite3.Connection, path: str, timeout: float) -> None:
        self._db = connection
        self.path = path
        self.timeout = timeout
        self._temporary: str | None = None
        self._depth = 0
        #: a version 1 history opened read only (not upgraded): its visits have no expected
        #: payment, read as unknown
        self._version_1 = False
        #: what the current (or last) scrub added out of date order; None when nothing
        self.out_of_order: OutOfOrder | None = None

    # -- opening --

    @classmethod
    def open(
        cls, path: str | Path, *, timeout: float = 60.0, read_only: bool = False
    ) -> HistoryStore:
        """Open the history at ``path``, creating it when the file does not exist. A second
        scrub waits up to ``timeout`` seconds for the first to finish."""
        shown = str(path)
        target = Path(path)
        exists = target.exists()
        if exists:
            _refuse_unless_history(target, shown)
        elif read_only:
            raise HistoryError(f"{shown}: no such history file")
        elif not target.parent.is_dir():
            raise HistoryError(f"{shown}: the folder {target.parent} does not exist")
        try:
            if read_only:
                uri = f"{target.resolve().as_uri()}?mode=ro"
                connection = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
            else:
                connection = sqlite3.connect(target, timeout=timeout, isolation_level=None)
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise HistoryError(f"{shown}: cannot open the history ({exc})") from None
        store = cls(connection, shown, timeout)
        try:
            if exists:
                store._check(read_only=read_only)
            else:
                store._create()
        except BaseException:
            connection.close()
            raise
        return store

    @classmethod
    def temporary(cls) -> HistoryStore:
        """A history in a temporary file, deleted on ``close``: where a stream keeps its
        patients' days so that memory stays flat."""
        handle, name = tempfile.mkstemp(prefix="scrubber-days-", suffix=".sqlite")
        os.close(handle)
        os.unlink(name)
        store = cls.open(name)
        store._db.execute("PRAGMA synchronous = OFF")
        store._db.execute("PRAGMA cache_size = -512")  # KiB: a stream's memory stays flat
        store._temporary = name
        return store

    def _create(self) -> None:
        try:
            with self._transaction():
                for statement in _CREATE:
                    self._db.execute(statement)
                self._db.executemany(
                    "INSERT INTO scrubber_history VALUES (?, ?)",
                    [("schema", str(SCHEMA)), ("created_by", f"scrubber {__version__}")],
                )
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: cannot create the history ({exc})") from None

    def _check(self, *, read_only: bool = False) -> None:
        """Refuse a file that is not a sound history (``integrity``), before anything is read
        from it or written to it. A sound history of version 1 is upgraded (in one transaction:
        its visits' expected payments are unknown, and say so), or read as it is when opened
        read only."""
        try:
            older = schema_of(self._db) == 1
            problem = problem_of(self._db, _TABLES_1 if older else _TABLES, 1 if older else SCHEMA)
        except _UNREADABLE as exc:
            raise _damaged(self.path, exc) from None
        if problem is not None:
            raise HistoryError(f"{self.path}: {problem}; it was left untouched")
        if not older:
            return
        if read_only:
            self._version_1 = True
            return
        try:
            with self._transaction():
                if schema_of(self._db) == 1:  # another scrub may have upgraded it meanwhile
                    for statement in _UPGRADE_1:
                        self._db.execute(statement)
        except _UNREADABLE as exc:
            raise _damaged(self.path, exc) from None

    # -- a scrub --

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """One scrub: the whole of it in one transaction, which waits for any other scrub of
        this file to finish first. A session inside a session is part of it (the command line
        keeps the transaction open until its outputs are written)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with self._transaction():
            self._depth = 1
            self.out_of_order = None
            try:
                yield
            finally:
                self._depth = 0

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except _UNREADABLE as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise HistoryError(
                    f"{self.path}: another scrub is using this history; gave up after waiting "
                    f"{self.timeout:g} s (nothing was scrubbed or changed)"
                ) from None
            raise _damaged(self.path, exc) from None
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise HistoryError(f"{self.path}: could not save the history ({exc})") from None

    def facts_of(self, patient_id: str) -> list[VisitFact]:
        """Every visit of one patient the history holds, with its billed units."""
        added = "NULL, NULL" if self._version_1 else "v.discipline, v.expected"
        try:
            rows = self._db.execute(
                "SELECT v.visit_id, v.case_id, v.patient_id, v.payer_id, v.date_of_service, "
                f"v.note_type, v.had_charge, b.cpt, b.units, {added} FROM visits v "
                "LEFT JOIN billed_units b ON b.visit_id = v.visit_id "
                "WHERE v.patient_id = ? ORDER BY v.date_of_service, v.visit_id, b.cpt",
                (patient_id,),
            ).fetchall()
        except _UNREADABLE as exc:
            raise _damaged(self.path, exc) from None
        try:
            return _facts(rows)
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:  # a file changed since
            raise _damaged(self.path, exc) from None

    def record(self, facts: Iterable[VisitFact]) -> None:
        """Keep the facts of a scrub's visits (a visit already there is replaced); outside a
        session, in a transaction of its own."""
        if not self._depth:
            with self.session():
                self.record(facts)
            return
        facts = list(facts)
        rows, units, ids = [], [], []
        try:
            late = self._out_of_order(facts)
        except _UNREADABLE as exc:
            raise _damaged(self.path, exc) from None
        if late is not None:
            self.out_of_order = late.joined(self.out_of_order)
        for fact in facts:
            ids.append((fact.visit_id,))
            expected = None if fact.expected is None else str(fact.expected)
            rows.append((
                fact.visit_id, fact.case_id, fact.patient_id, fact.payer_id,
                fact.date_of_service.isoformat(), fact.note_type.value, int(fact.had_charge),
                fact.discipline, expected,
            ))  # fmt: skip
            units += [(fact.visit_id, cpt, n) for cpt, n in fact.billed]
        try:
            self._db.executemany("DELETE FROM billed_units WHERE visit_id = ?", ids)
            self._db.executemany(
                "INSERT OR REPLACE INTO visits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            self._db.executemany("INSERT INTO billed_units VALUES (?, ?, ?)", units)
        except _UNREADABLE as exc:
            raise _damaged(self.path, exc) from None

    def sent_on(self, visit_ids: Iterable[str]) -> dict[str, date]:
        """The date of service the history holds for each of ``visit_ids`` it holds."""
        ids = list(dict.fromkeys(visit_ids))
        found: dict[str, date] = {}
        try:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                found.update(
                    (row[0], date.fromisoformat(row[1]))
                    for row in self._db.execute(
                        f"SELECT visit_id, date_of_service FROM visits WHERE visit_id IN ({marks})",
                        chunk,
                    )
                )
        except _UNREADABLE as exc:
            raise _damaged(self.path, exc) from None
        except (TypeError, ValueError) as exc:  # checked on open; a file changed since
            raise _damaged(self.path, exc) from None
        return found

    def _out_of_order(self, facts: list[VisitFact]) -> OutOfOrder | None:
        """The facts about to be recorded that are new to the history and dated before the
        latest day it holds for their patient (two indexed queries per 500 patients)."""
        latest: dict[str, str] = {}
        patients = sorted({fact.patient_id for fact in facts})
        for start in range(0, len(patients), _CHUNK):
            chunk = patients[start : start + _CHUNK]
            latest.update(self._db.execute(
                "SELECT patient_id, MAX(date_of_service) FROM visits WHERE patient_id IN "
                f"({', '.join('?' * len(chunk))}) GROUP BY patient_id", chunk,
            ).fetchall())  # fmt: skip
        early = [
            (fact, latest[fact.patient_id])
            for fact in facts
            if fact.patient_id in latest
            and fact.date_of_service.isoformat() < latest[fact.patient_id]
        ]
        held: set[str] = set()
        for start in range(0, len(early), _CHUNK):
            chunk_ids = [fact.visit_id for fact, _ in early[start : start + _CHUNK]]
            held.update(row[0] for row in self._db.execute(
                f"SELECT visit_id FROM visits WHERE visit_id IN ({', '.join('?' * len(chunk_ids))})",
                chunk_ids,
            ))  # fmt: skip
        late = [(fact, day) for fact, day in early if fact.visit_id not in held]
        if not late:
            return None
        return OutOfOrder(
            len(late),
            min(fact.date_of_service for fact, _ in late),
            max(date.fromisoformat(day) for _, day in late),
        )

    def __len__(self) -> int:
        """The number of visits held."""
        try:
            return int(self._db.execute("SELECT COUNT(*) FROM visits").fetchone()[0])
        except _UNREADABLE as exc:
            raise _damaged(self.path, exc) from None

    def close(self) -> None:
        self._db.close()
        if self._temporary is not None:
            for suffix in ("", "-journal"):
                with contextlib.suppress(OSError):
                    os.unlink(self._temporary + suffix)

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _facts(rows: list[tuple[object, ...]]) -> list[VisitFact]:
    """One fact per visit of rows ordered by visit, each with its billed units."""
    facts: list[VisitFact] = []
    billed: list[tuple[str, int]] = []
    head: tuple[object, ...] | None = None
    for row in rows:
        if head is not None and row[0] != head[0]:
            facts.append(_fact(head, billed))
            billed = []
        head = row
        if row[7] is not None:
            billed.append((str(row[7]), int(str(row[8]))))
    if head is not None:
        facts.append(_fact(head, billed))
    return facts


def _fact(row: tuple[object, ...], billed: list[tuple[str, int]]) -> VisitFact:
    discipline = None if row[9] is None else str(row[9])
    expected = None if row[10] is None else Decimal(str(row[10]))
    return VisitFact(
        str(row[0]), str(row[1]), str(row[2]), str(row[3]), date.fromisoformat(str(row[4])),
        _NOTES[str(row[5])], bool(row[6]), tuple(billed), discipline, expected,
    )  # fmt: skip


def _refuse_unless_history(target: Path, shown: str) -> None:
    """Look at the file before SQLite does: it must be an SQLite database at all."""
    if not target.is_file():
        raise HistoryError(f"{shown}: not a file")
    try:
        with target.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise HistoryError(f"{shown}: cannot read the history ({exc.strerror or exc})") from None
    if head != _SQLITE_MAGIC:
        what = "an empty file" if not head else "not an SQLite database"
        raise HistoryError(
            f"{shown}: not a scrubber history ({what}); it was left untouched: give a new file "
            "name to start a history"
        )


def _damaged(path: str, exc: Exception) -> HistoryError:
    # SQLite's words may quote the damaged bytes: shown escaped and cut
    said = cut(visible(str(exc)), 200)
    return HistoryError(f"{path}: the history is damaged ({said}); it was left untouched")
