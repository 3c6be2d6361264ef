"""Export documents with unreadable records among good ones: the reader must reject exactly the
bad ones, each with its path, and keep every good one."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from scrubber.formats.emr import export_document
from scrubber.model.records import Batch
from scrubber.testing.records import batches

__all__ = ["CORRUPTIONS", "document_of", "documents_with_bad_records"]


def document_of(batch: Batch) -> dict[str, Any]:
    return export_document(batch)


# Ways to make one visit record unreadable; each takes a good visit record (a dict) and the batch.
def _wrong_units(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "charges": [{"id": record["id"] + "-x", "cpt": "97110", "units": "three"}]}


def _negative_units(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "charges": [{"id": record["id"] + "-x", "cpt": "97110", "units": -1}]}


def _missing_key(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "date_of_service"}


def _unknown_case(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "case_id": "NO-SUCH-CASE"}


def _bad_date(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "date_of_service": "03/02/2026"}


def _not_an_object(record: dict[str, Any]) -> Any:
    return ["not", "a", "visit"]


def _float_units(record: dict[str, Any]) -> dict[str, Any]:
    return {
        **record,
        "charges": [{"id": record["id"] + "-x", "cpt": "97110", "units": Decimal("2.5")}],
    }


CORRUPTIONS: tuple[Callable[[dict[str, Any]], Any], ...] = (
    _wrong_units,
    _negative_units,
    _missing_key,
    _unknown_case,
    _bad_date,
    _not_an_object,
    _float_units,
)


@st.composite
def documents_with_bad_records(draw: st.DrawFn) -> tuple[dict[str, Any], Batch, int]:
    """(document, the valid batch inside it, k): k bad records injected among the good ones.

    Bad visits get fresh ids; a duplicate id is injected only after the original, so the good
    record is the one kept. Bad patients and cases are referenced by nothing, so no good record
    depends on them.
    """
    batch = draw(batches())
    document = document_of(batch)
    k = 0
    template = {
        "id": "T",
        "case_id": batch.cases[0].id,
        "date_of_service": "2026-03-02",
        "location": "Main St",
        "provider": {"id": "PT1", "role": "PT"},
        "note_type": "daily",
        "charges": [],
    }
    for n in range(draw(st.integers(0, 6))):
        corrupt = draw(st.sampled_from(CORRUPTIONS))
        bad = corrupt({**template, "id": f"BAD{n}"})
        position = draw(st.integers(0, len(document["visits"])))
        document["visits"].insert(position, bad)
        k += 1
    duplicate_visit = draw(st.booleans())
    if batch.visits and duplicate_visit:
        original = document["visits"].index(
            next(v for v in document["visits"] if isinstance(v, dict) and v.get("id") == "V0")
        )
        duplicate = {**document["visits"][original], "charges": []}
        document["visits"].insert(
            draw(st.integers(original + 1, len(document["visits"]))), duplicate
        )
        k += 1
    if draw(st.booleans()):
        document["patients"].insert(
            draw(st.integers(0, len(document["patients"]))),
            {"id": "BADP", "first_name": 1, "last_name": "X", "birth_date": "x"},
        )
        k += 1
    if draw(st.booleans()):
        document["cases"].insert(
            draw(st.integers(0, len(document["cases"]))),
            {
                "id": "BADC",
                "patient_id": batch.patients[0].id,
                "insurance": {"payer_id": "X", "class": "medicar"},
            },
        )
        k += 1
    return document, batch, k
