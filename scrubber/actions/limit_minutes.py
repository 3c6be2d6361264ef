"""``limit CODES by minutes using cms-8-minute|substantial-portion [per visit|day]``.

The timed minutes decide how many units the selected codes may bill; units are only ever
reduced, never raised, and a line without minutes is left alone. By default the minutes count
**per day**, as CMS counts them: all the timed minutes of one patient on one date of service,
billed to one payer, by one discipline (PT with PTA, OT with COTA, SLP; any other role on its
own), across that day's visits; the units are then spread over all of those lines. ``per visit``
counts each visit alone.

The units per code follow the method (``cms_8_minute``, ``substantial_portion``); when a code
has several lines, its units stay on the lines with the most minutes (a unit stays where the time
was spent; on a tie, the earlier line).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import attrs

from scrubber.actions.base import ActionKind, Apply, CheckContext, Chooser, CompileContext
from scrubber.actions.lines import payer_of, reduce
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang import ast
from scrubber.lang.render import render_codes
from scrubber.model.history import discipline as discipline_of
from scrubber.model.records import ProviderRole

__all__ = ["KIND", "METHODS", "LimitMinutes", "cms_8_minute", "discipline", "substantial_portion"]

SCOPES = (ast.Scope.VISIT, ast.Scope.DAY)


def _units_for(minutes: int) -> int:
    return (minutes + 7) // 15 if minutes >= 8 else 0


def cms_8_minute(minutes_by_code: dict[str, int]) -> dict[str, int]:
    """Units per code under the CMS 8-minute rule.

    The total timed minutes decide the total units (8-22 minutes 1 unit, 23-37 2, and so on by
    15); each code first gets one unit per full 15 minutes, and the units left go to the codes
    with the most minutes remaining (on a tie, the code that came first).
    """
    total = _units_for(sum(minutes_by_code.values()))
    units = {code: minutes // 15 for code, minutes in minutes_by_code.items()}
    left = total - sum(units.values())
    order = sorted(minutes_by_code, key=lambda code: -(minutes_by_code[code] % 15))
    for code in order:
        if left <= 0:
            break
        if minutes_by_code[code] % 15:
            units[code] += 1
            left -= 1
    return units


def substantial_portion(minutes_by_code: dict[str, int]) -> dict[str, int]:
    """Units per code under the CPT midpoint rule: each code on its own."""
    return {code: _units_for(minutes) for code, minutes in minutes_by_code.items()}


METHODS: dict[str, Callable[[dict[str, int]], dict[str, int]]] = {
    "cms-8-minute": cms_8_minute,
    "substantial-portion": substantial_portion,
}


def discipline(role: ProviderRole) -> str:
    """Whose minutes count together: a PTA's with a PT's, a COTA's with an OT's; any other role
    (a student, an aide) on its own (``scrubber.model.history.discipline``)."""
    return discipline_of(role)


@attrs.frozen
class LimitMinutes(ast.ActionNode):
    codes: ast.CodeList
    method: ast.Word
    #: None: per day
    scope: ast.Word | None = None
    span: ast.Span = ast.span_field()


def keep_longest(lines: list[Line], allowed: int) -> list[tuple[Line, int, int]]:
    """Cut a code's lines to ``allowed`` units, keeping units on the lines with the most minutes
    (on a tie, the earlier line): (line, before, after) for each line cut."""
    left = allowed
    kept: dict[int, int] = {}
    for line in sorted(lines, key=lambda line: (-(line.charge.minutes or 0), line.order)):
        kept[id(line)] = min(line.charge.units, left)
        left -= kept[id(line)]
    return [
        (line, line.charge.units, kept[id(line)])
        for line in lines
        if kept[id(line)] < line.charge.units
    ]


class LimitMinutesKind(ActionKind[LimitMinutes]):
    node = LimitMinutes
    grammar = "limit_minutes"
    first_word = "limit"
    keywords = ("limit", "by", "minutes", "using", "per")
    # billed output leaves out the lines cut to 0 units, and with them minutes that counted
    idempotent = False

    def render(self, node: LimitMinutes) -> str:
        scope = f" per {node.scope}" if node.scope is not None else ""
        return f"limit {render_codes(node.codes)} by minutes using {node.method}{scope}"

    def check(self, node: LimitMinutes, ctx: CheckContext) -> None:
        ctx.codes(node.codes)
        ctx.word(node.method, tuple(METHODS), "method")
        if node.scope is not None:
            ctx.scope(node.scope, SCOPES)

    def compile(self, node: LimitMinutes, ctx: CompileContext) -> Apply:
        method = METHODS[node.method.text]
        per_visit = node.scope is not None and node.scope.text == ast.Scope.VISIT

        def group(line: Line) -> Hashable:
            state = line.state
            return (
                state.order
                if per_visit
                else (payer_of(line), discipline(state.visit.provider.role))
            )

        where = "visit" if per_visit else "day"

        def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
            groups: dict[Hashable, list[Line]] = {}
            for line in rule.selected(visits):
                if line.charge.minutes is not None:
                    groups.setdefault(group(line), []).append(line)
            for timed in groups.values():
                timed.sort(key=lambda line: line.order)
                minutes: dict[str, int] = {}
                lines_of: dict[str, list[Line]] = {}
                for line in timed:
                    code = line.charge.cpt
                    minutes[code] = minutes.get(code, 0) + (line.charge.minutes or 0)
                    lines_of.setdefault(code, []).append(line)
                allowed = method(minutes)
                how = f"per {where} by {rule.label}"
                for code, lines in lines_of.items():
                    changes = keep_longest(lines, allowed[code])
                    reduce(rule, recorder, changes, f"{code} ({minutes[code]} min)", how)

        return apply

    def unchanged(self, node: LimitMinutes) -> str:
        return "the minutes support the units billed"

    def sample(self, choose: Chooser) -> tuple[str, bool]:
        method = choose.one_of(tuple(METHODS))
        scope = choose.one_of(["", " per visit", " per day"])
        return f"limit {choose.codes()} by minutes using {method}{scope}", False


KIND = LimitMinutesKind()
