"""Editor support: the Pygments lexer and the TextMate grammar."""

import json
import re
from pathlib import Path

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
        re.compile(pattern["match"])


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
