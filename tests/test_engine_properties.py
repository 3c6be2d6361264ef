"""Properties of the scrub on random batches and random rule sets: conservation, units never
raised, idempotence, determinism, streaming equal to the whole batch."""

import io

from engine_helpers import check_conservation, compile_files
from hypothesis import HealthCheck, given, settings
from strategies import rule_batches, rule_texts

from scrubber.formats.emr import dumps_export, iter_jsonl
from scrubber.formats.results import dumps_result
from scrubber.model.records import Batch

RELAXED = settings(suppress_health_check=list(HealthCheck), deadline=None)


@RELAXED
@given(files=rule_texts(), batch=rule_batches)
def test_conservation_every_visit_and_code_and_every_visit_in_one_place(files, batch):
    rules = compile_files(files)
    result = rules.scrub(batch)
    check_conservation(batch, result)


@RELAXED
@given(files=rule_texts(), batch=rule_batches)
def test_units_never_increase_line_by_line(files, batch):
    result = compile_files(files).scrub(batch)
    original = {c.id: c.units for v in batch.visits for c in v.charges}
    for visit in (*result.billed, *(h for h in result.exceptions)):
        for charge in visit.charges:
            assert charge.units <= original[charge.id]


@RELAXED
@given(files=rule_texts(idempotent=True), batch=rule_batches)
def test_scrubbing_twice_gives_the_same_as_once_for_idempotent_rule_sets(files, batch):
    rules = compile_files(files)
    once = rules.scrub(batch)
    again = rules.scrub(Batch(batch.patients, batch.cases, once.billed))
    assert again.billed == once.billed
    assert again.exceptions == ()


@RELAXED
@given(files=rule_texts(), batch=rule_batches)
def test_the_same_input_gives_the_same_bytes(files, batch):
    rules = compile_files(files)
    assert dumps_result(rules.scrub(batch)) == dumps_result(rules.scrub(batch))


@RELAXED
@given(files=rule_texts(), batch=rule_batches)
def test_streaming_by_day_gives_the_same_result_as_the_whole_batch(files, batch):
    rules = compile_files(files)
    ordered = Batch(
        batch.patients, batch.cases, tuple(sorted(batch.visits, key=lambda v: v.date_of_service))
    )
    whole = rules.scrub(ordered)
    text = dumps_export(ordered, "jsonl")
    days = list(rules.scrub_stream(iter_jsonl(io.StringIO(text).read().split("\n"))))
    assert tuple(v for d in days for v in d.billed) == whole.billed
    assert tuple(h for d in days for h in d.exceptions) == whole.exceptions
    streamed_audit = tuple(e for d in days for e in d.audit)
    assert [e._replace(seq=0) for e in streamed_audit] == [e._replace(seq=0) for e in whole.audit]
    assert [e.seq for e in streamed_audit] == list(range(1, len(streamed_audit) + 1))
