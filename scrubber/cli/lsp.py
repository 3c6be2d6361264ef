"""``scrubber lsp``: the language server for editors, over standard input and output."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrubber.cli.common import EXIT_OK, EXIT_USAGE

__all__ = ["add"]

INSTALL = "pip install 'charge-scrubber[lsp]'"


def add(commands: Any) -> None:
    lsp = commands.add_parser(
        "lsp",
        help="run the language server for editors (diagnostics, hover, completion, ...)",
        description="Speak the Language Server Protocol over standard input and output; an "
        "editor starts it (see editors/README.md).",
    )
    lsp.add_argument(
        "--stdio", action="store_true",
        help="use standard input and output (the default and only transport; accepted because "
        "some editors pass it)",
    )  # fmt: skip
    lsp.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        print(f"error: scrubber lsp needs the lsp extra: {INSTALL}", file=sys.stderr)
        return EXIT_USAGE
    import gc

    from scrubber.lsp.server import serve

    # The command line pauses the cyclic collector for a command's one bulk step; a server
    # runs for hours, so it collects as usual.
    gc.enable()
    serve()
    return EXIT_OK
