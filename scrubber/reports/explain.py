"""``scrubber explain``: for one visit, what the rules did to it and why, in plain sentences.

The visit is scrubbed with its patient's visits up to that day (what ``per day`` rules and the
counts across visits see; with the history of earlier scrubs when one is given), by the
engine's one run, with a tracer listening (``scrubber.engine.trace``): nothing here decides
on its own what a rule would have done. By default only the rules that changed the visit or held
it are listed, each hold with the values its condition read (the ZIP code, the authorization
number with its trailing space); ``all_rules`` lists every rule, with why it did nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from scrubber.actions.rule import CompiledRule
from scrubber.engine.ruleset import RuleSet
from scrubber.engine.run import History, by_patient, day_visits
from scrubber.engine.trace import EventKind, TraceEvent
from scrubber.errors import UsageError
from scrubber.lang.checked import BUILTIN_PAYER
from scrubber.lang.expressions.condition import shown
from scrubber.model.records import Batch, Charge, Rejected, Visit
from scrubber.model.results import AuditEntry
from scrubber.words import plural

__all__ = ["explain_visit"]


class _VisitTracer:
    """The events of one visit, by rule position."""

    def __init__(self, visit_id: str) -> None:
        self.visit_id = visit_id
        self.by_rule: dict[int, list[TraceEvent]] = {}

    def event(self, event: TraceEvent) -> None:
        if event.visit_id == self.visit_id:
            self.by_rule.setdefault(event.rule.position, []).append(event)


def _change(entry: AuditEntry) -> str:
    if entry.field == "visit" or (entry.before is None and entry.after is None):
        return ""
    before = " ".join(entry.before) if isinstance(entry.before, list) else entry.before
    after = " ".join(entry.after) if isinstance(entry.after, list) else entry.after
    return f" [{entry.field}: {before or 'none'} -> {after or 'none'}]"


def _applied(event: TraceEvent) -> str:
    entry = event.entry
    assert entry is not None
    text = f"applied, {entry.message}{_change(entry)}."
    if entry.action == "hold" and event.condition is not None and event.condition.reads:
        reads = dict(event.condition.reads)
        text += " It read " + ", ".join(f"{p} = {shown(p, v)}" for p, v in reads.items())
        counts = counts_words(reads)
        text += f": {counts}." if counts else "."
    return text


def _warned(event: TraceEvent) -> str:
    warning = event.warning
    assert warning is not None
    text = f'warned, "{warning.message}": the visit is billed and flagged for review.'
    if event.condition is not None and event.condition.reads:
        reads = dict(event.condition.reads)
        text += " It read " + ", ".join(f"{p} = {shown(p, v)}" for p, v in reads.items())
        counts = counts_words(reads)
        text += f": {counts}." if counts else "."
    return text


def counts_words(reads: dict[str, Any]) -> str:
    """The counts across visits a condition read, as a billing specialist says them
    ("authorization day 13 of 12 authorized")."""
    words = []
    if (day := reads.get("visit.treatment_day")) is not None:
        words.append(f"treatment day {day} of the case")
    if (day := reads.get("visit.authorization_day")) is not None:
        authorized = reads.get("case.authorization_visits")
        tail = f" of {authorized} authorized" if authorized is not None else ""
        words.append(f"authorization day {day}{tail}")
    if (since := reads.get("visit.days_since_report")) is not None:
        words.append(f"{since} treatment day{'s' if since != 1 else ''} since the last report")
    if (day := reads.get("visit.year_day")) is not None:
        words.append(f"treatment day {day} of the year with this payer")
    return "; ".join(words)


def _did_nothing(rule: CompiledRule, event: TraceEvent, visit: Visit) -> str:
    kind, condition = event.kind, event.condition
    if kind is EventKind.SKIPPED and event.why == "payer":
        why = f" ({'; '.join(condition.reasons)})" if condition and condition.reasons else ""
        return f"skipped, the visit does not belong to payer {rule.payer}{why}."
    if kind is EventKind.SKIPPED and event.why == "dates":
        span = f"from {rule.effective or 'the start'} to {rule.through or 'no end'}"
        return f"skipped, not in effect on {visit.date_of_service} ({span})."
    if kind is EventKind.SKIPPED:
        has = ", ".join(sorted({c.cpt for c in visit.charges})) or "no lines"
        return f"did nothing, no line of the visit has a code it selects (the visit has {has})."
    if kind is EventKind.CONDITION_FALSE and condition is not None:
        counts = counts_words(dict(condition.reads))
        counts = f" ({counts})" if counts else ""
        if condition.reasons and condition.reasons[0].startswith("its 'unless'"):
            return f"did nothing, {condition.reasons[0]}{counts}."
        return "did nothing, its condition is false: " + "; ".join(condition.reasons) + f"{counts}."
    return f"did nothing, {rule.kind.unchanged(rule.action)}."


def explain_visit(
    rules: RuleSet,
    batch: Batch,
    visit_id: str,
    *,
    all_rules: bool = False,
    history: History | None = None,
) -> list[str]:
    """Plain sentences about one visit: where it ended up, then rule by rule in the order the
    rules apply, what each did (``all_rules``: also why each other rule did nothing).
    ``history``: the store a daily scrub keeps (read, never written here)."""
    visit = next((v for v in batch.visits if v.id == visit_id), None)
    rejected = [r for r in batch.rejected if r.id == visit_id]
    if visit is None:
        if rejected:
            return [
                f"Visit {visit_id} was not scrubbed: its record was rejected.",
                *(f"  {error}" for r in rejected for error in r.errors),
            ]
        raise UsageError(f"scrubber explain: no visit {visit_id!r} in the export")
    tracer = _VisitTracer(visit_id)
    patient, case = batch.patient_of(visit), batch.case_of(visit)
    # The patient's days up to the visit's, as the whole export's run scrubs them.
    run = rules.run(history, tracer)
    visits = day_visits(batch)
    run.send(visits)
    days = by_patient(visits)[patient.id]
    outcome = run.patient(
        patient.id, [group for day, group in days.items() if day <= visit.date_of_service]
    )[-1]
    billed = [v.charges for _, v in outcome.billed if v.id == visit_id]
    held = [h.charges for _, h in outcome.exceptions if h.visit_id == visit_id]
    if billed:
        where = "billed"
    elif held:
        where = "held on Billing Exceptions"
    else:
        where = "not billed (nothing left to bill)"
    warnings = [w for _, w in outcome.warnings if w.visit_id == visit_id]
    if warnings:
        where += f", flagged for review ({plural(len(warnings), 'warning')})"
    payers = rules.payers_of(patient, case, visit)
    shown_payers = ", ".join(sorted(payers - {BUILTIN_PAYER})) or "none (only rules for any payer)"
    lines = [
        f"Visit {visit_id} of patient {patient.id} on {visit.date_of_service} at {visit.location}: "
        f"payers {shown_payers}; the visit is {where}.",
        *_others_rejected(rejected),
        *_expected(billed[0] if billed else held[0] if held else (), held=bool(held)),
        *_pricing(rules, tracer),
    ]
    changed = 0
    for number, rule in enumerate(rules.rules, start=1):
        head = f"{number:3}. {rule.name} ({rule.source})"
        events = tracer.by_rule.get(rule.position, [])
        applied = [e for e in events if e.kind in (EventKind.APPLIED, EventKind.WARNED)]
        priced = [e for e in events if e.kind is EventKind.PRICED]
        if applied:
            changed += 1
            for n, event in enumerate(applied):
                said = _applied(event) if event.kind is EventKind.APPLIED else _warned(event)
                lines.append(f"{head if n == 0 else ' ' * len(head)}: {said}")
        elif priced and all_rules:
            # pricing changes nothing billed: listed under the expected payment, and here only
            # with every rule
            for n, event in enumerate(priced):
                lines.append(f"{head if n == 0 else ' ' * len(head)}: applied, {event.why}.")
        elif all_rules and events:
            lines.append(f"{head}: {_did_nothing(rule, events[0], visit)}")
    if not changed and not all_rules:
        lines.append("No rule changed this visit (--all lists every rule and why it did nothing).")
    return lines


def _expected(charges: Sequence[Charge], *, held: bool) -> list[str]:
    """What the visit's lines are expected to pay (``price`` rules), when any was priced."""
    priced = [c for c in charges if c.expected is not None]
    if not priced:
        return []
    each = ", ".join(f"{c.cpt} {c.expected} ({plural(c.units, 'unit')})" for c in priced)
    total = sum((c.expected for c in priced if c.expected is not None), start=Decimal("0.00"))
    tail = ", held up" if held else ""
    return [f"Expected payment: {each}; {total} in all{tail}."]


def _pricing(rules: RuleSet, tracer: _VisitTracer) -> list[str]:
    """Each line a ``price`` rule priced, under the expected payment (no audit entry says it)."""
    return [
        f"  priced by {rule.name} ({rule.source}): {event.why}."
        for rule in rules.rules
        for event in tracer.by_rule.get(rule.position, [])
        if event.kind is EventKind.PRICED
    ]


def _others_rejected(rejected: Sequence[Rejected]) -> list[str]:
    """A record rejected under the same id as the visit explained (a duplicate sent later)."""
    return [
        f"Another record with this id was rejected ({r.path}): {'; '.join(r.errors)}"
        for r in rejected
    ]
