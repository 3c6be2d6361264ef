"""What a rule change does: every visit of past exports whose outcome differs between two rule
sets, with the rules that acted differently on it.

Both rule sets scrub the same exports, in order (a month of daily files), each side with its
own copy of the history (the given one, never written; else an empty one), so that rules
looking across visits see the same earlier days on both sides. The new rules scrub only the
patients a changed rule can reach (``scrubber.engine.reach``): every other patient's outcome is
the old rules' outcome, by construction, so it is taken from the old side's run rather than
computed twice (what brings ``impact`` under two scrubs). Each scrub runs with a tracer;
the rules that acted differently on a visit are those whose changes to it (the APPLIED events
of that one run: action, line, field, before, after, units) differ between the two sides.
Nothing is re-derived: what the report says a rule did is what the scrub heard it do.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from scrubber.engine.day import DayVisit
from scrubber.engine.merge import merge
from scrubber.engine.program import Program
from scrubber.engine.reach import Reach
from scrubber.engine.ruleset import RuleSet
from scrubber.engine.run import Run, by_patient, day_visits
from scrubber.engine.trace import CHANGES, EventKind, TraceEvent
from scrubber.errors import ScrubberError
from scrubber.history.store import HistoryStore
from scrubber.model.measures import CHARGES
from scrubber.model.records import Batch, Charge
from scrubber.model.results import ScrubResult
from scrubber.shown import double_quoted

__all__ = ["Impact", "Outcome", "RuleChange", "RuleTotal", "VisitChange", "impact", "outcome_of"]

#: one change a rule made, as the tracer heard it (the audit entry without its number, its
#: wording and where the rule is written, which may move without the rule acting differently)
Effect = tuple[str, str | None, str | None, str, str, str, int]


_ZERO = Decimal("0.00")


def _expected(charge: Charge) -> Decimal:
    """A line's expected payment. The third measure: pricing (``price by table``) puts it on
    billed lines as ``expected``; until a rule set prices lines, there is none (0.00)."""
    value = getattr(charge, "expected", None)
    return value if isinstance(value, Decimal) else _ZERO


#: the money an outcome carries, each summed over its lines: (name, a line's figure)
MONEY = (("amount", CHARGES.charge_level), ("expected", _expected))


@attrs.frozen
class Outcome:
    """What one side did to one visit."""

    #: "billed", "held" or "nothing to bill"
    status: str
    #: the lines as billed (or as they will be once a held visit is fixed): code, units,
    #: modifiers, in order
    lines: tuple[tuple[str, int, tuple[str, ...]], ...]
    #: hold messages, in order
    holds: tuple[str, ...]
    #: the lines' charges and expected payment (``MONEY``), billed or held
    amount: Decimal = _ZERO
    expected: Decimal = _ZERO

    @property
    def units(self) -> int:
        """Units that flow to billing: none while the visit is held."""
        return 0 if self.status != "billed" else sum(units for _, units, _ in self.lines)

    @property
    def amount_billed(self) -> Decimal:
        """Charges that flow to billing: none while the visit is held."""
        return _ZERO if self.status != "billed" else self.amount

    @property
    def expected_billed(self) -> Decimal:
        return _ZERO if self.status != "billed" else self.expected

    def units_by_code(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for code, units, _ in self.lines:
            found[code] = found.get(code, 0) + units
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "units": self.units,
            "lines": [{"cpt": c, "units": u, "modifiers": list(m)} for c, u, m in self.lines],
            "holds": list(self.holds),
            "amount": str(self.amount_billed),
            "expected": str(self.expected_billed),
        }


NOTHING = Outcome("nothing to bill", (), ())


@attrs.frozen
class RuleChange:
    """A rule that acted differently on a visit: where it is written on each side (None: it
    did nothing to the visit on that side)."""

    rule: str
    before: str | None
    after: str | None


@attrs.frozen
class VisitChange:
    visit_id: str
    patient_id: str
    date_of_service: str
    before: Outcome
    after: Outcome
    rules: tuple[RuleChange, ...]


@attrs.frozen
class RuleTotal:
    rule: str
    source: str
    visits: int
    #: the change of billed units over the visits this rule acted differently on
    units_delta: int
    #: the same for billed charges and expected payment
    amount_delta: Decimal = _ZERO
    expected_delta: Decimal = _ZERO

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "source": self.source, "visits": self.visits,
            "units_delta": self.units_delta, "amount_delta": str(self.amount_delta),
            "expected_delta": str(self.expected_delta),
        }  # fmt: skip


@attrs.frozen
class Impact:
    visits: int
    changed: tuple[VisitChange, ...]
    units_before: int
    units_after: int
    rules: tuple[RuleTotal, ...]
    amount_before: Decimal = _ZERO
    amount_after: Decimal = _ZERO
    expected_before: Decimal = _ZERO
    expected_after: Decimal = _ZERO

    def to_json(self) -> dict[str, Any]:
        return {
            "totals": {
                "visits": self.visits,
                "visits_changed": len(self.changed),
                "units_before": self.units_before,
                "units_after": self.units_after,
                "amount_before": str(self.amount_before),
                "amount_after": str(self.amount_after),
                "expected_before": str(self.expected_before),
                "expected_after": str(self.expected_after),
            },
            "rules": [total.to_json() for total in self.rules],
            "visits": [
                {
                    "visit_id": change.visit_id,
                    "patient_id": change.patient_id,
                    "date_of_service": change.date_of_service,
                    "before": change.before.to_json(),
                    "after": change.after.to_json(),
                    "rules": [attrs.asdict(rule) for rule in change.rules],
                }
                for change in self.changed
            ],
        }


def outcome_of(result: ScrubResult) -> dict[str, Outcome]:
    """Every visit of a result by id: billed, held, or nothing to bill (not in either list)."""
    found: dict[str, Outcome] = {}
    for visit in result.billed:
        lines = tuple((c.cpt, c.units, tuple(c.modifiers)) for c in visit.charges)
        found[visit.id] = Outcome("billed", lines, (), *_money(visit.charges))
    for held in result.exceptions:
        lines = tuple((c.cpt, c.units, tuple(c.modifiers)) for c in held.charges)
        holds = tuple(r.message for r in held.reasons)
        found[held.visit_id] = Outcome("held", lines, holds, *_money(held.charges))
    return found


def _money(charges: tuple[Charge, ...]) -> tuple[Decimal, ...]:
    return tuple(sum((figure(c) for c in charges), start=_ZERO) for _, figure in MONEY)


class _EffectTracer:
    """The changes each rule made to each visit, and where each rule is written. It asks the
    engine for the changes only (``kinds``), without what conditions read (``reads``): the
    scrub then runs as a plain one, and tells this tracer of each change as it records it."""

    kinds = CHANGES
    reads = False

    def __init__(self) -> None:
        self.effects: dict[str, dict[str, Counter[Effect]]] = {}
        self.sources: dict[str, str] = {}

    def event(self, event: TraceEvent) -> None:
        if event.kind is not EventKind.APPLIED or event.entry is None:
            return
        entry = event.entry
        self.sources[entry.rule] = entry.source
        effect: Effect = (
            entry.action, entry.charge_id, entry.cpt, entry.field,
            repr(entry.before), repr(entry.after), entry.units_delta,
        )  # fmt: skip
        self.effects.setdefault(entry.visit_id, {}).setdefault(entry.rule, Counter())[effect] += 1

    def forget(self, visit_ids: Iterable[str]) -> None:
        """Drop what was heard of visits about to be scrubbed again (sent again in a later
        export): the report compares a visit's last outcomes, so the rules that acted
        differently on it are those of its last scrub. Summed over its scrubs instead, a rule
        would differ on the new side only where the reach let the new rules scrub the earlier
        export too."""
        for visit_id in visit_ids:
            self.effects.pop(visit_id, None)


@attrs.frozen
class _Side:
    outcomes: dict[str, Outcome] = attrs.field(factory=dict)
    tracer: _EffectTracer = attrs.field(factory=_EffectTracer)


def _reached(program: Program, reach: Reach | None, days: Iterable[Sequence[DayVisit]]) -> bool:
    """Whether a changed rule can reach one of a patient's days (any, without a reach)."""
    if reach is None:
        return True
    for group in days:
        payers = frozenset().union(*(program.payers_of(p, c, v) for _, p, c, v in group))
        codes = frozenset(charge.cpt for item in group for charge in item.visit.charges)
        if reach.reaches(payers, group[0].visit.date_of_service, codes):
            return True
    return False


