"""``price by table "FILE"``: each selected line's expected payment, from a payer's fee schedule
(DESIGN §14).

The table is an amount table (``code,amount`` per unit, optionally ``modifier``: a row with a
modifier the line carries before the row without). A line of a code the table prices gets that
price per unit; its expected payment is the price x its billed units (whatever later rules leave
of them) x the share later ``price ... at N%`` rules set, rounded half up to cents once. Pricing
changes nothing billed and writes no audit entry; ``explain`` shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Recorder, VisitState
from scrubber.lang import ast

__all__ = ["KIND", "PriceTable"]

_WHOLE = Decimal(1)


@attrs.frozen
class PriceTable(ast.ActionNode):
    file: str
    span: ast.Span = ast.span_field()


class PriceTableKind(ActionKind[PriceTable]):
    node = PriceTable
    grammar = "price_table"
    first_word = "price"
    keywords = ("price", "by", "table")

    def build(self, parts: Sequence[Any], span: ast.Span) -> PriceTable:
        (file,) = parts
        return PriceTable(file.text, span=span)

    def render(self, node: PriceTable) -> str:
        return f'price by table "{node.file}"'

    def check(self, node: PriceTable, ctx: CheckContext) -> None:
        ctx.price_table(node.file, node.span)

    def index_codes(self, node: PriceTable, ctx: CompileContext) -> frozenset[str] | None:
        return ctx.price_table(node.file).codes

    def compile(self, node: PriceTable, ctx: CompileContext) -> Apply:
        table = ctx.price_table(node.file)

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            for line in rule.selected(visits):
                charge = line.charge
                rate = table.per_unit(charge.cpt, charge.modifiers)
                if rate is None:
                    continue
                line.rate, line.share = rate, _WHOLE
                if recorder.on_priced is not None:
                    recorder.priced(
                        rule, line.state,
                        f"{charge.cpt} priced at {rate} per unit by {rule.label}",
                    )  # fmt: skip

        return apply

    def unchanged(self, node: PriceTable) -> str:
        return "the table prices none of the visit's lines"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        return f'price by table "{choose.price_table()}"', False


KIND = PriceTableKind()
