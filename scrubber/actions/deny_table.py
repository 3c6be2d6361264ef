"""``deny by table "FILE" [per visit|day]``: pair edits from a table (PTP). Column 2 is denied
when column 1 is billed in the same scope too, unless the edit's modifier indicator is 1 and the
column-2 line carries 59, XE, XP, XS or XU; indicator 9 means the edit does not apply. An edit
applies from its effective date up to the day before its deletion date."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.pairs import BYPASS_MODIFIERS, billed_groups, deny_all
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang import ast

if TYPE_CHECKING:
    from scrubber.tables.pairs import PairTable

__all__ = ["KIND", "DenyTable"]

SCOPES = (ast.Scope.VISIT, ast.Scope.DAY)


@attrs.frozen
class DenyTable(ast.ActionNode):
    file: str
    scope: ast.Word | None = None
    span: ast.Span = ast.span_field()


class DenyTableKind(ActionKind[DenyTable]):
    node = DenyTable
    grammar = "deny_table"
    first_word = "deny"
    keywords = ("deny", "by", "table", "per")

    def build(self, parts: Sequence[Any], span: ast.Span) -> DenyTable:
        file, scope = parts
        return DenyTable(file.text, scope, span=span)

    def render(self, node: DenyTable) -> str:
        return f'deny by table "{node.file}"' + (f" per {node.scope}" if node.scope else "")

    def check(self, node: DenyTable, ctx: CheckContext) -> None:
        if node.scope is not None:
            ctx.scope(node.scope, SCOPES)
        ctx.pair_table(node.file, node.span)

    def index_codes(self, node: DenyTable, ctx: CompileContext) -> frozenset[str] | None:
        return ctx.pair_table(node.file).column2_codes

    def compile(self, node: DenyTable, ctx: CompileContext) -> Apply:
        table = ctx.pair_table(node.file)
        scope = ast.Scope(node.scope.text) if node.scope is not None else ast.Scope.DAY

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            denials: list[tuple[Line, str]] = []
            for lines in billed_groups(visits, scope):
                # The codes billed in the group, counted once: a line's partners are the codes
                # of the other lines, and lines of one code and bypass get one answer.
                counts = Counter(line.charge.cpt for line in lines)
                present = sorted(counts)
                decided: dict[tuple[str, bool, date], str | None] = {}
                for line in lines:
                    if not rule.selects(line):
                        continue
                    code = line.charge.cpt
                    bypassed = not BYPASS_MODIFIERS.isdisjoint(line.charge.modifiers)
                    day = line.state.visit.date_of_service
                    key = (code, bypassed, day)
                    if key not in decided:
                        decided[key] = _denied_by(
                            table, present, counts, code, bypassed=bypassed, day=day
                        )
                    column1 = decided[key]
                    if column1 is not None:
                        denials.append((line, f"{code} denied: column 2 of a PTP edit with "
                                              f"{column1} billed the same {scope} ({rule.label})"))  # fmt: skip
            deny_all(rule, recorder, denials)

        return apply

    def unchanged(self, node: DenyTable) -> str:
        return "no pair of the table was billed together without a bypass"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        return f'deny by table "{choose.pair_table()}" per day', False


def _denied_by(
    table: PairTable,
    present: list[str],
    counts: Counter[str],
    code: str,
    *,
    bypassed: bool,
    day: date,
) -> str | None:
    """The first column-1 code billed beside ``code`` whose edit applies, or None."""
    for column1 in present:
        if column1 == code and counts[code] == 1:
            continue  # the line itself is no partner
        indicator = table.indicator(column1, code, day)
        if indicator is None or indicator == "9" or (indicator == "1" and bypassed):
            continue
        return column1
    return None


KIND = DenyTableKind()
