"""The one run (``scrubber.engine.run``): every way of scrubbing feeds it, so batch, stream, Dask
and explain agree, also on a visit the history already holds and the export sends again on
another date (DESIGN §8, guarantee 4: the history's record counts for the dates before the new
record's date, the new record from that date on)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import attrs
import pytest
from engine_helpers import batch_of, charge, check_conservation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import history_batches, rule_texts

from scrubber.actions import LANGUAGE
from scrubber.engine import RuleSet
from scrubber.engine.run import by_patient, day_visits
from scrubber.errors import UsageError
from scrubber.formats.emr import dumps_export, iter_jsonl
from scrubber.formats.results import dumps_result
from scrubber.history import HistoryStore
from scrubber.load import load_rules
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult
from scrubber.reports.explain import explain_visit

SECOND_DAY = 'rules any {\n rule second: hold "second day" when visit.treatment_day > 1\n}\n'

COUNTS = """\
codeset timed = 97110 97140 97530 97035
payer medicare "Medicare" when insurance.class = "medicare"
rules any {
 rule t: hold "third day" when visit.treatment_day > 2
 rule y: hold "year" when visit.year_day > 3
 rule r: hold "report" when visit.days_since_report > 2
}
rules medicare {
 rule w: limit timed to 3 units per week
 rule m: limit total of timed to 5 units per month
}
"""


def _visit(day: str, code: str = "97110", **more) -> dict:
    return {"date_of_service": day, "charges": [charge(code, 1)], **more}


def _stream(rules: RuleSet, batch: Batch, history=None) -> ScrubResult:
    text = dumps_export(batch, "jsonl")
    days = list(rules.scrub_stream(iter_jsonl(text.split("\n")), history=history))
    return ScrubResult(
        tuple(v for d in days for v in d.billed),
        tuple(h for d in days for h in d.exceptions),
        tuple(r for d in days for r in d.rejected),
        tuple(e for d in days for e in d.audit),
        tuple(w for d in days for w in d.warnings),
    )


def _dask(folder: Path, rules: Path, batch: Batch, history: Path | None) -> ScrubResult:
    from scrubber.distributed import scrub_partitions

    # JSON Lines ends records at "\n" only: str.splitlines would also cut at U+2028 and the
    # like, which may stand inside a generated string.
    lines = [f"{line}\n" for line in dumps_export(batch, "jsonl").split("\n") if line]
    parts = []
    for n, cut in enumerate(range(0, max(len(lines), 1), 5)):
        part = folder / f"part-{n}.jsonl"
        part.write_text("".join(lines[cut : cut + 5]), encoding="utf-8")
        parts.append(part)
    return scrub_partitions(parts, rules, history=history).collect(scheduler="sync")


def _histories(folder: Path, rules: RuleSet, earlier: Batch) -> tuple[Path, list[Path]]:
    """A history holding an earlier scrub of ``earlier``, and three copies of it (one per run
    that writes to its history: batch, stream, Dask)."""
    first = folder / "first.history"
    with HistoryStore.open(first) as store:
        rules.scrub(earlier, history=store)
    copies = [folder / f"copy-{n}.history" for n in range(3)]
    for copy in copies:
        shutil.copy(first, copy)
    return first, copies


def _held(result: ScrubResult) -> set[str]:
    return {h.visit_id for h in result.exceptions}


def test_a_visit_sent_again_counts_in_the_history_before_its_new_date_in_every_run(tmp_path):
    """The issue's case: the history holds V9 on 03-03; the export sends V5 on 03-05 and V9
    again on 03-10. On 03-05 the history's V9 still counts (a daily run on 03-05 saw it), so V5
    is the case's second treatment day: held, by the batch, the stream, Dask and explain."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "second.rules").write_text(SECOND_DAY, encoding="utf-8")
    rules = load_rules(tmp_path / "rules")
    earlier = batch_of(_visit("2026-03-03", id="V9"))
    export = batch_of(_visit("2026-03-05", id="V5"), _visit("2026-03-10", id="V9"))
    first, copies = _histories(tmp_path, rules, earlier)
    batched = rules.scrub(export, history=copies[0])
    assert _held(batched) == {"V5", "V9"}
    streamed = _stream(rules, export, history=copies[1])
    assert dumps_result(streamed) == dumps_result(batched)
    with HistoryStore.open(first, read_only=True) as store:
        lines = explain_visit(rules, export, "V5", history=store)
    assert "held on Billing Exceptions" in lines[0]
    assert any("visit.treatment_day = 2" in line for line in lines)
    pytest.importorskip("dask.bag")
    split = tmp_path / "parts"
    split.mkdir()
    assert dumps_result(_dask(split, tmp_path / "rules", export, copies[2])) == dumps_result(
        batched
    )
    facts = []
    for copy in copies:
        with HistoryStore.open(copy, read_only=True) as store:
            facts.append(store.facts_of("P1"))
    assert facts[0] == facts[1] == facts[2]
    assert [(f.visit_id, f.date_of_service) for f in facts[0]] == [
        ("V5", date(2026, 3, 5)), ("V9", date(2026, 3, 10)),
    ]  # fmt: skip


