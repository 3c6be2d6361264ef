"""The fast paths give exactly what the json module gives, and leave the collector as it was."""

import gc
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrubber import bulk
from scrubber.formats import jsoncodec
from scrubber.formats.jsoncodec import json_default, loads_exact

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.skipif(not jsoncodec.HAVE_ORJSON, reason="orjson is not installed")
@given(json_values)
def test_orjson_writes_the_same_bytes_as_json(document):
    try:
        expected = json.dumps(document, ensure_ascii=False, indent=2, default=json_default)
    except ValueError:
        return
    assert jsoncodec.dumps_json(document, json_default) == expected


@given(json_values)
def test_reading_gives_what_json_gives(document):
    text = json.dumps(document, ensure_ascii=False)
    assert loads_exact(text) == json.loads(text)


def test_money_as_json_numbers_is_never_a_float():
    text = '{"amount": 2480.10, "big": 1e3, "note": "M54.50"}'
    value = loads_exact(text)
    assert value["amount"] == Decimal("2480.10") and str(value["amount"]) == "2480.10"
    assert isinstance(value["big"], Decimal)


def test_paused_gc_restores_the_previous_state():
    assert gc.isenabled()
    with bulk.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk.paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_jsonl_line_with_money_as_a_number_is_read_exactly():
    import io as text_io

    from scrubber.formats.emr import dumps_export, read_export
    from scrubber.sample import sample_batch

    batch = sample_batch(3, seed=2)
    text = dumps_export(batch, "jsonl").replace(
        '"therapy_ytd_amount": null', '"therapy_ytd_amount": 2480.10'
    )
    again = read_export(text_io.StringIO(text), format="jsonl")
    assert again.rejected == ()
    amounts = [str(c.therapy_ytd_amount) for c in again.cases if c.therapy_ytd_amount is not None]
    assert "2480.10" in amounts and "2480.1" not in amounts


def test_a_float_in_a_bad_value_is_shown_as_written():
    import io as text_io

    from test_io import CONTRACT_EXAMPLE

    from scrubber.formats.emr import read_export

    text = CONTRACT_EXAMPLE.replace('"units": 3', '"units": 2.50')
    (rejected,) = read_export(text_io.StringIO(text)).rejected
    assert rejected.errors == ("visits[0].charges[0].units: expected a whole number ≥ 0, got 2.50",)
