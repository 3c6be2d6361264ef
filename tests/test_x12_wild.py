"""X12 as it is found in the wild (DESIGN §9): files written by other systems. Each test names
the defect it guards against; the corpus of real files is run by ``test_realworld.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from x12_validator import acknowledgment_problems, x12_problems

from scrubber.cli import main
from scrubber.formats.x12 import X12Error, read_x12, write_scrubbed
from scrubber.load import load_rules
from scrubber.model.records import CaseOrigin, ProviderRole

GOLDEN = Path(__file__).parent / "golden" / "x12"
RULES = str(GOLDEN / "rules")
CLAIM_RULES = load_rules(GOLDEN / "rules")


def _golden(case: str, name: str = "input.x12") -> str:
    return (GOLDEN / case / name).read_bytes().decode("utf-8")


MEDICARE = _golden("medicare_pta_kx")
MEDICARE_BILLED = _golden("medicare_pta_kx", "expected.x12")
DEPENDENT = _golden("dependent_patient")
WORKERS_COMP = _golden("workers_comp")
WORKERS_COMP_BILLED = _golden("workers_comp", "expected.x12")
COMMERCIAL = _golden("commercial_prior_auth")
#: both claims of the commercial interchange held (no prior authorization on either)
COMMERCIAL_HELD = COMMERCIAL.replace("REF*G1*PA55501~\n", "").replace("SE*50*", "SE*49*")


def _recount(text: str) -> str:
    """``text`` (segments ending ``~`` and a line break) with each SE01 made right."""
    segments = text.split("~\n")
    start = 0
    for at, segment in enumerate(segments):
        if segment.startswith("ST*"):
            start = at
        elif segment.startswith("SE*"):
            elements = segment.split("*")
            segments[at] = "*".join([elements[0], str(at - start + 1), *elements[2:]])
    return "~\n".join(segments)


def _without(text: str, *segments: str) -> str:
    for segment in segments:
        assert segment + "~\n" in text, segment
        text = text.replace(segment + "~\n", "")
    return _recount(text)


def _scrub(tmp_path: Path, text: str, *options: str, name: str = "claims.x12") -> int:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return main(["scrub", str(path), *options])


# ---- the validator the tests use ----------------------------------------------------------------


def test_the_validator_catches_an_interchange_without_a_functional_group(tmp_path):
    """pyx12 only logs "Mandatory loop GS_LOOP missing" and returns as if all were well: the
    check must see it."""
    path = tmp_path / "empty.x12"
    path.write_text(MEDICARE.split("\n")[0] + "\nIEA*0*000000201~\n", encoding="utf-8")
    problems = x12_problems(path)
    assert any("GS_LOOP" in problem for problem in problems), problems


def test_the_validator_counts_the_error_segments_of_the_acknowledgment():
    ack = (
        MEDICARE.split("\n")[0]
        + "\nAK1*HC*201*005010X222A1~\nAK2*837*0001*005010X222A1~\nIK3*N4*20**8~\nIK4*2*156*7*NA~"
        "\nIK5*R*5~\nAK9*R*1*1*0~\nAK2*837*0002*005010X222A1~\nIK5*A~\nAK9*A*1*1*1~\n"
    )
    assert acknowledgment_problems(ack) == [
        "acknowledgment: IK3*N4*20**8", "acknowledgment: IK4*2*156*7*NA",
        "acknowledgment: IK5*R*5", "acknowledgment: AK9*R*1*1*0",
    ]  # fmt: skip


def test_the_validator_reports_what_stops_pyx12_as_a_problem(tmp_path):
    path = tmp_path / "a2.x12"
    path.write_text(MEDICARE.replace("005010X222A1", "005010X222A2"), encoding="utf-8")
    assert any(p.startswith("pyx12 stopped: EngineError") for p in x12_problems(path))


# ---- a taxonomy never rejects a claim ----------------------------------------------------------

CHIROPRACTOR = MEDICARE.replace("PRV*PE*PXC*225200000X", "PRV*PE*PXC*111N00000X")
NO_TAXONOMY = _without(MEDICARE, "PRV*BI*PXC*225100000X", "PRV*PE*PXC*225200000X")


def test_another_professions_taxonomy_is_role_other():
    batch, _ = read_x12(CHIROPRACTOR)
    assert batch.rejected == ()
    assert [v.provider.role for v in batch.visits] == [ProviderRole.OTHER]


def test_a_claim_without_a_taxonomy_takes_the_default_role_else_other():
    batch, _ = read_x12(NO_TAXONOMY)
    assert batch.rejected == ()
    assert batch.visits[0].provider.role is ProviderRole.OTHER
    batch, _ = read_x12(NO_TAXONOMY, default_role=ProviderRole.PTA)
    assert batch.visits[0].provider.role is ProviderRole.PTA
    # a taxonomy given wins over the default role
    batch, _ = read_x12(CHIROPRACTOR, default_role=ProviderRole.PTA)
    assert batch.visits[0].provider.role is ProviderRole.OTHER


def _audit_rules(path: Path) -> set[str]:
    return {entry["rule"] for entry in json.loads(path.read_text())["audit"]}


def test_x12_default_role_on_the_command_line_and_in_the_settings(tmp_path, monkeypatch, capsys):
    """The claims rules add CQ for a PTA: the role reaches the rules from --x12-default-role, or
    from x12-default-role in scrubber.toml, the command line winning."""
    monkeypatch.chdir(tmp_path)
    result = tmp_path / "result.json"
    argv = ["--rules", RULES, "-o", str(tmp_path / "b.x12"), "--result", str(result)]
    assert _scrub(tmp_path, NO_TAXONOMY, *argv) == 0
    assert "claims/cq" not in _audit_rules(result)
    assert _scrub(tmp_path, NO_TAXONOMY, *argv, "--x12-default-role", "PTA") == 0
    assert "claims/cq" in _audit_rules(result)
    (tmp_path / "scrubber.toml").write_text('x12-default-role = "PTA"\n', encoding="utf-8")
    assert _scrub(tmp_path, NO_TAXONOMY, *argv) == 0
    assert "claims/cq" in _audit_rules(result)
    assert _scrub(tmp_path, NO_TAXONOMY, *argv, "--x12-default-role", "PT") == 0
    assert "claims/cq" not in _audit_rules(result)
    # the reports read the claims with the same role
    capsys.readouterr()
    claims = str(tmp_path / "claims.x12")
    assert main(["explain", claims, "--visit", "RUIZ-0302", "--rules", RULES]) == 0
    assert "claims/cq" in capsys.readouterr().out
    assert (
        main(["worklist", claims, str(result), "--rules", RULES, "--x12-default-role", "PT"]) == 0
    )


@pytest.mark.parametrize("value", ["3", '"physio"', '["PT"]', '"pt"'])
def test_a_wrong_x12_default_role_setting_is_one_line_and_exit_2(
    value, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scrubber.toml").write_text(f"x12-default-role = {value}\n", encoding="utf-8")
    assert _scrub(tmp_path, MEDICARE, "--rules", RULES) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x12-default-role takes one of PT, PTA" in err


def test_a_wrong_x12_default_role_option_is_exit_2(tmp_path, capsys):
    assert _scrub(tmp_path, MEDICARE, "--rules", RULES, "--x12-default-role", "physio") == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_bundled_rules_leave_another_professions_claim_untouched(tmp_path):
    """A chiropractor's Medicare claim with a 5-digit ZIP and 97014: the bundled therapy rules
    would hold it (ZIP+4) and change it (G0283, GP, the MUE); for role other they do nothing."""
    text = CHIROPRACTOR.replace("N4*PHOENIX*AZ*850041234~\nDMG", "N4*PHOENIX*AZ*85004~\nDMG")
    out, result = tmp_path / "billed.x12", tmp_path / "result.json"
    assert _scrub(tmp_path, text, "-o", str(out), "--result", str(result)) == 0
    document = json.loads(result.read_text())
    assert document["audit"] == [] and document["exceptions"] == []
    assert out.read_bytes().decode() == text  # billed as received, byte for byte


def test_the_bundled_rules_bill_a_therapists_claim_without_policy_dates(tmp_path):
    """An 837P carries no policy dates: the bundled policy-start hold is for EMR exports."""
    batch, interchange = read_x12(MEDICARE)
    assert {case.origin for case in batch.cases} == {CaseOrigin.X12_837P}
    result = load_rules().scrub(batch)
    assert [visit.id for visit in result.billed] == ["RUIZ-0302"]
    assert {"medicare/estim", "medicare/gp"} <= {entry.rule for entry in result.audit}
    billed = write_scrubbed(interchange, result)
    assert "SV1*HC:G0283:GP:CQ*40.00*UN*1***1~" in billed  # a PTA's line: GP and CQ


# ---- what the file holds -----------------------------------------------------------------------


def _as(text: str, st01: str, version: str) -> str:
    return text.replace("ST*837*", f"ST*{st01}*").replace("005010X222A1", version)


HOLDS = [
    (_as(MEDICARE, "837", "005010X223A2"), "the file holds an 837I institutional claim (005010X223A2)"),
    (_as(MEDICARE, "837", "004010X098A1"), "the file holds a 4010 claim (004010X098A1)"),
    (_as(MEDICARE, "835", "005010X221A1"), "the file holds an 835 claim payment advice (005010X221A1)"),
    (_as(MEDICARE, "834", "005010X220A1"), "the file holds an 834 benefit enrollment"),
    (_as(MEDICARE, "270", "005010X279A1"), "the file holds a 270 eligibility inquiry"),
    (_as(MEDICARE, "837", "005010X222"), "the file holds an 837P of version 005010X222, without "
                                         "the A1 addendum"),
    (MEDICARE.replace("ST*837*0001*005010X222A1", "ST*837*0001*005010X223A2"),
     "the file holds an 837I institutional claim (005010X223A2)"),
    (MEDICARE.replace("*X*005010X222A1~", "*X*005010X223A2~"),  # GS08 alone
     "the file holds an 837I institutional claim (005010X223A2)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "words"), HOLDS, ids=[w[14:40] for _, w in HOLDS])
def test_anything_but_an_837p_5010_is_refused_for_what_it_holds(text, words, tmp_path, capsys):
    """One line saying what the file holds, exit 2, before anything is scrubbed, from every
    command that takes an export."""
    path = tmp_path / "claims.x12"
    path.write_text(text, encoding="utf-8")
    result = tmp_path / "result.json"
    result.write_text("{}", encoding="utf-8")
    billing = tmp_path / "billing.csv"
    billing.write_text("visit_id,date_of_service,created_on,location,cpt,units\n", encoding="utf-8")
    out = tmp_path / "out.x12"
    commands = [
        ["scrub", str(path), "--rules", RULES, "-o", str(out), "--result", str(tmp_path / "r")],
        ["balance", str(path), str(result), "--rules", RULES],
        ["explain", str(path), "--visit", "RUIZ-0302", "--rules", RULES],
        ["worklist", str(path), str(result), "--rules", RULES],
        ["reconcile", str(path), str(result), str(billing), "--rules", RULES],
    ]
    for argv in commands:
        assert main(argv) == 2, argv[0]
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, (argv[0], err)
        assert "scrubber reads 837P professional claims, version 005010X222A1" in err
    assert not out.exists() and not (tmp_path / "r").exists()


def test_a_later_addendum_of_the_837p_is_read():
    batch, _ = read_x12(MEDICARE.replace("005010X222A1", "005010X222A2"))
    assert [case.id for case in batch.cases] == ["RUIZ-0302"] and batch.rejected == ()


def test_an_837p_without_a_claim_is_refused():
    text = MEDICARE[: MEDICARE.index("HL*2*")] + "SE*6*0001~\nGE*1*201~\nIEA*1*000000201~\n"
    text = text.replace("HL*1**20*1", "HL*1**20*0")
    with pytest.raises(X12Error, match="hold no claim"):
        read_x12(_recount(text))


# ---- several interchanges in one file ----------------------------------------------------------


def _other_separators(text: str) -> str:
    """The same interchange written with | > and ' (one segment a line)."""
    return text.replace("*", "|").replace(":", ">").replace("~\n", "'\n")


