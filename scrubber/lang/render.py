"""Rule-language text from AST nodes: values, code lists and conditions, as an author writes them.

Used by the formatter, by the action and expression kinds (each renders its own node; a whole
condition is written by ``scrubber.lang.expressions.render_expr``), and by explanations. Free of
lark.
"""

from __future__ import annotations

from decimal import Decimal

from scrubber.lang import ast

__all__ = ["render_codes", "render_item", "render_value", "units_word"]


def render_value(value: ast.Value | ast.BadDate) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        # as written: str() gives "0E-7" for 0.0000000, which the language cannot read back
        return format(value, "f")
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, ast.BadDate):
        return value.text
    return value.isoformat()


def render_item(item: ast.CodeItem) -> str:
    if isinstance(item, ast.Code):
        return item.value
    if isinstance(item, ast.CodeRange):
        return f"{item.start}..{item.end}"
    return item.name


def render_codes(codes: ast.CodeList) -> str:
    if codes.any:
        return "any"
    return " ".join(render_item(i) for i in codes.items)


def units_word(cap: int) -> str:
    return "unit" if cap == 1 else "units"
