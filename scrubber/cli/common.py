"""What the commands share: exit codes, the argument parser that fails in one line, options
every command that reads rules takes, and writing an output."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from scrubber.errors import UsageError
from scrubber.words import plural

if TYPE_CHECKING:
    from scrubber.cli.config import Config
    from scrubber.history.store import HistoryStore, OutOfOrder
    from scrubber.lang.ast import RuleFile
    from scrubber.model.records import Batch, ProviderRole
    from scrubber.model.results import ScrubResult
    from scrubber.tables.cache import TableCache

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_USAGE",
    "Parser",
    "add_cache_options",
    "add_history_options",
    "add_report_options",
    "add_rules_option",
    "add_x12_role_option",
    "bundled_rules_note",
    "cache_of",
    "export_and_result",
    "open_history",
    "plural",
    "progress_bar",
    "rule_paths",
    "seconds",
    "shown_rule_files",
    "write",
    "x12_role",
]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse would print the whole usage block; a usage error is one line.
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def add_rules_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--rules", action="append", metavar="DIR",
        help="a folder (or file) of rules; give it several times for several folders, applied "
        "folder by folder in that order (default: the rules of scrubber.toml, else the bundled "
        "rules)",
    )  # fmt: skip


def add_x12_role_option(command: argparse.ArgumentParser) -> None:
    """``--x12-default-role``, for every command that reads an export (DESIGN §9)."""
    from scrubber.cli.config import ROLES

    command.add_argument(
        "--x12-default-role", metavar="ROLE", choices=ROLES,
        help="the provider role of an 837P claim that names no taxonomy (PRV): one of "
        f"{', '.join(ROLES)} (default: x12-default-role of scrubber.toml, else other)",
    )  # fmt: skip


def x12_role(args: argparse.Namespace, config: Config) -> ProviderRole | None:
    """The role of an 837P claim without a taxonomy: the command line's, else the settings'."""
    from scrubber.model.records import ProviderRole

    given = getattr(args, "x12_default_role", None)
    return ProviderRole(given) if given else config.x12_default_role


def add_cache_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--cache-dir", metavar="DIR",
        help="where compiled PTP tables are kept (default: $SCRUBBER_CACHE_DIR, else "
        "$XDG_CACHE_HOME/scrubber or ~/.cache/scrubber)",
    )  # fmt: skip
    command.add_argument(
        "--no-cache", action="store_true", help="read every table from its file; write no cache"
    )


def add_history_options(command: argparse.ArgumentParser, *, writes: bool = True) -> None:
    what = (
        "keep in FILE what later scrubs need (created when missing): rules then count treatment "
        "days, authorized visits and units per week across daily runs"
        if writes
        else "read the history a daily scrub keeps (never written here)"
    )
    command.add_argument("--history", metavar="FILE", help=what)
    if writes:
        command.add_argument(
            "--history-wait", type=seconds, default=60.0, metavar="SECONDS",
            help="how long to wait for another scrub using the same history (default 60)",
        )  # fmt: skip


def seconds(text: str) -> float:
    """A time to wait: a number of seconds, 0 or more (0: do not wait)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time to wait: give a number of seconds, 0 or more"
        )
    return value


@contextmanager
def open_history(
    args: argparse.Namespace, *, read_only: bool = False
) -> Iterator[HistoryStore | None]:
    """The history store of ``--history``, closed after the command (None without it)."""
    if not getattr(args, "history", None):
        yield None
        return
    from scrubber.history.store import HistoryStore

    wait = getattr(args, "history_wait", 60.0)
    store = HistoryStore.open(args.history, timeout=wait, read_only=read_only)
    try:
        yield store
    finally:
        store.close()


def out_of_order_warning(late: OutOfOrder) -> str:
    """One line on stderr when a scrub added days to a history before days it already held:
    the run is right, but counts made earlier for the later days did not see these."""
    verb = "is" if late.visits == 1 else "are"
    return (
        f"warning: {plural(late.visits, 'visit')} of this scrub {verb} dated before days the "
        f"history already held for their patients (from {late.earliest.isoformat()}; the "
        f"history reached {late.latest_held.isoformat()}): counts across visits made earlier "
        "for those later days (treatment days, caps per week, month or year) may differ from a "
        "scrub of all days in date order"
    )