def test_several_interchanges_are_read_in_order_and_each_written_with_its_own_envelope():
    """Three interchanges (the second with other separators, the third all held): the claims
    are read in order; the billed file holds the first two, each with its own ISA and IEA,
    and leaves out the third, which has no claim left."""
    text = MEDICARE + _other_separators(WORKERS_COMP) + COMMERCIAL_HELD
    batch, interchange = read_x12(text)
    assert [c.id for c in batch.cases] == ["RUIZ-0302", "GARCIA-0304", "NGUYEN-0303", "OKAFOR-0303"]
    result = CLAIM_RULES.scrub(batch)
    billed = write_scrubbed(interchange, result)
    assert billed == MEDICARE_BILLED + _other_separators(WORKERS_COMP_BILLED)


def test_the_billed_interchanges_are_each_accepted_by_the_validator(tmp_path):
    text = MEDICARE + WORKERS_COMP
    batch, interchange = read_x12(text)
    billed = write_scrubbed(interchange, CLAIM_RULES.scrub(batch))
    first, second = billed.split("IEA*1*000000201~\n")
    for n, part in enumerate((first + "IEA*1*000000201~\n", second)):
        path = tmp_path / f"part{n}.x12"
        path.write_text(part, encoding="utf-8")
        assert x12_problems(path) == []


