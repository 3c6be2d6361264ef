"""Fuzz targets for X12 as it is found in the wild (DESIGN §9, §10), registered in
``fuzzing.TARGETS``:

- **interchange files**: several interchanges one after another (golden ones, composed ones,
  one written with other separators, one whose claims are all held), a byte-order mark and line
  breaks, now and then damaged at a seam. Reading must refuse with one ``X12Error`` line or read
  every interchange in order; what is read scrubs conserving units, and the billed text holds one
  envelope for each interchange with a billed claim (none when nothing is billed), each reading
  back with exactly the billed units, the file's lead (BOM, white space) kept.
- **encodings**: the same files and the CMS MUE table as bytes in the encodings real files come
  in (UTF-8 with and without a byte-order mark, UTF-16 with and without one, Windows-1252, CR,
  LF or CRLF, any amount of leading white space, indentation), run through ``scrubber scrub``
  and the table reader: exit 0, 1 or 2 with one line, never a traceback; UTF-16 refused saying
  so; a table read or refused with its line.
- **hostile numbers**: the numeric elements of a claim (SV102, SV104, SV107, CLM02, dates, HL
  and LX numbers, SE01, GE01, IEA01) replaced by what a hostile file holds: millions of digits,
  exponents (``1E99999999``), other scripts' digits (``²``, ``٦``), signs, ``NaN``. Reading
  rejects the claim or refuses the file in a short line, at once: the probe's time limit
  catches a conversion that runs away.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from functools import cache
from pathlib import Path

from engine_helpers import check_conservation, units_by_claim
from hypothesis import strategies as st
from x12_validator import x12_problems

from scrubber.cli import main
from scrubber.engine import RuleSet
from scrubber.formats.x12 import X12Error, read_x12, write_scrubbed
from scrubber.load import load_rules
from scrubber.tables.problems import TableError
from scrubber.tables.units import load_unit_table
from scrubber.testing import interchanges as composed_interchanges

__all__ = [
    "encoded_files",
    "hostile_numbers",
    "interchange_files",
    "probe_encoded_file",
    "probe_hostile_numbers",
    "probe_interchange_file",
]

_HERE = Path(__file__).resolve().parent
_X12 = _HERE / "golden" / "x12"
_MUE = _HERE / "fixtures" / "tables" / "mue_published.csv"
#: the longest line a refusal or a rejected claim's message may be (values are cut in them)
_MESSAGE = 600


@cache
def _goldens() -> dict[str, str]:
    found = {p.parent.name: p.read_bytes().decode() for p in sorted(_X12.glob("*/input.x12"))}
    # the commercial interchange with both claims held: nothing of it is billed
    found["all held"] = (
        found["commercial_prior_auth"].replace("REF*G1*PA55501~\n", "").replace("SE*50*", "SE*49*")
    )
    return found


@cache
def _rules() -> RuleSet:
    return load_rules(_X12 / "rules")


def _other_separators(text: str) -> str:
    return text.replace("*", "|").replace(":", ">").replace("~\n", "'\n")


_interchange = st.one_of(
    st.sampled_from(sorted(_goldens())).map(lambda name: _goldens()[name]),
    composed_interchanges(),
)


@st.composite
def interchange_files(draw: st.DrawFn) -> str:
    """One to four interchanges one after another, some with other separators or line ends,
    a lead before the first, sometimes damaged where two meet."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        text = draw(_interchange)
        if draw(st.booleans()):
            text = _other_separators(text)
        if draw(st.booleans()):
            text = text.replace("\n", draw(st.sampled_from(["\r\n", "", "\r", " \n"])))
        parts.append(text)
    lead = draw(st.sampled_from(["", "\ufeff", "\n\n", "  ", "\ufeff\r\n"]))
    text = lead + "".join(parts)
    if len(parts) > 1 and draw(st.integers(0, 4)) == 0:  # damage a seam
        seam = text.index("ISA", len(lead) + 1)
        cut = draw(st.integers(-20, 20))
        text = (
            text[: seam + min(cut, 0)]
            + draw(st.sampled_from(["", "x", "~", "\n  "]))
            + text[seam + max(cut, 0) :]
        )
    return text


def probe_interchange_file(text: str) -> str:
    try:
        batch, interchange = read_x12(text)
    except X12Error as exc:
        assert "\n" not in str(exc) and len(str(exc)) < _MESSAGE, "a file's problem is one line"
        return "refused as a whole"
    errors = [e for r in batch.rejected for e in r.errors]
    assert not any("\n" in e for e in errors), "a rejected claim's problem is one line"
    result = _rules().scrub(batch)
    check_conservation(batch, result)
    billed = write_scrubbed(interchange, result)
    assert billed == write_scrubbed(interchange, _rules().scrub(batch)), "not deterministic"
    if not result.billed:
        assert billed == "", "an interchange written without a billed claim"
        return f"{len(interchange.envelopes)} interchange(s), nothing billed"
    assert billed.startswith(interchange.lead), "the lead before the first ISA is lost"
    charges = {charge.id for visit in result.billed for charge in visit.charges}
    written = {
        place.envelope
        for place in interchange.claims
        if any(line.charge_id in charges for line in place.lines)
    }
    checked = not _validator_problems(text)
    if checked:
        problems = _validator_problems(billed)
        assert not problems, f"pyx12 accepts the input, not the billed file: {problems[:3]}"
    again, again_interchange = read_x12(billed)
    assert again.rejected == (), f"the billed file has rejected claims: {again.rejected}"
    assert len(again_interchange.envelopes) == len(written), "one envelope per billed interchange"
    assert units_by_claim(again.visits) == units_by_claim(result.billed), "units lost"
    clean = ", pyx12 accepts input and output" if checked else ""
    return f"{len(interchange.envelopes)} interchange(s), {len(written)} billed{clean}"


