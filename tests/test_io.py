import io
import json
from decimal import Decimal

import pytest
from hypothesis import given
from strategies import RECORDS, batches, document_of, documents_with_bad_records

from scrubber.errors import ExportReadError
from scrubber.formats.convert import converter
from scrubber.formats.emr import dumps_export, iter_jsonl, parse_export, read_export
from scrubber.sample import sample_document

CONTRACT_EXAMPLE = """{
  "patients": [{"id": "P1", "first_name": "Ana", "middle_initial": "M", "last_name": "Ruiz",
                "birth_date": "1950-02-03", "ssn": null,
                "addresses": [{"type": "home", "primary": true, "line1": "1 Main St",
                               "city": "Phoenix", "state": "AZ", "postal_code": "850041234"}],
                "phones": [{"number": "6025550100", "primary": true}]}],
  "cases": [{"id": "C1", "patient_id": "P1",
             "insurance": {"payer_id": "MCR-AZ", "class": "medicare", "subscriber_id": "1EG4TE5MK73",
                           "policy_start": "2026-01-01", "policy_end": null, "claim_number": null},
             "related_cause": "none", "injury_date": null, "accident_state": null,
             "authorization_required": false, "authorization_number": null,
             "therapy_ytd_amount": "1200.00"}],
  "visits": [{"id": "V1", "case_id": "C1", "date_of_service": "2026-03-02",
              "finalized_on": "2026-03-02", "location": "Main St",
              "provider": {"id": "PT1", "role": "PT"}, "note_type": "daily",
              "charges": [{"id": "V1-1", "cpt": "97110", "units": 3, "minutes": 38,
                           "modifiers": [], "diagnosis_codes": ["M54.50"]}]}]
}"""


def _doc() -> dict:
    return json.loads(CONTRACT_EXAMPLE)


def test_contract_example_reads_completely():
    batch = read_export(io.StringIO(CONTRACT_EXAMPLE))
    assert batch.rejected == ()
    (visit,) = batch.visits
    assert visit.charges[0].units == 3
    assert batch.case_of(visit).therapy_ytd_amount == Decimal("1200.00")
    assert str(batch.case_of(visit).therapy_ytd_amount) == "1200.00"
    assert batch.patient_of(visit).address.postal_code == "850041234"
    assert batch.patient_of(visit).phone.number == "6025550100"


def test_money_as_json_number_stays_exact():
    doc = CONTRACT_EXAMPLE.replace(
        '"therapy_ytd_amount": "1200.00"', '"therapy_ytd_amount": 2480.10'
    )
    case = read_export(io.StringIO(doc)).cases[0]
    assert str(case.therapy_ytd_amount) == "2480.10"


def test_strings_are_kept_exactly_as_received():
    doc = _doc()
    doc["cases"][0]["authorization_number"] = " A123. "
    doc["patients"][0]["first_name"] = "Ana\t"
    batch = parse_export(doc)
    assert batch.cases[0].authorization_number == " A123. "
    assert batch.patients[0].first_name == "Ana\t"


