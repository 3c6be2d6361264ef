"""The reach of a rule change (scrubber.engine.reach): `impact` scrubs with the new rules only
the patients a changed rule can reach, and must find exactly what scrubbing every patient with
both rule sets finds, over days with a history, whatever the edit (issue 27's bench target)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from scrubber.actions import LANGUAGE
from scrubber.engine.reach import Reach
from scrubber.engine.ruleset import RuleSet
from scrubber.errors import RuleSetError, ScrubberError
from scrubber.history.store import HistoryStore
from scrubber.model.records import Batch
from scrubber.reports.impact import impact
from scrubber.resources import bundled_rules_dir
from scrubber.sample import sample_batch

_TWO = 'limit timed to 2 units per day when provider.role != "other"'
_GP = 'add modifier GP to therapy when provider.role in ["PT", "PTA"]'
_GO = 'add modifier GO to therapy when provider.role in ["OT", "COTA"]'
_ESTIM = 'replace 97014 with G0283 when provider.role != "other"'
_EVALS = "limit total of evals to 1 unit per visit"
#: added rules go before these lines, so that edits of one file combine
_COMMERCIAL = '    rule two-a-day "At most'
_MEDICARE = '    rule go "OT services'
_GP_RULE = f'rule gp "PT services carry GP":\n        {_GP}'
_GO_RULE = f'rule go "OT services carry GO":\n        {_GO}'

#: file -> (text found, text put instead), each a kind of edit a specialist makes
Edit = tuple[str, str, Callable[[int], str]]
EDITS: dict[str, Edit] = {
    "cap lowered": ("commercial.rules", _TWO, lambda n: _TWO.replace("to 2", f"to {n}")),
    "cap per week added": (
        "medicare.rules", _MEDICARE,
        lambda n: f"    rule weekly: limit timed to {n + 2} units per week\n{_MEDICARE}",
    ),
    "hold added": (
        "commercial.rules", _COMMERCIAL,
        lambda n: f'    rule review "Added": hold "Review" for timed when charge.units > {n}\n'
        + _COMMERCIAL,
    ),
    "replace added": (
        "commercial.rules", _COMMERCIAL,
        lambda n: f"    rule swap: replace {['97110', '97140', '97112'][n % 3]} with 97530\n"
        + _COMMERCIAL,
    ),
    # reaches only the commercial days billed with 97110, counting every commercial day before
    "counting hold added": (
        "commercial.rules", _COMMERCIAL,
        lambda n: f'    rule counted "Added": hold "Count" for 97110 when visit.year_day > {n + 1}\n'
        + _COMMERCIAL,
    ),
    # reaches the Medicare days billed with 97014 only because estim puts G0283 there
    "G0283 capped": (
        "medicare.rules", _MEDICARE,
        lambda n: f"    rule g-cap: limit G0283 to {n} units per visit\n{_MEDICARE}",
    ),
    "replace changed": ("medicare.rules", _ESTIM, lambda n: _ESTIM.replace("G0283", "97530")),
    "rule deleted": ("medicare.rules", f"rule go \"OT services carry GO\":\n        {_GO}", lambda n: ""),
    "rules swapped": (
        "medicare.rules", f"{_GP_RULE}\n    {_GO_RULE}", lambda n: f"{_GO_RULE}\n    {_GP_RULE}",
    ),
    "actions swapped": (
        "medicare.rules", f'{_GP}\n    rule go "OT services carry GO":\n        {_GO}',
        lambda n: f'{_GO}\n    rule go "OT services carry GO":\n        {_GP}',
    ),
    "description changed": ("medicare.rules", '"One evaluation per visit"', lambda n: '"Evals"'),
    "visit cap changed": ("medicare.rules", _EVALS, lambda n: _EVALS.replace("1 unit", f"{n + 1} units")),
    "codeset changed": ("common.rules", " 97140 97530", lambda n: " 97530"),
    "payer changed": (
        "commercial.rules", 'when insurance.class = "commercial"',
        lambda n: 'when insurance.class = "commercial" or insurance.class = "auto"',
    ),
    "table changed": ("tables/medicare_mue.csv", "97161,1,", lambda n: f"97161,{n + 2},"),
    "dates changed": (
        "medicare.rules", "effective 2026-01-01 through", lambda n: f"effective 2026-0{n + 1}-15 through"
    ),
    "warning added": (
        "commercial.rules", _COMMERCIAL,
        lambda n: f'    rule note: warn "Look" for timed when charge.units > {n}\n{_COMMERCIAL}',
    ),
}  # fmt: skip


def _rules(folder: Path) -> RuleSet:
    return RuleSet.compile(LANGUAGE.load_checked([folder]), stores=HistoryStore)


def _edited(tmp: Path, edits: list[str], n: int) -> Path | None:
    """The bundled rules with ``edits`` made; None when an edit undid the lines of another."""
    folder = tmp / "after"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(bundled_rules_dir(), folder)
    for name in edits:
        file, found, put = EDITS[name]
        path = folder / file
        text = path.read_text(encoding="utf-8")
        if found not in text:
            return None
        path.write_text(text.replace(found, put(n), 1), encoding="utf-8")
    return folder


def _one(tmp: Path, edits: list[str]) -> Path:
    folder = _edited(tmp, edits, 1)
    assert folder is not None
    return folder


_BATCH = sample_batch(240, 11, visits_per_day=30)
_DAYS = sorted({visit.date_of_service for visit in _BATCH.visits})


def _days(first: int, count: int) -> list[Batch]:
    return [
        attrs.evolve(_BATCH, visits=tuple(v for v in _BATCH.visits if v.date_of_service == day))
        for day in _DAYS[first : first + count]
    ]


_BEFORE = _rules(bundled_rules_dir())


def _after(tmp: Path, edits: list[str], n: int) -> RuleSet:
    """The edited rules, for a property: edits that undo each other or do not check clean
    together are assumed away ("replace added", n = 0 or 3, on 97110, then "counting hold
    added" for 97110 after it: E033, a rule that can never apply)."""
    folder = _edited(tmp, edits, n)
    assume(folder is not None)
    assert folder is not None
    try:
        return _rules(folder)
    except RuleSetError:
        assume(False)
        raise


def _history(tmp: Path, days: list[Batch]) -> Path:
    """A history of ``days`` scrubbed with the bundled rules, begun anew."""
    history = tmp / "history.sqlite"
    history.unlink(missing_ok=True)
    for batch in days:
        _BEFORE.scrub(batch, history=history)
    return history


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=3, unique=True),
    n=st.integers(0, 3),
    with_history=st.booleans(),
)
# the two ways a reach can be wrong: a code a replace puts on a line, and the unreached days
# a later reached day counts
@example(edits=["G0283 capped"], n=1, with_history=False)
@example(edits=["counting hold added"], n=0, with_history=True)
def test_scrubbing_only_the_reached_patients_finds_what_scrubbing_every_patient_finds(
    tmp_path, edits, n, with_history
):
    after = _after(tmp_path, edits, n)
    history = _history(tmp_path, _days(0, 3)) if with_history else None
    batches = _days(3, 5)
    fast = impact(_BEFORE, after, batches, history=history)
    every = impact(_BEFORE, after, batches, history=history, every_patient=True)
    assert fast.to_json() == every.to_json()
    assert fast == every


