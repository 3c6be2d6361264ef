"""The tree-to-AST transformer for rule files: codes, codesets, payers, block headers, rules
and their conditions. Block headers and closing braces stay separate statements here
(``BlockOpen``, ``BlockClose``); ``assemble`` pairs them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import attrs
from lark import Token, v_args

from scrubber.lang import ast
from scrubber.lang.parse.tree import TreeBuilder, text_of

__all__ = ["BlockClose", "BlockOpen", "RulesTree"]

_CODESET_NAME = re.compile(r"[a-z][a-z0-9_-]*")


@attrs.frozen
class BlockOpen:
    payer: str
    effective: date | ast.BadDate | None
    through: date | ast.BadDate | None
    span: ast.Span
    payer_span: ast.Span
    #: a block header with a syntax error: its rules are parsed (for their own errors) but the
    #: block is left out, rather than reporting every rule in it as "outside a block"
    broken: bool = False


@attrs.frozen
class BlockClose:
    span: ast.Span


class RulesTree(TreeBuilder):
    """The statements of rule files (rule tests are ``TestsTree``'s)."""

    # -- codes --

    def _item(self, token: Token) -> ast.CodeItem:
        span = self.span(token)
        if _CODESET_NAME.fullmatch(token):
            return ast.CodesetRef(str(token), span=span)
        return ast.Code(str(token), span=span)

    @v_args(meta=True)
    def code(self, meta: Any, children: list[Token]) -> ast.CodeItem:
        return self._item(children[0])

    @v_args(meta=True)
    def code_range(self, meta: Any, children: list[Token]) -> ast.CodeRange:
        start, end = children
        return ast.CodeRange(str(start), str(end), span=self.span(meta))

    @v_args(meta=True)
    def codes(self, meta: Any, children: list[Any]) -> ast.CodeList:
        if len(children) == 1 and isinstance(children[0], Token) and children[0].type == "ANY":
            return ast.CodeList((), any=True, span=self.span(meta))
        return ast.CodeList(tuple(children), span=self.span(meta))

    # -- statements --

    @v_args(meta=True)
    def codeset(self, meta: Any, children: list[Any]) -> ast.CodesetDef:
        name, *items = children
        return ast.CodesetDef(str(name), tuple(items), span=self.span(meta))

    @v_args(meta=True)
    def payer(self, meta: Any, children: list[Any]) -> ast.PayerDef:
        name, label, expr = children
        return ast.PayerDef(str(name), text_of(label), expr, span=self.span(meta))

    @v_args(meta=True)
    def charges(self, meta: Any, children: list[Any]) -> ast.ChargeMaster:
        return ast.ChargeMaster(text_of(children[0]) or "", span=self.span(meta))

    @v_args(meta=True)
    def block_open(self, meta: Any, children: list[Any]) -> BlockOpen:
        name, effective = children
        start, through = effective if effective is not None else (None, None)
        return BlockOpen(str(name), start, through, self.span(meta), self.span(name))

    def effective(
        self, children: list[Any]
    ) -> tuple[date | ast.BadDate, date | ast.BadDate | None]:
        start, through = children
        return self._date(start), (self._date(through) if through is not None else None)

    def through(self, children: list[Any]) -> tuple[None, date | ast.BadDate]:
        return None, self._date(children[0])

    @v_args(meta=True)
    def block_close(self, meta: Any, children: list[Any]) -> BlockClose:
        return BlockClose(self.span(meta))

    @v_args(meta=True)
    def rule(self, meta: Any, children: list[Any]) -> ast.Rule:
        rule_id, description, action, condition = children
        return ast.Rule(str(rule_id), text_of(description), action, condition, span=self.span(meta))

    @v_args(meta=True)
    def when(self, meta: Any, children: list[Any]) -> ast.Condition:
        return ast.Condition(children[1], negated=False, span=self.span(meta))

    @v_args(meta=True)
    def unless(self, meta: Any, children: list[Any]) -> ast.Condition:
        return ast.Condition(children[1], negated=True, span=self.span(meta))

    def bypass(self, children: list[Token]) -> tuple[str, ...]:
        return tuple(str(t) for t in children[1:])
