"""The records of an EMR export: patients, cases, visits and their charge lines.

Records are frozen and slotted: a scrub never mutates its input, it builds new records and says
why in the audit. Strings are kept exactly as received (a trailing space in an authorization
number is a finding for the rules, not noise to clean up), money is ``Decimal``.
"""

from __future__ import annotations

import enum
import re
from datetime import date
from decimal import Decimal
from typing import TypeVar

import attrs

__all__ = [
    "Address",
    "Batch",
    "Case",
    "CaseOrigin",
    "Charge",
    "Employer",
    "Guarantor",
    "Insurance",
    "InsuranceClass",
    "LineRecord",
    "NoteType",
    "Patient",
    "Phone",
    "Provider",
    "ProviderRole",
    "Rejected",
    "RelatedCause",
    "Visit",
    "mask_ssn",
    "mask_ssn_like",
]


class InsuranceClass(enum.StrEnum):
    MEDICARE = "medicare"
    MEDICARE_ADVANTAGE = "medicare_advantage"
    MEDICAID = "medicaid"
    COMMERCIAL = "commercial"
    WORKERS_COMP = "workers_comp"
    AUTO = "auto"
    SELF_PAY = "self_pay"
    OTHER = "other"


class RelatedCause(enum.StrEnum):
    AUTO_ACCIDENT = "auto_accident"
    EMPLOYMENT = "employment"
    OTHER_ACCIDENT = "other_accident"
    NONE = "none"


class ProviderRole(enum.StrEnum):
    PT = "PT"
    PTA = "PTA"
    OT = "OT"
    COTA = "COTA"
    SLP = "SLP"
    STUDENT = "student"
    AIDE = "aide"
    #: any other profession (a chiropractor, a physician) whose claims pass through a therapy
    #: billing service: rules decide what it means, and the bundled rules leave it alone
    OTHER = "other"


class CaseOrigin(enum.StrEnum):
    """What a case was read from, so that a rule can tell a value the input never carries from
    one the EMR left out: an 837P claim carries no policy dates, plan of care, note types or
    minutes."""

    EMR = "emr"
    X12_837P = "837p"


class NoteType(enum.StrEnum):
    """Kinds of finalized note. ``do_not_bill`` notes are documented but never meant to flow."""

    DAILY = "daily"
    EVALUATION = "evaluation"
    RE_EVALUATION = "re_evaluation"
    PROGRESS = "progress"
    DISCHARGE = "discharge"
    DO_NOT_BILL = "do_not_bill"


def mask_ssn(ssn: str | None) -> str | None:
    """Show at most the last four characters of an SSN; nothing else of it may be printed."""
    if ssn is None:
        return None
    tail = ssn[-4:] if len(ssn) > 4 else ""
    return "***-**-" + tail if tail else "***"


_SSN_LIKE = re.compile(r"(?<![0-9])([0-9]{3})[- ]?([0-9]{2})[- ]?([0-9]{4})(?![0-9])")


def mask_ssn_like(text: str) -> str:
    """``text`` with everything shaped like an SSN (nine digits, with or without dashes)
    masked: messages quote the values they refuse, and an SSN given in the wrong place (as a
    number, in a name) must not appear whole in them."""
    if not any(ch.isdigit() for ch in text):
        return text
    return _SSN_LIKE.sub(lambda found: "***-**-" + found.group(3), text)


def printable(text: str) -> str:
    """Text that can be written as UTF-8: a lone surrogate shown as its escape (\\ud800).
    Messages quote what they refuse, and what they quote may be what cannot be written."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@attrs.frozen
class Address:
    type: str
    line1: str
    city: str
    state: str
    postal_code: str
    primary: bool = False
    line2: str | None = None


@attrs.frozen
class Phone:
    number: str
    primary: bool = False
    type: str | None = None
    extension: str | None = None


@attrs.frozen
class Guarantor:
    """The person responsible for the bill when it is not the patient."""

    first_name: str
    last_name: str
    relationship: str
    address: Address | None = None
    phone: Phone | None = None


_T = TypeVar("_T", Address, Phone)


def _primary(items: tuple[_T, ...]) -> _T | None:
    # The first item marked primary wins; with none marked, the value is missing: only the
    # primary address and phone flow into billing, so there is nothing else to fall back on.
    for item in items:
        if item.primary:
            return item
    return None


@attrs.frozen
class Patient:
    id: str
    first_name: str
    last_name: str
    birth_date: date
    middle_initial: str | None = None
    ssn: str | None = attrs.field(default=None, repr=lambda ssn: repr(mask_ssn(ssn)))
    addresses: tuple[Address, ...] = ()
    phones: tuple[Phone, ...] = ()
    guarantor: Guarantor | None = None

    @property
    def address(self) -> Address | None:
        """The primary address: the only one that flows into billing."""
        return _primary(self.addresses)

    @property
    def phone(self) -> Phone | None:
        """The primary phone: the only one that flows into billing."""
        return _primary(self.phones)


@attrs.frozen
class Employer:
    """Workers' compensation: required when the insured is not the patient."""

    name: str
    claim_number: str | None = None
    address: Address | None = None
    phone: Phone | None = None


