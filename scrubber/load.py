"""From rule files to a ``RuleSet``: the one place that joins the language, the engine and the
history store (a history given by its path is opened with ``HistoryStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scrubber.actions import LANGUAGE
from scrubber.engine.ruleset import RuleSet
from scrubber.history.store import HistoryStore
from scrubber.tables.cache import TableCache

__all__ = ["load_rules"]


def load_rules(
    paths: str | Path | Sequence[str | Path] = (), *, cache: TableCache | None = None
) -> RuleSet:
    """Load, check and compile rule files or folders (default: the bundled rules).

    The rule set opens a history given by its path (``rules.scrub(batch, history="x.history")``)
    and keeps a stream's days in a temporary file, with ``scrubber.history.HistoryStore``.

    ``cache`` keeps large PTP tables compiled between runs (``TableCache.default()`` is the
    user's cache folder); without one, every table is read from its file.

    Raises ``RuleSetError`` with every problem found when the rules do not check clean, and
    ``UsageError`` for a path that does not exist.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    return RuleSet.compile(LANGUAGE.load_checked(paths, cache), stores=HistoryStore)
