"""A command line fit for nightly jobs and CI: versions, exit codes, several rule folders, outputs
written all or none, standard input, rule-test reports, settings files, streaming, summaries."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import attrs
import pytest

import scrubber
from scrubber.cli import main
from scrubber.formats.emr import dumps_export, read_export
from scrubber.formats.results import dumps_audit, dumps_result
from scrubber.load import load_rules

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "emr_export.json"


@pytest.fixture
def clean_export(tmp_path: Path) -> Path:
    """The sample without its rejected record."""
    batch = read_export(EXAMPLE)
    path = tmp_path / "clean.json"
    path.write_text(dumps_export(attrs.evolve(batch, rejected=())), encoding="utf-8")
    return path


def _rules(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ---- version and exit codes --------------------------------------------------------------------


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"scrubber {scrubber.__version__}"


def test_version_imports_no_command():
    # Startup (issue 29): `scrubber --version` answers before any command module is imported.
    code = (
        "import sys\nfrom scrubber.cli import main\ntry:\n    main(['--version'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('scrubber.cli.') or m == 'attrs'))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == [f"scrubber {scrubber.__version__}", "[]"]


def test_a_rejected_record_is_exit_1_and_a_clean_export_exit_0(tmp_path, clean_export, capsys):
    assert main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "a.json")]) == 1
    assert main(["scrub", str(clean_export), "-o", str(tmp_path / "b.json")]) == 0


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("none", 0), ("rejected", 0), ("held", 1), ("changed", 1), ("rejected,held", 1), ("none", 0)],
)
def test_fail_on_replaces_the_default(tmp_path, clean_export, fail_on, code, capsys):
    assert (
        main(["scrub", str(clean_export), "-o", str(tmp_path / "r.json"), "--fail-on", fail_on])
        == code
    )


def test_fail_on_none_keeps_a_rejected_record_from_failing(tmp_path, capsys):
    assert main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--fail-on", "none"]) == 0


@pytest.mark.parametrize("bad", ["sometimes", "none,held", ""])
def test_a_bad_fail_on_is_a_usage_error(tmp_path, bad, capsys):
    assert main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--fail-on", bad]) == 2
    assert "fail-on takes" in capsys.readouterr().err or bad == "none,held"


# ---- the summary adds up -----------------------------------------------------------------------


def test_the_summary_visits_add_up(tmp_path, capsys):
    assert main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--summary", "json"]) == 1
    summary = json.loads(capsys.readouterr().err)
    visits = summary["visits"]
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert visits["records"] == len(document["visits"])
    assert (
        visits["billed"] + visits["held"] + visits["nothing_to_bill"] + visits["rejected"]
        == visits["records"]
    )
    assert visits["nothing_to_bill"] > 0
    assert summary["rule_files"][0] == "payer_rules/auto.rules"
    assert summary["failed"] is True and summary["fail_on"] == ["rejected"]


def test_the_text_summary_names_every_kind_of_visit_and_the_rule_files(tmp_path, capsys):
    main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    for words in ("visit records in the export", "billed", "held on exceptions", "nothing to bill",
                  "rejected", "rule files: payer_rules/auto.rules"):  # fmt: skip
        assert words in err


# ---- several rule folders ----------------------------------------------------------------------


def test_several_rules_folders_load_as_one_set_folder_by_folder(tmp_path, capsys):
    first = _rules(
        tmp_path / "b_first",
        {"zz.rules": "rules any {\n    rule cap:\n        limit 97110 to 1 unit per day\n}\n"},
    )
    second = _rules(
        tmp_path / "a_second", {"aa.rules": "rules any {\n    rule deny:\n        deny 97110\n}\n"}
    )
    out = tmp_path / "r.json"
    assert main(["scrub", str(EXAMPLE), "--rules", str(first), "--rules", str(second), "-o", str(out),
                 "--summary", "json", "--fail-on", "none"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().err)
    assert summary["rule_files"] == ["b_first/zz.rules", "a_second/aa.rules"]
    audit = json.loads(out.read_text())["audit"]
    entries = [e for e in audit if e["visit_id"] == audit[0]["visit_id"] and e["cpt"] == "97110"]
    # the first folder's cap ran before the second folder's denial, whatever the names
    assert [e["rule"] for e in entries][:2] in (["zz/cap", "aa/deny"], ["aa/deny"])
    assert {e["rule"] for e in audit} - {"scrubber/no-charges", "scrubber/no-units"} == {
        "zz/cap",
        "aa/deny",
    }


def test_the_same_file_name_in_two_folders_is_an_error_naming_both(tmp_path, capsys):
    text = "rules any {\n    rule a:\n        drop NORCM\n}\n"
    one = _rules(tmp_path / "one", {"local.rules": text})
    two = _rules(tmp_path / "two", {"local.rules": text})
    assert (
        main(
            [
                "scrub",
                str(EXAMPLE),
                "--rules",
                str(one),
                "--rules",
                str(two),
                "-o",
                str(tmp_path / "r.json"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert (
        'two rule files are named "local"' in err
        and "one/local.rules" in err
        and "two/local.rules" in err
    )
    assert not (tmp_path / "r.json").exists()


# ---- outputs: all or none ------------------------------------------------------------------------


def test_an_output_on_an_input_is_refused_before_anything_is_read(tmp_path, capsys):
    export = tmp_path / "e.json"
    shutil.copy(EXAMPLE, export)
    before = export.read_bytes()
    assert main(["scrub", str(export), "-o", str(export)]) == 2
    assert "is an input of this run" in capsys.readouterr().err
    assert export.read_bytes() == before
    assert list(tmp_path.iterdir()) == [export], "no temporary file is left either"


def test_two_outputs_on_one_path_are_refused(tmp_path, capsys):
    target = tmp_path / "x.json"
    assert main(["scrub", str(EXAMPLE), "-o", str(target), "--audit", str(target)]) == 2
    assert "the same file" in capsys.readouterr().err
    assert not target.exists()


def test_an_output_that_cannot_be_written_is_exit_2_and_leaves_nothing(tmp_path, capsys):
    result = tmp_path / "r.json"
    assert (
        main(
            [
                "scrub",
                str(EXAMPLE),
                "-o",
                str(result),
                "--audit",
                str(tmp_path / "no" / "audit.csv"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "cannot write the audit" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_run_that_fails_leaves_none_of_its_outputs(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result, audit = tmp_path / "r.json", tmp_path / "a.csv"
    result.write_text("an older result", encoding="utf-8")
    assert main(["scrub", str(broken), "-o", str(result), "--audit", str(audit)]) == 2
    assert result.read_text() == "an older result", "an earlier output is not touched"
    assert not audit.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "r.json"]


def test_a_device_as_output_is_written_not_replaced(tmp_path, capsys):
    assert main(["scrub", str(EXAMPLE), "-o", os.devnull, "--fail-on", "none"]) == 0
    assert Path(os.devnull).is_char_device()
    assert not list(Path(os.devnull).parent.glob(".null.*.part"))


def test_balance_and_sample_write_all_or_nothing_too(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["sample", "--visits", "5", "-o", str(out)]) == 0 and out.exists()
    assert main(["balance", str(out), str(out), "-o", str(out)]) == 2
    assert "is an input of this run" in capsys.readouterr().err


# ---- standard input ------------------------------------------------------------------------------


def _cli(*argv: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrubber", *argv], input=stdin, capture_output=True, text=True,
        cwd=cwd, check=False,
    )  # fmt: skip


def test_check_and_fmt_read_standard_input(tmp_path):
    bad = "rules any { rule a: drop NORCM when charge.units == 2 }\n"
    run = _cli("check", "-", stdin=bad)
    assert run.returncode == 1 and "<stdin>:1:" in run.stdout and "E003" not in run.stdout
    good = "rules any { rule a: drop NORCM }\n"
    assert _cli("check", "-", stdin=good).returncode == 0
    run = _cli("fmt", "-", stdin=good)
    assert run.returncode == 0 and run.stdout == "rules any {\n    rule a:\n        drop NORCM\n}\n"
    assert _cli("fmt", "--check", "-", stdin=good).returncode == 1
    assert _cli("fmt", "--check", "-", stdin=run.stdout).returncode == 0
    assert _cli("fmt", "-", stdin=bad).returncode == 2


# ---- rule tests --------------------------------------------------------------------------------


def test_rule_tests_as_json_and_junit_and_filtered(tmp_path, capsys):
    assert main(["test", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 0 and report["passed"] == len(report["tests"]) > 40
    assert report["coverage"]["percent"] == 100.0
    assert main(["test", "--format", "junit", "-k", "ZIP"]) == 0
    suite = ElementTree.fromstring(capsys.readouterr().out.split("\n", 1)[1])
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names and all("zip" in name.lower() for name in names)
    assert suite.get("failures") == "0"


def test_a_failing_rule_test_is_a_junit_failure(tmp_path, capsys):
    folder = _rules(tmp_path / "rules", {
        "a.rules": "rules any {\n    rule cap:\n        limit 97110 to 1 unit per day\n}\n",
        "a.test": 'test "two units stay":\n    charge 97110 units 2\n    expect 97110 units 2\n',
    })  # fmt: skip
    assert main(["test", str(folder), "--format", "junit"]) == 1
    suite = ElementTree.fromstring(capsys.readouterr().out.split("\n", 1)[1])
    (failure,) = suite.iter("failure")
    assert failure.get("message") == "expected 97110 units 2, got 1"


def test_no_test_found_is_exit_1(tmp_path, capsys):
    folder = _rules(
        tmp_path / "rules", {"a.rules": "rules any {\n    rule a:\n        drop NORCM\n}\n"}
    )
    assert main(["test", str(folder)]) == 1
    assert "no rule tests were found" in capsys.readouterr().err
    assert main(["test", "-k", "no such test anywhere"]) == 1


# ---- settings files ------------------------------------------------------------------------------


def test_settings_in_scrubber_toml_and_the_command_line_wins(
    tmp_path, clean_export, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    _rules(
        tmp_path / "mine",
        {"mine.rules": "rules any {\n    rule cap:\n        limit 97110 to 1 unit per day\n}\n"},
    )
    (tmp_path / "scrubber.toml").write_text(
        'rules = "mine"\nhistory = "h.sqlite"\nfail-on = "held,changed"\ncache-dir = "cache"\n',
        encoding="utf-8",
    )
    assert main(["scrub", str(clean_export), "-o", "r.json", "--summary", "json"]) == 1
    summary = json.loads(capsys.readouterr().err)
    assert summary["rule_files"] == ["mine/mine.rules"] and summary["fail_on"] == [
        "changed",
        "held",
    ]
    assert (tmp_path / "h.sqlite").exists()
    assert main(["scrub", str(clean_export), "-o", "r.json", "--fail-on", "none"]) == 0
    assert main(["check"]) == 0 and "1 rule" in capsys.readouterr().out


def test_settings_in_pyproject_toml(tmp_path, clean_export, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "clinic"\n\n[tool.scrubber]\nfail-on = ["held"]\n', encoding="utf-8"
    )
    assert main(["scrub", str(clean_export), "-o", "r.json"]) == 1  # the sample holds visits


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("rules = 3\n", "rules must be a folder or a list of folders"),
        ('fail-on = "often"\n', "fail-on takes"),
        ('colour = "blue"\n', "unknown setting colour"),
        ("rules = [\n", "not valid TOML"),
    ],
)
def test_bad_settings_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys, text, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scrubber.toml").write_text(text, encoding="utf-8")
    assert main(["scrub", str(EXAMPLE), "-o", "r.json"]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1


# ---- JSON Lines stream from the command line ---------------------------------------------------


@pytest.mark.parametrize("audit", ["audit.csv", "audit.json", "audit.jsonl"])
def test_scrubbing_json_lines_streams_and_writes_the_batch_bytes(tmp_path, audit, capsys):
    batch = read_export(EXAMPLE)
    lines = tmp_path / "export.jsonl"
    lines.write_text(dumps_export(batch, "jsonl"), encoding="utf-8")
    out, audit_path = tmp_path / "r.json", tmp_path / audit
    assert (
        main(["scrub", str(lines), "-o", str(out), "--audit", str(audit_path), "--fail-on", "none"])
        == 0
    )
    whole = load_rules().scrub(read_export(lines))
    assert out.read_text(encoding="utf-8") == dumps_result(whole)
    kind = audit.rsplit(".", 1)[1]
    assert audit_path.read_text(encoding="utf-8") == dumps_audit(whole.audit, kind)  # type: ignore[arg-type]


def test_json_lines_from_the_command_line_are_scrubbed_day_by_day(tmp_path, capsys):
    batch = read_export(EXAMPLE)
    lines = dumps_export(batch, "jsonl").splitlines(keepends=True)
    path = tmp_path / "unsorted.jsonl"
    path.write_text("".join([*lines[20:], *lines[:20]]), encoding="utf-8")
    assert main(["scrub", str(path), "-o", str(tmp_path / "r.json")]) == 2
    assert "streaming needs the export sorted by date of service" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


# ---- library edges -----------------------------------------------------------------------------


def test_the_library_refuses_the_wrong_kind_of_argument_plainly():
    with pytest.raises(TypeError, match="parse_export"):
        scrubber.read_export({"patients": [], "cases": [], "visits": []})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes a Batch"):
        scrubber.load_rules().scrub({"patients": []})  # type: ignore[arg-type]


def test_the_testing_module_names_the_extra_it_needs():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'hypothesis' or name.startswith('hypothesis.'):\n"
        "            raise ImportError('no hypothesis here')\n"
        "sys.meta_path.insert(0, Block())\n"
        "try:\n"
        "    import scrubber.testing\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'charge-scrubber[test]'" in run.stdout


def test_help_of_the_package_shows_load_rules():
    run = subprocess.run(
        [sys.executable, "-c", "import pydoc, scrubber; print(pydoc.render_doc(scrubber))"],
        capture_output=True, text=True, check=True, env={**os.environ, "PAGER": "cat"},
    )  # fmt: skip
    assert "load_rules" in run.stdout and "read_export" in run.stdout


def test_audit_entries_carry_the_visits_payers_location_and_provider():
    batch = read_export(EXAMPLE)
    result = load_rules().scrub(batch)
    visits = {v.id: v for v in batch.visits}
    medicare = [e for e in result.audit if e.payer == "any" and "medicare" in e.payers]
    assert medicare, "a common rule on a Medicare visit names Medicare among its payers"
    for entry in result.audit:
        visit = visits[entry.visit_id]
        assert (entry.location, entry.provider) == (visit.location, visit.provider.id)
        assert entry.payer in (*entry.payers, "any")


def test_orjson_is_installed_by_default():
    from importlib.metadata import requires

    assert any(
        r.startswith("orjson") and "extra" not in r for r in requires("charge-scrubber") or []
    )
    from scrubber.formats import jsoncodec

    assert jsoncodec.HAVE_ORJSON


def test_outputs_get_the_mode_a_file_written_in_place_would_have(tmp_path):
    """Written through a private temporary file, an output still ends up readable as the umask
    allows (another user's import job reads it), and a file it replaces keeps its own mode."""
    export = tmp_path / "e.json"
    export.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    kept = tmp_path / "kept.json"
    kept.write_text("{}", encoding="utf-8")
    kept.chmod(0o600)
    old = os.umask(0o022)
    try:
        assert (
            main(["scrub", str(export), "-o", str(tmp_path / "new.json"), "--fail-on", "none"]) == 0
        )
        assert main(["scrub", str(export), "-o", str(kept), "--fail-on", "none"]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o644
    assert kept.stat().st_mode & 0o777 == 0o600
