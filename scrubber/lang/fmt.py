"""One canonical layout for rule files: ``scrubber fmt``.

The layout is rendered from the AST, so formatting can never change meaning (a property test
checks that ``parse(fmt(x)) == parse(x)`` and ``fmt(fmt(x)) == fmt(x)``). Comments are not in the
AST: they are collected by the lexer and put back, each on its own line, above the statement,
rule or test line they stood in or before.
"""

from __future__ import annotations

import bisect
import re
from contextvars import ContextVar
from functools import cache
from typing import Any

from lark import Lark, Token

from scrubber.errors import RuleSetError
from scrubber.lang import ast
from scrubber.lang.expects import render_expect
from scrubber.lang.expressions import render_expr
from scrubber.lang.kinds import ActionKinds
from scrubber.lang.parse import parse_rules
from scrubber.lang.render import render_item, render_value
from scrubber.resources import grammar_text

__all__ = ["format_rules"]

INDENT = "    "
WIDTH = 100
#: the words of an action, a text in quotes as one word (a line break may not stand inside it)
_WORDS = re.compile(r'"[^"]*"|\S+')
#: the comments of the text being formatted in this thread or task (the lexer's callback is
#: fixed when the parser is built, so each call hands it its own list through a context variable)
_collected: ContextVar[list[Token] | None] = ContextVar("scrubber_fmt_comments", default=None)


def _keep_comment(token: Token) -> None:
    found = _collected.get()
    if found is not None:
        found.append(token)


@cache
def _comment_lexer() -> Lark:
    # A second parser whose lexer hands over the comments it skips.
    return Lark(grammar_text(), parser="lalr", lexer_callbacks={"COMMENT": _keep_comment})


def _collect_comments(text: str) -> list[tuple[int, str]]:
    found: list[Token] = []
    token = _collected.set(found)
    try:
        _comment_lexer().parse(text)
    finally:
        _collected.reset(token)
    return [(comment.line or 0, str(comment).rstrip()) for comment in found]


# ---- layout ---------------------------------------------------------------------------------


def _wrap(head: str, words: list[str], indent: str) -> list[str]:
    lines, current = [], head
    for word in words:
        if len(current) + 1 + len(word) > WIDTH and current != head:
            lines.append(current)
            current = indent + word
        else:
            current = f"{current} {word}"
    lines.append(current)
    return lines


class _Writer:
    def __init__(self, comments: list[tuple[int, str]], source: list[str]) -> None:
        self.source = source
        self.comments = sorted(comments)
        self.lines_of = [line for line, _ in self.comments]
        self.taken = 0
        self.out: list[str] = []

    def comments_before(self, line: int, indent: str) -> None:
        """Emit the comments that stand on lines up to ``line`` (the node's last line)."""
        end = bisect.bisect_right(self.lines_of, line)
        for number, text in self.comments[self.taken : end]:
            self.out.append(indent + text)
            # A comment block that stood apart from what follows keeps its blank line.
            if number < len(self.source) and not self.source[number].strip() and number + 1 < line:
                self.out.append("")
        self.taken = max(self.taken, end)

    def blank(self) -> None:
        if self.out and self.out[-1] != "":
            self.out.append("")


def _statements(rule_file: ast.RuleFile) -> list[Any]:
    items: list[Any] = [
        *rule_file.codesets, *rule_file.payers, *rule_file.charges, *rule_file.blocks,
        *rule_file.tests,
    ]  # fmt: skip
    return sorted(items, key=lambda node: (node.span.line, node.span.column))


def format_rules(text: str, file: str, kinds: ActionKinds[Any]) -> str:
    """The canonical layout of a rule file; ``RuleSetError`` if it does not parse."""
    parsed = parse_rules(text, file, kinds)
    if parsed.errors:
        raise RuleSetError(list(parsed.errors))
    writer = _Writer(_collect_comments(text), text.split("\n"))
    previous: type | None = None
    for node in _statements(parsed.file):
        # A blank line between statements, except within a run of codesets or of payers.
        same_run = previous is type(node) and previous in (ast.CodesetDef, ast.PayerDef)
        if previous is not None and not same_run:
            writer.blank()
        previous = type(node)
        if isinstance(node, ast.Block):
            _block(writer, node, kinds)
            continue
        writer.comments_before(node.span.line, "")
        if isinstance(node, ast.CodesetDef):
            writer.out += _wrap(
                f"codeset {node.name} =", [render_item(i) for i in node.items], INDENT
            )
        elif isinstance(node, ast.ChargeMaster):
            writer.out.append(f'charges by table "{node.file}"')
        elif isinstance(node, ast.PayerDef):
            label = f' "{node.label}"' if node.label is not None else ""
            writer.out.append(f"payer {node.name}{label} when {render_expr(node.condition)}")
        else:
            _test(writer, node)
    writer.comments_before(10**9, "")
    return "\n".join(writer.out).rstrip("\n") + "\n" if writer.out else ""


def _block(writer: _Writer, block: ast.Block, kinds: ActionKinds[Any]) -> None:
    writer.comments_before(block.span.line, "")
    dates = ""
    if block.effective:
        dates = f" effective {render_value(block.effective)}"
    if block.through:
        dates += f" through {render_value(block.through)}"
    writer.out.append(f"rules {block.payer}{dates} {{")
    for rule in block.rules:
        writer.comments_before(rule.span.end_line, INDENT)
        description = f' "{rule.description}"' if rule.description is not None else ""
        writer.out.append(f"{INDENT}rule {rule.id}{description}:")
        words = _WORDS.findall(kinds.render(rule.action))
        action = _wrap(INDENT * 2 + words[0], words[1:], INDENT * 3)
        writer.out += action[:-1]
        line = action[-1]
        if rule.condition is not None:
            word = "unless" if rule.condition.negated else "when"
            condition = f"{word} {render_expr(rule.condition.expr)}"
            if len(line) + 1 + len(condition) <= WIDTH:
                line += " " + condition
            else:
                writer.out.append(line)
                line = INDENT * 3 + condition
        writer.out.append(line)
    writer.comments_before(block.span.end_line, INDENT)
    writer.out.append("}")


def _test(writer: _Writer, test: ast.RuleTest) -> None:
    head = f'test "{test.name}"'
    if test.payer:
        head += f" for {test.payer}"
    if test.on:
        head += f" on {render_value(test.on)}"
    writer.out.append(head + ":")
    for item in (*test.steps, *test.expects):
        writer.comments_before(item.span.line, INDENT)
        writer.out.append(INDENT + _test_item(item))


def _test_item(item: ast.TestStep | ast.Expect) -> str:
    if isinstance(item, ast.Given):
        if item.value is None:
            return f"without {item.path.name}"
        return f"with {item.path.name} = {render_value(item.value.value)}"
    if isinstance(item, ast.NextVisit):
        return "next visit" + (f" on {render_value(item.on)}" if item.on else "")
    if isinstance(item, ast.TestCharge):
        text = f"charge {item.cpt} units {item.units}"
        if item.minutes is not None:
            text += f" minutes {item.minutes}"
        if item.modifiers:
            text += " modifiers " + " ".join(item.modifiers)
        return text
    if isinstance(item, ast.RepeatVisit):
        every = f" every {item.every} days" if item.every is not None else ""
        return f"repeat visit {item.times} times{every}"
    return render_expect(item)
