"""Hostile inputs, round two (issue 24): a test per point. The history store's integrity (point
3) is in ``test_hostile_history.py``, workbooks and table files (points 6 and 9) in
``test_hostile_tables.py``."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import attrs
import pytest
from engine_helpers import batch_of, charge, rules_from

from scrubber.cli import main
from scrubber.errors import ExportReadError
from scrubber.formats.billing import BillingCharge, BillingReport, read_billing
from scrubber.formats.emr import export_document, parse_export, write_export
from scrubber.formats.results import dumps_audit, dumps_result
from scrubber.formats.sheets import FORMULA_STARTS, csv_text
from scrubber.reports.balance import balance
from scrubber.reports.reconcile import Kind, reconcile
from scrubber.reports.reconcile_render import reconcile_csv, reconcile_table
from scrubber.reports.render import render_csv, render_table
from scrubber.reports.worklist import worklist, worklist_csv, worklist_table
from scrubber.sample import sample_batch, sample_billing
from scrubber.shown import cut, quoted, visible

CMD = "\r=cmd|' /C calc'!A0"
#: colours, a window title, a one-byte CSI, a cursor move back over the line, DEL, bidi override
ESCAPES = "\x1b[31mred\x1b[0m \x1b]0;owned\x07 \x9b2J \r\x08\x7f \u202etxt"
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

RULES = """\
rules any {
    rule cap "Two units a day":
        limit 97110 to 2 units per day
    rule ask "Ask the therapist where 97140 was done":
        hold "Location to check" for 97140
}
"""


def _scrubbed(tmp_path, text):
    """One billed visit cut by a rule, one held, both at a location holding ``text``."""
    rules = rules_from(tmp_path, RULES)
    batch = batch_of(
        {"location": text, "charges": [charge("97110", 4, 60)]},
        {"location": text, "charges": [charge("97140", 1, 15)]},
    )
    return batch, rules.scrub(batch)


def _billing_of(text):
    day = date(2026, 3, 2)
    return BillingReport("billing.csv", (
        BillingCharge(2, "V1", day, day, text, "97110", 3),
        BillingCharge(3, text, day, day, text, text, 1),
    ), ())  # fmt: skip


# 7. every CSV cell holding CR, LF or the delimiter is quoted, after the formula escape ---------


def _read_back(text):
    """The CSV read back: every row as wide as the header (a CR or LF that ended a row would
    leave a short one), no cell a formula."""
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert {len(row) for row in read} == {len(read[0])}, "a CR or LF in a cell ended a row"
    for row in read:
        for cell in row:
            number = re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell)  # written as a number
            assert number or not cell.startswith(FORMULA_STARTS), f"{cell!r} starts a formula"
    return read


def test_7_the_csv_writer_quotes_cr_lf_delimiter_and_quote_after_the_formula_escape():
    text = csv_text(["a", "b"], [[CMD, "x\ny"], ["=1,2", 'say "hi"'], [-2, None]])
    assert text.split("\n")[1].startswith("\"'\r=cmd")
    assert _read_back(text)[1:] == [["'" + CMD, "x\ny"], ["'=1,2", 'say "hi"'], ["-2", ""]]


def test_7_the_audit_csv_keeps_a_cr_inside_its_cell(tmp_path):
    _, result = _scrubbed(tmp_path, CMD)
    read = _read_back(dumps_audit(result.audit, "csv"))
    header = read[0]
    assert {row[header.index("location")] for row in read[1:]} == {"'" + CMD}


def test_7_the_balance_csv_keeps_a_cr_inside_its_cell(tmp_path):
    batch, result = _scrubbed(tmp_path, CMD)
    read = _read_back(render_csv(balance(batch, result)))
    assert "'" + CMD in {row[1] for row in read}


def test_7_the_worklist_csv_keeps_a_cr_inside_its_cell(tmp_path):
    batch, result = _scrubbed(tmp_path, CMD)
    items = worklist(batch, result)
    assert items, "a held visit to list"
    read = _read_back(worklist_csv(items))
    header = read[0]
    assert {row[header.index("location")] for row in read[1:]} == {"'" + CMD}


def test_7_the_reconcile_csv_keeps_a_cr_inside_its_cell(tmp_path):
    batch, result = _scrubbed(tmp_path, CMD)
    report = reconcile(batch, result, _billing_of(CMD))
    read = _read_back(reconcile_csv(report))
    assert "'" + CMD in {cell for row in read for cell in row}


# 8. control characters are shown escaped in every terminal table -------------------------------


def _no_controls(text):
    found = _CONTROL.search(text)
    assert found is None, (
        f"{found.group()!r} reaches the terminal: {text[found.start() - 20 :][:60]!r}"
    )


def test_8_visible_escapes_every_control_character():
    assert visible(ESCAPES) == (
        "\\x1b[31mred\\x1b[0m \\x1b]0;owned\\x07 \\x9b2J \\r\\x08\\x7f \\u202etxt"
    )
    assert visible("Main St, Phoenix — Zoë") == "Main St, Phoenix — Zoë"


def test_8_the_balance_table_escapes_control_characters(tmp_path):
    batch, result = _scrubbed(tmp_path, ESCAPES)
    table = render_table(balance(batch, result))
    _no_controls(table)
    assert "\\x1b[31mred" in table


def test_8_the_worklist_table_escapes_control_characters(tmp_path):
    batch, result = _scrubbed(tmp_path, ESCAPES)
    table = worklist_table(worklist(batch, result))
    _no_controls(table)
    assert "\\x1b[31mred" in table


def test_8_the_reconcile_table_escapes_control_characters(tmp_path):
    batch, result = _scrubbed(tmp_path, ESCAPES)
    report = reconcile(batch, result, _billing_of(ESCAPES))
    assert any(fact.kind is Kind.EXTRA_IN_BILLING for fact in report.facts)
    table = reconcile_table(report)
    _no_controls(table)
    assert "\\x1b[31mred" in table


def test_8_explain_escapes_control_characters(tmp_path, capsys):
    batch, _ = _scrubbed(tmp_path, ESCAPES)
    export = tmp_path / "export.json"
    write_export(batch, export)
    code = main(
        ["explain", str(export), "--visit", "V1", "--rules", str(tmp_path / "rules"), "--all"]
    )
    out = capsys.readouterr().out
    assert code == 0
    _no_controls(out)
    assert "\\x1b[31mred" in out


def test_8_an_error_message_escapes_control_characters(tmp_path, capsys):
    billing = tmp_path / "billing.csv"
    billing.write_text("visit_id,\x1b]0;owned\x07\n", encoding="utf-8")
    export, result = tmp_path / "e.json", tmp_path / "r.json"
    batch, scrubbed = _scrubbed(tmp_path, "Main St")
    write_export(batch, export)
    result.write_text(dumps_result(scrubbed), encoding="utf-8")
    assert main(["reconcile", str(export), str(result), str(billing)]) == 2
    err = capsys.readouterr().err
    _no_controls(err.rstrip("\n"))
    assert "\\x1b]0;owned\\x07" in err


# 2. the billing report is read on after a line that cannot be read -----------------------------


def _report_of(tmp_path, lines):
    path = tmp_path / "billing.csv"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


@pytest.fixture(scope="module")
def sample():
    batch = sample_batch(40, seed=3)
    from scrubber.load import load_rules

    result = load_rules().scrub(batch)
    text = sample_billing(batch, result)
    lines = text.encode().split(b"\n")[:-1]
    assert len(lines) >= 71
    return batch, result, lines[:71]


@pytest.mark.parametrize(
    "bad",
    [
        b"V,2026-03-02,2026-03-02," + b"x" * 131_073 + b",97110,1",  # a cell over the CSV limit
        b"V,2026-03-02,2026-03-02,Caf\xe9,97110,1",  # not UTF-8
        b"V,2026-03-02,2026-03-02,Main,97110,1" + b",x" * 100_000,  # 100,000 columns
        b'V,2026-03-02,2026-03-02,"Main,97110,1',  # a quote never closed
    ],
    ids=["long cell", "bad encoding", "100,000 columns", "open quote"],
)
def test_2_a_71_line_report_with_an_unreadable_line_reads_every_other_line(tmp_path, sample, bad):
    batch, result, lines = sample
    whole = read_billing(_report_of(tmp_path, lines))
    assert not whole.rejected and len(whole.charges) == 70
    damaged = list(lines)
    damaged[3] = bad  # line 4
    report = read_billing(_report_of(tmp_path, damaged))
    assert [r.line for r in report.rejected] == [4]
    assert [c.line for c in report.charges] == [c.line for c in whole.charges if c.line != 4]
    # nothing after it silently becomes missing in billing: only line 4's charge may be missing
    lost = next(c for c in whole.charges if c.line == 4)
    before = {(f.visit_id, f.cpt) for f in reconcile(batch, result, whole).facts if not f.explained}
    after = {(f.visit_id, f.cpt) for f in reconcile(batch, result, report).facts if not f.explained}
    assert after - before <= {(lost.visit_id, lost.cpt)}
    assert len(report.rejected[0].errors[0]) < 200


def test_2_a_report_of_64_mib_of_line_breaks_is_read_in_one_step(tmp_path):
    path = tmp_path / "billing.csv"
    path.write_bytes(
        b"visit_id,date_of_service,created_on,location,cpt,units\n" + b"\n" * (64 << 20)
        + b"V1,2026-03-02,2026-03-02,Main,97110,1\n"
    )  # fmt: skip
    report = read_billing(path)
    assert [c.line for c in report.charges] == [(64 << 20) + 2] and not report.rejected


# 11. billing dates are YYYY-MM-DD or MM/DD/YYYY, nothing else -----------------------------------


@pytest.mark.parametrize(
    "day", ["2026-W10-1", "20260302", "2026-03-02T00:00", "٠٣/٠٢/٢٠٢٦", "2026-02-30"]
)
def test_11_a_billing_date_in_another_shape_is_refused(tmp_path, day):
    path = _report_of(tmp_path, [
        b"visit_id,date_of_service,created_on,location,cpt,units",
        f"V1,{day},2026-03-02,Main,97110,1".encode(),
        b"V2,03/02/2026,2026-03-02,Main,97110,1",
    ])  # fmt: skip
    report = read_billing(path)
    assert [c.visit_id for c in report.charges] == ["V2"]
    assert "is not a date (YYYY-MM-DD or MM/DD/YYYY)" in report.rejected[0].errors[0]


# 10. messages cut long values and say how much was left out ------------------------------------


def test_10_quoted_cuts_a_long_value_and_says_how_many_characters_were_left_out():
    assert quoted("A123 ") == "'A123 '"
    assert quoted("A" * 1_000_000) == "'" + "A" * 60 + "…' (999,940 more characters)"
    assert quoted("x" * 55 + "912-34-5678" + "y" * 100).startswith("'" + "x" * 55 + "***-*")
    assert cut("B" * 100, 10) == "B" * 10 + "… (90 more characters)"


def test_10_a_billing_header_of_20000_or_100000_columns_is_not_echoed(tmp_path):
    path = _report_of(tmp_path, [b",".join(b"c%d" % n for n in range(20_000))])
    with pytest.raises(ExportReadError, match=r"\(c0, c1, c2, .*… \(1\d\d,\d{3} more characters\)"):
        read_billing(path)
    path = _report_of(tmp_path, [b",".join(b"column%d" % n for n in range(100_000))])
    with pytest.raises(
        ExportReadError, match=r"the header .* bytes long; at most 131,072"
    ) as raised:
        read_billing(path)
    assert len(str(raised.value)) < 300


def test_10_a_billing_value_of_a_megabyte_is_quoted_cut(tmp_path):
    path = _report_of(tmp_path, [
        b"visit_id,date_of_service,created_on,location,cpt,units",
        b"V1,2026-03-02,2026-03-02,Main,97110," + b"9" * 100_000,
    ])  # fmt: skip
    (rejected,) = read_billing(path).rejected
    assert "(99,940 more characters)" in rejected.errors[0] and len(rejected.errors[0]) < 200


# 5. pair edits in time linear in the day's lines -------------------------------------------------


class _Counted(str):
    """A code that counts how often it is hashed or compared: the steps of a rule."""

    calls = 0

    def __hash__(self):
        _Counted.calls += 1
        return str.__hash__(self)

    def __eq__(self, other):
        _Counted.calls += 1
        return str.__eq__(self, other)

    def __ne__(self, other):
        _Counted.calls += 1
        return str.__ne__(self, other)

    def __lt__(self, other):
        _Counted.calls += 1
        return str.__lt__(self, other)


def _steps(rules, lines: int) -> int:
    """The steps of a scrub of one patient-day of ``lines`` lines (97140, 97530, 97124, 97110
    in turn, every fifth with modifier 59), in visits of 10."""
    codes = ("97140", "97530", "97124", "97110")
    batch = batch_of(*(
        {"charges": [charge(codes[n % 4], 1, 15, ("59",) if n % 5 == 0 else ())
                     for n in range(start, start + 10)]}
        for start in range(0, lines, 10)
    ))  # fmt: skip
    counted = tuple(
        attrs.evolve(v, charges=tuple(attrs.evolve(c, cpt=_Counted(c.cpt)) for c in v.charges))
        for v in batch.visits
    )
    _Counted.calls = 0
    rules.scrub(attrs.evolve(batch, visits=counted))
    return _Counted.calls


@pytest.mark.parametrize(
    "rule",
    ["deny 97140 with 97530 per day unless modifier 59", "deny 97140 with any per day",
     'deny by table "tables/ptp.csv" per day'],
)  # fmt: skip
def test_5_a_pair_edit_takes_a_step_per_line_not_per_pair(tmp_path, rule):
    """Doubling the day's lines doubles the lookups (a pair-by-pair rule would quadruple them);
    no time is measured here (bench/pairs_bench.py prints the times)."""
    rules = rules_from(
        tmp_path, f"rules any {{\n    rule ptp: {rule}\n}}\n",
        {"ptp.csv": "column1,column2,modifier_indicator\n97530,97140,1\n97140,97124,0\n"},
    )  # fmt: skip
    small, large = _steps(rules, 400), _steps(rules, 800)
    assert large < 2.5 * small, (small, large)


def test_10_a_megabyte_value_of_an_export_is_quoted_cut():
    document = export_document(batch_of({"charges": [charge("97110", 1, 15)]}))
    document["visits"][0]["charges"][0]["units"] = "7" * 1_000_000
    (rejected,) = parse_export(document).rejected
    assert rejected.errors == (
        'visits[0].charges[0].units: expected a whole number ≥ 0, got "' + "7" * 59
        + "… (999,942 more characters)",
    )  # fmt: skip


def test_2_a_quote_left_open_never_swallows_the_charge_lines_after_it(tmp_path):
    header = b"visit_id,date_of_service,created_on,location,cpt,units"
    good = [b"V%d,2026-03-02,2026-03-02,Main,97110,1" % n for n in range(10)]
    lines = [header, *good]
    lines[3] = b'V2,2026-03-02,2026-03-02,"Main,97110,1'  # opens a quote...
    lines[6] = b'V5,2026-03-02,2026-03-02,"Oak,97110,1'  # ...that this one closes
    report = read_billing(_report_of(tmp_path, lines))
    assert [c.line for c in report.charges] == [2, 3, 5, 6, 8, 9, 10, 11]
    assert [r.line for r in report.rejected] == [4, 7]
    assert "runs on over line 5, which is a charge line of its own" in report.rejected[0].errors[0]
    # a cell with a line break in it is still read
    lines = [header, b'V1,2026-03-02,2026-03-02,"Main', b'St",97110,1', good[2]]
    report = read_billing(_report_of(tmp_path, lines))
    assert [(c.line, c.location) for c in report.charges] == [(2, "Main\nSt"), (4, "Main")]
