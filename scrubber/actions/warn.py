"""``warn "MESSAGE" [for CODES]``: the visit is billed as usual and flagged for review (§15).

Commercial scrubbers tell a block from a warning: a hold stops a visit, a warning lets it flow
and puts it on a specialist's list. Like ``hold``, without ``for`` the condition is tested on the
visit (it may not read a charge line); with ``for CODES`` on each of those lines, and the visit
is flagged once if any line meets it. A warning moves no unit and writes no audit entry: it goes
to the result's ``warnings``, with the rule's description and the values its condition read.
"""

from __future__ import annotations

import attrs

from scrubber.actions.flagging import FlagKind, FlagNode, values_read
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.model.results import VisitWarning

__all__ = ["KIND", "Warn"]


@attrs.frozen
class Warn(FlagNode):
    pass


class WarnKind(FlagKind[Warn]):
    node = Warn
    grammar = "warn"
    first_word = "warn"
    keywords = ("warn", "for")
    noun = "warning"
    samples = ("Review this visit", "Review these lines")

    def flag(
        self, rule: CompiledRule, visit: VisitState, line: Line | None, message: str,
        recorder: Recorder,
    ) -> None:  # fmt: skip
        """The visit flows, flagged: a warning in the result, no audit entry."""
        reader = line or visit
        warning = VisitWarning(
            visit.visit.id, visit.patient.id, visit.visit.date_of_service, rule.name,
            rule.source, message, rule.description or "", values_read(rule, reader),
        )  # fmt: skip
        recorder.warn(rule, visit, warning, reader)


KIND = WarnKind()
