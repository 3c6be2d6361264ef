"""X12 837P in and out (DESIGN §9): golden interchanges read, scrubbed and written, accepted by
pyx12's 837P 5010 validator before and after; the round trip; conservation on the X12 path; and
damaged interchanges. Regenerate the goldens after a deliberate change with
SCRUBBER_UPDATE_GOLDEN=1 and read the diff."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import attrs
import pytest
from engine_helpers import check_conservation, units_by_claim
from hypothesis import given, settings
from x12_validator import x12_problems

from scrubber.cli import main
from scrubber.formats.emr import dumps_export
from scrubber.formats.results import dumps_result
from scrubber.formats.x12 import X12Error, compose_837p, read_x12, write_scrubbed
from scrubber.load import load_rules
from scrubber.model.records import (
    Address,
    Batch,
    Charge,
    Insurance,
    InsuranceClass,
    NoteType,
    Patient,
    Provider,
    ProviderRole,
    RelatedCause,
)
from scrubber.model.results import ScrubResult
from scrubber.testing import claim_batches

GOLDEN = Path(__file__).parent / "golden" / "x12"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "input.x12").is_file())
RULES = load_rules(GOLDEN / "rules")


def _golden(path: Path, text: str) -> None:
    if os.environ.get("SCRUBBER_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="")
    assert text == path.read_bytes().decode("utf-8")


def _scrub(case: Path) -> tuple[Batch, ScrubResult, str]:
    text = (case / "input.x12").read_bytes().decode("utf-8")
    batch, interchange = read_x12(text)
    result = RULES.scrub(batch)
    return batch, result, write_scrubbed(interchange, result)


def test_the_goldens_cover_the_acceptance_cases():
    assert {p.name for p in CASES} >= {
        "medicare_pta_kx",
        "commercial_prior_auth",
        "workers_comp",
        "multi_date",
        "dependent_patient",
    }


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden_interchange_read_scrubbed_and_written(case):
    batch, result, billed = _scrub(case)
    check_conservation(batch, result)
    _golden(case / "expected_records.json", dumps_export(batch))
    _golden(case / "expected_result.json", dumps_result(result))
    _golden(case / "expected.x12", billed)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_pyx12_accepts_the_golden_input_and_the_scrubbed_output(case, tmp_path):
    assert x12_problems(case / "input.x12") == []
    _, _, billed = _scrub(case)
    written = tmp_path / "billed.x12"
    written.write_text(billed, encoding="utf-8", newline="")
    assert x12_problems(written) == []


def _read(case: str) -> Batch:
    return read_x12((GOLDEN / case / "input.x12").read_text(encoding="utf-8"))[0]


def test_medicare_claim_with_pta_lines_and_kx():
    batch = _read("medicare_pta_kx")
    (patient,) = batch.patients
    assert patient == Patient(
        "1EG4TE5MK73", "ANA", "RUIZ", date(1950, 2, 3), middle_initial="M",
        addresses=(Address("home", "1 MAIN ST", "PHOENIX", "AZ", "850041234", True),),
    )  # fmt: skip
    (case,) = batch.cases
    assert case.id == "RUIZ-0302"
    assert case.insurance == Insurance("03402", InsuranceClass.MEDICARE, "1EG4TE5MK73")
    (visit,) = batch.visits
    assert (visit.id, visit.case_id, visit.date_of_service) == ("RUIZ-0302", "RUIZ-0302",
                                                                date(2026, 3, 2))  # fmt: skip
    assert visit.location == "MESA CLINIC"
    assert visit.provider == Provider("1987654328", ProviderRole.PTA)
    assert visit.note_type is NoteType.DAILY
    assert visit.charges[0] == Charge(
        "RUIZ-0302/LX1", "97110", 6, None, ("GP", "KX"), ("M5450", "M6281"), Decimal("240.00")
    )
    assert visit.charges[1].modifiers == ("GP", "CQ", "KX")
    assert visit.charges[2].modifiers == ()
    assert visit.charges[3].diagnosis_codes == ("M6281",)  # pointer order, as written in HI


def test_medicare_scrub_names_the_claim_and_the_line_and_rescales_the_charge():
    _, result, billed = _scrub(GOLDEN / "medicare_pta_kx")
    lines = {(e.charge_id, e.rule) for e in result.audit}
    assert ("RUIZ-0302/LX1", "claims/mue") in lines  # 6 units of 97110 cut to 4
    assert ("RUIZ-0302/LX1", "claims/cq") in lines  # a PTA's timed line gets CQ
    assert ("RUIZ-0302/LX2", "claims/ptp") in lines  # 97140 with 97530, no 59 or XU
    assert ("RUIZ-0302/LX3", "claims/estim") in lines  # 97014 billed as G0283
    assert "SV1*HC:97110:GP:KX:CQ*160.00*UN*4***1:2~" in billed  # 240.00 x 4 / 6
    assert "SV1*HC:97140" not in billed
    assert "LX*2~\nSV1*HC:G0283:GP*40.00*UN*1***1~" in billed  # renumbered
    assert "CLM*RUIZ-0302*320.00***11:B:1*Y*A*Y*Y~" in billed  # 160 + 40 + 120


def test_commercial_claim_without_authorization_is_held_and_left_out():
    batch = _read("commercial_prior_auth")
    cases = {c.id: c for c in batch.cases}
    assert cases["NGUYEN-0303"].authorization_number == "PA55501"
    assert cases["OKAFOR-0303"].authorization_number is None
    assert cases["NGUYEN-0303"].insurance.class_ is InsuranceClass.COMMERCIAL
    # 2251X0800X, an orthopedic PT: a specialty of the PT's prefix
    assert {v.provider.role for v in batch.visits} == {ProviderRole.PT}
    _, result, billed = _scrub(GOLDEN / "commercial_prior_auth")
    assert [h.visit_id for h in result.exceptions] == ["OKAFOR-0303"]
    assert result.exceptions[0].reasons[0].message == "Pending Authorization"
    assert "OKAFOR" not in billed and "HL*3*" not in billed  # the subscriber loop is dropped
    assert "SV1*HC:97110*70.00*UN*2***1~" in billed  # 105.00 x 2 / 3
    assert "CLM*NGUYEN-0303*140.00*" in billed


def test_workers_comp_claim_reads_the_patient_loop_and_the_claim_number():
    batch = _read("workers_comp")
    (patient,) = batch.patients
    assert patient.id == "WCPOL44021/GARCIA,LUIS/1990-01-07"
    (case,) = batch.cases
    assert case.insurance == Insurance(
        "WC001", InsuranceClass.WORKERS_COMP, "WCPOL44021", claim_number="WC2026-00871",
        insured_is_patient=False,
    )  # fmt: skip
    assert (case.related_cause, case.injury_date) == (RelatedCause.EMPLOYMENT, date(2026, 2, 15))
    assert batch.visits[0].provider.role is ProviderRole.OT
    _, result, billed = _scrub(GOLDEN / "workers_comp")
    assert "SV1*HC:97140:GO*95.00*UN*2***1~" in billed
    assert [e.charge_id for e in result.audit] == ["GARCIA-0304/LX2"]


def test_claim_spanning_several_dates_is_a_visit_per_date():
    batch = _read("multi_date")
    assert [(v.id, v.date_of_service, len(v.charges)) for v in batch.visits] == [
        ("BROWN-WEEK10/2026-03-09", date(2026, 3, 9), 2),
        ("BROWN-WEEK10/2026-03-11", date(2026, 3, 11), 2),
        ("BROWN-WEEK10/2026-03-13", date(2026, 3, 13), 1),
    ]
    assert {v.case_id for v in batch.visits} == {"BROWN-WEEK10"}
    _, result, billed = _scrub(GOLDEN / "multi_date")
    denied = [e for e in result.audit if e.rule == "claims/ptp"]
    assert [e.charge_id for e in denied] == ["BROWN-WEEK10/LX3"]
    # the denied line is gone; the lines after it are renumbered; CLM02 re-totalled
    assert billed.count("LX*") == 4 and "LX*5" not in billed
    assert "CLM*BROWN-WEEK10*455.00*" in billed
    assert "SV1*HC:97110:GP*65.00*UN*1***1~\nDTP*472*D8*20260313~" in billed


def test_dependent_patient_comes_from_the_patient_loop():
    batch = _read("dependent_patient")
    (patient,) = batch.patients
    assert (patient.id, patient.first_name, patient.birth_date) == (
        "AET445566778/WILSON,EMMA/2012-03-04", "EMMA", date(2012, 3, 4),
    )  # fmt: skip
    (case,) = batch.cases
    assert case.insurance.subscriber_id == "AET445566778"
    assert not case.insurance.insured_is_patient
    assert batch.visits[0].provider.role is ProviderRole.SLP
    # Nothing to change: the interchange goes out byte for byte.
    _, result, billed = _scrub(GOLDEN / "dependent_patient")
    assert result.audit == ()
    assert billed == (GOLDEN / "dependent_patient" / "input.x12").read_text(encoding="utf-8")


# -- the round trip ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(claim_batches())
def test_records_written_as_837p_and_read_back_are_equal(batch):
    again, _ = read_x12(compose_837p(batch))
    assert again.rejected == ()
    assert again == batch


@settings(max_examples=5, deadline=None)
@given(batch=claim_batches())
def test_a_valid_interchange_stays_valid_after_the_scrub(batch, tmp_path_factory):
    """DESIGN §9: what pyx12's validator accepts, it accepts after the scrub (composed
    interchanges, so that the claims, holds and cuts vary; pyx12 takes about half a second a
    file, hence few examples here)."""
    folder = tmp_path_factory.mktemp("x12")
    text = compose_837p(batch)
    (folder / "composed.x12").write_text(text, encoding="utf-8")
    assert x12_problems(folder / "composed.x12") == []
    claims, interchange = read_x12(text)
    result = RULES.scrub(claims)
    billed = write_scrubbed(interchange, result)
    if not result.billed:  # nothing billed: no interchange is written at all
        assert billed == ""
        return
    (folder / "billed.x12").write_text(billed, encoding="utf-8")
    assert x12_problems(folder / "billed.x12") == []


@settings(max_examples=60, deadline=None)
@given(claim_batches())
def test_conservation_holds_on_the_x12_path(batch):
    """Any export an 837P carries, composed, read, scrubbed and written: the invariant holds,
    the billed interchange read back holds exactly the billed lines (code, units, modifiers,
    each charge scaled to its units), and each claim's CLM02 is the sum of its lines."""
    batch, interchange = read_x12(compose_837p(batch))
    result = RULES.scrub(batch)
    check_conservation(batch, result)
    out = write_scrubbed(interchange, result)
    assert write_scrubbed(interchange, RULES.scrub(batch)) == out  # deterministic
    if not result.billed:
        assert out == ""  # nothing billed: no interchange
        return
    again, _ = read_x12(out)
    assert again.rejected == ()
    assert units_by_claim(again.visits) == units_by_claim(result.billed)
    received = {c.id: c for visit in batch.visits for c in visit.charges}
    for case in {visit.case_id for visit in result.billed}:
        billed = sorted(
            (c for v in result.billed if v.case_id == case for c in v.charges),
            key=lambda c: int(c.id.rsplit("LX", 1)[1]),
        )
        read_back = [c for v in again.visits if v.case_id == case for c in v.charges]
        assert len(read_back) == len(billed)
        for line, charge in zip(read_back, billed, strict=True):
            before = received[charge.id]
            assert (line.cpt, line.units, line.modifiers) == (charge.cpt, charge.units,
                                                              charge.modifiers)  # fmt: skip
            assert before.amount is not None
            scaled = before.amount * charge.units / before.units if before.units else before.amount
            assert line.amount == scaled.quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert line.amount == charge.amount, "SV102 is the billed line's charge (§14)"
    for claim in out.split("~\nCLM*")[1:]:
        total = Decimal(claim.split("*")[1])
        lines = [Decimal(sv1.split("*")[2]) for sv1 in claim.split("~\n") if sv1.startswith("SV1*")]
        assert total == sum(lines)


