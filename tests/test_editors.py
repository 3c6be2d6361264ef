"""Editor support: the Pygments lexer and the TextMate grammar."""

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, String

from scrubber.pygments_lexer import RulesLexer

ROOT = Path(__file__).resolve().parent.parent


def test_the_lexer_is_registered_by_name_and_file_name():
    assert isinstance(get_lexer_by_name("scrubber-rules"), RulesLexer)
    assert isinstance(get_lexer_for_filename("medicare.rules"), RulesLexer)


def test_the_bundled_files_lex_without_errors():
    lexer = RulesLexer()
    for path in [*(ROOT / "payer_rules").glob("*.rules"), *(ROOT / "payer_rules").glob("*.test")]:
        tokens = list(lexer.get_tokens(path.read_text(encoding="utf-8")))
        assert not [t for t in tokens if t[0] is Error], path


def test_the_lexer_tells_codes_fields_and_patterns_apart():
    text = (
        'rule zip9: hold "Bad ZIP" unless patient.address.postal_code matches /^[0-9]{9}$/ # note'
    )
    kinds = {value: kind for kind, value in RulesLexer().get_tokens(text)}
    assert kinds["patient.address.postal_code"] is Name.Variable
    assert kinds["/^[0-9]{9}$/"] is String.Regex
    assert kinds['"Bad ZIP"'] is String.Double
    assert kinds["# note"] is Comment.Single
    assert kinds["hold"] is Keyword


def test_the_textmate_grammar_is_valid_json_with_compilable_patterns():
    grammar = json.loads(
        (ROOT / "editors" / "scrubber-rules.tmLanguage.json").read_text(encoding="utf-8")
    )
    assert grammar["scopeName"] == "source.scrubber-rules"
    for pattern in grammar["patterns"]:
        for key in ("match", "begin", "end"):
            if key in pattern:
                re.compile(pattern[key])
        for inner in pattern.get("patterns", ()):
            re.compile(inner["match"])


def _tagged_blocks(text: str) -> list[str]:
    return re.findall(r"```scrubber-rules\n(.*?)```", text, flags=re.DOTALL)


def test_rule_examples_in_the_docs_are_highlighted_and_parse():
    from scrubber.actions import LANGUAGE

    found = 0
    for path in [
        *ROOT.glob("docs/*.md"),
        ROOT / "README.md",
        ROOT / "payer_rules" / "tables" / "README.md",
    ]:
        for block in _tagged_blocks(path.read_text(encoding="utf-8")):
            found += 1
            assert not [t for t in RulesLexer().get_tokens(block) if t[0] is Error], (path, block)
            text = (
                block if not block.lstrip().startswith("rule ") else "rules any {\n" + block + "}\n"
            )
            assert LANGUAGE.parse(text, str(path)).errors == (), (path, block)
    assert found >= 5


def test_every_word_of_every_action_kind_is_highlighted_by_both_grammars():
    from scrubber.actions import KINDS

    grammar = json.loads(
        (ROOT / "editors" / "scrubber-rules.tmLanguage.json").read_text(encoding="utf-8")
    )
    keywords = next(
        p["match"] for p in grammar["patterns"] if p.get("name", "").startswith("keyword.control")
    )
    for kind in KINDS:
        for word in kind.keywords:
            assert re.fullmatch(keywords, word), (kind.grammar, word)
            ((token, _), *_) = RulesLexer().get_tokens(word)
            assert token in Keyword, (kind.grammar, word)


def test_the_lexer_keeps_a_rule_id_whole():
    # "visit" is a word of the language, but not inside the rule id "visit-cap"
    tokens = [
        (kind, value) for kind, value in RulesLexer().get_tokens("rule visit-cap: drop NORCM")
    ]
    assert (Name.Function, "visit-cap") in tokens
    assert not [value for kind, value in tokens if kind in Keyword and value == "visit"]
    tokens = list(RulesLexer().get_tokens("limit timed to 2 units per visit"))
    assert (Keyword, "visit") in tokens


# ---- the TextMate grammar, run as an editor runs it ------------------------------------------


def _textmate_scopes(grammar: dict, text: str) -> dict[tuple[int, int, int], str]:
    """(line, start, end) -> scope of every span a TextMate editor scopes in ``text``: each
    line is matched in turn, the pattern matching earliest wins (the first listed on a tie), a
    begin/end rule stays open over lines until its end matches (before its own patterns)."""
    found: dict[tuple[int, int, int], str] = {}
    stack: list[dict] = []

    def record(line: int, match: re.Match, name: str | None, captures: dict | None) -> None:
        if name and match.end() > match.start():
            found[(line, match.start(), match.end())] = name
        for group, capture in (captures or {}).items():
            if match.group(int(group)):
                found[(line, match.start(int(group)), match.end(int(group)))] = capture["name"]

    for number, line in enumerate(text.split("\n")):
        at = 0
        while at <= len(line):
            candidates = []
            if stack:
                candidates.append(("end", stack[-1]))
                candidates += [("match", p) for p in stack[-1].get("patterns", ())]
            else:
                candidates += [
                    ("begin" if "begin" in p else "match", p) for p in grammar["patterns"]
                ]
            best = None
            for kind, pattern in candidates:
                match = re.compile(pattern[kind]).search(line, at)
                if match is not None and (best is None or match.start() < best[2].start()):
                    best = (kind, pattern, match)
            if best is None:
                break
            kind, pattern, match = best
            if kind == "end":
                stack.pop()
                record(number, match, None, pattern.get("endCaptures"))
            elif kind == "begin":
                stack.append(pattern)
                record(number, match, None, pattern.get("beginCaptures"))
            else:
                record(number, match, pattern.get("name"), pattern.get("captures"))
            at = match.end() if match.end() > at or kind == "end" else at + 1
    return found


