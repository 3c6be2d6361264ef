"""Golden files: each bad rule file in tests/golden/check has its expected ``scrubber check``
output beside it. Regenerate after a deliberate change with SCRUBBER_UPDATE_GOLDEN=1 and read
the diff before committing it."""

import os
from pathlib import Path

import pytest

from scrubber.cli import main

GOLDEN = Path(__file__).parent / "golden" / "check"
CASES = sorted(GOLDEN.glob("*.rules"))


def test_there_are_golden_cases():
    assert len(CASES) >= 10


@pytest.mark.parametrize("rules", CASES, ids=lambda p: p.stem)
def test_check_output_matches_the_golden_file(rules, capsys, monkeypatch):
    monkeypatch.chdir(GOLDEN)
    code = main(["check", rules.name])
    out = capsys.readouterr().out
    expected = rules.with_suffix(".expected")
    if os.environ.get("SCRUBBER_UPDATE_GOLDEN"):
        expected.write_text(out, encoding="utf-8")
    assert code == 1, "every golden file has at least one problem"
    assert out == expected.read_text(encoding="utf-8")
    assert "Traceback" not in out