# -- damaged interchanges ------------------------------------------------------------------------

MEDICARE = (GOLDEN / "medicare_pta_kx" / "input.x12").read_bytes().decode("utf-8")
LINE_1_DATE = "DTP*472*D8*20260302~\nLX*2"


def test_separators_come_from_the_isa():
    """The same interchange with other separators (element |, component >, terminator ')
    reads into the same records, and is written back with its own separators."""
    other = MEDICARE.replace("*", "|").replace(":", ">").replace("~\n", "'")
    batch, interchange = read_x12(other)
    assert batch == read_x12(MEDICARE)[0]
    billed = write_scrubbed(interchange, RULES.scrub(batch))
    assert "SV1|HC>97110>GP>KX>CQ|160.00|UN|4|||1>2'" in billed
    assert "*" not in billed and "~" not in billed


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t.replace("ISA*", "ISA|", 1),
         "the ISA segment splits into 1 elements at the separator '|'"),
        (lambda t: t[:60], "the ISA segment is 60 characters; it is always 106 (truncated?)"),
        (lambda t: t[: len(t) // 2],
         "the text after segment 16 does not end with the segment terminator '~' (truncated?)"),
        (lambda t: t[: t.index("GE*")], "the interchange ends with 'SE', not IEA (truncated?)"),
        (lambda t: t.replace("GE*1*201~\n", ""),
         "the functional group that starts at segment 2 has no GE"),
        (lambda t: t.replace("SE*38*", "SE*37*"),
         "SE01 of the transaction set '0001' says '37' segments; it has 38 from ST to SE"),
        (lambda t: t.replace("SE*38*0001", "SE*38*0002"),
         "SE02 '0002' is not the ST02 control number '0001'"),
        (lambda t: t.replace("GE*1*201", "GE*2*201"),
         "GE01 '2' and GE02 '201' do not close the group GS06 '201' of 1 transaction sets"),
        (lambda t: t.replace("IEA*1*000000201", "IEA*1*000000999"),
         "IEA02 '000000999' is not the ISA13 control number '000000201'"),
        (lambda t: "ISA" + "x" * 200, "the ISA segment's element separator 'x' is not a separator"),
        (lambda t: t.replace("IEA*1*000000201~\n", "") + t,
         "segment 42 is an ISA, but the interchange before it has no IEA (truncated?)"),
        (lambda t: t + t.replace("IEA*1*000000201", "IEA*1*000000999"),
         "interchange 2: IEA02 '000000999' is not the ISA13 control number '000000201'"),
        (lambda t: t + "GS*HC*X~\n",
         "interchange 1: the text after the IEA (segment 42) does not start another interchange "
         "(ISA)"),
        (lambda t: t.replace("HL*2*1*22*0", "HL*2*9*22*0"),
         "the HL at segment 14 names the parent HL02 '9'; its parent is the HL '1' above it"),
        (lambda t: t.replace("HL*2*1*22*0", "HL*2*1*23*0"),
         "the HL at segment 14 (level 23) has no HL of level 22 above it"),
        (lambda t: t.replace("HL*2*1*22*0", "HL*2*1*99*0"),
         "the HL at segment 14 has the level HL03 '99'; an 837P has 20 (billing provider), 22 "
         "(subscriber) and 23 (patient)"),
    ],
)  # fmt: skip
def test_a_broken_envelope_is_one_clear_error(damage, message, tmp_path, capsys):
    with pytest.raises(X12Error, match="^" + re.escape(message)):
        read_x12(damage(MEDICARE))
    path = tmp_path / "claims.x12"
    path.write_text(damage(MEDICARE), encoding="utf-8")
    assert main(["scrub", str(path), "--rules", str(GOLDEN / "rules")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: not a readable X12 interchange: {message}")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda t: t.replace("*UN*6*", "*UN*six*"),
         "ST 0001 segment 27 (SV1): SV104 'six' is not a whole number of units from 0 to 999"),
        (lambda t: t.replace("*UN*6*", "*UN*2.5*"),
         "ST 0001 segment 27 (SV1): SV104 '2.5' is not a whole number of units from 0 to 999"),
        (lambda t: t.replace("*UN*6*", "*MJ*60*"),
         "ST 0001 segment 27 (SV1): SV103 is 'MJ': therapy units are counted in units (UN); "
         "minutes or other measures are not read"),
        (lambda t: t.replace("*240.00*", "*24O.00*"),
         "ST 0001 segment 27 (SV1): SV102 '24O.00' is not an amount"),
        (lambda t: t.replace("SV1*HC:97110:GP:KX", "SV1*97110"),
         "ST 0001 segment 27 (SV1): SV101 '97110' is not a procedure code (HC:CODE)"),
        (lambda t: t.replace(LINE_1_DATE, "DTP*472*RD8*20260302-20260306~\nLX*2"),
         "ST 0001 segment 28 (DTP): DTP*472 RD8 '20260302-20260306' is a range of several "
         "days: therapy lines are billed per date (one line per date of service)"),
        (lambda t: t.replace(LINE_1_DATE, "DTP*472*D8*20260231~\nLX*2"),
         "ST 0001 segment 28 (DTP): service line 1's date of service is not a date "
         "(DTP*472*D8*CCYYMMDD)"),
        (lambda t: t.replace(LINE_1_DATE, "LX*2").replace("SE*38", "SE*37"),
         "ST 0001 segment 26 (LX): service line 1 has no date of service (DTP*472*D8)"),
        (lambda t: t.replace("***1:2~", "***1:5~"),
         "ST 0001 segment 27 (SV1): SV107 points to diagnosis '5'; the claim's HI has 2"),
        (lambda t: t.replace("DMG*D8*19500203*F~\n", "").replace("SE*38", "SE*37"),
         "ST 0001 segment 14 (NM1): the patient has no birth date (no DMG*D8*CCYYMMDD after it)"),
        (lambda t: t.replace("*MI*1EG4TE5MK73~", "~"),
         "ST 0001 segment 14 (NM1): the subscriber has no member id (NM109): the patient is "
         "named by it"),
        (lambda t: t.replace("SBR*P*18*******MB~\n", "").replace("SE*38", "SE*37"),
         "ST 0001 segment 18 (CLM): the claim has no subscriber (loop 2000B: SBR and NM1*IL)"),
    ],
)  # fmt: skip
def test_a_claim_that_cannot_be_mapped_is_rejected_with_its_segment(damage, error):
    batch, _ = read_x12(damage(MEDICARE))
    assert batch.visits == ()
    (rejected,) = batch.rejected
    assert rejected.id == "RUIZ-0302"
    assert rejected.errors == (error,)


