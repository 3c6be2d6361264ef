"""What every bench script prints and how it times: the machine, and the best of a few runs."""

from __future__ import annotations

import gc
import os
import platform
import time
from collections.abc import Callable


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
