"""The parser built from the grammar, and the words of the language it defines."""

from __future__ import annotations

from functools import cache

from lark import Lark
from lark.lexer import PatternStr

from scrubber.resources import grammar_text

__all__ = ["literal_terminals", "parser", "reserved_words"]


@cache
def parser() -> Lark:
    """The LALR parser, built once per process."""
    return Lark(
        grammar_text(),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


@cache
def reserved_words() -> frozenset[str]:
    """The words of the language (``limit``, ``rule``, ``when``, ...): no name may be one."""
    words = {text for text in literal_terminals().values() if text.isalpha()}
    return frozenset(words | {"unit", "units"})


@cache
def literal_terminals() -> dict[str, str]:
    """Keyword terminals by name -> their text, so errors can say "rule" and not RULE."""
    return {
        t.name: t.pattern.value for t in parser().terminals if isinstance(t.pattern, PatternStr)
    }
