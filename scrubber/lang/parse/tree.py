"""What every part of the tree-to-AST transformer shares: positions, plain values, and the
dispatch of a grammar rule to the kind that owns it (an action, an expression, an expectation).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lark import Token, Transformer, v_args

from scrubber.lang import ast
from scrubber.lang.expects import EXPECTS
from scrubber.lang.expressions import EXPRESSIONS
from scrubber.lang.kinds import ActionKinds

__all__ = ["TreeBuilder", "text_of"]


def text_of(token: Token | None) -> str | None:
    """A STRING token's text without its quotes."""
    return None if token is None else str(token)[1:-1]


class TreeBuilder(Transformer[Token, Any]):
    """Builds AST nodes from one parse; positions are shifted by ``line_offset`` lines."""

    def __init__(
        self, file: str, lines: list[str], line_offset: int, kinds: ActionKinds[Any]
    ) -> None:
        super().__init__()
        self.kinds = kinds
        self.file = file
        self.lines = lines
        self.offset = line_offset

    # -- positions --

    def span(self, meta: Any) -> ast.Span:
        return ast.Span(
            self.file, meta.line + self.offset, meta.column,
            meta.end_line + self.offset, meta.end_column,
        )  # fmt: skip

    # -- kinds --

    def __default__(self, data: Any, children: list[Any], meta: Any) -> Any:
        # Actions, expressions and expectations are built by their kinds, from the grammar
        # rule's parts.
        name = str(data)
        kind: Any = (
            self.kinds.by_grammar(name) or EXPRESSIONS.by_grammar(name) or EXPECTS.by_grammar(name)
        )
        if kind is None:  # pragma: no cover - every grammar rule is handled
            return super().__default__(data, children, meta)  # type: ignore[no-untyped-call]
        parts = [self._word(child) if isinstance(child, Token) else child for child in children]
        return kind.build(parts, self.span(meta))

    def _word(self, token: Token) -> ast.Word:
        text = str(token)
        if token.type == "STRING":
            text = text[1:-1]
        return ast.Word(text, span=self.span(token))

    # -- values --

    def _date(self, token: Token) -> date | ast.BadDate:
        try:
            return date.fromisoformat(str(token))
        except ValueError:
            return ast.BadDate(str(token), span=self.span(token))

    def _path(self, token: Token) -> ast.Path:
        return ast.Path(str(token), span=self.span(token))

    def string(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(text_of(children[0]) or "", span=self.span(children[0]))

    def number(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(Decimal(str(children[0])), span=self.span(children[0]))

    def date(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(self._date(children[0]), span=self.span(children[0]))

    @v_args(meta=True)
    def true(self, meta: Any, children: list[Any]) -> ast.Literal:
        return ast.Literal(True, span=self.span(meta))

    @v_args(meta=True)
    def false(self, meta: Any, children: list[Any]) -> ast.Literal:
        return ast.Literal(False, span=self.span(meta))