#: what each semantic token type is called in TextMate scopes
_SCOPE_OF = {
    "comment": "comment.", "string": "string.quoted.", "regexp": "string.regexp.",
    "number": "constant.numeric", "enumMember": "constant.other.code.",
    "function": "entity.name.function.", "type": "entity.name.type.",
    "namespace": "entity.name.namespace.", "decorator": "entity.other.attribute-name.",
    "property": "variable.other.property.", "operator": "keyword.operator.",
    "keyword": ("keyword.control.", "keyword.other.", "constant.language."),
}  # fmt: skip


def test_the_textmate_grammar_colours_every_bundled_file_as_the_language_server_does():
    from scrubber.lsp.positions import LineIndex
    from scrubber.lsp.syntax import words

    grammar = json.loads(
        (ROOT / "editors" / "scrubber-rules.tmLanguage.json").read_text(encoding="utf-8")
    )
    files = [*(ROOT / "payer_rules").glob("*.rules"), *(ROOT / "payer_rules").glob("*.test")]
    assert len(files) >= 10
    compared = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        scopes = _textmate_scopes(grammar, text)
        index = LineIndex(text)
        for word in words(text):
            line = index.line_of(word.start)
            start = word.start - index.line_start(line)
            scope = scopes.get((line, start, start + word.end - word.start))
            wanted = _SCOPE_OF[word.kind]
            assert scope is not None and scope.startswith(wanted), (
                path.name, line + 1, text[word.start : word.end], word.kind, scope,
            )  # fmt: skip
            compared += 1
    assert compared > 1000


def test_the_textmate_grammar_keeps_rule_ids_and_hyphenated_names_whole():
    grammar = json.loads(
        (ROOT / "editors" / "scrubber-rules.tmLanguage.json").read_text(encoding="utf-8")
    )
    text = "rule visit-cap: limit per-visit to 2 units per visit unless modifier 59 XU"
    scopes = {text[s:e]: scope for (_, s, e), scope in _textmate_scopes(grammar, text).items()}
    assert scopes["visit-cap"].startswith("entity.name.function.")
    assert scopes["per-visit"].startswith("entity.name.type.")
    assert scopes["visit"].startswith("keyword.other.")
    assert scopes["59"].startswith("entity.other.attribute-name.")
    assert scopes["XU"].startswith("entity.other.attribute-name.")


# ---- the editors' configuration --------------------------------------------------------------

VSCODE = ROOT / "editors" / "vscode"


def test_the_vscode_extension_starts_scrubber_lsp_for_both_kinds_of_file():
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    assert (VSCODE / manifest["main"]).is_file()
    languages = {lang["id"]: lang for lang in manifest["contributes"]["languages"]}
    assert languages["scrubber-rules"]["extensions"] == [".rules"]
    assert languages["scrubber-test"]["extensions"] == [".test"]
    for language in languages.values():
        configuration = json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
        assert configuration["comments"] == {"lineComment": "#"}
    grammars = {g["language"]: g for g in manifest["contributes"]["grammars"]}
    assert grammars["scrubber-rules"]["scopeName"] == "source.scrubber-rules"
    # the rules grammar is the repository's one, copied in when packaging
    copy = (VSCODE / "scripts" / "copy-grammar.js").read_text(encoding="utf-8")
    assert '"..", "..", "scrubber-rules.tmLanguage.json"' in copy
    assert grammars["scrubber-rules"]["path"] == "./syntaxes/scrubber-rules.tmLanguage.json"
    assert "scripts/copy-grammar.js" in manifest["scripts"]["vscode:prepublish"]
    tests = json.loads((VSCODE / grammars["scrubber-test"]["path"]).read_text(encoding="utf-8"))
    assert tests["patterns"] == [{"include": "source.scrubber-rules"}]
    setting = manifest["contributes"]["configuration"]["properties"]["scrubber.server.command"]
    assert setting["default"] == ["scrubber", "lsp"]
    client = (VSCODE / "extension.js").read_text(encoding="utf-8")
    assert '"scrubber-rules"' in client and '"scrubber-test"' in client
    assert "pip install 'charge-scrubber[lsp]'" in client


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_vscode_client_is_valid_javascript():
    for script in (VSCODE / "extension.js", VSCODE / "scripts" / "copy-grammar.js"):
        run = subprocess.run(
            ["node", "--check", str(script)], capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, run.stderr


def test_the_neovim_and_helix_snippets_start_scrubber_lsp():
    lua = (ROOT / "editors" / "neovim" / "scrubber.lua").read_text(encoding="utf-8")
    assert 'cmd = { "scrubber", "lsp" }' in lua
    assert "rules =" in lua and "test =" in lua
    toml = tomllib.loads(
        (ROOT / "editors" / "helix" / "languages.toml").read_text(encoding="utf-8")
    )
    assert toml["language-server"]["scrubber"] == {"command": "scrubber", "args": ["lsp"]}
    assert {tuple(lang["file-types"]) for lang in toml["language"]} == {("rules",), ("test",)}
    assert all(lang["language-servers"] == ["scrubber"] for lang in toml["language"])
