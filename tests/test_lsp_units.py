"""The language server's parts that need no client: positions in the three ways of counting,
warnings as warnings, the command without its extra, and the layers it loads."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lsprotocol import types

from scrubber.errors import RuleError
from scrubber.lsp.diagnostics import message_of, severity_of
from scrubber.lsp.positions import LineIndex, units

Utf8, Utf16, Utf32 = (
    types.PositionEncodingKind.Utf8,
    types.PositionEncodingKind.Utf16,
    types.PositionEncodingKind.Utf32,
)


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [("é😀a", Utf16, 4), ("é😀a", Utf8, 7), ("é😀a", Utf32, 3), ("abc", Utf16, 3)],
)
def test_units_of_each_encoding(text: str, encoding: str, expected: int) -> None:
    assert units(text, encoding) == expected


def test_lines_end_at_the_protocol_breaks_only() -> None:
    text = "a\u2028b\x0cc\nBAD\r\nx\ry"
    index = LineIndex(text)
    assert index.line_count == 4
    assert [index.line_text(n) for n in range(4)] == ["a\u2028b\x0cc", "BAD", "x", "y"]
    assert index.offset(types.Position(1, 0), Utf16) == text.index("BAD")
    assert index.position(text.index("y"), Utf16) == types.Position(3, 0)
    # inside "\r\n": the end of the line
    assert index.position(text.index("\r\n") + 1, Utf16) == types.Position(1, 3)
    assert index.end_position(Utf16) == types.Position(3, 1)


def test_offsets_in_every_encoding_clamp_and_round_down() -> None:
    text = "x😀é y\n"
    index = LineIndex(text)
    y = text.index("y")
    for encoding, character in ((Utf16, 5), (Utf8, 8), (Utf32, 4)):
        assert index.position(y, encoding) == types.Position(0, character)
        assert index.offset(types.Position(0, character), encoding) == y
    # the second half of the surrogate pair, a UTF-8 continuation: the code point's start
    assert index.offset(types.Position(0, 2), Utf16) == 1
    assert index.offset(types.Position(0, 3), Utf8) == 1
    # past the line's end, past the text's end
    assert index.offset(types.Position(0, 99), Utf16) == text.index("\n")
    assert index.offset(types.Position(9, 0), Utf16) == len(text)


def test_the_checkers_positions_count_lines_at_newlines_only() -> None:
    text = "ab\rcd\n\u2028ef\n"
    index = LineIndex(text)
    assert index.lark_offset(1, 4) == text.index("c")  # lark: "\r" is no line break
    assert index.lark_offset(2, 2) == text.index("e")
    assert index.position(index.lark_offset(1, 4), Utf16) == types.Position(1, 0)
    assert index.lark_offset(9, 1) == len(text)


def test_a_warning_is_a_warning_with_its_code_and_words() -> None:
    error = RuleError("E050", "and mixed with or", "r/a.rules", 1, 1, notes=("see the docs",))
    assert severity_of(error) == types.DiagnosticSeverity.Error
    error.severity = "warning"  # type: ignore[attr-defined]  # as issue 27's warnings carry
    assert severity_of(error) == types.DiagnosticSeverity.Warning
    assert message_of(error) == "and mixed with or\nnote: see the docs"


def test_scrubber_lsp_without_the_extra_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['pygls'] = None\n"
        "from scrubber.cli import main\n"
        "sys.exit(main(['lsp']))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert run.stderr == (
        "error: scrubber lsp needs the lsp extra: pip install 'charge-scrubber[lsp]'\n"
    )
    assert run.stdout == ""


def test_serving_a_folder_loads_no_engine_module() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from scrubber.lsp import server, hover, completion, formatting, tokens\n"
        "from scrubber.lsp.folder import Folder\n"
        "from scrubber.lsp.names import Names\n"
        "from scrubber.resources import bundled_rules_dir\n"
        "folder = bundled_rules_dir()\n"
        "analysis = Folder(folder, print).analyze({}, 1)\n"
        "names = Names(analysis)\n"
        "for view in analysis.files.values():\n"
        "    tokens.encode(view, 'utf-16')\n"
        "    formatting.formatted(view)\n"
        "    for offset in range(0, len(view.text), 7):\n"
        "        hover.hover_text(analysis, names, view, offset)\n"
        "        completion.complete(analysis, names, view, offset)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('scrubber.engine'))\n"
        "print(loaded, analysis.errors)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "[] {}"
