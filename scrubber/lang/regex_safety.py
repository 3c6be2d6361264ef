"""Refuse patterns whose matching time can explode (catastrophic backtracking).

``(a+)+`` against a long run of ``a`` followed by a mismatch takes exponential time in Python's
backtracking engine. A rule file must never be able to stall a scrub, so any variable-width
repetition nested inside an unbounded one is refused; authors can always write the pattern
without the nesting.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["backtracking_risk"]

# The regex parser of the standard library ("sre_parse", re._parser since 3.11). It is not a
# public module, so it is looked up once and the check is skipped, not crashed, if it moves.
try:
    _sre: Any = importlib.import_module("re._parser")
    _constants: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - a future Python without re._parser
    _sre = _constants = None


def _repeats(items: Any) -> Any:
    """Yield (low, high, body) for every repetition in a parsed pattern, at any depth."""
    for op, arg in items:
        if op in (
            _constants.MAX_REPEAT,
            _constants.MIN_REPEAT,
            getattr(_constants, "POSSESSIVE_REPEAT", None),
        ):
            low, high, body = arg
            yield low, high, body
            yield from _repeats(body)
        elif op is _constants.SUBPATTERN:
            yield from _repeats(arg[-1])
        elif op is _constants.BRANCH:
            for alternative in arg[1]:
                yield from _repeats(alternative)
        elif op in (_constants.ASSERT, _constants.ASSERT_NOT):
            yield from _repeats(arg[1])


def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` may backtrack catastrophically, or None. The pattern must compile."""
    if _sre is None:  # pragma: no cover
        return None
    parsed = _sre.parse(pattern)
    unbounded = _constants.MAXREPEAT
    for _low, high, body in _repeats(parsed):
        if high != unbounded and high <= 1:
            continue
        for inner_low, inner_high, _ in _repeats(body):
            variable = inner_high == unbounded or inner_low != inner_high
            if variable and unbounded in (high, inner_high):
                return (
                    "a repeated group contains another repetition (as in (a+)+), which can "
                    "take exponentially long to match; write it without the nesting"
                )
    return None
