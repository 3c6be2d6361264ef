"""Every file of the shared corpus of real files (DESIGN §9 and §10): X12 interchanges written by
seven other projects and excerpts of the CMS NCCI tables, read in place from
``<repo>/../shared/realworld`` (never copied into the repository; see its ``SOURCES.md`` files).

The table below states, per X12 file, what scrubbing it with the bundled rules gives: the claims
read, rejected, and the visits billed and held, or the words of the refusal; and whether pyx12's
validator accepts it. Every output of a file the validator accepts must be accepted too. pyx12
4.0 has maps for 005010X222A1 only: a file of the later addendum A2 is validated as A1 (its GS08
and ST03 read A1, in a copy), both before and after the scrub.

Without the corpus beside the clone the tests skip; under ``CI=1`` its absence is a failure (CI
has it beside the clone).
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import attrs
import pytest
from corpus import REALWORLD
from corpus import corpus as shared_corpus
from x12_validator import x12_problems

from scrubber.cli import main
from scrubber.formats.x12 import read_x12

CORPUS = REALWORLD


@attrs.frozen
class Read:
    """Read: the claims read (rejected ones included), the claims rejected, the visits billed
    and held by the bundled rules; ``clean``: pyx12 accepts the file."""

    claims: int
    rejected: int
    billed: int
    held: int
    clean: bool = False


@attrs.frozen
class Refused:
    """Refused as a whole, exit 2, with these words in its one line."""

    words: str


_837I = "the file holds an 837I institutional claim"
_4010 = "the file holds a 4010 claim (004010X098A1), a version 5010 replaced in 2012"
_X222 = "the file holds an 837P of version 005010X222, without the A1 addendum HIPAA adopted"
_INDENTED = "segment 2 ('GS') is indented with white space"


def _se01(counted: int) -> str:
    return (
        f"SE01 of the transaction set '987654' says '25' segments; it has {counted} from ST to SE"
    )


X12: dict[str, Read | Refused] = {
    "databricks__835_sample.txt": Refused("the file holds an 835 claim payment advice (005010X221A1)"),
    "databricks__837p.txt": Read(claims=2, rejected=0, billed=2, held=0, clean=True),
    "databricks__CC_837I_EDI.txt": Refused(f"{_837I} (005010X223A2)"),
    "databricks__CC_837P_EDI.txt": Read(claims=1, rejected=0, billed=2, held=0),
    "databricks__CHPW_Claimdata.txt": Read(claims=5, rejected=0, billed=5, held=0),
    "databricks__Molina_Mock_UP_837P_File.txt": Refused(
        "IEA02 '000001770' is not the ISA13 control number '000001508'"
    ),
    "edifabric__ClaimPayment.txt": Read(claims=1, rejected=0, billed=2, held=0),
    "edifabric__ClaimPaymentEVV.txt": Read(claims=1, rejected=0, billed=1, held=0),
    "edifabric__InstitutionalClaim.txt": Refused(f"{_837I} (005010X223A2)"),
    "imsweb__x12_complex.txt": Refused(_se01(147)),
    "imsweb__x12_many_claims.txt": Refused(_se01(11486)),
    "imsweb__x12_missing_elements.txt": Refused(_se01(34)),
    "imsweb__x12_multiple_gs.txt": Refused(_se01(34)),
    "imsweb__x12_multiple_isa.txt": Refused(f"interchange 1: {_se01(34)}"),
    "imsweb__x12_multiple_st.txt": Refused(_se01(34)),
    "imsweb__x12_multiple_transactions.txt": Refused(f"interchange 1: {_se01(34)}"),
    "imsweb__x12_no_errors.txt": Refused(_se01(41)),
    "imsweb__x12_segments_out_of_order.txt": Refused(_se01(34)),
    "imsweb__x12_valid.txt": Refused(_se01(34)),
    "imsweb__x12_valid_different_separators.txt": Refused(_se01(34)),
    "imsweb__x12_writer_test.txt": Refused(_se01(31)),
    "linuxforhealth__4010_patient-is-subscriber.837": Refused(_4010),
    "linuxforhealth__demo-file_demo.837": Read(claims=1, rejected=0, billed=2, held=0, clean=True),
    "linuxforhealth__demo.ambulance.example5.837": Read(claims=1, rejected=0, billed=1, held=0),
    "linuxforhealth__demo.autoaccident.837": Read(claims=1, rejected=0, billed=1, held=0, clean=True),
    # the LinuxForHealth files below write components with '>' where ISA16 declares ':'
    "linuxforhealth__demo.cob.2ndary.example4.837": Read(claims=1, rejected=1, billed=0, held=0),
    "linuxforhealth__demo.cob.example3.A.837": Read(claims=1, rejected=0, billed=1, held=0),
    "linuxforhealth__demo.cob.example3.B.837": Read(claims=1, rejected=0, billed=1, held=0, clean=True),
    "linuxforhealth__demo.cob.example3.C.837": Read(claims=1, rejected=0, billed=1, held=0, clean=True),
    "linuxforhealth__demo.cob.example4.837": Read(claims=1, rejected=0, billed=1, held=0),
    "linuxforhealth__demo.drug.example10.1.837": Read(claims=1, rejected=0, billed=1, held=0, clean=True),
    # lines dated by a range of a week (DTP*472*RD8): therapy lines are billed per date
    "linuxforhealth__demo.drug.example10.2.837": Read(claims=1, rejected=1, billed=0, held=0, clean=True),
    "linuxforhealth__demo.drug.example10.3.837": Read(claims=1, rejected=1, billed=0, held=0, clean=True),
    "linuxforhealth__demo.example1.837": Read(claims=1, rejected=0, billed=2, held=0, clean=True),
    "linuxforhealth__demo.example11.837": Read(claims=1, rejected=1, billed=0, held=0),
    "linuxforhealth__demo.example12.837": Read(claims=1, rejected=1, billed=0, held=0),
    "linuxforhealth__demo.example2.837": Read(claims=1, rejected=0, billed=2, held=0, clean=True),
    "linuxforhealth__demo.example6.837": Read(claims=1, rejected=1, billed=0, held=0),
    "linuxforhealth__demo.example7.837": Read(claims=1, rejected=0, billed=1, held=0, clean=True),
    "linuxforhealth__demo.example8.837": Read(claims=1, rejected=0, billed=1, held=0, clean=True),
    "linuxforhealth__demo.example9.837": Read(claims=1, rejected=1, billed=0, held=0),
    "linuxforhealth__institutional-claim.837i": Refused(f"{_837I} (005010X223A3)"),
    "oopfactory__837I5010_Spec_3.1.1.txt": Refused(f"{_837I} (005010X223)"),
    "oopfactory__837P4010_837_DeIdent_01.dat": Refused("the file holds an 837 of version 999999X999X9"),
    "oopfactory__837P4010_Spec_4.1.1_PatientIsSubscriber.txt": Refused(_4010),
    "oopfactory__837P5010_Example1_2_And_3_Combined.txt": Refused(_X222),
    "oopfactory__837P5010_Example1_HealthInsurance.txt": Refused(_X222),
    "oopfactory__837P5010_Example2_Encounter.txt": Refused(_X222),
    "oopfactory__837P5010_Example3_COB.txt": Refused(_X222),
    "oopfactory__837P5010_MedicaidExample.txt": Refused(_INDENTED),
    "oopfactory__837P5010_MissingEntityCode.txt": Refused(_INDENTED),
    "oopfactory__837P5010_ST1309-XX.txt": Refused(_INDENTED),
    "oopfactory__837P5010_UnicodeExample.txt": Refused("not UTF-8 text: the file is UTF-16"),
    "oopfactory__ProfessionalClaim1.txt": Refused(_X222),
    "pyx12__multiple_st_loops.txt": Refused("the file holds an 834 benefit enrollment (005010X220A1)"),
    "pyx12__x12testdata_simple_837i.txt": Refused(
        "the file holds a 4010 institutional claim (004010X096A1)"
    ),
    "pyx12__x12testdata_simple_837p.txt": Refused(_4010),
    "silvenga__complete.edi": Refused(f"{_837I} (005010X223A2)"),
}  # fmt: skip
READ = sorted(name for name, outcome in X12.items() if isinstance(outcome, Read))


@pytest.fixture(scope="module")
def corpus() -> Path:
    return shared_corpus()


def _files(corpus: Path, kind: str) -> set[str]:
    return {p.name for p in (corpus / kind).iterdir() if p.name != "SOURCES.md"}


def test_the_table_names_every_file_of_the_corpus(corpus):
    assert set(X12) == _files(corpus, "x12")


def _validator_problems(path: Path, folder: Path) -> list[str]:
    """pyx12's problems; a file of the A2 addendum is validated as A1 (pyx12 has no A2 map)."""
    data = path.read_bytes()
    if b"005010X222A2" in data:
        path = folder / f"as-a1-{path.name}"
        path.write_bytes(data.replace(b"005010X222A2", b"005010X222A1"))
    return x12_problems(path)


