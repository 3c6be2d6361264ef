"""`scrubber impact` (issue 27): the visits a rule change changes, attributed to the rules
that acted differently, from the tracer of one run per side."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.actions import LANGUAGE
from scrubber.cli import main
from scrubber.engine.ruleset import RuleSet
from scrubber.formats.emr import dumps_export, read_export
from scrubber.history.store import HistoryStore
from scrubber.reports.impact import impact
from scrubber.resources import bundled_rules_dir
from scrubber.sample import sample_batch


def generate_export(visits: int, seed: int) -> str:
    return dumps_export(sample_batch(visits, seed))


CAP = 'limit timed to 2 units per day when provider.role != "other"'


def _batch():
    return sample_batch(120, 3)


def _rules(folder: Path) -> RuleSet:
    return RuleSet.compile(LANGUAGE.load_checked([folder]), stores=HistoryStore)


def _direct(result) -> dict[str, object]:
    """Each visit's outcome, read straight off a result: written here again on purpose."""
    found: dict[str, object] = {}
    for visit in result.billed:
        found[visit.id] = ("billed", [(c.cpt, c.units, c.modifiers) for c in visit.charges])
    for held in result.exceptions:
        found[held.visit_id] = (
            "held",
            [(c.cpt, c.units, c.modifiers) for c in held.charges],
            [r.message for r in held.reasons],
        )
    return found


#: (name of the edited rule, how to edit commercial.rules)
EDITS = {
    "cap": (
        "commercial/two-a-day",
        lambda text, n: text.replace(CAP, CAP.replace("to 2 units", f"to {n} units")),
    ),
    "hold": (
        "commercial/impact-hold",
        lambda text, n: text.replace(
            CAP,
            CAP + f'\n    rule impact-hold "Added": hold "Review" for timed '
            f"when charge.units > {n}",
        ),
    ),
    "replace": (
        "commercial/impact-replace",
        lambda text, n: text.replace(
            CAP,
            CAP + f"\n    rule impact-replace: replace {['97110', '97140', '97112'][n % 3]}"
            " with 97530",
        ),
    ),
}


def _edited(tmp: Path, edit: str, n: int) -> Path:
    folder = tmp / f"{edit}-{n}"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(bundled_rules_dir(), folder)
    rules = folder / "commercial.rules"
    text = rules.read_text(encoding="utf-8")
    assert CAP in text
    rules.write_text(EDITS[edit][1](text, n), encoding="utf-8")
    return folder


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edit=st.sampled_from(sorted(EDITS)), n=st.integers(0, 3))
def test_impact_lists_exactly_the_visits_a_direct_comparison_finds_changed(tmp_path, edit, n):
    before = _rules(bundled_rules_dir())
    after = _rules(_edited(tmp_path, edit, n))
    batch = _batch()
    found = impact(before, after, [batch])
    old, new = _direct(before.scrub(batch)), _direct(after.scrub(batch))
    expected = [v.id for v in batch.visits if old.get(v.id) != new.get(v.id)]
    assert [c.visit_id for c in found.changed] == expected
    rule = EDITS[edit][0]
    for change in found.changed:
        assert rule in [r.rule for r in change.rules], change
    assert found.visits == len(batch.visits)
    if found.changed:
        (total,) = [t for t in found.rules if t.rule == rule]
        assert total.visits == len(found.changed)
        assert total.units_delta == sum(c.after.units - c.before.units for c in found.changed)
        assert found.units_after - found.units_before == sum(
            c.after.units - c.before.units for c in found.changed
        )


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "export.json"
    path.write_text(generate_export(visits=120, seed=3), encoding="utf-8")
    return path


