"""Every error code the rule checker reports, in one registry.

A code is stable: tools and people search for ``E012``. Each has a meaning in words, which the
error table of docs/dsl.md repeats (a test holds the two together). The checker and the action
kinds name codes by these constants, never by their text.
"""

from __future__ import annotations

import attrs

__all__ = ["ALL", "ErrorCode", "by_code"]


@attrs.frozen
class ErrorCode:
    code: str
    meaning: str
    #: "warning" for what ``check`` reports without refusing the rules (``--strict`` refuses)
    severity: str = "error"

    def __str__(self) -> str:
        return self.code


SYNTAX = ErrorCode("E001", "syntax: the words are not in an order the language knows")
LIMIT = ErrorCode("E002", "a limit: file too large, line too long, nesting too deep, not UTF-8")
BLOCKS = ErrorCode("E003", "blocks: a rule outside a block, a block not closed, a stray `}`")
UNKNOWN_CODESET = ErrorCode("E010", "unknown codeset")
UNKNOWN_PAYER = ErrorCode("E011", "unknown payer")
UNKNOWN_FIELD = ErrorCode("E012", "unknown field")
WRONG_CONTEXT = ErrorCode("E013", "a field read or set where it cannot be")
DUPLICATE_ID = ErrorCode("E014", "a rule id used twice in one file")
DUPLICATE_DEFINITION = ErrorCode(
    "E015", "a codeset or payer defined twice, `payer any`, two files with one name"
)
UNKNOWN_WORD = ErrorCode("E016", "an unknown word: scope or method")
CYCLE = ErrorCode("E017", "a codeset defined in terms of itself")
RESERVED_WORD = ErrorCode("E018", "a word of the language used as a codeset or payer name")
WRONG_TYPE = ErrorCode("E020", "a value of the wrong type")
WRONG_OPERATOR = ErrorCode("E021", "an operator the field's type does not have")
BAD_REGEX = ErrorCode("E022", "an invalid regular expression")
LINEAR_TIME = ErrorCode(
    "E023", "a pattern that cannot be matched in linear time (look-around, back-reference)"
)
NOT_A_CHOICE = ErrorCode("E024", "a value a choice field never has")
BAD_CODE = ErrorCode("E025", "a malformed code or range")
NEGATIVE_CAP = ErrorCode("E026", "a cap below 0")
BAD_MODIFIER = ErrorCode("E027", "a malformed modifier")
TABLE_NEEDS_SCOPE = ErrorCode("E028", "a table that needs a scope")
UNKNOWN_VISIT = ErrorCode("E029", "a rule test's expectation names a visit the test does not have")
EMPTY_RANGE = ErrorCode("E030", "an effective range that ends before it starts")
BAD_DATE = ErrorCode("E031", "a date that is not on the calendar")
CAPS_DISAGREE = ErrorCode("E032", "two caps on one code and scope in one block that disagree")
NEVER_APPLIES = ErrorCode(
    "E033", "a rule that can never apply (shadowed, or a repeat of an earlier one)"
)
TABLE_MISSING = ErrorCode("E040", "a table that does not exist")
TABLE_MALFORMED = ErrorCode("E041", "a malformed table (reported at the table's own line)")
TABLE_OUTSIDE = ErrorCode("E042", "a table outside the rules folder")
TWO_CHARGE_MASTERS = ErrorCode("E043", "a second charge master (`charges by table`) in a rule set")
NEGATIVE_PERCENT = ErrorCode("E044", "a percentage below 0 (`price CODES at N%`)")
# warnings: the rules work, but probably not as their author meant
MIXED_AND_OR = ErrorCode(
    "W001", "`and` mixed with `or` without parentheses (`and` binds first)", "warning"
)
NEVER_HOLDS = ErrorCode("W002", "a condition that can never hold", "warning")
ALWAYS_HOLDS = ErrorCode("W003", "a condition that always holds", "warning")
UNUSED = ErrorCode("W004", "a payer or codeset nothing uses", "warning")
SHADOWED_ACROSS_BLOCKS = ErrorCode(
    "W005",
    "a rule whose codes an earlier unconditional drop, deny or replace of the same payer "
    "always takes away",
    "warning",
)
UNREACHABLE_CAP = ErrorCode(
    "W006",
    "a cap that an earlier, lower cap of the same codes and scope for the same payer makes "
    "unreachable",
    "warning",
)

ALL: tuple[ErrorCode, ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, ErrorCode)
)


def by_code(code: str) -> ErrorCode:
    return next(item for item in ALL if item.code == code)
