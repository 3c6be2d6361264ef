"""The tree-to-AST transformer for rule tests: the test header, its steps (``with``,
``without``, ``charge``, ``next visit``, ``repeat visit``) and the ``expect [visit N]`` around
an expectation, whose node its kind builds (``scrubber.lang.expects``)."""

from __future__ import annotations

from typing import Any

import attrs
from lark import Token, v_args

from scrubber.lang import ast
from scrubber.lang.parse.rules_tree import RulesTree
from scrubber.lang.parse.tree import text_of

__all__ = ["ToAst"]


class ToAst(RulesTree):
    """The whole transformer: rule files' statements and rule tests."""

    @v_args(meta=True)
    def test(self, meta: Any, children: list[Any]) -> ast.RuleTest:
        name, payer, on, *items = children
        steps = tuple(i for i in items if not isinstance(i, ast.Expect))
        expects = tuple(i for i in items if isinstance(i, ast.Expect))
        day = self._date(on) if on is not None else None
        return ast.RuleTest(text_of(name) or "", str(payer) if payer else None, day, steps,
                            expects, span=self.span(meta))  # fmt: skip

    @v_args(meta=True)
    def given(self, meta: Any, children: list[Any]) -> ast.Given:
        return ast.Given(self._path(children[0]), children[1], span=self.span(meta))

    @v_args(meta=True)
    def given_missing(self, meta: Any, children: list[Any]) -> ast.Given:
        return ast.Given(self._path(children[0]), None, span=self.span(meta))

    @v_args(meta=True)
    def next_visit(self, meta: Any, children: list[Any]) -> ast.NextVisit:
        return ast.NextVisit(self._date(children[0]) if children[0] else None, span=self.span(meta))

    @v_args(meta=True)
    def repeat_visit(self, meta: Any, children: list[Any]) -> ast.RepeatVisit:
        times, every = children
        return ast.RepeatVisit(
            int(times), int(every) if every is not None else None, span=self.span(meta)
        )

    @v_args(meta=True)
    def charge(self, meta: Any, children: list[Any]) -> ast.TestCharge:
        code, units, minutes, *modifiers = children
        return ast.TestCharge(
            str(code), int(units), int(minutes) if minutes is not None else None,
            tuple(str(m) for m in modifiers if m is not None), span=self.span(meta),
        )  # fmt: skip

    def visit_ref(self, children: list[Token]) -> int:
        return int(children[0])

    @v_args(meta=True)
    def expect(self, meta: Any, children: list[Any]) -> ast.Expect:
        visit, node = children
        # The kind built its node from its own words; the whole line, "expect" and the visit
        # included, is where the expectation stands.
        built: ast.Expect = attrs.evolve(node, visit=visit, span=self.span(meta))
        return built
