"""Completion: what the grammar takes where the cursor is, filled in from the folder.

lark's interactive parser reads the statement up to the word being typed and says which
terminals it accepts there (as the parser's own syntax errors do): the language's words where
they may stand, and for the open slots what the folder holds: codeset names and the tables'
codes where codes go, payers after ``rules`` (and ``for`` in a test), fields where a condition
reads one and, after each dot, the fields under it (``patient.`` offers ``address``,
``birth_date``, ...), scopes, methods, modifiers already used in the folder, table files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import attrs

from scrubber.lang import ast
from scrubber.lsp import syntax
from scrubber.lsp.folder import Analysis, FileView
from scrubber.lsp.hover import BUILTIN_PAYER
from scrubber.lsp.names import Names, words_of
from scrubber.model.fields import FIELDS
from scrubber.tables.sources import PART_SUFFIXES

__all__ = ["MAX_ITEMS", "Item", "complete"]

#: the most items sent at once (the tables of a folder may hold thousands of codes)
MAX_ITEMS = 200
_TYPED = re.compile(r"[A-Za-z0-9_.\-]*\Z")
_PATH_TYPED = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z0-9_]*)+\Z")


@attrs.frozen
class Item:
    """One completion: the text put in, its kind (``keyword``, ``field``, ``codeset``,
    ``payer``, ``code``, ``value``, ``file``), a short detail, and the offsets it replaces."""

    label: str
    kind: str
    detail: str = ""
    start: int = 0
    end: int = 0


def complete(
    analysis: Analysis, names: Names, view: FileView, offset: int
) -> tuple[list[Item], bool]:
    """The completions at ``offset`` and whether the list was cut short."""
    text = view.text
    typed_match = _TYPED.search(text, 0, offset)
    start = typed_match.start() if typed_match else offset
    typed = text[start:offset]
    if _inside_text(view, offset):
        return [], False
    if _PATH_TYPED.match(typed):
        dot = start + typed.rfind(".") + 1
        return _fields_after(typed[: dot - start], text[dot:offset], dot, offset), False
    choices, previous = syntax.accepted(text, start)
    keywords = syntax.keyword_terminals()
    items: list[Item] = []
    for terminal in sorted(choices):
        if terminal in keywords and keywords[terminal].isalpha():
            items.append(Item(keywords[terminal], "keyword"))
        elif terminal == "_UNITS":
            items.extend(Item(word, "keyword") for word in ("units", "unit"))
        elif terminal == "UNLESS_MODIFIER":
            items.append(Item("unless modifier", "keyword"))
        elif terminal == "PATH":
            items.extend(Item(p, "field", _detail(p)) for p in FIELDS)
        elif terminal == "ITEM" and previous != "RULE":
            items.extend(Item(n, "codeset", _codes_detail(names, n)) for n in names.codesets)
            items.extend(_codes(analysis, typed))
        elif terminal == "NAME" and previous in ("RULES", "FOR"):
            items.extend(_payers(names))
        elif terminal == "SCOPE":
            items.extend(Item(scope.value, "value", "scope") for scope in ast.Scope)
        elif terminal == "METHOD":
            items.extend(Item(method, "value", "method") for method in _methods())
        elif terminal == "MODIFIER":
            items.extend(Item(m, "value", "modifier") for m in _modifiers(analysis))
        elif terminal == "STRING" and previous == "TABLE":
            items.extend(_table_files(analysis.folder, view.path.parent))
    items = [attrs.evolve(i, start=start, end=offset) for i in items if i.label.startswith(typed)]
    unique = list({(i.label, i.kind): i for i in items}.values())
    return unique[:MAX_ITEMS], len(unique) > MAX_ITEMS


def _inside_text(view: FileView, offset: int) -> bool:
    """Within a comment, a quoted text or a pattern: nothing to complete."""
    for word in words_of(view):
        if word.start >= offset:
            break
        if word.kind in ("comment", "string", "regexp") and word.start < offset:
            closed = word.kind == "comment" or view.text[word.end - 1 : word.end] in '"/'
            inside = offset < word.end or (word.kind == "comment" and offset == word.end)
            if inside or (not closed and offset >= word.end):
                return True
    return False


def _fields_after(prefix: str, typed: str, start: int, end: int) -> list[Item]:
    """The next part of a field path after ``prefix`` (which ends with a dot)."""
    found: dict[str, Item] = {}
    for path in FIELDS:
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix) :]
        head, dot, _ = rest.partition(".")
        if not head.startswith(typed) or head in found:
            continue
        if dot:
            found[head] = Item(head, "record", f"{prefix}{head}: a record", start, end)
        else:
            found[head] = Item(head, "field", _detail(path), start, end)
    return sorted(found.values(), key=lambda item: item.label)


def _detail(path: str) -> str:
    field = FIELDS[path]
    kind = field.kind.value if not field.choices else "one of " + ", ".join(field.choices)
    return f"{kind}: {field.description}" if field.description else kind


def _codes_detail(names: Names, name: str) -> str:
    codes = names.codes_of(name)
    shown = " ".join(codes[:6]) + (" ..." if len(codes) > 6 else "")
    return f"codeset of {len(codes)}: {shown}"


def _codes(analysis: Analysis, typed: str) -> Iterable[Item]:
    codes = sorted(c for c in analysis.tables.codes() if c.startswith(typed))
    return (Item(code, "code", "a code in the folder's tables") for code in codes[: MAX_ITEMS + 1])


def _payers(names: Names) -> list[Item]:
    items = [Item(BUILTIN_PAYER, "payer", "every visit")]
    for name, defined in names.payers.items():
        label = defined.node.label
        items.append(Item(name, "payer", f'"{label}"' if label else "payer"))
    return items


def _methods() -> list[str]:
    try:
        from scrubber.actions.limit_minutes import METHODS
    except ImportError:  # pragma: no cover - the kind moved: the folder's own words remain
        return []
    return list(METHODS)


def _modifiers(analysis: Analysis) -> list[str]:
    """The modifiers written in the folder's rules and tests."""
    found: set[str] = set()
    for view in analysis.files.values():
        found.update(view.text[w.start : w.end] for w in words_of(view) if w.kind == "decorator")
    return sorted(found)


def _table_files(folder: Path, beside: Path) -> list[Item]:
    """The tables of the rules folder, as a rule file beside ``beside`` names them."""
    items = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in (*PART_SUFFIXES, ".zip") and path.is_file():
            relative = path.relative_to(beside).as_posix()
            items.append(Item(f'"{relative}"', "file", "a table"))
    return items[:MAX_ITEMS]