@pytest.mark.parametrize("name", sorted(X12))
def test_each_file_is_read_or_refused_as_the_table_says(name, corpus, tmp_path, capsys):
    source = corpus / "x12" / name
    out, result = tmp_path / "billed.x12", tmp_path / "result.json"
    argv = ["scrub", str(source), "-o", str(out), "--result", str(result), "--summary", "json",
            "--fail-on", "none"]  # fmt: skip
    code = main(argv)
    err = capsys.readouterr().err
    expected = X12[name]
    assert "Traceback" not in err
    if isinstance(expected, Refused):
        assert code == 2 and err.count("\n") == 1, err
        assert expected.words in err
        assert not out.exists() and not result.exists()  # refused before anything was scrubbed
        return
    assert code == 0, err
    summary = json.loads(err)
    document = json.loads(result.read_text())
    claims = set(_claim_ids(document))
    assert (len(claims), len(document["rejected"])) == (expected.claims, expected.rejected)
    assert (summary["visits"]["billed"], summary["visits"]["held"]) == (expected.billed,
                                                                         expected.held)  # fmt: skip
    errors = [error for record in document["rejected"] for error in record["errors"]]
    assert not any("taxonomy" in error for error in errors), errors
    if expected.billed:
        billed, _ = read_x12(out.read_bytes().decode("utf-8"))
        assert billed.rejected == ()
        assert sorted(v.id for v in billed.visits) == sorted(v["id"] for v in document["billed"])
    else:
        assert not out.exists() and summary["notes"] == ["nothing billed: no 837P written"]
    assert (_validator_problems(source, tmp_path) == []) is expected.clean
    if expected.clean and expected.billed:
        assert _validator_problems(out, tmp_path) == []


