"""How text that came from an input is shown to a person: quoted in a message, cut when long
(saying how much was left out), and with its control characters escaped on a terminal.

Everything scrubber reads was written by someone else, and a message or a report quotes some of
it. Quoted whole, a megabyte-long element or header would make a megabyte-long error line; a
terminal would obey an escape sequence hidden in a location (change the window title, recolour
the screen, move the cursor over the figures) or a carriage return that writes over the line. So
every message quotes input through ``quoted`` and every terminal table shows text through
``visible`` (per cell, through ``cell``): one place for each rule, used by every reader and
every renderer.
"""

from __future__ import annotations

from scrubber.model.records import mask_ssn_like

__all__ = ["QUOTED", "cell", "cut", "double_quoted", "quoted", "visible", "visible_lines"]

#: the most characters of one value a message quotes
QUOTED = 60
#: the longest SSN-shaped run of characters (``123-45-6789``): masking looks this far past a cut
_SSN_SPAN = 11


def _escape(code: int) -> str:
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    if code in named:
        return named[code]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


#: C0 controls (ESC, CR, BEL, backspace...), DEL, C1 controls (0x9b is a one-byte CSI), the
#: marks that reverse the direction of text, and the Unicode line and paragraph separators
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x061C, 0x200E, 0x200F,
             *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]  # fmt: skip
_VISIBLE = {code: _escape(code) for code in _CONTROLS}
_VISIBLE_LINES = {code: text for code, text in _VISIBLE.items() if code != 0x0A}


def visible(text: str) -> str:
    """``text`` with every control character shown as its escape (``\\x1b``, ``\\r``,
    ``\\u202e``), so that a terminal prints it instead of obeying it; a line break too (a
    table cell is one line)."""
    if text.isprintable():
        return text
    return text.translate(_VISIBLE)


def visible_lines(text: str) -> str:
    """Like ``visible``, but line breaks stay: for a whole rendered table, the last guard
    before a terminal (a cell that was not cut through ``cell`` is escaped here)."""
    if text.isprintable():
        return text
    return text.translate(_VISIBLE_LINES)


def cell(text: str, width: int) -> str:
    """A terminal table cell of at most ``width`` characters: control characters escaped
    first (so that the width is what the terminal shows), then cut with ``…``."""
    shown = visible(text)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def cut(text: str, limit: int = QUOTED) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out:
    ``AAAA… (999,940 more characters)``; unchanged when it is short enough."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def quoted(value: str, limit: int = QUOTED, *, marks: str = "'") -> str:
    """``value`` as a message quotes it: in quotes, with control characters made visible
    (``'A123 '``, ``'\\x1b[31m'``), SSN-shaped digits masked, and at most ``limit``
    characters of it, saying how many were left out: ``'AAAA…' (999,940 more characters)``.

    ``marks='"'`` quotes in double quotes, escaping only control characters (the messages of
    table files quote cells that way: ``"four" is not a whole number of units``)."""
    left = max(len(value) - limit, 0)
    # Mask before cutting, so that a cut never leaves 8 digits of an SSN; only the part shown
    # (and one SSN's length past it) is looked at, however long the value.
    head = mask_ssn_like(value[: limit + _SSN_SPAN])[:limit] if left else mask_ssn_like(value)
    if marks == "'":
        text = repr(head)
        text = f"{text[:-1]}…{text[-1]}" if left else text
    else:
        text = f"{marks}{visible(head)}{'…' if left else ''}{marks}"
    return f"{text} ({left:,} more characters)" if left else text


def double_quoted(value: str, limit: int = QUOTED) -> str:
    """``quoted`` in double quotes: how the messages of table files quote a cell."""
    return quoted(value, limit, marks='"')