def test_the_rest_of_the_interchange_is_read_and_billed():
    """One claim of two rejected (a duplicate CLM01): the other is read, scrubbed and written;
    the rejected one is left out of the billed interchange."""
    text = (GOLDEN / "commercial_prior_auth" / "input.x12").read_bytes().decode("utf-8")
    text = text.replace("CLM*OKAFOR-0303*", "CLM*NGUYEN-0303*")
    batch, interchange = read_x12(text)
    assert [c.id for c in batch.cases] == ["NGUYEN-0303"]
    (rejected,) = batch.rejected
    assert rejected.path == "ST 0001 segment 40"
    assert "CLM01 'NGUYEN-0303' is used by another claim" in rejected.errors[0]
    billed = write_scrubbed(interchange, RULES.scrub(batch))
    assert billed.count("CLM*") == 1 and "OKAFOR" not in billed


@pytest.mark.parametrize("single_first", [False, True])
def test_a_visit_id_that_another_claim_already_has_is_rejected(single_first):
    """A claim spanning several dates names its visits ``CLM01/DATE``; another claim whose
    CLM01 is that very text has a visit of the same id. The later of the two claims is
    rejected, naming where the first stood, whichever comes first in the file (the reader asks
    the ledger only about ids with a ``/``: the only ones that can meet)."""
    several = _read("multi_date")
    first = several.visits[0]
    clash = f"{first.case_id}/{first.date_of_service.isoformat()}"
    case = attrs.evolve(several.cases[0], id=clash)
    single = attrs.evolve(first, id=clash, case_id=clash)
    visits = (single, *several.visits) if single_first else (*several.visits, single)
    cases = (case, *several.cases) if single_first else (*several.cases, case)
    batch = attrs.evolve(several, cases=cases, visits=visits)
    again, _ = read_x12(compose_837p(batch))
    (rejected,) = again.rejected
    assert rejected.id == ("BROWN-WEEK10" if single_first else clash)
    (error,) = rejected.errors
    assert f'duplicate visit id "{clash}" (first at ST 0001 segment' in error
    assert len(again.visits) == (1 if single_first else 3)