def _claim_ids(document: dict) -> list[str]:
    """The claims of a scrub result: a claim's visits are CLM01 or CLM01/DATE."""
    visits = [v["id"] for v in document["billed"]] + [h["visit_id"] for h in document["exceptions"]]
    read = {re.sub(r"/\d{4}-\d{2}-\d{2}$", "", visit) for visit in visits}
    return sorted(read) + [r["id"] or r["path"] for r in document["rejected"]]


# ---- with a default role: no claim lost for its taxonomy, therapy claims billed or held ---------

_THERAPY = ("97110", "97140", "97530", "97112", "97116")


def _as_therapy(text: str) -> str:
    """The interchange with every procedure code a therapy code (separators from its ISA)."""
    start = text.index("ISA")
    element, component = text[start + 3], text[start + 104]
    codes = iter(_THERAPY * 1000)
    pattern = re.compile(
        rf"(SV1{re.escape(element)}(?:HC|ER|WK){re.escape(component)})"
        rf"[^{re.escape(component + element + text[start + 105])}]+"
    )
    return pattern.sub(lambda found: found.group(1) + next(codes), text)


@pytest.mark.parametrize("name", READ)
def test_with_a_default_role_therapy_claims_are_billed_or_held_never_lost(name, corpus, tmp_path):
    """DESIGN §9, on the corpus with --x12-default-role PT: no claim is rejected for its
    taxonomy, and a claim whose lines are therapy codes is billed or held by a rule. The
    corpus holds no therapy codes, so each file is also scrubbed with its codes made 97xxx."""
    original = (corpus / "x12" / name).read_bytes().decode("utf-8")
    for text in (original, _as_therapy(original)):
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8"))
        result = tmp_path / "result.json"
        argv = ["scrub", str(path), "-o", str(tmp_path / "b.x12"), "--result", str(result),
                "--x12-default-role", "PT", "--fail-on", "none", "--summary", "none"]  # fmt: skip
        assert main(argv) == 0
        document = json.loads(result.read_text())
        errors = [error for record in document["rejected"] for error in record["errors"]]
        assert not any("taxonomy" in error for error in errors)
        assert len(document["rejected"]) == X12[name].rejected  # type: ignore[union-attr]
        placed = {v["id"] for v in document["billed"]} | {
            h["visit_id"] for h in document["exceptions"]
        }
        batch, _ = read_x12(text)
        assert {visit.id for visit in batch.visits} == placed  # every visit billed or held
        for held in document["exceptions"]:
            assert all(reason["rule"] for reason in held["reasons"])  # held by a rule


