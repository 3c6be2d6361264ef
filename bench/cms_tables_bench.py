"""The PTP edits as CMS ships them: four tab-separated parts in a ZIP archive, cold and cached.

Run: python bench/cms_tables_bench.py [--ptp-rows 1800000] [--xlsx-rows 0]
Writes a synthetic practitioner PTP table of ``ptp-rows`` rows in CMS order as four parts (the
AMA notice lines, a tab-separated header, CRLF line ends) and loads it, each time in a fresh
process: from the ZIP archive without a cache, writing the cache, and from the cache (target:
under 1 s); from a folder of the four parts; and the floors measured in the same run: the same
rows as one plain file, and only inflating the archive's members.

With ``--xlsx-rows N`` it also writes an N-row workbook (in sheets of at most 1,000,000 rows,
Excel's limit is 1,048,576) and reads it with python-calamine (through scrubber's table reader)
and with openpyxl in read-only mode (rows only, no parsing): the figures behind the choice in
docs/dependencies.md. Writing the workbook takes minutes for 1.8M rows.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import machine, run_child

NOTICE = (
    "CPT codes, descriptions and other data only are copyright 2025 American Medical "
    "Association. All Rights Reserved.\r\nApplicable FARS/DFARS Apply.\r\n\r\n"
)
HEADER = [
    "Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
    "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable",
    "PTP Edit Rationale",
]  # fmt: skip
RATIONALE = "Misuse of column two code with column one code"


def rows_in_cms_order(count: int, rng: random.Random) -> list[list[str]]:
    codes = [f"{n:05d}" for n in range(10000, 99999, 7)]
    rows = []
    for _ in range(count):
        deleted = "*" if rng.random() < 0.8 else "20251231"
        indicator = "1" if rng.random() < 0.6 else "0"
        rows.append([rng.choice(codes), rng.choice(codes), "", "20200101", deleted, indicator])
    rows.sort()
    return [[*row, RATIONALE] for row in rows]


def part_text(rows: list[list[str]]) -> bytes:
    lines = ["\t".join(HEADER), *("\t".join(row) for row in rows)]
    return (NOTICE + "\r\n".join(lines) + "\r\n").encode()


def quarters(rows: list[list[str]]) -> list[list[list[str]]]:
    size = -(-len(rows) // 4)
    return [rows[at : at + size] for at in range(0, len(rows), size)]


LOAD = """
import sys, time
from pathlib import Path
from scrubber.bulk import paused_gc
from scrubber.tables.cache import TableCache
from scrubber.tables.pairs import load_pair_table
cache = None if sys.argv[2] == "none" else TableCache(Path(sys.argv[2]))
start = time.perf_counter()
with paused_gc():
    table = load_pair_table(Path(sys.argv[1]), cache)
print(time.perf_counter() - start, table.rows, peak_mb())
"""

INFLATE = """
import sys, time, zipfile
start = time.perf_counter()
with zipfile.ZipFile(sys.argv[1]) as archive:
    size = sum(len(archive.read(info)) for info in archive.infolist())
print(time.perf_counter() - start, size, peak_mb())
"""

OPENPYXL = """
import sys, time
from openpyxl import load_workbook
start = time.perf_counter()
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = sum(1 for sheet in book.worksheets for _ in sheet.iter_rows(values_only=True))
print(time.perf_counter() - start, rows, peak_mb())
"""


def figure(code: str, *args: str) -> tuple[float, int, float]:
    seconds, count, peak = run_child(code, *args)
    return float(seconds), int(float(count)), float(peak)


def write_workbook(path: Path, rows: list[list[str]]) -> float:
    from openpyxl import Workbook

    start = time.perf_counter()
    book = Workbook(write_only=True)
    for number, at in enumerate(range(0, len(rows), 1_000_000), start=1):
        sheet = book.create_sheet(f"part {number}")
        sheet.append(HEADER)
        for row in rows[at : at + 1_000_000]:
            sheet.append(row)
    book.save(path)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ptp-rows", type=int, default=1_800_000)
    parser.add_argument("--xlsx-rows", type=int, default=0)
    args = parser.parse_args()
    print(machine())
    rng = random.Random(7)
    rows = rows_in_cms_order(args.ptp_rows, rng)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        parts = folder / "ptp"
        parts.mkdir()
        archive = folder / "ptp.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for number, chunk in enumerate(quarters(rows), start=1):
                data = part_text(chunk)
                (parts / f"ccipra-v330r0-f{number}.txt").write_bytes(data)
                out.writestr(f"ccipra-v330r0-f{number}.txt", data)
        plain = folder / "ptp.txt"
        plain.write_bytes(part_text(rows))
        inflated = sum(p.stat().st_size for p in parts.iterdir())
        print(
            f"PTP: {args.ptp_rows:,} rows in 4 parts, {inflated / 1e6:,.0f} MB inflated, "
            f"archive {archive.stat().st_size / 1e6:,.0f} MB"
        )
        cache = folder / "cache"
        seconds, _, peak = figure(INFLATE, str(archive))
        print(f"  floor: inflate the 4 members only: {seconds:.2f} s, peak RSS {peak:,.0f} MB")
        seconds, count, peak = figure(LOAD, str(plain), "none")
        print(
            f"  floor: the same rows as one plain file, no cache: {seconds:.2f} s, peak RSS {peak:,.0f} MB"
        )
        for label, path, option, target in (
            ("ZIP archive, no cache", archive, "none", None),
            ("ZIP archive, empty cache (reads, writes the cache)", archive, str(cache), None),
            ("ZIP archive, from the compiled cache", archive, str(cache), 1.0),
            ("folder of the 4 parts, no cache", parts, "none", None),
            ("folder of the 4 parts, from the compiled cache", parts, str(cache), 1.0),
        ):
            if "from the compiled cache" in label and path == parts:
                figure(LOAD, str(path), option)  # the folder's own entry: write it first
            seconds, count, peak = figure(LOAD, str(path), option)
            assert count == args.ptp_rows, (count, args.ptp_rows)
            verdict = (
                ""
                if target is None
                else (
                    f" (target: under {target:g} s) -> {'holds' if seconds < target else 'MISSED'}"
                )
            )
            print(f"  {label}: {seconds:.2f} s{verdict}, peak RSS {peak:,.0f} MB")
        if args.xlsx_rows:
            book = folder / "ptp.xlsx"
            written = write_workbook(book, rows[: args.xlsx_rows] if args.xlsx_rows <= len(rows)
                                     else rows_in_cms_order(args.xlsx_rows, rng))  # fmt: skip
            print(
                f"workbook: {args.xlsx_rows:,} rows, {book.stat().st_size / 1e6:,.0f} MB "
                f"(written by openpyxl in {written:.0f} s)"
            )
            seconds, count, peak = figure(LOAD, str(book), "none")
            print(
                f"  python-calamine, read and parsed as a PTP table: {seconds:.1f} s, peak RSS {peak:,.0f} MB"
            )
            seconds, count, peak = figure(OPENPYXL, str(book))
            print(
                f"  openpyxl read-only, rows only (no parsing): {seconds:.1f} s, peak RSS {peak:,.0f} MB"
            )


if __name__ == "__main__":
    main()