def _subscriber(text: str, start: str) -> str:
    """The subscriber's segments (NM1*IL, N3, N4, DMG) up to the payer's NM1."""
    at = text.index(start)
    return text[at : text.index("NM1*PR", at)]


def test_a_patient_that_differs_between_claims_is_treated_as_in_json_lines():
    """The one ledger (DESIGN §2): the second claim's subscriber has the first one's member id
    but another address; billing cannot know which is right, so that claim is rejected, naming
    where the first stood, exactly as a JSON Lines line that contradicts an earlier one. The same
    details on both claims are the same patient, read once."""
    text = (GOLDEN / "commercial_prior_auth" / "input.x12").read_bytes().decode("utf-8")
    same = text.replace(
        "NM1*IL*1*OKAFOR*ADA****MI*BCA987654321", "NM1*IL*1*NGUYEN*MINH****MI*BCA123456789"
    )
    batch, _ = read_x12(same)
    (rejected,) = batch.rejected
    assert rejected.id == "OKAFOR-0303"
    assert rejected.errors == (
        'ST 0001 segment 40 (CLM): patient "BCA123456789" differs from the one on '
        "ST 0001 segment 14",
    )
    assert [c.id for c in batch.cases] == ["NGUYEN-0303"]
    nguyen = _subscriber(text, "NM1*IL*1*NGUYEN")
    twin = text.replace(_subscriber(text, "NM1*IL*1*OKAFOR"), nguyen)
    batch, _ = read_x12(twin)
    assert batch.rejected == ()
    assert [p.id for p in batch.patients] == ["BCA123456789"]
    assert [c.id for c in batch.cases] == ["NGUYEN-0303", "OKAFOR-0303"]


