"""Every CSV scrubber writes is safe to open in a spreadsheet, and pivots right.

A text cell starting with =, +, -, @, a tab or a carriage return is written with a leading '
(a spreadsheet would otherwise run it as a formula); numbers written as numbers are left alone.
"""

from __future__ import annotations

import csv
import io

import pytest
from engine_helpers import batch_of, charge, rules_from
from hypothesis import given
from hypothesis import strategies as st

from scrubber.formats.results import dumps_audit
from scrubber.formats.sheets import FORMULA_STARTS, csv_line, csv_text, safe_cell
from scrubber.reports.balance import balance
from scrubber.reports.render import render_csv

HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_that_a_spreadsheet_would_run_gets_a_quote(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["Main St", "", "97110", "'=already quoted", -2, 0, 3.5, None])
def test_everything_else_is_unchanged(value):
    assert safe_cell(value) == value


def test_csv_text_quotes_every_cell_and_keeps_numbers():
    rows = list(csv.reader(io.StringIO(csv_text(["a", "b"], [[HOSTILE, -2], ["-3", "+1"]]))))
    assert rows == [["a", "b"], ["'" + HOSTILE, "-2"], ["'-3", "'+1"]]


def _cell_as_documented(value: object) -> str:
    """A cell by the module's words: made safe, then quoted (quotes doubled) when it holds a
    comma, a quote, a CR or a LF."""
    text = "" if value is None else str(safe_cell(value))
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from(',"\r\n\t =+-@\'a1')), st.text(), st.integers(),
            st.none(),
        ),
        min_size=2, max_size=6,
    )
)  # fmt: skip
def test_every_cell_is_made_safe_then_quoted(row):
    assert csv_line(row) == ",".join(map(_cell_as_documented, row)) + "\n"


def _scrubbed(tmp_path):
    rules = rules_from(tmp_path, "rules any {\n    rule cap: limit 97110 to 2 units per day\n}\n")
    batch = batch_of(
        {"location": HOSTILE, "charges": [charge("97110", 4, 60)]},
        {"location": "@SUM(A1:A9)", "charges": [charge("97140", 1, 15)]},
    )
    return batch, rules.scrub(batch)


def test_the_audit_csv_is_safe(tmp_path):
    _, result = _scrubbed(tmp_path)
    (entry,) = csv.DictReader(io.StringIO(dumps_audit(result.audit, "csv")))
    assert entry["location"] == "'" + HOSTILE
    assert entry["units_delta"] == "-2"  # a number, not text: no quote


def test_the_balance_csv_is_safe_and_pivots_to_the_totals(tmp_path):
    batch, result = _scrubbed(tmp_path)
    report = balance(batch, result)
    lines = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert {line["location"] for line in lines} == {"'" + HOSTILE, "'@SUM(A1:A9)"}
    total = {
        figure: sum(int(line["visits"]) for line in lines if line["figure"] == figure)
        for figure in ("emr", "billed")
    }
    assert total == {"emr": report.totals.emr_visits, "billed": report.totals.billed_visits}
    explained = sum(int(line["units"]) for line in lines if line["figure"] == "cause")
    assert explained == report.totals.emr_units - report.totals.billed_units == 2