def _scrub(
    before: RuleSet,
    after: RuleSet,
    batches: Sequence[Batch],
    *,
    reach: Reach | None,
    history: Path | None,
    work: Path,
) -> tuple[_Side, _Side]:
    """Both sides' outcomes and tracers. The old rules scrub every patient; the new ones the
    patients a changed rule can reach (every patient when ``reach`` is None), from the first
    day it can reach on. A patient not reached has the old side's outcome on the new side too,
    and its facts go to the new side's history as well, so that its store holds exactly what
    a whole scrub with the new rules would have kept there (``scrubber.engine.reach``)."""
    old, new = _Side(), _Side()
    stores = [work / "before.sqlite", work / "after.sqlite"]
    if history is not None:
        for store in stores:
            shutil.copyfile(history, store)
    reached: set[str] = set()
    with HistoryStore.open(stores[0]) as kept_old, HistoryStore.open(stores[1]) as kept_new:
        for batch in batches:
            visits = day_visits(batch)
            patients = by_patient(visits)
            for side in (old, new):
                side.tracer.forget(item.visit.id for item in visits)
            reached.update(
                patient
                for patient, days in patients.items()
                if patient not in reached and _reached(before.program, reach, days.values())
            )
            with kept_old.session():
                run = Run(before.program, kept_old, old.tracer)
                was = run.batch(visits)
                run.record(was)
            with kept_new.session():
                run = Run(after.program, kept_new, new.tracer)
                run.send(visits)
                now = [
                    outcome
                    for patient, days in patients.items()
                    if patient in reached
                    for outcome in run.patient(patient, days.values())
                ]
                kept_new.record(fact for outcome in now for fact in outcome.facts)
                kept_new.record(
                    fact for o in was for fact in o.facts if fact.patient_id not in reached
                )
            seen_old = outcome_of(merge(was, batch.rejected))
            seen_new = outcome_of(merge(now, ()))
            for item in visits:
                visit_id = item.visit.id
                old.outcomes[visit_id] = seen_old.get(visit_id, NOTHING)
                new.outcomes[visit_id] = (
                    seen_new.get(visit_id, NOTHING)
                    if item.patient.id in reached
                    else old.outcomes[visit_id]
                )
    return old, new


