"""What an expression kind is: everything the language and the engine need of one kind of
condition (``PATH = VALUE``, ``PATH matches /RE/``, ``and``, ...).

A kind owns its AST node, how the parser's parts become that node, what the checker verifies of
it, how it is written back as text, and how it compiles into the condition tree that both tests
and traces (``condition``). The parser, the checker, the formatter and the compiler ask the
registry (``scrubber.lang.expressions``); none of them tests for expression types. Adding an
operator is its grammar rule, its module here and its line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from scrubber.lang import ast
from scrubber.lang.codes import ErrorCode
from scrubber.lang.expressions.condition import CondNode
from scrubber.model.fields import Field, Kind

__all__ = [
    "Compile",
    "ExprCheck",
    "ExprKind",
    "Render",
    "kind_words",
    "literal_words",
    "path_of",
    "sort_of",
    "value_kind",
]

N = TypeVar("N", bound=ast.Expr)

#: renders a sub-expression at the precedence of the place it stands in
Render = Callable[[ast.Expr, int], str]
#: compiles a sub-expression
Compile = Callable[[ast.Expr], CondNode]


class ExprCheck(Protocol):
    """What the checker offers an expression kind. Every method reports its own errors."""

    def error(self, code: ErrorCode, message: str, span: ast.Span) -> None: ...

    def field(self, path: ast.Path) -> Field | None:
        """The field a path names, where the expression stands (unknown paths and paths that
        cannot be read there are reported); None when it is wrong."""
        ...

    def value(self, field: Field, value: ast.Literal) -> None:
        """A value of the field's type (and a choice of the field's, for choices)."""
        ...

    def sub(self, expr: ast.Expr) -> None:
        """Check a part of a composite expression."""
        ...

    def source_line(self, span: ast.Span) -> str:
        """The text of the line a span starts on."""
        ...


class ExprKind(Generic[N]):
    """One kind of expression. Subclasses set the class attributes and override what differs."""

    #: the AST node class of this kind
    node: ClassVar[type[Any]]
    #: the grammar rule that parses it (``grammar/payer_rules.lark``)
    grammar: ClassVar[str]
    #: how tightly it binds when written: or 1, and 2, not 3, a comparison 4
    precedence: ClassVar[int] = 4

    def build(self, parts: Sequence[Any], span: ast.Span) -> N:
        """The node from the grammar rule's children (tokens made ``Word``s)."""
        raise NotImplementedError

    def parts(self, node: N) -> tuple[ast.Expr, ...]:
        """The expressions it is made of (``and``, ``or``, ``not``); none for a comparison."""
        return ()

    def paths(self, node: N) -> Iterator[ast.Path]:
        """The field paths it reads itself (not those of its parts), in the order written."""
        path = getattr(node, "path", None)
        if isinstance(path, ast.Path):
            yield path

    def check(self, node: N, ctx: ExprCheck) -> None:
        """Report every problem of the expression through ``ctx``."""

    def render(self, node: N, sub: Render) -> str:
        """The expression as written in the canonical layout (parentheses are the registry's)."""
        raise NotImplementedError

    def compile(self, node: N, text: str, sub: Compile) -> CondNode:
        """The condition node that tests it; ``text`` is the expression as written."""
        raise NotImplementedError


def path_of(part: Any) -> ast.Path:
    """A path from a grammar part (a ``Word`` made of a PATH token)."""
    return ast.Path(part.text, span=part.span)


def sort_of(field: Field) -> Kind:
    """What a field compares as: a choice compares as text."""
    return Kind.TEXT if field.kind is Kind.ENUM else field.kind


def kind_words(field: Field) -> str:
    """What a field holds, in words."""
    return {
        Kind.TEXT: "text", Kind.NUMBER: "a number", Kind.DATE: "a date", Kind.BOOL: "true or false",
        Kind.ENUM: "one of " + ", ".join(f'"{c}"' for c in field.choices), Kind.LIST: "a list",
    }[field.kind]  # fmt: skip


def value_kind(value: ast.Literal) -> str:
    actual = value.value
    if isinstance(actual, bool):
        return "true/false"
    if isinstance(actual, Decimal):
        return "a number"
    if isinstance(actual, date):
        return "a date"
    return "text"


def literal_words(value: ast.Literal) -> str:
    actual = value.value
    if isinstance(actual, bool):
        return "true" if actual else "false"
    if isinstance(actual, str):
        return f'"{actual}"'
    return str(actual)
