"""The action kinds: one module per kind, listed here once, and the rule language they make.

Everything that differs between kinds (the node, its text, its checks, the codes it selects,
how it compiles and explains itself) is asked of its kind through the registry ``KINDS``;
nothing else in scrubber tests an action's type. A kind's module holds all of it (see
``base.ActionKind``). The language (``scrubber.lang``) is handed this registry: ``LANGUAGE`` is
the rule language with these kinds, what the command line, the language server and the loader
parse, check and format with. Importing this package loads no engine module.
"""

from __future__ import annotations

from typing import Any

from scrubber.actions import (
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
    price_share,
    price_table,
    remove_modifier,
    replace,
    set_field,
    warn,
)
from scrubber.actions.base import ActionKind
from scrubber.lang.kinds import ActionKinds
from scrubber.lang.language import Language

__all__ = ["KINDS", "LANGUAGE"]

#: every kind, in the order the grammar lists them
KINDS: ActionKinds[ActionKind[Any]] = ActionKinds((
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
    warn.KIND,
    set_field.KIND,
    price_table.KIND,
    price_share.KIND,
))  # fmt: skip

#: the rule language with these action kinds
LANGUAGE = Language(KINDS)
