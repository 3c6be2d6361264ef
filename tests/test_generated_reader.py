"""The generated reader (scrubber.formats.generated) against the converter: a record it accepts
is the converter's record, field by field; a record it refuses goes to the converter, so every
rejection message is the converter's. Issue 29."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.formats import convert
from scrubber.formats.emr import parse_export
from scrubber.model.records import Case, Patient, Visit
from scrubber.sample import sample_document

KINDS = (("patients", Patient), ("cases", Case), ("visits", Visit))


def generated_or_none(raw: Any, cls: type) -> Any:
    try:
        return convert._generated[cls](raw)
    except Exception:
        return None


def converter_or_none(raw: Any, cls: type) -> Any:
    try:
        return convert.converter.structure(raw, cls)
    except Exception:
        return None


def test_every_record_of_a_sample_is_read_the_same() -> None:
    document = orjson.loads(orjson.dumps(sample_document(300, seed=4, malformed=30)))
    accepted = 0
    for key, cls in KINDS:
        for raw in document[key]:
            mine = generated_or_none(raw, cls)
            if mine is not None:
                accepted += 1
                assert mine == converter_or_none(raw, cls)
                assert (
                    mine.origin == convert.converter.structure(raw, cls).origin
                    if cls is Case
                    else True
                )
    assert accepted > 300


#: values put in place of a field: of the wrong type, out of bounds, close to valid
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 100_001), st.floats(allow_nan=False),
    st.text(max_size=12), st.sampled_from(["97110", "gp", "GP", "2026-02-30", "2026-03-02",
                                           "٢٠٢٦-٠٣-٠٢", "1.5", "\ud800", "medicare", "PT", "x"]),
    st.lists(st.sampled_from(["GP", "59", "g", "M54.50", 3]), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


BASE = orjson.loads(orjson.dumps(sample_document(12, seed=9)))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(KINDS), st.integers(0, 11), st.data(), ODD_VALUES, st.booleans())
def test_a_damaged_record_is_refused_or_read_as_the_converter_reads_it(
    kind: tuple[str, type], which: int, data: st.DataObject, odd: Any, delete: bool
) -> None:
    key, cls = kind
    raw = copy.deepcopy(BASE[key][which % len(BASE[key])])
    where = data.draw(st.sampled_from(paths(raw)))
    holder = raw
    for step in where[:-1]:
        holder = holder[step]
    if delete and isinstance(holder, dict):
        del holder[where[-1]]
    else:
        holder[where[-1]] = odd
    mine = generated_or_none(raw, cls)
    if mine is not None:
        assert mine == converter_or_none(raw, cls)


@pytest.mark.parametrize("malformed", [0, 25])
def test_parse_export_gives_the_converters_messages(malformed: int) -> None:
    document = orjson.loads(orjson.dumps(sample_document(200, seed=2, malformed=malformed)))
    saved = dict(convert._generated)
    try:
        convert._generated.clear()
        before = parse_export(copy.deepcopy(document))
    finally:
        convert._generated.update(saved)
    after = parse_export(document)
    assert after == before
    assert len(after.rejected) == malformed
