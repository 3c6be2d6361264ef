"""What the scrub summary and the reports say in words: the rule files named so that the user
finds them from where the command ran, and counts in the singular when there is one."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest

from scrubber.cli import main
from scrubber.formats.emr import read_export
from scrubber.formats.results import dumps_result
from scrubber.load import load_rules
from scrubber.model.records import Rejected
from scrubber.resources import bundled_rules_dir
from scrubber.words import plural

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "emr_export.json"
RULES = "rules any {\n    rule cap:\n        limit 97110 to 1 unit per day\n}\n"


def _summary(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, dict]:
    main([*argv, "--fail-on", "none"])
    text = capsys.readouterr().err
    main([*argv, "--fail-on", "none", "--summary", "json"])
    return text, json.loads(capsys.readouterr().err)


def test_the_bundled_rules_run_from_another_folder_say_where_they_are(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    text, document = _summary(["scrub", str(EXAMPLE), "-o", "r.json"], capsys)
    (line,) = [line for line in text.splitlines() if line.startswith("rule files: ")]
    # named as their audit entries name them, and said to be the bundled ones, with their place
    assert line.startswith("rule files: payer_rules/auto.rules, payer_rules/commercial.rules")
    assert line.endswith(f"(the bundled rules, installed in {bundled_rules_dir()})")
    assert (bundled_rules_dir() / "auto.rules").is_file()
    assert document["rule_files"][0] == "payer_rules/auto.rules"
    sources = {entry["source"].split(":")[0] for entry in json.loads(
        (tmp_path / "r.json").read_text(encoding="utf-8"))["audit"]}  # fmt: skip
    assert set(document["rule_files"]) >= sources - {"scrubber"}


def test_rule_folders_are_named_from_where_the_user_gave_them(tmp_path, monkeypatch, capsys):
    clinic = tmp_path / "clinic" / "rules"
    clinic.mkdir(parents=True)
    (clinic / "caps.rules").write_text(RULES, encoding="utf-8")
    work = tmp_path / "work"
    (work / "local").mkdir(parents=True)
    (work / "local" / "mine.rules").write_text(RULES.replace("cap:", "mine:"), encoding="utf-8")
    monkeypatch.chdir(work)
    for given, shown in [
        ("../clinic/rules", "../clinic/rules/caps.rules"),  # a relative path, as given
        ("./local/", "local/mine.rules"),
        (str(work / "local"), "local/mine.rules"),  # under the current folder: relative to it
        (str(clinic), "rules/caps.rules"),  # elsewhere: as its audit entries name it
        ("../clinic/rules/caps.rules", "../clinic/rules/caps.rules"),  # a file, as given
    ]:
        text, document = _summary(["scrub", str(EXAMPLE), "-o", "r.json", "--rules", given],
                                  capsys)  # fmt: skip
        assert document["rule_files"] == [shown], given
        assert f"rule files: {shown}\n" in text + "\n", given
        assert "bundled" not in text


def test_settings_folders_are_named_relative_to_the_settings_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "mine.rules").write_text(RULES, encoding="utf-8")
    (tmp_path / "scrubber.toml").write_text('rules = ["mine"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, document = _summary(["scrub", str(EXAMPLE), "-o", "r.json"], capsys)
    assert document["rule_files"] == ["mine/mine.rules"]


# ---- one, not ones -------------------------------------------------------------------------------


def test_plural_says_one_in_the_singular():
    assert [plural(n, "rejected record") for n in (0, 1, 2)] == [
        "0 rejected records", "1 rejected record", "2 rejected records",
    ]  # fmt: skip
    assert plural(1, "is", "are") == "1 is" and plural(3, "is", "are") == "3 are"


def test_one_more_rejected_record_is_a_record(tmp_path, capsys):
    """The summary lists 100 rejected records, then says how many more there are (100 made
    here, and the sample's own)."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bad = dict(document["visits"][0], charges=[{"id": "X", "cpt": "97110", "units": "three"}])
    document["visits"] = [dict(bad, id=f"BAD{n}") for n in range(100)] + document["visits"][1:]
    export = tmp_path / "bad.json"
    export.write_text(json.dumps(document), encoding="utf-8")
    main(["scrub", str(export), "-o", str(tmp_path / "r.json"), "--fail-on", "none"])
    err = capsys.readouterr().err
    assert "... and 1 more rejected record\n" in err + "\n"
    assert "records\n" not in err


def test_reports_say_one_visit_and_one_record(tmp_path, capsys):
    batch = read_export(EXAMPLE)
    assert len(batch.rejected) == 1
    result = load_rules().scrub(batch)
    export, scrubbed = EXAMPLE, tmp_path / "r.json"
    scrubbed.write_text(dumps_result(result), encoding="utf-8")
    assert main(["worklist", str(export), str(scrubbed)]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head.endswith(", 1 rejected record"), head
    # a result with one visit the export does not have, then with one record rejected apart
    stranger = attrs.evolve(result.billed[0], id="V-STRANGER")
    other = tmp_path / "other.json"
    other.write_text(dumps_result(attrs.evolve(result, billed=(*result.billed, stranger))),
                     encoding="utf-8")  # fmt: skip
    assert main(["balance", str(export), str(other)]) == 2
    assert "visit V-STRANGER of the result is not in the export" in capsys.readouterr().err
    extra = attrs.evolve(result, rejected=(*result.rejected, Rejected("visits[999]", "Z", ("x",))))
    other.write_text(dumps_result(extra), encoding="utf-8")
    assert main(["worklist", str(export), str(other)]) == 2
    assert "the export has 1 rejected record and the result 2" in capsys.readouterr().err