@attrs.frozen
class Insurance:
    payer_id: str
    class_: InsuranceClass
    subscriber_id: str | None = None
    policy_start: date | None = None
    policy_end: date | None = None
    claim_number: str | None = None
    insured_is_patient: bool = True
    employer: Employer | None = None


@attrs.frozen
class Case:
    id: str
    patient_id: str
    insurance: Insurance
    related_cause: RelatedCause = RelatedCause.NONE
    injury_date: date | None = None
    accident_state: str | None = None
    authorization_required: bool = False
    authorization_number: str | None = None
    therapy_ytd_amount: Decimal | None = None
    #: how many treatment days the payer authorized, from ``authorization_start`` through
    #: ``authorization_end`` (an open end when null)
    authorization_visits: int | None = None
    authorization_start: date | None = None
    authorization_end: date | None = None
    #: the certified plan of care (Medicare recertifies at least every 90 days)
    plan_of_care_start: date | None = None
    plan_of_care_end: date | None = None
    #: what the case was read from (set by the reader, never by the export: it is not part of
    #: the JSON), left out of comparisons: the same claim read from JSON and from an 837P is
    #: the same case
    origin: CaseOrigin = attrs.field(default=CaseOrigin.EMR, eq=False)


@attrs.frozen
class Provider:
    id: str
    role: ProviderRole


@attrs.frozen
class Charge:
    id: str
    cpt: str
    units: int
    minutes: int | None = None
    modifiers: tuple[str, ...] = ()
    diagnosis_codes: tuple[str, ...] = ()
    #: the line's charge as received (an 837P's SV102), for the billed interchange; the engine
    #: never reads it. Left out of written JSON when there is none.
    amount: Decimal | None = None
    #: what the line is expected to pay (``price`` rules, DESIGN §14): set by a scrub on the
    #: lines it bills or holds; a scrub ignores one an export sends. Left out when there is none.
    expected: Decimal | None = None


@attrs.frozen
class Visit:
    id: str
    case_id: str
    date_of_service: date
    location: str
    provider: Provider
    note_type: NoteType
    charges: tuple[Charge, ...]
    finalized_on: date | None = None


@attrs.frozen
class Rejected:
    """A record that could not be read, with where and why; the rest of the batch goes on.

    ``path`` locates the record in the export (``visits[3]``, or ``line 12`` in JSON Lines);
    every error message starts with the precise path of the offending value.
    """

    path: str
    id: str | None
    errors: tuple[str, ...]


@attrs.frozen
class Batch:
    """One EMR export: the records that were read, and the ones that were rejected."""

    patients: tuple[Patient, ...] = ()
    cases: tuple[Case, ...] = ()
    visits: tuple[Visit, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    _patients_by_id: dict[str, Patient] = attrs.field(init=False, repr=False, eq=False)
    _cases_by_id: dict[str, Case] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_patients_by_id", {p.id: p for p in self.patients})
        object.__setattr__(self, "_cases_by_id", {c.id: c for c in self.cases})

    def patient(self, patient_id: str) -> Patient:
        return self._patients_by_id[patient_id]

    def case(self, case_id: str) -> Case:
        return self._cases_by_id[case_id]

    def case_of(self, visit: Visit) -> Case:
        return self._cases_by_id[visit.case_id]

    def patient_of(self, visit: Visit) -> Patient:
        return self._patients_by_id[self.case_of(visit).patient_id]


@attrs.frozen
class LineRecord:
    """One line of a JSON Lines export (or one streamed visit from any reader): a visit with its
    case and patient, and the line it came from."""

    line: int
    patient: Patient
    case: Case
    visit: Visit
