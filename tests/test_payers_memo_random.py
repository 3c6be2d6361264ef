"""Payers memoized by the values their conditions read (``Program.payers_of``, issue 29), with
payer conditions drawn at random over every field a payer may read (text, dates, numbers, yes/no,
choices; compared, in a list, matched, missing, present, two fields compared; joined with and,
or, not), each checked by the real checker: the memo answers what the conditions say afresh."""

from __future__ import annotations

import tempfile
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import attrs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scrubber.engine import RuleSet
from scrubber.lang.checked import BUILTIN_PAYER
from scrubber.lang.expressions.condition import Context
from scrubber.load import load_rules
from scrubber.model.fields import FIELDS, Kind, Subject
from scrubber.model.records import Case, NoteType, Patient, Provider, ProviderRole, Visit
from scrubber.testing import cases, patients

_VISIT = Visit("V1", "C1", date(2026, 3, 2), "Main St", Provider("PT1", ProviderRole.PT),
               NoteType.DAILY, ())  # fmt: skip


def _atoms_of(path: str, kind: Kind, choices: tuple[str, ...]) -> list[str]:
    if kind is Kind.TEXT:
        return [f"{path} is present", f"{path} is missing", f"{path} matches /[A-M].*/",
                f'{path} = "A"', f'{path} in ["A", "B", "AZ"]', f"{path} = patient.last_name",
                f"{path} != insurance.payer_id"]  # fmt: skip
    if kind is Kind.DATE:
        return [f"{path} < 1990-01-01", f"{path} is missing", f"{path} >= patient.birth_date"]
    if kind is Kind.BOOL:
        return [f"{path} = true", f"{path} = false", f"{path} is missing"]
    if kind is Kind.NUMBER:
        return [f"{path} > 3", f"{path} <= 1000.50", f"{path} = 2", f"{path} is present"]
    if kind is Kind.ENUM:
        return [f'{path} = "{choices[0]}"', f'{path} in ["{choices[-1]}", "{choices[0]}"]']
    return []


def _load(conditions: list[str]) -> RuleSet | None:
    folder = Path(tempfile.mkdtemp()) / "rules"
    folder.mkdir()
    payers = "".join(f'payer p{n} "P{n}" when {c}\n' for n, c in enumerate(conditions))
    (folder / "payers.rules").write_text(payers + "\nrules any {\n    rule gp: add modifier GP to "
                                         "97110\n}\n", encoding="utf-8")  # fmt: skip
    try:
        return load_rules(folder)
    except Exception:  # a condition the checker refuses: only valid rule text counts
        return None


@cache
def _atoms() -> tuple[str, ...]:
    """Every atom the checker accepts, over every field a payer may read."""
    drafted = [
        atom
        for path, field in FIELDS.items()
        if field.subject in (Subject.PATIENT, Subject.CASE)
        for atom in _atoms_of(path, field.kind, tuple(getattr(field, "choices", ()) or ()))
    ]
    return tuple(atom for atom in drafted if _load([atom]) is not None)


def _conditions() -> st.SearchStrategy[str]:
    atom = st.sampled_from(_atoms())
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]}) {t[1]} ({t[2]})"
            ),
            inner.map(lambda c: f"not ({c})"),
        ),
        max_leaves=4,
    )


def _mixed(draw: st.DrawFn, pool: list[Any]) -> Any:
    """A copy of the pool's first record with each field taken from a record of the pool: two
    such records often read alike, and often differ in one field only."""
    changes = {
        field.name: getattr(draw(st.sampled_from(pool)), field.name)
        for field in attrs.fields(type(pool[0]))
    }
    return attrs.evolve(pool[0], **changes)


@st.composite
def _records(draw: st.DrawFn) -> list[tuple[Patient, Case]]:
    """Patients, cases and insurances mixed field by field from a small pool."""
    pool_patients = draw(st.lists(patients(), min_size=2, max_size=3))
    pool_cases = draw(st.lists(cases(), min_size=2, max_size=3))
    pool_insurances = [case.insurance for case in pool_cases]
    out = []
    for _ in range(draw(st.integers(1, 30))):
        insurance = _mixed(draw, pool_insurances)
        case = attrs.evolve(_mixed(draw, pool_cases), insurance=insurance)
        out.append((_mixed(draw, pool_patients), case))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(_conditions(), min_size=1, max_size=4), _records())
def test_random_payers_memoized_are_the_conditions_answer(conditions, records):
    rules = _load(conditions)
    assume(rules is not None)
    assert rules is not None
    program = rules.program
    for patient, case in records:
        context = Context(_VISIT, patient, case)
        expected = frozenset({
            BUILTIN_PAYER, *(name for name, condition in program.payers if condition.test(context))
        })  # fmt: skip
        assert program.payers_of(patient, case, _VISIT) == expected


def test_the_atoms_cover_every_kind() -> None:
    """The property draws from every kind of condition: a guard against a checker change
    silently leaving the atoms empty."""
    atoms = _atoms()
    for needle in (" is present", " is missing", " matches ", " in [", " = true", " > 3",
                   " < 1990-01-01", "= patient.last_name", "insurance.employer."):  # fmt: skip
        assert any(needle in atom for atom in atoms), needle