# -- the command line ----------------------------------------------------------------------------


def test_scrub_writes_the_billed_interchange_and_the_json_result(tmp_path, capsys):
    case = GOLDEN / "multi_date"
    out, result = tmp_path / "billed.x12", tmp_path / "result.json"
    code = main(["scrub", str(case / "input.x12"), "--rules", str(GOLDEN / "rules"),
                 "-o", str(out), "--result", str(result)])  # fmt: skip
    assert code == 0
    assert out.read_bytes() == (case / "expected.x12").read_bytes()
    assert result.read_bytes() == (case / "expected_result.json").read_bytes()
    assert "units read from the EMR" in capsys.readouterr().err


def test_x12_is_detected_by_its_isa_whatever_the_name(tmp_path):
    named = tmp_path / "claims.json"
    named.write_bytes((GOLDEN / "workers_comp" / "input.x12").read_bytes())
    out = tmp_path / "billed.x12"
    assert main(["scrub", str(named), "--rules", str(GOLDEN / "rules"), "-o", str(out)]) == 0
    assert out.read_bytes() == (GOLDEN / "workers_comp" / "expected.x12").read_bytes()
    # forced, the result without -o: the JSON result goes to --result only
    forced = tmp_path / "result.json"
    assert main(["scrub", str(named), "--input-format", "x12", "--rules", str(GOLDEN / "rules"),
                 "--result", str(forced), "-o", str(out), "--summary", "none"]) == 0  # fmt: skip
    assert forced.read_bytes() == (GOLDEN / "workers_comp" / "expected_result.json").read_bytes()