# ---- the CMS tables as CMS publishes them -------------------------------------------------------

MUE = "MCR_MUE_PractitionerServices_Eff_07-01-2026.excerpt.csv"
PTP = "ccipra-v322r0-f1.excerpt.txt"


def test_the_cms_files_are_the_ones_the_tests_name(corpus):
    assert _files(corpus, "cms") == {MUE, PTP}
    assert b"CPT\xae" in (corpus / "cms" / MUE).read_bytes()  # Windows-1252, as CMS publishes it


def _table(corpus: Path, rules: Path, name: str, shape: str) -> str:
    """The shared file put in the rules folder as it is (``plain``), in a ZIP, or in a folder;
    the table path a rule names."""
    tables = rules / "tables"
    tables.mkdir(parents=True)
    source = corpus / "cms" / name
    if shape == "plain":
        shutil.copyfile(source, tables / name)
        return f"tables/{name}"
    if shape == "zip":
        with zipfile.ZipFile(tables / "cms.zip", "w") as archive:
            archive.write(source, name)
        return "tables/cms.zip"
    (tables / "cms").mkdir()
    shutil.copyfile(source, tables / "cms" / name)
    return "tables/cms"


def _export(tmp_path: Path, day: str, lines: list[tuple[str, int]]) -> Path:
    charges = [
        {
            "id": f"V1-{n}",
            "cpt": code,
            "units": units,
            "modifiers": [],
            "diagnosis_codes": ["M5450"],
        }
        for n, (code, units) in enumerate(lines, start=1)
    ]
    document = {
        "patients": [{"id": "P1", "first_name": "Ana", "last_name": "Ruiz", "birth_date": "1950-02-03"}],
        "cases": [{"id": "C1", "patient_id": "P1", "insurance": {"payer_id": "MCR", "class": "medicare"}}],
        "visits": [{"id": "V1", "case_id": "C1", "date_of_service": day, "location": "Main St",
                    "provider": {"id": "PT1", "role": "PT"}, "note_type": "daily",
                    "charges": charges}],
    }  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _units(result: Path) -> dict[str, int]:
    document = json.loads(result.read_text())
    return {c["cpt"]: c["units"] for v in document["billed"] for c in v["charges"]}


@pytest.mark.parametrize("shape", ["plain", "zip", "folder"])
def test_the_real_mue_excerpt_checks_inspects_and_caps(shape, corpus, tmp_path, capsys):
    rules = tmp_path / "rules"
    table = _table(corpus, rules, MUE, shape)
    (rules / "t.rules").write_text(
        f'rules any {{\n    rule mue "MUE":\n        limit by table "{table}"\n}}\n',
        encoding="utf-8",
    )
    assert main(["check", str(rules)]) == 0
    capsys.readouterr()
    assert main(["tables", "inspect", str(rules / table), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["kind"], summary["layout"], summary["rows"], summary["codes"]) == (
        "unit", "cms", 44, 44,
    )  # fmt: skip
    assert summary["indicators"] == {"2": 30, "3": 14} and summary["units"] == [1, 2]
    export = _export(tmp_path, "2026-07-06", [("0009U", 5), ("0001U", 3), ("97110", 4)])
    result = tmp_path / "result.json"
    assert main(["scrub", str(export), "--rules", str(rules), "-o", str(result)]) == 0
    assert _units(result) == {"0009U": 2, "0001U": 1, "97110": 4}


@pytest.mark.parametrize("shape", ["plain", "zip", "folder"])
def test_the_real_ptp_excerpt_checks_inspects_and_denies(shape, corpus, tmp_path, capsys):
    rules = tmp_path / "rules"
    table = _table(corpus, rules, PTP, shape)
    (rules / "t.rules").write_text(
        f'rules any {{\n    rule ptp "PTP":\n        deny by table "{table}" per day\n}}\n',
        encoding="utf-8",
    )
    assert main(["check", str(rules)]) == 0
    capsys.readouterr()
    assert main(["tables", "inspect", str(rules / table), "--on", "2023-06-01", "--format",
                 "json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert (summary["kind"], summary["layout"], summary["rows"]) == ("pair", "cms", 154)
    # 0001A with 36591: indicator 0 from 2022-01-01 to 2023-12-31
    export = _export(tmp_path, "2023-06-01", [("0001A", 1), ("36591", 1)])
    result = tmp_path / "result.json"
    assert main(["scrub", str(export), "--rules", str(rules), "-o", str(result)]) == 0
    assert _units(result) == {"0001A": 1}
