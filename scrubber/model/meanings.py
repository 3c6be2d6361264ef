"""What each field a rule may read means, in a billing specialist's words.

``scrubber.model.fields`` gives every path (``patient.address.postal_code``) its meaning from
here: the meaning of the attribute in its record, said of the record it is reached through
("the patient's primary address: the ZIP code ..."). The language server shows it on hover and
in completion; the derived counts (``visit.treatment_day``) have theirs beside their definition
(``scrubber.model.history``).
"""

from __future__ import annotations

__all__ = ["OWNERS", "RECORD_MEANINGS", "meaning"]

#: record class -> attribute -> what it holds
RECORD_MEANINGS: dict[str, dict[str, str]] = {
    "Charge": {
        "id": "the charge line's id in the export",
        "cpt": "the procedure code billed (CPT or HCPCS: 97110, G0283)",
        "units": "the units billed on the line",
        "minutes": "the timed minutes documented for the line (missing for untimed codes)",
        "modifiers": "the modifiers on the line (GP, KX, 59, ...), at most four",
        "diagnosis_codes": "the ICD-10-CM diagnosis codes pointed to by the line",
        "amount": "the line's charge as received (an 837P's SV102); the rules never change it",
    },
    "Visit": {
        "id": "the visit's id in the export",
        "case_id": "the id of the case the visit belongs to",
        "date_of_service": "the date the services were furnished",
        "location": "where the visit took place, as the EMR names it",
        "note_type": "the kind of finalized note (daily, evaluation, progress, ...)",
        "finalized_on": "the date the note was finalized (signed)",
    },
    "Provider": {
        "id": "the rendering provider's id",
        "role": "the rendering provider's discipline and licence (PT, PTA, OT, COTA, SLP, ...)",
    },
    "Patient": {
        "id": "the patient's id in the export",
        "first_name": "the patient's first name",
        "last_name": "the patient's last name",
        "birth_date": "the patient's date of birth",
        "middle_initial": "the patient's middle initial",
        "ssn": "the patient's Social Security number (never shown whole)",
    },
    "Address": {
        "type": "the kind of address (home, work, ...), as received",
        "line1": "the first street line",
        "city": "the city",
        "state": "the state, as received (AZ)",
        "postal_code": "the ZIP code, as received (5 or 9 digits: 85004 or 850041234)",
        "primary": "whether the address is marked primary",
        "line2": "the second street line (suite, apartment)",
    },
    "Phone": {
        "number": "the phone number, as received",
        "primary": "whether the phone is marked primary",
        "type": "the kind of phone (home, mobile, ...)",
        "extension": "the extension",
    },
    "Guarantor": {
        "first_name": "the first name",
        "last_name": "the last name",
        "relationship": "the relationship to the patient (spouse, parent, ...)",
    },
    "Case": {
        "id": "the case's id in the export",
        "patient_id": "the id of the patient the case is for",
        "related_cause": "what the condition is related to (auto_accident, employment, ...)",
        "injury_date": "the date of the injury or onset",
        "accident_state": "the state where an accident happened",
        "authorization_required": "whether the payer requires a prior authorization",
        "authorization_number": "the prior authorization number, as received",
        "therapy_ytd_amount": "the therapy amount of the year so far, as the EMR sends it "
        "(for the Medicare KX threshold)",
        "authorization_visits": "how many treatment days the payer authorized",
        "authorization_start": "the first day of the authorized range",
        "authorization_end": "the last day of the authorized range (missing: open-ended)",
        "plan_of_care_start": "the first day of the certified plan of care",
        "plan_of_care_end": "the last day of the certified plan of care",
    },
    "Insurance": {
        "payer_id": "the payer's id (one payer id per insurer and plan)",
        "class": "the kind of insurance (medicare, commercial, workers_comp, ...)",
        "subscriber_id": "the insured's member id",
        "policy_start": "the first day the policy covers",
        "policy_end": "the last day the policy covers",
        "claim_number": "the payer's claim number (auto and workers' compensation)",
        "insured_is_patient": "whether the insured is the patient",
    },
    "Employer": {
        "name": "the employer's name",
        "claim_number": "the workers' compensation claim number",
    },
}

#: path prefix -> whose record it is, for the meaning of the fields under it
OWNERS: dict[str, str] = {
    "charge": "the charge line",
    "visit": "the visit",
    "provider": "the visit",
    "patient": "the patient",
    "patient.address": "the patient's primary address (the only one that flows into billing)",
    "patient.phone": "the patient's primary phone (the only one that flows into billing)",
    "patient.guarantor": "the patient's guarantor (who pays when it is not the patient)",
    "case": "the case",
    "insurance": "the case's insurance",
    "insurance.employer": "the employer (workers' compensation)",
    "insurance.employer.address": "the employer's address",
    "insurance.employer.phone": "the employer's phone",
}


def meaning(prefix: str, record: str, attribute: str) -> str:
    """What the field ``attribute`` of ``record``, reached as ``prefix.NAME``, means."""
    name = "class" if attribute == "class_" else attribute
    words = RECORD_MEANINGS.get(record, {}).get(name, "")
    owner = OWNERS.get(prefix, "")
    if not words:
        return ""
    return f"{owner}: {words}" if owner and record in ("Address", "Phone", "Guarantor") else words
