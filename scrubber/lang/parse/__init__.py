"""Rule text to AST: the one place where lark trees and tokens exist.

``driver`` parses a file (and recovers statement by statement after a syntax error),
``incremental`` parses again only the statements an edit changed, ``limits`` refuses what no
file may hold before lark sees it, ``grammar`` builds the parser,
``tree``, ``rules_tree`` and ``tests_tree`` turn lark's tree into AST nodes (each kind of
action, expression and expectation building its own), ``syntax_errors`` says what went wrong
in words (and maps known mistakes to their message), ``assemble`` pairs the braces of blocks.
"""

from __future__ import annotations

from scrubber.lang.parse.driver import ParsedFile, parse_rules
from scrubber.lang.parse.grammar import parser, reserved_words
from scrubber.lang.parse.incremental import Reparse
from scrubber.lang.parse.limits import MAX_FILE_BYTES, MAX_LINE_LENGTH, MAX_NESTING
from scrubber.lang.parse.syntax_errors import error_at

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_LINE_LENGTH",
    "MAX_NESTING",
    "ParsedFile",
    "Reparse",
    "error_at",
    "parse_rules",
    "parser",
    "reserved_words",
]
