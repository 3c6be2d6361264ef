"""What rules see across visits: the counts a visit's case has reached, and the facts about each
visit that later scrubs need to compute them.

A **treatment day** of a case is a date of service on which the EMR sent at least one visit of
that case with at least one charge line, whatever the scrub then did with it (a held or fully
scrubbed visit still used the authorization). The counts run over the history of earlier scrubs
and the export, up to and including the visit's own date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from scrubber.model.records import NoteType, ProviderRole

__all__ = [
    "COUNT_DESCRIPTIONS",
    "REPORT_NOTES",
    "VisitCounts",
    "VisitFact",
    "discipline",
    "threshold_group",
    "threshold_of",
]


def threshold_group(role: ProviderRole) -> str:
    """The threshold a provider's services count toward: "PT" (PT, PTA and SLP), "OT" (OT and
    COTA), or "" (any other role: no therapy threshold)."""
    return threshold_of(discipline(role))


#: how Medicare counts the therapy threshold, by the discipline kept in the history: PT and SLP
#: together, OT apart, any other discipline toward none (DESIGN §14)
_THRESHOLD_OF = {"PT": "PT", "SLP": "PT", "OT": "OT"}


def threshold_of(kept: str) -> str:
    """The threshold of a discipline kept in the history (``discipline``)."""
    return _THRESHOLD_OF.get(kept, "")


#: notes that report on progress: the evaluation, a re-evaluation, a progress report
REPORT_NOTES = frozenset({NoteType.EVALUATION, NoteType.RE_EVALUATION, NoteType.PROGRESS})


_DISCIPLINES = {
    ProviderRole.PT: "PT", ProviderRole.PTA: "PT",
    ProviderRole.OT: "OT", ProviderRole.COTA: "OT",
    ProviderRole.SLP: "SLP",
}  # fmt: skip


def discipline(role: ProviderRole) -> str:
    """Whose work counts together: a PTA's with a PT's, a COTA's with an OT's, SLP; any other
    role (a student, an aide) on its own. The minute rules count minutes so, and
    ``visit.discipline_year_day`` counts treatment days so."""
    return _DISCIPLINES.get(role, role.value)


@attrs.frozen
class VisitCounts:
    """The derived fields a rule reads as ``visit.treatment_day`` and so on (None: missing)."""

    #: 1 on the case's first treatment day, 2 on the next, ...
    treatment_day: int | None = None
    #: the same count over the days from the case's ``authorization_start`` through its
    #: ``authorization_end``; missing without a start or outside the range
    authorization_day: int | None = None
    #: treatment days since the latest one with an evaluation, re-evaluation or progress note
    #: (0 on such a day); missing when there is none yet
    days_since_report: int | None = None
    #: the treatment-day number among all the patient's treatment days with the same payer
    #: (``insurance.payer_id``) in the visit's calendar year, across cases
    year_day: int | None = None
    #: the expected payments of the patient's therapy lines with the same payer in the visit's
    #: calendar year up to and including the visit, PT and SLP together, OT apart: computed
    #: live when a rule reads it (``VisitState.therapy_year_amount``), never stored here
    therapy_year_amount: Decimal | None = None
    #: ``year_day`` counted over the days with a visit of the same discipline only (PT with
    #: PTA, OT with COTA, SLP, every other role on its own)
    discipline_year_day: int | None = None


#: what each derived field means, for messages, explanations and hover text
COUNT_DESCRIPTIONS = {
    "treatment_day": "the case's treatment-day number (1 on its first treatment day)",
    "authorization_day": "the treatment-day number within the case's authorization dates",
    "days_since_report": "treatment days since the last evaluation, re-evaluation or progress note",
    "year_day": "the treatment-day number of the year for this patient and payer, across cases",
    "therapy_year_amount": "the expected payments of the year for this patient and payer, up to "
    "and including this visit, counted as Medicare counts the therapy threshold (PT and SLP "
    "together, OT apart)",
    "discipline_year_day": "the treatment-day number of the year for this patient and payer, "
    "counting only the days with a visit of the same discipline (PT with PTA, OT with COTA, "
    "SLP, every other role on its own)",
}


@attrs.frozen
class VisitFact:
    """What a later scrub needs of one visit, and nothing more: no names, addresses or SSNs.

    ``billed`` holds the units billed per code (none for a held visit: its units count once it is
    sent again and billed); ``expected`` the expected payment of its billed lines (None: no
    line priced, or held), counted toward ``visit.therapy_year_amount`` in ``discipline``'s
    threshold ("PT", "OT", or "" for no threshold; None for a visit recorded by a history
    from before expected payments were kept: unknown)."""

    visit_id: str
    case_id: str
    patient_id: str
    payer_id: str
    date_of_service: date
    note_type: NoteType
    had_charge: bool
    billed: tuple[tuple[str, int], ...] = ()
    #: the provider's discipline (``discipline``); None in a record of a history written before
    #: disciplines were kept (such a day counts for no discipline and its payment is unknown)
    discipline: str | None = None
    #: the visit's expected payment (§14), None when none was priced or it is unknown
    expected: Decimal | None = None

    @property
    def report(self) -> bool:
        return self.had_charge and self.note_type in REPORT_NOTES