def test_balance_explain_and_worklist_read_x12(tmp_path, capsys):
    case = GOLDEN / "commercial_prior_auth"
    result = tmp_path / "result.json"
    rules = ["--rules", str(GOLDEN / "rules")]
    main(["scrub", str(case / "input.x12"), *rules, "-o", str(tmp_path / "b.x12"),
          "--result", str(result), "--summary", "none"])  # fmt: skip
    capsys.readouterr()
    assert main(["balance", str(case / "input.x12"), str(result), *rules, "--format", "json"]) == 0
    balance = json.loads(capsys.readouterr().out)
    totals = balance["totals"]
    assert balance["balanced"] and totals["unexplained_units"] == 0
    assert (totals["emr_units"], totals["billed_units"]) == (8, 4)
    assert {c["rule"]: c["units"] for c in totals["causes"]} == {
        "claims/prior-auth": 2, "claims/two-a-day": 2,
    }  # fmt: skip
    assert main(["explain", str(case / "input.x12"), "--visit", "NGUYEN-0303", *rules]) == 0
    explained = capsys.readouterr().out
    assert "claims/two-a-day" in explained and "97110 limited from 3 to 2 units" in explained
    assert main(["worklist", str(case / "input.x12"), str(result), *rules]) == 0
    assert "OKAFOR-0303" in capsys.readouterr().out


