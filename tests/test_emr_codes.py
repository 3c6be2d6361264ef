"""EMR exports as a new user writes them (DESIGN §3): codes checked on input and kept exactly as
received, each bad one named with its path and shown so that a space is visible, with a
did-you-mean where one fits; an export with no records at all is an input error (exit 2) in
every format, never a clean run."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scrubber.cli import main
from scrubber.errors import ExportReadError
from scrubber.formats.emr import parse_export, read_export

EXAMPLE = json.loads(
    (Path(__file__).resolve().parent.parent / "docs" / "examples" / "emr_export.json").read_text()
)


def _document() -> dict:
    return {
        "patients": [{"id": "P1", "first_name": "Ana", "last_name": "Ruiz",
                      "birth_date": "1950-02-03",
                      "addresses": [{"type": "home", "primary": True, "line1": "1 Main St",
                                     "city": "Phoenix", "state": "AZ",
                                     "postal_code": "850041234"}]}],
        "cases": [{"id": "C1", "patient_id": "P1",
                   "insurance": {"payer_id": "MCR-AZ", "class": "medicare",
                                 "policy_start": "2026-01-01"}}],
        "visits": [
            {"id": "V1", "case_id": "C1", "date_of_service": "2026-03-02", "location": "Main St",
             "provider": {"id": "PT1", "role": "PT"}, "note_type": "daily",
             "charges": [{"id": "V1-1", "cpt": "97110", "units": 2, "minutes": 30,
                          "modifiers": [], "diagnosis_codes": ["M54.50"]}]},
            {"id": "V2", "case_id": "C1", "date_of_service": "2026-03-03", "location": "Main St",
             "provider": {"id": "PT1", "role": "PT"}, "note_type": "daily",
             "charges": [{"id": "V2-1", "cpt": "97110", "units": 2, "minutes": 30,
                          "modifiers": [], "diagnosis_codes": ["M5450"]}]},
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cpt", "97110 ", 'charges[0].cpt: expected a code of 5 capital letters or digits (97110, '
         'G0283, NORCM), got "97110 " (did you mean "97110"?)'),
        ("cpt", "9711", 'charges[0].cpt: expected a code of 5 capital letters or digits (97110, '
         'G0283, NORCM), got "9711"'),
        ("cpt", "", 'charges[0].cpt: expected a code of 5 capital letters or digits (97110, '
         'G0283, NORCM), got ""'),
        ("cpt", "g0283", 'got "g0283" (did you mean "G0283"?)'),
        ("cpt", "97110-GP", 'got "97110-GP"'),
        ("modifiers", ["gp"], 'charges[0].modifiers[0]: expected a modifier of 2 capital letters '
         'or digits (GP, 59), got "gp" (did you mean "GP"?)'),
        ("modifiers", ["GP", " 59"], 'charges[0].modifiers[1]: expected a modifier of 2 capital '
         'letters or digits (GP, 59), got " 59" (did you mean "59"?)'),
        ("modifiers", ["G"], 'got "G"'),
        ("diagnosis_codes", ["m54.50"], 'charges[0].diagnosis_codes[0]: expected an ICD-10-CM code '
         '(a letter, a digit, a letter or digit, then optionally a dot and 1 to 4 letters or '
         'digits: M54.50 or M5450), got "m54.50" (did you mean "M54.50"?)'),
        ("diagnosis_codes", ["M54.50 "], 'got "M54.50 " (did you mean "M54.50"?)'),
        ("diagnosis_codes", ["M5"], 'got "M5"'),
        ("diagnosis_codes", ["M54.50123"], 'got "M54.50123"'),
        ("diagnosis_codes", ["54.50"], 'got "54.50"'),
    ],
)  # fmt: skip
def test_a_bad_code_rejects_its_visit_with_the_value_shown(field, value, message):
    document = _document()
    document["visits"][0]["charges"][0][field] = value
    batch = parse_export(document)
    assert [v.id for v in batch.visits] == ["V2"]  # the rest is read
    (rejected,) = batch.rejected
    assert rejected.path == "visits[0]"
    assert any(error == f"visits[0].{message}" or message in error for error in rejected.errors)
    assert all(error.startswith("visits[0].charges[0].") for error in rejected.errors)


@pytest.mark.parametrize(
    ("field", "value"),
    [("cpt", "G0283"), ("cpt", "NORCM"), ("modifiers", ["GP", "59", "KX", "CQ"]),
     ("diagnosis_codes", ["M54.50", "M5450", "S83.511A", "G89.29", "R262"])],
)  # fmt: skip
def test_well_formed_codes_are_read_exactly_as_received(field, value):
    document = _document()
    document["visits"][0]["charges"][0][field] = value
    batch = parse_export(document)
    assert batch.rejected == ()
    charge = batch.visits[0].charges[0]
    assert getattr(charge, field) == (value if isinstance(value, str) else tuple(value))


def test_a_code_with_a_trailing_space_is_not_billed_silently(tmp_path, capsys):
    """Before, "97110 " skipped every rule (no GP, no MUE) and was billed: now it is a finding."""
    document = copy.deepcopy(EXAMPLE)
    visit = next(v for v in document["visits"] if v.get("charges"))
    visit["charges"][0]["cpt"] = visit["charges"][0]["cpt"] + " "
    export = tmp_path / "export.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    result = tmp_path / "result.json"
    assert main(["scrub", str(export), "-o", str(result)]) == 1
    written = json.loads(result.read_text())
    billed = {v["id"] for v in written["billed"]}
    assert visit["id"] not in billed
    assert any(r["id"] == visit["id"] for r in written["rejected"])
    assert "(did you mean" in capsys.readouterr().err


# ---- an export with no records is an input error ------------------------------------------------

EMPTY = [
    ("export.json", b""),
    ("export.json", b"  \n\t\n"),
    ("export.json", b'{"patients": [], "cases": [], "visits": []}'),
    ("export.jsonl", b""),
    ("export.jsonl", b"\n\n   \n"),
    ("export.ndjson", b"\r\n\r\n"),
    ("export.txt", b"\n"),
]


@pytest.mark.parametrize(("name", "data"), EMPTY, ids=[f"{n}-{len(d)}" for n, d in EMPTY])
def test_an_export_with_no_records_is_exit_2_in_every_format(name, data, tmp_path, capsys):
    export = tmp_path / name
    export.write_bytes(data)
    out = tmp_path / "result.json"
    assert main(["scrub", str(export), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("empty" in err or "no records" in err), err
    assert not out.exists()  # nothing left behind
    with pytest.raises(ExportReadError):
        read_export(export)
    result = tmp_path / "r.json"
    result.write_text('{"billed": [], "exceptions": [], "rejected": [], "audit": []}')
    assert main(["balance", str(export), str(result)]) == 2
    assert main(["explain", str(export), "--visit", "V1"]) == 2


@pytest.mark.parametrize("data", [b"", b"\n\n"])
def test_an_empty_export_on_standard_input_is_exit_2(data):
    for fmt in ("json", "jsonl"):
        run = subprocess.run(
            [sys.executable, "-m", "scrubber", "scrub", "-", "--input-format", fmt],
            input=data, capture_output=True, check=False,
        )  # fmt: skip
        assert run.returncode == 2, (fmt, run.stderr)
        assert run.stderr.count(b"\n") == 1 and run.stdout == b""


def test_a_json_lines_export_of_only_bad_lines_is_a_finding_not_an_empty_export(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text("not json\n\n", encoding="utf-8")
    assert main(["scrub", str(export), "-o", str(tmp_path / "r.json")]) == 1
