"""What the two pair edits share: they are judged on the lines billed when the rule starts.

Every line a pair edit denies is decided against the same lines, all at once: a line that one
pair denies still counts as the billed partner of another pair within the same rule. So the
result never depends on the order in which the lines or the visits were entered (with pairs
97530/97140 and 97140/97124, a visit with 97530, 97140 and 97124 has 97140 and 97124 denied in
every order). Separate rules still run in order, each seeing what the earlier ones did.
"""

from __future__ import annotations

from scrubber.actions.lines import by_scope, remove
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.lang.ast import Scope

__all__ = ["BYPASS_MODIFIERS", "billed_groups", "deny_all"]

#: modifiers that bypass a CMS PTP edit whose modifier indicator is 1
BYPASS_MODIFIERS = frozenset({"59", "XE", "XP", "XS", "XU"})


def billed_groups(visits: list[VisitState], scope: Scope) -> list[list[Line]]:
    """The lines billed now (still there, units above 0), by scope and payer."""
    return by_scope((line for visit in visits for line in visit.lines if line.billed), scope)


def deny_all(rule: CompiledRule, recorder: Recorder, denials: list[tuple[Line, str]]) -> None:
    """Deny the lines decided on, in export order, each with its reason."""
    for line, why in sorted(denials, key=lambda item: item[0].order):
        remove(rule, recorder, line, "deny", why)
