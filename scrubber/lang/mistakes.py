"""Known mistakes of rule authors, mapped to the message that helps them.

When a syntax error happens in the same parser state, on the same kind of word, as one of these
examples, the author gets the friendly message instead of a list of expected words. The idea is
lark's own (``load_grammar.py`` does this for grammar files); ``tests/test_lang.py`` loops
over the table, so every example must keep producing its message as the grammar evolves.
"""

from __future__ import annotations

__all__ = ["KNOWN_MISTAKES"]

_B = "rules any {\n"  # most examples sit inside a block

KNOWN_MISTAKES: dict[str, list[str]] = {
    'a rule needs a colon after its id and description: rule ID "description": ACTION': [
        _B + "rule no-bill drop NORCM",
        _B + 'rule no-bill "Never flows" drop NORCM',
    ],
    'text is written in double quotes, as in insurance.class = "medicare"': [
        "payer medicare when insurance.class = medicare",
        _B + "rule a: drop NORCM when provider.role = PTA",
        _B + "rule a: drop NORCM when provider.role in [PT",
    ],
    "compare with a single =, as in charge.units = 2": [
        _B + "rule a: drop NORCM when charge.units == 2",
        "payer m when insurance.class == 1",
    ],
    'a condition starts with "when" or "unless"': [
        _B + "rule a: drop NORCM if charge.units > 2",
        _B + "rule a: drop NORCM where charge.units > 2",
    ],
    'a cap reads "to N units per line", "per visit" or "per day"': [
        _B + "rule a: limit 97110 to 2 per day",
        _B + "rule a: limit total of 97161 to 1 per visit",
    ],
    'a cap needs "to", as in: limit 97110 to 2 units per day': [
        _B + "rule a: limit 97110 2 units per day",
    ],
    'a cap needs "per line", "per visit" or "per day" after the units': [
        _B + "rule a: limit 97110 to 2 units",
        _B + "rule a: limit 97110 to 2 units a day",
    ],
    "a range of codes is written with two dots, as in 97010..97028": [
        "codeset a = 97010...97028",
        "codeset a = 97010 - 97028",
    ],
    'a rules block needs "{" after its payer and dates, as in: rules medicare effective 2026-01-01 {': [
        "rules medicare effective 2026-01-01\nrule a: drop NORCM",
        "rules medicare\nrule a: drop NORCM",
        # as seen when the statement is parsed on its own, after an earlier error
        "rules medicare effective 2026-01-01 through 2026-12-31\n",
        "rules medicare effective 2026-01-01\n",
        "rules medicare\n",
    ],
    'add a modifier "to" codes: add modifier GP to therapy': [
        _B + "rule a: add modifier GP therapy",
        _B + "rule a: add modifier GP on therapy",
    ],
    'remove a modifier "from" codes: remove modifier KX from therapy': [
        _B + "rule a: remove modifier KX to therapy",
        _B + "rule a: remove modifier KX therapy",
    ],
    'replace needs "with": replace 97014 with G0283': [
        _B + "rule a: replace 97014 G0283",
        _B + "rule a: replace 97014 by G0283",
    ],
    'the message of a hold is written in double quotes: hold "Invalid Postal Code"': [
        _B + "rule a: hold Invalid Postal Code",
    ],
    "a pattern is written between slashes: matches /^[0-9]{9}$/": [
        _B + 'rule a: hold "x" unless patient.address.postal_code matches "^[0-9]{9}$"',
    ],
    'a modifier is two letters or digits, as in "add modifier GP to therapy"': [
        _B + "rule a: add modifier G to therapy",
        _B + "rule a: add modifier GPX to therapy",
    ],
    'dates are written YYYY-MM-DD, as in "effective 2026-01-01"': [
        "rules medicare effective 2026-1-1 {",
        "rules medicare effective 01/01/2026 {",
    ],
    "the condition is incomplete after and/or/not": [
        _B + "rule a: drop NORCM when charge.units > 2 and",
        _B + "rule a: drop NORCM when charge.units > 2 or }",
        # as seen when a one-line block is cut at its "}" after an earlier error
        _B + "rule a: drop NORCM when charge.units > 2 or",
    ],
    'a pair edit\'s bypass reads "unless modifier 59 XU"': [
        _B + "rule a: deny 97140 with 97530 per day unless modifiers 59",
    ],
    # found by a new user writing a payer from the docs (issue 27)
    'a modifier that spares the lines is named with "modifier": unless modifier 59': [
        _B + "rule a: deny 97140 with 97530 per day unless 59",
        _B + "rule a: deny 97140 with 97530 per day unless XU",
    ],
    'a pair edit reads "deny CODES with CODES", as in: deny 97140 with 97530 per day': [
        _B + "rule a: deny 97140 and 97530 per day",
        _B + "rule a: deny 97140 & 97530 per day",
    ],
    "the methods are written with hyphens: using cms-8-minute, using substantial-portion": [
        _B + "rule a: limit 97110 by minutes using substantial portion",
        _B + "rule a: limit 97110 by minutes using cms 8 minute",
    ],
    'conditions are joined with the words "and" and "or", as in: when A and B': [
        _B + "rule a: drop NORCM when charge.units > 1 && charge.units < 5",
        _B + "rule a: drop NORCM when charge.units > 1 || charge.units < 5",
    ],
    "a date in a condition is written YYYY-MM-DD, as in visit.date_of_service > 2026-03-31": [
        _B + "rule a: drop NORCM when visit.date_of_service > 03/31/2026",
        _B + "rule a: drop NORCM when visit.date_of_service > 3/31/2026",
    ],
    "a field is compared with a value; a yes/no field with true or false, as in "
    "case.authorization_required = true": [
        _B + "rule a: drop NORCM when case.authorization_required and charge.units > 1",
        _B + "rule a: drop NORCM when case.authorization_required or charge.units > 1",
        # at the end of its rule, as parsed on its own once the block's "}" is cut off
        _B + "rule a: drop NORCM when case.authorization_required",
    ],
    "a rule needs an id after the word rule, as in: rule no-bill: drop NORCM": [
        _B + "rule : drop NORCM",
        _B + 'rule "Never flows": drop NORCM',
    ],
}
