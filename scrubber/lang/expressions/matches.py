"""``PATH matches /RE/``: text that the whole pattern matches (RE2: linear time; look-around and
back-references refused by the checker)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.lang import ast, codes
from scrubber.lang.expressions.base import Compile, ExprCheck, ExprKind, Render, kind_words, path_of
from scrubber.lang.expressions.condition import CondNode, Leaf
from scrubber.lang.patterns import compile_pattern, pattern_problem
from scrubber.model.fields import Kind

__all__ = ["KIND", "Matches"]


@attrs.frozen
class Matches(ast.Expr):
    path: ast.Path
    pattern: str
    span: ast.Span = ast.span_field()


class MatchesKind(ExprKind[Matches]):
    node = Matches
    grammar = "matches"

    def build(self, parts: Sequence[Any], span: ast.Span) -> Matches:
        path, regex = parts
        return Matches(path_of(path), regex.text[1:-1].replace("\\/", "/"), span=span)

    def check(self, node: Matches, ctx: ExprCheck) -> None:
        field = ctx.field(node.path)
        if field is None:
            return
        if field.kind not in (Kind.TEXT, Kind.ENUM):
            ctx.error(
                codes.WRONG_OPERATOR, f"{field.path} is {kind_words(field)}: only text can "
                "be matched against a pattern", node.span,
            )  # fmt: skip
            return
        found = pattern_problem(node.pattern)
        if found is None:
            return
        line_text = ctx.source_line(node.span)
        slash = line_text.find("/", node.path.span.end_column - 1)
        start = slash + 1 if slash >= 0 else node.span.column + len(node.path.name)
        span = ast.Span(
            node.span.file, node.span.line, start, node.span.end_line, node.span.end_column
        )  # the pattern between its slashes
        code, message = found
        ctx.error(code, message, span)

    def render(self, node: Matches, sub: Render) -> str:
        return f"{node.path.name} matches /{node.pattern.replace('/', chr(92) + '/')}/"

    def compile(self, node: Matches, text: str, sub: Compile) -> CondNode:
        pattern = compile_pattern(node.pattern)
        return Leaf(
            text, node.path.name, lambda v: v is not None and pattern.fullmatch(str(v)) is not None
        )


KIND = MatchesKind()
