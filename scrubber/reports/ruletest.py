"""Rule tests: small visits written in the rule language, scrubbed, and checked.

```
test "Medicare pays unattended e-stim as G0283" for medicare:
    with insurance.class = "medicare"
    charge 97014 units 1
    expect G0283 units 1
    expect 97014 not billed
```

Each test builds one patient and case with defaults that pass the data-quality holds (a home
address with ZIP+4, a phone without extension, policy dates, a PT provider, a daily note on
2026-03-02), changes what its ``with``/``without`` lines say, adds its charge lines (``next
visit`` starts another visit of the same patient), scrubs, and compares. Coverage counts the
rules that changed something (or held a visit) in at least one test: a tracer of the tests' own
scrubs tells it.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs

from scrubber.engine.ruleset import RuleSet
from scrubber.engine.trace import CoverageTracer
from scrubber.lang import ast
from scrubber.lang.checked import CheckedRules
from scrubber.lang.expects import EXPECTS, Observed, ObservedLine
from scrubber.model.fields import FIELDS, Subject, evolve_path
from scrubber.model.records import (
    Address,
    Batch,
    Case,
    Charge,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    Phone,
    Provider,
    ProviderRole,
    Visit,
)
from scrubber.model.results import AuditEntry, ScrubResult

__all__ = ["TestOutcome", "TestReport", "run_tests"]

DEFAULT_DAY = date(2026, 3, 2)


@attrs.frozen
class TestOutcome:
    file: str
    test: ast.RuleTest
    failures: tuple[str, ...]
    audit: tuple[AuditEntry, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


@attrs.frozen
class TestReport:
    outcomes: tuple[TestOutcome, ...]
    rules: tuple[str, ...]
    covered: frozenset[str]

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.passed

    @property
    def uncovered(self) -> tuple[str, ...]:
        return tuple(r for r in self.rules if r not in self.covered)

    @property
    def coverage(self) -> float:
        return (
            100.0
            if not self.rules
            else 100.0 * (len(self.rules) - len(self.uncovered)) / len(self.rules)
        )


def _default_records(day: date) -> tuple[Patient, Case, Visit]:
    patient = Patient(
        id="P-TEST", first_name="Test", last_name="Patient", birth_date=date(1950, 1, 1),
        middle_initial="T", ssn="900000001",
        addresses=(Address("home", "1 Main St", "Phoenix", "AZ", "850041234", primary=True),),
        phones=(Phone("6025550100", primary=True),),
    )  # fmt: skip
    case = Case(
        id="C-TEST", patient_id="P-TEST",
        insurance=Insurance("TEST", InsuranceClass.COMMERCIAL, "S-TEST", policy_start=date(2026, 1, 1)),
        therapy_ytd_amount=Decimal("0.00"),
    )  # fmt: skip
    visit = Visit(
        id="V1", case_id="C-TEST", date_of_service=day, location="Main St",
        provider=Provider("PT-TEST", ProviderRole.PT), note_type=NoteType.DAILY, charges=(),
        finalized_on=day,
    )  # fmt: skip
    return patient, case, visit


def _value(given: ast.Given) -> Any:
    if given.value is None:
        return None
    field = FIELDS[given.path.name]
    raw = given.value.value
    if isinstance(field.python_type, type) and issubclass(field.python_type, enum.Enum):
        return field.python_type(raw)
    return raw


def _with_primary(patient: Patient, kind: str, rest: tuple[str, ...], value: Any) -> Patient:
    """Change the primary address or phone (``rest`` empty: leave the patient without one)."""
    if kind == "address":
        if not rest:
            return attrs.evolve(patient, addresses=())
        addresses = tuple(
            _evolve(a, rest, value) if a is patient.address else a for a in patient.addresses
        )
        return attrs.evolve(patient, addresses=addresses)
    if not rest:
        return attrs.evolve(patient, phones=())
    phones = tuple(_evolve(p, rest, value) if p is patient.phone else p for p in patient.phones)
    return attrs.evolve(patient, phones=phones)


def _evolve(record: Any, chain: tuple[str, ...], value: Any) -> Any:
    # The primary address and phone are derived, not attributes: change the item itself.
    if chain[0] in ("address", "phone") and isinstance(record, Patient):
        return _with_primary(record, chain[0], chain[1:], value)
    return evolve_path(record, chain, value)


def build_batch(test: ast.RuleTest) -> Batch:
    """The test's visits as a batch (one patient, one case)."""
    patient, case, visit = _default_records(ast.checked_date(test.on) or DEFAULT_DAY)
    visits: list[Visit] = []
    charges: list[Charge] = []

    def close() -> None:
        visits.append(attrs.evolve(visit, charges=tuple(charges)))

    for step in test.steps:
        if isinstance(step, ast.NextVisit):
            close()
            charges = []
            day = ast.checked_date(step.on) or visit.date_of_service
            visit = attrs.evolve(
                visit, id=f"V{len(visits) + 1}", date_of_service=day, finalized_on=day
            )
        elif isinstance(step, ast.RepeatVisit):
            # copies of the visit so far, charges and all, each ``every`` days after the last
            for _ in range(max(step.times, 0)):
                close()
                day = visit.date_of_service + timedelta(
                    days=1 if step.every is None else step.every
                )
                visit = attrs.evolve(
                    visit, id=f"V{len(visits) + 1}", date_of_service=day, finalized_on=day
                )
                charges = [
                    attrs.evolve(c, id=f"{visit.id}-{n}") for n, c in enumerate(charges, start=1)
                ]
        elif isinstance(step, ast.TestCharge):
            charges.append(Charge(f"{visit.id}-{len(charges) + 1}", step.cpt, step.units, step.minutes,
                                  step.modifiers))  # fmt: skip
        else:
            name = step.path.name
            if name in ("patient.address", "patient.phone"):
                patient = _evolve(patient, (name.split(".")[1],), None)
                continue
            field = FIELDS[name]
            value = _value(step)
            if field.subject is Subject.PATIENT:
                patient = _evolve(patient, field.attribute, value)
            elif field.subject is Subject.CASE:
                case = _evolve(case, field.attribute, value)
            else:
                visit = _evolve(visit, field.attribute, value)
    close()
    return Batch((patient,), (case,), tuple(visits))


