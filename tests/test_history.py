"""Rules that see across visits, and the history store that remembers earlier scrubs.

The four guarantees: the same export twice gives the same bytes; an export split by date and
scrubbed in order with one history gives the whole export's result; the history changes in one
transaction (failures and second scrubs leave it right; files that are not histories are refused
untouched); streaming and the Dask path give the batch result, with and without history.
"""

import hashlib
import io
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date
from pathlib import Path

import attrs
import pytest
from engine_helpers import (
    batch_of,
    charge,
    check_conservation,
    compile_files,
    rules_from,
    units_by_code,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import history_batches, rule_texts

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.engine import EventKind, RuleSet
from scrubber.formats.emr import dumps_export, iter_jsonl, read_export
from scrubber.formats.results import dumps_result, read_result
from scrubber.history import HistoryError, HistoryStore
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult
from scrubber.reports.explain import explain_visit

RELAXED = settings(suppress_health_check=list(HealthCheck), deadline=None)
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "emr_export.json"

COUNT_RULES = """\
rules any {
 rule t: hold "t" when visit.treatment_day >= 0 or visit.treatment_day is missing
 rule a: hold "a" when visit.authorization_day >= 0 or visit.authorization_day is missing
 rule r: hold "r" when visit.days_since_report >= 0 or visit.days_since_report is missing
 rule y: hold "y" when visit.year_day >= 0 or visit.year_day is missing
}
"""


class _Reads:
    """What the hold rules of COUNT_RULES read, per visit."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, object]] = {}

    def event(self, event) -> None:
        if event.kind is EventKind.APPLIED and event.condition is not None:
            found = self.counts.setdefault(event.visit_id, {})
            for path, value in event.condition.reads:
                found[path.split(".")[-1]] = value


def counts_of(tmp_path: Path, batch: Batch, history=None) -> dict[str, tuple]:
    rules = rules_from(tmp_path, COUNT_RULES)
    reads = _Reads()
    rules.scrub(batch, history=history, tracer=reads)
    fields = ("treatment_day", "authorization_day", "days_since_report", "year_day")
    return {v: tuple(c.get(f) for f in fields) for v, c in reads.counts.items()}


def visit(day: str, *codes: str, note: str = "daily", case: str = "C1") -> dict:
    return {
        "date_of_service": day, "note_type": note, "case_id": case,
        "charges": [charge(code, 1, 15) for code in codes],
    }  # fmt: skip


# ---- the derived fields ----------------------------------------------------------------------


def test_treatment_days_count_dates_with_a_charge_line_whatever_the_scrub_did(tmp_path):
    batch = batch_of(
        visit("2026-03-02", "97161", note="evaluation"),
        visit("2026-03-02", "97110"),  # the same date: the same treatment day
        visit("2026-03-03"),  # no charge line: not a treatment day
        visit("2026-03-04", "NORCM"),  # a line that never flows still makes a treatment day
        visit("2026-03-05", "97110"),
        authorization_start="2026-03-03", authorization_end="2026-03-04",
    )  # fmt: skip
    counts = counts_of(tmp_path, batch)
    assert counts == {
        "V1": (1, None, 0, 1),
        "V2": (1, None, 0, 1),
        "V3": (1, 0, 0, 1),  # in the range, on no treatment day of its own
        "V4": (2, 1, 1, 2),
        "V5": (3, None, 2, 3),  # after the authorization's end: missing
    }


def test_a_report_note_without_charges_does_not_count_and_progress_resets(tmp_path):
    batch = batch_of(
        visit("2026-03-02", "97110"),  # no report yet: missing
        visit("2026-03-03", note="progress"),  # a placeholder progress note: not a report
        visit("2026-03-04", "97110", note="re_evaluation"),
        visit("2026-03-05", "97110"),
        visit("2026-03-06", "97110", note="progress"),
    )
    days_since = {v: c[2] for v, c in counts_of(tmp_path, batch).items()}
    assert days_since == {"V1": None, "V2": None, "V3": 0, "V4": 1, "V5": 0}


def test_year_days_count_the_patient_and_payer_across_cases_within_the_calendar_year(tmp_path):
    batch = batch_of(
        visit("2025-12-30", "97110", case="C1"),
        visit("2026-01-02", "97110", case="C1"),
        visit("2026-01-05", "97110", case="C1"),
        visit("2026-01-06", "97110", case="C1"),
    )
    # a second case of the same payer, and one of another payer
    cases = (
        *batch.cases,
        attrs.evolve(batch.cases[0], id="C2"),
        attrs.evolve(
            batch.cases[0],
            id="C3",
            insurance=attrs.evolve(batch.cases[0].insurance, payer_id="OTHER"),
        ),
    )
    visits = (
        *batch.visits[:3],
        attrs.evolve(batch.visits[3], case_id="C2"),
        attrs.evolve(
            batch.visits[3],
            id="V5",
            case_id="C3",
            charges=(attrs.evolve(batch.visits[3].charges[0], id="V5-1"),),
        ),
    )
    batch = Batch(batch.patients, cases, visits)
    years = {v: (c[0], c[3]) for v, c in counts_of(tmp_path, batch).items()}
    assert years == {"V1": (1, 1), "V2": (2, 1), "V3": (3, 2), "V4": (1, 3), "V5": (1, 1)}


def test_a_comparison_may_have_a_path_on_both_sides(tmp_path):
    rules = rules_from(
        tmp_path,
        'rules any {\n rule auth: hold "Pending Authorization" when '
        "visit.authorization_day > case.authorization_visits\n"
        ' rule end: hold "Expired" when visit.date_of_service > case.authorization_end\n}\n',
    )
    batch = batch_of(
        visit("2026-03-02", "97110"), visit("2026-03-03", "97110"), visit("2026-03-04", "97110"),
        visit("2026-03-05", "97110"),
        authorization_visits=2, authorization_start="2026-03-02", authorization_end="2026-03-04",
    )  # fmt: skip
    result = rules.scrub(batch)
    assert [(h.visit_id, [r.message for r in h.reasons]) for h in result.exceptions] == [
        ("V3", ["Pending Authorization"]),  # authorization day 3 of 2
        ("V4", ["Expired"]),  # outside the dates: no authorization day at all
    ]
    # missing on either side: false
    open_ended = attrs.evolve(
        batch,
        cases=(attrs.evolve(batch.cases[0], authorization_end=None, authorization_visits=None),),
    )
    assert rules.scrub(open_ended).exceptions == ()


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            "visit.treatment_day > case.authorization_end",
            "visit.treatment_day is a number, but case.authorization_end is a date",
        ),
        (
            "visit.date_of_service = patient.first_name",
            "visit.date_of_service is a date, but patient.first_name is text",
        ),
        (
            "visit.treatment_day > case.authorisation_visits",
            'unknown field "case.authorisation_visits" (did you mean "case.authorization_visits"?)',
        ),
        (
            "visit.treatment_day > 1.5",
            "visit.treatment_day is a whole number; 1.5 can never equal it",
        ),
    ],
)
def test_comparisons_are_type_checked(tmp_path, condition, message):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "t.rules").write_text(f'rules any {{\n rule x: hold "x" when {condition}\n}}\n')
    (error,) = LANGUAGE.check_paths([folder]).errors
    assert message in error.message


def test_a_count_is_not_a_test_setting(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "t.test").write_text(
        'test "x":\n    with visit.treatment_day = 3\n    charge 97110 units 1\n'
    )
    (error,) = LANGUAGE.check_paths([folder]).errors
    assert error.code == "E013" and "next visit on DATE" in error.message


# ---- caps per week, month and year -----------------------------------------------------------


def test_a_weekly_cap_spends_earlier_dates_first_whatever_the_export_order(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule w: limit 97110 to 4 units per week\n}\n")
    batch = batch_of(
        {
            "date_of_service": "2026-03-04",
            "charges": [charge("97110", 3)],
        },  # Wednesday, first in the export
        {"date_of_service": "2026-03-02", "charges": [charge("97110", 3)]},  # Monday
        {
            "date_of_service": "2026-03-09",
            "charges": [charge("97110", 3)],
        },  # next Monday: a new week
    )
    result = rules.scrub(batch)
    assert [(v.id, v.charges[0].units) for v in result.billed] == [("V1", 1), ("V2", 3), ("V3", 3)]
    (entry,) = result.audit
    assert (
        entry.message
        == "97110 limited from 3 to 1 unit per week (3 already billed this week) by test/w"
    )
    check_conservation(batch, result)


def test_on_one_day_later_lines_lose_first_and_held_units_are_not_spent(tmp_path):
    rules = rules_from(
        tmp_path,
        'rules any {\n rule h: hold "x" when visit.note_type = "progress"\n'
        " rule w: limit total of 97110 97140 to 4 units per week\n}\n",
    )
    batch = batch_of(
        {"date_of_service": "2026-03-02", "note_type": "progress", "charges": [charge("97110", 3)]},
        {"date_of_service": "2026-03-03", "charges": [charge("97110", 2), charge("97140", 3)]},
    )
    result = rules.scrub(batch)
    assert [(c.cpt, c.units) for c in result.billed[0].charges] == [("97110", 2), ("97140", 2)]


@pytest.mark.parametrize(
    ("scope", "days", "expected"),
    [
        ("month", ["2026-01-30", "2026-02-02"], [3, 3]),
        ("month", ["2026-02-02", "2026-02-27"], [3, 2]),
        ("year", ["2025-12-31", "2026-01-02"], [3, 3]),
        ("year", ["2026-01-02", "2026-12-31"], [3, 2]),
        ("week", ["2026-03-01", "2026-03-02"], [3, 3]),  # Sunday, then Monday
    ],
)
def test_periods_are_calendar_months_years_and_iso_weeks(tmp_path, scope, days, expected):
    rules = rules_from(tmp_path, f"rules any {{\n rule p: limit 97110 to 5 units per {scope}\n}}\n")
    batch = batch_of(*({"date_of_service": d, "charges": [charge("97110", 3)]} for d in days))
    assert [v.charges[0].units for v in rules.scrub(batch).billed] == expected


def test_caps_count_one_payer(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule w: limit 97110 to 4 units per week\n}\n")
    batch = batch_of(
        {"date_of_service": "2026-03-02", "charges": [charge("97110", 3)]},
        {"date_of_service": "2026-03-03", "charges": [charge("97110", 3)]},
    )
    other = attrs.evolve(
        batch.cases[0], id="C2", insurance=attrs.evolve(batch.cases[0].insurance, payer_id="OTHER")
    )
    visits = (batch.visits[0], attrs.evolve(batch.visits[1], case_id="C2"))
    batch = Batch(batch.patients, (*batch.cases, other), visits)
    assert units_by_code(rules.scrub(batch)) == {"97110": 6}


# ---- the history store -----------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_store_holds_what_later_scrubs_need_and_no_names_addresses_or_ssns(tmp_path):
    history = tmp_path / "history.sqlite"
    assert (
        main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--history", str(history)])
        == 1
    )
    with sqlite3.connect(history) as db:
        columns = {
            table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            for table in ("visits", "billed_units")
        }
        plan = " ".join(str(row) for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM visits WHERE patient_id = 'P1'"
        ))  # fmt: skip
    assert columns == {
        "visits": [
            "visit_id",
            "case_id",
            "patient_id",
            "payer_id",
            "date_of_service",
            "note_type",
            "had_charge",
            "discipline",
            "expected",
        ],
        "billed_units": ["visit_id", "cpt", "units"],
    }
    assert "visits_by_patient" in plan
    batch = read_export(EXAMPLE)
    data = history.read_bytes()
    for patient in batch.patients:
        for private in (
            patient.first_name,
            patient.last_name,
            patient.ssn,
            *(a.line1 for a in patient.addresses),
        ):
            if private and len(private) > 3:
                assert private.encode() not in data, private
    with HistoryStore.open(history) as store:
        assert len(store) == len(batch.visits)


def test_guarantee_1_the_same_export_twice_gives_the_same_bytes(tmp_path):
    history = tmp_path / "h.sqlite"
    outputs = []
    for n in range(2):
        out = tmp_path / f"r{n}.json"
        assert main(["scrub", str(EXAMPLE), "-o", str(out), "--history", str(history)]) == 1
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def _without_seq(result: ScrubResult) -> tuple:
    return (result.billed, result.exceptions, tuple(e._replace(seq=0) for e in result.audit))


def _split(batch: Batch, day: date) -> tuple[Batch, Batch]:
    early = tuple(v for v in batch.visits if v.date_of_service < day)
    late = tuple(v for v in batch.visits if v.date_of_service >= day)
    return attrs.evolve(batch, visits=early), attrs.evolve(batch, visits=late)


@RELAXED
@given(files=rule_texts(), batch=history_batches, split=st.integers(0, 7))
def test_guarantee_2_an_export_split_by_date_and_scrubbed_in_order_gives_the_whole(
    files, batch, split
):
    rules = compile_files(files)
    days = sorted({v.date_of_service for v in batch.visits}) or [date(2026, 1, 1)]
    early, late = _split(batch, days[min(split, len(days) - 1)])
    whole = rules.scrub(batch)
    with (
        tempfile.TemporaryDirectory() as folder,
        HistoryStore.open(Path(folder) / "h.sqlite") as store,
    ):
        first = rules.scrub(early, history=store)
        second = rules.scrub(late, history=store)
    order = {v.id: n for n, v in enumerate(batch.visits)}
    parts = sorted([*first.billed, *second.billed], key=lambda v: order[v.id])
    held = sorted([*first.exceptions, *second.exceptions], key=lambda h: order[h.visit_id])
    audit = sorted(
        [e._replace(seq=0) for e in (*first.audit, *second.audit)],
        key=lambda e: (order[e.visit_id],),
    )
    assert tuple(parts) == whole.billed
    assert tuple(held) == whole.exceptions
    assert audit == sorted(
        (e._replace(seq=0) for e in whole.audit), key=lambda e: (order[e.visit_id],)
    )


def test_guarantee_2_on_the_sample_day_by_day_with_the_command_line(tmp_path):
    batch = read_export(EXAMPLE)
    whole = tmp_path / "whole.json"
    assert main(["scrub", str(EXAMPLE), "-o", str(whole)]) == 1  # one record rejected
    history = tmp_path / "h.sqlite"
    billed, held = {}, {}
    for day in sorted({v.date_of_service for v in batch.visits}):
        part = attrs.evolve(
            batch, visits=tuple(v for v in batch.visits if v.date_of_service == day), rejected=()
        )
        path = tmp_path / f"{day}.json"
        path.write_text(dumps_export(part), encoding="utf-8")
        out = tmp_path / f"{day}.result.json"
        assert (
            main(["scrub", str(path), "-o", str(out), "--history", str(history)]) == 0
        )  # parts hold no rejected record
        result = read_result(out)
        billed.update({v.id: v for v in result.billed})
        held.update({h.visit_id: h for h in result.exceptions})
    expected = read_result(whole)
    assert billed == {v.id: v for v in expected.billed}
    assert held == {h.visit_id: h for h in expected.exceptions}


def test_a_corrected_visit_replaces_its_record(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule w: limit 97110 to 4 units per week\n}\n")
    monday = batch_of({"date_of_service": "2026-03-02", "charges": [charge("97110", 3)]})
    with HistoryStore.open(tmp_path / "h.sqlite") as store:
        rules.scrub(monday, history=store)
        corrected = batch_of({"date_of_service": "2026-03-02", "charges": [charge("97110", 1)]})
        rules.scrub(corrected, history=store)  # V1 sent again with 1 unit
        tuesday = batch_of(
            {
                "id": "V9",
                "date_of_service": "2026-03-03",
                "charges": [charge("97110", 3, id="V9-1")],
            }
        )
        result = rules.scrub(tuesday, history=store)
        (fact,) = [f for f in store.facts_of("P1") if f.visit_id == "V1"]
    assert fact.billed == (("97110", 1),)
    assert units_by_code(result) == {"97110": 3}, "1 of 4 spent by the corrected Monday"


def test_guarantee_3_a_failed_scrub_leaves_the_history_as_it_was(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule w: limit 97110 to 4 units per week\n}\n")
    path = tmp_path / "h.sqlite"
    with HistoryStore.open(path) as store:
        rules.scrub(batch_of(visit("2026-03-02", "97110")), history=store)
    before = _digest(path)

    class Boom:
        def event(self, event):
            raise RuntimeError("the scrub fails halfway")

    with HistoryStore.open(path) as store, pytest.raises(RuntimeError):
        rules.scrub(
            batch_of({"id": "V2", **visit("2026-03-03", "97110")}), history=store, tracer=Boom()
        )
    assert _digest(path) == before
    with HistoryStore.open(path) as store:
        assert [f.visit_id for f in store.facts_of("P1")] == ["V1"]


def test_guarantee_3_a_killed_scrub_leaves_the_history_as_it_was(tmp_path):
    path = tmp_path / "h.sqlite"
    HistoryStore.open(path).close()
    code = textwrap.dedent(f"""
        import os
        from datetime import date
        from scrubber.history import HistoryStore
        from scrubber.model.history import VisitFact
        from scrubber.model.records import NoteType
        store = HistoryStore.open({str(path)!r})
        with store.session():
            store.record([VisitFact("V1", "C1", "P1", "X", date(2026, 3, 2), NoteType.DAILY, True)])
            os._exit(9)  # killed before the transaction ends
    """)
    run = subprocess.run([sys.executable, "-c", code], check=False)
    assert run.returncode == 9
    with HistoryStore.open(path) as store:
        assert len(store) == 0


def _hold_the_history(path: Path, seconds: float) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys, time
        from scrubber.history import HistoryStore
        store = HistoryStore.open({str(path)!r})
        with store.session():
            print("holding", flush=True)
            time.sleep({seconds})
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_guarantee_3_a_second_scrub_waits_for_the_first(tmp_path, capsys):
    path = tmp_path / "h.sqlite"
    HistoryStore.open(path).close()
    holder = _hold_the_history(path, 1.5)
    start = time.monotonic()
    assert (
        main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--history", str(path)]) == 1
    )
    assert time.monotonic() - start >= 0.8
    holder.wait()
    holder.stdout.close()
    with HistoryStore.open(path) as store:
        assert len(store) > 0


def test_guarantee_3_or_stops_after_its_wait_with_a_clear_error(tmp_path, capsys):
    path = tmp_path / "h.sqlite"
    HistoryStore.open(path).close()
    before = _digest(path)
    holder = _hold_the_history(path, 3)
    out = tmp_path / "r.json"
    code = main(
        ["scrub", str(EXAMPLE), "-o", str(out), "--history", str(path), "--history-wait", "0.3"]
    )
    holder.wait()
    holder.stdout.close()
    err = capsys.readouterr().err
    assert code == 2
    assert "another scrub is using this history" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists() and _digest(path) == before


def _other_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id TEXT)")


def _newer(path: Path) -> None:
    HistoryStore.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE scrubber_history SET value = '99' WHERE key = 'schema'")


def _corrupt(path: Path) -> None:
    HistoryStore.open(path).close()
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (
            lambda p: p.write_text("visit_id,units\nV1,2\n"),
            "not a scrubber history (not an SQLite database)",
        ),
        (lambda p: p.write_bytes(b""), "not a scrubber history (an empty file)"),
        (_other_database, "not a scrubber history (an SQLite database without its tables)"),
        (_newer, "written by a newer scrubber (history schema 99"),
        (_corrupt, "the history is damaged"),
    ],
    ids=["text", "empty", "another-database", "newer", "corrupt"],
)
def test_guarantee_3_a_file_that_is_not_a_history_is_refused_untouched(
    tmp_path, capsys, make, words
):
    path = tmp_path / "h.sqlite"
    make(path)
    before = _digest(path)
    out = tmp_path / "r.json"
    assert main(["scrub", str(EXAMPLE), "-o", str(out), "--history", str(path)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert _digest(path) == before and not out.exists()
    assert main(["explain", str(EXAMPLE), "--visit", "V1", "--history", str(path)]) == 2
    assert words in capsys.readouterr().err
    assert _digest(path) == before
    with pytest.raises(HistoryError):
        HistoryStore.open(path)


def test_explain_reads_the_history_and_says_which_counts_a_rule_read(tmp_path, capsys):
    rules = rules_from(
        tmp_path,
        'rules any {\n rule auth "Visits past the authorized number need a new authorization": '
        'hold "Pending Authorization" when visit.authorization_day > case.authorization_visits\n}\n',
    )
    case = {"authorization_visits": 2, "authorization_start": "2026-03-02"}
    history = tmp_path / "h.sqlite"
    with HistoryStore.open(history) as store:
        rules.scrub(
            batch_of(visit("2026-03-02", "97110"), visit("2026-03-03", "97110"), **case),
            history=store,
        )
    before = _digest(history)
    today = batch_of({"id": "V7", **visit("2026-03-04", "97110")}, **case)
    with HistoryStore.open(history, read_only=True) as store:
        lines = explain_visit(rules, today, "V7", history=store)
    assert "authorization day 3 of 2 authorized" in lines[1]
    assert "It read visit.authorization_day = 3, case.authorization_visits = 2" in lines[1]
    # without the history, only the export counts
    assert "No rule changed this visit" in explain_visit(rules, today, "V7")[1]
    assert _digest(history) == before, "explain never writes the history"


# ---- guarantee 4: streaming and Dask -----------------------------------------------------------


def _stream(rules: RuleSet, batch: Batch, history=None) -> ScrubResult:
    ordered = attrs.evolve(
        batch, visits=tuple(sorted(batch.visits, key=lambda v: v.date_of_service))
    )
    text = dumps_export(ordered, "jsonl")
    days = list(
        rules.scrub_stream(iter_jsonl(io.StringIO(text).read().split("\n")), history=history)
    )
    return ScrubResult(
        tuple(v for d in days for v in d.billed),
        tuple(h for d in days for h in d.exceptions),
        (),
        tuple(e for d in days for e in d.audit),
        tuple(w for d in days for w in d.warnings),
    )


def _sorted_batch(batch: Batch) -> Batch:
    return attrs.evolve(batch, visits=tuple(sorted(batch.visits, key=lambda v: v.date_of_service)))


@RELAXED
@given(files=rule_texts(), batch=history_batches, split=st.integers(0, 7))
def test_guarantee_4_streaming_gives_the_batch_result_with_and_without_history(files, batch, split):
    rules = compile_files(files)
    batch = _sorted_batch(batch)
    assert dumps_result(_stream(rules, batch)) == dumps_result(
        attrs.evolve(rules.scrub(batch), rejected=())
    )
    days = sorted({v.date_of_service for v in batch.visits}) or [date(2026, 1, 1)]
    early, late = _split(batch, days[min(split, len(days) - 1)])
    with tempfile.TemporaryDirectory() as folder:
        one, two = Path(folder) / "one.sqlite", Path(folder) / "two.sqlite"
        with HistoryStore.open(one) as store:
            rules.scrub(early, history=store)
        shutil.copy(one, two)
        with HistoryStore.open(one) as store:
            batched = rules.scrub(late, history=store)
        with HistoryStore.open(two) as store:
            streamed = _stream(rules, late, history=store)
        with HistoryStore.open(one) as a, HistoryStore.open(two) as b:
            assert a.facts_of("P0") == b.facts_of("P0") and len(a) == len(b)
    assert dumps_result(streamed) == dumps_result(attrs.evolve(batched, rejected=()))


def test_a_stream_stopped_early_leaves_the_history_as_it_was(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n rule w: limit 97110 to 4 units per week\n}\n")
    path = tmp_path / "h.sqlite"
    batch = batch_of(
        visit("2026-03-02", "97110"), visit("2026-03-03", "97110"), visit("2026-03-04", "97110")
    )
    with HistoryStore.open(path) as store:
        days = rules.scrub_stream(
            iter_jsonl(dumps_export(batch, "jsonl").split("\n")), history=store
        )
        next(days)
        days.close()
        assert len(store) == 0


def test_guarantee_4_dask_partitions_by_patient_and_gives_the_batch_result_with_history(tmp_path):
    pytest.importorskip("dask")
    from scrubber.distributed import scrub_partitions
    from scrubber.load import load_rules

    batch = read_export(EXAMPLE)
    batch = _sorted_batch(attrs.evolve(batch, rejected=()))
    rules = load_rules()
    days = sorted({v.date_of_service for v in batch.visits})
    early, late = _split(batch, days[len(days) // 2])
    first = tmp_path / "first.sqlite"
    with HistoryStore.open(first) as store:
        rules.scrub(early, history=store)
    second = tmp_path / "second.sqlite"
    shutil.copy(first, second)
    with HistoryStore.open(first) as store:
        expected = rules.scrub(late, history=store)
    lines = dumps_export(late, "jsonl").splitlines(keepends=True)
    parts = []
    for n, cut in enumerate(range(0, len(lines), 40)):
        part = tmp_path / f"part-{n}.jsonl"
        part.write_text("".join(lines[cut : cut + 40]), encoding="utf-8")
        parts.append(part)
    got = scrub_partitions(parts, history=second).collect(scheduler="sync")
    assert dumps_result(got) == dumps_result(expected)
    with HistoryStore.open(first) as a, HistoryStore.open(second) as b:
        assert len(a) == len(b)
        assert all(a.facts_of(p.id) == b.facts_of(p.id) for p in batch.patients)


def test_dask_reads_a_history_deleted_and_begun_anew_in_the_same_process(tmp_path):
    """Issue 24 point 1: after the documented start over (delete the history file, scrub again)
    in one process, the Dask workers read the new file, never the store they opened before."""
    pytest.importorskip("dask")
    from scrubber.distributed import scrub_partitions
    from scrubber.load import load_rules

    batch = _sorted_batch(attrs.evolve(read_export(EXAMPLE), rejected=()))
    rules = load_rules()
    days = sorted({v.date_of_service for v in batch.visits})
    early, late = _split(batch, days[len(days) // 2])
    part = tmp_path / "late.jsonl"
    part.write_text(dumps_export(late, "jsonl"), encoding="utf-8")
    path = tmp_path / "history.sqlite"
    with HistoryStore.open(path) as store:
        rules.scrub(early, history=store)
    with_early = scrub_partitions([part], history=path).collect(scheduler="sync")
    path.unlink()
    with HistoryStore.open(path):
        pass
    anew = scrub_partitions([part], history=path).collect(scheduler="sync")
    expected = rules.scrub(late)
    assert dumps_result(with_early) != dumps_result(expected)
    assert dumps_result(anew) == dumps_result(expected)
