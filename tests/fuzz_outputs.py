"""Fuzz targets: what scrubber writes, when the export's text is hostile.

What is fed in: the sample export with its text (locations, names, ids of visits, cases,
patients, payers and providers, authorization numbers, ZIP codes) replaced by hostile text
drawn from pieces: formula starts (``=``, ``+``, ``-``, ``@``, tab, CR), line breaks, commas and
quotes, terminal escape sequences (colours, a window title, a one-byte CSI), DEL, a direction
override, and HTML (a tag, a closing ``</script>``, an attribute break-out).

- **CSV outputs**: the audit, balance, worklist and reconcile CSVs (the reconcile one against a
  billing report written from the result) read back with Python's ``csv`` module: every row as
  wide as the header (a CR or LF in a cell never ends a row), and no cell a formula (only a
  number written as a number may start with ``-``); a text cell reads back as written, with a
  ``'`` before a formula start.
- **terminal and HTML outputs**: the balance, worklist and reconcile tables and ``explain`` (as
  the command line prints it; the visit given as ``--visit=ID``, since an id may start with
  ``-``) hold no control character but line breaks; the balance, worklist and reconcile pages
  hold none of the hostile tags as markup (each is escaped where it shows).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from typing import Any

from hypothesis import strategies as st

from scrubber.cli import main
from scrubber.formats.billing import read_billing
from scrubber.formats.emr import parse_export, write_export
from scrubber.formats.results import dumps_audit
from scrubber.formats.sheets import FORMULA_STARTS
from scrubber.model.records import Batch
from scrubber.model.results import ScrubResult
from scrubber.reports.balance import balance
from scrubber.reports.pages import balance_page, reconcile_page, worklist_page
from scrubber.reports.reconcile import reconcile
from scrubber.reports.reconcile_render import reconcile_csv, reconcile_table
from scrubber.reports.render import render_csv, render_table
from scrubber.reports.worklist import worklist, worklist_csv, worklist_table
from scrubber.sample import sample_billing

__all__ = ["hostile_exports", "probe_csv_outputs", "probe_shown_outputs"]

#: tags that must never reach a page as markup
TAGS = ('<b id="hostile">', "<i id=hostile2>", '</script><b id="hostile3">', "<!--")
PIECES = (
    "=", "+", "-", "@", "\t", "\r", "\n", "\r\n", ",", '"', "'", ";", "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")', "\x1b[31m", "\x1b]0;owned\x07", "\x9b2J", "\x7f", "\x08",
    "\u202e", "\u2028", "\x85", "&amp;", "Zoë", "Main St", *TAGS,
)  # fmt: skip
#: what a terminal must not receive: C0 controls but the line break, DEL, C1, direction marks
_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _hostile_text() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)


@st.composite
def hostile_exports(draw: st.DrawFn) -> dict[str, Any]:
    """The sample export (as a document) with some of its text replaced by hostile text."""
    from fuzzing import sample

    document = json.loads(json.dumps(sample()))
    text = _hostile_text()
    for visit in document["visits"]:
        if isinstance(visit, dict) and draw(st.booleans()):
            visit["location"] = draw(text)
            if isinstance(visit.get("provider"), dict) and draw(st.booleans()):
                visit["provider"]["id"] = draw(text)
    for patient in document["patients"]:
        if isinstance(patient, dict) and draw(st.booleans()):
            patient["first_name"] = draw(text)
            patient["last_name"] = draw(text)
            for address in patient.get("addresses") or []:
                address["postal_code"] = draw(st.sampled_from(("85004", draw(text))))
    for case in document["cases"]:
        if isinstance(case, dict) and draw(st.booleans()):
            case["authorization_number"] = draw(text)
            case["authorization_required"] = True
    # ids last, consistently: a visit id, and a patient id with every reference to it
    visits = [v for v in document["visits"] if isinstance(v, dict)]
    if visits and draw(st.booleans()):
        draw(st.sampled_from(visits))["id"] = draw(text)
    return document


def _scrubbed(document: dict[str, Any]) -> tuple[Batch, ScrubResult]:
    from fuzzing import bundled_rules

    batch = parse_export(document)
    return batch, bundled_rules().scrub(batch)


def _billing_of(batch: Batch, result: ScrubResult) -> Any:
    from fuzzing import workdir

    path = workdir() / "outputs-billing.csv"
    path.write_text(sample_billing(batch, result), encoding="utf-8")
    return read_billing(path)


# ---- CSV ---------------------------------------------------------------------------------------


def _read_back(name: str, text: str) -> int:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    widths = {len(row) for row in rows}
    assert len(widths) == 1, f"{name}: rows of {sorted(widths)} cells: a CR or LF ended a row"
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell):
                raise AssertionError(f"{name}: the cell {cell[:80]!r} is a formula")
    return len(rows) - 1


def probe_csv_outputs(document: dict[str, Any]) -> str:
    """Every CSV read back: rows as wide as the header, no formula, text as written."""
    batch, result = _scrubbed(document)
    written = {
        "audit": dumps_audit(result.audit, "csv"),
        "balance": render_csv(balance(batch, result)),
        "worklist": worklist_csv(worklist(batch, result)),
        "reconcile": reconcile_csv(reconcile(batch, result, _billing_of(batch, result))),
    }
    for name, text in written.items():
        _read_back(name, text)
    locations = {v.location for v in batch.visits} | {""}
    for name in ("audit", "worklist"):
        for row in csv.DictReader(io.StringIO(written[name], newline="")):
            # as given, or after the ' a formula start gets (text that began with ' itself
            # reads back the same way: that is the spreadsheets' convention)
            shown = row["location"]
            escaped = shown.startswith("'") and shown[1:].startswith(FORMULA_STARTS)
            assert shown in locations or (escaped and shown[1:] in locations), (
                f"{name}: the location {shown[:80]!r} is not as written"
            )
    hostile = any(v.location.startswith(FORMULA_STARTS) or "\r" in v.location for v in batch.visits)
    return "CSVs read back, hostile text in them" if hostile else "CSVs read back"


# ---- terminal and HTML -------------------------------------------------------------------------


def _no_controls(name: str, text: str) -> None:
    found = _CONTROL.search(text)
    assert found is None, (
        f"{name}: {found.group()!r} reaches the terminal: {text[max(found.start() - 30, 0) :][:80]!r}"
    )


def _no_markup(name: str, page: str) -> None:
    for tag in TAGS:
        assert tag not in page, f"{name}: {tag!r} is markup in the page"


def probe_shown_outputs(document: dict[str, Any]) -> str:
    """Tables with no control character but line breaks; pages with no hostile markup."""
    from fuzzing import workdir

    batch, result = _scrubbed(document)
    report = balance(batch, result)
    items = worklist(batch, result)
    reconciled = reconcile(batch, result, _billing_of(batch, result))
    _no_controls("balance table", render_table(report))
    _no_controls("worklist table", worklist_table(items))
    _no_controls("reconcile table", reconcile_table(reconciled))
    _no_markup("balance page", balance_page(report, items))
    _no_markup("worklist page", worklist_page(items))
    _no_markup("reconcile page", reconcile_page(reconciled))
    export = workdir() / "outputs-export.json"
    write_export(batch, export)
    for visit in [v.id for v in batch.visits][:2]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(
                ["explain", str(export), f"--visit={visit}", "--rules", str(workdir() / "rules")]
            )
        assert code == 0, err.getvalue()[-300:]
        _no_controls("explain", out.getvalue())
        _no_controls("explain's errors", err.getvalue())
    return "tables and pages clean"
