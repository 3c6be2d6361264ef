"""From rule files to a ``RuleSet``: the one place that joins the language, the engine and the
history store (a history given by its path is opened with ``HistoryStore``)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from scrubber.actions import LANGUAGE
from scrubber.engine.ruleset import RuleSet
from scrubber.errors import UsageError
from scrubber.history.store import HistoryStore
from scrubber.tables.cache import TableCache

__all__ = ["load_rules", "rules_from_text"]

#: the folder name a rule set given as text is checked in: audit sources read ``rules/a.rules:3:5``
TEXT_FOLDER = "rules"


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


def _relative(name: object) -> PurePosixPath:
    """A file name of a rule set given as text, refused when it would land outside its folder."""
    if not isinstance(name, str):
        raise TypeError(f"rules_from_text: a file name is text, not {type(name).__name__}")
    path = PurePosixPath(name)
    if (
        not name.strip()
        or not path.parts
        or path.is_absolute()
        or ".." in path.parts
        or "\\" in name
    ):
        raise UsageError(
            f'rules_from_text: "{name}" is not a file name inside the rules folder '
            '(use names such as "medicare.rules" or "tables/mue.csv")'
        )
    return path


def rules_from_text(text: str | Mapping[str, str], *, cache: TableCache | None = None) -> RuleSet:
    """Check and compile rules given as text, in one call: for tests, above all property tests
    that draw rule text (``scrubber.testing.rule_texts``), and for snippets.

    ``text`` is one rule file's text (checked as ``rules/rules.rules``) or a folder as
    ``{file name: text}``: rule files, and the tables their rules name (``"tables/mue.csv"``).
    The files are checked exactly as ``load_rules`` checks a folder, from a temporary folder
    named ``rules`` (audit sources read ``rules/medicare.rules:3:5``), so a table path follows
    the same rules as on disk. A folder on disk is ``load_rules(folder)``.

    Raises ``RuleSetError`` (``.errors`` holds every problem, each with file, line, column and
    its source line) when the rules do not check clean, ``UsageError`` for a file name outside
    the folder or a folder without a ``.rules`` file.
    """
    if isinstance(text, str):
        files: Mapping[str, str] = {"rules.rules": text}
    elif isinstance(text, Mapping):
        files = text
    else:
        raise TypeError(
            "rules_from_text takes a rule file's text or {file name: text}, "
            f"not {type(text).__name__}"
        )
    names = {_relative(name): content for name, content in files.items()}
    for name, content in names.items():
        if not isinstance(content, str):
            raise TypeError(f"rules_from_text: the text of {name} is {type(content).__name__}")
    if not any(name.suffix == ".rules" and len(name.parts) == 1 for name in names):
        raise UsageError(
            "rules_from_text: no rule file among the names given (a name such as "
            '"medicare.rules", at the top of the folder)'
        )
    with tempfile.TemporaryDirectory(prefix="scrubber-rules-") as temporary:
        folder = Path(temporary) / TEXT_FOLDER
        for name, content in names.items():
            target = folder.joinpath(*name.parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                # newline="" keeps the text as given: the checker's line numbers are the caller's
                target.write_text(content, encoding="utf-8", errors="surrogatepass", newline="")
            except (OSError, ValueError) as exc:  # a name that is a folder too, a NUL in a name
                shown = str(name).encode("unicode_escape").decode("ascii")
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                raise UsageError(
                    f'rules_from_text: cannot use the file name "{shown}" ({reason})'
                ) from None
        return load_rules(folder, cache=cache)