def test_line_breaks_after_terminators_are_kept_as_received():
    crlf = (GOLDEN / "dependent_patient" / "input.x12").read_bytes().decode().replace("\n", "\r\n")
    batch, interchange = read_x12(crlf)
    assert write_scrubbed(interchange, RULES.scrub(batch)) == crlf  # nothing changed
    one_line = MEDICARE.replace("~\n", "~")
    batch, interchange = read_x12(one_line)
    billed = write_scrubbed(interchange, RULES.scrub(batch))
    assert "\n" not in billed and "~SV1*HC:97110:GP:KX:CQ*160.00*UN*4***1:2~" in billed


def test_an_interchange_on_standard_input(tmp_path):
    case = GOLDEN / "workers_comp"
    run = subprocess.run(
        [sys.executable, "-m", "scrubber", "scrub", "-", "--rules", str(GOLDEN / "rules"),
         "--summary", "none"],
        input=(case / "input.x12").read_bytes(), capture_output=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout == (case / "expected.x12").read_bytes()


def test_an_ssn_stays_in_the_claim_and_out_of_everything_else(tmp_path, capsys):
    """REF*SY is part of the claim and goes out with it; the result, the audit and the
    messages never show it whole."""
    text = (GOLDEN / "dependent_patient" / "input.x12").read_bytes().decode()
    text = text.replace("DMG*D8*20120304*F~\n", "DMG*D8*20120304*F~\nREF*SY*912345678~\n")
    text = text.replace("SE*36*", "SE*37*").replace("*UN*1***1~", "*UN*1***9~")  # rejected
    claims = tmp_path / "claims.x12"
    claims.write_text(text.replace("*UN*1***9~", "*UN*1***1~"), encoding="utf-8")
    out, result, audit = tmp_path / "b.x12", tmp_path / "r.json", tmp_path / "a.csv"
    argv = ["scrub", str(claims), "--rules", str(GOLDEN / "rules"), "-o", str(out),
            "--result", str(result), "--audit", str(audit)]  # fmt: skip
    assert main(argv) == 0
    assert "REF*SY*912345678~" in out.read_text(encoding="utf-8")
    assert read_x12(text)[0].rejected  # the damaged claim is rejected...
    claims.write_text(text, encoding="utf-8")
    assert main(argv) == 1
    shown = capsys.readouterr().err + result.read_text() + audit.read_text()
    assert "912345678" not in shown and "912-34-5678" not in shown  # ...without its SSN


def test_nothing_billed_is_no_interchange_at_all(tmp_path):
    """DESIGN §9: an interchange without a claim is one a clearinghouse refuses (pyx12 says
    "Mandatory loop GS_LOOP missing"): when nothing is billed, nothing is written."""
    text = (GOLDEN / "commercial_prior_auth" / "input.x12").read_bytes().decode()
    text = text.replace("REF*G1*PA55501~\n", "").replace("SE*50*", "SE*49*")  # both held
    batch, interchange = read_x12(text)
    result = RULES.scrub(batch)
    assert result.billed == () and len(result.exceptions) == 2
    assert write_scrubbed(interchange, result) == ""


def _transaction_set(case: str, control: str) -> str:
    text = (GOLDEN / case / "input.x12").read_bytes().decode()
    body = text[text.index("ST*837*") : text.index("GE*")]
    return body.replace("*0001*005010X222A1~", f"*{control}*005010X222A1~").replace(
        "*0001~", f"*{control}~"
    )


def test_groups_and_transaction_sets_left_without_claims_are_dropped_and_recounted(tmp_path):
    """Two groups: the first with two transaction sets (one of them all held), the second with
    one all held. The billed interchange keeps one group of one set, GE01 and IEA01 recounted."""
    held_commercial = (
        _transaction_set("commercial_prior_auth", "0002")
        .replace("REF*G1*PA55501~\n", "")
        .replace("SE*50*", "SE*49*")
    )
    held_wc = _transaction_set("workers_comp", "0003").replace("REF*Y4*WC2026-00871~\n", "")
    held_wc = held_wc.replace("SE*37*", "SE*36*")
    isa = MEDICARE.splitlines(keepends=True)[0]
    text = (
        isa
        + "GS*HC*DESERTPT*CLEARINGHOUSE*20260302*0930*201*X*005010X222A1~\n"
        + _transaction_set("medicare_pta_kx", "0001") + held_commercial + "GE*2*201~\n"
        + "GS*HC*DESERTPT*CLEARINGHOUSE*20260302*0930*202*X*005010X222A1~\n"
        + held_wc + "GE*1*202~\n"
        + "IEA*2*000000201~\n"
    )  # fmt: skip
    source = tmp_path / "three.x12"
    source.write_text(text, encoding="utf-8")
    assert x12_problems(source) == []
    batch, interchange = read_x12(text)
    result = RULES.scrub(batch)
    assert sorted(h.visit_id for h in result.exceptions) == [
        "GARCIA-0304", "NGUYEN-0303", "OKAFOR-0303",
    ]  # fmt: skip
    billed = write_scrubbed(interchange, result)
    assert billed.count("ST*837*") == 1 and billed.count("GS*HC*") == 1
    assert "GE*1*201~\n" in billed and billed.endswith("IEA*1*000000201~\n")
    assert billed == (GOLDEN / "medicare_pta_kx" / "expected.x12").read_bytes().decode()
    written = tmp_path / "billed.x12"
    written.write_text(billed, encoding="utf-8")
    assert x12_problems(written) == []


def test_a_claim_without_an_id_is_rejected():
    batch, _ = read_x12(MEDICARE.replace("CLM*RUIZ-0302*", "CLM**"))
    (rejected,) = batch.rejected
    assert (rejected.path, rejected.id) == ("ST 0001 segment 19", None)
    assert rejected.errors == ("ST 0001 segment 19 (CLM): the claim has no id (CLM01): its "
                               "visits and lines are named by it",)  # fmt: skip


def test_a_secondary_claim_is_billed_to_its_own_payer():
    """Medicare billed as the secondary payer: loops 2320 and 2330 name the primary payer
    (commercial, SBR09 CI) and its rendering provider; the claim's class, payer and provider
    are still those of 2000B, 2010BB and 2310B."""
    batch = _read("medicare_secondary")
    assert batch.rejected == ()
    (case,) = batch.cases
    assert case.insurance == Insurance("03402", InsuranceClass.MEDICARE, "1EG4TE5MK73")
    assert {v.provider for v in batch.visits} == {Provider("1987654328", ProviderRole.PTA)}


def test_clm02_is_the_sum_of_the_lines_even_when_nothing_else_changed():
    """A claim received with a CLM02 that is not its lines' sum goes out with the sum; one
    written as 150 instead of 150.00 goes out untouched."""
    text = (GOLDEN / "dependent_patient" / "input.x12").read_bytes().decode()
    batch, interchange = read_x12(
        text.replace("CLM*WILSON-E-0305*150.00*", "CLM*WILSON-E-0305*99*")
    )
    assert "CLM*WILSON-E-0305*150.00*" in write_scrubbed(interchange, RULES.scrub(batch))
    same = text.replace("CLM*WILSON-E-0305*150.00*", "CLM*WILSON-E-0305*150*")
    batch, interchange = read_x12(same)
    assert write_scrubbed(interchange, RULES.scrub(batch)) == same


def test_a_zero_line_amount_is_placed_as_zero() -> None:
    """A line charged nothing (SV102 ``0.00`` or ``-0``) is placed with the amount ``0``, as
    before the reader read less (fb1dde9): the place's amount is the same value and the same
    text whatever zero the SV1 writes."""
    text = (GOLDEN / "dependent_patient" / "input.x12").read_bytes().decode("utf-8")
    for zero in ("0.00", "-0", "0"):
        changed = text.replace("SV1*HC:92507:GN*150.00*", f"SV1*HC:92507:GN*{zero}*")
        assert changed != text
        _, interchange = read_x12(changed)
        (line,) = interchange.claims[0].lines
        assert repr(line.amount) == "Decimal('0')"
