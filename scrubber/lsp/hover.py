"""What a word is, shown on hover: a codeset's codes, a payer's condition, a rule's description
and action, a field's type and meaning, a code's codesets, MUE cap and PTP partners in the
folder's tables, a table's layout. Written in Markdown; the server sends plain text to an
editor that shows no Markdown."""

from __future__ import annotations

import re
from pathlib import Path

from scrubber.actions import KINDS
from scrubber.lang import ast
from scrubber.lsp import syntax
from scrubber.lsp.folder import Analysis, FileView
from scrubber.lsp.names import Defined, Names, word_at
from scrubber.model.fields import FIELDS, Field, Kind, Subject
from scrubber.tables.pairs import PairTable
from scrubber.tables.prices import PriceTable
from scrubber.tables.problems import TableError
from scrubber.tables.units import UnitTable

__all__ = ["BUILTIN_PAYER", "after_table", "hover_text", "plain"]

#: the payer every visit belongs to
BUILTIN_PAYER = "any"
#: the most codes a codeset's hover lists
_SHOWN_CODES = 60

_READ_FROM = {
    Subject.CHARGE: "read on each charge line",
    Subject.VISIT: "read from the visit",
    Subject.COUNTS: "counted by scrubber across the patient's visits",
    Subject.CASE: "read from the case",
    Subject.PATIENT: "read from the patient",
}
_KIND_WORDS = {
    Kind.TEXT: "text", Kind.NUMBER: "a number", Kind.DATE: "a date",
    Kind.BOOL: "true or false", Kind.ENUM: "a choice", Kind.LIST: "a list",
}  # fmt: skip


def hover_text(
    analysis: Analysis, names: Names, view: FileView, offset: int
) -> tuple[str, int, int] | None:
    """Markdown about the word at ``offset``, and where that word is; None for nothing."""
    word = word_at(view, offset)
    if word is None:
        return None
    text = view.text[word.start : word.end]
    found: str | None = None
    if word.kind == "type":
        found = _codeset(analysis, names, text)
    elif word.kind == "namespace":
        found = _payer(analysis, names, text)
    elif word.kind == "function":
        defined = names.rules.get((view.path, text))
        found = _rule(analysis, defined) if defined is not None else None
    elif word.kind == "property":
        found = _field(text)
    elif word.kind == "enumMember":
        found = _code(analysis, names, text)
    elif word.kind == "string" and after_table(view, word):
        found = _table(analysis, view, text.strip('"'))
    return (found, word.start, word.end) if found else None


def plain(markdown: str) -> str:
    """The hover's words without Markdown (for an editor that shows plain text)."""
    return re.sub(r"\*\*|`", "", markdown)


def _where(defined: Defined) -> str:
    return f"{defined.view.shown}:{defined.line}"


def _codeset(analysis: Analysis, names: Names, name: str) -> str | None:
    defined = names.codesets.get(name)
    if defined is None:
        return None
    codes = names.codes_of(name)
    shown = " ".join(codes[:_SHOWN_CODES])
    more = f" ... and {len(codes) - _SHOWN_CODES} more" if len(codes) > _SHOWN_CODES else ""
    count = f"{len(codes)} code{'s' if len(codes) != 1 else ''}"
    return f"**codeset {name}**: {count}\n\n`{shown}{more}`\n\ndefined in {_where(defined)}"


def _payer(analysis: Analysis, names: Names, name: str) -> str | None:
    if name == BUILTIN_PAYER:
        return f"**payer {BUILTIN_PAYER}** (built in): every visit belongs to it"
    defined = names.payers.get(name)
    if defined is None:
        return None
    payer: ast.PayerDef = defined.node
    label = f' "{payer.label}"' if payer.label else ""
    start, end = defined.view.span_offsets(payer.condition.span)
    condition = " ".join(defined.view.text[start:end].split())
    return (
        f"**payer {name}**{label}\n\na visit belongs to it when `{condition}`\n\n"
        f"defined in {_where(defined)}"
    )


