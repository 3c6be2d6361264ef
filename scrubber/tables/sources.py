"""Where a table's rows come from: a text file, a ZIP archive, a folder, or an Excel workbook.

CMS publishes each quarter's tables as ZIP archives, the practitioner PTP edits in four parts;
many offices keep only the .xlsx. A table path may therefore name a file, an archive or a
folder, and everything in it that is a table (``.csv``, ``.txt``, ``.xlsx``; anything else, such
as a README or a PDF, is ignored) is one *part* of one table. Each part is named in errors after
the table: ``tables/ptp.zip:part2.txt:17``, ``tables/mue.xlsx:Sheet1:4``.

An archive is data someone else made. A member named with ``..`` or an absolute path is refused
(naming the archive and the member), as is an encrypted one; the sizes an archive declares must
add up to at most ``MAX_TABLE_BYTES`` before anything is inflated, and each member must inflate
to exactly the size it declares, so a crafted archive can neither escape nor fill memory.

Reading is in two steps so that a compiled cache can answer before anything is inflated or
parsed: ``open_source`` reads the bytes on disk (and ``Source.digest`` names them), then
``Source.parts`` unpacks them.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from scrubber.files import FileRefused, read_regular
from scrubber.shown import cut, double_quoted
from scrubber.tables.problems import TableError, TableProblem
from scrubber.tables.sheet_limits import check_sheets

__all__ = [
    "MAX_PARTS",
    "MAX_TABLE_BYTES",
    "PART_SUFFIXES",
    "Part",
    "Source",
    "decoded_line",
    "open_source",
]

#: the most bytes a table may hold, inflated (the official PTP files are a few hundred MB)
MAX_TABLE_BYTES = 2 << 30
#: the most parts one table may have (CMS uses four)
MAX_PARTS = 256
#: the most characters of a line a problem shows (a CMS line is a few hundred)
LINE_SHOWN = 400
TEXT_SUFFIXES = (".csv", ".txt")
SHEET_SUFFIX = ".xlsx"
PART_SUFFIXES = (*TEXT_SUFFIXES, SHEET_SUFFIX)
_ZIP_MAGIC = b"PK\x03\x04"


def _refused(message: str, part: str = "") -> TableError:
    return TableError([TableProblem(1, 1, message, part)])


@attrs.frozen
class Part:
    """One part of a table: the bytes of a text file, or the rows of one worksheet.

    ``label`` is where the part is, after the table's own path: empty for a plain file,
    ``part2.txt`` for a member or a file of a folder, ``Sheet1`` for a worksheet,
    ``book.xlsx:Sheet1`` for a worksheet of a workbook inside an archive.
    """

    label: str
    data: bytes = b""
    #: (row number, cells as text) of a worksheet, streamed; None for a text part
    sheet: Callable[[], Iterator[tuple[int, list[str]]]] | None = attrs.field(
        default=None, eq=False
    )

    def text(self) -> str:
        """A text part's text: UTF-8 (a byte-order mark dropped), else Windows-1252, the
        encoding CMS publishes the MUE CSV in (its notice holds ``CPT®``). ``TableError`` at the
        first byte that is neither."""
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        try:
            return self.data.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = self.data.count(b"\n", 0, exc.start) + 1
            message = f"not UTF-8 or Windows-1252 text (byte 0x{self.data[exc.start]:02X})"
            raise TableError([TableProblem(line, 1, message, self.label)]) from None

    def line_text(self, line: int) -> str:
        """The text of one line (for the caret under a problem); a worksheet row's cells
        joined by tabs."""
        if self.sheet is not None:
            cells = next((cells for number, cells in self.sheet() if number == line), [])
            return cut("\t".join(cells), LINE_SHOWN)
        start = 0
        for _ in range(line - 1):
            start = self.data.find(b"\n", start) + 1
            if start == 0:
                return ""
        end = self.data.find(b"\n", start)
        end = end if end != -1 else len(self.data)
        # a line of a megabyte is shown cut, and only the part shown is decoded
        text = self.data[start : min(end, start + 4 * LINE_SHOWN)]
        shown = decoded_line(text).lstrip("\ufeff").rstrip("\r")
        if end - start > 4 * LINE_SHOWN or len(shown) > LINE_SHOWN:
            whole = len(decoded_line(self.data[start:end]))
            return f"{shown[:LINE_SHOWN]}… ({whole - LINE_SHOWN:,} more characters)"
        return shown


def decoded_line(line: bytes) -> str:
    """One line of a text part as text, for messages: UTF-8, else Windows-1252 (a byte neither
    knows shown as a replacement character); no byte-order mark, no line end."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a line cut for a message may end inside a character: still UTF-8
        cut_short = exc.reason == "unexpected end of data"
        text = line.decode("utf-8" if cut_short else "cp1252", "replace")
    return text.lstrip("\ufeff").rstrip("\r\n")