def _validator_problems(text: str) -> list[str]:
    """What pyx12 reports for ``text`` (DESIGN §9: a file it accepts stays accepted after the
    scrub); text that cannot be written as UTF-8 is a problem of its own."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return ["not UTF-8"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "interchange.x12"
        path.write_bytes(data)
        return x12_problems(path)


# ---- encodings ---------------------------------------------------------------------------------

_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")


@st.composite
def encoded_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """("x12" or "mue", bytes): an interchange file or the MUE table, encoded as real files
    are, with its line ends changed, white space before it, or its lines indented."""
    kind = draw(st.sampled_from(("x12", "mue")))
    text = draw(interchange_files()) if kind == "x12" else _MUE.read_bytes().decode("utf-8")
    if kind == "mue" and draw(st.booleans()):
        text = text.replace("CPT codes", "CPT\u00ae codes", 1)
    line_end = draw(st.sampled_from(["keep", "\n", "\r\n", "\r"]))
    if line_end != "keep":
        text = text.replace("\r\n", "\n").replace("\n", line_end)
    if draw(st.integers(0, 3)) == 0:
        text = draw(st.sampled_from([" ", "\n", "\t", "\r\n"])) * draw(st.integers(1, 9000)) + text
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\n" + draw(st.sampled_from([" ", "  ", "\t"])))
    encoding = draw(st.sampled_from(_ENCODINGS))
    return kind, text.encode(encoding, "replace")


def probe_encoded_file(drawn: tuple[str, bytes]) -> str:
    import tempfile

    kind, data = drawn
    with tempfile.TemporaryDirectory(prefix="scrubber-fuzz-enc-") as folder:
        path = Path(folder) / ("claims.x12" if kind == "x12" else "mue.csv")
        path.write_bytes(data)
        if kind == "mue":
            try:
                table = load_unit_table(path)
            except TableError as exc:
                assert exc.problems and all(p.line >= 1 for p in exc.problems)
                return "table refused"
            assert table.caps, "a table read with no caps"
            return "table read"
        out, err = io.StringIO(), io.StringIO()
        billed = Path(folder) / "billed.x12"
        argv = ["scrub", str(path), "--rules", str(_X12 / "rules"), "-o", str(billed),
                "--summary", "none"]  # fmt: skip
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        shown = err.getvalue()
        assert code in (0, 1, 2) and "Traceback" not in shown
        if code == 2:
            assert shown.count("\n") == 1 and len(shown) < _MESSAGE + 200, shown[:300]
            utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:64].count(0) * 3 >= len(
                data[:64]
            )
            if utf16 and len(data) >= 4:
                assert "UTF-16" in shown, shown
            return "scrub: refused"
        if billed.exists():
            written = billed.read_bytes()
            lead = data[: len(data) - len(data.lstrip(b"\xef\xbb\xbf \t\r\n"))]
            assert written.startswith(lead), "the BOM or white space before the ISA is lost"
        return f"scrub: exit {code}"


# ---- hostile numbers ---------------------------------------------------------------------------

_HOSTILE = st.one_of(
    st.sampled_from(["1E1000000", "1E99999999", "-1E-999999999", "NaN", "sNaN", "Infinity",
                     "-0", "+5", " 5", "5 ", "\u00b2", "\u0666", "\uff15", "1_000", "0x10",
                     "1e3", ".", "-", "", "00000000000000000000001", "9" * 19, "1." + "0" * 30]),
    st.integers(1, 10**6).map(lambda n: "9" * n),
    st.integers(4000, 4400).map(lambda n: "1" * n),
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=8),
)  # fmt: skip
#: (segment id, element) of the numbers a claim holds, and of the envelope's counts
_NUMERIC = (("SV1", 2), ("SV1", 4), ("SV1", 7), ("CLM", 2), ("DTP", 3), ("DMG", 2), ("HL", 1),
            ("HL", 2), ("LX", 1), ("SE", 1), ("GE", 1), ("IEA", 1), ("HI", 1))  # fmt: skip


@st.composite
def hostile_numbers(draw: st.DrawFn) -> str:
    """A golden or composed interchange with one to three numeric elements hostile."""
    segments = draw(_interchange).split("~\n")
    for _ in range(draw(st.integers(1, 3))):
        sid, index = draw(st.sampled_from(_NUMERIC))
        places = [n for n, s in enumerate(segments) if s.split("*", 1)[0] == sid]
        if not places:
            continue
        at = draw(st.sampled_from(places))
        elements = segments[at].split("*")
        while len(elements) <= index:
            elements.append("")
        value = draw(_HOSTILE)
        if sid == "SV1" and index == 7 and draw(st.booleans()):
            value = "1:" + value
        elements[index] = value
        segments[at] = "*".join(elements)
    return "~\n".join(segments)


def probe_hostile_numbers(text: str) -> str:
    try:
        batch, interchange = read_x12(text)
    except X12Error as exc:
        assert "\n" not in str(exc)
        return "refused as a whole"
    errors = [e for r in batch.rejected for e in r.errors]
    assert all(len(e) < _MESSAGE for e in errors), "a message echoes a whole hostile value"
    result = _rules().scrub(batch)
    check_conservation(batch, result)
    billed = write_scrubbed(interchange, result)
    if billed:
        again, _ = read_x12(billed)
        assert again.rejected == ()
        assert units_by_claim(again.visits) == units_by_claim(result.billed)
    return "read with rejected claims" if batch.rejected else "read whole"
