"""Startup: ``scrubber --version`` and ``scrubber check`` of the bundled rules (issue 29).

Run: python bench/startup_bench.py [--runs 10]
Each command is a fresh process; the floor, in the same run, is the interpreter starting and
doing nothing (``python -c pass``). Prints the best and the median of each, and the modules
that take longest to import for ``check`` (``python -X importtime``, cumulative).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import machine


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def slowest_imports(command: list[str], count: int) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the top-level imports that took longest."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = []
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if not name.startswith(" "):  # a top-level import (nested ones are indented)
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(machine())
    scrubber = shutil.which("scrubber", path=str(Path(sys.executable).parent))
    if scrubber is None:
        raise SystemExit("scrubber is not installed beside this interpreter")
    commands = {
        "floor: python -c pass": [sys.executable, "-c", "pass"],
        "scrubber --version": [scrubber, "--version"],
        "scrubber check (bundled rules)": [scrubber, "check"],
    }
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(args.runs):
        for label, command in commands.items():
            times[label].append(timed(command))
    for label, runs in times.items():
        print(f"{label}: best {min(runs):.3f} s, median {statistics.median(runs):.3f} s "
              f"({args.runs} runs)")  # fmt: skip
    print("slowest top-level imports of `scrubber check` (cumulative):")
    for micros, name in slowest_imports(["-m", "scrubber", "check"], 5):
        print(f"  {name}: {micros / 1000:.1f} ms")


if __name__ == "__main__":
    main()
