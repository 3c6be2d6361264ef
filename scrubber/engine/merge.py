"""Outcomes of groups into one result: the one place where a scrub's pieces are ordered and its
audit is numbered.

Billed and held visits follow their place in the export; audit entries follow their key (visit,
rule, line, emission); ``seq`` counts from ``first_seq``, so that the days of a stream number on
where the previous day stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from scrubber.actions.state import AuditKey
from scrubber.engine.day import GroupOutcome
from scrubber.model.records import Rejected, Visit
from scrubber.model.results import AuditEntry, HeldVisit, ScrubResult, VisitWarning

__all__ = ["merge"]

_FIRST = itemgetter(0)


def merge(
    outcomes: Iterable[GroupOutcome], rejected: Iterable[Rejected] = (), first_seq: int = 1
) -> ScrubResult:
    """One result from group outcomes, in export order; ``rejected`` as given."""
    billed: list[tuple[int, Visit]] = []
    held: list[tuple[int, HeldVisit]] = []
    audit: list[tuple[AuditKey, AuditEntry]] = []
    warnings: list[tuple[int, VisitWarning]] = []
    for outcome in outcomes:
        billed += outcome.billed
        held += outcome.exceptions
        audit += outcome.audit
        warnings += outcome.warnings
    billed.sort(key=_FIRST)
    held.sort(key=_FIRST)
    audit.sort(key=_FIRST)
    # stable: a visit's warnings stay in rule order
    warnings.sort(key=_FIRST)
    return ScrubResult(
        tuple(visit for _, visit in billed),
        tuple(visit for _, visit in held),
        tuple(rejected),
        _numbered(audit, first_seq),
        tuple(warning for _, warning in warnings),
    )


def _numbered(audit: list[tuple[AuditKey, AuditEntry]], first_seq: int) -> tuple[AuditEntry, ...]:
    """The entries numbered, each unnumbered one let go as soon as its copy is made: with
    outcomes that are let go as they are merged (``RuleSet.scrub``), the audit is held once,
    not twice (issue 29: the in-memory peak)."""
    entries: list[AuditEntry] = []
    audit.reverse()
    while audit:
        # the entry with its number first: what ``_replace(seq=...)`` gives, without a
        # keyword looked up for each of the entry's twenty-one fields
        entry = audit.pop()[1]
        entries.append(AuditEntry._make((first_seq + len(entries), *entry[1:])))
    return tuple(entries)
