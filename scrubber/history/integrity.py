"""Whether a history file can be trusted, checked before a scrub reads or writes it.

A history is one file anyone can copy, edit with an SQLite tool, truncate or damage. Used as it
is, a flipped byte or two swapped pages would be read as facts and written to again (a damaged
file made worse), and a row holding a date off the calendar, an unknown note type, units stored
as text or a NULL would end a scrub in a Python error. So before a store is used:

1. SQLite's ``PRAGMA quick_check`` reads every page of the file (b-tree structure, record
   formats, NOT NULL): a damaged file says so here;
2. the tables, indexes and nothing else (no trigger, no view) are exactly those scrubber creates,
   compared as SQL text: a look-alike table without its constraints is not a history;
3. every value has its type and range: ids and codes are text, dates are ``YYYY-MM-DD`` on the
   calendar, note types are known ones, ``had_charge`` is 0 or 1, units are whole numbers from 1
   to ``MAX_UNITS``.

All three run in SQLite over the whole file, without a Python object per row: about 0.1 s per
100,000 visits on the bench machine (``bench/history_bench.py``). Text that is not UTF-8 is
found when a scrub reads it (the store turns it into the same refusal): SQLite cannot tell.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from scrubber.model.records import NoteType
from scrubber.shown import quoted

__all__ = ["MAX_UNITS", "problem_of", "schema_of", "tables_of_a_history"]

#: the most units of one code one visit may hold in a history (a line holds at most 999)
MAX_UNITS = 999_999_999

_TEXT = "typeof({0}) = 'text'"
_NOTES = ", ".join(f"'{note.value}'" for note in NoteType)
_DAY = (
    "typeof({0}) = 'text' AND {0} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' "
    "AND {0} >= '0001-01-01' AND date({0}, '+0 days') IS {0}"
)

#: an amount as text: digits, at most one point, a digit last (what ``str(Decimal)`` writes)
_MONEY = (
    "{0} IS NULL OR (typeof({0}) = 'text' AND length({0}) BETWEEN 1 AND 40 "
    "AND {0} NOT GLOB '*[^0-9.]*' AND {0} NOT GLOB '*.*.*' "
    "AND ({0} GLOB '[0-9]' OR {0} GLOB '[0-9]*[0-9]'))"
)
#: the columns schema 2 added (not in a version 1 file)
_ADDED_IN_2 = frozenset({"discipline", "expected"})

#: per table: its key column, and (column, condition, what it must be) for every column
_COLUMNS: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "visits": ("visit_id", (
        ("visit_id", _TEXT, "text"),
        ("case_id", _TEXT, "text"),
        ("patient_id", _TEXT, "text"),
        ("payer_id", _TEXT, "text"),
        ("date_of_service", _DAY, "a date as YYYY-MM-DD on the calendar"),
        ("note_type", f"typeof({{0}}) = 'text' AND {{0}} IN ({_NOTES})", "a known note type"),
        ("had_charge", "typeof({0}) = 'integer' AND {0} IN (0, 1)", "0 or 1"),
        ("discipline", "{0} IS NULL OR (typeof({0}) = 'text' AND length({0}) BETWEEN 1 AND 16)",
         "a discipline such as PT, or NULL"),
        ("expected", _MONEY, "NULL or an amount such as 63.84"),
    )),
    "billed_units": ("visit_id", (
        ("visit_id", _TEXT, "text"),
        ("cpt", "typeof({0}) = 'text' AND length({0}) BETWEEN 1 AND 48", "a code"),
        ("units", f"typeof({{0}}) = 'integer' AND {{0}} BETWEEN 1 AND {MAX_UNITS}",
         f"a whole number of units from 1 to {MAX_UNITS:,}"),
    )),
}  # fmt: skip


def tables_of_a_history(create: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """What ``sqlite_master`` of a new history holds, built from ``create`` in memory."""
    db = sqlite3.connect(":memory:")
    try:
        for statement in create:
            db.execute(statement)
        return _master(db)
    finally:
        db.close()


def _master(db: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    rows = db.execute(
        "SELECT type, name, tbl_name, CAST(coalesce(sql, '') AS BLOB) FROM sqlite_master"
    ).fetchall()
    # ``ANALYZE`` (run from any SQLite tool) adds statistics tables: they change nothing read
    return sorted(
        (str(kind), str(name), str(table), " ".join(bytes(sql).decode("utf-8", "replace").split()))
        for kind, name, table, sql in rows
        if not str(name).startswith("sqlite_stat")
    )


def schema_of(db: sqlite3.Connection) -> int | None:
    """The schema version a history says it has, None when it says none readable (``problem_of``
    then says what is wrong)."""
    try:
        row = db.execute(
            "SELECT CAST(value AS BLOB) FROM scrubber_history WHERE key = 'schema'"
        ).fetchone()
    except sqlite3.Error:
        return None
    text = bytes(row[0]).decode("ascii", "replace") if row is not None and row[0] else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None


def problem_of(
    db: sqlite3.Connection, expected: list[tuple[str, str, str, str]], schema: int
) -> str | None:
    """What is wrong with the history open in ``db`` (see the module), in words; None when
    it can be used. May raise ``sqlite3.Error`` or ``UnicodeDecodeError`` on a file SQLite
    cannot read at all."""
    checked = db.execute("PRAGMA quick_check(5)").fetchall()
    if [tuple(row) for row in checked] != [("ok",)]:
        found = "; ".join(str(row[0]) for row in checked)
        return f"the history is damaged (SQLite finds: {quoted(found, 200)})"
    master = _master(db)
    names = {name for kind, name, _, _ in master if kind == "table"}
    if "scrubber_history" not in names:
        return "not a scrubber history (an SQLite database without its tables)"
    row = db.execute(
        "SELECT CAST(value AS BLOB), typeof(value) FROM scrubber_history WHERE key = 'schema'"
    ).fetchone()
    version = bytes(row[0]).decode("ascii", "replace") if row is not None else ""
    if row is None or row[1] != "text" or not version.isascii() or not version.isdigit():
        return "not a scrubber history (no schema version)"
    if int(version) > schema:
        return (
            f"written by a newer scrubber (history schema {version}; this one reads up to "
            f"{schema}): upgrade scrubber, or start a new history"
        )
    if master != expected:
        differ = sorted({entry[1] for entry in set(master) ^ set(expected)})
        return (
            "not a scrubber history (its tables are not a history's: "
            f"{quoted(', '.join(differ), 120)} differ)"
        )
    for table, (key, every) in _COLUMNS.items():
        columns = every if schema >= 2 else tuple(c for c in every if c[0] not in _ADDED_IN_2)
        # one pass over the table counts both: values out of type or range, and text outside
        # ASCII (decoded in Python: SQLite stores text as given and cannot tell UTF-8)
        wrong, odd = _conditions(columns)
        count, unusual = db.execute(
            f"SELECT count(*) FILTER (WHERE {wrong}), count(*) FILTER (WHERE {odd}) FROM {table}"
        ).fetchone()
        bad = _bad_value(db, table, key, columns, count) if count else None
        if bad is None and unusual:
            bad = _not_utf8(db, table, key, columns)
        if bad is not None:
            return f"the history is damaged ({bad})"
    return None


def _text_columns(columns: tuple[tuple[str, str, str], ...]) -> list[str]:
    return [name for name, condition, _ in columns if condition.startswith("typeof({0}) = 'text'")]


def _conditions(columns: tuple[tuple[str, str, str], ...]) -> tuple[str, str]:
    """SQL that holds for a row with a wrong value, and for a row with unusual text."""
    tests = [condition.format(column) for column, condition, _ in columns]
    wrong = " OR ".join(f"NOT coalesce({test}, 0)" for test in tests)
    odd = " OR ".join(f"{column} GLOB '*[^ -~]*'" for column in _text_columns(columns))
    return wrong, odd


def _bad_value(
    db: sqlite3.Connection,
    table: str,
    key: str,
    columns: tuple[tuple[str, str, str], ...],
    count: int,
) -> str:
    """``count`` rows of ``table`` hold a value of the wrong type or range: the first, said."""
    tests = [condition.format(column) for column, condition, _ in columns]
    wrong, _ = _conditions(columns)
    shown = ", ".join(
        f"coalesce({test}, 0), typeof({column}), CAST({column} AS BLOB)"
        for test, (column, _, _) in zip(tests, columns, strict=True)
    )
    row = db.execute(
        f"SELECT CAST({key} AS BLOB), {shown} FROM {table} WHERE {wrong} LIMIT 1"
    ).fetchone()
    first = _text(row[0])
    for n, (column, _, words) in enumerate(columns):
        good, kind, value = row[1 + 3 * n : 4 + 3 * n]
        if not good:
            what = "NULL" if kind == "null" else f"{kind} {quoted(_text(value), 40)}"
            return (
                f"{count:,} row{'s' if count != 1 else ''} of {table} with a value of the wrong "
                f"type or range; the first, {key} {quoted(first, 40)}: {column} is {what}, "
                f"not {words}"
            )
    return f"{count:,} rows of {table} with a value of the wrong type or range"


def _not_utf8(
    db: sqlite3.Connection, table: str, key: str, columns: tuple[tuple[str, str, str], ...]
) -> str | None:
    """The first text value of ``table`` that is not UTF-8 (SQLite stores text as given and
    cannot tell): only rows with text outside ASCII are fetched and decoded, which ids and
    codes rarely have."""
    text = _text_columns(columns)
    _, odd = _conditions(columns)
    blobs = ", ".join(f"CAST({column} AS BLOB)" for column in text)
    for row in db.execute(f"SELECT CAST({key} AS BLOB), {blobs} FROM {table} WHERE {odd}"):
        for column, value in zip(text, row[1:], strict=True):
            try:
                bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                return (
                    f"a row of {table} holds text that is not UTF-8; {key} "
                    f"{quoted(_text(row[0]), 40)}: {column} is {quoted(_text(value), 40)}"
                )
    return None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return "" if value is None else str(value)
