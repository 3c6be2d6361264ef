"""The stages about names: each codeset and payer defined once, rule files named apart, and no
name that is a word of the language."""

from __future__ import annotations

from scrubber.lang import ast, codes
from scrubber.lang.check.checker import Checker
from scrubber.lang.checked import BUILTIN_PAYER
from scrubber.lang.parse import reserved_words

__all__ = ["definitions", "names"]


def definitions(checker: Checker) -> None:
    """Codesets and payers are shared by every file: each name defined once; files named apart
    (audit entries name rules by file name)."""
    stems: dict[str, ast.RuleFile] = {}
    for source in checker.sources:
        rule_file = source.parsed.file
        if not rule_file.blocks and not rule_file.codesets and not rule_file.payers:
            continue  # a file of tests only: its name names no rule
        if rule_file.stem in stems:
            checker.error(
                codes.DUPLICATE_DEFINITION, f'two rule files are named "{rule_file.stem}" '
                f"({stems[rule_file.stem].path} and this one): audit entries name rules by file "
                "name, so names must differ", ast.Span(rule_file.path, 1, 1, 1, 1),
            )  # fmt: skip
        stems.setdefault(rule_file.stem, rule_file)
        for codeset in rule_file.codesets:
            first = checker.codeset_defs.get(codeset.name)
            if first is not None:
                checker.error(
                    codes.DUPLICATE_DEFINITION,
                    f'codeset "{codeset.name}" is already defined at {first.span}',
                    codeset.span,
                )
            else:
                checker.codeset_defs[codeset.name] = codeset
        for payer in rule_file.payers:
            if payer.name == BUILTIN_PAYER:
                checker.error(codes.DUPLICATE_DEFINITION, '"any" is the built-in payer that '
                              "matches every visit; choose another name", payer.span)  # fmt: skip
                continue
            first_payer = checker.payer_defs.get(payer.name)
            if first_payer is not None:
                checker.error(
                    codes.DUPLICATE_DEFINITION,
                    f'payer "{payer.name}" is already defined at {first_payer.span}',
                    payer.span,
                )
            else:
                checker.payer_defs[payer.name] = payer


def names(checker: Checker) -> None:
    """No codeset or payer may be named with a word of the language: ``add modifier GP to
    limit`` could not be read. (A rule's id is only ever shown, so any word will do.)"""
    reserved = reserved_words()
    for source in checker.sources:
        rule_file = source.parsed.file
        named: list[tuple[str, str, ast.Span]] = [
            *(("codeset", c.name, c.span) for c in rule_file.codesets),
            # "payer any" has its own message (the built-in payer)
            *(("payer", p.name, p.span) for p in rule_file.payers if p.name != BUILTIN_PAYER),
        ]
        for kind, name, span in named:
            if name in reserved:
                checker.error(
                    codes.RESERVED_WORD, f'"{name}" is a word of the language and cannot name a '
                    f"{kind}: choose another name, like my-{name}", _name_span(checker, span, name),
                )  # fmt: skip


def _name_span(checker: Checker, span: ast.Span, name: str) -> ast.Span:
    """Where a definition's name stands: the first word after its keyword."""
    lines = checker.lines.get(span.file, ())
    text = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    at = text.find(name, text.find(" ", span.column - 1))
    if at < 0:
        return span
    return ast.Span(span.file, span.line, at + 1, span.line, at + 1 + len(name))
