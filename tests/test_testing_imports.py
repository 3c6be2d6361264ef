"""scrubber.testing as a downstream suite meets it: its first line, in a fresh interpreter.

Hypothesis runs its entry points (scrubber's registers the record strategies) while it is being
imported; when ``scrubber.testing`` is what imports it, that used to find ``scrubber.testing``
half imported and fail with a circular import (issue 25 #6). The project's own tests import
something else first, so only a fresh interpreter per name shows it.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import scrubber.testing

#: every public name of scrubber.testing before it became a package: all stay importable
PUBLIC = (
    "CHANGING_LINE_CONDITIONS", "CORRUPTIONS", "COUNT_CONDITIONS", "HISTORY_DAYS", "MUE_TABLE",
    "PTP_TABLE", "RECORDS", "RULES_HEADER", "RULE_CODES", "RULE_DAYS", "STABLE_LINE_CONDITIONS",
    "VISIT_CONDITIONS", "addresses", "amounts", "batches", "cases", "charges", "claim_batches",
    "codes", "counts", "dates", "document_of", "documents_with_bad_records", "employers",
    "guarantors", "history_batches", "insurances", "interchanges", "modifiers", "optional_dates",
    "optional_text", "patients", "phones", "providers", "raw_text", "rule_batches", "rule_lines",
    "rule_texts", "visits",
)  # fmt: skip
ALL = (
    "CORRUPTIONS", "RECORDS", "RULE_CODES", "addresses", "batches", "cases", "charges",
    "claim_batches", "document_of", "documents_with_bad_records", "employers", "guarantors",
    "history_batches", "insurances", "interchanges", "patients", "phones", "providers",
    "rule_batches", "rule_lines", "rule_texts", "visits",
)  # fmt: skip

#: after the first import, hypothesis's entry point has registered the records
_DRAWS = (
    "import hypothesis.strategies as st, scrubber\n"
    "assert isinstance(st.from_type(scrubber.Charge).example(), scrubber.Charge)\n"
    "assert isinstance(st.from_type(scrubber.Batch).example(), scrubber.Batch)\n"
)

FIRST_LINES = (
    *(f"from scrubber.testing import {name}" for name in PUBLIC),
    "import scrubber.testing",
    "from scrubber.testing import *",
    *(f"import scrubber.testing.{module}" for module in ("records", "claims", "documents")),
    "import scrubber.testing.rules",
    "import scrubber.testing.hook",
    "import hypothesis",
    "import scrubber.lsp",
    "import scrubber.cli",
    "import scrubber.distributed",
)


def _first(line: str, then: str = "") -> subprocess.CompletedProcess[str]:
    # From a folder outside the repository, so the installed package is what is imported.
    return subprocess.run(
        [sys.executable, "-c", f"{line}\n{then}"],
        capture_output=True, text=True, timeout=120, check=False, cwd=Path(sys.executable).parent,
    )  # fmt: skip


def test_every_public_name_imports_first_in_a_fresh_interpreter():
    # Each line in its own interpreter, two at a time (a few dozen interpreters one by one would
    # take the suite a minute).
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(FIRST_LINES, pool.map(_first, FIRST_LINES), strict=True))
    failed = {line: run.stderr[-600:] for line, run in runs.items() if run.returncode != 0}
    assert failed == {}


@pytest.mark.parametrize("line", ["from scrubber.testing import batches", "import hypothesis"])
def test_from_type_draws_records_whatever_was_imported_first(line):
    run = _first(line, _DRAWS)
    assert run.returncode == 0, run.stderr[-600:]


def test_the_public_names_are_the_ones_before_the_split():
    assert tuple(scrubber.testing.__all__) == ALL
    missing = [name for name in PUBLIC if not hasattr(scrubber.testing, name)]
    assert missing == []


@pytest.mark.parametrize("module", ["__init__", "records", "claims", "documents", "rules", "hook"])
def test_each_module_of_the_package_is_under_500_lines(module):
    path = Path(scrubber.testing.__file__).parent / f"{module}.py"
    assert len(path.read_text(encoding="utf-8").splitlines()) < 500


def test_the_entry_point_is_the_hook_module():
    """The installed metadata names the hook that imports no strategy module at its top (a
    stale editable install still naming ``scrubber.testing:_hypothesis_setup_hook`` works too,
    but should be reinstalled)."""
    from importlib.metadata import entry_points

    hooks = [e.value for e in entry_points(group="hypothesis") if e.value.startswith("scrubber")]
    assert hooks == ["scrubber.testing.hook:setup_hook"]
