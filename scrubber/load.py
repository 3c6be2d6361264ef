"""From rule files to a ``RuleSet``: the one place that joins the language and the engine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scrubber.dsl.load import load_checked
from scrubber.engine import RuleSet

__all__ = ["load_rules"]


def load_rules(paths: str | Path | Sequence[str | Path] = ()) -> RuleSet:
    """Load, check and compile rule files or folders (default: the bundled rules).

    Raises ``RuleSetError`` with every problem found when the rules do not check clean, and
    ``UsageError`` for a path that does not exist.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    return RuleSet.compile(load_checked(paths))
