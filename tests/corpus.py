"""Where the shared corpus of real files lies (DESIGN §9, §10): beside the clone, in
``<repo>/../shared/realworld``, unless ``SCRUBBER_REALWORLD`` names it. CI runs the suite in a
copy of the clone made elsewhere, so it names the folder that lies beside the clone itself; the
files are read in place, never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

REALWORLD = Path(
    os.environ.get("SCRUBBER_REALWORLD")
    or Path(__file__).resolve().parents[2] / "shared" / "realworld"
)


def corpus(part: str = "") -> Path:
    """The corpus (or one folder of it). Missing, a test is skipped on a developer's machine and
    fails under CI (``CI=1``), where the folder is always beside the clone."""
    import pytest

    where = REALWORLD / part if part else REALWORLD
    if not where.is_dir():
        if os.environ.get("CI") == "1":
            pytest.fail(f"the shared corpus {where} is missing: CI has it beside the clone")
        pytest.skip(f"the shared corpus {where} is not beside this clone")
    return where
