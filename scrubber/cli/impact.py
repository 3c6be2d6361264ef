"""``scrubber impact EXPORT... --before OLD --after NEW``: what a rule change does to past
exports, visit by visit, with the rules responsible.

``--before git:REV`` takes NEW's folders as committed at REV of their git repository: they are
extracted with ``git archive`` into a temporary folder (the working tree is not touched).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from scrubber.cli.common import EXIT_FINDINGS, EXIT_OK, cache_of
from scrubber.cli.config import load_config
from scrubber.errors import UsageError

__all__ = ["add", "rules_at_revision"]


def add(commands: Any) -> None:
    command = commands.add_parser(
        "impact", help="list every visit a rule change changes, with the rules responsible"
    )
    command.add_argument("exports", nargs="+", metavar="EXPORT", help="exports, in order")
    command.add_argument(
        "--before", action="append", required=True, metavar="OLD",
        help="the rules before: a folder (may be repeated), or git:REV for --after's folders "
        "as committed at REV",
    )  # fmt: skip
    command.add_argument(
        "--after", action="append", required=True, metavar="NEW", help="the rules after"
    )
    command.add_argument(
        "--history", metavar="FILE", help="history of earlier scrubs: read, never written"
    )
    command.add_argument(
        "--format", choices=("table", "text", "csv", "json", "html"), default="table"
    )
    command.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
    command.add_argument(
        "--fail-on-change", action="store_true", help="exit 1 when any visit changes"
    )
    command.add_argument("--no-cache", action="store_true", help=argparse.SUPPRESS)
    command.add_argument("--cache-dir", help=argparse.SUPPRESS)
    command.set_defaults(run=run)


def rules_at_revision(revision: str, folders: list[str], into: Path) -> list[str]:
    """The folders as committed at ``revision`` of their git repository, extracted under
    ``into``; UsageError when git cannot say."""
    found = []
    for number, folder in enumerate(folders):
        path = Path(folder).resolve()
        root = _git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")
        top = Path(root.decode().strip())
        relative = path.relative_to(top).as_posix() or "."
        archive = _git(top, "archive", "--format=tar", revision, "--", relative)
        target = into / str(number)
        target.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            _extract(tar, target)
        found.append(str(target / relative))
    return found


def _extract(tar: tarfile.TarFile, target: Path) -> None:
    """Files and folders only, inside ``target`` (Python before 3.11.4 has no extraction
    filters: the same rule by hand)."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(target, filter="data")
        return
    safe = [
        member for member in tar.getmembers()
        if (member.isfile() or member.isdir()) and not member.name.startswith("/")
        and ".." not in Path(member.name).parts
    ]  # fmt: skip
    tar.extractall(target, members=safe)


def _git(where: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, check=False)
    except OSError as exc:
        raise UsageError(f"scrubber impact: git:REV needs git: {exc.strerror}") from None
    if done.returncode != 0:
        words = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"scrubber impact: git {args[0]}: " + (words[-1] if words else "failed"))
    return done.stdout


def run(args: argparse.Namespace) -> int:
    from scrubber.actions import LANGUAGE
    from scrubber.engine.ruleset import RuleSet
    from scrubber.formats.emr import read_export
    from scrubber.history.store import HistoryStore
    from scrubber.reports.impact import impact
    from scrubber.reports.impact_output import impact_csv, impact_html, impact_json, impact_table

    config = load_config()
    cache = cache_of(args, config)
    if args.history is not None and not Path(args.history).is_file():
        raise UsageError(f"scrubber impact: --history {args.history}: no such file")
    with tempfile.TemporaryDirectory(prefix="scrubber-rev-") as temp:
        before = args.before
        if len(before) == 1 and before[0].startswith("git:"):
            before = rules_at_revision(before[0][4:], args.after, Path(temp))
        elif any(b.startswith("git:") for b in before):
            raise UsageError("scrubber impact: --before git:REV stands alone")
        old = RuleSet.compile(LANGUAGE.load_checked(before, cache), stores=HistoryStore)
        new = RuleSet.compile(LANGUAGE.load_checked(args.after, cache), stores=HistoryStore)
    batches = [read_export(path) for path in args.exports]
    found = impact(old, new, batches, history=args.history)
    writer = {
        "table": impact_table, "text": impact_table, "csv": impact_csv, "json": impact_json,
        "html": impact_html,
    }[args.format]  # fmt: skip
    text = writer(found)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return EXIT_FINDINGS if args.fail_on_change and found.changed else EXIT_OK