def test_line_ends_between_interchanges_are_tolerated_and_kept():
    text = MEDICARE.replace("IEA*1*000000201~\n", "IEA*1*000000201~ \r\n") + WORKERS_COMP
    batch, interchange = read_x12(text)
    billed = write_scrubbed(interchange, CLAIM_RULES.scrub(batch))
    assert billed == MEDICARE_BILLED.replace("IEA*1*000000201~\n", "IEA*1*000000201~ \r\n") + (
        WORKERS_COMP_BILLED
    )


def test_a_claim_of_a_later_interchange_is_named_by_its_interchange():
    text = MEDICARE + MEDICARE.replace("CLM*RUIZ-0302*", "CLM*RUIZ-0303*").replace(
        "*UN*6*", "*UN*x*"
    )
    batch, _ = read_x12(text)
    (rejected,) = batch.rejected
    assert rejected.path == "interchange 2, ST 0001 segment 19"
    assert rejected.errors[0].startswith("interchange 2, ST 0001 segment 27 (SV1): SV104 'x'")


def test_a_claim_id_used_in_an_earlier_interchange_is_rejected():
    batch, _ = read_x12(MEDICARE + MEDICARE)
    assert [c.id for c in batch.cases] == ["RUIZ-0302"]
    (rejected,) = batch.rejected
    assert "CLM01 'RUIZ-0302' is used by another claim of the file" in rejected.errors[0]


