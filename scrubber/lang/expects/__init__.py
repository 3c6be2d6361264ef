"""The expect kinds of rule tests: one module per kind, listed here once.

Everything that differs between kinds of expectation (its node, how it is parsed, checked,
written and judged against a scrub) is asked of its kind through ``EXPECTS``; nothing else tests
an expectation's type. ``render_expect`` writes one back with its ``visit N`` when it names one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scrubber.lang import ast
from scrubber.lang.expects import (
    has_modifier,
    held,
    lacks_modifier,
    not_billed,
    not_held,
    units,
    warned,
)
from scrubber.lang.expects.base import ExpectKind, Observed, ObservedLine

__all__ = [
    "EXPECTS",
    "ExpectKinds",
    "Observed",
    "ObservedLine",
    "render_expect",
    "visit_count",
]


class ExpectKinds:
    """The expect kinds, by grammar rule and by node class."""

    __slots__ = ("_by_grammar", "_by_node", "kinds")

    def __init__(self, kinds: Iterable[ExpectKind[Any]]) -> None:
        self.kinds = tuple(kinds)
        self._by_grammar = {kind.grammar: kind for kind in self.kinds}
        self._by_node = {kind.node: kind for kind in self.kinds}

    def __iter__(self) -> Iterator[ExpectKind[Any]]:
        return iter(self.kinds)

    def by_grammar(self, name: str) -> ExpectKind[Any] | None:
        return self._by_grammar.get(name)

    def kind_of(self, expect: ast.Expect) -> ExpectKind[Any]:
        return self._by_node[type(expect)]


#: every kind of rule-test expectation
EXPECTS = ExpectKinds((
    units.KIND,
    not_billed.KIND,
    has_modifier.KIND,
    lacks_modifier.KIND,
    held.KIND,
    not_held.KIND,
    warned.KIND,
))  # fmt: skip


def render_expect(expect: ast.Expect) -> str:
    """The expectation as written in the canonical layout."""
    visit = f"visit {expect.visit} " if expect.visit is not None else ""
    return f"expect {visit}{EXPECTS.kind_of(expect).render(expect)}"


def visit_count(test: ast.RuleTest) -> int:
    """How many visits the test builds: the first, one per ``next visit``, and the copies of
    every ``repeat visit``."""
    count = 1
    for step in test.steps:
        if isinstance(step, ast.NextVisit):
            count += 1
        elif isinstance(step, ast.RepeatVisit):
            count += max(step.times, 0)
    return count
