"""Patterns (``matches /RE/``) run by RE2, a regular-expression engine whose matching time is
linear in the length of the text, whatever the pattern: no rule can stall a scrub, and no check
has to guess which patterns might backtrack.

RE2 runs the common syntax (classes, anchors, alternation, repetition, groups, ``(?i)``) but not
what needs backtracking: look-around (``(?=``, ``(?!``, ``(?<=``, ``(?<!``) and back-references
(``\\1``). The checker refuses those with a plain message (E023), and any other pattern RE2
cannot read with E022; the engine compiles only patterns the checker accepted.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import re2

from scrubber.lang import codes

__all__ = ["MAX_REPEAT", "compile_pattern", "pattern_problem"]

#: the largest count RE2 takes in ``{n}`` and ``{n,m}``
MAX_REPEAT = 1000
#: memory for one compiled pattern (RE2 refuses a pattern whose program would need more)
_MAX_MEMORY = 8 << 20
_COUNTS = re.compile(r"(?<!\\)\{(\d+)(?:,(\d*))?\}")

_PLAIN = (
    ("missing ]", "a [ is never closed with ]"),
    ("missing )", "a ( is never closed with )"),
    ("unexpected )", "a ) closes no ("),
    (
        "invalid repetition size",
        f"a repetition count above {MAX_REPEAT:,} (or a {{n,m}} with n above m)",
    ),
    ("bad repetition operator", "*, + or ? repeats nothing, or is repeated itself"),
    ("missing argument to repetition operator", "*, + or ? repeats nothing"),
    ("invalid character class range", "a range in [ ] runs backwards"),
    ("invalid character class", "an unknown character class"),
    ("invalid escape sequence", "an escape that is not known"),
    ("trailing \\", "the pattern ends with a single \\"),
    ("invalid named capture group", "a malformed (?P<name>...) group"),
    ("pattern too large", "the pattern is too large to match in bounded memory"),
)


@cache
def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # errors are reported by the checker, not printed by RE2
    options.max_mem = _MAX_MEMORY
    return options


def compile_pattern(pattern: str) -> Any:
    """The compiled pattern (it must have passed ``pattern_problem``)."""
    return re2.compile(pattern, _options())


def _above(count: str) -> bool:
    # Compared as text first: int() refuses more than 4,300 digits.
    return len(count) > len(str(MAX_REPEAT)) or int(count) > MAX_REPEAT


def pattern_problem(pattern: str) -> tuple[codes.ErrorCode, str] | None:
    """Why the engine cannot run ``pattern`` (an error code and words), or None."""
    for found in _COUNTS.finditer(pattern):
        low, high = found.group(1), found.group(2)
        if any(count and _above(count) for count in (low, high)):
            written = found.group(0) if len(found.group(0)) <= 24 else found.group(0)[:20] + "...}"
            return codes.BAD_REGEX, (
                f"the pattern is not a valid regular expression: a repetition count above "
                f"{MAX_REPEAT:,} ({written})"
            )
    try:
        compile_pattern(pattern)
    except re2.error as exc:
        detail = (
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        if detail.startswith("invalid perl operator: (?") and any(
            look in detail for look in ("(?=", "(?!", "(?<")
        ):
            return codes.LINEAR_TIME, (
                "look-around ((?=...), (?!...), (?<=...), (?<!...)) cannot be matched in linear "
                "time: write the pattern without it"
            )
        if re.match(r"invalid escape sequence: \\[1-9]", detail):
            return codes.LINEAR_TIME, (
                "a back-reference (\\1) cannot be matched in linear time: write the pattern "
                "without it"
            )
        words = next((plain for key, plain in _PLAIN if detail.startswith(key)), None)
        shown = f"{words} ({detail})" if words else detail
        return codes.BAD_REGEX, f"the pattern is not a valid regular expression: {shown}"
    return None
