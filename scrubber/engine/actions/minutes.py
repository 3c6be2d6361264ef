"""``limit CODES by minutes using cms-8-minute | substantial-portion``.

Both methods work per visit on the minutes of the selected (timed) codes; lines without minutes
are left alone, and units are only ever reduced to what the minutes support, never raised.
"""

from __future__ import annotations

from scrubber.dsl import ast
from scrubber.engine.actions.limits import reduce
from scrubber.engine.rules import CompiledRule
from scrubber.engine.state import Line, Recorder, VisitState

__all__ = ["cms_8_minute", "substantial_portion"]


def _units_for(minutes: int) -> int:
    return (minutes + 7) // 15 if minutes >= 8 else 0


def cms_8_minute(minutes_by_code: dict[str, int]) -> dict[str, int]:
    """Units per code under the CMS 8-minute rule (DOMAIN.md).

    The total timed minutes decide the total units; each code first gets one unit per full 15
    minutes, and the units left go to the codes with the most minutes remaining (on a tie, the
    code that comes first in the visit).
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


METHODS = {"cms-8-minute": cms_8_minute, "substantial-portion": substantial_portion}


def apply(rule: CompiledRule, visits: list[VisitState], recorder: Recorder) -> None:
    action = rule.action
    assert isinstance(action, ast.LimitMinutes)
    method = METHODS[action.method]
    for visit in visits:
        timed = [line for line in rule.selected([visit]) if line.charge.minutes is not None]
        if not timed:
            continue
        minutes: dict[str, int] = {}
        lines_of: dict[str, list[Line]] = {}
        for line in timed:
            minutes[line.charge.cpt] = minutes.get(line.charge.cpt, 0) + (line.charge.minutes or 0)
            lines_of.setdefault(line.charge.cpt, []).append(line)
        allowed = method(minutes)
        for code, lines in lines_of.items():
            changes = _keep_longest(lines, allowed[code])
            reduce(rule, recorder, changes, "visit", f"{code} ({minutes[code]} min)")


def _keep_longest(lines: list[Line], allowed: int) -> list[tuple[Line, int, int]]:
    """Cut a code's lines to ``allowed`` units, keeping units on the lines with the most minutes
    (on a tie, the earlier line): a unit stays where the time was spent."""
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
