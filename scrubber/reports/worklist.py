"""The exceptions as a billing specialist works them: every held visit and rejected record, with
what is needed to fix it without opening another system.

Visits a ``warn`` rule flagged (§15) are listed apart, after the holds: they are billed as
usual, and a specialist reviews them. For a held visit: the patient's name, the payer, location,
provider and date, the rule that held it (its description is the fix: "Medicare needs a 9-digit
ZIP"), its message, and the values its condition read, shown so that what is wrong is visible
(a trailing space in ``"A123 "``). A visit held for two reasons is two items. A rejected record
is one item per problem, with the path of the bad value; its patient is not known (the record could not be read).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from scrubber.formats.sheets import csv_text
from scrubber.model.records import Batch, Visit
from scrubber.model.results import HeldVisit, HoldReason, ScrubResult, VisitWarning
from scrubber.shown import cell, visible_lines
from scrubber.words import plural

__all__ = [
    "CSV_COLUMNS",
    "WorkItem",
    "shown_value",
    "sorted_by_amount",
    "worklist",
    "worklist_csv",
    "worklist_document",
    "worklist_json",
    "worklist_table",
]


@attrs.frozen
class WorkItem:
    """One thing to fix or review: ``kind`` is ``held``, ``warned`` (billed, flagged for
    review) or ``rejected``."""

    kind: str
    visit_id: str
    patient: str
    payer: str
    location: str
    provider: str
    date_of_service: date | None
    rule: str
    #: where the rule is written (held), or the path of the record (rejected)
    source: str
    message: str
    #: (path, value) the hold's condition read
    values: tuple[tuple[str, Any], ...]
    #: what to do: the rule's description, or for a rejected record what the problem says
    fix: str
    #: units the visit holds back (held visits)
    units: int = 0
    #: the charges the visit holds up (§14); None when none of its lines has a charge
    amount: Decimal | None = None
    #: the expected payment the visit holds up (``price`` rules); None when no line was priced
    expected: Decimal | None = None


def shown_value(value: Any) -> str:
    """A value as a specialist must see it: text in quotes so that spaces show, lists as words,
    missing as missing."""
    if value is None or value in ((), []):
        return "missing"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _patient_name(batch: Batch, visit: Visit) -> str:
    patient = batch.patient_of(visit)
    return " ".join(part for part in (patient.first_name, patient.last_name) if part)


def worklist(
    batch: Batch, result: ScrubResult, descriptions: Mapping[str, str] | None = None
) -> tuple[WorkItem, ...]:
    """The held visits (one item per reason, in result order), the visits ``warn`` rules
    flagged (one item per warning), then the rejected records (one item per problem).
    ``descriptions`` (rule name -> description) fill in a reason written
    without one (a result from an older scrubber)."""
    visits = {visit.id: visit for visit in batch.visits}
    items: list[WorkItem] = []
    for held in result.exceptions:
        visit = visits.get(held.visit_id)
        units = sum(charge.units for charge in held.charges)
        amounts = [c.amount for c in held.charges if c.amount is not None]
        amount = sum(amounts, start=Decimal("0.00")) if amounts else None
        priced = [c.expected for c in held.charges if c.expected is not None]
        expected = sum(priced, start=Decimal("0.00")) if priced else None
        for reason in held.reasons:
            item = _held(batch, visit, held, reason, units=units, descriptions=descriptions or {})
            items.append(attrs.evolve(item, amount=amount, expected=expected))
    for warning in result.warnings:
        visit = visits.get(warning.visit_id)
        held_like = HeldVisit(warning.visit_id, warning.patient_id, warning.date_of_service, (), ())
        item = _held(batch, visit, held_like, _reason(warning), units=0,
                     descriptions=descriptions or {})  # fmt: skip
        items.append(attrs.evolve(item, kind="warned"))
    for record in result.rejected:
        for error in record.errors:
            path, _, problem = error.partition(": ")
            items.append(WorkItem(
                "rejected", record.id or "", "", "", "", "", None, "", record.path,
                error, (), f"fix {path} in the EMR: {problem or error}",
            ))  # fmt: skip
    return tuple(items)


def _reason(warning: VisitWarning) -> HoldReason:
    return HoldReason(
        warning.rule, warning.source, warning.message, warning.description, warning.values
    )


def _held(
    batch: Batch,
    visit: Visit | None,
    held: HeldVisit,
    reason: HoldReason,
    *,
    units: int,
    descriptions: Mapping[str, str],
) -> WorkItem:
    fix = reason.description or descriptions.get(reason.rule, "") or reason.message
    if visit is None:  # a result read without its export
        return WorkItem("held", held.visit_id, "", "", "", "", held.date_of_service, reason.rule,
                        reason.source, reason.message, reason.values, fix, units)  # fmt: skip
    case = batch.case_of(visit)
    payer = f"{case.insurance.payer_id} ({case.insurance.class_.value})"
    provider = f"{visit.provider.id} ({visit.provider.role.value})"
    return WorkItem(
        "held", visit.id, _patient_name(batch, visit), payer, visit.location, provider,
        visit.date_of_service, reason.rule, reason.source, reason.message, reason.values, fix,
        units,
    )  # fmt: skip


def sorted_by_amount(items: tuple[WorkItem, ...]) -> tuple[WorkItem, ...]:
    """The held visits by the charges they hold up, most first (then by the expected payment
    they hold up, then by units; a visit without a charge last, export order kept among
    equals), each with its reasons together; the rejected records after them, as they were."""
    held = [item for item in items if item.kind == "held"]
    first: dict[str, int] = {}
    for n, item in enumerate(held):
        first.setdefault(item.visit_id, n)
    ranked = sorted(
        held,
        key=lambda i: (
            i.amount is None,
            -(i.amount or 0),
            i.expected is None,
            -(i.expected or 0),
            -i.units,
            first[i.visit_id],
        ),
    )
    return (*ranked, *(item for item in items if item.kind != "held"))


def _values_text(item: WorkItem) -> str:
    return "; ".join(f"{path} = {shown_value(value)}" for path, value in item.values)


def worklist_document(items: tuple[WorkItem, ...]) -> dict[str, Any]:
    def one(item: WorkItem) -> dict[str, Any]:
        return {
            "kind": item.kind, "visit_id": item.visit_id, "patient": item.patient,
            "payer": item.payer, "location": item.location, "provider": item.provider,
            "date_of_service": item.date_of_service.isoformat() if item.date_of_service else None,
            "rule": item.rule, "source": item.source, "message": item.message,
            "values": {path: list(v) if isinstance(v, tuple) else v for path, v in item.values},
            "fix": item.fix, "units": item.units,
            **({} if item.amount is None else {"amount": str(item.amount)}),
            **({} if item.expected is None else {"expected": str(item.expected)}),
        }  # fmt: skip

    held = [item for item in items if item.kind == "held"]
    warned = [item for item in items if item.kind == "warned"]
    amounts = {item.visit_id: item.amount for item in held if item.amount is not None}
    expected = {item.visit_id: item.expected for item in held if item.expected is not None}
    return {
        "held_visits": len({item.visit_id for item in held}),
        "held_units": sum({item.visit_id: item.units for item in held}.values()),
        **({"held_amount": str(sum(amounts.values(), start=Decimal("0.00")))} if amounts else {}),
        **(
            {"held_expected": str(sum(expected.values(), start=Decimal("0.00")))}
            if expected
            else {}
        ),
        "warned_visits": len({item.visit_id for item in warned}),
        "warnings": len(warned),
        "rejected_records": len({item.source for item in items if item.kind == "rejected"}),
        "items": [one(item) for item in items],
    }


def worklist_json(items: tuple[WorkItem, ...]) -> str:
    return json.dumps(worklist_document(items), ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = (
    "kind", "line", "visit_id", "patient", "payer", "location", "provider", "date_of_service",
    "rule", "source", "message", "values", "fix", "units", "amount", "expected",
)  # fmt: skip


def worklist_csv(items: tuple[WorkItem, ...]) -> str:
    """The long format, so that a pivot table sums it right: per held visit one ``visit`` line
    carrying its units, then one ``reason`` line per reason (rule, message, values read, fix;
    no units: a visit held for two reasons holds its units once); per rejected record one
    ``problem`` line per problem; per warning one ``warned`` ``warning`` line (no units: the
    visit is billed). Who, where and when are on every line, for filtering.
    Summing ``units`` gives the units held back, ``amount`` the charges they hold up and
    ``expected`` the payment (both blank when unknown), counting ``visit`` lines the held visits."""
    rows: list[tuple[object, ...]] = []
    seen: set[str] = set()
    for item in items:
        when = item.date_of_service.isoformat() if item.date_of_service else ""
        who = (item.visit_id, item.patient, item.payer, item.location, item.provider, when)
        if item.kind == "held" and item.visit_id not in seen:
            seen.add(item.visit_id)
            money = (_money(item.amount), _money(item.expected))
            rows.append(("held", "visit", *who, "", "", "", "", "", item.units, *money))
        line = {"held": "reason", "warned": "warning"}.get(item.kind, "problem")
        rows.append((item.kind, line, *who, item.rule, item.source, item.message,
                     _values_text(item), item.fix, "", "", ""))  # fmt: skip
    return csv_text(CSV_COLUMNS, rows)


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else str(amount)


def _cut(text: str, width: int) -> str:
    return cell(text, width)


def worklist_table(items: tuple[WorkItem, ...]) -> str:
    held = [item for item in items if item.kind == "held"]
    rejected = [item for item in items if item.kind == "rejected"]
    warned = [item for item in items if item.kind == "warned"]
    lines = [
        f"Worklist: {plural(len({i.visit_id for i in held}), 'held visit')} "
        f"({plural(len(held), 'reason')}), "
        + (
            f"{plural(len({i.visit_id for i in warned}), 'visit')} flagged for review "
            f"({plural(len(warned), 'warning')}), "
            if warned
            else ""
        )
        + f"{plural(len({i.source for i in rejected}), 'rejected record')}",
    ]
    previous = None
    for item in held:
        if item.visit_id != previous:
            lines += [
                "",
                f"{item.visit_id}  {item.date_of_service}  {_cut(item.patient, 40)}  "
                f"({item.units} unit{'' if item.units == 1 else 's'} held"
                f"{'' if item.amount is None else f', charges {item.amount} held'}"
                f"{'' if item.expected is None else f', expected payment {item.expected} held up'})",
                f"  payer {_cut(item.payer, 40)}, {_cut(item.location, 40)}, "
                f"provider {_cut(item.provider, 30)}",
            ]
            previous = item.visit_id
        lines.append(f"  - held by {item.rule} ({item.source}): {_cut(item.message, 120)}")
        if item.values:
            lines.append(f"    read: {_cut(_values_text(item), 160)}")
        lines.append(f"    fix: {_cut(item.fix, 160)}")
    if warned:
        lines += ["", "flagged for review (billed as usual):"]
        previous = None
        for item in warned:
            if item.visit_id != previous:
                lines.append(
                    f"  {item.visit_id}  {item.date_of_service}  {_cut(item.patient, 40)}  "
                    f"payer {_cut(item.payer, 40)}, provider {_cut(item.provider, 30)}"
                )
                previous = item.visit_id
            lines.append(f"    - warned by {item.rule} ({item.source}): {_cut(item.message, 120)}")
            if item.values:
                lines.append(f"      read: {_cut(_values_text(item), 160)}")
            lines.append(f"      review: {_cut(item.fix, 160)}")
    if rejected:
        lines += ["", "rejected records (not scrubbed, fix them in the EMR and export again):"]
        for item in rejected:
            lines.append(
                f"  {_cut(item.source, 30)} ({item.visit_id or 'no id'}): {_cut(item.message, 160)}"
            )
    return visible_lines("\n".join(lines) + "\n")
