"""The grammar and bundled rules are found wherever the package is installed from."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import scrubber
from scrubber.resources import (
    bundled_rules_dir,
    grammar_path,
    grammar_text,
    textmate_grammar_path,
)

REPO = Path(__file__).resolve().parent.parent


def test_grammar_and_rules_are_found_from_this_installation():
    assert grammar_path().is_file()
    assert "codeset" in grammar_text()
    assert sorted(bundled_rules_dir().glob("*.rules"))
    assert (
        textmate_grammar_path().read_bytes()
        == (REPO / "editors" / "scrubber-rules.tmLanguage.json").read_bytes()
    )


def test_installed_copy_matches_the_repository():
    # Editable installs read the repository itself; wheel installs read scrubber/_data.
    packaged = Path(scrubber.__file__).parent / "_data"
    if packaged.is_dir():
        assert grammar_path().is_relative_to(packaged)
    else:
        assert grammar_path() == REPO / "grammar" / "payer_rules.lark"
    assert grammar_text() == (REPO / "grammar" / "payer_rules.lark").read_text(encoding="utf-8")


@pytest.mark.skipif(not (REPO / "pyproject.toml").is_file(), reason="needs the source tree")
def test_the_wheel_carries_grammar_rules_and_py_typed(tmp_path):
    pytest.importorskip("hatchling")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "scrubber/py.typed" in names
    assert "scrubber/_data/grammar/payer_rules.lark" in names
    assert "scrubber/_data/editors/scrubber-rules.tmLanguage.json" in names
    rule_files = {p.name for p in (REPO / "payer_rules").rglob("*") if p.is_file()}
    shipped = {Path(n).name for n in names if n.startswith("scrubber/_data/payer_rules/")}
    assert rule_files <= shipped
