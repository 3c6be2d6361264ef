"""Golden fixtures, one folder per action kind: rules/, export.json and the expected result.
Regenerate after a deliberate change with SCRUBBER_UPDATE_GOLDEN=1 and read the diff."""

import os
from pathlib import Path

import pytest
from engine_helpers import check_conservation

from scrubber.formats.emr import read_export
from scrubber.formats.results import dumps_result
from scrubber.load import load_rules

GOLDEN = Path(__file__).parent / "golden" / "scrub"
CASES = sorted(p for p in GOLDEN.iterdir() if p.is_dir())


def test_every_action_kind_has_a_fixture():
    kinds = {p.name for p in CASES}
    assert {
        "limit",
        "limit_total",
        "minutes_cms",
        "minutes_midpoint",
        "limit_table",
        "add_modifier",
        "remove_modifier",
        "replace",
        "drop",
        "deny",
        "deny_pair",
        "deny_table",
        "hold",
        "warn",
        "set",
        "price_table",
        "price_share",
    } <= kinds


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_scrub_matches_the_golden_result(case, monkeypatch):
    monkeypatch.chdir(case)
    batch = read_export("export.json")
    result = load_rules("rules").scrub(batch)
    check_conservation(batch, result)
    text = dumps_result(result)
    expected = case / "expected.json"
    if os.environ.get("SCRUBBER_UPDATE_GOLDEN"):
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")
