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


#: an install line naming ``scrubber`` itself: that name on the package index is another
#: project (an HTML sanitizer), which ``pip install -U`` would put in place of this one
_FOREIGN_INSTALL = re.compile(
    r"pip3?\s+install\b[^\n`&;|]*?(?<![\w./-])[\"']?scrubber(?![\w-])(\[|[\"'\s`]|$)", re.M
)


def test_no_install_line_names_the_other_projects_scrubber():
    import tomllib

    name = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    assert name != "scrubber"
    pages = [*PAGES, ROOT / "editors" / "README.md"]
    found = [
        f"{page.relative_to(ROOT)}: {match.group(0)}"
        for page in pages
        for match in _FOREIGN_INSTALL.finditer(page.read_text(encoding="utf-8"))
    ]
    assert found == []
    # the docs' install lines name the distribution of pyproject.toml, extras and all
    installs = [
        line
        for page in pages
        for line in re.findall(r"pip install [^\n`]*", page.read_text(encoding="utf-8"))
        if "[" in line and ".[" not in line
    ]
    assert installs and all(f"{name}[" in line for line in installs), installs


def test_no_message_or_docstring_of_the_package_names_the_other_projects_scrubber():
    """Install hints in messages (a missing extra) name this distribution too."""
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "scrubber").rglob("*.py"))
        for match in _FOREIGN_INSTALL.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_pattern_finds_the_install_lines_it_must():
    for bad in ("pip install scrubber", "pip install -U scrubber", "pip install 'scrubber[dask]'",
                'pip install "scrubber[test]"', "pip install scrubber[xlsx]"):  # fmt: skip
        assert _FOREIGN_INSTALL.search(bad), bad
    for good in ("pip install 'charge-scrubber[dask]'", "pip install -q '.[test]'",
                 "pip install -q . && .venv/bin/scrubber scrub",
                 "pip install charge-scrubber", "pip install -q ."):  # fmt: skip
        assert not _FOREIGN_INSTALL.search(good), good


def test_the_readme_tour_names_every_command():
    """A new user learns the commands from the tour: each one is there, as it is typed."""
    import argparse

    from scrubber.cli import _parser

    tour = (ROOT / "README.md").read_text(encoding="utf-8").split("## A short tour", 1)[1]
    tour = tour.split("\n## ", 1)[0]
    (commands,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    missing = []
    for name, command in commands.choices.items():
        subs = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        typed = [f"scrubber {name} {sub}" for s in subs for sub in s.choices] or [
            f"scrubber {name}"
        ]
        missing += [words for words in typed if f"`{words}" not in tour]
    assert missing == []
