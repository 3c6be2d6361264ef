from datetime import date

import pytest

from scrubber.tables import CapScope, TableError, UnitCap, load_pair_table, load_unit_table


def _file(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_simple_unit_table(tmp_path):
    table = load_unit_table(_file(tmp_path, "code,units,note\n97110,6,x\n\n97161,1,y\n"))
    assert table.layout == "simple"
    assert table.caps == {"97110": UnitCap(6), "97161": UnitCap(1)}


def test_cms_mue_layout_with_notice_lines_above_the_header(tmp_path):
    text = (
        "CPT codes, descriptions and other data only are copyright American Medical Association.\n"
        "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
        "97110,6,3 Date of Service Edit: Clinical,Clinical: Data\n"
        "97161,1,2 Date of Service Edit: Policy,Nature of Service/Procedure\n"
        "97032,4,1 Line Edit,Clinical: Data\n"
    )
    table = load_unit_table(_file(tmp_path, text))
    assert table.layout == "cms"
    assert table.caps["97110"] == UnitCap(6, CapScope.DAY)
    assert table.caps["97161"] == UnitCap(1, CapScope.DAY)
    assert table.caps["97032"] == UnitCap(4, CapScope.LINE)


def test_bad_unit_rows_are_reported_with_their_lines(tmp_path):
    text = "code,units\n97110,six\n971,1\n" + "".join(f"9711{i},x\n" for i in range(12))
    with pytest.raises(TableError) as info:
        load_unit_table(_file(tmp_path, text))
    assert [p.line for p in info.value.problems][:2] == [2, 3]
    assert len(info.value.problems) == 10
    assert info.value.more == 4


def test_unknown_header_is_one_clear_problem(tmp_path):
    with pytest.raises(TableError, match="expected a header"):
        load_unit_table(_file(tmp_path, "cpt;max\n97110;6\n"))


def test_simple_pair_table(tmp_path):
    table = load_pair_table(
        _file(tmp_path, "column1,column2,modifier_indicator\n97530,97140,1\n97161,97140,0\n")
    )
    assert table.indicator("97161", "97140", date(2026, 3, 2)) == "0"
    assert table.indicator("97530", "97140", date(2026, 3, 2)) == "1"
    assert table.indicator("97140", "97530", date(2026, 3, 2)) is None
    assert table.column2_codes == {"97140"}


def test_cms_pair_layout_honours_effective_and_deletion_dates(tmp_path):
    text = (
        "Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date *=no data,"
        "Modifier 0=not allowed 1=allowed 9=not applicable,PTP Edit Rationale\n"
        "97140,97161,,20200101,*,1,Standards of medical practice\n"
        "97530,97164,,20200101,20260301,1,x\n"
        "97150,97164,,20260401,*,1,x\n"
    )
    table = load_pair_table(_file(tmp_path, text))
    assert table.layout == "cms"
    assert len(table) == 3
    assert table.indicator("97140", "97161", date(2019, 12, 31)) is None
    assert table.indicator("97140", "97161", date(2020, 1, 1)) == "1"
    assert table.indicator("97530", "97164", date(2026, 2, 28)) == "1"
    assert table.indicator("97530", "97164", date(2026, 3, 1)) is None  # deleted on that day
    assert table.indicator("97150", "97164", date(2026, 4, 1)) == "1"


def test_tab_separated_cms_pairs(tmp_path):
    text = "Column 1\tColumn 2\tx\tEffective\tDeletion\tModifier\tRationale\n97140\t97161\t\t20200101\t*\t1\tr\n"
    table = load_pair_table(_file(tmp_path, text))
    assert table.indicator("97140", "97161", date(2026, 1, 1)) == "1"


def test_a_star_means_always_as_effective_and_never_as_deletion(tmp_path):
    text = (
        "Column 1,Column 2,x,Effective Date,Deletion Date,Modifier,Rationale\n"
        "97140,97161,,*,*,1,r\n"
        "97530,97164,,*,*,0,r\n"
    )
    table = load_pair_table(_file(tmp_path, text))
    assert table.indicator("97140", "97161", date(1990, 1, 1)) == "1"
    assert table.indicator("97530", "97164", date(2030, 1, 1)) == "0"


def test_a_bad_date_repeated_is_reported_on_each_line(tmp_path):
    text = (
        "Column 1,Column 2,x,Effective Date,Deletion Date,Modifier,Rationale\n"
        "97140,97161,,2020-01-01,*,1,r\n"
        "97530,97164,,2020-01-01,*,0,r\n"
    )
    with pytest.raises(TableError) as info:
        load_pair_table(_file(tmp_path, text))
    assert [(p.line, p.column) for p in info.value.problems] == [(2, 14), (3, 14)]


def test_indicator_looks_up_one_pair_on_a_day(tmp_path):
    text = (
        "Column 1,Column 2,x,Effective Date,Deletion Date,Modifier,Rationale\n"
        "97530,97164,,20200101,20260301,1,x\n97530,97164,,20260401,*,0,x\n"
    )
    table = load_pair_table(_file(tmp_path, text))
    assert table.indicator("97530", "97164", date(2026, 2, 1)) == "1"
    assert table.indicator("97530", "97164", date(2026, 3, 15)) is None
    assert table.indicator("97530", "97164", date(2026, 5, 1)) == "0"
    assert table.indicator("97110", "97164", date(2026, 5, 1)) is None