def _check(
    test: ast.RuleTest, batch: Batch, rules: RuleSet, coverage: CoverageTracer
) -> tuple[list[str], tuple[AuditEntry, ...]]:
    result = rules.scrub(batch, tracer=coverage)
    failures: list[str] = []
    first = batch.visits[0]
    if test.payer and test.payer not in rules.payers_of(batch.patients[0], batch.cases[0], first):
        failures.append(
            f"the test's visit does not belong to payer {test.payer} (set its insurance)"
        )
    observed = _observed(result)
    everything = Observed(
        tuple(line for seen in observed.values() for line in seen.lines),
        tuple(reason for seen in observed.values() for reason in seen.reasons),
        tuple(warning for seen in observed.values() for warning in seen.warnings),
    )
    for expect in test.expects:
        if expect.visit is None:
            failure = EXPECTS.kind_of(expect).evaluate(expect, everything)
        else:
            visit_id = f"V{expect.visit}"
            seen = observed.get(visit_id, Observed((), ()))
            failure = EXPECTS.kind_of(expect).evaluate(expect, seen)
            failure = failure and f"visit {expect.visit}: {failure}"
        if failure:
            failures.append(failure)
    return failures, result.audit


def _observed(result: ScrubResult) -> dict[str, Observed]:
    """What the scrub did, visit by visit (ids V1, V2, ... as ``build_batch`` numbers them)."""
    seen: dict[str, tuple[list[ObservedLine], list[str], list[str]]] = {}

    def of(visit_id: str) -> tuple[list[ObservedLine], list[str], list[str]]:
        return seen.setdefault(visit_id, ([], [], []))

    for billed in result.billed:
        of(billed.id)[0].extend(
            ObservedLine(c.cpt, c.units, tuple(c.modifiers)) for c in billed.charges
        )
    for held in result.exceptions:
        lines, reasons, _ = of(held.visit_id)
        lines.extend(ObservedLine(c.cpt, c.units, tuple(c.modifiers)) for c in held.charges)
        reasons.extend(r.message for r in held.reasons)
    for warning in result.warnings:
        of(warning.visit_id)[2].append(warning.message)
    return {
        visit_id: Observed(tuple(lines), tuple(reasons), tuple(warnings))
        for visit_id, (lines, reasons, warnings) in seen.items()
    }


def run_tests(
    checked: CheckedRules, rules: RuleSet | None = None, *, pattern: str | None = None
) -> TestReport:
    """Run the tests of the checked files against their rules (``pattern``: only the tests
    whose name holds it, case ignored)."""
    rules = rules or RuleSet.compile(checked)
    outcomes = []
    coverage = CoverageTracer()
    wanted = pattern.casefold() if pattern else None
    for rule_file in checked.files:
        for test in rule_file.tests:
            if wanted is not None and wanted not in test.name.casefold():
                continue
            failures, audit = _check(test, build_batch(test), rules, coverage)
            outcomes.append(TestOutcome(rule_file.path, test, tuple(failures), audit))
    names = tuple(rule.name for rule in rules.rules)
    return TestReport(tuple(outcomes), names, frozenset(coverage.applied))
