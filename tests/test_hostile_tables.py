"""Workbooks and table files that would exhaust memory or time (issue 24, points 6 and 9): a
worksheet reaching beyond the stated limits is refused before the Excel reader allocates it; a
member of one 256 MiB line or of 64 MiB of line breaks costs what its size costs. The hostile
cases run in a child process with a memory cap, so that a regression is a failed test, not a
test run killed by the reader's abort."""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fuzz_workbooks import cell, workbook

from scrubber.tables.problems import TableError
from scrubber.tables.sheet_limits import MAX_SHEET_CELLS, check_sheets
from scrubber.tables.units import load_unit_table

pytest.importorskip("python_calamine")

#: the memory a child may use: far above what reading these tiny files needs
CAP = 1 << 30


HEADER = '<row r="1">' + cell("A1", "code") + cell("B1", "units") + "</row>"
ROWS = HEADER + '<row r="2">' + cell("A2", "97110") + '<c r="B2"><v>4</v></c></row>'


def far(ref: str) -> str:
    row = "".join(ch for ch in ref if ch.isdigit())
    return HEADER + f'<row r="{row}">' + cell(ref, "x") + "</row>"


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def _in_child(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrubber", *args], capture_output=True, text=True, cwd=cwd,
        preexec_fn=_capped, timeout=120, check=False,
    )  # fmt: skip


def test_a_workbook_within_the_limits_is_read(tmp_path):
    (tmp_path / "mue.xlsx").write_bytes(workbook(ROWS))
    table = load_unit_table(tmp_path / "mue.xlsx")
    assert table.caps["97110"].units == 4


# 6. a worksheet beyond the limits is refused before the reader allocates ------------------------