def _rule(analysis: Analysis, defined: Defined) -> str:
    rule: ast.Rule = defined.node
    block = defined.block
    lines = [f"**rule {defined.view.rule_file.stem}/{rule.id}**"]
    if rule.description:
        lines.append(rule.description)
    action = KINDS.render(rule.action)
    if rule.condition is not None:
        start, end = defined.view.span_offsets(rule.condition.span)
        action += " " + " ".join(defined.view.text[start:end].split())
    lines.append(f"`{action}`")
    if block is not None:
        dates = ""
        if block.effective or block.through:
            dates = f", from {block.effective or 'the start'} through {block.through or 'no end'}"
        lines.append(f"for visits of payer {block.payer}{dates}")
    lines.append(f"audit entries name it {defined.view.rule_file.stem}/{rule.id} "
                 f"({_where(defined)})")  # fmt: skip
    return "\n\n".join(lines)


def _field(path: str) -> str | None:
    field = FIELDS.get(path)
    if field is not None:
        return _field_words(field)
    under = sorted(p for p in FIELDS if p.startswith(path + "."))
    if not under:
        return None
    listed = ", ".join(p[len(path) + 1 :] for p in under)
    return f"**{path}**: a record; its fields: {listed}"


def _field_words(field: Field) -> str:
    kind = _KIND_WORDS[field.kind]
    if field.kind is Kind.ENUM:
        kind = "one of " + ", ".join(f'"{c}"' for c in field.choices)
    lines = [f"**{field.path}**: {kind}, {_READ_FROM[field.subject]}"]
    if field.description:
        lines.append(field.description[0].upper() + field.description[1:] + ".")
    if field.settable:
        lines.append("A rule may change it with `set`.")
    return "\n\n".join(lines)


def _code(analysis: Analysis, names: Names, code: str) -> str:
    lines = [f"**{code}**"]
    holding = names.codesets_holding(code)
    if holding:
        lines.append("in codeset" + ("s " if len(holding) > 1 else " ") + ", ".join(holding))
    for path, cap in analysis.tables.caps(code):
        scope = f" per {cap.scope.value}" if cap.scope is not None else ""
        indicator = f", MUE adjudication indicator {cap.indicator}" if cap.indicator else ""
        unit = "unit" if cap.units == 1 else "units"
        lines.append(f"MUE cap: {cap.units} {unit}{scope} ({_table_name(analysis, path)}"
                     f"{indicator})")  # fmt: skip
    for path, partners in analysis.tables.partners(code):
        parts = []
        if partners.denies:
            more = f" and {partners.more_denies} more" if partners.more_denies else ""
            parts.append(f"billed with {code}, these are denied: "
                         f"{' '.join(partners.denies)}{more}")  # fmt: skip
        if partners.denied_by:
            more = f" and {partners.more_denied_by} more" if partners.more_denied_by else ""
            parts.append(f"{code} is denied when billed with: "
                         f"{' '.join(partners.denied_by)}{more}")  # fmt: skip
        lines.append(f"PTP edits ({_table_name(analysis, path)}): " + "; ".join(parts))
    return "\n\n".join(lines)


def _table_name(analysis: Analysis, path: Path) -> str:
    """A table as the checker names it: the rules folder's name, then the path inside it."""
    folder = analysis.folder.resolve()
    if path.is_relative_to(folder):
        return f"{folder.name}/{path.relative_to(folder).as_posix()}"
    return str(path)


def after_table(view: FileView, word: syntax.Word) -> bool:
    before = view.text[max(0, word.start - 40) : word.start]
    return re.search(r"\btable\s*$", before) is not None


def _table(analysis: Analysis, view: FileView, written: str) -> str | None:
    found = analysis.tables.table_named(view.path, written)
    if found is None:
        return None
    table = found[1]
    if isinstance(table, TableError):
        return f"**table {written}**: cannot be used (see the problems in the table)"
    if isinstance(table, UnitTable):
        layout = "the CMS practitioner MUE layout" if table.layout == "cms" else "code,units"
        return f"**table {written}**: unit caps ({layout}), {len(table):,} codes"
    if isinstance(table, PriceTable):
        return f"**table {written}**: amounts per unit (code,amount), {len(table):,} rows"
    assert isinstance(table, PairTable)
    layout = "the CMS PTP layout" if table.layout == "cms" else "column1,column2,modifier_indicator"
    return f"**table {written}**: procedure-to-procedure edits ({layout}), {len(table):,} rows"
