"""The 837P code lists scrubber maps onto its records, in one place, both ways."""

from __future__ import annotations

from scrubber.model.records import InsuranceClass, ProviderRole, RelatedCause

__all__ = [
    "CAUSE_CODES",
    "CLASS_CODE",
    "CLASS_OF_FILING",
    "ROLE_OF_TAXONOMY",
    "TAXONOMY_OF_ROLE",
    "role_of",
]

#: SBR09, the claim filing indicator, to the insurance class
CLASS_OF_FILING: dict[str, InsuranceClass] = {
    "MB": InsuranceClass.MEDICARE,
    "MA": InsuranceClass.MEDICARE,
    "16": InsuranceClass.MEDICARE_ADVANTAGE,
    "MC": InsuranceClass.MEDICAID,
    "WC": InsuranceClass.WORKERS_COMP,
    "AM": InsuranceClass.AUTO,
    **dict.fromkeys(
        ("11", "12", "13", "14", "15", "17", "BL", "CI", "DS", "FI", "HM", "LM"),
        InsuranceClass.COMMERCIAL,
    ),
}  # fmt: skip
#: the indicator written for each class (any other class: ZZ, mutually defined)
CLASS_CODE: dict[InsuranceClass, str] = {
    InsuranceClass.MEDICARE: "MB",
    InsuranceClass.MEDICARE_ADVANTAGE: "16",
    InsuranceClass.MEDICAID: "MC",
    InsuranceClass.WORKERS_COMP: "WC",
    InsuranceClass.AUTO: "AM",
    InsuranceClass.COMMERCIAL: "CI",
}

#: taxonomy prefixes (specialty codes share their profession's) to the provider role
ROLE_OF_TAXONOMY: dict[str, ProviderRole] = {
    "2251": ProviderRole.PT,
    "2252": ProviderRole.PTA,
    "225X": ProviderRole.OT,
    "224Z": ProviderRole.COTA,
    "235Z": ProviderRole.SLP,
}
TAXONOMY_OF_ROLE: dict[ProviderRole, str] = {
    ProviderRole.PT: "225100000X",
    ProviderRole.PTA: "225200000X",
    ProviderRole.OT: "225X00000X",
    ProviderRole.COTA: "224Z00000X",
    ProviderRole.SLP: "235Z00000X",
}

#: CLM11-1..3, related causes, to ours (the first one given counts)
CAUSE_CODES: dict[str, RelatedCause] = {
    "AA": RelatedCause.AUTO_ACCIDENT,
    "EM": RelatedCause.EMPLOYMENT,
    "OA": RelatedCause.OTHER_ACCIDENT,
}


def role_of(taxonomy: str) -> ProviderRole | None:
    return ROLE_OF_TAXONOMY.get(taxonomy[:4])
