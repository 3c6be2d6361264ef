"""scrubber fmt: one canonical layout that never changes meaning."""

from pathlib import Path

from fuzzing import grammar_texts
from hypothesis import HealthCheck, assume, given, settings

from scrubber.actions import LANGUAGE
from scrubber.cli import main

BUNDLED = Path(__file__).resolve().parent.parent / "payer_rules"
RELAXED = settings(suppress_health_check=list(HealthCheck), deadline=None)


def _same_meaning(text: str) -> None:
    formatted = LANGUAGE.format(text)
    assert LANGUAGE.parse(formatted).file == LANGUAGE.parse(text).file
    assert LANGUAGE.format(formatted) == formatted


@RELAXED
@given(text=grammar_texts(spaced=True))
def test_fmt_keeps_the_meaning_and_is_idempotent(text):
    assume(not LANGUAGE.parse(text).errors)
    _same_meaning(text)


def test_the_bundled_files_are_formatted():
    for path in [*BUNDLED.glob("*.rules"), *BUNDLED.glob("*.test")]:
        text = path.read_text(encoding="utf-8")
        assert LANGUAGE.format(text, str(path)) == text, f"run: scrubber fmt {path}"


def test_comments_and_descriptions_are_kept():
    text = (
        "# header\n\n# about the codes\ncodeset a = 97110   # trailing\n"
        'rules any {\n  # inside\n  rule x "Keep me": drop 97110\n  # last\n}\n# end\n'
    )
    formatted = LANGUAGE.format(text)
    for comment in ("# header", "# about the codes", "# trailing", "# inside", "# last", "# end"):
        assert comment in formatted
    assert 'rule x "Keep me":' in formatted
    _same_meaning(text)


def test_parentheses_that_matter_stay():
    text = ("rules any { rule x: drop 97110 when (charge.units > 1 or charge.units < 0) and "
            "not (provider.role = \"PT\" or charge.minutes > 3) or (charge.units = 2 or charge.units = 3) }")  # fmt: skip
    _same_meaning(text)


def test_fmt_cli_check_diff_and_write(tmp_path, capsys):
    path = tmp_path / "a.rules"
    path.write_text("rules any{rule x:drop NORCM}\n", encoding="utf-8")
    assert main(["fmt", "--check", str(path)]) == 1
    assert main(["fmt", "--diff", str(path)]) == 1
    assert "+    rule x:" in capsys.readouterr().out
    assert main(["fmt", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == "rules any {\n    rule x:\n        drop NORCM\n}\n"
    assert main(["fmt", "--check", str(path)]) == 0
    (tmp_path / "bad.rules").write_text("rules any { rule x drop }\n", encoding="utf-8")
    assert main(["fmt", str(tmp_path)]) == 2
    assert "E001" in capsys.readouterr().err


def test_a_long_code_list_is_wrapped_and_keeps_its_meaning():
    codes = " ".join(f"9{7000 + n}" for n in range(30))
    text = f'rules any {{\n rule a "A long list": drop {codes} when provider.role = "PTA"\n}}\n'
    formatted = LANGUAGE.format(text, "long.rules")
    assert max(len(line) for line in formatted.splitlines()) <= 100
    assert LANGUAGE.parse(formatted, "long.rules").file == LANGUAGE.parse(text, "long.rules").file
    assert LANGUAGE.format(formatted, "long.rules") == formatted
    held = (
        'rules any {\n rule h: hold "A message with words that must stay on one line" for '
        + codes
        + "\n}\n"
    )
    assert '"A message with words that must stay on one line"' in LANGUAGE.format(held, "h.rules")


def test_formatting_in_threads_keeps_each_files_comments():
    """Comments are collected per call, not in a list shared by every caller: files formatted
    at once in several threads each keep their own comments."""
    from concurrent.futures import ThreadPoolExecutor

    folder = Path(__file__).resolve().parent.parent / "payer_rules"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.rules"))]
    expected = [LANGUAGE.format(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            assert list(pool.map(LANGUAGE.format, texts * 4)) == expected * 4


def test_a_number_with_many_zero_decimals_is_written_as_it_was_read():
    """Found by the property above in CI: 0.0000000 was written 0E-7, which does not parse, so
    formatting dropped the statement that held it."""
    from scrubber.actions import KINDS
    from scrubber.lang.fmt import format_rules

    text = 'test "t":\n    with charge.units = 0.0000000\n'
    assert format_rules(text, "a.test", KINDS) == text
    rules = 'rules any {\n    rule a:\n        hold "x" when charge.units > 0.000\n}\n'
    assert format_rules(rules, "a.rules", KINDS) == rules
