"""The one scrub primitive: one patient's visits of one date of service, with their rules.

Every run is built on it, through the one run object (``scrubber.engine.run``): a whole batch, a
stream of days, the patients a cluster scrubs apart, one visit explained. Rules never look
beyond one patient's day, so each group is scrubbed on its own and its outcome carries the place
of every item in the whole export; ``scrubber.engine.merge`` puts outcomes together and numbers
the audit, in one place, whatever order they were scrubbed in.

Within a group the rules run one at a time in their one global order (files by name, blocks,
rules); a rule works on the group's visits of its payer (its block is in effect on the date, as
the group has one date). Only the rules indexed under a code present in the group, or that look
at every line or at the visit, are visited, so a group's work does not grow with the size of the
rule set; when a rule puts a new code on a line (``replace``), the later rules on that code join.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from decimal import Decimal
from operator import is_
from typing import NamedTuple

import attrs

from scrubber.actions.days import PatientDays
from scrubber.actions.rule import CompiledRule
from scrubber.actions.state import Applied, AuditKey, Line, Priced, Recorder, VisitState, Warned
from scrubber.engine.program import Program
from scrubber.engine.trace import CHANGES, EventKind, TraceEvent, Tracer, wanted, wants_reads
from scrubber.lang.checked import BUILTIN_PAYER
from scrubber.lang.expressions.condition import ConditionTrace, Reader
from scrubber.model.evolve import evolve
from scrubber.model.history import VisitFact, discipline
from scrubber.model.records import Case, Patient, Visit
from scrubber.model.results import AuditEntry, HeldVisit, VisitWarning

__all__ = ["BUILTIN_SOURCE", "DayVisit", "GroupOutcome", "fact_of", "scrub_day"]

BUILTIN_SOURCE = "scrubber"


class DayVisit(NamedTuple):
    """A visit handed to the primitive, with its patient and case. A named tuple rather than an
    attrs record: one is made per visit of every run, and it is only ever read."""

    #: the visit's place in the whole export (any increasing numbers): results follow it
    order: int
    patient: Patient
    case: Case
    visit: Visit


@attrs.frozen
class GroupOutcome:
    """The outcome of one patient's visits on one date of service. Every item carries its place
    in the whole export, so outcomes scrubbed anywhere, in any order, merge into exactly the
    result of one scrub (``scrubber.engine.merge``)."""

    billed: tuple[tuple[int, Visit], ...]
    exceptions: tuple[tuple[int, HeldVisit], ...]
    #: entries with ``seq`` 0, numbered once every group's entries are merged by key
    audit: tuple[tuple[AuditKey, AuditEntry], ...]
    #: what later scrubs need of each visit (units billed included), when the run keeps the
    #: patient's days (a history, or rules that count across visits); else empty
    facts: tuple[VisitFact, ...] = ()
    #: what ``warn`` rules flagged, each with its visit's place in the export
    warnings: tuple[tuple[int, VisitWarning], ...] = ()


def scrub_day(
    rules: Program,
    visits: Sequence[DayVisit],
    days: PatientDays | None = None,
    tracer: Tracer | None = None,
) -> GroupOutcome:
    """Scrub the visits of one patient on one date of service (in any order: each carries its
    place in the export). ``days``: the patient's earlier days, for the counts across visits and
    the units already billed in a period; with it, the outcome carries the day's facts."""
    ordered = sorted(visits, key=lambda item: item[0])
    states = [rules.state(patient, case, visit, order) for order, patient, case, visit in ordered]
    if days is not None:
        today = tuple(fact_of(patient, case, visit) for _, patient, case, visit in ordered)
        for state in states:
            state.days, state.today, state.group = days, today, states
    recorder = (
        Recorder()
        if tracer is None
        else Recorder(_applied_to(tracer), _priced_to(tracer), _warned_to(tracer))
    )
    if tracer is not None and wanted(tracer) <= CHANGES:
        # The tracer hears only the changes, which the recorder tells it: the rules run as in
        # a plain scrub, without the events nobody asked for.
        tracer = None
    if states:
        _run(rules, states, recorder, tracer)
    return _outcome(states, recorder, days is not None)


