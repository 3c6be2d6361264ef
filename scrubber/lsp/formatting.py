"""Formatting: exactly what ``scrubber fmt`` writes, as one edit of the whole document.

``scrubber fmt`` reads a file with Python's universal newlines (``\\r\\n`` and ``\\r`` become
``\\n``) and writes the canonical layout; the buffer is read the same way, so an editor and the
command line never disagree about a file."""

from __future__ import annotations

from scrubber.actions import LANGUAGE
from scrubber.errors import RuleSetError
from scrubber.lsp.folder import FileView

__all__ = ["formatted"]


def formatted(view: FileView) -> str | None:
    """The file in the canonical layout; None when it does not parse (its diagnostics say
    why)."""
    text = view.text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return LANGUAGE.format(text, view.shown)
    except RuleSetError:
        return None
