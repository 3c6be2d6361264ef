"""What a rules folder names, and what stands at a place in a file.

Codesets and payers are shared by every file of a folder; rule ids are per file. Each is found
in the parse of its file (the current one, or the last good one while its definition is being
typed), with the place of its name taken from the file's words: the word that declares it.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Any

import attrs

from scrubber.lang import ast
from scrubber.lsp import syntax
from scrubber.lsp.folder import Analysis, FileView

__all__ = ["Defined", "Names", "expand_range", "word_at", "words_of"]

#: the most codes a range expands to here (a range is checked by the checker)
_MAX_RANGE = 100_000


def words_of(view: FileView) -> list[syntax.Word]:
    """The words of a file (a byte order mark counts as a space)."""
    text = view.text
    if text.startswith("\ufeff"):
        text = " " + text[1:]
    return syntax.words(text)


def word_at(view: FileView, offset: int) -> syntax.Word | None:
    """The word under ``offset`` (a cursor just after a word is on it)."""
    found = words_of(view)
    at = bisect.bisect_right([w.start for w in found], offset) - 1
    if at >= 0 and found[at].start <= offset <= found[at].end:
        return found[at]
    return None


@attrs.frozen
class Defined:
    """A name's definition: its node and where its name is written."""

    name: str
    view: FileView
    #: ``CodesetDef``, ``PayerDef`` or ``Rule``
    node: Any
    start: int
    end: int
    #: the block a rule stands in
    block: ast.Block | None = None

    @property
    def path(self) -> Path:
        return self.view.path

    @property
    def line(self) -> int:
        span: ast.Span = self.node.span
        return span.line


class Names:
    """The codesets, payers and rules of an analysis."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.codesets: dict[str, Defined] = {}
        self.payers: dict[str, Defined] = {}
        self.rules: dict[tuple[Path, str], Defined] = {}
        self._expanded: dict[str, tuple[str, ...]] = {}
        for view in analysis.views():
            declared = [w for w in words_of(view) if w.declaration]
            rule_file = view.rule_file
            for codeset in rule_file.codesets:
                self._add(self.codesets, codeset.name, view, codeset, declared)
            for payer in rule_file.payers:
                self._add(self.payers, payer.name, view, payer, declared)
            for block in rule_file.blocks:
                for rule in block.rules:
                    key = (view.path, rule.id)
                    if key not in self.rules:
                        start, end = _name_place(view, rule, declared)
                        self.rules[key] = Defined(rule.id, view, rule, start, end, block)

    @staticmethod
    def _add(
        into: dict[str, Defined], name: str, view: FileView, node: Any, declared: list[syntax.Word]
    ) -> None:
        if name not in into:
            start, end = _name_place(view, node, declared)
            into[name] = Defined(name, view, node, start, end)

    def codes_of(self, name: str) -> tuple[str, ...]:
        """The codes a codeset holds, sorted (nested codesets and ranges expanded)."""
        known = self._expanded.get(name)
        if known is None:
            known = self._expanded[name] = tuple(sorted(self._expand(name, set())))
        return known

    def _expand(self, name: str, seen: set[str]) -> set[str]:
        defined = self.codesets.get(name)
        if defined is None or name in seen:
            return set()
        seen.add(name)
        codes: set[str] = set()
        for item in defined.node.items:
            if isinstance(item, ast.Code):
                codes.add(item.value)
            elif isinstance(item, ast.CodeRange):
                codes.update(expand_range(item.start, item.end))
            elif isinstance(item, ast.CodesetRef):
                codes |= self._expand(item.name, seen)
        return codes

    def codesets_holding(self, code: str) -> list[str]:
        return sorted(name for name in self.codesets if code in self.codes_of(name))


def _name_place(view: FileView, node: Any, declared: list[syntax.Word]) -> tuple[int, int]:
    """Where a definition's name is written: the first declaring word in its statement."""
    begin, end = view.span_offsets(node.span)
    at = bisect.bisect_left(declared, begin, key=lambda word: word.start)
    if at < len(declared) and declared[at].start < max(end, begin + 1):
        return declared[at].start, declared[at].end
    return begin, begin


def expand_range(start: str, end: str) -> list[str]:
    """The codes of ``A..B``: the same letters in front, the digits counted (``G0281..G0283``);
    nothing for a range the checker refuses."""
    prefix = start[: len(start) - len(start.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
    low, high = start[len(prefix) :], end[len(prefix) :]
    if (
        len(start) != 5
        or len(end) != 5
        or not end.startswith(prefix)
        or not low.isdigit()
        or not high.isdigit()
        or int(high) - int(low) >= _MAX_RANGE
    ):
        return []
    return [f"{prefix}{n:0{len(low)}d}" for n in range(int(low), int(high) + 1)]