def _reach(edits: list[str], tmp_path: Path) -> Reach | None:
    return Reach.between(_BEFORE.program, _rules(_one(tmp_path, edits)).program)


@pytest.mark.parametrize(
    ("edit", "changed"),
    [
        ("cap lowered", {"commercial/two-a-day"}),
        ("hold added", {"commercial/review"}),
        ("rule deleted", {"medicare/go"}),
        ("description changed", {"medicare/evals-once"}),
        ("table changed", {"medicare/mue"}),
        ("dates changed", {"medicare/kx-2026"}),
        ("actions swapped", {"medicare/gp", "medicare/go"}),
        # every rule of the codeset's codes means something else now
        ("codeset changed", {"commercial/midpoint", "commercial/two-a-day", "medicare/gp"}),
    ],
)
def test_the_changed_rules_are_those_whose_meaning_differs(tmp_path, edit, changed):
    reach = _reach([edit], tmp_path)
    assert reach is not None
    names = {rule.name for rule in reach.changed}
    assert changed <= names
    if edit != "codeset changed":
        assert names == changed
    assert "any/no-bill" not in names


@pytest.mark.parametrize("edit", ["payer changed", "rules swapped"])
def test_a_change_beyond_the_rules_has_no_reach(tmp_path, edit):
    # the payers' definitions, or the order of the rules both sides share
    assert _reach([edit], tmp_path) is None


