"""Is this result the scrub of this export? Asked before balancing, reconciling or listing work.

A report over a result that belongs to another export (yesterday's, or one edited after the
scrub) would show differences that are nobody's fault, and call them a bug in scrubber. So the
reports first check what scrubbing guarantees: every visit of the result is a visit of the
export, every visit of the export is somewhere in the result, the same records were rejected,
and for every visit and code the export's units are the billed, held and audited units.
"""

from __future__ import annotations

from collections import Counter

from scrubber.errors import UsageError
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult
from scrubber.words import plural

__all__ = ["ResultMismatch", "check_result_of"]

_SHOWN = 3


class ResultMismatch(UsageError):
    """The result is not the scrub of the export (one line saying where they part)."""


def _some(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _visits(ids: list[str]) -> str:
    return ("visit " if len(ids) == 1 else "visits ") + _some(ids)


def _are(ids: list[str]) -> str:
    return "is" if len(ids) == 1 else "are"


def check_result_of(batch: Batch, result: ScrubResult, export: str, result_name: str) -> None:
    """Raise ``ResultMismatch`` naming the first way ``result`` is not the scrub of ``batch``."""
    ask = f"is {result_name} the result of scrubbing {export}, and was neither changed since?"
    known = {visit.id for visit in batch.visits}
    placed = (
        [visit.id for visit in result.billed]
        + [held.visit_id for held in result.exceptions]
        + [entry.visit_id for entry in result.audit]
    )
    strangers = sorted(set(placed) - known)
    if strangers:
        raise ResultMismatch(
            f"{_visits(strangers)} of the result {_are(strangers)} not in the export: {ask}"
        )
    missing = [visit.id for visit in batch.visits if visit.id not in set(placed)]
    if missing:
        raise ResultMismatch(
            f"{_visits(missing)} of the export {_are(missing)} not in the result: {ask}"
        )
    read = sorted((r.path, r.id or "") for r in batch.rejected)
    written = sorted((r.path, r.id or "") for r in result.rejected)
    if read != written:
        raise ResultMismatch(
            f"the export has {plural(len(read), 'rejected record')} and the result "
            f"{len(written)}, or not the same ones: {ask}"
        )
    emr: Counter[tuple[str, str]] = Counter()
    for visit in batch.visits:
        for charge in visit.charges:
            emr[(visit.id, charge.cpt)] += charge.units
    kept: Counter[tuple[str, str]] = Counter()
    for visit in result.billed:
        for charge in visit.charges:
            kept[(visit.id, charge.cpt)] += charge.units
    for held in result.exceptions:
        for charge in held.charges:
            kept[(held.visit_id, charge.cpt)] += charge.units
    for entry in result.audit:
        if entry.action == "replace":
            kept[(entry.visit_id, str(entry.before))] += entry.units or 0
            kept[(entry.visit_id, str(entry.after))] -= entry.units or 0
        elif entry.cpt is not None:
            kept[(entry.visit_id, entry.cpt)] -= entry.units_delta
    apart = sorted(
        f"{visit} {cpt} ({emr[(visit, cpt)]} in the export, {kept[(visit, cpt)]} in the result)"
        for visit, cpt in set(emr) | {key for key, units in kept.items() if units}
        if emr[(visit, cpt)] != kept[(visit, cpt)]
    )
    if apart:
        raise ResultMismatch(f"the units of {_some(apart)} do not add up: {ask}")
