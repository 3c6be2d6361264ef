"""Rule sets written as rule text, and the batches that meet them: for properties of the engine
over random rules (conservation, determinism, idempotence)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from hypothesis import strategies as st

from scrubber.testing.records import batches

__all__ = [
    "CHANGING_LINE_CONDITIONS",
    "COUNT_CONDITIONS",
    "FEE_TABLE",
    "HISTORY_DAYS",
    "MUE_TABLE",
    "PTP_TABLE",
    "RULES_HEADER",
    "RULE_CODES",
    "RULE_DAYS",
    "STABLE_LINE_CONDITIONS",
    "VISIT_CONDITIONS",
    "history_batches",
    "rule_batches",
    "rule_lines",
    "rule_texts",
]

RULE_CODES = ("97110", "97140", "97530", "97014", "G0283", "97161", "97162", "NORCM", "97035")
RULE_DAYS = st.sampled_from([date(2026, 3, 2), date(2026, 3, 3)])
rule_batches = batches(
    max_patients=3, max_visits=10, days=RULE_DAYS, charge_codes=st.sampled_from(RULE_CODES)
)
#: dates across weeks, a month end and a year end, for rules that count across visits
HISTORY_DAYS = st.sampled_from([
    date(2025, 12, 29), date(2025, 12, 31), date(2026, 1, 2), date(2026, 1, 5),
    date(2026, 1, 7), date(2026, 1, 30), date(2026, 2, 2), date(2026, 2, 4),
])  # fmt: skip
#: batches of a few patients over several weeks: the days that counts and caps per week,
#: month and year look across
history_batches = batches(
    max_patients=3, max_visits=14, days=HISTORY_DAYS, charge_codes=st.sampled_from(RULE_CODES)
)

RULES_HEADER = (
    "codeset timed = 97110 97140 97530 97035\n"
    'payer medicare "Medicare" when insurance.class = "medicare"\n'
)
MUE_TABLE = (
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    "97110,3,3 Date of Service Edit: Clinical,x\n97035,1,1 Line Edit,x\n97161,1,2 Date of Service Edit: Policy,x\n"
)
#: a sample fee schedule (invented amounts, for tests only)
FEE_TABLE = "code,amount,modifier\n97110,31.92,\n97110,27.13,CQ\n97140,28.71,\n97161,101.05,\n"
PTP_TABLE = "column1,column2,modifier_indicator\n97530,97140,1\n97161,97110,0\n97110,97035,9\n"

# Conditions that do not read what rules change (units, modifiers, codes): rule sets built from
# them and the idempotent actions give the same result when scrubbed twice.
STABLE_LINE_CONDITIONS = (
    'provider.role = "PTA"',
    'provider.role != "PTA"',
    "charge.minutes > 10",
    "charge.minutes is missing",
    'insurance.class in ["medicare", "commercial"]',
    "case.therapy_ytd_amount > 2480.00",
    "patient.address.postal_code matches /^[0-9]{9}$/",
    "visit.date_of_service >= 2026-03-03",
)
# Counts across visits change when billed output (which leaves out fully scrubbed visits) is
# scrubbed again: never in the idempotent sets.
COUNT_CONDITIONS = (
    "visit.treatment_day > 1",
    "visit.days_since_report >= 1",
    "visit.authorization_day > case.authorization_visits",
    "visit.date_of_service > case.authorization_end",
    "visit.year_day > 2",
    "visit.therapy_year_amount > 60.00",
)
CHANGING_LINE_CONDITIONS = (
    "charge.units > 2",
    "charge.modifiers has GP",
    "not charge.modifiers has 59",
    *COUNT_CONDITIONS,
)
VISIT_CONDITIONS = (
    'provider.role = "PTA"',
    "patient.ssn is missing",
    "case.authorization_required = true",
    *COUNT_CONDITIONS,
)


def _codes_text(draw: st.DrawFn) -> str:
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return "any"
    if choice == 1:
        return "timed"
    return " ".join(
        draw(st.lists(st.sampled_from(RULE_CODES), min_size=1, max_size=3, unique=True))
    )


class _Chooser:
    """The random choices an action kind draws its sample rule from, backed by hypothesis."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def codes(self) -> str:
        return _codes_text(self._draw)

    def number(self) -> int:
        return self._draw(st.integers(0, 4))

    def one_of(self, options: Sequence[str]) -> str:
        return self._draw(st.sampled_from(list(options)))

    def unit_table(self) -> str:
        return "tables/mue.csv"

    def pair_table(self) -> str:
        return "tables/ptp.csv"

    def price_table(self) -> str:
        return "tables/fees.csv"


@st.composite
def rule_lines(draw: st.DrawFn, idempotent: bool = False) -> str:
    """One rule (without its id): an action of any kind and maybe a condition.

    ``idempotent`` keeps to the kinds whose rules give the same result scrubbed again over
    billed output, with conditions that do not read what rules change."""
    from scrubber.actions import KINDS
    from scrubber.actions.base import ActionKind

    kinds = [kind for kind in KINDS if kind.idempotent or not idempotent]
    kind: ActionKind[Any] = draw(st.sampled_from(kinds))
    action, visit_level = kind.sample(_Chooser(draw))
    if visit_level:
        conditions: tuple[str, ...] = VISIT_CONDITIONS
    elif idempotent:
        conditions = STABLE_LINE_CONDITIONS
    else:
        conditions = STABLE_LINE_CONDITIONS + CHANGING_LINE_CONDITIONS
    if draw(st.booleans()):
        action += (
            f" {draw(st.sampled_from(['when', 'unless']))} {draw(st.sampled_from(conditions))}"
        )
    return action


@st.composite
def rule_texts(draw: st.DrawFn, idempotent: bool = False) -> dict[str, str]:
    """A rule folder as {file name: text}, plus the tables its rules may load (under tables/).

    It may not check clean (two disagreeing caps, a rule shadowed by an earlier drop): callers
    ``assume`` that it does.
    """
    files = {
        "tables/mue.csv": MUE_TABLE, "tables/ptp.csv": PTP_TABLE, "tables/fees.csv": FEE_TABLE,
    }  # fmt: skip
    for name in draw(
        st.lists(st.sampled_from(["a_common", "b_payer"]), min_size=1, max_size=2, unique=True)
    ):
        lines = [RULES_HEADER] if name == "a_common" else []
        for block in range(draw(st.integers(1, 2))):
            payer = draw(st.sampled_from(["any", "medicare"]))
            if payer == "medicare" and name != "a_common":
                if not any(line.startswith("payer medicare2") for line in lines):
                    lines.append('payer medicare2 "Medicare" when insurance.class = "medicare"')
                payer = "medicare2"
            dates = draw(
                st.sampled_from(
                    ["", " effective 2026-03-03", " effective 2026-01-01 through 2026-03-02"]
                )
            )
            lines.append(f"rules {payer}{dates} {{")
            for n in range(draw(st.integers(1, 5))):
                lines.append(f"    rule r{block}-{n}: {draw(rule_lines(idempotent))}")
            lines.append("}")
        files[f"{name}.rules"] = "\n".join(lines) + "\n"
    return files
