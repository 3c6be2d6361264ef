"""The stream reader's memory of ids: the same answers as a dictionary, in a few bytes each."""

import json
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from scrubber.formats import compact_ids as seen_ids
from scrubber.formats.compact_ids import CompactIds
from scrubber.formats.emr import iter_jsonl
from scrubber.model.records import LineRecord
from scrubber.sample import sample_document


@given(
    st.lists(
        st.tuples(st.sampled_from(["get", "add"]), st.text(max_size=4), st.integers(0, 2**64 - 1)),
        max_size=300,
    )
)
def test_compact_ids_answer_like_a_dictionary_keeping_the_first(steps):
    ids, model = CompactIds(), {}
    # flush and merge runs all the time, a few ids per slice of a merge
    with mock.patch.object(seen_ids, "_RECENT", 3), mock.patch.object(seen_ids, "_SLICE", 2):
        for step, record_id, number in steps:
            if step == "add" and ids.get(record_id) is None:
                ids.add(record_id, number)
                model[record_id] = number
            assert ids.get(record_id) == model.get(record_id)
    assert len(ids) == len(model)
    assert all(ids.get(record_id) == number for record_id, number in model.items())


def test_a_hundred_thousand_ids_take_sixteen_bytes_each_in_a_few_runs():
    ids = CompactIds()
    for n in range(100_000):
        ids.add(f"C{n:07d}", n)
    assert ids.get("C0000000") == 0
    assert ids.get("C0099999") == 99_999
    assert ids.get("C0100000") is None
    assert ids.nbytes() <= 16 * 100_000
    assert len(ids._runs) <= 4


def _lines(visits: int, seed: int) -> list[str]:
    document = sample_document(visits, seed=seed)
    patients = {p["id"]: p for p in document["patients"]}
    cases = {c["id"]: c for c in document["cases"]}
    lines = []
    for visit in document["visits"]:
        case = cases[visit["case_id"]]
        line = {"patient": patients[case["patient_id"]], "case": case, "visit": visit}
        lines.append(json.dumps(line))
    return lines


def test_a_charge_sent_again_thousands_of_lines_later_is_still_caught():
    lines = _lines(6000, seed=3)
    before = list(iter_jsonl(lines))
    billed = [n for n, r in enumerate(before) if isinstance(r, LineRecord) and r.visit.charges]
    first, last = billed[0], billed[-1]
    assert last - first > 5000
    charge_id = before[first].visit.charges[0].id
    again = json.loads(lines[last])
    again["visit"]["charges"][0]["id"] = charge_id
    lines[last] = json.dumps(again)
    after = list(iter_jsonl(lines))
    assert [n for n, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [last]
    assert after[last].errors == (
        f'line {last + 1}: visit.charges[0].id: duplicate charge id "{charge_id}" '
        f"(first at line {first + 1}: visit.charges[0])",
    )
