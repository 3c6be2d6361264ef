"""What the language needs of an action kind, and the registry of kinds it is handed.

Action kinds sit above the language (``scrubber.actions``): each owns its node, its text, its
checks and how it compiles. The parser, the checker and the formatter ask only what this module's
``ActionSyntax`` declares, through an ``ActionKinds`` registry given to them by their caller, so
that parsing or checking a rule file never loads the engine, and the language never imports the
kinds (as sqlfluff's core is handed its rules by the loader above it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from scrubber.lang import ast
from scrubber.lang.codes import ErrorCode

if TYPE_CHECKING:
    from scrubber.tables.pairs import PairTable
    from scrubber.tables.prices import PriceTable
    from scrubber.tables.units import UnitTable

__all__ = ["ActionKinds", "ActionSyntax", "CheckContext", "CodesOf"]

#: the codes a code list selects (None: every code), as the checker resolved them
CodesOf = Callable[[ast.CodeList], "frozenset[str] | None"]


class CheckContext(Protocol):
    """What the checker offers an action kind checking its arguments. Every method reports its
    own errors at the right position; the kind only asks."""

    def error(self, code: ErrorCode, message: str, span: ast.Span) -> None: ...

    def codes(self, codes: ast.CodeList | None) -> frozenset[str] | None:
        """Check a code list (unknown codesets, malformed codes); None for ``any``."""
        ...

    def code(self, item: ast.CodeItem, role: str) -> str | None:
        """A single code where one is required (``replace A with B``): a codeset or a range
        there is an error."""
        ...

    def modifier(self, modifier: str, span: ast.Span) -> None: ...

    def scope(self, word: ast.Word, allowed: Sequence[ast.Scope]) -> ast.Scope | None:
        """The scope a word names when the action takes it, else an error and None."""
        ...

    def word(self, word: ast.Word, allowed: Sequence[str], what: str) -> str | None:
        """A word from a fixed list (a method), else an error and None."""
        ...

    def unit_table(self, file: str, span: ast.Span) -> UnitTable | None: ...

    def pair_table(self, file: str, span: ast.Span) -> PairTable | None: ...

    def price_table(self, file: str, span: ast.Span) -> PriceTable | None:
        """An amount table (``code,amount[,modifier]``): a fee schedule."""
        ...

    def settable(self, path: ast.Path, value: ast.Literal) -> None:
        """Check that ``set PATH to VALUE`` names a field set may change, with a value of its
        type."""
        ...


class ActionSyntax(Protocol):
    """The part of an action kind the language uses (``scrubber.actions.base.ActionKind``
    implements it): parsing, writing back, checking."""

    @property
    def node(self) -> type[Any]:
        """The AST node class of this kind."""
        ...

    @property
    def grammar(self) -> str:
        """The grammar rule that parses it (``grammar/payer_rules.lark``)."""
        ...

    @property
    def first_word(self) -> str:
        """The word the action starts with (``limit``, ``add``), for messages."""
        ...

    @property
    def keywords(self) -> tuple[str, ...]:
        """Every keyword of its syntax, for highlighting."""
        ...

    def build(self, parts: Sequence[Any], span: ast.Span) -> ast.ActionNode: ...

    def render(self, node: Any) -> str: ...

    def visit_level(self, node: Any) -> bool: ...

    def visit_level_note(self, node: Any) -> str: ...

    def check(self, node: Any, ctx: CheckContext) -> None: ...

    def named_codes(self, node: Any, codes_of: CodesOf) -> frozenset[str] | None: ...

    def removes(self, node: Any, codes_of: CodesOf) -> frozenset[str] | None: ...

    def caps(self, node: Any, codes_of: CodesOf) -> Iterable[tuple[str, str, int]]: ...


K = TypeVar("K", bound=ActionSyntax)


class ActionKinds(Generic[K]):
    """The action kinds of a language, in the order the grammar lists them. Everything that
    differs between kinds is asked of the kind found here; nothing tests an action's type."""

    __slots__ = ("_by_grammar", "_by_node", "kinds")

    def __init__(self, kinds: Iterable[K]) -> None:
        self.kinds: tuple[K, ...] = tuple(kinds)
        self._by_grammar = {kind.grammar: kind for kind in self.kinds}
        self._by_node = {kind.node: kind for kind in self.kinds}

    def __iter__(self) -> Iterator[K]:
        return iter(self.kinds)

    def __len__(self) -> int:
        return len(self.kinds)

    def by_grammar(self, name: str) -> K | None:
        """The kind a grammar rule builds, or None for a rule that is not an action."""
        return self._by_grammar.get(name)

    def kind_of(self, node: ast.ActionNode) -> K:
        """The kind of an action node."""
        return self._by_node[type(node)]

    def render(self, node: ast.ActionNode) -> str:
        """The action as written in the canonical layout."""
        return self.kind_of(node).render(node)

    def first_words(self) -> tuple[str, ...]:
        """The words an action can start with (``limit``, ``add``, ...), in grammar order."""
        return tuple(dict.fromkeys(kind.first_word for kind in self.kinds))

    def keywords(self) -> tuple[str, ...]:
        """Every keyword of every action, for highlighting."""
        return tuple(dict.fromkeys(word for kind in self.kinds for word in kind.keywords))
