"""Grammar terminals in the words a billing specialist reads, and "did you mean" suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["STATEMENT_WORDS", "describe_expected", "did_you_mean", "either"]

# Regex terminals of the grammar, in words.
TERMINAL_WORDS = {
    "ITEM": "a code (like 97110 or G0283) or a codeset name",
    "NAME": "a name (letters, digits, - and _)",
    "STRING": 'a text in double quotes (like "Medicare")',
    "PATH": "a field (like patient.address.postal_code)",
    "INT": "a whole number",
    "NUMBER": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "REGEX": "a pattern between slashes (like /^[0-9]{9}$/)",
    "MODIFIER": "a modifier (two letters or digits, like GP or 59)",
    "SCOPE": "line, visit, day, week, month or year",
    "METHOD": "cms-8-minute or substantial-portion",
    "OP": "a comparison (=, !=, <, <=, >, >=)",
    "UNLESS_MODIFIER": '"unless modifier"',
    "_UNITS": '"units"',
    "ANY": '"any"',
    "WHEN": '"when"',
    "UNLESS": '"unless"',
    "$END": "the end of the file",
}

STATEMENT_WORDS = ("codeset", "payer", "rules", "rule", "}")


def describe_expected(
    names: Iterable[str], literal: dict[str, str], actions: tuple[str, ...]
) -> str:
    """Describe a set of expected terminals; ``literal`` maps keyword terminals to their text,
    ``actions`` are the words an action may start with."""
    shown = {literal.get(name, name) for name in names}
    groups = []
    if set(actions) <= shown:
        shown -= set(actions)
        groups.append("an action (" + ", ".join(actions) + ")")
    if {"codeset", "payer", "rules", "rule"} <= shown:
        shown -= set(STATEMENT_WORDS)
        groups.append("a statement (codeset, payer, rules, rule, or } to close a block)")
    if {"PATH", "not", "("} <= shown:
        shown -= {"PATH", "not", "("}
        groups.append("a condition (like charge.units > 2)")
    if {"STRING", "NUMBER", "DATE", "true", "false"} <= shown:
        shown -= {"STRING", "NUMBER", "DATE", "true", "false"}
        groups.append('a value (a "text", a number, a date, true or false)')
    for name in sorted(shown):
        groups.append(TERMINAL_WORDS.get(name, f'"{name}"'))
    if not groups:
        return "something else"
    if len(groups) == 1:
        return groups[0]
    return ", ".join(groups[:-1]) + " or " + groups[-1]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for a near miss, else the empty string."""
    options = sorted(set(choices))
    folded = [c for c in options if c.casefold() == word.casefold()]
    close = folded or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def either(words: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
