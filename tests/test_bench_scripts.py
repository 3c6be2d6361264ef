"""The bench scripts still run (on tiny inputs: their figures mean nothing here, and no time is
checked). A bench that breaks silently is a performance claim nobody can reproduce."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

TINY = {
    "scrub_bench.py": ["--lines", "300", "--runs", "1"],
    "tables_bench.py": ["--lines", "300", "--mue-rows", "50", "--ptp-rows", "2000", "--runs", "1"],
    "rules_bench.py": ["--rules", "30", "--ptp-rows", "2000"],
    "stream_bench.py": ["--per-day", "20", "--days", "3", "--memory-lines", "200"],
    "naive_bench.py": ["--lines", "20", "--runs", "1"],
    "history_bench.py": ["--per-day", "10", "--days", "4", "--runs", "1", "--others", "500"],
    "fuzz.py": ["--examples", "5"],
    "cms_tables_bench.py": ["--ptp-rows", "2000", "--xlsx-rows", "200"],
    "x12_bench.py": ["--lines", "300", "--runs", "1"],
    "pairs_bench.py": ["--sizes", "100,200", "--runs", "1"],
    "lsp_bench.py": ["--rules", "30", "--runs", "2"],
    "impact_bench.py": ["--per-day", "10", "--days", "3", "--runs", "1"],
    "floor.py": ["--lines", "300"],
    "cli_bench.py": ["--lines", "300", "--runs", "1"],
    "read_bench.py": ["--lines", "300", "--runs", "1"],
    "money_bench.py": ["--lines", "300", "--runs", "1"],
    "startup_bench.py": ["--runs", "1"],
    "dask_bench.py": ["--visits", "60", "--parts", "2", "--runs", "1"],
    "memory_bench.py": ["--visits", "50"],
}


def test_every_bench_script_is_covered():
    scripts = [p.name for p in BENCH.glob("*.py") if p.name != "common.py"]
    assert sorted(scripts) == sorted(TINY)


@pytest.mark.skipif(not BENCH.is_dir(), reason="bench/ is not shipped with the package")
@pytest.mark.parametrize("script", sorted(TINY))
def test_bench_script_runs_and_prints_its_figures(script):
    run = subprocess.run(
        [sys.executable, str(BENCH / script), *TINY[script]],
        capture_output=True, text=True, cwd=BENCH, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "machine: " in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    # a bench that compares outputs must find them equal, or its figure compares two jobs
    for claim in ("same result bytes: NO", "same bytes: NO"):
        assert claim not in run.stdout, run.stdout
    if script in ("cli_bench.py", "dask_bench.py"):
        assert "same result bytes: yes" in run.stdout or "same bytes: yes" in run.stdout
