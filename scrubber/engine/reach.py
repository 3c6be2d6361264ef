"""Which patient-days a rule change can reach: what lets ``scrubber impact`` scrub with the
new rules only the patients an edit can touch, and take every other patient's outcome from the
old rules' run (issue 27).

Two programs run a patient-day alike when nothing that day's run reads differs: the same world
(payers, charge master: ``Program.world``), the same earlier days, and, among the rules the day
visits, the same rules in the same order. A rule that is in one program only, or whose meaning
(``CompiledRule.meaning``: action, condition, codes, dates, payer, description and the content
of its tables) differs, is *changed*; every other rule is the same on both sides. A changed
rule can act on a day only when its payer is one of the day's, its block is in effect on the
date, and one of its codes is on a line that day or could be put there by a ``replace``; a day
no changed rule can reach visits the same rules on both sides, so it has the same outcome. What
a day bills is what later days of the patient read: once a day of a patient is reached, every
later day of that patient is scrubbed by both. When the programs differ in anything else (the
world, or the order of the rules they share), there is no reach and both sides scrub
everything.
"""

from __future__ import annotations

from datetime import date

import attrs

from scrubber.actions.rule import CompiledRule
from scrubber.engine.program import Program

__all__ = ["Reach"]


@attrs.frozen
class Reach:
    """The rules that differ between two programs, and the codes any rule may put on a line."""

    #: the changed rules of both programs (the old side's, then the new side's)
    changed: tuple[CompiledRule, ...]
    #: the rules of either program that put codes on lines (``replace``)
    replacing: tuple[CompiledRule, ...]

    @classmethod
    def between(cls, before: Program, after: Program) -> Reach | None:
        """The reach of a change from ``before`` to ``after``; None when the programs differ in
        more than their rules, so that every patient-day must be scrubbed by both."""
        if not before.world or before.world != after.world:
            return None
        old = {rule.name: rule for rule in before.rules}
        new = {rule.name: rule for rule in after.rules}
        if len(old) != len(before.rules) or len(new) != len(after.rules):
            return None
        same = {
            name
            for name in old.keys() & new.keys()
            if old[name].meaning and old[name].meaning == new[name].meaning
        }
        kept_before = [rule.name for rule in before.rules if rule.name in same]
        kept_after = [rule.name for rule in after.rules if rule.name in same]
        if kept_before != kept_after:
            return None
        changed = tuple(r for r in before.rules if r.name not in same) + tuple(
            r for r in after.rules if r.name not in same
        )
        replacing = tuple(r for r in (*before.rules, *after.rules) if r.introduces)
        return cls(changed, replacing)

    def reaches(self, payers: frozenset[str], day: date, codes: frozenset[str]) -> bool:
        """Whether a changed rule may act on a patient-day of these payers, date and codes."""
        found = self._codes(payers, day, codes)
        return any(
            rule.payer in payers
            and rule.effective_on(day)
            and (rule.codes is None or not rule.codes.isdisjoint(found))
            for rule in self.changed
        )

    def _codes(self, payers: frozenset[str], day: date, codes: frozenset[str]) -> frozenset[str]:
        """The codes the day's lines may carry: theirs, and those a ``replace`` of either side
        that may act that day puts on them, and so on."""
        found = codes
        grew = bool(self.replacing)
        while grew:
            grew = False
            for rule in self.replacing:
                if (
                    rule.payer in payers
                    and rule.effective_on(day)
                    and (rule.codes is None or not rule.codes.isdisjoint(found))
                    and not rule.introduces <= found
                ):
                    found, grew = found | rule.introduces, True
        return found
