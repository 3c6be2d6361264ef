"""The one error root.

Every error scrubber raises on purpose derives from ``ScrubberError``, so a caller (and the CLI)
can tell a user's mistake, which deserves a plain message and exit code 2, from a bug, which
deserves a traceback.
"""

from __future__ import annotations

import attrs

__all__ = ["ExportReadError", "RuleError", "RuleSetError", "ScrubberError", "UsageError"]

#: How many rule errors a message shows before "... and N more".
SHOWN_ERRORS = 20


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


@attrs.define(auto_exc=True, eq=True, order=False)
class RuleError(ScrubberError):
    """One problem in a rule file, at ``file:line:column``, with a stable code (``E012``).

    ``source_line`` is the text of the line, so ``get_context()`` can draw a caret under the
    span without rereading the file. ``notes`` add context (where a table was loaded from).
    """

    code: str
    message: str
    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0
    source_line: str = ""
    notes: tuple[str, ...] = ()
    #: "warning" for a problem ``check`` reports without refusing the rules
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.code} {self.message}"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.code)

    def get_context(self) -> str:
        """The source line and a caret under the span (to the end of the line if it spans more)."""
        if not self.source_line:
            return ""
        text = self.source_line.rstrip("\r\n")
        start = max(self.column - 1, 0)
        if self.end_line == self.line and self.end_column > self.column:
            end = self.end_column - 1
        elif self.end_line > self.line:
            end = len(text)
        else:
            end = start + 1
        end = max(min(end, len(text)), start + 1)
        # Keep tabs in the margin so the caret lines up however the terminal shows them.
        margin = "".join(ch if ch == "\t" else " " for ch in text[:start])
        return f"    {text}\n    {margin}{'^' * (end - start)}"

    def format(self) -> str:
        parts = [str(self)]
        context = self.get_context()
        if context:
            parts.append(context)
        parts.extend(f"    note: {note}" for note in self.notes)
        return "\n".join(parts)


class RuleSetError(ScrubberError):
    """A rule set with problems: nothing is scrubbed. ``errors`` holds every one, sorted."""

    def __init__(self, errors: list[RuleError] | tuple[RuleError, ...]) -> None:
        self.errors: tuple[RuleError, ...] = tuple(sorted(errors, key=lambda e: e.sort_key))
        super().__init__(self.summary())

    def summary(self, shown: int = SHOWN_ERRORS) -> str:
        lines = [str(error) for error in self.errors[:shown]]
        if len(self.errors) > shown:
            lines.append(f"... and {len(self.errors) - shown} more")
        count = len(self.errors)
        head = f"{count} problem{'s' if count != 1 else ''} in the rules"
        return head + ":\n" + "\n".join(lines)
