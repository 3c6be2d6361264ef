"""scrubber.testing is public: downstream suites get strategies, and st.from_type works."""

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from scrubber import Batch, Charge, Patient, Visit
from scrubber.formats.emr import dumps_export, read_export


@given(st.from_type(Charge))
def test_from_type_draws_charges(charge):
    assert isinstance(charge, Charge)
    assert charge.units >= 0


@given(st.from_type(Batch))
def test_from_type_draws_valid_batches(batch):
    import io

    again = read_export(io.StringIO(dumps_export(batch)), format="json")
    assert again.rejected == ()
    assert {v.case_id for v in batch.visits} <= {c.id for c in batch.cases}


@given(st.from_type(Patient), st.from_type(Visit))
def test_every_record_type_is_registered(patient, visit):
    assert isinstance(patient, Patient) and isinstance(visit, Visit)


def test_importing_scrubber_does_not_import_hypothesis():
    code = "import sys, scrubber; assert 'hypothesis' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
