"""The Dask path (scrubber.distributed) in local mode: a partitioned export scrubs to exactly the
result of one scrub of the files read one after the other, conflicts across files included."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip(
    "dask.bag", reason="dask is not installed (pip install 'charge-scrubber[dask]')"
)

from scrubber.distributed import collect, scrub_partitions
from scrubber.errors import ExportReadError, UsageError
from scrubber.formats.emr import dumps_export, read_export
from scrubber.formats.results import dumps_result
from scrubber.load import load_rules
from scrubber.sample import sample_batch

RULES = load_rules()


def _export_lines(visits: int, seed: int) -> list[str]:
    batch = sample_batch(visits, seed=seed, visits_per_day=15)
    return dumps_export(batch, "jsonl").splitlines(keepends=True)


def _write_parts(folder: Path, lines: list[str], cuts: list[int]) -> list[Path]:
    bounds = [0, *sorted(cuts), len(lines)]
    paths = []
    for n, (start, end) in enumerate(pairwise(bounds)):
        path = folder / f"part-{n:03d}.jsonl"
        path.write_text("".join(lines[start:end]), encoding="utf-8")
        paths.append(path)
    return paths


def _single(folder: Path, lines: list[str]) -> object:
    whole = folder / "whole.jsonl"
    whole.write_text("".join(lines), encoding="utf-8")
    return RULES.scrub(read_export(whole))


LINES = _export_lines(120, seed=21)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.integers(0, len(LINES)), max_size=5))
def test_partitions_scrub_byte_for_byte_like_one_scrub(tmp_path_factory, cuts):
    folder = tmp_path_factory.mktemp("parts")
    paths = _write_parts(folder, LINES, cuts)
    distributed = scrub_partitions(paths).collect(scheduler="sync")
    assert dumps_result(distributed) == dumps_result(_single(folder, LINES))


def test_worker_processes_load_the_rules_themselves(tmp_path):
    """With the process scheduler every task is pickled: nothing compiled travels."""
    paths = _write_parts(tmp_path, LINES[:60], [20, 40])
    distributed = scrub_partitions(paths).collect(scheduler="processes", num_workers=2)
    assert dumps_result(distributed) == dumps_result(_single(tmp_path, LINES[:60]))


def _edit(line: str, change) -> str:
    record = json.loads(line)
    change(record)
    return json.dumps(record) + "\n"


def _placed(text: str, cut: int) -> str:
    """A place in the whole export as the same place in the two files cut at line ``cut``."""

    def where(match: re.Match[str]) -> str:
        line = int(match.group(1))
        return (
            f"part-000.jsonl: line {line}" if line <= cut else f"part-001.jsonl: line {line - cut}"
        )

    return re.sub(r"line (\d+)", where, text)


def test_conflicts_across_files_are_rejected_like_within_one_file(tmp_path):
    lines = list(LINES[:40])
    records = [json.loads(line) for line in lines]
    later_patients = {r["patient"]["id"] for r in records[20:]}
    # a first line whose patient the second file never sends: its first place is the same in
    # the whole export and in the files
    first = next(r for r in records[:20] if r["patient"]["id"] not in later_patients)
    with_charges = next(n for n in range(31, 35) if records[n]["visit"]["charges"])

    def same_visit_id(record):
        record["visit"]["id"] = first["visit"]["id"]

    def same_charge_id(record):
        record["visit"]["charges"][0]["id"] = first["visit"]["charges"][0]["id"]

    def other_name(record):
        record["patient"] = dict(first["patient"], last_name="Changed")
        record["case"] = dict(first["case"])
        record["visit"]["case_id"] = first["case"]["id"]

    lines[30] = _edit(lines[30], same_visit_id)
    lines[with_charges] = _edit(lines[with_charges], same_charge_id)
    lines[36] = _edit(lines[36], other_name)
    parts = _write_parts(tmp_path, lines, [20])
    distributed = scrub_partitions(parts).collect(scheduler="sync")
    single = _single(tmp_path, lines)
    # The same lines are rejected for the same reasons; only the places name the file.
    assert len(single.rejected) == 3
    expected = [_placed(error, 20) for r in single.rejected for error in r.errors]
    assert [error for r in distributed.rejected for error in r.errors] == expected
    assert [r.path for r in distributed.rejected] == [_placed(r.path, 20) for r in single.rejected]
    assert (distributed.billed, distributed.exceptions, distributed.audit) == (
        single.billed,
        single.exceptions,
        single.audit,
    )


def test_a_conflict_within_a_file_names_the_earlier_line_of_that_file(tmp_path):
    lines = list(LINES[:12])
    lines[9] = _edit(lines[9], lambda r: r["visit"].update(id=json.loads(lines[6])["visit"]["id"]))
    result = scrub_partitions(_write_parts(tmp_path, lines, [5])).collect(scheduler="sync")
    (duplicate,) = result.rejected
    assert duplicate.errors == (
        f'part-001.jsonl: line 5: visit.id: duplicate visit id "{json.loads(lines[6])["visit"]["id"]}" '
        "(first at part-001.jsonl: line 2: visit)",
    )


def test_bad_lines_keep_their_file_and_line(tmp_path):
    lines = [*LINES[:5], "{not json\n", *LINES[5:10]]
    parts = _write_parts(tmp_path, lines, [3])
    result = scrub_partitions(parts).collect(scheduler="sync")
    (bad,) = result.rejected
    assert bad.path == "part-001.jsonl: line 3"
    assert bad.errors[0].startswith("part-001.jsonl: line 3: not valid JSON")


def test_collect_of_nothing_is_an_empty_result():
    result = collect([])
    assert (result.billed, result.exceptions, result.rejected, result.audit) == ((), (), (), ())


def test_mistakes_in_the_call_are_plain_errors(tmp_path):
    with pytest.raises(UsageError, match="no JSON Lines files"):
        scrub_partitions([])
    with pytest.raises(UsageError, match="no-such-rules: no such rules file or folder"):
        scrub_partitions([tmp_path / "a.jsonl"], rules=tmp_path / "no-such-rules")
    missing = scrub_partitions([tmp_path / "missing.jsonl"])
    with pytest.raises(ExportReadError, match=r"missing\.jsonl: cannot read the file"):
        missing.collect(scheduler="sync")


def test_collect_runs_in_this_process_unless_a_scheduler_is_chosen(tmp_path, monkeypatch):
    # Issue 29: a bag's default (a pool of processes) was 12x the command line on 2 cores; with
    # no scheduler given or configured, collect runs the tasks in this process. A scheduler
    # given, or configured (as a dask.distributed client does), is used as before.
    import dask

    paths = _write_parts(tmp_path, LINES, [len(LINES) // 2])
    expected = dumps_result(_single(tmp_path, LINES))
    seen: list[object] = []
    compute = dask.compute

    def spy(*bags, **kwargs):
        seen.append(kwargs.get("scheduler"))
        return compute(*bags, **kwargs)

    monkeypatch.setattr(dask, "compute", spy)
    assert dumps_result(scrub_partitions(paths).collect()) == expected
    assert dumps_result(scrub_partitions(paths).collect(scheduler="threads")) == expected
    with dask.config.set(scheduler="threads"):
        assert dumps_result(scrub_partitions(paths).collect()) == expected
    assert seen == ["sync", "threads", None]


@pytest.mark.parametrize("history", [False, True])
def test_each_file_is_read_once_per_collect(tmp_path, monkeypatch, history):
    # The conflicts across files and the dates of resent visits are dictionaries every task is
    # handed; built from an optimized copy of the graph, they read every file a second time.
    from scrubber import distributed

    paths = _write_parts(tmp_path, LINES, [40, 80])
    read: list[str] = []
    original = distributed._read

    def counted(path: str, index: int) -> object:
        read.append(Path(path).name)
        return original(path, index)

    monkeypatch.setattr(distributed, "_read", counted)
    store = tmp_path / "history.sqlite" if history else None
    result = scrub_partitions(paths, history=store).collect()
    assert sorted(read) == sorted(p.name for p in paths)
    assert dumps_result(result) == dumps_result(_single(tmp_path, LINES))
