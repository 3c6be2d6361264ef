"""The CMS tables exactly as CMS publishes them: the practitioner MUE CSV (the AMA notice as a
quoted cell over several lines, a header cell with a line break), the PTP edits as four
tab-separated text parts with notice lines, in ZIP archives, in folders and in workbooks.

Each shape is loaded by a rule and scrubbed: an MUE cap applied, a PTP pair denied, a pair whose
deletion date has passed not denied. The fixtures in tests/fixtures/tables are byte for byte the
published layout (CRLF line ends, the notice, the header) with a handful of rows.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from engine_helpers import batch_of, charge, check_conservation, units_by_code

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.errors import RuleSetError
from scrubber.formats.emr import write_export
from scrubber.load import load_rules
from scrubber.tables import sources
from scrubber.tables.cache import TableCache
from scrubber.tables.inspect import inspect_table
from scrubber.tables.pair_index import SortedPairs
from scrubber.tables.pairs import load_pair_table
from scrubber.tables.units import CapScope, UnitCap, load_unit_table

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tables"
MUE = FIXTURES / "mue_published.csv"
PTP_PARTS = sorted((FIXTURES / "ptp_published").glob("*.txt"))
DAY = "2026-03-02"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _rules(folder: Path, mue: str | None = None, ptp: str | None = None) -> Path:
    lines = ["rules any {"]
    if mue:
        lines.append(f'    rule mue: limit by table "tables/{mue}"')
    if ptp:
        lines.append(f'    rule ptp: deny by table "tables/{ptp}" per day')
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "t.rules").write_text("\n".join([*lines, "}"]) + "\n", encoding="utf-8")
    return folder


def _units(folder: Path, *charges: dict[str, object]) -> dict[str, int]:
    batch = batch_of({"date_of_service": DAY, "charges": list(charges)})
    result = load_rules(folder).scrub(batch)
    check_conservation(batch, result)
    return units_by_code(result)


def _mue_applied(folder: Path) -> None:
    # 97110: 6 units a day (indicator 3); 97032: 4 a line (indicator 1)
    assert _units(folder, charge("97110", 8, 120), charge("97032", 5, 75)) == {
        "97110": 6,
        "97032": 4,
    }


def _ptp_applied(folder: Path) -> None:
    # 97530 with 97140: 97140 denied; 97530 with 97116: the edit was deleted on 2024-01-01
    assert _units(folder, charge("97530", 2, 30), charge("97140", 1, 15)) == {"97530": 2}
    assert _units(folder, charge("97530", 2, 30), charge("97116", 1, 15)) == {
        "97530": 2,
        "97116": 1,
    }
    # the modifier indicator is 1: a bypass modifier on column 2 keeps it
    assert _units(folder, charge("97530", 2, 30), charge("97140", 1, 15, ("59",))) == {
        "97530": 2,
        "97140": 1,
    }


# ---- the MUE file -------------------------------------------------------------------------------


def test_the_published_mue_csv_is_read_with_its_notice_and_line_broken_header():
    table = load_unit_table(MUE)
    assert table.layout == "cms"
    assert table.caps["97110"] == UnitCap(6, CapScope.DAY)
    assert table.caps["97032"] == UnitCap(4, CapScope.LINE)
    assert table.caps["97110"].indicator == "3" and len(table) == 6


def test_the_published_mue_csv_caps_units_plain_and_in_a_zip(tmp_path):
    plain = _rules(tmp_path / "plain", mue="mue.csv")
    (plain / "tables" / "mue.csv").write_bytes(MUE.read_bytes())
    _mue_applied(plain)
    zipped = _rules(tmp_path / "zipped", mue="mue.zip")
    _zip(zipped / "tables" / "mue.zip", {
        "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv": MUE.read_bytes(),
        "README.pdf": b"%PDF-1.4 not a table",
    })  # fmt: skip
    _mue_applied(zipped)


@pytest.mark.parametrize(
    "header",
    ["HCPCS/CPT Code", "HCPCS/\nCPT Code", "hcpcs/ cpt\tcode", " HCPCS / CPT  CODE "],
)
def test_mue_header_cells_are_compared_without_white_space_or_case(tmp_path, header):
    text = f'"{header}",Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n'
    path = tmp_path / "mue.csv"
    path.write_text(text + "97110,6,3 Date of Service Edit: Clinical,x\n", encoding="utf-8")
    assert load_unit_table(path).caps["97110"].units == 6


def test_a_bad_mue_row_below_the_multi_line_notice_is_reported_at_its_physical_line(tmp_path):
    folder = _rules(tmp_path, mue="mue.csv")
    data = MUE.read_bytes() + b'97140,lots,"3 Date of Service Edit: Clinical","x"\r\n'
    (folder / "tables" / "mue.csv").write_bytes(data)
    (error,) = LANGUAGE.check_paths([folder]).errors
    lines = data.split(b"\r\n")
    assert error.code == "E041" and error.line == len(lines) - 1
    assert error.source_line == lines[-2].decode() and '"lots"' in error.message


# ---- the PTP parts ------------------------------------------------------------------------------


def test_four_published_ptp_parts_in_a_zip_are_one_table(tmp_path):
    folder = _rules(tmp_path, ptp="ccipra.zip")
    _zip(folder / "tables" / "ccipra.zip", {p.name: p.read_bytes() for p in PTP_PARTS})
    table = load_pair_table(folder / "tables" / "ccipra.zip")
    assert table.layout == "cms" and table.rows == 8 and len(table.parts) == 4
    _ptp_applied(folder)


def test_four_published_ptp_parts_in_a_folder_are_one_table(tmp_path):
    folder = _rules(tmp_path, ptp="ccipra")
    (folder / "tables" / "ccipra").mkdir()
    for part in PTP_PARTS:
        (folder / "tables" / "ccipra" / part.name).write_bytes(part.read_bytes())
    (folder / "tables" / "ccipra" / "notes.md").write_text("not a table")
    _ptp_applied(folder)


def test_a_second_header_line_under_the_ptp_header_is_skipped(tmp_path):
    part = (
        PTP_PARTS[2]
        .read_bytes()
        .replace(b"PTP Edit Rationale\r\n", b"PTP Edit Rationale\r\n\t\t\t\t*=no data\t\t\r\n")
    )
    folder = _rules(tmp_path, ptp="f3.txt")
    (folder / "tables" / "f3.txt").write_bytes(part)
    _ptp_applied(folder)


# ---- workbooks ----------------------------------------------------------------------------------


def test_workbooks_of_both_tables_scrub_like_the_text_files(tmp_path):
    folder = _rules(tmp_path, mue="mue.xlsx", ptp="ptp.xlsx")
    _workbook(folder / "tables" / "mue.xlsx", {"MUE": [
        ["CPT codes, descriptions and other data only are copyright 2025 American Medical Association."],
        [],
        ["HCPCS/\nCPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator", "MUE Rationale"],
        [97110, 6, "3 Date of Service Edit: Clinical", "Clinical: Data"],
        ["97032", 4, "1 Line Edit", "Clinical: Data"],
    ]})  # fmt: skip
    header = ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
              "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable",
              "PTP Edit Rationale"]  # fmt: skip
    _workbook(folder / "tables" / "ptp.xlsx", {
        "Read me": [["Practitioner PTP edits, sample"]],
        "part 1": [header, [97530, 97116, None, 20200101, date(2024, 1, 1), 1, "x"]],
        "part 2": [header, ["97530", "97140", "*", "20200101", "*", "1", "x"]],
    })  # fmt: skip
    with pytest.raises(RuleSetError) as info:
        load_rules(folder)
    # A sheet of notes is a part too: it has no header, and the error names it.
    (error,) = info.value.errors
    assert error.file.endswith("tables/ptp.xlsx:Read me") and error.line == 1
    _workbook(folder / "tables" / "ptp.xlsx", {
        "part 1": [header, [97530, 97116, None, 20200101, date(2024, 1, 1), 1, "x"]],
        "part 2": [header, ["97530", "97140", "*", "20200101", "*", "1", "x"]],
    })  # fmt: skip
    _mue_applied(folder)
    assert _units(folder, charge("97530", 2, 30), charge("97140", 1, 15)) == {"97530": 2}
    assert _units(folder, charge("97530", 2, 30), charge("97116", 1, 15)) == {
        "97530": 2,
        "97116": 1,
    }


def test_a_bad_cell_in_a_workbook_is_reported_at_its_sheet_and_row(tmp_path):
    folder = _rules(tmp_path, mue="mue.xlsx")
    _workbook(folder / "tables" / "mue.xlsx", {"Q1": [
        ["code", "units"], ["97110", 6], ["97140", "many"],
    ]})  # fmt: skip
    (error,) = LANGUAGE.check_paths([folder]).errors
    assert error.file.endswith("/tables/mue.xlsx:Q1")
    assert (error.line, error.column) == (3, 7) and error.source_line == "97140\tmany"


# ---- broken archives: a clear error at archive:member:line, nothing scrubbed ---------------------


def _broken(tmp_path: Path, members: dict[str, bytes] | bytes) -> list[str]:
    folder = _rules(tmp_path / "rules", ptp="ccipra.zip")
    target = folder / "tables" / "ccipra.zip"
    if isinstance(members, bytes):
        target.write_bytes(members)
    else:
        _zip(target, members)
    return [str(error) for error in LANGUAGE.check_paths([folder]).errors]


def test_a_corrupt_zip_is_one_error(tmp_path):
    _zip(tmp_path / "whole.zip", {p.name: p.read_bytes() for p in PTP_PARTS})
    data = (tmp_path / "whole.zip").read_bytes()
    (error,) = _broken(tmp_path, data[: len(data) // 2])
    assert error.startswith("rules/tables/ccipra.zip:1:1: E041 malformed table: not a readable ZIP")


def test_an_empty_member_is_named(tmp_path):
    members = {p.name: p.read_bytes() for p in PTP_PARTS}
    members[PTP_PARTS[1].name] = b""
    (error,) = _broken(tmp_path, members)
    assert error.startswith(f"rules/tables/ccipra.zip:{PTP_PARTS[1].name}:1:1: E041")
    assert "the part is empty" in error


def test_a_bad_row_inside_a_member_is_named_with_its_line(tmp_path):
    members = {p.name: p.read_bytes() for p in PTP_PARTS}
    members[PTP_PARTS[2].name] += b"97530\t97150\t\t20201301\t*\t1\tx\r\n"
    (error,) = _broken(tmp_path, members)
    assert error.startswith(f"rules/tables/ccipra.zip:{PTP_PARTS[2].name}:8:")
    assert '"20201301" is not a calendar date' in error


def test_a_broken_table_stops_the_scrub_with_no_output_and_no_traceback(tmp_path, capsys):
    members = {p.name: p.read_bytes() for p in PTP_PARTS}
    members[PTP_PARTS[2].name] += b"97530\t97150\t\t20201301\t*\t1\tx\r\n"
    folder = _rules(tmp_path / "rules", ptp="ccipra.zip")
    _zip(folder / "tables" / "ccipra.zip", members)
    export = tmp_path / "e.json"
    write_export(batch_of({"date_of_service": DAY, "charges": [charge("97530", 1, 15)]}), export)
    out = tmp_path / "result.json"
    code = main(["scrub", str(export), "--rules", str(folder), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert f"ccipra.zip:{PTP_PARTS[2].name}:8:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt", "C:/evil.txt"]
)
def test_a_member_named_out_of_the_archive_is_refused(tmp_path, name):
    members = {PTP_PARTS[0].name: PTP_PARTS[0].read_bytes(), name: PTP_PARTS[1].read_bytes()}
    (error,) = _broken(tmp_path, members)
    assert f'the member "{name}"' in error and "ccipra.zip" in error


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (-1, "the member cannot be read: Bad CRC-32"),
        (100, "inflates to {real:,} bytes but declares {said:,}"),
    ],
)
def test_a_member_that_inflates_to_other_than_it_declares_is_refused(tmp_path, delta, words):
    target = tmp_path / "lying.zip"
    _zip(target, {"part.txt": PTP_PARTS[0].read_bytes()})
    data = bytearray(target.read_bytes())
    # The central directory says how large the member is: make it say otherwise.
    size_at = data.rfind(b"PK\x01\x02") + 24
    real = int.from_bytes(data[size_at : size_at + 4], "little")
    data[size_at : size_at + 4] = (real + delta).to_bytes(4, "little")
    (error,) = _broken(tmp_path, bytes(data))
    assert error.startswith("rules/tables/ccipra.zip:part.txt:1:1: E041")
    assert words.format(real=real, said=real + delta) in error


def test_an_archive_that_would_inflate_past_the_limit_is_refused_before_inflating(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(sources, "MAX_TABLE_BYTES", 10_000)
    (error,) = _broken(tmp_path, {"bomb.txt": b"0" * 50_000})
    assert "would inflate to 50,000 bytes; at most 10,000 are read" in error


def test_parts_of_different_layouts_are_an_error(tmp_path):
    members = {
        PTP_PARTS[0].name: PTP_PARTS[0].read_bytes(),
        "zz-simple.csv": b"column1,column2,modifier_indicator\n97530,97140,1\n",
    }
    (error,) = _broken(tmp_path, members)
    assert "ccipra.zip:zz-simple.csv:1:1" in error and "share one layout" in error


def test_an_archive_with_no_table_says_so(tmp_path):
    (error,) = _broken(tmp_path, {"README.pdf": b"%PDF", "nested.zip": b"PK"})
    assert "the archive holds no table (no .csv, .txt or .xlsx file)" in error


# ---- the cache covers archives and folders ---------------------------------------------------------


def test_archives_and_folders_are_cached_by_content(tmp_path):
    cache = TableCache(tmp_path / "cache", min_bytes=0)
    archive = _zip(tmp_path / "ccipra.zip", {p.name: p.read_bytes() for p in PTP_PARTS})
    folder = tmp_path / "ccipra"
    folder.mkdir()
    for part in PTP_PARTS:
        (folder / part.name).write_bytes(part.read_bytes())
    for path in (archive, folder):
        first = load_pair_table(path, cache)
        again = load_pair_table(path, cache)
        assert isinstance(again.index, SortedPairs) and again.parts == first.parts
        assert again.indicator("97530", "97140", date(2026, 3, 2)) == "1"
    # An edited part is new content: the cache misses and the new edit is read.
    edited = PTP_PARTS[3].read_bytes().replace(b"\t0\t", b"\t1\t")
    (folder / PTP_PARTS[3].name).write_bytes(edited)
    assert load_pair_table(folder, cache).indicator("97750", "97110", date(2026, 3, 2)) == "1"
    _zip(archive, {p.name: (edited if p == PTP_PARTS[3] else p.read_bytes()) for p in PTP_PARTS})
    assert load_pair_table(archive, cache).indicator("97750", "97110", date(2026, 3, 2)) == "1"
    # A renamed part too (the parts' names are part of a folder's content).
    (folder / PTP_PARTS[3].name).rename(folder / "renamed.txt")
    assert "renamed.txt" in load_pair_table(folder, cache).parts


# ---- tables inspect ---------------------------------------------------------------------------------


def test_inspect_says_what_a_ptp_archive_holds(tmp_path, capsys):
    archive = _zip(tmp_path / "ccipra.zip", {p.name: p.read_bytes() for p in PTP_PARTS})
    assert main(["tables", "inspect", str(archive), "--on", "2026-03-02"]) == 0
    out = capsys.readouterr().out
    assert "procedure-to-procedure edits (PTP), the CMS PTP layout" in out
    assert f"parts: 4 ({', '.join(p.name for p in PTP_PARTS)})" in out
    assert "rows: 8" in out and "pairs: 8 (6 column 1 codes, 5 column 2 codes)" in out
    assert "effective dates: from 2020-01-01 to 2020-01-01" in out
    assert "rows with a deletion date: 1 (from 2024-01-01 to 2024-01-01)" in out
    assert "pairs in effect on 2026-03-02: 7" in out
    assert "modifier indicator: 0 (no bypass modifier): 1, 1 (a bypass modifier allowed): 7" in out


def test_inspect_says_what_an_mue_file_holds_as_json(capsys):
    assert main(["tables", "inspect", str(MUE), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "unit" and document["layout"] == "cms"
    assert (document["rows"], document["units"]) == (6, [1, 6])
    assert document["indicators"] == {"1": 1, "2": 4, "3": 1}


def test_inspect_reports_a_broken_table_like_the_checker(tmp_path, capsys):
    path = tmp_path / "mue.csv"
    path.write_bytes(MUE.read_bytes() + b"97140,x,3 Clinical,y\r\n")
    assert main(["tables", "inspect", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:12:7: E041 malformed table" in out and "97140,x,3 Clinical,y" in out


def test_inspect_of_a_missing_path_is_one_line(tmp_path, capsys):
    assert main(["tables", "inspect", str(tmp_path / "nope.zip")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_inspect_finds_the_kind_from_the_header():
    assert inspect_table(MUE).kind == "unit"
    assert inspect_table(FIXTURES / "ptp_published").kind == "pair"


def test_without_the_xlsx_extra_a_workbook_is_one_error_naming_it(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_calamine(name, *args, **kwargs):
        if name == "python_calamine":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    folder = _rules(tmp_path, mue="mue.xlsx")
    _workbook(folder / "tables" / "mue.xlsx", {"Q1": [["code", "units"], ["97110", 6]]})
    monkeypatch.setattr(builtins, "__import__", no_calamine)
    (error,) = LANGUAGE.check_paths([folder]).errors
    assert error.code == "E041" and "pip install 'charge-scrubber[xlsx]'" in error.message
