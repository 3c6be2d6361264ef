"""Fuzz target: workbooks whose worksheets reach far, or are written oddly.

What is fed in: a minimal workbook (``workbook``) whose one worksheet holds a header and cells
at references drawn from the whole range a reference can spell (up to ``XFD9999999`` and beyond
Excel's limits), cells written with their attributes in another order, in single quotes, with a
namespace prefix or without a reference, and the sheet's XML damaged in its bytes; sometimes
inside a ZIP archive, sometimes with the marker of an OpenDocument or binary workbook.

What must hold: loading it as a unit table and as a pair table and inspecting it gives a table
or a ``TableError`` whose every problem has a place, in a child process limited to 1 GiB more
memory and 20 s: a worksheet the reader would allocate beyond the limits is refused before it
is read (python-calamine aborts the process when an allocation fails), never read.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import attrs
from fuzz_child import in_child
from hypothesis import strategies as st

from scrubber.tables.inspect import inspect_table
from scrubber.tables.pairs import load_pair_table
from scrubber.tables.problems import TableError
from scrubber.tables.units import load_unit_table

__all__ = ["Workbook", "cell", "probe_workbook", "workbook", "workbooks"]


def workbook(cells: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsx whose one worksheet holds ``cells`` (the XML inside ``<sheetData>``)."""
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
            'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
            'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
            'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + cells + "</sheetData>"
            "</worksheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


@attrs.frozen
class Workbook:
    name: str
    data: bytes = attrs.field(repr=lambda data: f"<{len(data):,} bytes>")


_LETTERS = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=1, max_size=3)


@st.composite
def _reference(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 3)):  # mostly where a table's cells are
        return draw(st.sampled_from("ABCD")) + str(draw(st.integers(2, 40)))
    row = draw(st.one_of(st.integers(1, 9_999_999),
                         st.sampled_from((1_048_576, 1_048_577, 2_000_000, 400_000))))  # fmt: skip
    return draw(st.one_of(_LETTERS, st.sampled_from(("XFD", "XFE", "ZZ", "AZ", "IV")))) + str(row)


@st.composite
def _cell(draw: st.DrawFn) -> str:
    ref = draw(_reference())
    value = draw(st.sampled_from(("97110", "4", "x", "")))
    how = draw(st.sampled_from(("plain",) * 12 + ("after", "single", "prefix", "none", "lower",
                                                  "empty")))  # fmt: skip
    if how == "after":
        return f'<c s="1" t="inlineStr" r="{ref}"><is><t>{value}</t></is></c>'
    if how == "single":
        return f"<c r='{ref}'><v>4</v></c>"
    if how == "prefix":
        return f'<x:c r="{ref}"><x:v>4</x:v></x:c>'
    if how == "none":
        return f"<c><v>{len(value)}</v></c>"
    if how == "lower":
        return f'<c r="{ref.lower()}"><v>4</v></c>'
    if how == "empty":
        return f'<c r="{ref}" s="2"/>'
    return cell(ref, value)


@st.composite
def workbooks(draw: st.DrawFn) -> Workbook:
    header = '<row r="1">' + cell("A1", "code") + cell("B1", "units") + "</row>"
    rows = [header]
    for n in range(draw(st.integers(0, 8))):
        rows.append(f'<row r="{n + 2}">' + "".join(draw(st.lists(_cell(), max_size=3))) + "</row>")
    sheet = "".join(rows)
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(sheet)))
        sheet = (
            sheet[:at]
            + draw(st.sampled_from(("<", ">", '"', "</row>", "<c r=", "\x00", "")))
            + sheet[at:]
        )
    extra = {}
    if draw(st.integers(0, 9)) == 0:
        extra[draw(st.sampled_from(("content.xml", "xl/workbook.bin")))] = b"<x/>"
    data = workbook(sheet, extra=extra)
    if draw(st.integers(0, 9)) == 0:
        data = data[:30] + bytes([data[30] ^ 1]) + data[31:]  # the first member's header damaged
    if draw(st.integers(0, 3)) == 0:
        outer = io.BytesIO()
        with zipfile.ZipFile(outer, "w") as archive:
            archive.writestr("mue.xlsx", data)
        return Workbook("mue.zip", outer.getvalue())
    return Workbook("mue.xlsx", data)


def _load(path: Path) -> str:
    outcomes = []
    for load in (load_unit_table, load_pair_table):
        try:
            load(path)
            outcomes.append("read")
        except TableError as exc:
            assert exc.problems and all(p.line >= 1 for p in exc.problems), exc
            outcomes.append("refused")
    try:
        inspect_table(path)
    except TableError as exc:
        assert exc.problems, exc
    return " as units, ".join(outcomes) + " as pairs"


def probe_workbook(drawn: Workbook) -> str:
    """Load and inspect the workbook in a child process with a time and memory limit."""
    from fuzzing import workdir

    path = workdir() / "workbooks" / drawn.name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(drawn.data)
    return in_child(_load, path)