def test_the_design_example_message_for_words_as_units():
    doc = _doc()
    doc["visits"] = [dict(doc["visits"][0], id=f"V{i}") for i in range(4)]
    for i, visit in enumerate(doc["visits"]):
        visit["charges"] = [{"id": f"c{i}", "cpt": "97110", "units": 1}]
    doc["visits"][3]["charges"][0]["units"] = "three"
    batch = parse_export(doc)
    assert [v.id for v in batch.visits] == ["V0", "V1", "V2"]
    (rejected,) = batch.rejected
    assert rejected.path == "visits[3]"
    assert rejected.id == "V3"
    assert rejected.errors == (
        'visits[3].charges[0].units: expected a whole number ≥ 0, got "three"',
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda v: v["charges"][0].update(units=-2),
            "visits[0].charges[0].units: expected a whole number ≥ 0, got -2",
        ),
        (
            lambda v: v["charges"][0].update(units=2.0),
            "visits[0].charges[0].units: expected a whole number ≥ 0, got 2.0",
        ),
        (
            lambda v: v["charges"][0].update(units=True),
            "visits[0].charges[0].units: expected a whole number ≥ 0, got true",
        ),
        (
            lambda v: v["charges"][0].update(cpt=97110),
            "visits[0].charges[0].cpt: expected text, got 97110",
        ),
        (
            lambda v: v["charges"][0].update(modifiers="GP"),
            'visits[0].charges[0].modifiers: expected a list, got "GP"',
        ),
        (lambda v: v.pop("location"), "visits[0].location: required value is missing"),
        (
            lambda v: v.update(date_of_service="2026-02-30"),
            'visits[0].date_of_service: "2026-02-30" is not a calendar date',
        ),
        (
            lambda v: v.update(date_of_service="20260302"),
            'visits[0].date_of_service: expected a date as YYYY-MM-DD, got "20260302"',
        ),
        (
            lambda v: v["provider"].update(role="pta"),
            'visits[0].provider.role: expected one of "PT", "PTA", "OT", "COTA", "SLP", "student", "aide", "other"; got "pta" (did you mean "PTA"?)',
        ),
        (lambda v: v.update(case_id="C2"), 'visits[0].case_id: no case with id "C2" in the export'),
        (lambda v: v.update(charges=[5]), "visits[0].charges[0]: expected an object, got 5"),
    ],
)
def test_bad_visit_values_are_named_precisely(change, message):
    doc = _doc()
    change(doc["visits"][0])
    batch = parse_export(doc)
    assert batch.visits == ()
    (rejected,) = batch.rejected
    assert message in rejected.errors


def test_insurance_class_keeps_its_json_name_in_messages():
    doc = _doc()
    doc["cases"][0]["insurance"]["class"] = "medicar"
    batch = parse_export(doc)
    (rejected, visit_rejected) = batch.rejected
    assert rejected.errors[0].startswith('cases[0].insurance.class: expected one of "medicare"')
    assert rejected.errors[0].endswith('(did you mean "medicare"?)')
    # The visit depends on the rejected case: it is rejected too, and says why.
    assert visit_rejected.errors == ('visits[0].case_id: case "C1" was rejected (cases[0])',)


def test_non_finite_amounts_are_rejected():
    doc = _doc()
    doc["cases"][0]["therapy_ytd_amount"] = "NaN"
    assert (
        parse_export(doc)
        .rejected[0]
        .errors[0]
        .startswith("cases[0].therapy_ytd_amount: expected an amount")
    )


def test_duplicate_ids_keep_the_first_and_reject_the_later():
    doc = _doc()
    doc["visits"].append(dict(doc["visits"][0], charges=[]))
    doc["visits"].append(dict(doc["visits"][0], id="V2"))
    batch = parse_export(doc)
    assert [v.id for v in batch.visits] == ["V1"]
    assert batch.rejected[0].errors == (
        'visits[1].id: duplicate visit id "V1" (first at visits[0])',
    )
    assert batch.rejected[1].errors == (
        'visits[2].charges[0].id: duplicate charge id "V1-1" (first at visits[0].charges[0])',
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the export is empty"),
        ('{"patients": [', "not valid JSON"),
        ("[1, 2]", "expected a JSON object with patients, cases and visits"),
        ('{"patients": [], "cases": []}', 'the export has no "visits" list'),
        ('{"patients": [], "cases": [], "visits": {}}', '"visits" must be a list'),
        ('{"patients": [], "cases": [], "visits": [NaN]}', "not valid JSON"),
    ],
)
def test_unreadable_documents_raise_one_clear_error(text, message):
    with pytest.raises(ExportReadError) as info:
        read_export(io.StringIO(text), format="json")
    assert message in str(info.value)


def test_binary_file_is_a_clear_error(tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ExportReadError, match="not UTF-8 text"):
        read_export(path)


