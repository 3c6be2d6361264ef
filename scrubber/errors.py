"""The one error root.

Every error scrubber raises on purpose derives from ``ScrubberError``, so a caller (and the CLI)
can tell a user's mistake, which deserves a plain message and exit code 2, from a bug, which
deserves a traceback.
"""

from __future__ import annotations

__all__ = ["ExportReadError", "ScrubberError", "UsageError"]


class ScrubberError(Exception):
    """Base class of every error scrubber raises for a user's mistake."""


class UsageError(ScrubberError):
    """The command line or an API call was used wrongly (a bad option, a missing file)."""


class ExportReadError(ScrubberError):
    """The export as a whole cannot be read: not JSON, truncated, not the documented shape.

    Individual bad records never raise this; they are collected as ``Rejected``.
    """

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