def test_the_json_contract_and_fail_on_change(tmp_path, capsys):
    export = _export(tmp_path)
    after = _edited(tmp_path, "cap", 1)
    args = ["impact", str(export), "--before", str(bundled_rules_dir()), "--after", str(after)]
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"totals", "rules", "visits"}
    assert {"visits", "visits_changed", "units_before", "units_after"} <= set(report["totals"])
    assert report["totals"]["visits_changed"] == len(report["visits"]) > 0
    (rule,) = report["rules"]
    assert rule["rule"] == "commercial/two-a-day"
    assert rule["source"].endswith("commercial.rules:11:9")
    assert rule["units_delta"] < 0
    visit = report["visits"][0]
    assert set(visit) == {"visit_id", "patient_id", "date_of_service", "before", "after", "rules"}
    assert visit["rules"][0]["rule"] == "commercial/two-a-day"
    assert main([*args, "--fail-on-change"]) == 1
    out = capsys.readouterr().out
    assert "commercial/two-a-day" in out and "changed" in out
    same = ["impact", str(export), "--before", str(bundled_rules_dir()), "--after",
            str(bundled_rules_dir()), "--fail-on-change"]  # fmt: skip
    assert main(same) == 0
    assert "; 0 changed;" in capsys.readouterr().out
    assert main([*args, "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("visit_id,patient_id,date_of_service")
    assert len(rows) == 1 + report["totals"]["visits_changed"]


def test_several_exports_and_a_history_that_is_read_and_never_written(tmp_path, capsys):
    export = _export(tmp_path)
    history = tmp_path / "history.sqlite"
    _rules(bundled_rules_dir()).scrub(read_export(export), history=history)
    digest = hashlib.sha256(history.read_bytes()).hexdigest()
    second = tmp_path / "second.json"
    second.write_text(generate_export(visits=40, seed=9), encoding="utf-8")
    after = _edited(tmp_path, "hold", 0)
    assert main(["impact", str(export), str(second), "--before", str(bundled_rules_dir()),
                 "--after", str(after), "--history", str(history), "--format", "json"]) == 0  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["visits_changed"] > 0
    assert hashlib.sha256(history.read_bytes()).hexdigest() == digest
    assert main(["impact", str(export), "--before", "x", "--after", str(after), "--history",
                 str(tmp_path / "none.sqlite")]) == 2  # fmt: skip
    assert "no such file" in capsys.readouterr().err


def _git(where: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(where), "-c", "user.name=t", "-c", "user.email=t@t",
                    *args], check=True, capture_output=True)  # fmt: skip


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_before_git_rev_takes_the_committed_rules_of_a_temporary_repository(tmp_path, capsys):
    export = _export(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    rules = repo / "clinic" / "rules"
    shutil.copytree(bundled_rules_dir(), rules)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "rules")
    text = (rules / "commercial.rules").read_text(encoding="utf-8")
    (rules / "commercial.rules").write_text(EDITS["cap"][1](text, 1), encoding="utf-8")
    assert main(["impact", str(export), "--before", "git:HEAD", "--after", str(rules),
                 "--format", "json"]) == 0  # fmt: skip
    by_git = json.loads(capsys.readouterr().out)
    explicit = _edited(tmp_path, "cap", 1)
    assert main(["impact", str(export), "--before", str(bundled_rules_dir()), "--after",
                 str(explicit), "--format", "json"]) == 0  # fmt: skip
    direct = json.loads(capsys.readouterr().out)
    assert by_git["totals"] == direct["totals"]
    assert [v["visit_id"] for v in by_git["visits"]] == [v["visit_id"] for v in direct["visits"]]
    assert by_git["totals"]["visits_changed"] > 0
    # the working tree is untouched, and a committed state impacts nothing
    assert "to 1 units" in (rules / "commercial.rules").read_text(encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "cap lowered")
    assert main(["impact", str(export), "--before", "git:HEAD", "--after", str(rules),
                 "--fail-on-change"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["impact", str(export), "--before", "git:no-such-rev", "--after",
                 str(rules)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "scrubber impact: git archive" in err and "Traceback" not in err
