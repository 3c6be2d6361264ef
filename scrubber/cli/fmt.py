"""``scrubber fmt``: lay rule files out in the one canonical layout."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from scrubber.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from scrubber.errors import RuleSetError, UsageError

__all__ = ["add"]


def add(commands: Any) -> None:
    fmt = commands.add_parser("fmt", help="rewrite rule files in the one canonical layout")
    fmt.add_argument(
        "paths", nargs="+",
        help="rule files or folders; - formats standard input to standard output",
    )  # fmt: skip
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file would change"
    )
    fmt.add_argument("--diff", action="store_true", help="change nothing; print what would change")
    fmt.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import difflib

    from scrubber.actions import LANGUAGE
    from scrubber.lang.load import rule_files

    if "-" in args.paths:
        if args.paths != ["-"]:
            raise UsageError("scrubber fmt: - (standard input) stands alone, without other paths")
        return _stdin(args)
    files: list[Path] = []
    for given in args.paths:
        path = Path(given)
        if path.is_dir():
            files += rule_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"scrubber fmt: {given}: no such rule file or folder")
    changed, problems = [], []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"scrubber fmt: {path}: cannot read ({exc})") from None
        try:
            formatted = LANGUAGE.format(text, str(path))
        except RuleSetError as exc:
            problems += list(exc.errors)
            continue
        if formatted == text:
            continue
        changed.append(path)
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                f"{path}", f"{path} (formatted)",
            ))  # fmt: skip
        if not args.check and not args.diff:
            _replace(path, formatted)
    for error in problems:
        print(error.format(), file=sys.stderr)
    verb = "would reformat" if args.check or args.diff else "reformatted"
    for path in changed:
        print(f"{verb} {path}", file=sys.stderr)
    print(f"{len(files) - len(changed) - len(problems)} file(s) already formatted, {len(changed)} {verb}",
          file=sys.stderr)  # fmt: skip
    if problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if changed and (args.check or args.diff) else EXIT_OK


def _stdin(args: argparse.Namespace) -> int:
    """``scrubber fmt -``: the formatted text on standard output (with ``--check``, only the exit
    code; with ``--diff``, the change)."""
    import difflib

    from scrubber.actions import LANGUAGE

    text = sys.stdin.read()
    try:
        formatted = LANGUAGE.format(text, "<stdin>")
    except RuleSetError as exc:
        for error in exc.errors:
            print(error.format(), file=sys.stderr)
        return EXIT_USAGE
    if args.diff:
        sys.stdout.writelines(difflib.unified_diff(
            text.splitlines(keepends=True), formatted.splitlines(keepends=True),
            "<stdin>", "<stdin> (formatted)",
        ))  # fmt: skip
    elif not args.check:
        sys.stdout.write(formatted)
    return EXIT_FINDINGS if formatted != text and (args.check or args.diff) else EXIT_OK


def _replace(path: Path, text: str) -> None:
    """Rewrite a rule file whole or not at all: a temporary file beside it, then a rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"scrubber fmt: {path}: cannot write ({exc.strerror or exc})") from None