def cache_of(args: argparse.Namespace, config: Config | None = None) -> TableCache | None:
    """The table cache of ``--cache-dir`` (else the settings' ``cache-dir``, else the default);
    None with ``--no-cache``."""
    from scrubber.tables.cache import TableCache

    if args.no_cache:
        return None
    folder = args.cache_dir or (config.cache_dir if config is not None else None)
    return TableCache(Path(folder)) if folder else TableCache.default()


def rule_paths(given: list[str] | None, config: Config | None = None) -> list[str]:
    """The rule folders and files of the command line, else of the settings, else none (the
    bundled rules)."""
    if given:
        return list(given)
    return list(config.rules) if config is not None else []


def shown_rule_files(given: Sequence[str], files: Iterable[RuleFile]) -> tuple[str, ...]:
    """The rule files that ran (those with rules), named so that the user finds them from where
    they ran the command: under a folder given as a relative path, as given
    (``../clinic/rules/medicare.rules``); under the current folder, relative to it; anywhere
    else as audit entries name them (the folder's name, then the file: ``rules/medicare.rules``).
    The bundled rules are ``payer_rules/NAME``, as their audit entries say (see
    ``bundled_rules_note``)."""
    from scrubber.lang.load import rule_files

    here = Path.cwd()
    names: dict[str, str] = {}
    for path in given:
        folder = Path(path)
        if not folder.is_dir():
            continue
        for file in rule_files(folder):
            if folder.is_absolute():
                inside = file.resolve()
                shown = (
                    inside.relative_to(here).as_posix()
                    if inside.is_relative_to(here)
                    else f"{folder.resolve().name}/{file.name}"
                )
            else:
                shown = (folder / file.name).as_posix()
            names.setdefault(f"{folder.resolve().name}/{file.name}", shown)
    return tuple(names.get(file.path, file.path) for file in files if file.blocks)


def bundled_rules_note() -> str:
    """Where the bundled rules are, unless that is ``payer_rules`` in the current folder: run
    from anywhere else, ``payer_rules/medicare.rules`` names no file there."""
    from scrubber.resources import bundled_rules_dir

    folder = bundled_rules_dir()
    here = Path.cwd() / "payer_rules"
    if here.is_dir() and here.resolve() == folder.resolve():
        return "the bundled rules"
    return f"the bundled rules, installed in {folder}"


def add_report_options(command: argparse.ArgumentParser) -> None:
    """What the reports over an export and its result share: the rules their descriptions come
    from, the format and the output."""
    add_rules_option(command)
    command.add_argument("--format", choices=("table", "csv", "json", "html"), default="table")
    command.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    add_x12_role_option(command)


def export_and_result(
    export: str, result: str, rules: list[str] | None, args: argparse.Namespace | None = None
) -> tuple[Batch, ScrubResult, dict[str, str]]:
    """The export (an 837P read with the default role of ``args`` or the settings), its scrub
    result (refused when it is not that export's: a report over it would show differences
    that are nobody's) and the rules' descriptions."""
    from scrubber.actions import LANGUAGE
    from scrubber.cli.config import load_config
    from scrubber.formats.emr import read_export
    from scrubber.formats.results import read_result
    from scrubber.reports.belongs import check_result_of
    from scrubber.tables.prices import charged_batch

    config = load_config()
    role = x12_role(args, config) if args is not None else config.x12_default_role
    batch = read_export(export, x12_default_role=role)
    scrubbed = read_result(result)
    check_result_of(batch, scrubbed, export, result)
    paths = rule_paths(rules, config)
    master = LANGUAGE.charge_master(paths)
    if master is not None:
        # the export's lines charged as the scrub charged them (§14): a line without an
        # amount is priced by the rules' charge master
        batch = charged_batch(batch, master)
    return batch, scrubbed, LANGUAGE.descriptions(paths)


def progress_bar() -> Callable[[int, int], None] | None:
    """A one-line progress bar on stderr, only when stderr is a terminal (never in logs)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        print(f"\rscrubbing [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} visits",
              end=end, file=sys.stderr, flush=True)  # fmt: skip

    return show


def write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        return
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write ({exc.strerror or exc})") from None