@attrs.frozen
class Source:
    """A table path as read from disk: its kind and the files it holds, not yet unpacked."""

    path: Path
    kind: str  # "file", "archive", "folder"
    #: (name within the folder, bytes) of each file read; one item for a file or an archive
    files: tuple[tuple[str, bytes], ...] = attrs.field(repr=False)

    @property
    def size(self) -> int:
        """The bytes the table holds (an archive's, as its members declare them inflated): what
        decides whether compiling it into the cache is worth it."""
        if self.kind == "archive":
            try:
                with zipfile.ZipFile(io.BytesIO(self.files[0][1])) as archive:
                    return sum(info.file_size for info in archive.infolist())
            except (zipfile.BadZipFile, OSError, ValueError):
                pass  # reading the parts will say what is wrong
        return sum(len(data) for _, data in self.files)

    def digest(self) -> str:
        """SHA-256 naming exactly this content: a file's or an archive's bytes, or a folder's
        file names and bytes (a renamed, added or edited part changes it)."""
        if self.kind != "folder":
            return hashlib.sha256(self.files[0][1]).hexdigest()
        whole = hashlib.sha256(b"scrubber table folder\n")
        for name, data in self.files:
            whole.update(f"{name}\n{len(data)}\n".encode())
            whole.update(hashlib.sha256(data).digest())
        return whole.hexdigest()

    def parts(self) -> tuple[Part, ...]:
        """Every part, in name order; ``TableError`` when there is none or one cannot be read."""
        found: list[Part] = []
        for name, data in self.files:
            label = name if self.kind == "folder" else ""
            if self.kind == "archive":
                found.extend(_archive_parts(data))
            elif _suffix(self.path.name if self.kind == "file" else name) == SHEET_SUFFIX:
                found.extend(_sheet_parts(data, label))
            else:
                if data.startswith(_ZIP_MAGIC):
                    raise _refused(
                        "this is a ZIP archive: name it .zip (or .xlsx for a workbook)", label
                    )
                found.append(Part(label, data))
        if not found and self.kind == "archive":
            raise _refused("the archive holds no table (no .csv, .txt or .xlsx file)")
        if not found:
            raise _refused(
                "the folder holds no table (no .csv, .txt or .xlsx file; an archive in a folder "
                "is not opened: name the archive itself, or unpack it into the folder)"
            )
        if len(found) > MAX_PARTS:
            raise _refused(f"the table has {len(found):,} parts; at most {MAX_PARTS} are read")
        return tuple(found)


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def open_source(path: Path, inside: Path | None = None) -> Source:
    """Read what ``path`` names: a regular file (a ZIP archive when named ``.zip``), or the
    table files of a folder (not its subfolders), each within ``inside`` when given."""
    try:
        if path.is_dir():
            files = []
            total = 0
            for child in sorted(path.iterdir()):
                if _suffix(child.name) not in PART_SUFFIXES or child.is_dir():
                    continue
                data = read_regular(child, MAX_TABLE_BYTES - total, inside)
                total += len(data)
                files.append((child.name, data))
            return Source(path, "folder", tuple(files))
        data = read_regular(path, MAX_TABLE_BYTES, inside)
    except FileRefused as exc:
        raise _refused(f"the table is not read: {exc}") from None
    except OSError as exc:
        raise _refused(f"cannot read the table ({exc.strerror or exc})") from None
    kind = "archive" if _suffix(path.name) == ".zip" else "file"
    return Source(path, kind, ((path.name, data),))


# ---- archives -------------------------------------------------------------------------------


def _unsafe(name: str) -> bool:
    posix = name.replace("\\", "/")
    return (
        posix.startswith("/")
        or (len(posix) > 1 and posix[1] == ":")  # C:...
        or ".." in PurePosixPath(posix).parts
    )


