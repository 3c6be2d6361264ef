"""``scrubber worklist``: every held visit and rejected record, as a specialist works them."""

from __future__ import annotations

import csv
import io
import json

import attrs
from engine_helpers import batch_of, charge, rules_from

from scrubber.cli import main
from scrubber.formats.emr import write_export
from scrubber.formats.results import dumps_result
from scrubber.model.records import Rejected
from scrubber.model.results import HoldReason
from scrubber.reports.worklist import worklist, worklist_csv, worklist_table

RULES = """\
rules any {
    rule auth "Commercial visits need the authorization number on file":
        hold "Pending Authorization" unless case.authorization_number matches /^[A-Z][0-9]{3}$/
    rule zip "Medicare needs a 9-digit ZIP":
        hold "Invalid Postal Code" unless patient.address.postal_code matches /^[0-9]{9}$/
}
"""


def _held(tmp_path, **case):
    batch = batch_of(
        {"location": "=HYPERLINK(\"http://x\")", "charges": [charge("97110", 2, 30)]},
        authorization_number="A123 ", **case,
    )  # fmt: skip
    return batch, rules_from(tmp_path, RULES).scrub(batch)


def test_a_held_visit_says_who_where_what_was_read_and_how_to_fix_it(tmp_path):
    batch, result = _held(tmp_path)
    (item,) = worklist(batch, result)
    assert (item.kind, item.visit_id, item.patient, item.payer) == (
        "held",
        "V1",
        "Ana Ruiz",
        "X (medicare)",
    )
    assert (item.location, item.provider, item.units) == ('=HYPERLINK("http://x")', "PT1 (PT)", 2)
    assert (item.rule, item.message) == ("test/auth", "Pending Authorization")
    assert item.values == (("case.authorization_number", "A123 "),)
    assert item.fix == "Commercial visits need the authorization number on file"
    table = worklist_table((item,))
    assert 'case.authorization_number = "A123 "' in table  # the trailing space shows


def test_two_reasons_are_two_items_and_rejected_records_one_per_problem(tmp_path):
    batch = batch_of({"charges": [charge("97110", 2, 30)]}, authorization_number=None)
    patient = batch.patients[0]
    address = attrs.evolve(patient.addresses[0], postal_code="85004")
    batch = attrs.evolve(batch, patients=(attrs.evolve(patient, addresses=(address,)),))
    result = rules_from(tmp_path, RULES).scrub(batch)
    result = attrs.evolve(result, rejected=(_rejected(),))
    items = worklist(batch, result)
    assert [(i.kind, i.message) for i in items] == [
        ("held", "Pending Authorization"),
        ("held", "Invalid Postal Code"),
        ("rejected", 'visits[3].charges[0].units: expected a whole number ≥ 0, got "three"'),
        ("rejected", 'visits[3].provider.role: expected one of "PT", "PTA"; got "pt"'),
    ]
    assert dict(items[1].values) == {"patient.address.postal_code": "85004"}
    assert items[0].values == (("case.authorization_number", None),)
    assert (
        items[2].fix
        == 'fix visits[3].charges[0].units in the EMR: expected a whole number ≥ 0, got "three"'
    )


def _rejected():
    return Rejected("visits[3]", "V9", (
        "visits[3].charges[0].units: expected a whole number ≥ 0, got \"three\"",
        "visits[3].provider.role: expected one of \"PT\", \"PTA\"; got \"pt\"",
    ))  # fmt: skip


def test_a_reason_written_without_a_description_takes_it_from_the_rules(tmp_path):
    batch, result = _held(tmp_path)
    bare = attrs.evolve(result, exceptions=tuple(
        attrs.evolve(h, reasons=tuple(HoldReason(r.rule, r.source, r.message) for r in h.reasons))
        for h in result.exceptions
    ))  # fmt: skip
    (item,) = worklist(batch, bare, {"test/auth": "From the rules"})
    assert item.fix == "From the rules"
    (item,) = worklist(batch, bare)
    assert item.fix == "Pending Authorization"  # the message, when nothing better is known


def test_the_csv_is_safe_and_one_line_per_item(tmp_path):
    """One line per item (the reason), after the line of its visit (the long form: the units
    on the visit's line only)."""
    batch, result = _held(tmp_path)
    visit, line = csv.DictReader(io.StringIO(worklist_csv(worklist(batch, result))))
    assert (visit["line"], visit["units"], line["line"], line["units"]) == (
        "visit",
        "2",
        "reason",
        "",
    )
    assert visit["location"] == line["location"] == '\'=HYPERLINK("http://x")'
    assert line["values"] == 'case.authorization_number = "A123 "'


def test_the_command_line_in_every_format(tmp_path, capsys):
    batch, result = _held(tmp_path)
    export, result_path = tmp_path / "e.json", tmp_path / "r.json"
    write_export(batch, export)
    result_path.write_text(dumps_result(result), encoding="utf-8")
    for view in ("table", "csv", "json", "html"):
        out = tmp_path / f"w.{view}"
        assert main(["worklist", str(export), str(result_path), "--format", view, "-o", str(out),
                     "--rules", str(tmp_path / "rules")]) == 0  # fmt: skip
    document = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    assert (document["held_visits"], document["held_units"], document["rejected_records"]) == (
        1,
        2,
        0,
    )
    assert document["items"][0]["values"] == {"case.authorization_number": "A123 "}
    page = (tmp_path / "w.html").read_text(encoding="utf-8")
    assert "&quot;A123 &quot;" in page and "=HYPERLINK" in page and "<script>" in page


def test_every_bundled_hold_says_what_to_fix_in_a_sentence():
    """A hold's description is the fix a specialist reads; "When the insured is not the patient,
    the employer's claim number, name, address and phone" stopped before saying what of them."""
    import re

    from scrubber.actions import LANGUAGE

    holds = [
        f"{source.parsed.file.stem}/{rule.id}"
        for source in LANGUAGE.sources()
        for block in source.parsed.file.blocks
        for rule in block.rules
        if type(rule.action).__name__ == "Hold"
    ]
    descriptions = LANGUAGE.descriptions()
    assert len(holds) > 10
    verb = re.compile(r"\b(is|are|must|needs?|makes|flows?)\b")
    for rule in holds:
        main = re.sub(r"^When [^,]*, ", "", descriptions[rule])  # the clause that says it
        assert verb.search(main), f"{rule}: {descriptions[rule]!r}"
    assert descriptions["workers_comp/employer"].endswith(
        "the employer's claim number, name, address and phone are required"
    )