def impact(
    before: RuleSet,
    after: RuleSet,
    batches: Sequence[Batch],
    *,
    history: str | Path | None = None,
    every_patient: bool = False,
) -> Impact:
    """Scrub ``batches`` (in order) with both rule sets and list every visit that differs.
    ``history`` is read (a copy is scrubbed against), never written. The new rules scrub only
    the patients a changed rule can reach (``scrubber.engine.reach``); ``every_patient``
    scrubs all of them with both, as a check of that reach. A batch that holds one visit id
    twice is refused (``ScrubberError``): visits are compared by their ids, and every reader
    refuses such an export."""
    for number, batch in enumerate(batches, start=1):
        seen: set[str] = set()
        for visit in batch.visits:
            if visit.id in seen:
                raise ScrubberError(
                    f"export {number}: visit id {double_quoted(visit.id)} appears twice; "
                    "impact compares visits by their ids"
                )
            seen.add(visit.id)
    reach = None if every_patient else Reach.between(before.program, after.program)
    with tempfile.TemporaryDirectory(prefix="scrubber-impact-") as temp:
        given = Path(history) if history is not None else None
        old, new = _scrub(before, after, batches, reach=reach, history=given, work=Path(temp))
    visits = {visit.id: visit for batch in batches for visit in batch.visits}
    patients = {
        visit.id: batch.case_of(visit).patient_id for batch in batches for visit in batch.visits
    }
    changed = []
    for visit_id, visit in visits.items():
        was, now = old.outcomes[visit_id], new.outcomes[visit_id]
        if was == now:
            continue
        rules = _rules_that_differ(visit_id, old.tracer, new.tracer)
        changed.append(VisitChange(visit_id, patients[visit_id], visit.date_of_service.isoformat(),
                                   was, now, rules))  # fmt: skip
    was_all, now_all = old.outcomes.values(), new.outcomes.values()
    return Impact(
        len(visits), tuple(changed),
        sum(o.units for o in was_all), sum(o.units for o in now_all),
        _rule_totals(changed, old.tracer, new.tracer, after),
        sum((o.amount_billed for o in was_all), start=_ZERO),
        sum((o.amount_billed for o in now_all), start=_ZERO),
        sum((o.expected_billed for o in was_all), start=_ZERO),
        sum((o.expected_billed for o in now_all), start=_ZERO),
    )  # fmt: skip


def _rules_that_differ(
    visit_id: str, old: _EffectTracer, new: _EffectTracer
) -> tuple[RuleChange, ...]:
    was = old.effects.get(visit_id, {})
    now = new.effects.get(visit_id, {})
    found = []
    for rule in sorted(set(was) | set(now)):
        if was.get(rule) != now.get(rule):
            found.append(RuleChange(
                rule, old.sources.get(rule) if rule in was else None,
                new.sources.get(rule) if rule in now else None,
            ))  # fmt: skip
    return tuple(found)


def _rule_totals(
    changed: Iterable[VisitChange], old: _EffectTracer, new: _EffectTracer, after: RuleSet
) -> tuple[RuleTotal, ...]:
    """Each rule's total over the visits it acted differently on, named where the new rules
    write it (where the old ones did, for a rule they no longer have). Where the new rules
    write a rule is asked of them, not only of what their scrub heard: the new side hears a
    rule only on the patients it scrubs (``scrubber.engine.reach``), and a rule that moved may
    have acted, on the new side, only on patients the reach left to the old rules."""
    written = {rule.name: rule.source for rule in after.program.rules}
    if len(written) != len(after.program.rules):  # a name twice: only the scrub can tell
        written = {}
    visits: dict[str, int] = {}
    units: dict[str, int] = {}
    amounts: dict[str, Decimal] = {}
    expected: dict[str, Decimal] = {}
    for change in changed:
        was, now = change.before, change.after
        for rule in change.rules:
            name = rule.rule
            visits[name] = visits.get(name, 0) + 1
            units[name] = units.get(name, 0) + now.units - was.units
            amounts[name] = amounts.get(name, _ZERO) + now.amount_billed - was.amount_billed
            expected[name] = expected.get(name, _ZERO) + now.expected_billed - was.expected_billed
    return tuple(
        RuleTotal(rule, new.sources.get(rule) or written.get(rule) or old.sources.get(rule) or "",
                  count, units[rule], amounts[rule], expected[rule])
        for rule, count in sorted(visits.items(), key=lambda item: (-item[1], item[0]))
    )  # fmt: skip
