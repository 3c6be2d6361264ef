"""``limit by table "FILE" [per line|visit|day]``: a cap per code read from a table (MUE).

With the CMS MUE layout and no ``per`` in the rule, each row's adjudication indicator decides:
1 per line, 2 and 3 per day. A hand-written ``code,units`` table has no indicator, so the rule
must say its scope (E028).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.lines import already, by_scope, cut_scoped, reduce
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.codes import TABLE_NEEDS_SCOPE
from scrubber.tables.units import CapScope

__all__ = ["KIND", "LimitTable"]

SCOPES = (ast.Scope.LINE, ast.Scope.VISIT, ast.Scope.DAY)
_FROM_INDICATOR = {CapScope.LINE: ast.Scope.LINE, CapScope.DAY: ast.Scope.DAY}


@attrs.frozen
class LimitTable(ast.ActionNode):
    file: str
    scope: ast.Word | None = None
    span: ast.Span = ast.span_field()


class LimitTableKind(ActionKind[LimitTable]):
    node = LimitTable
    grammar = "limit_table"
    first_word = "limit"
    keywords = ("limit", "by", "table", "per")

    def build(self, parts: Sequence[Any], span: ast.Span) -> LimitTable:
        file, scope = parts
        return LimitTable(file.text, scope, span=span)

    def render(self, node: LimitTable) -> str:
        return f'limit by table "{node.file}"' + (f" per {node.scope}" if node.scope else "")

    def check(self, node: LimitTable, ctx: CheckContext) -> None:
        if node.scope is not None:
            ctx.scope(node.scope, SCOPES)
        table = ctx.unit_table(node.file, node.span)
        if table is not None and table.layout == "simple" and node.scope is None:
            ctx.error(TABLE_NEEDS_SCOPE, 'this table has no MUE indicator column: say "per line", '
                      '"per visit" or "per day" after the file name', node.span)  # fmt: skip

    def index_codes(self, node: LimitTable, ctx: CompileContext) -> frozenset[str] | None:
        return frozenset(ctx.unit_table(node.file).caps)

    def compile(self, node: LimitTable, ctx: CompileContext) -> Apply:
        caps = ctx.unit_table(node.file).caps
        chosen = ast.Scope(node.scope.text) if node.scope is not None else None

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            by_kind: dict[ast.Scope, list[Line]] = {}
            for line in rule.selected(visits):
                cap = caps[line.charge.cpt]
                scope = chosen or (_FROM_INDICATOR[cap.scope] if cap.scope else ast.Scope.DAY)
                by_kind.setdefault(scope, []).append(line)
            for scope, selected in by_kind.items():
                for lines in by_scope(selected, scope, lambda line: line.charge.cpt):
                    code = lines[0].charge.cpt
                    changes, spent = cut_scoped(lines, caps[code].units, scope, frozenset({code}))
                    how = f"per {scope}{already(spent, scope)} by {rule.label}"
                    reduce(rule, recorder, changes, code, how)

        return apply

    def unchanged(self, node: LimitTable) -> str:
        return "the units were within the table's caps"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        scope = choose.one_of(["", " per day", " per line"])
        return f'limit by table "{choose.unit_table()}"{scope}', False


KIND = LimitTableKind()
