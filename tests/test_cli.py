import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from scrubber.cli import main
from scrubber.formats.emr import read_export

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "emr_export.json"


def test_help_mentions_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("scrub", "check", "balance", "sample"):
        assert command in out


def test_python_dash_m_works_like_the_script(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "scrubber", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0
    assert "scrub" in run.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["scrub"], "the following arguments are required: export"),
        (["scrub", "/no/such/export.json"], "cannot read the file"),
        (["sample", "--visits", "many"], "invalid int value: 'many'"),
    ],
)
def test_usage_and_input_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_broken_json_is_one_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text('{"patients": [{"id": "P1"', encoding="utf-8")
    assert main(["scrub", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: not valid JSON")
    assert err.count("\n") == 1


def test_sample_is_deterministic_for_a_seed(tmp_path):
    paths = []
    for name in ("a.json", "b.json"):
        path = tmp_path / name
        assert main(["sample", "--visits", "30", "--seed", "5", "-o", str(path)]) == 0
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    other = tmp_path / "c.json"
    main(["sample", "--visits", "30", "--seed", "6", "-o", str(other)])
    assert other.read_bytes() != paths[0].read_bytes()


def test_sample_jsonl_is_read_back(tmp_path):
    path = tmp_path / "export.jsonl"
    assert main(["sample", "--visits", "25", "--format", "jsonl", "-o", str(path)]) == 0
    from scrubber.formats.emr import read_export

    batch = read_export(path)
    assert len(batch.visits) == 25
    assert batch.rejected == ()
    dates = [v.date_of_service for v in batch.visits]
    assert dates == sorted(dates)


def test_the_committed_example_is_what_sample_writes(tmp_path):
    path = tmp_path / "example.json"
    main(
        [
            "sample",
            "--visits",
            "200",
            "--per-day",
            "8",
            "--seed",
            "4",
            "--malformed",
            "1",
            "-o",
            str(path),
        ]
    )
    assert path.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")


def test_scrub_writes_the_result_and_a_summary(capsys):
    assert main(["scrub", str(EXAMPLE)]) == 1, "a rejected record is a finding"
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert set(result) == {"billed", "exceptions", "rejected", "audit"}
    (rejected,) = read_export(EXAMPLE).rejected
    assert [r["path"] for r in result["rejected"]] == [rejected.path]
    assert "read from the EMR" in captured.err
    assert f"rejected {rejected.path} ({rejected.id})" in captured.err


def test_scrub_with_bad_rules_prints_the_problems_and_writes_nothing(tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.rules").write_text(
        "rules any {\n rule a: limt 97110 to 1 unit per day\n}\n", encoding="utf-8"
    )
    out = tmp_path / "result.json"
    assert main(["scrub", str(EXAMPLE), "--rules", str(rules), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rules/bad.rules:2:10: E001" in err
    assert "^^^^" in err
    assert not out.exists()


def test_scrub_writes_the_audit_as_csv_and_jsonl(tmp_path):
    for name in ("audit.csv", "audit.jsonl"):
        target = tmp_path / name
        assert (
            main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--audit", str(target)])
            == 1
        )
        text = target.read_text(encoding="utf-8")
        if name.endswith(".csv"):
            assert text.startswith(
                "seq,visit_id,charge_id,patient_id,date_of_service,payer,payers,location,provider,"
                "cpt,rule,source"
            )
        else:
            assert json.loads(text.splitlines()[0])["seq"] == 1


def test_check_finds_the_bundled_rules_from_anywhere(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [sys.executable, "-m", "scrubber", "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr


def test_sample_has_the_variety_the_docs_promise():
    from scrubber.sample import sample_document

    doc = json.loads(json.dumps(sample_document(800, seed=3)))
    classes = {c["insurance"]["class"] for c in doc["cases"]}
    assert {"medicare", "commercial", "workers_comp", "auto"} <= classes
    roles = {v["provider"]["role"] for v in doc["visits"]}
    assert {"PT", "PTA"} <= roles
    codes = {c["cpt"] for v in doc["visits"] for c in v["charges"]}
    assert {"NORCM", "97161", "97110"} <= codes
    assert any(c["minutes"] for v in doc["visits"] for c in v["charges"])
    assert any(v["charges"] == [] for v in doc["visits"]), "a placeholder evaluation"
    auths = {c["authorization_number"] for c in doc["cases"]}
    assert any(a and a.endswith((" ", ".")) for a in auths), "a dirty authorization number"
    assert "0000" in auths
    assert any(p["phones"][0]["extension"] for p in doc["patients"])
    notes = {v["note_type"] for v in doc["visits"]}
    assert {"evaluation", "progress", "re_evaluation", "daily"} <= notes
    assert any(c["authorization_visits"] for c in doc["cases"])
    assert any(c["plan_of_care_end"] for c in doc["cases"])
    weeks = {}
    for v in doc["visits"]:
        weeks.setdefault(v["case_id"], set()).add(
            date.fromisoformat(v["date_of_service"]).isocalendar()[1]
        )
    assert max(len(w) for w in weeks.values()) >= 3, "cases that run several weeks"


def _rules_with_a_large_ptp(tmp_path: Path) -> Path:
    import shutil

    from scrubber.resources import bundled_rules_dir
    from scrubber.tables.cache import TableCache

    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), rules)
    table = rules / "tables" / "medicare_ptp.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    row = "{:05d},{:05d},,20200101,*,1,Synthetic filler to pass the cache threshold"
    filler = [row.format(a, b) for a in range(10000, 99999, 97) for b in range(20000, 21000, 9)]
    extra = "\n".join(filler)
    assert len(extra) >= TableCache(tmp_path).min_bytes
    table.write_text("\n".join([*lines, extra]) + "\n", encoding="utf-8")
    return rules


def test_large_tables_are_cached_in_the_cache_dir_unless_told_not_to(tmp_path, capsys):
    rules = _rules_with_a_large_ptp(tmp_path)
    cache = tmp_path / "cache"
    assert main(["check", str(rules), "--no-cache", "--cache-dir", str(cache)]) == 0
    assert not cache.exists()
    assert main(["check", str(rules), "--cache-dir", str(cache)]) == 0
    (entry,) = cache.glob("*.ptp")
    before = entry.stat().st_mtime_ns
    os.utime(entry, ns=(before - 10**9, before - 10**9))
    assert main(["scrub", str(EXAMPLE), "--rules", str(rules), "--cache-dir", str(cache),
                 "-o", str(tmp_path / "out.json"), "--fail-on", "none"]) == 0  # fmt: skip
    assert entry.stat().st_mtime_ns > before - 10**9  # read (and marked used), not rewritten
    assert list(cache.glob("*.ptp")) == [entry]
    capsys.readouterr()
