"""Parsing again after an edit (scrubber.lang.parse.incremental): only the statements whose text
changed go to the parser, and the result is exactly the whole file's parse, every position
included (issue 28: diagnostics under 200 ms while a 1,000-rule file is edited)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
from fuzzing import grammar_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrubber.actions import KINDS
from scrubber.lang import ast
from scrubber.lang.parse import Reparse, parse_rules
from scrubber.lang.parse.incremental import _moved

BUNDLED = Path(__file__).resolve().parent.parent / "payer_rules"
RELAXED = settings(suppress_health_check=list(HealthCheck), deadline=None, max_examples=60)


def _deep(value: Any) -> Any:
    """A value with every field of every node, spans included (node equality leaves spans out)."""
    if attrs.has(type(value)):
        return (type(value).__name__, tuple((f.name, _deep(getattr(value, f.name)))
                                            for f in attrs.fields(type(value))))  # fmt: skip
    if isinstance(value, tuple | list):
        return tuple(_deep(item) for item in value)
    if isinstance(value, frozenset):
        return frozenset(_deep(item) for item in value)
    return value


def _same(text: str, reparse: Reparse) -> None:
    whole = parse_rules(text, "f.rules", KINDS)
    again = parse_rules(text, "f.rules", KINDS, reparse)
    assert _deep(again) == _deep(whole)


def _lines_edited(text: str, other: str, cut: int, length: int) -> str:
    """``text`` with ``length`` of its lines from line ``cut`` replaced by ``other``'s lines."""
    lines = text.split("\n")
    cut = cut % (len(lines) + 1)
    return "\n".join([*lines[:cut], *other.split("\n"), *lines[cut + length :]])


@RELAXED
@given(
    first=grammar_texts(spaced=True),
    second=grammar_texts(spaced=True),
    cut=st.integers(0, 60),
    length=st.integers(0, 4),
)
def test_a_parse_after_an_edit_is_the_whole_files_parse(first, second, cut, length):
    reparse = Reparse()
    _same(first, reparse)
    edited = _lines_edited(first, second, cut, length)
    _same(edited, reparse)
    # lines added above every statement: each known statement moves down
    _same("# a new first line\n\n" + edited, reparse)
    _same(edited, reparse)


def test_the_bundled_files_edited_line_by_line():
    for path in sorted(BUNDLED.glob("*.rules")):
        text = path.read_text(encoding="utf-8")
        reparse = Reparse()
        _same(text, reparse)
        lines = text.split("\n")
        for number in range(0, len(lines), 3):
            # a line taken away, then given back: every statement below moves up, then down
            _same("\n".join(lines[:number] + lines[number + 1 :]), reparse)
            _same(text, reparse)
        # a syntax error typed into a rule, then fixed: the errors read as without a reparse
        broken = text.replace("rule ", "rule rule ", 1)
        _same(broken, reparse)
        _same(text, reparse)


def test_only_the_changed_statements_are_parsed_again():
    text = "rules any {\n" + "".join(f"  rule r{n}: drop 9{n:04d}\n" for n in range(50)) + "}\n"
    reparse = Reparse()
    parsed: list[str] = []

    def counting(piece: str, offset: int) -> list[Any] | None:
        parsed.append(piece)
        return [piece]

    starts = [0, *(text.index(f"  rule r{n}:") for n in range(50)), text.index("}\n")]
    assert len(reparse.statements(text, "f", starts, counting) or []) == 52
    parsed.clear()
    edited = text.replace("drop 90007", "drop 90077")
    assert reparse.statements(edited, "f", starts, counting) is not None
    assert parsed == ["  rule r7: drop 90077\n"]
    parsed.clear()
    # another file's pieces are never taken for this one's
    reparse.statements(edited, "g", starts, counting)
    assert len(parsed) == 52


def test_a_moved_statement_has_every_span_moved_and_nothing_else():
    parsed = parse_rules(
        'rules any {\n  rule x "X": hold "Y" when charge.units > 1\n}\n', "f", KINDS
    )
    (rule,) = parsed.file.blocks[0].rules
    moved = _moved(rule, 5)
    assert moved == rule  # equality leaves spans out
    assert moved.span.line == rule.span.line + 5
    assert moved.span.end_line == rule.span.end_line + 5
    assert moved.span.column == rule.span.column
    assert _deep(_moved(moved, -5)) == _deep(rule)
    # the spans inside the rule move too: its action's, and its condition's
    assert moved.action.span.line == rule.action.span.line + 5
    assert isinstance(moved.condition, ast.Condition) and isinstance(rule.condition, ast.Condition)
    assert moved.condition.span.line == rule.condition.span.line + 5
