"""What an action kind is: everything the language and the engine need of one kind of action.

A kind owns its AST node, how the parser's parts become that node, how it is written back as
text, what the checker verifies of its arguments, which codes it selects, whether it works on the
whole visit, how it compiles into the function the engine runs, how explanations word a run that
changed nothing, and how the property tests draw random rules of it. The parser, the checker, the
formatter, the compiler, the explanations and the strategies all ask the registry
(``scrubber.actions``); none of them tests for action types.

Adding a kind: see docs/engine.md ("Adding an action kind").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from scrubber.lang import ast
from scrubber.lang.kinds import CheckContext

if TYPE_CHECKING:
    from scrubber.actions.rule import CompiledRule
    from scrubber.actions.state import Recorder, VisitState
    from scrubber.tables.pairs import PairTable
    from scrubber.tables.prices import PriceTable
    from scrubber.tables.units import UnitTable

__all__ = [
    "ActionKind",
    "Apply",
    "CheckContext",
    "Chooser",
    "CompileContext",
]

N = TypeVar("N", bound=ast.ActionNode)

#: the function a compiled rule runs: the rule, the visits of one patient's day its block
#: applies to (in export order), and the recorder of audit entries
Apply = Callable[["CompiledRule", "list[VisitState]", "Recorder"], None]


class CompileContext(Protocol):
    """What the compiler offers: a checked rule set's codes and tables."""

    def codes(self, codes: ast.CodeList) -> frozenset[str] | None: ...

    def unit_table(self, file: str) -> UnitTable: ...

    def pair_table(self, file: str) -> PairTable: ...

    def price_table(self, file: str) -> PriceTable: ...


class Chooser(Protocol):
    """Random choices for drawing rule text (``scrubber.testing`` backs it with hypothesis)."""

    def codes(self) -> str:
        """A code list as written: codes, a codeset name, or ``any``."""
        ...

    def number(self) -> int: ...

    def one_of(self, options: Sequence[str]) -> str: ...

    def unit_table(self) -> str: ...

    def pair_table(self) -> str: ...

    def price_table(self) -> str: ...


class ActionKind(Generic[N]):
    """One kind of action. Subclasses set the class attributes and override what differs."""

    #: the AST node class of this kind
    node: ClassVar[type[Any]]
    #: the grammar rule that parses it (``grammar/payer_rules.lark``)
    grammar: ClassVar[str]
    #: the word the action starts with (``limit``, ``add``), for messages and highlighting
    first_word: ClassVar[str]
    #: every keyword of its syntax, for highlighting
    keywords: ClassVar[tuple[str, ...]] = ()
    #: rules of this kind give the same result when scrubbed again over billed output (holds,
    #: ``set`` and code changes see another state the second time; minutes are lost with the
    #: 0-unit lines billed output leaves out)
    idempotent: ClassVar[bool] = True

    def build(self, parts: Sequence[Any], span: ast.Span) -> N:
        """The node from the grammar rule's children (tokens made ``Word``s; optional parts
        that are absent are None). Syntax only: nothing can fail here."""
        return self.node(*parts, span=span)  # type: ignore[no-any-return]

    def render(self, node: N) -> str:
        """The action as written in the canonical layout."""
        raise NotImplementedError

    def visit_level(self, node: N) -> bool:
        """Whether the action works on the whole visit (its condition reads no charge line)."""
        return False

    def visit_level_note(self, node: N) -> str:
        """For a visit-level action, why its condition cannot read a charge line, in words
        that end "cannot be read ..."."""
        return "by this action: it works on the whole visit"

    def check(self, node: N, ctx: CheckContext) -> None:
        """Report every problem of the action's arguments through ``ctx``."""

    def named_codes(
        self, node: N, codes_of: Callable[[ast.CodeList], frozenset[str] | None]
    ) -> frozenset[str] | None:
        """The codes the rule text names as the lines it works on (None: any line, a table, or
        the visit). The checker finds rules shadowed by earlier drops with it."""
        codes = getattr(node, "codes", None)
        return codes_of(codes) if isinstance(codes, ast.CodeList) else None

    def removes(
        self, node: N, codes_of: Callable[[ast.CodeList], frozenset[str] | None]
    ) -> frozenset[str] | None:
        """The codes whose every line the action removes when it has no condition (``drop``,
        ``deny``, ``replace``): later rules on them in the block can never apply."""
        return None

    def caps(
        self, node: N, codes_of: Callable[[ast.CodeList], frozenset[str] | None]
    ) -> Iterable[tuple[str, str, int]]:
        """(code, scope, cap) for each cap the action sets on one code, so the checker can find
        two caps in a block that disagree."""
        return ()

    def index_codes(self, node: N, ctx: CompileContext) -> frozenset[str] | None:
        """The codes whose lines the compiled rule looks at, tables included (None: every line,
        or the visit): the engine visits the rule only for groups holding one of them."""
        return self.named_codes(node, ctx.codes)

    def spans_days(self, node: N) -> bool:
        """Whether the action looks at other days of the patient (a cap ``per week``): the run
        then keeps each patient's days."""
        return False

    def introduces(self, node: N) -> frozenset[str]:
        """Codes the action puts on lines (``replace``): rules on them that come later join a
        group's run even when no line had the code to begin with."""
        return frozenset()

    def compile(self, node: N, ctx: CompileContext) -> Apply:
        raise NotImplementedError

    def unchanged(self, node: N) -> str:
        """Why a rule of this kind that ran on a visit's lines changed nothing, in words."""
        return "there was nothing to change"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        """A random action of this kind as rule text, for property tests, and whether it works
        on the whole visit (so that its condition may read no charge line)."""
        raise NotImplementedError
