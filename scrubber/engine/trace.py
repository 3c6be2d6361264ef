"""What the engine reports while it scrubs, for those who ask: explanations and rule coverage.

The engine emits a ``TraceEvent`` for every rule and visit of a scrub run with a tracer: skipped
(the visit is not of the rule's payer, the rule is not in effect on the date, or no line has a
code it selects), its condition false (which parts, with the values read), applied (the audit
entry of each change), or run without changing anything. ``scrubber explain`` and the coverage
of ``scrubber test`` are tracers of the one real run; without a tracer none of this is computed.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Protocol

import attrs

from scrubber.lang.expressions.condition import ConditionTrace
from scrubber.model.results import AuditEntry, VisitWarning

if TYPE_CHECKING:
    from scrubber.actions.rule import CompiledRule

__all__ = [
    "CHANGES",
    "CoverageTracer",
    "EventKind",
    "TraceEvent",
    "Tracer",
    "wanted",
    "wants_reads",
]


class EventKind(enum.Enum):
    #: not of the rule's payer (``why`` "payer"), not in effect ("dates"), no line of its
    #: codes ("codes")
    SKIPPED = "skipped"
    CONDITION_FALSE = "condition false"
    APPLIED = "applied"
    #: a ``price`` rule priced a line (``why``: what it did, in words); no audit entry
    PRICED = "priced"
    UNCHANGED = "unchanged"
    #: a ``warn`` rule flagged the visit (no audit entry: the warning is in ``warning``)
    WARNED = "warned"


@attrs.frozen
class TraceEvent:
    kind: EventKind
    rule: CompiledRule
    visit_id: str
    #: for SKIPPED: "payer", "dates" or "codes"; for PRICED: what the rule did, in words
    why: str = ""
    #: for APPLIED: the change (``seq`` 0: numbered only in the result)
    entry: AuditEntry | None = None
    #: what the rule's condition (for a skipped payer: the payer's) read and why it failed;
    #: for an APPLIED hold, what the condition that held it read
    condition: ConditionTrace | None = None
    #: for WARNED: the warning
    warning: VisitWarning | None = None


class Tracer(Protocol):
    """Hears the events of a run. A tracer may also say which kinds of event it wants
    (``kinds``, a set of ``EventKind``; all when it has none) and whether an APPLIED or WARNED
    event needs what the condition read (``reads``, default true): the engine builds only
    those, so that a tracer that listens to the changes alone (``scrubber impact``) costs
    little more than a plain scrub."""

    def event(self, event: TraceEvent) -> None: ...


#: what a run that only reports changes builds: no skipped, condition-false or unchanged events
CHANGES = frozenset({EventKind.APPLIED, EventKind.PRICED, EventKind.WARNED})


def wanted(tracer: Tracer) -> frozenset[EventKind]:
    """The kinds of event ``tracer`` asks for (every kind unless it says)."""
    kinds = getattr(tracer, "kinds", None)
    return frozenset(EventKind) if kinds is None else frozenset(kinds)


def wants_reads(tracer: Tracer) -> bool:
    """Whether ``tracer`` wants what a condition read, on the changes it hears."""
    return bool(getattr(tracer, "reads", True))


class CoverageTracer:
    """The rules that changed something (or held a visit, or priced a line) at least once."""

    kinds = CHANGES
    reads = False

    def __init__(self) -> None:
        self.applied: set[str] = set()

    def event(self, event: TraceEvent) -> None:
        if event.kind in (EventKind.APPLIED, EventKind.PRICED, EventKind.WARNED):
            self.applied.add(event.rule.name)
