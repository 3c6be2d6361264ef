"""CMS text tables in the encodings they are published in (DESIGN §10): UTF-8 with or without a
byte-order mark, else Windows-1252 (the MUE CSV's notice holds ``CPT®`` as byte 0xAE), CRLF and
LF alike; and ``tables inspect`` on a folder of different tables inspects each one."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from scrubber.cli import main
from scrubber.resources import bundled_rules_dir
from scrubber.tables.inspect import inspect_table, inspect_tables
from scrubber.tables.pairs import load_pair_table
from scrubber.tables.problems import TableError
from scrubber.tables.units import load_unit_table

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tables"
MUE_TEXT = (FIXTURES / "mue_published.csv").read_bytes().decode("utf-8")
#: the published notice, with the registered sign CMS puts after CPT
NOTICE = MUE_TEXT.replace("CPT codes, descriptions", "CPT\u00ae codes, descriptions", 1)
PTP_PART = sorted((FIXTURES / "ptp_published").glob("*.txt"))[0].read_bytes().decode("utf-8")


def _encoded(text: str, encoding: str, line_end: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", line_end).encode(encoding)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
@pytest.mark.parametrize("line_end", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_the_mue_csv_loads_in_the_encodings_cms_uses(encoding, line_end, tmp_path):
    path = tmp_path / "mue.csv"
    path.write_bytes(_encoded(NOTICE, encoding, line_end))
    table = load_unit_table(path)
    assert table.layout == "cms" and table.caps["97110"].units == 6 and len(table) == 6
    assert inspect_table(path).rows == 6


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_a_ptp_part_loads_in_windows_1252_and_with_a_byte_order_mark(encoding, tmp_path):
    text = PTP_PART.replace("American Medical", "American\u00ae Medical", 1)
    assert text != PTP_PART
    path = tmp_path / "ptp.txt"
    path.write_bytes(text.encode(encoding))
    plain = tmp_path / "plain.txt"
    plain.write_bytes(PTP_PART.encode("utf-8"))
    read, expected = load_pair_table(path), load_pair_table(plain)
    assert (read.rows, read.index.period_counts(), read.index.column1_codes()) == (
        expected.rows, expected.index.period_counts(), expected.index.column1_codes(),
    )  # fmt: skip


def test_the_windows_1252_mue_csv_is_read_in_a_zip_too(tmp_path):
    path = tmp_path / "mue.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("MCR_MUE.csv", _encoded(NOTICE, "cp1252", "\r\n"))
    assert load_unit_table(path).caps["97110"].units == 6


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_named_with_their_line(tmp_path):
    path = tmp_path / "mue.csv"
    path.write_bytes(_encoded(NOTICE, "cp1252", "\r\n") + b"97112,4,\x81 bad,x\r\n")
    with pytest.raises(TableError) as caught:
        load_unit_table(path)
    (problem,) = caught.value.problems
    assert problem.message == "not UTF-8 or Windows-1252 text (byte 0x81)"
    assert problem.line == NOTICE.count("\n") + 1


# ---- tables inspect on a folder ----------------------------------------------------------------


def test_inspect_on_a_folder_of_different_tables_inspects_each(tmp_path, capsys):
    """The bundled payer_rules/tables/ holds an MUE table in the CMS layout, one in
    code,units and a PTP table: each is inspected on its own (it failed as one table)."""
    folder = bundled_rules_dir() / "tables"
    assert main(["tables", "inspect", str(folder)]) == 0
    out = capsys.readouterr().out
    names = (
        "medicare_fees_sample.csv", "medicare_mue.csv", "medicare_mue_modalities.csv",
        "medicare_ptp.csv",
    )  # fmt: skip
    for name in names:
        assert f"{folder / name}: " in out
    assert "malformed" not in out
    assert main(["tables", "inspect", str(folder), "--format", "json"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    assert [(t["kind"], t["layout"]) for t in tables] == [
        ("price", "amounts"), ("unit", "cms"), ("unit", "simple"), ("pair", "cms"),
    ]  # fmt: skip
    assert tables[0]["amounts"] == ["28.00", "100.00"]


def test_inspect_on_a_folder_of_one_tables_parts_is_one_table(tmp_path):
    for part in sorted((FIXTURES / "ptp_published").glob("*.txt")):
        shutil.copyfile(part, tmp_path / part.name)
    ((_, summary),) = inspect_tables(tmp_path)
    assert not isinstance(summary, Exception) and len(summary.parts) > 1


def test_inspect_on_a_folder_says_which_table_is_broken(tmp_path, capsys):
    shutil.copytree(bundled_rules_dir() / "tables", tmp_path / "tables")
    (tmp_path / "tables" / "broken.csv").write_text("code,units\n97110,many\n", encoding="utf-8")
    assert main(["tables", "inspect", str(tmp_path / "tables")]) == 1
    out = capsys.readouterr().out
    assert "broken.csv:2:" in out and "medicare_ptp.csv: procedure-to-procedure" in out