def test_an_unchanged_copy_reaches_no_day(tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(bundled_rules_dir(), folder)
    (folder / "medicare.rules").write_text(
        "\n\n" + (folder / "medicare.rules").read_text(encoding="utf-8"), encoding="utf-8"
    )  # every rule of the file moves two lines down: where it is written is not what it means
    reach = Reach.between(_BEFORE.program, _rules(folder).program)
    assert reach is not None and reach.changed == ()
    found = impact(_BEFORE, _rules(folder), _days(0, 2))
    assert found.changed == ()


def test_a_replace_carries_the_reach_to_the_codes_it_puts_on_lines(tmp_path):
    # estim now puts 97530 where it put G0283: a Medicare day billed with 97014 is reached
    # (the changed estim acts on it), and so, through the old estim's G0283, is nothing else
    reach = _reach(["replace changed"], tmp_path)
    assert reach is not None
    assert {rule.name for rule in reach.changed} == {"medicare/estim"}
    day = _DAYS[0]
    medicare, commercial = frozenset({"any", "medicare"}), frozenset({"any", "commercial"})
    assert reach.reaches(medicare, day, frozenset({"97014"}))
    assert not reach.reaches(commercial, day, frozenset({"97014"}))
    assert not reach.reaches(medicare, day, frozenset({"97110"}))


def test_a_changed_rule_reaches_the_codes_a_replace_puts_on_lines(tmp_path):
    # a new rule on 97530 reaches a commercial day billed with 97140 once a replace puts 97530
    # there; a day without the replaced code is not reached
    reach = _reach(["replace added", "visit cap changed"], tmp_path)
    assert reach is not None
    day = _DAYS[0]
    medicare = frozenset({"any", "medicare"})
    assert reach.reaches(medicare, day, frozenset({"97161"}))
    assert not reach.reaches(medicare, day, frozenset({"97110"}))


def test_the_reach_is_what_makes_impact_fast_enough(tmp_path):
    """A cap lowered for one payer scrubs with the new rules only that payer's patients."""
    after = _rules(_one(tmp_path, ["cap lowered"]))
    reach = Reach.between(_BEFORE.program, after.program)
    assert reach is not None
    batch = _days(0, 1)[0]
    reached = set()
    for visit in batch.visits:
        case = batch.case_of(visit)
        payers = _BEFORE.program.payers_of(batch.patient(case.patient_id), case, visit)
        codes = frozenset(c.cpt for c in visit.charges)
        if reach.reaches(payers, visit.date_of_service, codes):
            reached.add(case.patient_id)
            assert case.insurance.class_ == "commercial"
    patients = {batch.case_of(v).patient_id for v in batch.visits}
    assert 0 < len(reached) < len(patients)


def test_a_codeset_a_rule_reads_beyond_its_own_codes_is_part_of_its_meaning(tmp_path):
    # the partners of a pair edit are not the codes it selects, yet edited they change the rule
    def folder(name: str, partners: str) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / "pairs.rules").write_text(
            f"codeset partners = {partners}\n"
            "rules any {\n"
            '    rule pair "Manual therapy with activities": deny 97140 with partners per day\n'
            "}\n",
            encoding="utf-8",
        )
        return path

    old, new = _rules(folder("old", "97530")), _rules(folder("new", "97530 97110"))
    (rule,) = old.program.rules
    assert rule.codes == frozenset({"97140"}) == new.program.rules[0].codes
    reach = Reach.between(old.program, new.program)
    assert reach is not None
    assert [r.name for r in reach.changed] == ["pairs/pair", "pairs/pair"]
    same = Reach.between(old.program, _rules(folder("same", "97530")).program)
    assert same is not None and same.changed == ()


def test_a_batch_with_one_visit_id_twice_is_refused():
    # every reader refuses such an export; a batch built by hand must not reach the comparison,
    # which is by visit id
    batch = _days(0, 1)[0]
    twice = attrs.evolve(batch, visits=(*batch.visits, batch.visits[0]))
    with pytest.raises(ScrubberError, match=r'export 2: visit id "V\w+" appears twice'):
        impact(_BEFORE, _BEFORE, [batch, twice])