@pytest.mark.parametrize("record_type", list(RECORDS), ids=lambda t: t.__name__)
def test_every_record_round_trips_exactly(record_type):
    @given(RECORDS[record_type])
    def check(record):
        data = json.loads(json.dumps(converter.unstructure(record)), parse_float=Decimal)
        again = converter.structure(data, record_type)
        assert again == record
        # Decimal equality is numeric; the text must survive too ("1200.00" is not "1200").
        assert repr(again) == repr(record)

    check()


@given(batches())
def test_whole_batches_round_trip_through_json_and_jsonl(batch):
    for fmt in ("json", "jsonl"):
        records = batch.visits if fmt == "jsonl" else batch.patients + batch.cases + batch.visits
        if not records:  # DESIGN §3: an export with no records at all is an input error
            with pytest.raises(ExportReadError, match="holds no records"):
                read_export(io.StringIO(dumps_export(batch, fmt)), format=fmt)
            continue
        again = read_export(io.StringIO(dumps_export(batch, fmt)), format=fmt)
        assert again.rejected == ()
        assert sorted(again.visits, key=lambda v: v.id) == sorted(batch.visits, key=lambda v: v.id)
        used_cases = {v.case_id for v in batch.visits}
        if fmt == "json":
            assert again.patients == batch.patients
            assert again.cases == batch.cases
        else:
            assert {c.id for c in again.cases} == used_cases


@given(documents_with_bad_records())
def test_k_bad_records_give_exactly_k_rejections_and_every_good_record(case):
    document, batch, k = case
    result = parse_export(json.loads(json.dumps(document, default=str), parse_float=Decimal))
    assert len(result.rejected) == k
    assert all(r.path and r.errors for r in result.rejected)
    assert all(error.startswith(r.path) for r in result.rejected for error in r.errors)
    assert result.visits == batch.visits
    assert result.patients == batch.patients
    assert result.cases == batch.cases


def test_a_thousand_visits_with_fifty_bad_records_never_raise():
    document = sample_document(1000, seed=7, malformed=50)
    result = parse_export(json.loads(json.dumps(document)))
    assert len(result.visits) == 950
    assert len(result.rejected) == 50
    named = {r.id for r in result.rejected}
    assert len(named) == 50


def test_jsonl_lines_are_checked_against_each_other():
    doc = _doc()
    line = {"patient": doc["patients"][0], "case": doc["cases"][0], "visit": doc["visits"][0]}
    other_case = dict(doc["cases"][0], authorization_number="A1")
    second = {**line, "case": other_case, "visit": dict(doc["visits"][0], id="V2", charges=[])}
    third = {
        **line,
        "visit": dict(
            doc["visits"][0], id="V3", charges=[{"id": "x", "cpt": "97110", "units": "2"}]
        ),
    }
    text = "\n".join(json.dumps(x) for x in (line, second, third)) + "\n\n{broken\n"
    records = list(iter_jsonl(text.split("\n")))
    assert [type(r).__name__ for r in records] == ["LineRecord", "Rejected", "Rejected", "Rejected"]
    assert records[1].errors == ('line 2: case: case "C1" differs from the one on line 1',)
    assert records[2].errors == (
        'line 3: visit.charges[0].units: expected a whole number ≥ 0, got "2"',
    )
    assert records[3].path == "line 5"
    assert records[3].errors[0].startswith("line 5: not valid JSON")


def test_format_is_guessed_from_content_on_stdin_like_streams():
    doc = _doc()
    line = json.dumps(
        {"patient": doc["patients"][0], "case": doc["cases"][0], "visit": doc["visits"][0]}
    )
    assert [v.id for v in read_export(io.StringIO(line + "\n")).visits] == ["V1"]
    assert [v.id for v in read_export(io.StringIO(CONTRACT_EXAMPLE)).visits] == ["V1"]


def test_document_of_matches_the_writer():
    batch = parse_export(_doc())
    assert json.loads(dumps_export(batch)) == json.loads(json.dumps(document_of(batch)))
