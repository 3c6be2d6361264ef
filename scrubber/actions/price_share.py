"""``price CODES at N%``: the selected lines are expected to pay N% of what they were priced at
(DESIGN §14): services by an assistant at 85%, a multiple-procedure reduction at 50%.

It scales the share of a line already priced (by ``price by table``); shares multiply (85% of
50% is 42.5%), and the expected payment is rounded to cents once, at the end. A line no rule has
priced yet is left alone. Pricing changes nothing billed and writes no audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Recorder, VisitState
from scrubber.lang import ast, codes
from scrubber.lang.render import render_codes
from scrubber.model.measures import EXACT

__all__ = ["KIND", "PriceShare"]

_HUNDRED = Decimal(100)


@attrs.frozen
class PriceShare(ast.ActionNode):
    codes: ast.CodeList
    #: the percentage as written (``85``, ``42.5``)
    percent: Decimal
    span: ast.Span = ast.span_field()


class PriceShareKind(ActionKind[PriceShare]):
    node = PriceShare
    grammar = "price_share"
    first_word = "price"
    keywords = ("price", "at")

    def build(self, parts: Sequence[Any], span: ast.Span) -> PriceShare:
        selected, percent = parts
        return PriceShare(selected, Decimal(percent.text), span=span)

    def render(self, node: PriceShare) -> str:
        return f"price {render_codes(node.codes)} at {node.percent}%"

    def check(self, node: PriceShare, ctx: CheckContext) -> None:
        ctx.codes(node.codes)
        if node.percent < 0:
            ctx.error(codes.NEGATIVE_PERCENT, f"{node.percent}% is below 0: a payer pays "
                      "a share of 0% or more of the price", node.span)  # fmt: skip

    def compile(self, node: PriceShare, ctx: CompileContext) -> Apply:
        share = EXACT.divide(node.percent, _HUNDRED)

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for line in rule.selected(visits):
                if line.rate is None:
                    continue
                line.share = EXACT.multiply(line.share, share)
                if recorder.on_priced is not None:
                    recorder.priced(
                        rule, line.state,
                        f"{line.charge.cpt} expected to pay {node.percent}% of its price "
                        f"by {rule.label}",
                    )  # fmt: skip

        return apply

    def unchanged(self, node: PriceShare) -> str:
        return "no line of its codes had been priced"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        return f"price {choose.codes()} at {choose.one_of(['85', '50', '100', '42.5'])}%", False


KIND = PriceShareKind()