def fact_of(
    patient: Patient, case: Case, visit: Visit, billed: tuple[tuple[str, int], ...] = ()
) -> VisitFact:
    """What a later scrub needs of a visit (``billed``: units billed per code)."""
    return VisitFact(
        visit.id, case.id, patient.id, case.insurance.payer_id, visit.date_of_service,
        visit.note_type, bool(visit.charges), billed, discipline(visit.provider.role),
    )  # fmt: skip


def _run(
    rules: Program, group: list[VisitState], recorder: Recorder, tracer: Tracer | None
) -> None:
    day = group[0].visit.date_of_service
    single = group[0] if len(group) == 1 else None
    if single is not None:
        # Most patient-days are one visit (issue 29): no union of payers, and a rule's targets
        # are that visit or nothing, without a list built per rule.
        payers = single.payers
        codes = frozenset([line.charge.cpt for line in single.lines])
    else:
        payers = frozenset().union(*(s.payers for s in group))
        codes = frozenset(line.charge.cpt for state in group for line in state.lines)
    blocks, first = rules.plan(payers, day, codes)
    alone: list[VisitState] = [] if single is None else [single]
    ran: set[int] = set()
    queue = list(first)
    queued = set(queue)
    while queue:
        position = heapq.heappop(queue)
        rule = rules.rules[position]
        if single is not None:
            targets = alone if rule.payer in payers else []
        else:
            targets = [state for state in group if rule.payer in state.payers]
        if tracer is None:
            rule.apply(rule, targets, recorder)
        else:
            _traced(rule, targets, recorder, tracer)
            ran.add(position)
        for code in rule.introduces:
            # Lines now carry a new code: later rules on that code join the queue.
            for block in blocks:
                for later in block.by_code.get(code, ()):
                    if later > position and later not in queued:
                        queued.add(later)
                        heapq.heappush(queue, later)
    if tracer is not None:
        _trace_skipped(rules, group, ran, tracer)


def _applied_to(tracer: Tracer) -> Applied:
    """Tell the tracer of each change, with what the rule's condition read on what it was
    evaluated on (a hold's ZIP code)."""

    reads = wants_reads(tracer)

    def applied(
        rule: CompiledRule, visit: VisitState, entry: AuditEntry, reader: Reader | None
    ) -> None:
        read = _read(rule, reader) if reads else None
        tracer.event(
            TraceEvent(EventKind.APPLIED, rule, visit.visit.id, entry=entry, condition=read)
        )

    return applied


def _read(rule: CompiledRule, reader: Reader | None) -> ConditionTrace | None:
    """What the rule's condition read on what it was evaluated on (none without either)."""
    tree = rule.condition_tree
    return tree.trace(reader) if tree is not None and reader is not None else None


def _priced_to(tracer: Tracer) -> Priced:
    """Tell the tracer of each line a ``price`` rule priced (no audit entry says it)."""

    def priced(rule: CompiledRule, visit: VisitState, message: str) -> None:
        tracer.event(TraceEvent(EventKind.PRICED, rule, visit.visit.id, why=message))

    return priced


def _warned_to(tracer: Tracer) -> Warned:
    """Tell the tracer of each warning, with what the rule's condition read."""

    reads = wants_reads(tracer)

    def warned(
        rule: CompiledRule, visit: VisitState, warning: VisitWarning, reader: Reader | None
    ) -> None:
        read = _read(rule, reader) if reads else None
        tracer.event(
            TraceEvent(EventKind.WARNED, rule, visit.visit.id, condition=read, warning=warning)
        )

    return warned


