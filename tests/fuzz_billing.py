"""Fuzz target: billing reports with hostile structure, against an independent reading.

What is fed in: a billing charge report written line by line from known charges (dates as
YYYY-MM-DD or MM/DD/YYYY, locations holding commas, quotes and formula characters, CRLF or LF),
with hostile lines put between them: a cell over the CSV reader's limit, a line of 100,000
columns, bytes that are not UTF-8, a quote never closed, a line cut short, a date in another
shape (``2026-W10-1``), runs of thousands of blank lines, a line ended by CR alone; or a report
hostile as a whole (UTF-16, a header of 100,000 columns).

The independent reading is the report's own making: every charge line written must be read as
exactly its charge, at its line number; a line that cannot be a charge (too long, not UTF-8,
cut short, a bad date) must be listed as rejected at its line, unless it follows a line whose
quote is open (a later quote may close that cell: what it swallowed is then a cell's text);
nothing else is rejected, no charge comes from elsewhere than a line written as one (a line with
an open quote may read as a charge whose cell holds a line break), and every message is one line
of reasonable length. Reconciling the report against the sample then gives a report in every
format.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import attrs
from hypothesis import strategies as st

from scrubber.errors import ExportReadError
from scrubber.formats.billing import BILLING_COLUMNS, read_billing

__all__ = ["BillingCase", "billing_reports", "probe_billing"]

_HEADER = ",".join(BILLING_COLUMNS).encode()
#: line kinds that can never be a charge: each must be rejected at its line
_UNREADABLE = ("long cell", "100,000 columns", "not UTF-8", "cut short", "week date", "CR only")


@attrs.frozen
class Charge:
    visit_id: str
    date_of_service: date
    created_on: date
    location: str
    cpt: str
    units: int


@attrs.frozen
class BillingCase:
    data: bytes = attrs.field(repr=lambda data: f"<{len(data):,} bytes>")
    #: line number -> the charge written there, or the kind of hostile line
    lines: dict[int, Charge | str] = attrs.field(factory=dict, repr=False)
    whole: str = ""


_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r\n\x00"),
    max_size=30,
)


@st.composite
def _charges(draw: st.DrawFn) -> Charge:
    day = draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    return Charge(
        "V" + str(draw(st.integers(1, 10**6))),
        day,
        draw(st.dates(day, date(2031, 12, 31))),
        draw(
            st.one_of(st.sampled_from(("Main St", "=cmd|' /C calc'!A0", '"Oak", 2nd', "@x")), _TEXT)
        ),
        draw(st.from_regex(r"[A-Z0-9]{5}", fullmatch=True)),
        draw(st.integers(0, 99_999)),
    )


def _line(charge: Charge, us_dates: bool) -> bytes:
    def day(value: date) -> str:
        return f"{value.month:02d}/{value.day:02d}/{value.year}" if us_dates else value.isoformat()

    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(
        [charge.visit_id, day(charge.date_of_service), day(charge.created_on), charge.location,
         charge.cpt, charge.units]
    )  # fmt: skip
    return out.getvalue().encode()


def _hostile(kind: str, size: int) -> bytes:
    ok = b"V9,2026-03-02,2026-03-02,"
    return {
        "long cell": ok + b"x" * (131_073 + size) + b",97110,1",
        "100,000 columns": ok + b"Main,97110,1" + b",x" * 100_000,
        "not UTF-8": ok + b"Caf\xe9 \xff\xfe,97110,1",
        "open quote": ok + b'"Main,97110,1',
        "cut short": b"V9,2026-03-02,2026-",
        "week date": b"V9,2026-W10-1,2026-03-02,Main,97110,1",
        "CR only": b"V9,2026-02-30,2026-03-02,Main,97110,1\rV8,2026-03-02",
    }[kind]


@st.composite
def billing_reports(draw: st.DrawFn) -> BillingCase:
    whole = draw(st.sampled_from(("", "", "", "", "", "", "UTF-16", "wide header")))
    if whole == "UTF-16":
        text = (_HEADER + b"\nV1,2026-03-02,2026-03-02,Main,97110,1\n").decode()
        return BillingCase(text.encode("utf-16"), whole=whole)
    if whole == "wide header":
        return BillingCase(
            _HEADER + b"".join(b",c%d" % n for n in range(100_000)) + b"\n", whole=whole
        )
    end = draw(st.sampled_from((b"\n", b"\r\n")))
    us_dates = draw(st.booleans())
    written: list[bytes] = [_HEADER]
    lines: dict[int, Charge | str] = {}
    number = 1
    for _ in range(draw(st.integers(1, 40))):
        what = draw(st.sampled_from(("charge", "charge", "charge", "charge", "blank", "hostile")))
        if what == "blank":
            count = draw(st.sampled_from((1, 2, 10, 5000)))
            written.append(end * (count - 1))
            number += count
            continue
        number += 1
        if what == "charge":
            charge = draw(_charges())
            written.append(_line(charge, us_dates))
            lines[number] = charge
        else:
            kind = draw(st.sampled_from((*_UNREADABLE, "open quote")))
            written.append(_hostile(kind, draw(st.integers(0, 200_000))))
            lines[number] = kind
            if kind == "CR only":  # it holds two lines, the second cut short
                number += 1
                lines[number] = "cut short"
    data = end.join(written) + (end if draw(st.booleans()) else b"")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return BillingCase(data, lines)


def _folder() -> Path:
    from fuzzing import workdir

    return workdir()


def probe_billing(case: BillingCase) -> str:
    """Read the report; compare with how it was made (see the module); reconcile it."""
    path = _folder() / "billing.csv"
    path.write_bytes(case.data)
    if case.whole:
        try:
            read_billing(path)
        except ExportReadError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 600, str(exc)[:1000]
            return f"refused as a whole ({case.whole})"
        raise AssertionError(f"a report of {case.whole} was read")
    report = read_billing(path)
    read = {charge.line: charge for charge in report.charges}
    rejected = {item.line: item for item in report.rejected}
    for line, made in case.lines.items():
        if isinstance(made, Charge):
            got = read.get(line)
            assert got is not None, f"the charge line {line} was not read ({rejected.get(line)})"
            assert attrs.astuple(made) == (
                got.visit_id,
                got.date_of_service,
                got.created_on,
                got.location,
                got.cpt,
                got.units,
            ), f"line {line} was read as {got}"
        elif made in _UNREADABLE and line not in _quoted(case.lines):
            assert line in rejected, f"the {made} line {line} was not listed as rejected"
    for line in read:
        made = case.lines.get(line)
        assert isinstance(made, Charge) or made == "open quote", f"a charge read at line {line}"
    for line, item in rejected.items():
        assert isinstance(case.lines.get(line), str), f"line {line} was rejected: {item.errors}"
        for error in item.errors:
            assert len(error) < 400 and error.isprintable(), f"line {line}: {error[:500]!r}"
    _reconciled(report)
    return "read, unreadable lines listed" if rejected else "read whole"


def _quoted(lines: dict[int, Charge | str]) -> set[int]:
    """Lines that may be part of a cell quoted on an earlier line: those after a line whose
    quote is open, up to the next charge line (a charge line is never swallowed: the reader
    checks). A later quote may close the cell: what it swallowed is then text of a cell, as in
    any CSV; the row is read (or rejected) at its first line."""
    inside, found = False, set()
    for line in sorted(lines):
        made = lines[line]
        if isinstance(made, Charge):
            inside = False
        elif inside:
            found.add(line)
        if made == "open quote":
            inside = True
    return found


def _reconciled(report: object) -> None:
    from fuzzing import bundled_rules, sample_batch

    from scrubber.reports.reconcile import reconcile
    from scrubber.reports.reconcile_render import reconcile_csv, reconcile_json, reconcile_table

    batch = sample_batch()
    reconciled = reconcile(batch, bundled_rules().scrub(batch), report)  # type: ignore[arg-type]
    reconcile_table(reconciled)
    reconcile_csv(reconciled)
    reconcile_json(reconciled)