def test_a_visit_sent_again_on_an_earlier_date_replaces_its_record_from_that_date_on(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "second.rules").write_text(SECOND_DAY, encoding="utf-8")
    rules = load_rules(tmp_path / "rules")
    history = tmp_path / "h.history"
    rules.scrub(batch_of(_visit("2026-03-20", id="V9")), history=history)
    # V9 moves to 03-01: from then on its record of 03-20 no longer counts, so V5 on 03-25 is
    # the case's second treatment day (V9 on 03-01 being the first), not its third.
    export = batch_of(_visit("2026-03-01", id="V9"), _visit("2026-03-25", id="V5"))
    result = rules.scrub(export, history=history)
    assert _held(result) == {"V5"}
    assert any(h.reasons[0].message == "second day" for h in result.exceptions)


def test_the_run_groups_visits_by_patient_then_date_in_export_order():
    batch = batch_of(_visit("2026-03-05", id="A"), _visit("2026-03-03"), _visit("2026-03-05"))
    visits = day_visits(batch)
    assert [item.order for item in visits] == [0, 1, 2]
    days = by_patient(visits)["P1"]
    assert list(days) == [date(2026, 3, 5), date(2026, 3, 3)]
    assert [item.visit.id for item in days[date(2026, 3, 5)]] == ["A", "V3"]


def test_a_stream_tells_each_day_the_units_the_emr_sent():
    rules = load_rules()
    batch = batch_of(
        {"date_of_service": "2026-03-02", "charges": [charge("97110", 3), charge("97140", 2)]},
        {"date_of_service": "2026-03-03", "charges": [charge("97110", 1)]},
    )
    days = list(rules.scrub_stream(iter_jsonl(dumps_export(batch, "jsonl").split("\n"))))
    assert [day.emr_units for day in days] == [5, 1]
    for day in days:
        kept = sum(c.units for v in (*day.billed, *day.exceptions) for c in v.charges)
        assert kept - sum(entry.units_delta for entry in day.audit) == day.emr_units


def test_a_history_by_its_path_needs_rules_that_know_how_to_open_it(tmp_path):
    report = LANGUAGE.check_paths([])
    assert report.rules is not None
    bare = RuleSet.compile(report.rules)
    with pytest.raises(UsageError, match=r"scrubber\.load_rules"):
        bare.scrub(batch_of(_visit("2026-03-02")), history=tmp_path / "h.history")


def _sent_again(batch: Batch, chosen: list[int], shifts: list[int]) -> Batch:
    """An earlier scrub's batch: some of ``batch``'s visits, each on another date."""
    visits = []
    for index, shift in zip(chosen, shifts, strict=False):
        if index < len(batch.visits):
            visit = batch.visits[index]
            moved = visit.date_of_service + timedelta(days=shift)
            visits.append(attrs.evolve(visit, date_of_service=moved))
    unique = {v.id: v for v in visits}
    return attrs.evolve(batch, visits=tuple(unique.values()), rejected=())


@settings(max_examples=25, suppress_health_check=list(HealthCheck), deadline=None)
@given(
    files=st.just({"counts.rules": COUNTS}) | rule_texts(),
    batch=history_batches,
    chosen=st.lists(st.integers(0, 13), max_size=6),
    shifts=st.lists(st.integers(-20, 20).filter(bool), min_size=6, max_size=6),
    dask=st.booleans(),
)
def test_batch_stream_and_dask_agree_with_visits_sent_again(files, batch, chosen, shifts, dask):
    """Random exports and histories holding some of the export's visits on other dates: the
    batch, the stream and (every other example) Dask give byte-identical results and leave
    identical histories; without a history, the same."""
    batch = attrs.evolve(
        batch, visits=tuple(sorted(batch.visits, key=lambda v: v.date_of_service)), rejected=()
    )
    earlier = _sent_again(batch, chosen, shifts)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        root = folder / "rules"
        for file, text in files.items():
            (root / file).parent.mkdir(parents=True, exist_ok=True)
            (root / file).write_text(text, encoding="utf-8")
        report = LANGUAGE.check_paths([root])
        if report.rules is None:
            return
        rules = RuleSet.compile(report.rules, stores=HistoryStore)
        plain = rules.scrub(batch)
        check_conservation(batch, plain)
        assert dumps_result(_stream(rules, batch)) == dumps_result(plain)
        _, copies = _histories(folder, rules, earlier)
        batched = rules.scrub(batch, history=copies[0])
        check_conservation(batch, batched)
        assert dumps_result(_stream(rules, batch, history=copies[1])) == dumps_result(batched)
        kept = [copies[0], copies[1]]
        if dask and _has_dask():
            parts = folder / "parts"
            parts.mkdir()
            assert dumps_result(_dask(parts, root, batch, copies[2])) == dumps_result(batched)
            assert dumps_result(_dask(parts, root, batch, None)) == dumps_result(plain)
            kept.append(copies[2])
        facts = []
        for copy in kept:
            with HistoryStore.open(copy, read_only=True) as store:
                facts.append([store.facts_of(p.id) for p in batch.patients])
        assert all(found == facts[0] for found in facts)


def _has_dask() -> bool:
    try:
        import dask.bag  # noqa: F401
    except ImportError:
        return False
    return True
