"""Every command and Python snippet of README.md and docs/ runs, as a reader would run it.

The blocks of one page run in order in one working folder holding the files the docs name
(``export.json``, ``payer_rules/``, the day files of docs/history.md, the parts of
docs/distributed.md). A shell command may exit 0 or 1 (1 is a finding, such as a rejected record
in the sample); never 2, never with a traceback. Python snippets exit 0; a snippet that defines
``test_`` functions is run with pytest. Installation commands are what CI itself runs
(``.ci/run``), so they are the only lines skipped here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from scrubber.formats.emr import dumps_export, read_export

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: lines that install scrubber: CI runs them (README's two commands are its own)
INSTALLS = re.compile(r"^\s*(pip|python3? -m (venv|pip))\b")


@attrs.frozen
class Block:
    page: Path
    line: int
    language: str
    text: str


def _blocks(page: Path) -> list[Block]:
    found, inside, start, lines, language = [], False, 0, [], ""
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        fence = re.match(r"^\s*```(\S*)\s*$", line)
        if fence and not inside:
            inside, start, lines, language = True, number, [], fence.group(1)
        elif fence and inside:
            inside = False
            if language in ("sh", "python"):
                found.append(Block(page, start, language, "\n".join(lines) + "\n"))
        elif inside:
            lines.append(line)
    return found


BLOCKS = [block for page in PAGES for block in _blocks(page)]


def test_the_docs_have_commands_and_snippets_to_run():
    languages = {b.language for b in BLOCKS}
    assert languages == {"sh", "python"} and len(BLOCKS) >= 10


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the files the docs name."""
    folder = tmp_path_factory.mktemp("docs")
    example = ROOT / "docs" / "examples" / "emr_export.json"
    (folder / "docs" / "examples").mkdir(parents=True)
    shutil.copy(example, folder / "docs" / "examples" / "emr_export.json")
    billing = ROOT / "docs" / "examples" / "billing_charges.csv"
    shutil.copy(billing, folder / "docs" / "examples" / "billing_charges.csv")
    for name in ("export.json", "big.json", "day.json"):
        shutil.copy(example, folder / name)
    shutil.copytree(ROOT / "payer_rules", folder / "payer_rules")
    # docs/x12.md: an 837P and rules for claims (those of the X12 tests)
    x12 = ROOT / "tests" / "golden" / "x12"
    shutil.copy(x12 / "commercial_prior_auth" / "input.x12", folder / "claims.x12")
    shutil.copytree(x12 / "rules", folder / "claims_rules")
    (folder / "my.rules").write_text(
        'payer mine "Mine" when insurance.payer_id = "BCBS-AZ"\n'
        "rules mine {\n    rule cap:\n        limit 97110 to 2 units per day\n}\n",
        encoding="utf-8",
    )
    batch = read_export(example)
    for day in ("2026-03-02", "2026-03-03"):
        visits = tuple(v for v in batch.visits if v.date_of_service.isoformat() == day)
        part = attrs.evolve(batch, visits=visits, rejected=())
        (folder / f"day-{day}.json").write_text(dumps_export(part), encoding="utf-8")
    lines = dumps_export(attrs.evolve(batch, rejected=()), "jsonl").splitlines(keepends=True)
    (folder / "export").mkdir()
    for n, cut in enumerate(range(0, len(lines), 70)):
        (folder / "export" / f"part-{n:03d}.jsonl").write_text("".join(lines[cut : cut + 70]))
    return folder


def _environment() -> dict[str, str]:
    """The reader's shell: the scrubber command of this installation first on the PATH."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONPATH", None)
    return env


def _commands(text: str) -> list[str]:
    joined = text.replace("\\\n", " ")
    return [
        line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_and_snippet_of_the_page_runs(page: Path, workspace: Path) -> None:
    for block in [b for b in BLOCKS if b.page == page]:
        where = f"{page.name}:{block.line}"
        if block.language == "sh":
            for command in _commands(block.text):
                if INSTALLS.match(command):
                    continue
                run = subprocess.run(
                    ["bash", "-c", command], cwd=workspace, env=_environment(),
                    capture_output=True, text=True, timeout=300, check=False,
                )  # fmt: skip
                assert run.returncode in (0, 1), f"{where}: {command}\n{run.stderr}"
                assert "Traceback" not in run.stderr, f"{where}: {command}\n{run.stderr}"
            continue
        script = workspace / f"snippet_{page.stem}_{block.line}.py"
        script.write_text(block.text, encoding="utf-8")
        if "def test_" in block.text:
            argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(script)]
        else:
            argv = [sys.executable, str(script)]
        run = subprocess.run(
            argv, cwd=workspace, env=_environment(), capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        assert run.returncode == 0, f"{where}\n{run.stdout}\n{run.stderr}"