# ---- bytes: byte-order marks, line breaks, UTF-16, indentation, leading white space ------------


def test_a_byte_order_mark_and_crlf_are_tolerated_and_kept(tmp_path):
    text = "\ufeff" + MEDICARE.replace("\n", "\r\n")
    out = tmp_path / "billed.x12"
    assert _scrub(tmp_path, text, "--rules", RULES, "-o", str(out)) == 0
    assert out.read_bytes() == ("\ufeff" + MEDICARE_BILLED.replace("\n", "\r\n")).encode()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused_in_one_line(encoding, tmp_path, capsys):
    path = tmp_path / "claims.x12"
    path.write_bytes(MEDICARE.encode(encoding))
    assert main(["scrub", str(path), "--rules", RULES]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UTF-16" in err


def test_indented_segments_are_refused_in_one_line():
    with pytest.raises(X12Error, match=r"^segment 2 \('GS'\) is indented with white space"):
        read_x12(MEDICARE.replace("\nGS*", "\n  GS*"))


def test_spaces_before_a_line_break_are_tolerated_and_kept():
    """A space after a terminator, before the line break (EDIFabric's EVV example has them),
    indents nothing: the next segment starts its line."""
    text = MEDICARE.replace("DTP*472*D8*20260302~\nLX*2", "DTP*472*D8*20260302~ \nLX*2")
    batch, interchange = read_x12(text)
    billed = write_scrubbed(interchange, CLAIM_RULES.scrub(batch))
    assert "DTP*472*D8*20260302~ \nLX*2~\nSV1*HC:G0283" in billed  # 97140 denied: LX 3 is 2


@pytest.mark.parametrize("lead", [" " * 5000, "\n" * 5000, "\r\n" * 3000, "\ufeff\n\n"])
def test_an_837p_after_any_amount_of_white_space_is_read_as_x12(lead, tmp_path):
    """Format detection has no fixed window: white space before the ISA, however long, is
    skipped (and kept in the billed file), whatever the file is named."""
    out = tmp_path / "billed.x12"
    assert _scrub(tmp_path, lead + MEDICARE, "--rules", RULES, "-o", str(out), name="c.json") == 0
    assert out.read_bytes().decode() == lead + MEDICARE_BILLED


def test_an_837p_after_much_white_space_on_standard_input_is_read():
    lead = "\n" * 200_000
    run = subprocess.run(
        [sys.executable, "-m", "scrubber", "scrub", "-", "--rules", RULES, "--summary", "none"],
        input=(lead + MEDICARE).encode(), capture_output=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == lead + MEDICARE_BILLED


# ---- what is written ---------------------------------------------------------------------------


def test_sv101_components_after_the_modifiers_are_kept():
    """SV101-7 (the description: an EVV visit's times) stays, in its place, when the code and
    modifiers are rewritten, and the segment is untouched when they are not."""
    text = MEDICARE.replace("SV1*HC:97014*40.00", "SV1*HC:97014:::::EVV 0900-0945*40.00")
    text = text.replace("SV1*HC:97110:GP:KX*240.00", "SV1*HC:97110:GP:KX:::IN CLINIC*240.00")
    batch, interchange = read_x12(text)
    billed = write_scrubbed(interchange, CLAIM_RULES.scrub(batch))
    assert "SV1*HC:G0283:GP::::EVV 0900-0945*40.00*UN*1***1~" in billed
    assert "SV1*HC:97110:GP:KX:CQ::IN CLINIC*160.00*UN*4***1:2~" in billed
    nothing = DEPENDENT.replace("SV1*HC:92507:GN*", "SV1*HC:92507:GN:::::SESSION 1*")
    batch, interchange = read_x12(nothing)
    assert write_scrubbed(interchange, CLAIM_RULES.scrub(batch)) == nothing


def test_sv101_is_not_rewritten_when_only_its_empty_components_differ():
    text = MEDICARE.replace("SV1*HC:97140:GP:CQ:KX*", "SV1*HC:97140:GP::CQ:KX*")
    text = text.replace("SV1*HC:97530:GP:CQ:KX*", "SV1*HC:97530:GP::CQ:KX*")
    batch, interchange = read_x12(text)
    billed = write_scrubbed(interchange, CLAIM_RULES.scrub(batch))
    assert "SV1*HC:97530:GP::CQ:KX*120.00*UN*3***2~" in billed


def test_clm02_is_left_as_written_when_only_a_modifier_changed():
    """The workers' comp claim gets GO on one line and nothing else: CLM02 written as 190 is
    190 in value, so it stays 190 (not 190.00)."""
    text = WORKERS_COMP.replace("CLM*GARCIA-0304*190.00*", "CLM*GARCIA-0304*190*")
    batch, interchange = read_x12(text)
    billed = write_scrubbed(interchange, CLAIM_RULES.scrub(batch))
    assert "SV1*HC:97140:GO*95.00*UN*2***1~" in billed
    assert "CLM*GARCIA-0304*190***11:B:1*Y*A*Y*Y**EM~" in billed


def test_nothing_billed_writes_no_837p_and_removes_yesterdays(tmp_path, capsys):
    out, result = tmp_path / "billed.x12", tmp_path / "result.json"
    out.write_text("yesterday's claims", encoding="utf-8")
    argv = ["--rules", RULES, "-o", str(out), "--result", str(result)]
    assert _scrub(tmp_path, COMMERCIAL_HELD, *argv) == 0  # held is no failure by default
    assert not out.exists()
    assert len(json.loads(result.read_text())["exceptions"]) == 2
    assert "nothing billed: no 837P written" in capsys.readouterr().err
    assert _scrub(tmp_path, COMMERCIAL_HELD, *argv, "--fail-on", "held") == 1
    capsys.readouterr()
    assert _scrub(tmp_path, COMMERCIAL_HELD, *argv, "--summary", "json") == 0
    summary = json.loads(capsys.readouterr().err)
    assert summary["notes"] == ["nothing billed: no 837P written"] and not out.exists()


def test_an_interchange_without_a_billed_claim_is_left_out(tmp_path):
    batch, interchange = read_x12(COMMERCIAL_HELD + MEDICARE)
    billed = write_scrubbed(interchange, CLAIM_RULES.scrub(batch))
    assert billed == MEDICARE_BILLED


# ---- hostile numbers (issue 24, point 4) --------------------------------------------------------

LONG_POINTER = "1" * 4301


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("***1:2~", "***\u00b2~", "SV107 points to diagnosis '\u00b2'; the claim's HI has 2"),
        ("***1:2~", f"***{LONG_POINTER}~",
         f"SV107 points to diagnosis '{'1' * 40}'... (4,261 more characters); the claim's HI has 2"),
        ("***1:2~", "***\u0661~", "SV107 points to diagnosis '\u0661'"),
        ("*240.00*", "*1E1000000*", "SV102 '1E1000000' is not an amount"),
        ("*240.00*", "*NaN*", "SV102 'NaN' is not an amount"),
        ("*240.00*", f"*{'9' * 10**6}*", "SV102 '9999999999999999999999999999999999999999'... "
         "(999,960 more characters) is not an amount"),
        ("*UN*6*", "*UN*1E99999999*", "SV104 '1E99999999' is not a whole number of units"),
        ("*UN*6*", f"*UN*{'9' * 10**6}*", "SV104 '9999999999999999999999999999999999999999'... "
         "(999,960 more characters) is not a whole number of units"),
        ("*UN*6*", "*UN*\u0666*", "SV104 '\u0666' is not a whole number of units"),
    ],
)  # fmt: skip
def test_hostile_numbers_reject_the_claim_with_a_short_message(old, new, message):
    """Checked by shape and length before any conversion: no ValueError, no decimal.Overflow,
    no hang (a 10**6-digit unit count was turned into an int before the check)."""
    batch, _ = read_x12(MEDICARE.replace(old, new, 1))
    (rejected,) = batch.rejected
    (error,) = rejected.errors
    assert message in error and len(error) < 250


def test_x12_default_role_in_pyproject(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    result = tmp_path / "result.json"
    argv = ["--rules", RULES, "-o", str(tmp_path / "b.x12"), "--result", str(result)]
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.scrubber]\nx12-default-role = "PTA"\n', encoding="utf-8")
    assert _scrub(tmp_path, NO_TAXONOMY, *argv) == 0
    assert "claims/cq" in _audit_rules(result)
    capsys.readouterr()
    pyproject.write_text("[tool.scrubber]\nx12-default-role = true\n", encoding="utf-8")
    assert _scrub(tmp_path, NO_TAXONOMY, *argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[tool.scrubber]: x12-default-role takes one of" in err
    assert err.endswith("; got true\n")  # as TOML writes it, not a Python value
