"""The layers of DESIGN §2, enforced: every import of the package (lazy ones inside functions
included) goes to the module's own layer or below; parsing and checking a rule file load no
engine module; no module grows past 500 lines.

Lowest first: the base (errors, files, text helpers) < model < tables < language < action
kinds < engine < formats, history < reports < the front ends (cli, lsp, testing, the package's
own ``__init__``). A new top-level module must be given its layer here, which is the point: its
place is decided, not found out.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import scrubber

PACKAGE = Path(scrubber.__file__).parent

#: each top-level module or package of ``scrubber``, by layer (lowest first)
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("base", frozenset({"_version", "errors", "files", "lines", "resources", "words", "bulk"})),
    ("model", frozenset({"model", "shown"})),
    ("tables", frozenset({"tables"})),
    ("language", frozenset({"lang"})),
    ("action kinds", frozenset({"actions"})),
    ("engine", frozenset({"engine"})),
    ("formats, history", frozenset({"formats", "history", "load", "sample", "sample_claims"})),
    ("reports", frozenset({"reports", "distributed", "pygments_lexer"})),
    ("front ends", frozenset({"cli", "lsp", "testing", "__init__", "__main__"})),
)
LEVEL = {name: level for level, (_, names) in enumerate(LAYERS) for name in names}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every ``scrubber`` module this file imports, wherever the import stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(name, node.lineno) for name in names if name.split(".")[0] == "scrubber"]
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    tops = {_top(_module_of(path)) for path in SOURCES}
    assert sorted(tops - set(LEVEL)) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_import_stays_in_its_layer_or_goes_down(path):
    module = _module_of(path)
    mine = LEVEL[_top(module)]
    upward = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name} "
        f"({LAYERS[LEVEL[_top(name)]][0]}, above {LAYERS[mine][0]})"
        for name, line in _imports(path)
        if LEVEL[_top(name)] > mine
    ]
    assert upward == []


def test_the_walk_finds_an_upward_import(tmp_path):
    """The walk sees lazy imports inside functions (a test that cannot fail proves nothing)."""
    lazy = tmp_path / "lazy.py"
    lazy.write_text("def f():\n    from scrubber.engine.run import Run\n", encoding="utf-8")
    assert _imports(lazy) == [("scrubber.engine.run", 2)]
    assert LEVEL[_top("scrubber.engine.run")] > LEVEL["lang"]


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"import sys\n{code}\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('scrubber.engine')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_importing_the_parser_loads_no_engine_module():
    assert _loaded_after("import scrubber.lang.parse") == []


def test_parsing_and_checking_the_bundled_rules_loads_no_engine_module():
    code = (
        "from scrubber.actions import LANGUAGE\n"
        "from scrubber.resources import bundled_rules_dir\n"
        "report = LANGUAGE.check_paths([bundled_rules_dir()])\n"
        "assert report.rules is not None and not report.errors\n"
    )
    assert _loaded_after(code) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_500_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 500, f"{path.relative_to(PACKAGE)} has {lines} lines: split it by what it owns"
