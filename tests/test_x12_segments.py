"""The segments of an interchange as received (``scrubber.formats.x12.segments``): the fast cut
of a file written one way throughout gives exactly what the segment-by-segment cut gives, and
any run of segments is written back byte for byte; the billed file is the one received with the
writer's edits."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from test_x12_wild import _recount

from scrubber.formats.x12 import read_x12, write_scrubbed
from scrubber.formats.x12.segments import Delimiters, Segments, _each, _segments, _uniform
from scrubber.load import load_rules

_RULES = load_rules(Path(__file__).parent / "golden" / "x12" / "rules")

_D = Delimiters("*", ":", "^", "~")
#: what may follow a terminator in the wild: nothing, line breaks, spaces before a line break
_AFTERS = ["", "\n", "\r\n", "\r", " \n", "\t\r\n", "\n\n", "\n\r\n", " ", "\n "]
_BODIES = st.sampled_from(
    ["NM1*85*2*A", "N3*1 MAIN ST", "HL*1**20*1", "SE", " DTP*472", "", "LX*1"]
)


@st.composite
def _texts(draw: st.DrawFn) -> str:
    bodies = ["ISA*00", *draw(st.lists(_BODIES, max_size=8))]
    if draw(st.booleans()):  # one way throughout
        after = draw(st.sampled_from(_AFTERS))
        afters = [after] * len(bodies)
    else:
        afters = draw(
            st.lists(st.sampled_from(_AFTERS), min_size=len(bodies), max_size=len(bodies))
        )
    tail = draw(st.sampled_from(["", "  ", "IEA*1", "\n"]))
    return "".join(body + "~" + after for body, after in zip(bodies, afters, strict=True)) + tail


@given(_texts())
def test_the_fast_cut_is_the_segment_by_segment_cut(text: str) -> None:
    each = _each(text, "~")
    fast = _uniform(text, "~")
    if fast is not None:
        bodies, tail, after = fast
        assert (bodies, tail) == each[:2]
        assert each[2] == [after] * len(bodies)


@given(_texts())
def test_each_id_is_the_text_before_the_first_separator_one_object_per_id(text: str) -> None:
    """Ids are told from a segment's first four characters when those hold the separator; the
    same as splitting each segment, empty and separator-less ids included, one string object
    for each distinct id."""
    segments, _ = _segments(text, _D)
    assert segments.ids == [body.partition("*")[0] for body in segments.bodies]
    assert len({id(sid) for sid in segments.ids}) == len(set(segments.ids))


@given(_texts(), st.data())
def test_any_run_of_segments_is_written_as_received(text: str, data: st.DataObject) -> None:
    segments, tail = _segments(text, _D)
    assert segments.raw(0, len(segments)) + tail == text
    start = data.draw(st.integers(0, len(segments)))
    stop = data.draw(st.integers(start, len(segments)))
    assert segments.raw(start, stop) == "".join(segments.raw(n, n + 1) for n in range(start, stop))


def test_a_file_written_one_way_is_cut_fast_and_kept_byte_for_byte() -> None:
    text = "ISA*00~\r\nGS*HC~\r\nST*837~\r\nSE*2~\r\n"
    assert _uniform(text, "~") == (["ISA*00", "GS*HC", "ST*837", "SE*2"], "", "\r\n")
    segments, _ = _segments(text, _D)
    assert segments.ids == ["ISA", "GS", "ST", "SE"]
    assert segments.segment(2).elements == ["ST", "837"]
    assert segments.rewritten(3, ["SE", "3"]) == "SE*3~\r\n"


def test_a_file_with_mixed_line_ends_keeps_each_one() -> None:
    text = "ISA*00~\nGS*HC~\r\nST*837~SE*2~\n\n"
    assert _uniform(text, "~") is None
    segments, tail = _segments(text, _D)
    assert isinstance(segments, Segments)
    assert [segments.raw(n, n + 1) for n in range(len(segments))] == [
        "ISA*00~\n", "GS*HC~\r\n", "ST*837~", "SE*2~\n\n"
    ]  # fmt: skip
    assert segments.rewritten(1, ["GS", "XX"]) == "GS*XX~\r\n"
    assert tail == ""


def test_a_claim_before_the_first_hl_is_left_out_of_the_billed_file() -> None:
    """The writer's edits before the first HL loop: a claim standing there has no subscriber
    (it is rejected), and the billed file is the one without it."""
    golden = Path(__file__).parent / "golden" / "x12" / "medicare_pta_kx"
    text = (golden / "input.x12").read_bytes().decode("utf-8")
    early = _recount(text.replace("HL*1**20*1~\n", "CLM*EARLY*10***11:B:1*Y*A*Y*Y~\nHL*1**20*1~\n"))
    batch, interchange = read_x12(early)
    assert [r.id for r in batch.rejected] == ["EARLY"]
    assert "the claim has no subscriber" in batch.rejected[0].errors[0]
    billed = write_scrubbed(interchange, _RULES.scrub(batch))
    assert billed == (golden / "expected.x12").read_bytes().decode("utf-8")


def test_lines_of_one_date_with_different_rendering_providers_reject_the_claim() -> None:
    """A visit has one provider: two lines of the same date rendered by different providers
    (loop 2420A) are two visits billed as one claim, and the claim is rejected saying so."""
    golden = Path(__file__).parent / "golden" / "x12" / "medicare_pta_kx"
    text = (golden / "input.x12").read_bytes().decode("utf-8")
    other = "DTP*472*D8*20260302~\nNM1*82*1*DIAZ*RAY****XX*1555555555~\nPRV*PE*PXC*225100000X~\n"
    second = text.index("LX*2~\n")
    text = text[:second] + text[second:].replace("DTP*472*D8*20260302~\n", other, 1)
    batch, _ = read_x12(_recount(text))
    assert batch.rejected[0].errors == (
        "ST 0001 segment 19 (CLM): the lines of 2026-03-02 have different rendering providers "
        "('1555555555' (PT), '1987654328' (PTA)): bill them as separate claims",
    )


def test_a_visit_id_that_is_another_claims_clm01_is_a_duplicate() -> None:
    """The ledger is asked about visits: a claim spanning two dates names its visits
    ``CLM01/DATE``, and a later claim whose CLM01 is one of them is rejected as a duplicate
    visit. Its lines (``CLM01/LXn``) never meet the first claim's."""
    golden = Path(__file__).parent / "golden" / "x12" / "commercial_prior_auth"
    text = (golden / "input.x12").read_bytes().decode("utf-8")
    second_line = text.index("LX*2~\n")
    text = text[:second_line] + text[second_line:].replace("D8*20260303", "D8*20260304", 1)
    text = text.replace("CLM*OKAFOR-0303*", "CLM*NGUYEN-0303/2026-03-04*")
    batch, _ = read_x12(text)
    assert [v.id for v in batch.visits] == ["NGUYEN-0303/2026-03-03", "NGUYEN-0303/2026-03-04"]
    (rejected,) = batch.rejected
    assert rejected.errors == (
        'ST 0001 segment 40 (CLM): duplicate visit id "NGUYEN-0303/2026-03-04" (first at '
        "ST 0001 segment 19)",
    )
