"""How far a worksheet may reach before it is read: checked in the workbook's XML, before the
Excel reader allocates anything.

python-calamine reads a worksheet into one rectangle of cells, from its first used cell to its
last, 32 bytes a cell, whatever lies between. A 5 KB workbook holding a value at A1 and one at
``XFD1048576`` asks for 549 GB and aborts the process (Rust aborts when an allocation fails: no
exception to catch); one at ``AZ400000`` costs 660 MB. So every worksheet of a workbook is looked
at first, streamed from the archive without being parsed: every cell's reference (``r="B2"``) is
found with a few regular expressions, and a sheet is refused when a cell lies beyond
``MAX_SHEET_ROWS`` rows, ``MAX_SHEET_COLUMNS`` columns, or a rectangle from A1 of more than
``MAX_SHEET_CELLS`` cells (512 MiB in the reader).

The ``<dimension>`` a sheet declares is not trusted: it is optional and may say anything. A
cell without a reference, or with one not of the form ``A1``, would be placed by the reader after
the cell before it, where no scan short of parsing can follow it: such a workbook is refused too
(Excel, LibreOffice and every common writer give every cell its reference). Only the members
the reader can open as worksheets are scanned (``xl/worksheets/...``, the folder it requires);
an OpenDocument or binary workbook named ``.xlsx``, which the reader would open with another
parser, is refused.

Why a scan and not a child process with a memory cap: a cap needs ``resource`` (no Windows), a
process per workbook, and a second full read of the workbook once the child said it fits; and it
could only say "too large", where the scan names the cell. The scan reads the sheets' XML once
more with regular expressions: 1.1 s for 83 MB of sheet XML (300,000 rows of 7 cells) on the
bench machine, where the reader took 1.1 s to read the same sheet into Python rows. Cells written
as Excel writes them (``<c r="B2"``) are found by searches for that literal; any other spelling
(attributes in another order, single quotes, a namespace prefix) by the general expressions, a
few times slower.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator

from scrubber.tables.problems import TableError, TableProblem

__all__ = ["MAX_SHEET_CELLS", "MAX_SHEET_COLUMNS", "MAX_SHEET_ROWS", "check_sheets"]

#: Excel's own limits: a cell beyond them was not written by Excel
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
#: the largest rectangle of cells from A1 read (32 bytes a cell in the reader: 512 MiB); the
#: CMS tables published as workbooks have up to 1,048,576 rows of at most 16 columns
MAX_SHEET_CELLS = 1 << 24

#: how much of a sheet is looked at at once, and the longest a tag may be
_CHUNK = 4 << 20
_LONGEST_TAG = 1 << 20

_CELL = rb"<(?:[^\s<>:]*:)?c(?=[\s/>])"
_OTHER_ATTRIBUTES = rb"(?:\s+(?!r\s*=)[^\s=<>/]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*"
_REFERENCE = rb"\s+r\s*=\s*(?:\"[A-Z]{1,3}[1-9][0-9]{0,6}\"|'[A-Z]{1,3}[1-9][0-9]{0,6}')"
#: a cell whose reference is missing or not of the form A1
_WITHOUT_REFERENCE = re.compile(_CELL + rb"(?!" + _OTHER_ATTRIBUTES + _REFERENCE + rb")")
#: the column letters of every cell's reference
_COLUMNS = re.compile(_CELL + _OTHER_ATTRIBUTES + rb"\s+r\s*=\s*[\"']([A-Z]{1,3})[1-9]")
_NAME_SO_FAR = re.compile(rb"<[^\s<>]*\Z")
#: the way Excel writes every cell (``<c r="B2"``): a window of such cells alone is scanned with
#: searches for a literal, several times faster than the general expressions above
_PLAIN = b'<c r="'
_PLAIN_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})[1-9][0-9]{0,6}"')
_CELL_ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")


def check_sheets(archive: zipfile.ZipFile, label: str) -> None:
    """Raise ``TableError`` when a worksheet of the workbook ``archive`` reaches beyond the
    limits, or cannot be told how far it reaches."""
    for name in archive.namelist():
        plain = name.replace("\\", "/").lower()
        if plain in ("content.xml", "xl/workbook.bin"):
            raise _refused(
                f"this is not an Excel workbook (.xlsx): it holds {name!r}, as an OpenDocument "
                "or binary workbook does: save it as .xlsx (or as CSV)",
                label,
            )
    for info in archive.infolist():
        folders = info.filename.replace("\\", "/").lower().split("/")
        if len(folders) > 2 and folders[1] == "worksheets" and not info.is_dir():
            _check_sheet(archive, info, label)


def _refused(message: str, label: str) -> TableError:
    return TableError([TableProblem(1, 1, message, label)])


def _check_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> None:
    widest, narrowest_checked = 0, MAX_SHEET_COLUMNS
    for window in _windows(archive, info, label):
        plain = _plain_columns(window)
        if plain is None and _WITHOUT_REFERENCE.search(window):
            raise _refused(
                f"a cell of the worksheet {info.filename} has no reference of the form A1 (Excel "
                "writes one on every cell): the workbook is not read; save it again from Excel, "
                "or as CSV",
                label,
            )
        columns = set(_COLUMNS.findall(window)) if plain is None else plain
        if columns:
            widest = max(widest, *map(_column_number, columns))
        if widest > MAX_SHEET_COLUMNS:
            raise _too_far(info, label, widest, 0)
        _check_rows(window, info, label, widest, plain=plain is not None)
        narrowest_checked = min(narrowest_checked, widest)
    if narrowest_checked < widest:
        # a window was checked before a wider cell came: its rows are checked again
        for window in _windows(archive, info, label):
            _check_rows(window, info, label, widest, plain=_plain_columns(window) is not None)


def _plain_columns(window: bytes) -> set[bytes] | None:
    """The column letters of the window's cells when every cell is written ``<c r="A1"``
    (counted with searches for literals); None when any is written otherwise."""
    cells = sum(window.count(b"<c" + end) for end in _CELL_ENDS)
    if window.count(_PLAIN) != cells or _PREFIXED_CELL.search(window):
        return None
    letters = _PLAIN_COLUMNS.findall(window)
    return set(letters) if len(letters) == cells else None


def _check_rows(
    window: bytes, info: zipfile.ZipInfo, label: str, widest: int, *, plain: bool
) -> None:
    limit = min(MAX_SHEET_ROWS, MAX_SHEET_CELLS // max(widest, 1))
    found = _rows_beyond(limit, plain).search(window)
    if found is not None:
        raise _too_far(info, label, widest, int(found.group(2)), found.group(1).decode())


_BEYOND: dict[tuple[int, bool], re.Pattern[bytes]] = {}


def _rows_beyond(limit: int, plain: bool) -> re.Pattern[bytes]:
    """A cell whose row is above ``limit``: groups its column letters and its row."""
    if (limit, plain) not in _BEYOND:
        start = _PLAIN if plain else _CELL + _OTHER_ATTRIBUTES + rb"\s+r\s*=\s*[\"']"
        _BEYOND[limit, plain] = re.compile(
            start + rb"([A-Z]{1,3})(" + greater_than(limit) + rb")[\"']"
        )
    return _BEYOND[limit, plain]


def greater_than(limit: int) -> bytes:
    """A regular expression for the decimal numbers (no leading zero) above ``limit``."""
    digits = str(limit)
    choices = [rb"[1-9][0-9]{%d,}" % len(digits)]
    for at, digit in enumerate(digits):
        if digit != "9":
            rest = len(digits) - at - 1
            choices.append(
                digits[:at].encode() + b"[%d-9]" % (int(digit) + 1) + b"[0-9]{%d}" % rest
            )
    return b"(?:" + b"|".join(choices) + b")"


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _too_far(
    info: zipfile.ZipInfo, label: str, columns: int, row: int, letters: str = ""
) -> TableError:
    where = f"{letters}{row:,}" if row else f"column {_column_letters(columns)}"
    return _refused(
        f"the worksheet {info.filename} has a cell at {where}: a worksheet is read within "
        f"{MAX_SHEET_ROWS:,} rows, {MAX_SHEET_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} cells "
        "counted from A1 (its rows times its columns), so that reading it cannot exhaust memory",
        label,
    )


def _windows(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> Iterator[bytes]:
    """The sheet's XML in pieces that each end before a ``<``, so that no tag is cut in two."""
    carry = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                data = carry + chunk
                at = data.rfind(b"<")
                if at <= 0:
                    carry = data
                else:
                    yield data[:at]
                    carry = data[at:]
                if len(carry) > _LONGEST_TAG:
                    if re.match(_CELL, carry) or _NAME_SO_FAR.match(carry):
                        raise _refused(
                            f"the worksheet {info.filename} holds a tag of more than "
                            f"{_LONGEST_TAG:,} bytes: the workbook is not read",
                            label,
                        )
                    carry = b""  # text after a tag, with no tag in it: nothing to look at
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        OSError,
        ValueError,
    ) as exc:
        raise _refused(f"not a readable Excel workbook (.xlsx): {exc}", label) from None
    if carry:
        yield carry
