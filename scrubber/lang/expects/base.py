"""What an expect kind is: everything the language and the test runner need of one kind of
rule-test expectation (``expect 97110 units 2``, ``expect held "..."``, ...).

A kind owns its AST node, how the parser's parts become that node, what the checker verifies of
it, how it is written back as text, and how it judges what a scrub produced (``Observed``). The
parser, the checker, the formatter and the test runner ask the registry
(``scrubber.lang.expects``); none of them tests for expectation types. Adding an expectation is its
grammar rule, its module here and its line in the registry.

What a scrub produced is handed in as plain ``Observed`` records, built by the runner above the
engine, so that the language never imports the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs

from scrubber.lang import ast

__all__ = ["ExpectCheck", "ExpectKind", "Observed", "ObservedLine", "item_of", "visit_field"]

N = TypeVar("N", bound=ast.Expect)


def visit_field() -> Any:
    """The visit an expectation names (1 for the first), None for all the test's visits.
    Set by the parser around the kind's node, so a kind never parses it."""
    return attrs.field(default=None, kw_only=True)


@attrs.frozen
class ObservedLine:
    """One charge line the scrub billed or held."""

    cpt: str
    units: int
    modifiers: tuple[str, ...]


@attrs.frozen
class Observed:
    """What the scrub did to the visits an expectation looks at."""

    #: every line billed or held
    lines: tuple[ObservedLine, ...]
    #: the messages of every hold reason
    reasons: tuple[str, ...]
    #: the messages of every warning
    warnings: tuple[str, ...] = ()

    def of_code(self, code: str | None) -> list[ObservedLine]:
        return [line for line in self.lines if line.cpt == code]


class ExpectCheck(Protocol):
    """What the checker offers an expect kind. Every method reports its own errors."""

    def code_item(self, item: ast.CodeItem) -> list[str]: ...

    def modifier(self, modifier: str, span: ast.Span) -> None: ...


class ExpectKind(Generic[N]):
    """One kind of expectation. Subclasses set the class attributes and override what differs."""

    #: the AST node class of this kind
    node: ClassVar[type[Any]]
    #: the grammar rule that parses it, after ``expect [visit N]`` (``grammar/payer_rules.lark``)
    grammar: ClassVar[str]

    def build(self, parts: Sequence[Any], span: ast.Span) -> N:
        """The node from the grammar rule's children (tokens made ``Word``s)."""
        raise NotImplementedError

    def check(self, node: N, ctx: ExpectCheck) -> None:
        """Report every problem of the expectation through ``ctx``."""

    def render(self, node: N) -> str:
        """What follows ``expect [visit N]`` in the canonical layout."""
        raise NotImplementedError

    def evaluate(self, node: N, observed: Observed) -> str | None:
        """None when the scrub did what is expected, else what it did instead, in words."""
        raise NotImplementedError


def item_of(part: Any) -> str:
    """The text of a grammar part (a ``Word``)."""
    return str(part.text)
