"""The result writer's visits and charge lines, written out by hand for speed (issue 29), are
the bytes the converter's unstructuring gives: billed visits, held visits' lines, and lines
with and without an amount (an 837P carries one)."""

from __future__ import annotations

import attrs

from scrubber.formats.convert import converter
from scrubber.formats.jsoncodec import dumps_json
from scrubber.formats.results import billed_record, charge_record
from scrubber.model.records import Charge, Visit
from scrubber.sample import sample_batch
from scrubber.sample_claims import sample_claims


def test_billed_visits_are_written_as_the_converter_writes_them() -> None:
    visits = list(sample_batch(200, seed=3).visits)
    visits.append(attrs.evolve(visits[0], finalized_on=None, charges=()))
    for visit in visits:
        assert dumps_json(billed_record(visit)) == dumps_json(converter.unstructure(visit, Visit))


def test_lines_with_an_amount_are_written_as_the_converter_writes_them() -> None:
    charges = [c for v in sample_claims(40, seed=1).visits for c in v.charges]
    assert any(c.amount is not None for c in charges)
    charges.append(attrs.evolve(charges[0], amount=None, minutes=7, modifiers=("GP", "59")))
    for charge in charges:
        assert dumps_json(charge_record(charge)) == dumps_json(
            converter.unstructure(charge, Charge)
        )
