"""``hold "MESSAGE" [for CODES]``: the whole visit goes to Billing Exceptions with this reason.

Without ``for`` the condition is tested on the visit (it may not read a charge line); with
``for CODES`` it is tested on each of those lines and the visit is held if any line meets it. A
hold does not stop the rules after it, so every reason is listed and the held visit's charges are
scrubbed as they will be imported once it is fixed.
"""

from __future__ import annotations

import attrs

from scrubber.actions.flagging import FlagKind, FlagNode, values_read
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Line, Recorder, VisitState
from scrubber.model.results import HoldReason

__all__ = ["KIND", "Hold"]


@attrs.frozen
class Hold(FlagNode):
    pass


class HoldKind(FlagKind[Hold]):
    node = Hold
    grammar = "hold"
    first_word = "hold"
    keywords = ("hold", "for")
    noun = "hold"
    samples = ("Check this visit", "Check these lines")

    def flag(
        self, rule: CompiledRule, visit: VisitState, line: Line | None, message: str,
        recorder: Recorder,
    ) -> None:  # fmt: skip
        """The visit goes to Billing Exceptions with this reason (an audit entry says so)."""
        values = values_read(rule, line or visit)
        visit.holds.append(
            HoldReason(rule.name, rule.source, message, rule.description or "", values)
        )
        rule.emit(
            recorder, visit, line, action="hold", field="visit", before=None, after=None,
            message=f"visit {visit.visit.id} held: {message} ({rule.label})",
            reader=line or visit,
        )  # fmt: skip


KIND = HoldKind()
