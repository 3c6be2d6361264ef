"""A JSON export read a piece of each list at a time (``scrubber.formats.json_pieces``, issue 29)
gives exactly the records and rejections of the document read whole, whatever the text: the
damaged exports of the fuzz harness, brackets inside strings, floats that must be read exactly,
text orjson refuses and the json module reads, other shapes. And ``write_result`` and
``write_audit`` write the bytes of ``dumps_result`` and ``dumps_audit``, part by part."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from engine_helpers import compile_files
from fuzzing import exports
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import scrubber
from scrubber import dumps_audit, dumps_result, read_export, write_result
from scrubber.errors import ExportReadError
from scrubber.formats import json_document, result_writers
from scrubber.formats.emr import dumps_export
from scrubber.formats.json_pieces import NotPlain, iter_pieces
from scrubber.formats.result_writers import write_audit
from scrubber.sample import sample_batch, sample_document
from scrubber.testing import history_batches, rule_batches, rule_texts

#: piece sizes from one element a piece to the default
SIZES = (1, 7, 300, 4096, 1 << 18)


def _whole(text: str) -> scrubber.Batch | str:
    try:
        return json_document._read_whole(text, "<stream>")
    except ExportReadError as exc:
        return str(exc)


def _same_as_whole(text: str, sizes: tuple[int, ...] = SIZES) -> int:
    """Read ``text`` in pieces of each size: either it is not of the plain shape (read whole
    then), or the records, rejections and their order are those of the whole document. How
    many sizes read it in pieces."""
    whole = _whole(text)
    read = 0
    for size in sizes:
        try:
            pieces = json_document._read_in_pieces(text, size)
        except NotPlain:
            continue
        assert pieces == whole, size
        read += 1
    return read


def _document(visits: int = 40, **kwargs: object) -> dict:
    return sample_document(visits, seed=3, visits_per_day=6, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("indent", [None, 0, 2, "\t"])
def test_a_sample_is_read_in_pieces_as_it_is_read_whole(indent):
    document = _document(malformed=2)
    text = json.dumps(document, indent=indent, separators=(",", ":") if indent is None else None)
    assert _same_as_whole(text) == len(SIZES)


def test_a_large_export_is_read_in_many_pieces_by_orjson():
    text = dumps_export(sample_batch(3000, seed=5, visits_per_day=2000))
    pieces = list(iter_pieces(text, ("patients", "cases", "visits"), 1 << 16))
    visits = [piece for name, piece in pieces if name == "visits"]
    assert len(visits) > 10
    assert sum(piece.fast for piece in visits) >= len(visits) - 2  # a list's last elements
    assert sum(len(piece.items) for piece in visits) == 3000
    assert read_export(io.StringIO(text)) == json_document._read_whole(text, "<stream>")


@pytest.mark.parametrize(
    "location",
    ["Suite {3", "Room ]", "}, {", '"},{"', "[[[", "\\u007d,", "{}" * 50, "\u2028}]"],
)
def test_brackets_inside_strings_never_cut_a_record(location):
    document = _document()
    for visit in document["visits"][::3]:
        visit["location"] = location
    for indent in (None, 2):
        assert _same_as_whole(json.dumps(document, indent=indent)) == len(SIZES)


def test_a_float_where_money_is_read_exactly_in_its_piece():
    document = _document()
    for n, visit in enumerate(v for v in document["visits"] if v["charges"]):
        visit["charges"][0]["amount"] = "RAW"
        if n % 5 == 0:
            visit["charges"][0]["units"] = 1.5  # a message shows 1.5 as written
    text = json.dumps(document).replace('"RAW"', "10.10")
    assert _same_as_whole(text) == len(SIZES)
    batch = json_document._read_in_pieces(text, 300)
    charge = next(v.charges[0] for v in batch.visits if v.charges)
    assert charge.amount == Decimal("10.10")
    assert str(charge.amount) == "10.10"
    assert any("got 1.5" in error for rejected in batch.rejected for error in rejected.errors)


def test_text_orjson_refuses_is_read_by_the_json_module_in_its_piece():
    document = _document()
    document["visits"][7]["location"] = "RAW1"
    document["visits"][20]["charges"] = [{"id": "X", "cpt": "97110", "units": "RAW2"}]
    text = json.dumps(document).replace('"RAW1"', '"\\ud800"').replace('"RAW2"', "1" * 40)
    assert _same_as_whole(text) == len(SIZES)
    batch = json_document._read_in_pieces(text, 7)
    assert [r.path for r in batch.rejected] == ["visits[7]", "visits[20]"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: '{"cases": []' + t[1:],  # a list twice
        lambda t: t[:-2] + ', "patients": []}',
        lambda t: '{"extra": {"visits": [1]}, ' + t[1:],  # other keys are read and left
        lambda t: t[:-2] + ', "extra": [{"a": "}]"}]}',
        lambda t: t.replace('"visits"', '"vi\\u0073its"'),
        lambda t: t.replace('"cases"', '"Cases"'),
        lambda t: t[:-2] + "} x",
        lambda t: t[:-2] + ",}",
        lambda t: t.replace('"visits": [', '"visits": {"a": ['),
        lambda t: t.replace('"visits": [', '"visits": [1, "x", null, [], '),
        lambda t: t.replace('"visits": [', '"visits": [' + "[" * 1100 + "]" * 1100 + ", "),
        lambda t: t.replace('"visits": [', '"visits": [' + "[" * 1030 + "]" * 1030 + ", "),
        lambda t: t.replace('"visits": [', '"visits": [{}, {"id": NaN}, '),
        lambda t: t.replace("}, {", "},, {", 1),
        lambda t: t.replace("}, {", "}, {,", 1),
        lambda t: t.replace("}", "}\r\n\t", 40),
        lambda t: t[: len(t) // 2],
        lambda t: "[" + t + "]",
        lambda t: " \n" + t + "\n\n ",
    ],
)
def test_a_document_of_another_shape_reads_as_it_reads_whole(edit):
    text = edit(json.dumps(_document(malformed=1)))
    _same_as_whole(text)
    try:
        expected: object = json_document._read_whole(text, "<stream>")
    except ExportReadError as exc:
        expected = str(exc)
    try:
        got: object = read_export(io.StringIO(text))
    except ExportReadError as exc:
        got = str(exc)
    assert got == expected


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(damaged=exports())
def test_a_damaged_export_reads_in_pieces_as_it_reads_whole(damaged):
    if damaged.suffix != ".json":
        return
    try:
        text = damaged.data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return
    _same_as_whole(text, (1, 64, 1 << 18))


# ---- writing part by part --------------------------------------------------------------------

RELAXED = settings(
    suppress_health_check=list(HealthCheck),
    deadline=None,
    max_examples=40,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@RELAXED
@given(
    files=rule_texts(),
    batch=st.one_of(rule_batches, history_batches),
    items=st.sampled_from((1, 2, 3, 1000)),
)
def test_a_result_written_part_by_part_is_the_bytes_of_dumps_result(files, batch, items):
    result = compile_files(files).scrub(batch)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(result_writers, "WRITE_ITEMS", items)
        out = io.StringIO()
        write_result(result, out)
        assert out.getvalue() == dumps_result(result)
        for format in ("json", "jsonl", "csv"):
            audit = io.StringIO()
            write_audit(result.audit, audit, format)  # type: ignore[arg-type]
            assert audit.getvalue() == dumps_audit(result.audit, format)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", SIZES)
def test_a_duplicate_id_names_where_the_first_stood_whatever_the_pieces(size):
    document = _document(visits=12)
    visits = [v for v in document["visits"] if len(v["charges"]) >= 2]
    first, later = visits[0], visits[-1]
    second_charge = first["charges"][1]["id"]
    later["charges"] = [dict(later["charges"][0], id=second_charge)]
    document["visits"].append(dict(first, id="NEW", charges=[]))
    document["visits"].append(dict(document["cases"][0], id="C-NEW"))
    document["cases"].append(dict(document["cases"][0]))
    at = document["visits"].index
    batch = json_document._read_in_pieces(json.dumps(document, indent=2), size)
    errors = {rejected.path: rejected.errors for rejected in batch.rejected}
    assert errors[f"visits[{at(later)}]"] == (
        f'visits[{at(later)}].charges[0].id: duplicate charge id "{second_charge}" '
        f"(first at visits[{at(first)}].charges[1])",
    )
    case_id = document["cases"][0]["id"]
    assert errors[f"cases[{len(document['cases']) - 1}]"][0] == (
        f'cases[{len(document["cases"]) - 1}].id: duplicate case id "{case_id}" (first at cases[0])'
    )


@pytest.mark.parametrize("depth", [1019, 1020, 1021, 1022, 1023, 1024])
def test_nesting_at_orjson_s_limit_reads_in_pieces_as_it_reads_whole(depth):
    """A piece is nested as deep as in the document: the limit falls at the same place."""
    nested = "[" * depth + "]" * depth
    text = json.dumps(_document(visits=6)).replace(
        '"visits": [{', f'"visits": [{{"x": {nested}, ', 1
    )
    _same_as_whole(text, (1, 1 << 18))