def _traced(
    rule: CompiledRule, targets: list[VisitState], recorder: Recorder, tracer: Tracer
) -> None:
    """Run a rule and tell the tracer, for each visit, what became of it: skipped (no line of
    its codes), its condition false, applied (told by the recorder), or nothing to change."""
    explained: set[int] = set()
    tree = rule.condition_tree
    for state in targets:
        readers: list[VisitState] | list[Line] = (
            [state] if rule.visit_level else [line for line in state.lines if rule.looks_at(line)]
        )
        if not readers:
            tracer.event(TraceEvent(EventKind.SKIPPED, rule, state.visit.id, why="codes"))
        elif tree is not None and not any(tree.test(reader) for reader in readers):
            trace = tree.trace(readers[0])
            tracer.event(
                TraceEvent(EventKind.CONDITION_FALSE, rule, state.visit.id, condition=trace)
            )
        else:
            continue
        explained.add(state.order)
    start = len(recorder.entries)
    warned = {id(state): len(state.warnings) for state in targets}
    rule.apply(rule, targets, recorder)
    changed = {key[0] for key, _ in recorder.entries[start:]}
    changed.update(s.order for s in targets if len(s.warnings) != warned[id(s)])
    for state in targets:
        if state.order not in explained and state.order not in changed:
            tracer.event(TraceEvent(EventKind.UNCHANGED, rule, state.visit.id))


def _trace_skipped(rules: Program, group: list[VisitState], ran: set[int], tracer: Tracer) -> None:
    """The rules that never ran on a visit: not its payer, not in effect, or no code of theirs
    in the group."""
    payer_tests = dict(rules.payers)
    for state in group:
        day = state.visit.date_of_service
        for rule in rules.rules:
            visit_id = state.visit.id
            if rule.payer not in state.payers:
                test = payer_tests.get(rule.payer)
                trace = test.trace(state) if test is not None else None
                tracer.event(
                    TraceEvent(EventKind.SKIPPED, rule, visit_id, why="payer", condition=trace)
                )
            elif not rule.effective_on(day):
                tracer.event(TraceEvent(EventKind.SKIPPED, rule, visit_id, why="dates"))
            elif rule.position not in ran:
                tracer.event(TraceEvent(EventKind.SKIPPED, rule, visit_id, why="codes"))


def _outcome(states: list[VisitState], recorder: Recorder, with_facts: bool) -> GroupOutcome:
    billed: list[tuple[int, Visit]] = []
    held: list[tuple[int, HeldVisit]] = []
    facts: list[VisitFact] = []
    warnings: list[tuple[int, VisitWarning]] = []
    for state in states:
        if state.warnings:
            warnings += ((state.order, warning) for warning in state.warnings)
        charges = tuple([line.outcome() for line in state.lines if line.billed])
        if with_facts:
            units: dict[str, int] = {}
            for charge in () if state.holds else charges:
                units[charge.cpt] = units.get(charge.cpt, 0) + charge.units
            fact = next(f for f in state.today if f.visit_id == state.visit.id)
            expected = [
                c.expected for c in (() if state.holds else charges) if c.expected is not None
            ]
            facts.append(attrs.evolve(
                fact, billed=tuple(sorted(units.items())),
                expected=sum(expected, start=Decimal("0.00")) if expected else None,
            ))  # fmt: skip
        if state.holds:
            held.append((state.order, HeldVisit(
                state.visit.id, state.patient.id, state.visit.date_of_service,
                tuple(state.holds), charges,
            )))  # fmt: skip
        elif charges:
            visit = state.visit
            same = len(charges) == len(visit.charges) and all(map(is_, charges, visit.charges))
            # A visit no rule changed is billed as it came (a frozen record): no copy.
            billed.append((state.order, visit if same else evolve(visit, charges=charges)))
        elif sum(charge.units for charge in state.visit.charges) == 0:
            # Nothing was taken away by a rule, so no entry explains why the visit does not
            # flow: say it (every visit of the export is accounted for).
            none = not state.visit.charges
            payer = min(state.payers - {BUILTIN_PAYER}, default=BUILTIN_PAYER)
            recorder.emit_builtin(
                "scrubber/no-charges" if none else "scrubber/no-units", BUILTIN_SOURCE, payer,
                state,
                f"visit {state.visit.id} has no charges: nothing flows to billing" if none
                else f"visit {state.visit.id} has only lines with 0 units: nothing flows to billing",
            )  # fmt: skip
        # A line points at its visit state and back: break the cycle, so the state is freed
        # now rather than at the next full collection.
        state.lines = []
        state.days = None
        state.group = []
    return GroupOutcome(
        tuple(billed), tuple(held), tuple(recorder.entries), tuple(facts), tuple(warnings)
    )
