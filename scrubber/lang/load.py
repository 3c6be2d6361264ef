"""Rule files and folders from disk to a checked rule set.

Paths in messages and audit entries are shown as the user gave them (``myrules/medicare.rules``);
the bundled rules show as ``payer_rules/medicare.rules`` wherever the package is installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrubber.errors import RuleError, RuleSetError, UsageError
from scrubber.files import FileRefused, read_regular
from scrubber.lang import ast, codes
from scrubber.lang.check import CheckReport, SourceFile, check
from scrubber.lang.checked import CheckedRules
from scrubber.lang.kinds import ActionKinds
from scrubber.lang.parse import MAX_FILE_BYTES, ParsedFile, Reparse, error_at, parse_rules
from scrubber.model.records import printable
from scrubber.resources import bundled_rules_dir
from scrubber.tables.cache import TableCache
from scrubber.tables.loader import TableLoader
from scrubber.tables.prices import PriceTable

__all__ = [
    "charge_master",
    "check_paths",
    "load_checked",
    "rule_files",
    "rule_sources",
    "text_source",
]


def _display(folder: Path, inside: Path) -> str:
    # Relative to the rules folder's parent: "rules/medicare.rules" wherever the folder lives,
    # so audit sources read the same on every machine.
    return f"{folder.resolve().name}/{inside.as_posix()}"


def rule_files(folder: Path) -> list[Path]:
    """The rule files of a folder and the ``.test`` files of rule tests beside them."""
    return sorted([*folder.glob("*.rules"), *folder.glob("*.test")])


def _files(paths: Sequence[str | Path]) -> list[tuple[Path, Path, str]]:
    """(file, rules folder, shown path) for every rule file named or inside a named folder, in
    the order rules apply: folder by folder as given, by file name within a folder."""
    found: list[tuple[Path, Path, str]] = []
    if not paths:
        folder = bundled_rules_dir()
        return [(f, folder, f"payer_rules/{f.name}") for f in rule_files(folder)]
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = rule_files(path)
            if not files:
                raise UsageError(f"{given}: no .rules files in this folder")
            found += [(f, path, _display(path, Path(f.name))) for f in files]
        elif path.exists() and not path.is_dir():
            found.append((path, path.parent, str(given)))
        else:
            raise UsageError(f"{given}: no such rule file or folder")
    # Folder by folder in the order given, each folder's files in name order; a file given
    # twice (on its own and in its folder) is read once, where it was first given.
    seen: set[Path] = set()
    unique = []
    for item in found:
        key = item[0].resolve()
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _read(path: Path, shown: str, inside: Path | None) -> tuple[str, RuleError | None]:
    nowhere = ast.Span(shown, 1, 1, 1, 1)
    try:
        data = read_regular(path, MAX_FILE_BYTES, inside)
    except FileRefused as exc:
        return "", error_at(codes.LIMIT, f"the rule file is not read: {exc}", nowhere, [])
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read the rule file ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        span = ast.Span(shown, line, 1, line, 1)
        return "", error_at(codes.LIMIT, "the file is not UTF-8 text", span, [])


def rule_sources(paths: Sequence[str | Path], kinds: ActionKinds[Any]) -> list[SourceFile]:
    """Read and parse every rule file; problems are inside each ``SourceFile``'s parse."""
    sources = []
    for path, root, shown in _files(paths):
        text, problem = _read(path, shown, root)
        if problem is not None:
            parsed = ParsedFile(ast.RuleFile(shown), (problem,), frozenset())
        else:
            parsed = parse_rules(text, shown, kinds)
        sources.append(SourceFile(parsed, tuple(text.split("\n")), path, root))
    return sources


def text_source(
    text: str,
    kinds: ActionKinds[Any],
    shown: str = "<stdin>",
    folder: Path | None = None,
    reparse: Reparse | None = None,
) -> SourceFile:
    """A rule file given as text (``scrubber check -``): its tables are found in ``folder`` (the
    current one). ``reparse``: the file's last parse, for an editor's next one
    (``scrubber.lang.parse.incremental``)."""
    folder = folder or Path.cwd()
    problem = None
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        problem = error_at(
            codes.LIMIT, f"the text is longer than {MAX_FILE_BYTES:,} bytes",
            ast.Span(shown, 1, 1, 1, 1), [],
        )  # fmt: skip
    parsed = (
        ParsedFile(ast.RuleFile(shown), (problem,), frozenset())
        if problem is not None
        else parse_rules(text, shown, kinds, reparse)
    )
    return SourceFile(parsed, tuple(printable(text).split("\n")), folder / shown, folder)


def rule_descriptions(paths: Sequence[str | Path], kinds: ActionKinds[Any]) -> dict[str, str]:
    """Rule name (``medicare/zip9``) -> its description, for reports that name rules the way
    people read them. Parsing only: a rule folder with problems still gives what it can, and a
    folder that cannot be read gives nothing (a report never fails for want of a label)."""
    try:
        sources = rule_sources(paths, kinds)
    except UsageError:
        return {}
    return {
        f"{source.parsed.file.stem}/{rule.id}": rule.description
        for source in sources
        for block in source.parsed.file.blocks
        for rule in block.rules
        if rule.description
    }


def check_paths(
    paths: Sequence[str | Path], kinds: ActionKinds[Any], cache: TableCache | None = None
) -> CheckReport:
    """Parse and check rule files or folders (none: the bundled rules); never raises for
    problems in the rules, only ``UsageError`` for paths that do not exist."""
    return check(rule_sources(paths, kinds), kinds, TableLoader(cache))


def load_checked(
    paths: Sequence[str | Path], kinds: ActionKinds[Any], cache: TableCache | None = None
) -> CheckedRules:
    """A checked rule set, or ``RuleSetError`` with every problem found."""
    report = check_paths(paths, kinds, cache)
    if report.rules is None:
        raise RuleSetError(list(report.errors))
    return report.rules


def charge_master(paths: Sequence[str | Path], kinds: ActionKinds[Any]) -> PriceTable | None:
    """The charge master a rule set names (``charges by table``), or None; what a report over
    an export needs of the rules to charge the export's lines as the scrub did, without
    checking every rule. ``RuleSetError`` when it cannot be read."""
    from scrubber.lang.check.charges import charges
    from scrubber.lang.check.checker import Checker

    sources = rule_sources(paths, kinds)
    if not any(source.parsed.file.charges for source in sources):
        return None
    checker = Checker(sources, TableLoader(), kinds)
    charges(checker)
    if checker.errors:
        raise RuleSetError(checker.errors)
    return checker.charge_master
