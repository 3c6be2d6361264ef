"""The warnings stage: rules that work, but probably not as their author meant.

``A = true and B < start or B > end`` reads as a hold of A's visits outside a range, and holds
every visit after the end whatever A is (``and`` binds first); ``charge.units > 4 and
charge.units < 2`` never holds; a codeset or payer nothing names is a leftover or a typo. Each
is reported with its code (``W...``, severity warning): ``check`` shows them and still passes,
``--strict`` refuses them, the language server underlines them as warnings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs

from scrubber.lang import ast, codes
from scrubber.lang.check.checker import Checker
from scrubber.lang.check.reach import unreachable
from scrubber.lang.expressions import EXPRESSIONS, compare
from scrubber.lang.expressions.base import literal_words

__all__ = ["warnings"]

_OR, _AND = 1, 2


def warnings(checker: Checker) -> None:
    """Every warning of every condition, and the payers and codesets nothing uses."""
    for expr in _conditions(checker):
        _walk(checker, expr)
    _unused(checker)
    unreachable(checker)


def _conditions(checker: Checker) -> Iterator[ast.Expr]:
    for source in checker.sources:
        rule_file = source.parsed.file
        for payer in rule_file.payers:
            yield payer.condition
        for block in rule_file.blocks:
            for rule in block.rules:
                if rule.condition is not None:
                    yield rule.condition.expr


def _walk(checker: Checker, expr: ast.Expr) -> None:
    kind = EXPRESSIONS.kind_of(expr)
    items = kind.parts(expr)
    if kind.precedence == _OR:
        _mixed(checker, expr, items)
        if _covers_everything(items):
            checker.warn(codes.ALWAYS_HOLDS, "this condition always holds: "
                         f"{_path_of(items)} is always one or the other", expr.span)  # fmt: skip
    elif kind.precedence == _AND:
        why = _contradiction(items)
        if why:
            checker.warn(codes.NEVER_HOLDS, f"this condition can never hold: {why}", expr.span)
    for item in items:
        _walk(checker, item)


# ---- and mixed with or -------------------------------------------------------------------------


def _mixed(checker: Checker, expr: ast.Expr, items: Sequence[ast.Expr]) -> None:
    lines = checker.lines.get(expr.span.file, ())
    for index, item in enumerate(items):
        if EXPRESSIONS.kind_of(item).precedence != _AND:
            continue
        # Parentheses are not in the AST: an "and" written in them has a bracket between it
        # and its neighbour in the "or".
        if index + 1 < len(items):
            between = _text(lines, item.span.end_line, item.span.end_column,
                            items[index + 1].span.line, items[index + 1].span.column)  # fmt: skip
            if ")" in between:
                continue
        else:
            before = items[index - 1].span
            between = _text(lines, before.end_line, before.end_column, item.span.line,
                            item.span.column)  # fmt: skip
            if "(" in between:
                continue
        checker.warn(
            codes.MIXED_AND_OR,
            "'and' is mixed with 'or' without parentheses: 'and' binds first, so this reads "
            f"({_source(lines, item.span)}) or ...; write the parentheses you mean",
            item.span,
        )


def _text(lines: Sequence[str], line: int, column: int, end_line: int, end_column: int) -> str:
    """The source text from (line, column) to (end_line, end_column), 1-based, end exclusive."""
    if not (0 < line <= end_line <= len(lines)):
        return ""
    if line == end_line:
        return lines[line - 1][column - 1 : end_column - 1]
    middle = lines[line : end_line - 1]
    return "\n".join(
        [lines[line - 1][column - 1 :], *middle, lines[end_line - 1][: end_column - 1]]
    )


def _source(lines: Sequence[str], span: ast.Span) -> str:
    text = " ".join(_text(lines, span.line, span.column, span.end_line, span.end_column).split())
    return text if len(text) <= 60 else text[:57] + "..."


# ---- conditions that never or always hold ------------------------------------------------------


@attrs.frozen
class _Bound:
    path: str
    op: str
    value: Any


def _bounds(items: Sequence[ast.Expr]) -> list[_Bound]:
    found = []
    for item in items:
        if EXPRESSIONS.kind_of(item) is not compare.KIND:
            continue
        value = getattr(item, "value", None)
        if isinstance(value, ast.Literal) and not isinstance(value.value, ast.BadDate):
            found.append(_Bound(item.path.name, item.op, value.value))  # type: ignore[attr-defined]
    return found


def _contradiction(items: Sequence[ast.Expr]) -> str | None:
    by_path: dict[str, list[_Bound]] = {}
    for bound in _bounds(items):
        by_path.setdefault(bound.path, []).append(bound)
    for path, bounds in by_path.items():
        equal = {repr(b.value): b.value for b in bounds if b.op == "="}
        if len(equal) > 1:
            shown = " and ".join(literal_words(ast.Literal(v)) for v in equal.values())
            return f"{path} cannot be {shown} at once"
        ordered = [b for b in bounds if b.op in ("<", "<=", ">", ">=", "=")]
        ordered = [b for b in ordered if not isinstance(b.value, bool | str)]
        for low in ordered:
            for high in ordered:
                lower = low.op in (">", ">=", "=") and high.op in ("<", "<=", "=")
                if lower and _empty(low, high):
                    return (
                        f"{path} {low.op} {literal_words(ast.Literal(low.value))} and "
                        f"{path} {high.op} {literal_words(ast.Literal(high.value))} "
                        "exclude each other"
                    )
    return None


def _empty(low: _Bound, high: _Bound) -> bool:
    try:
        if low.value > high.value:
            return True
        if low.value == high.value:
            return not (low.op in (">=", "=") and high.op in ("<=", "="))
    except TypeError:  # a date against a number: the checker reports the wrong type
        return False
    return False


def _covers_everything(items: Sequence[ast.Expr]) -> bool:
    bounds = [b for b in _bounds(items) if isinstance(b.value, Decimal)]
    for above in bounds:
        for below in bounds:
            if above.path != below.path or above.op not in (">", ">=") or below.op not in (
                "<", "<="
            ):  # fmt: skip
                continue
            if below.value > above.value:
                return True
            if below.value == above.value and (above.op == ">=" or below.op == "<="):
                return True
    return False


def _path_of(items: Sequence[ast.Expr]) -> str:
    bounds = _bounds(items)
    return bounds[0].path if bounds else "the value"


# ---- unused definitions ------------------------------------------------------------------------


def _unused(checker: Checker) -> None:
    named: set[str] = set()
    payers: set[str] = set()
    for source in checker.sources:
        rule_file = source.parsed.file
        named.update(ref.name for ref in _codeset_refs((rule_file.codesets, rule_file.blocks)))
        payers.update(block.payer for block in rule_file.blocks)
        payers.update(test.payer for test in rule_file.tests if test.payer)
    for source in checker.sources:
        for codeset in source.parsed.file.codesets:
            if codeset.name not in named:
                checker.warn(codes.UNUSED, f'codeset "{codeset.name}" is never used: name it '
                             "in a rule, or delete it", codeset.span)  # fmt: skip
        for payer in source.parsed.file.payers:
            if payer.name not in payers:
                checker.warn(codes.UNUSED, f'payer "{payer.name}" has no rules block '
                             f"(rules {payer.name} {{ ... }}) and no test", payer.span)  # fmt: skip


def _codeset_refs(node: Any) -> Iterator[ast.CodesetRef]:
    """Every codeset named anywhere in a node (actions are the kinds' own nodes: walk them all)."""
    if isinstance(node, ast.CodesetRef):
        yield node
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _codeset_refs(item)
    elif attrs.has(type(node)):
        for field in attrs.fields(type(node)):
            if field.name != "span":
                yield from _codeset_refs(getattr(node, field.name))
