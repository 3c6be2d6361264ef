"""docs/testing.md's recipe for properties over random rule sets, taken from the page and run, so
the page cannot drift from what works (issue 25 #4); and ``rules_from_text``, its helper."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import Phase

import scrubber
from scrubber.errors import RuleSetError, UsageError

PAGE = Path(__file__).resolve().parent.parent / "docs" / "testing.md"


def _recipe() -> str:
    blocks = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.M | re.S)
    found = [block for block in blocks if "rules_from_text" in block]
    assert len(found) == 1, "docs/testing.md has one recipe that compiles drawn rule text"
    return found[0]


def _namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "recipe"}
    exec(compile(_recipe(), str(PAGE), "exec"), namespace)
    return namespace


def test_the_recipe_passes_under_pytest_as_a_reader_runs_it(tmp_path):
    script = tmp_path / "test_recipe.py"
    script.write_text(_recipe(), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(script)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-2000:] + run.stderr


def test_the_recipe_does_not_shrink_as_the_page_says():
    test = next(v for k, v in _namespace().items() if k.startswith("test_"))
    phases = test._hypothesis_internal_use_settings.phases
    assert Phase.generate in phases and Phase.shrink not in phases


def test_the_recipe_finds_a_lost_unit(monkeypatch):
    """A scrub that loses a billed visit's units fails the recipe's property: it can fail."""
    namespace = _namespace()
    test = next(v for k, v in namespace.items() if k.startswith("test_"))
    scrub = scrubber.RuleSet.scrub

    def losing(self: Any, batch: Any, **options: Any) -> Any:
        result = scrub(self, batch, **options)
        return attrs.evolve(result, billed=result.billed[:-1])

    monkeypatch.setattr(scrubber.RuleSet, "scrub", losing)
    with pytest.raises(AssertionError):
        test()


RULES = (
    'payer medicare "Medicare" when insurance.class = "medicare"\n'
    "rules medicare {\n"
    '    rule cap "Two units a day":\n'
    "        limit 97110 to 2 units per day\n"
    "}\n"
)


def test_rules_from_text_compiles_one_file_and_a_folder_with_tables():
    from engine_helpers import batch_of, charge

    batch = batch_of({"charges": [charge("97110", 4), charge("97035", 3)]})
    result = scrubber.rules_from_text(RULES).scrub(batch)
    assert [(e.rule, e.source, e.after) for e in result.audit] == [
        ("rules/cap", "rules/rules.rules:4:9", 2)
    ]
    folder = {
        "medicare.rules": RULES.replace(
            "}\n", '    rule mue:\n        limit by table "tables/mue.csv" per day\n}\n'
        ),
        "tables/mue.csv": "code,units\n97035,1\n",
    }
    result = scrubber.rules_from_text(folder).scrub(batch)
    assert [(e.rule, e.cpt, e.after) for e in result.audit] == [
        ("medicare/cap", "97110", 2), ("medicare/mue", "97035", 1),
    ]  # fmt: skip


def test_rules_from_text_raises_one_error_with_every_problem():
    text = (
        RULES.replace("per day", "per dayy")
        + "rules nobody {\n    rule x:\n        drop NORCM\n}\n"
    )
    with pytest.raises(RuleSetError) as caught:
        scrubber.rules_from_text(text)
    assert [(e.code, e.line) for e in caught.value.errors] == [("E016", 4), ("E011", 6)]
    message = str(caught.value)
    assert message.startswith("2 problems in the rules:")
    assert "rules/rules.rules:4:" in message and "rules/rules.rules:6:" in message
    assert "^" in caught.value.errors[0].format()


@pytest.mark.parametrize(
    ("files", "error", "words"),
    [
        ({"../medicare.rules": RULES}, UsageError, '"../medicare.rules" is not a file name inside'),
        ({"/tmp/medicare.rules": RULES}, UsageError, "is not a file name inside"),
        ({".": RULES, "a.rules": RULES}, UsageError, '"." is not a file name inside'),
        ({"tables/mue.csv": "code,units\n"}, UsageError, "no rule file among the names"),
        (
            {"a.rules": RULES, "a.rules/b.csv": ""},
            UsageError,
            'cannot use the file name "a.rules/b.csv"',
        ),
        ({None: RULES}, TypeError, "a file name is text, not NoneType"),
        ({"a.rules": b"rules"}, TypeError, "the text of a.rules is bytes"),
        (["a.rules"], TypeError, "not list"),
    ],
)
def test_rules_from_text_refuses_what_is_not_a_rules_folder_plainly(files, error, words):
    with pytest.raises(error) as caught:
        scrubber.rules_from_text(files)
    assert words in str(caught.value)
    assert "None" not in str(caught.value).replace("NoneType", "")
