"""scrubber.model.evolve gives what attrs.evolve gives (issue 29: the faster copy of a record)."""

from __future__ import annotations

import attrs
import pytest

from scrubber.model.evolve import evolve
from scrubber.model.records import Batch, CaseOrigin
from scrubber.sample import sample_batch

BATCH = sample_batch(20, seed=5)


def test_charges_visits_and_cases_copy_as_attrs_copies_them() -> None:
    visit = BATCH.visits[0]
    charge = visit.charges[0]
    assert evolve(charge, cpt="G0283") == attrs.evolve(charge, cpt="G0283")
    assert evolve(charge, units=0, modifiers=("GP",)) == attrs.evolve(
        charge, units=0, modifiers=("GP",)
    )
    assert evolve(visit, charges=()) == attrs.evolve(visit, charges=())
    assert evolve(charge) == charge and evolve(charge) is not charge
    case = evolve(BATCH.cases[0], origin=CaseOrigin.X12_837P)
    assert case.origin is CaseOrigin.X12_837P and case.id == BATCH.cases[0].id


def test_an_unknown_field_is_refused_and_a_record_with_private_fields_goes_to_attrs() -> None:
    with pytest.raises(TypeError):
        evolve(BATCH.visits[0], colour="red")
    smaller = evolve(BATCH, rejected=())
    assert smaller == attrs.evolve(BATCH, rejected=()) and isinstance(smaller, Batch)
