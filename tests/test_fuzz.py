"""The fuzz harness (``tests/fuzzing.py``) with a small budget: it must find nothing.

``SCRUBBER_FUZZ_EXAMPLES`` sets the examples per target (default 100); ``bench/fuzz.py`` runs the
same targets with a long budget and reports everything it finds instead of stopping at the first.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from fuzzing import PROBE_SECONDS, TARGETS, Hang, no_ssn, time_limit
from hypothesis import HealthCheck, given, settings

EXAMPLES = int(os.environ.get("SCRUBBER_FUZZ_EXAMPLES", "100"))


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.name)
def test_the_harness_finds_nothing(target):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.inputs())
    def probe(drawn: Any) -> None:
        with time_limit(PROBE_SECONDS):
            target.probe(drawn)

    probe()


def test_a_probe_that_runs_too_long_is_a_finding():
    with pytest.raises(Hang), time_limit(0.2):
        while True:
            pass


def test_a_full_ssn_in_what_is_shown_is_a_finding():
    with pytest.raises(AssertionError, match="a full SSN is shown"):
        no_ssn(frozenset({"912345678"}), "patient 912-34-5678 refused")
    no_ssn(frozenset({"912345678"}), "patient ***-**-5678 refused, claim 9123456789")
