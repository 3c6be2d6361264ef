"""The expression kinds: one module per kind, listed here once, and what is built on them.

Everything that differs between kinds of condition (its node, how it is parsed, checked, written
and compiled) is asked of its kind through ``EXPRESSIONS``; nothing else tests an expression's
type. ``render_expr`` writes a condition back with parentheses only where needed;
``Condition`` is a compiled ``when``/``unless`` (or a payer's condition): a predicate for the
scrub and a tracer of the same tests for explanations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scrubber.lang import ast
from scrubber.lang.expressions import (
    all_of,
    any_of,
    compare,
    has,
    in_list,
    is_missing,
    is_present,
    matches,
    negation,
)
from scrubber.lang.expressions.base import ExprKind
from scrubber.lang.expressions.condition import (
    ConditionTrace,
    CondNode,
    Predicate,
    Reader,
    notes,
    path_reader,
    plain,
    recorded,
)

__all__ = [
    "EXPRESSIONS",
    "Condition",
    "ExprKinds",
    "compile_condition",
    "paths_of",
    "render_expr",
]


class ExprKinds:
    """The expression kinds, by grammar rule and by node class."""

    __slots__ = ("_by_grammar", "_by_node", "kinds")

    def __init__(self, kinds: Iterable[ExprKind[Any]]) -> None:
        self.kinds = tuple(kinds)
        self._by_grammar = {kind.grammar: kind for kind in self.kinds}
        self._by_node = {kind.node: kind for kind in self.kinds}

    def __iter__(self) -> Iterator[ExprKind[Any]]:
        return iter(self.kinds)

    def by_grammar(self, name: str) -> ExprKind[Any] | None:
        return self._by_grammar.get(name)

    def kind_of(self, expr: ast.Expr) -> ExprKind[Any]:
        return self._by_node[type(expr)]


#: every kind of expression
EXPRESSIONS = ExprKinds((
    compare.KIND,
    in_list.KIND,
    matches.KIND,
    is_missing.KIND,
    is_present.KIND,
    has.KIND,
    all_of.KIND,
    any_of.KIND,
    negation.KIND,
))  # fmt: skip


def render_expr(expr: ast.Expr, outer: int = 0) -> str:
    """The condition as written in the language, with parentheses only where needed."""
    kind = EXPRESSIONS.kind_of(expr)
    text = kind.render(expr, render_expr)
    level = kind.precedence
    # Chains of and/or are flat in the AST; a nested one came from parentheses and keeps them.
    nested_chain = level == outer and level in (1, 2)
    return f"({text})" if level < outer or nested_chain else text


def walk(expr: ast.Expr) -> Iterator[ast.Expr]:
    """The expression and every part of it, outermost first."""
    yield expr
    for part in EXPRESSIONS.kind_of(expr).parts(expr):
        yield from walk(part)


def paths_of(expr: ast.Expr) -> Iterator[ast.Path]:
    """Every field path the expression reads, in the order written."""
    for node in walk(expr):
        yield from EXPRESSIONS.kind_of(node).paths(node)


def _compile(expr: ast.Expr) -> CondNode:
    return EXPRESSIONS.kind_of(expr).compile(expr, render_expr(expr), _compile)


class Condition:
    """A compiled ``when``/``unless`` condition (or a payer's). ``test`` is the predicate the
    scrub calls; ``trace`` evaluates the same tests and says what it read and why."""

    __slots__ = ("_readers", "_root", "negated", "paths", "test", "text")

    def __init__(self, expr: ast.Expr, negated: bool = False) -> None:
        self._root = _compile(expr)
        written = list(dict.fromkeys(path.name for path in paths_of(expr)))
        #: every field path the condition may read
        self.paths = frozenset(written)
        self._readers = [path_reader(path) for path in written]
        self.negated = negated
        self.text = self._root.text
        test = self._root.predicate()
        self.test: Predicate = (lambda ctx: not test(ctx)) if negated else test

    def values(self, ctx: Reader) -> tuple[tuple[str, Any], ...]:
        """Every path the condition reads, with its value on ``ctx`` (an SSN masked), in the
        order written: what a held visit's reason shows so that it can be fixed."""
        return tuple((path, plain(recorded(path, read(ctx)))) for path, read in self._readers)

    def trace(self, ctx: Reader) -> ConditionTrace:
        reads: list[tuple[str, Any]] = []
        holds, reasons = self._root.explain(ctx, reads)
        if self.negated:
            why = [] if not holds else [f"its 'unless' condition holds: {self.text}{notes(reads)}"]
            return ConditionTrace(not holds, tuple(reads), tuple(why))
        return ConditionTrace(holds, tuple(reads), tuple(reasons))


def compile_condition(condition: ast.Condition | None) -> Condition | None:
    """None when the rule has no condition (it always applies)."""
    if condition is None:
        return None
    return Condition(condition.expr, condition.negated)
