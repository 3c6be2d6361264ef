"""What every bench script prints and how it times: the machine, and the best of a few runs."""

from __future__ import annotations

import gc
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def machine() -> str:
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The fastest of ``runs`` runs: the figure least disturbed by the rest of the machine."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def timed(command: list[str], cwd: Path) -> float:
    """Seconds a command takes in a fresh process (its output thrown away)."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def best_of_each(runs: int, works: dict[str, Callable[[], object]]) -> dict[str, float]:
    """The fastest of ``runs`` runs of each work, taken in turns (one of each, then again), so
    that a busy moment of a shared machine falls on every work alike, not on one of them."""
    best = {name: float("inf") for name in works}
    for _ in range(runs):
        for name, work in works.items():
            gc.collect()
            start = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


#: defines ``peak_mb()`` in a child: its own peak RSS, read from VmHWM (getrusage's ru_maxrss
#: survives exec on Linux, so a child would report the peak of the process that started it)
PEAK_MB = """
def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
"""


def run_child(code: str, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """Run ``code`` in a fresh interpreter (a cold start: nothing loaded, nothing cached in
    memory) and return what it printed, one item per word."""
    run = subprocess.run(
        [sys.executable, "-c", PEAK_MB + code, *args],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    if run.returncode != 0:
        raise SystemExit(f"the measured child failed:\n{run.stderr}")
    return run.stdout.split()
