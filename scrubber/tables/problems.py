"""What goes wrong in a table, where: the part, the line and column, and the line itself.

Every reader collects problems rather than stopping at the first (a specialist fixes a quarter's
file in one pass), up to ``MAX_PROBLEMS`` and then a count; the checker reports each as an E041
at ``table:part:line:column`` with the line and a caret.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

__all__ = ["MAX_PROBLEMS", "Problems", "TableError", "TableProblem"]

MAX_PROBLEMS = 10


@attrs.frozen
class TableProblem:
    line: int
    column: int
    message: str
    #: the part it is in, after the table's path (``part2.txt``, ``Sheet1``); empty for a file
    part: str = ""
    #: the text of the line, for the caret (empty when not known)
    text: str = ""

    @property
    def place(self) -> str:
        return f"{self.part}:{self.line}" if self.part else f"line {self.line}"


class TableError(Exception):
    """A table that cannot be used; ``problems`` hold where and why (at most ten)."""

    def __init__(self, problems: list[TableProblem], more: int = 0) -> None:
        self.problems = tuple(problems)
        self.more = more
        super().__init__("; ".join(f"{p.place}: {p.message}" for p in problems))


class Problems:
    """The problems of one table, part by part: ``within`` says which part is being read and how
    to get the text of one of its lines."""

    def __init__(self) -> None:
        self.items: list[TableProblem] = []
        self.more = 0
        self._part = ""
        self._line_text: Callable[[int], str] = lambda line: ""

    def within(self, part: str, line_text: Callable[[int], str]) -> None:
        self._part, self._line_text = part, line_text

    def add(self, line: int, column: int, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            text = self._line_text(line)
            self.items.append(TableProblem(line, column, message, self._part, text))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.items:
            raise TableError(self.items, self.more)
