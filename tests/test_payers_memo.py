"""Payers are memoized by the values their conditions read (``Program.payers_of``, issue 29):
whatever the cases and patients, in whatever order, the memo answers what the conditions say
when asked afresh."""

from __future__ import annotations

import tempfile
from datetime import date
from functools import cache
from pathlib import Path

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber.engine import RuleSet
from scrubber.lang.checked import BUILTIN_PAYER
from scrubber.lang.expressions.condition import Context
from scrubber.load import load_rules
from scrubber.model.records import Case, NoteType, Patient, Provider, ProviderRole, Visit
from scrubber.testing import cases, patients

#: payers reading the insurance, the case and the patient, alone and together
PAYERS = """\
payer medicare "Medicare" when insurance.class = "medicare"
payer wc "Workers comp" when case.related_cause = "employment" or insurance.class = "workers_comp"
payer auth "Authorized" when case.authorization_required = true and insurance.payer_id in ["X", "BCBS-AZ"]
payer old "Born before 1950" when patient.birth_date < 1950-01-01
payer dependent "Dependent" when insurance.insured_is_patient = false
payer employer "Employer known" when insurance.employer.name is present

rules medicare {
    rule gp: add modifier GP to 97110
}
"""

_VISIT = Visit("V1", "C1", date(2026, 3, 2), "Main St", Provider("PT1", ProviderRole.PT),
               NoteType.DAILY, ())  # fmt: skip


@cache
def _rules() -> RuleSet:
    folder = Path(tempfile.mkdtemp()) / "rules"
    folder.mkdir()
    (folder / "payers.rules").write_text(PAYERS, encoding="utf-8")
    return load_rules(folder)


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[Patient, Case]:
    """A patient and a case whose read values come from small sets, so that different records
    often read alike (the memo answers them) and often differ in one value only."""
    patient = draw(patients())
    patient = attrs.evolve(patient, birth_date=draw(st.sampled_from(_BIRTHS)))
    case = draw(cases())
    insurance = attrs.evolve(case.insurance, payer_id=draw(st.sampled_from(["X", "BCBS-AZ", "Y"])))
    return patient, attrs.evolve(case, insurance=insurance)


_BIRTHS = [date(1949, 12, 31), date(1950, 1, 1), date(1980, 5, 5)]


@settings(max_examples=80, deadline=None)
@given(st.lists(_pairs(), min_size=1, max_size=40))
def test_memoized_payers_are_the_conditions_answer(pairs):
    program = _rules().program
    for patient, case in pairs:
        expected = frozenset({
            BUILTIN_PAYER,
            *(name for name, condition in program.payers
              if condition.test(Context(_VISIT, patient, case))),
        })  # fmt: skip
        assert program.payers_of(patient, case, _VISIT) == expected
