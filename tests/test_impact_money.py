"""Impact totals in charges and expected payment besides units (DESIGN §15), and a tracer that
asks only for changes runs the rules as a plain scrub does."""

from __future__ import annotations

import json
from decimal import Decimal

from engine_helpers import batch_of, charge, rules_from

from scrubber.engine.trace import CHANGES, EventKind
from scrubber.reports.impact import impact
from scrubber.reports.impact_output import impact_csv, impact_html, impact_table

BEFORE = "rules any {\n    rule cap: limit 97110 to 4 units per day\n}\n"
AFTER = "rules any {\n    rule cap: limit 97110 to 2 units per day\n}\n"


def _batch():
    lines = [
        dict(charge("97110", 4, 60), amount="100.00"),
        dict(charge("97140", 1, 15), amount="30.00"),
    ]
    return batch_of({"charges": lines})


def test_charges_are_totalled_overall_and_per_rule(tmp_path):
    before = rules_from(tmp_path / "a", BEFORE)
    after = rules_from(tmp_path / "b", AFTER)
    found = impact(before, after, [_batch()])
    document = json.loads(json.dumps(found.to_json()))
    totals = document["totals"]
    assert (totals["units_before"], totals["units_after"]) == (5, 3)
    assert (totals["amount_before"], totals["amount_after"]) == ("130.00", "80.00")
    # nothing prices these lines: no expected payment on either side
    assert (totals["expected_before"], totals["expected_after"]) == ("0.00", "0.00")
    (rule,) = document["rules"]
    assert (rule["rule"], rule["units_delta"], rule["amount_delta"]) == ("test/cap", -2, "-50.00")
    assert rule["expected_delta"] == "0.00"
    (visit,) = document["visits"]
    assert (visit["before"]["amount"], visit["after"]["amount"]) == ("130.00", "80.00")
    assert found.amount_after - found.amount_before == Decimal("-50.00")
    assert "charges billed 130.00 -> 80.00 (-50.00)" in impact_table(found)
    assert "130.00,80.00" in impact_csv(found)
    assert 'id="amount"' in impact_html(found)


def test_a_tracer_of_changes_hears_only_changes_and_no_condition_reads(tmp_path):
    class Changes:
        kinds = CHANGES
        reads = False

        def __init__(self) -> None:
            self.events: list = []

        def event(self, event) -> None:
            self.events.append(event)

    text = AFTER.replace("per day\n", 'per day\n    rule h: hold "x" when provider.role = "PT"\n')
    rules = rules_from(tmp_path, text)
    tracer = Changes()
    plain = rules.scrub(_batch())
    assert rules.scrub(_batch(), tracer=tracer) == plain
    assert {e.kind for e in tracer.events} == {EventKind.APPLIED}
    assert all(e.condition is None for e in tracer.events)
    assert len(tracer.events) == len(plain.audit)
