"""The meaning of a rule set: every problem a parse cannot see, all reported at once.

The checker is a list of named stages (``STAGES``), one module each, run in order into one error
list: parse, definitions, names, codesets, dates, payers, charges, blocks, rules, consistency, tests. Each
stage checks every statement on its own, so that one mistake does not hide another. What differs
between kinds of action or of expression is checked by the kind itself (the action kinds are
handed in: ``scrubber.lang.kinds``; the expression kinds are ``scrubber.lang.expressions``),
through the contexts the checker offers (``actions.ActionContext``, ``checker.ExprContext``);
tables are found and read by ``scrubber.tables.loader``.

``check`` returns the problems, and the checked rules only when there is none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from scrubber.lang.check.charges import charges
from scrubber.lang.check.checker import Checker, CheckReport, SourceFile
from scrubber.lang.check.codesets import codesets
from scrubber.lang.check.consistency import consistency
from scrubber.lang.check.dates import dates
from scrubber.lang.check.definitions import definitions, names
from scrubber.lang.check.payers import blocks, payers
from scrubber.lang.check.rules import rules
from scrubber.lang.check.tests import tests
from scrubber.lang.check.warnings import warnings
from scrubber.lang.checked import CheckedRules
from scrubber.lang.kinds import ActionKinds
from scrubber.tables.loader import TableLoader

__all__ = ["STAGES", "CheckReport", "Checker", "SourceFile", "check"]


def parse_errors(checker: Checker) -> None:
    """What the parser found: syntax, limits, blocks."""
    for source in checker.sources:
        checker.errors.extend(source.parsed.errors)


#: the checker, stage by stage, in the order they run
STAGES: tuple[tuple[str, Callable[[Checker], None]], ...] = (
    ("parse", parse_errors),
    ("definitions", definitions),
    ("names", names),
    ("codesets", codesets),
    ("dates", dates),
    ("payers", payers),
    ("charges", charges),
    ("blocks", blocks),
    ("rules", rules),
    ("consistency", consistency),
    ("tests", tests),
    ("warnings", warnings),
)


def check(
    sources: Sequence[SourceFile], kinds: ActionKinds[Any], tables: TableLoader | None = None
) -> CheckReport:
    """Check parsed files together (codesets and payers are shared across files), with the
    action kinds they were parsed with. ``tables`` finds and reads the tables (with a cache for
    large ones, when it has one)."""
    checker = Checker(sources, tables or TableLoader(), kinds)
    for _name, stage in STAGES:
        stage(checker)
    errors = tuple(sorted(checker.errors, key=lambda e: e.sort_key))
    files = tuple(s.parsed.file for s in sources)
    found = tuple(sorted(checker.warnings, key=lambda e: e.sort_key))
    if errors:
        return CheckReport(errors, None, files, found)
    checked = CheckedRules(
        files, checker.codesets, checker.payer_defs, checker.unit_tables, checker.pair_tables,
        checker.price_tables, checker.charge_master,
    )  # fmt: skip
    return CheckReport((), checked, files, found)
