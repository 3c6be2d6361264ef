"""What later scrubs need from earlier ones, kept in an SQLite file (``store``): the facts of
every visit read, so that rules can count treatment days, authorized visits, days since the last
progress report and the units already billed in a week, month or year across daily runs."""

from scrubber.history.store import SCHEMA, HistoryError, HistoryStore

__all__ = ["SCHEMA", "HistoryError", "HistoryStore"]
