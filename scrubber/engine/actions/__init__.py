"""The registry of action kinds: one module per kind, listed here once.

Everything that differs between kinds (the node, its text, its checks, the codes it selects,
how it compiles and explains itself) is asked of its kind through this registry; nothing else in
scrubber tests an action's type. A kind's module holds all of it (see ``base.ActionKind``).
"""

from __future__ import annotations

from typing import Any

from scrubber.engine.actions import (
    add_modifier,
    deny,
    deny_pair,
    deny_table,
    drop,
    hold,
    limit,
    limit_minutes,
    limit_table,
    limit_total,
    remove_modifier,
    replace,
    set_field,
)
from scrubber.engine.actions.base import ActionKind
from scrubber.lang import ast

__all__ = ["BY_GRAMMAR", "KINDS", "first_words", "kind_of", "render"]

#: every kind, in the order the grammar lists them
KINDS: tuple[ActionKind[Any], ...] = (
    limit.KIND,
    limit_total.KIND,
    limit_minutes.KIND,
    limit_table.KIND,
    add_modifier.KIND,
    remove_modifier.KIND,
    replace.KIND,
    drop.KIND,
    deny.KIND,
    deny_pair.KIND,
    deny_table.KIND,
    hold.KIND,
    set_field.KIND,
)

BY_GRAMMAR: dict[str, ActionKind[Any]] = {kind.grammar: kind for kind in KINDS}
_BY_NODE: dict[type, ActionKind[Any]] = {kind.node: kind for kind in KINDS}


def kind_of(node: ast.ActionNode) -> ActionKind[Any]:
    """The kind of an action node."""
    return _BY_NODE[type(node)]


def render(node: ast.ActionNode) -> str:
    """The action as written in the canonical layout."""
    return kind_of(node).render(node)


def first_words() -> tuple[str, ...]:
    """The words an action can start with (``limit``, ``add``, ...), in grammar order."""
    return tuple(dict.fromkeys(kind.first_word for kind in KINDS))
