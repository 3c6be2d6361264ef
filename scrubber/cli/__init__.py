"""The ``scrubber`` command line: one module per command.

Exit codes: 0 all well, 1 findings (rule problems, unexplained differences), 2 usage or input
errors. A user's mistake is one plain line on stderr, never a traceback. Each command runs with
the cyclic garbage collector paused (``scrubber.paused_gc``): a command is one bulk step of a
process of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scrubber._version import __version__

if TYPE_CHECKING:
    from scrubber.cli.common import Parser

__all__ = ["main"]

#: the commands' modules, in the order ``--help`` lists them
COMMAND_MODULES = (
    "scrub", "check", "test", "explain", "fmt", "impact", "balance", "reconcile", "worklist",
    "tables", "sample", "lsp",
)  # fmt: skip


def _commands() -> tuple[Any, ...]:
    """The command modules, imported when a parser is built: ``scrubber --version`` needs none
    of them (issue 29: startup matters for nightly jobs and the language server)."""
    import importlib

    return tuple(importlib.import_module(f"scrubber.cli.{name}") for name in COMMAND_MODULES)


def _parser() -> Parser:
    from scrubber.cli.common import Parser

    parser = Parser(
        prog="scrubber",
        description="Scrub therapy charges with payer rules, audit every change, balance EMR "
        "against billing.",
    )
    parser.add_argument("--version", action="version", version=f"scrubber {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for command in _commands():
        command.add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of exiting, for tests."""
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        # What argparse's version action does, without importing a command (about 60 ms).
        print(f"scrubber {__version__}")
        raise SystemExit(0)
    from scrubber.bulk import paused_gc
    from scrubber.cli.common import EXIT_OK, EXIT_USAGE
    from scrubber.errors import ScrubberError

    try:
        args = _parser().parse_args(argv)
        with paused_gc():
            code: int = args.run(args)
    except ScrubberError as exc:
        from scrubber.shown import visible_lines  # a message may quote an input's bytes

        print(f"error: {visible_lines(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `scrubber sample | head`
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code
