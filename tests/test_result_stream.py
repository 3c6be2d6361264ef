"""A streamed scrub written with ``ResultWriter`` and ``AuditWriter`` gives the bytes the whole
batch's result gives with ``dumps_result`` and ``dumps_audit`` (issue 25 #3), over the public
strategies: random rule folders, batches over several weeks, unreadable lines among the good
ones, with and without a history."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from engine_helpers import compile_files
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import scrubber
from scrubber import AuditWriter, ResultWriter, dumps_audit, dumps_result
from scrubber.formats.emr import dumps_export, iter_jsonl, read_export
from scrubber.model.records import Batch
from scrubber.testing import history_batches, rule_batches, rule_texts

# no shrink phase: each example compiles a rule folder, shrinking would take minutes (docs/testing.md)
RELAXED = settings(
    suppress_health_check=list(HealthCheck),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def _by_date(batch: Batch) -> Batch:
    visits = tuple(sorted(batch.visits, key=lambda v: v.date_of_service))
    return Batch(batch.patients, batch.cases, visits)


def _with_bad_lines(text: str, places: list[int]) -> str:
    """JSON Lines with an unreadable visit (units "three") after some of the good lines."""
    lines = text.split("\n")[:-1]  # only "\n" ends a record (not U+2028)
    for n, place in enumerate(sorted(places, reverse=True)):
        if not lines:
            break
        good = json.loads(lines[min(place, len(lines) - 1)])
        good["visit"] = {**good["visit"], "id": f"BAD{n}",
                         "charges": [{"id": f"BAD{n}-1", "cpt": "97110", "units": "three"}]}  # fmt: skip
        lines.insert(min(place, len(lines)), json.dumps(good))
    return "".join(line + "\n" for line in lines)


@RELAXED
@given(
    files=rule_texts(),
    batch=st.one_of(rule_batches, history_batches),
    bad=st.lists(st.integers(0, 30), max_size=3),
    with_history=st.booleans(),
)
def test_a_streamed_result_written_piece_by_piece_is_the_whole_results_bytes(
    files, batch, bad, with_history
):
    assume(batch.visits)  # an export without records is refused before any scrub
    rules = compile_files(files)
    text = _with_bad_lines(dumps_export(_by_date(batch), "jsonl"), bad)
    with tempfile.TemporaryDirectory() as folder:
        whole_history = Path(folder) / "whole.sqlite" if with_history else None
        stream_history = Path(folder) / "stream.sqlite" if with_history else None
        whole = rules.scrub(read_export(io.StringIO(text), format="jsonl"), history=whole_history)
        result, audits = io.StringIO(), {f: io.StringIO() for f in ("json", "jsonl", "csv")}
        with ResultWriter(result) as writer:
            writers = [AuditWriter(out, f) for f, out in audits.items()]  # type: ignore[arg-type]
            for day in rules.scrub_stream(iter_jsonl(text.split("\n")), history=stream_history):
                writer.add(day)
                for audit in writers:
                    audit.add(day.audit)
            for audit in writers:
                audit.close()
    assert len(whole.rejected) == len(bad)
    assert result.getvalue() == dumps_result(whole)
    for format, out in audits.items():
        assert out.getvalue() == dumps_audit(whole.audit, format)  # type: ignore[arg-type]


def test_the_writer_writes_once_and_nothing_after_a_failure():
    rules = scrubber.load_rules()
    batch = read_export(Path(__file__).resolve().parent.parent / "docs/examples/emr_export.json")
    text = dumps_export(_by_date(batch), "jsonl")
    out = io.StringIO()
    with ResultWriter(out) as writer:
        for day in rules.scrub_stream(iter_jsonl(text.split("\n"))):
            writer.add(day)
        writer.close()  # closing twice (here, then leaving the block) writes once
    assert out.getvalue() == dumps_result(rules.scrub(_by_date(batch)))
    with pytest.raises(ValueError, match="closed"):
        writer.add(next(iter(rules.scrub_stream(iter_jsonl(text.split("\n"))))))
    failed = io.StringIO()
    with pytest.raises(RuntimeError), ResultWriter(failed) as writer:
        for day in rules.scrub_stream(iter_jsonl(text.split("\n"))):
            writer.add(day)
            raise RuntimeError("the stream stopped")
    assert failed.getvalue() == ""
