"""The ``scrubber`` command line: one module per command.

Exit codes: 0 all well, 1 findings (rule problems, unexplained differences), 2 usage or input
errors. A user's mistake is one plain line on stderr, never a traceback. Each command runs with
the cyclic garbage collector paused (``scrubber.paused_gc``): a command is one bulk step of a
process of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from scrubber._version import __version__
from scrubber.bulk import paused_gc
from scrubber.cli import (
    balance,
    check,
    explain,
    fmt,
    impact,
    lsp,
    reconcile,
    sample,
    scrub,
    tables,
    test,
    worklist,
)
from scrubber.cli.common import EXIT_OK, EXIT_USAGE, Parser
from scrubber.errors import ScrubberError

__all__ = ["main"]

#: the commands, in the order ``--help`` lists them
COMMANDS = (
    scrub, check, test, explain, fmt, impact, balance, reconcile, worklist, tables, sample, lsp,
)  # fmt: skip


def _parser() -> Parser:
    parser = Parser(
        prog="scrubber",
        description="Scrub therapy charges with payer rules, audit every change, balance EMR "
        "against billing.",
    )
    parser.add_argument("--version", action="version", version=f"scrubber {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for command in COMMANDS:
        command.add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of exiting, for tests."""
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
