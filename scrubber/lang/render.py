"""Rule-language text from AST nodes: values, code lists and conditions, as an author writes them.

Used by the formatter, by the action kinds (each renders its own action), and by the engine to
word explanations (``case.therapy_ytd_amount > 2480.00 is false``). Free of lark.
"""

from __future__ import annotations

from decimal import Decimal

from scrubber.lang import ast

__all__ = ["render_codes", "render_expr", "render_item", "render_value", "units_word"]


def render_value(value: ast.Value | ast.BadDate) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
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


_PRECEDENCE = {ast.Or: 1, ast.And: 2, ast.Not: 3}


def render_expr(expr: ast.Expr, outer: int = 0) -> str:
    """The condition as written in the language, with parentheses only where needed."""
    level = _PRECEDENCE.get(type(expr), 4)
    if isinstance(expr, ast.Or):
        text = " or ".join(render_expr(e, 1) for e in expr.items)
    elif isinstance(expr, ast.And):
        text = " and ".join(render_expr(e, 2) for e in expr.items)
    elif isinstance(expr, ast.Not):
        text = "not " + render_expr(expr.item, 3)
    elif isinstance(expr, ast.Compare):
        other = expr.value
        shown = other.name if isinstance(other, ast.Path) else render_value(other.value)
        text = f"{expr.path.name} {expr.op} {shown}"
    elif isinstance(expr, ast.InList):
        text = f"{expr.path.name} in [{', '.join(render_value(v.value) for v in expr.values)}]"
    elif isinstance(expr, ast.Matches):
        text = f"{expr.path.name} matches /{expr.pattern.replace('/', chr(92) + '/')}/"
    elif isinstance(expr, ast.Has):
        item = expr.item
        shown = item if len(item) == 2 and item.isalnum() and item.upper() == item else f'"{item}"'
        text = f"{expr.path.name} has {shown}"
    elif isinstance(expr, ast.IsMissing):
        text = f"{expr.path.name} is missing"
    else:
        text = f"{expr.path.name} is present"
    # Chains of and/or are flat in the AST; a nested one came from parentheses and keeps them.
    nested_chain = level == outer and level in (1, 2)
    return f"({text})" if level < outer or nested_chain else text
