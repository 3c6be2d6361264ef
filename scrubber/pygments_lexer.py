"""Syntax highlighting of rule files for Pygments (docs, ``pygmentize``).

Registered as the Pygments lexer ``scrubber-rules`` (``*.rules``, ``*.test``) through the
``pygments.lexers`` entry point. Pygments is only needed when this module is used.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from scrubber.actions import KINDS

__all__ = ["RulesLexer"]

#: words of statements, blocks, conditions' lead-ins and rule tests; each action kind adds its
#: own (``scrubber.actions``), so a new kind is highlighted without touching this file
STATEMENT_KEYWORDS = (
    "codeset", "payer", "rules", "rule", "effective", "through", "when", "unless", "any",
    "test", "without", "next", "visit", "charge", "expect", "held", "billed", "lacks", "on",
    "modifiers", "units", "minutes", "with", "for", "modifier", "repeat", "times", "every",
    "days", "day", "charges",
)  # fmt: skip
KEYWORDS = tuple(dict.fromkeys((*STATEMENT_KEYWORDS, *KINDS.keywords())))
OPERATORS = ("and", "or", "not", "in", "matches", "is", "missing", "present", "has")
#: a word of the language stands alone: not inside a hyphenated name (``visit`` in
#: ``rule visit-cap``, ``per`` in ``per-visit``) nor a field path
_WORD_START = r"(?<![\w.-])"
_WORD_END = r"(?![\w-])"


class RulesLexer(RegexLexer):
    name = "scrubber rules"
    aliases: ClassVar[list[str]] = ["scrubber-rules", "payer-rules"]
    filenames: ClassVar[list[str]] = ["*.rules", "*.test"]
    url = "https://github.com/"

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (r"\s+", Whitespace),
            (r"#.*$", Comment.Single),
            (r'"[^"\n]*"', String.Double),
            (
                r"(matches)(\s+)(/(?:\\.|[^\\/\n])+/)",
                bygroups(Operator.Word, Whitespace, String.Regex),
            ),
            # a rule's id, a codeset's or a payer's name: whole, hyphens included
            (
                r"(rule)(\s+)([A-Za-z0-9][A-Za-z0-9_-]*)",
                bygroups(Keyword, Whitespace, Name.Function),
            ),
            (r"(codeset)(\s+)([A-Za-z][A-Za-z0-9_-]*)", bygroups(Keyword, Whitespace, Name.Class)),
            (
                r"(payer|rules)(\s+)([A-Za-z][A-Za-z0-9_-]*)",
                bygroups(Keyword, Whitespace, Name.Namespace),
            ),
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}\b", Number.Other),
            (r"\b[A-Z0-9]{5}\b", Name.Constant),
            (r"\b[A-Z0-9]{2}\b", Name.Attribute),
            (r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+", Name.Variable),
            (words(OPERATORS, prefix=_WORD_START, suffix=_WORD_END), Operator.Word),
            (words(("true", "false"), prefix=_WORD_START, suffix=_WORD_END), Keyword.Constant),
            (words(KEYWORDS, prefix=_WORD_START, suffix=_WORD_END), Keyword),
            (r"-?[0-9]+(?:\.[0-9]+)?", Number),
            (r"<=|>=|!=|=|<|>|\.\.", Operator),
            (r"[{}\[\]():,]", Punctuation),
            (r"[A-Za-z][A-Za-z0-9_-]*", Name),
            (r".", Text),
        ],
    }