@pytest.mark.parametrize(
    ("sheet", "words"),
    [
        (far("XFD1048576"), "has a cell at XFD1,048,576"),
        (far("ZZ2000000"), "has a cell at ZZ2,000,000"),
        (far("AZ400000"), "has a cell at AZ400,000"),
        (far("XFE1"), "has a cell at column XFE"),
        (HEADER + '<row r="2"><c t="inlineStr"><is><t>97110</t></is></c></row>', "has no reference"),
        (HEADER + '<row r="2"><x:c r="a2"><v>1</v></x:c></row>', "has no reference"),
        (HEADER + '<row r="2"><c s="1" r="XFD1048576" t="n"><v>1</v></c></row>', "XFD1,048,576"),
        (HEADER + "<row r='9'><c r='ZZZ9'><v>1</v></c></row>", "column ZZZ"),
    ],
    ids=["XFD1048576", "ZZ2000000", "AZ400000", "XFE1", "no-reference", "lowercase-reference",
         "reference-after-other-attributes", "single-quotes"],
)  # fmt: skip
def test_6_a_worksheet_beyond_the_limits_is_an_e041_in_check_and_inspect(tmp_path, sheet, words):
    tables = tmp_path / "rules" / "tables"
    tables.mkdir(parents=True)
    (tables / "mue.xlsx").write_bytes(workbook(sheet))
    (tmp_path / "rules" / "caps.rules").write_text(
        'rules any {\n    rule mue: limit by table "tables/mue.xlsx" per day\n}\n', encoding="utf-8"
    )
    checked = _in_child("check", "rules", cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr[-500:]
    assert "E041" in checked.stdout and words in checked.stdout, checked.stdout
    inspected = _in_child("tables", "inspect", "rules/tables/mue.xlsx", cwd=tmp_path)
    assert inspected.returncode in (1, 2) and words in inspected.stdout + inspected.stderr
    assert "Traceback" not in checked.stderr + inspected.stderr


def test_6_a_far_reaching_workbook_inside_a_zip_archive_is_refused(tmp_path):
    archive = tmp_path / "mue.zip"
    with zipfile.ZipFile(archive, "w") as outer:
        outer.writestr("mue.xlsx", workbook(far("XFD1048576")))
    run = _in_child("tables", "inspect", "mue.zip", cwd=tmp_path)
    assert run.returncode in (1, 2), run.stderr[-500:]
    assert "mue.xlsx" in run.stdout + run.stderr and "XFD1,048,576" in run.stdout + run.stderr


def test_6_the_area_limit_counts_rows_times_columns_from_a1():
    columns = 64
    rows = MAX_SHEET_CELLS // columns
    inside = HEADER + f'<row r="{rows}">' + cell(f"BL{rows}", "x") + "</row>"
    outside = HEADER + f'<row r="{rows + 1}">' + cell(f"BL{rows + 1}", "x") + "</row>"
    check_sheets(zipfile.ZipFile(io.BytesIO(workbook(inside))), "mue.xlsx")
    with pytest.raises(TableError, match=f"BL{rows + 1:,}"):
        check_sheets(zipfile.ZipFile(io.BytesIO(workbook(outside))), "mue.xlsx")


def test_6_a_wide_cell_late_in_the_sheet_rechecks_the_rows_before_it():
    many = "".join(f'<row r="{n}">' + cell(f"A{n}", "97110") + "</row>" for n in range(2, 40_000))
    rows = HEADER + '<row r="900000">' + cell("A900000", "x") + "</row>" + many
    late_wide = rows + '<row r="900001">' + cell("Z900001", "x") + "</row>"
    check_sheets(zipfile.ZipFile(io.BytesIO(workbook(rows))), "mue.xlsx")
    with pytest.raises(TableError, match="has a cell at"):
        check_sheets(zipfile.ZipFile(io.BytesIO(workbook(late_wide))), "mue.xlsx")


@pytest.mark.parametrize("marker", ["content.xml", "xl/workbook.bin"])
def test_6_an_opendocument_or_binary_workbook_named_xlsx_is_refused(marker):
    data = workbook(ROWS, extra={marker: b"<x/>"})
    with pytest.raises(TableError, match="not an Excel workbook"):
        check_sheets(zipfile.ZipFile(io.BytesIO(data)), "mue.xlsx")


# 9. a member of one 256 MiB line, or of 64 MiB of line breaks --------------------------------------


def _peak_and_output(tmp_path: Path, member: bytes) -> tuple[int, str]:
    with zipfile.ZipFile(tmp_path / "mue.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mue.csv", member)
    # VmHWM, not ru_maxrss: the latter survives exec and would report this process's peak
    probe = (
        "from scrubber.cli import main\n"
        "code = main(['tables', 'inspect', 'mue.zip'])\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "print('peak', status)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=120,
        check=False,
    )  # fmt: skip
    assert "Traceback" not in run.stderr, run.stderr[-800:]
    peak = int(run.stdout.rsplit("peak", 1)[1])
    return peak * 1024, run.stdout


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM")
def test_9_a_one_line_member_of_256_mib_is_refused_at_its_length(tmp_path):
    peak, out = _peak_and_output(tmp_path, b"code,units\n" + b"A" * (256 << 20))
    assert "the line is 268,435,456 bytes long; at most 131,072 are read" in out
    assert peak < 700 << 20, f"peak {peak / 2**20:.0f} MiB for a 256 MiB member (was 1.8 GB)"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM")
def test_9_a_member_of_64_mib_of_line_breaks_is_read_in_one_step(tmp_path):
    peak, out = _peak_and_output(tmp_path, b"code,units\n" + b"\n" * (64 << 20) + b"97110,4\n")
    assert "codes: 1" in out, out
    assert peak < 250 << 20, f"peak {peak / 2**20:.0f} MiB (was 430 MiB)"


# 10. a table's messages quote a cell cut, saying how much was left out -------------------------


def test_10_a_megabyte_cell_of_a_workbook_is_quoted_cut(tmp_path):
    sheet = HEADER + '<row r="2">' + cell("A2", "9" * 1_000_000) + '<c r="B2"><v>4</v></c></row>'
    (tmp_path / "mue.xlsx").write_bytes(workbook(sheet))
    with pytest.raises(TableError) as raised:
        load_unit_table(tmp_path / "mue.xlsx")
    (problem,) = raised.value.problems
    assert (
        problem.message
        == f'"{"9" * 60}…" (999,940 more characters) is not a code (5 capital letters or digits)'
    )
    assert problem.text.endswith("… (999,602 more characters)") and len(problem.text) < 500


@pytest.mark.parametrize("units", ["²", "٣", "1" * 7])
def test_a_cap_that_is_no_ascii_whole_number_of_six_digits_is_a_problem(tmp_path, units):
    (tmp_path / "mue.csv").write_text(f"code,units\n97110,{units}\n", encoding="utf-8")
    with pytest.raises(TableError, match="is not a whole number of units"):
        load_unit_table(tmp_path / "mue.csv")


def test_10_a_long_line_of_a_text_table_is_shown_cut(tmp_path):
    (tmp_path / "mue.csv").write_text("code,units\n97110," + "4" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(TableError) as raised:
        load_unit_table(tmp_path / "mue.csv")
    (problem,) = raised.value.problems
    assert "(99,940 more characters) is not a whole number of units" in problem.message
    assert len(problem.text) < 500 and "more characters" in problem.text
