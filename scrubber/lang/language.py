"""The rule language with its action kinds: one object to parse, check and format with.

The language layer never imports the action kinds (they sit above it); whoever needs the whole
language builds it from them: ``scrubber.actions.LANGUAGE`` is the rule language of scrubber.
The command line, the loader, the language server and the test helpers all go through it, so
they parse, check and format exactly alike. Its modules are imported when first asked for, so
that the engine, which only compiles checked rules, can hold the kinds without loading lark.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from scrubber.lang.kinds import ActionKinds

if TYPE_CHECKING:
    from scrubber.lang.check import CheckReport, SourceFile
    from scrubber.lang.checked import CheckedRules
    from scrubber.lang.parse import ParsedFile, Reparse
    from scrubber.tables.cache import TableCache
    from scrubber.tables.loader import TableLoader
    from scrubber.tables.prices import PriceTable

__all__ = ["Language"]


@attrs.frozen
class Language:
    """The rule language with the action kinds ``kinds``."""

    kinds: ActionKinds[Any]

    def parse(self, text: str, file: str = "<rules>") -> ParsedFile:
        """One rule file's AST and its syntax errors (never raises for bad text)."""
        from scrubber.lang.parse import parse_rules

        return parse_rules(text, file, self.kinds)

    def check(
        self, sources: Sequence[SourceFile], tables: TableLoader | None = None
    ) -> CheckReport:
        """Every problem of parsed files checked together, and the checked rules when none."""
        from scrubber.lang.check import check

        return check(sources, self.kinds, tables)

    def sources(self, paths: Sequence[str | Path] = ()) -> list[SourceFile]:
        """Every rule file of the paths (none: the bundled rules), read and parsed."""
        from scrubber.lang.load import rule_sources

        return rule_sources(paths, self.kinds)

    def text_source(
        self,
        text: str,
        shown: str = "<stdin>",
        folder: Path | None = None,
        reparse: Reparse | None = None,
    ) -> SourceFile:
        """A rule file given as text, its tables found in ``folder`` (the current one);
        ``reparse``: the file's last parse, when an editor parses it again after an edit."""
        from scrubber.lang.load import text_source

        return text_source(text, self.kinds, shown, folder, reparse)

    def check_paths(
        self, paths: Sequence[str | Path] = (), cache: TableCache | None = None
    ) -> CheckReport:
        """Parse and check rule files or folders (none: the bundled rules)."""
        from scrubber.lang.load import check_paths

        return check_paths(paths, self.kinds, cache)

    def load_checked(
        self, paths: Sequence[str | Path] = (), cache: TableCache | None = None
    ) -> CheckedRules:
        """The checked rules of the paths, or ``RuleSetError`` with every problem."""
        from scrubber.lang.load import load_checked

        return load_checked(paths, self.kinds, cache)

    def format(self, text: str, file: str = "<rules>") -> str:
        """The canonical layout of a rule file (``RuleSetError`` if it does not parse)."""
        from scrubber.lang.fmt import format_rules

        return format_rules(text, file, self.kinds)

    def charge_master(self, paths: Sequence[str | Path] = ()) -> PriceTable | None:
        """The charge master the rules name (``charges by table``), read alone."""
        from scrubber.lang.load import charge_master

        return charge_master(paths, self.kinds)

    def descriptions(self, paths: Sequence[str | Path] = ()) -> dict[str, str]:
        """Rule name -> description, parsing only (a report never fails for want of one)."""
        from scrubber.lang.load import rule_descriptions

        return rule_descriptions(paths, self.kinds)