def _members(archive: zipfile.ZipFile, label: str = "") -> list[zipfile.ZipInfo]:
    """The table members of an archive, checked before anything is inflated."""
    chosen = []
    for info in archive.infolist():
        if _unsafe(info.filename):
            raise _refused(
                f'the member {double_quoted(info.filename)} is named with ".." or an absolute path: '
                "the archive is refused",
                _join(label, info.filename),
            )
        if info.is_dir() or _suffix(info.filename) not in PART_SUFFIXES:
            continue
        if info.flag_bits & 0x1:
            raise _refused("the member is encrypted", _join(label, info.filename))
        chosen.append(info)
    declared = sum(info.file_size for info in chosen)
    if declared > MAX_TABLE_BYTES:
        raise _refused(
            f"the archive would inflate to {declared:,} bytes; at most {MAX_TABLE_BYTES:,} are read",
            label,
        )
    return sorted(chosen, key=lambda info: info.filename)


def _join(label: str, name: str) -> str:
    return f"{label}:{name}" if label else name


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes:
    """A member's bytes, exactly as many as it declares (a damaged or crafted member that
    inflates to more or fewer is refused, never read without bound)."""
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        OSError,
        ValueError,
    ) as exc:
        # ValueError: a member whose local header points before the archive's start
        raise _refused(f"the member cannot be read: {exc}", label) from None
    if len(data) != info.file_size:
        raise _refused(
            f"the member inflates to {len(data):,} bytes but declares {info.file_size:,} "
            "(a damaged archive)",
            label,
        )
    return data


def _open_zip(data: bytes, label: str, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise _refused(f"not a readable {what}: {exc}", label) from None


def _archive_parts(data: bytes) -> list[Part]:
    archive = _open_zip(data, "", "ZIP archive")
    parts: list[Part] = []
    for info in _members(archive):
        member = _inflate(archive, info, info.filename)
        if _suffix(info.filename) == SHEET_SUFFIX:
            parts.extend(_sheet_parts(member, info.filename))
        else:
            parts.append(Part(info.filename, member))
    return parts


# ---- workbooks ------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A worksheet cell as the text a CSV export of it would hold: whole numbers without a
    fraction (Excel keeps every number as a float), dates as YYYYMMDD (the CMS date layout)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"
    return "" if value is None else str(value)


def _sheet_parts(data: bytes, label: str) -> list[Part]:
    """One part per worksheet that holds anything, read through python-calamine. Every sheet is
    parsed here, so that a damaged workbook is refused before any of its rows is used."""
    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum
    except ImportError:
        raise _refused(
            "reading an Excel workbook needs the xlsx extra: pip install 'charge-scrubber[xlsx]' "
            "(or save the sheet as CSV)",
            label,
        ) from None

    # A workbook is a ZIP archive too: its declared sizes are checked before calamine inflates,
    # and how far its worksheets reach before calamine allocates them.
    workbook_archive = _open_zip(data, label, "Excel workbook (.xlsx)")
    _members_of_workbook(workbook_archive, label)
    check_sheets(workbook_archive, label)
    parts = []
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height:
                parts.append(Part(_join(label, meta.name), sheet=_rows_of(sheet)))
    except BaseException as exc:  # calamine's own errors, and a Rust panic (a BaseException)
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise _refused(f"not a readable Excel workbook (.xlsx): {exc}", label) from None
    return parts


def _members_of_workbook(archive: zipfile.ZipFile, label: str) -> None:
    declared = sum(info.file_size for info in archive.infolist())
    if declared > MAX_TABLE_BYTES:
        raise _refused(
            f"the workbook would inflate to {declared:,} bytes; at most {MAX_TABLE_BYTES:,} are read",
            label,
        )


def _rows_of(sheet: Any) -> Callable[[], Iterator[tuple[int, list[str]]]]:
    """The rows of a parsed worksheet, numbered as Excel numbers them (calamine starts at the
    first row that holds anything)."""

    def rows() -> Iterator[tuple[int, list[str]]]:
        first = sheet.start[0] + 1 if sheet.start else 1
        for number, cells in enumerate(sheet.iter_rows(), start=first):
            yield number, [_cell_text(cell) for cell in cells]

    return rows
