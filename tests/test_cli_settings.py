"""Settings and option values a new user gets wrong: every wrong type in ``scrubber.toml`` or
``[tool.scrubber]`` is one line and exit 2 (CI must see a usage error, never a finding or a
traceback), and the options ``--fail-on`` and ``--history-wait`` refuse what makes no sense."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scrubber.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "emr_export.json"

#: a value of every TOML type, as written in a settings file
VALUES = {
    "integer": "3",
    "boolean": "true",
    "float": "1.5",
    "infinity": "inf",
    "date": "2026-01-01",
    "datetime": "2026-01-01T08:00:00",
    "time": "08:00:00",
    "empty list": "[]",
    "list of numbers": "[1, 2]",
    "mixed list": '["held", 1]',
    "nested list": '[["held"]]',
    "inline table": '{ a = "held" }',
    "empty text": '""',
}
KEYS = ("rules", "cache-dir", "history", "fail-on")
#: what a Python value looks like in a message: never shown to a user
PYTHON = re.compile(r"\bTrue\b|\bFalse\b|\bNone\b|\['|\{'|datetime\.|Traceback")


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert not PYTHON.search(lines[0]), lines[0]
    return lines[0]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("value", VALUES.values(), ids=list(VALUES))
def test_every_wrong_type_in_scrubber_toml_is_one_line_and_exit_2(
    tmp_path, monkeypatch, capsys, key, value
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scrubber.toml").write_text(f"{key} = {value}\n", encoding="utf-8")
    line = _one_line_exit_2(["scrub", str(EXAMPLE), "-o", "r.json"], capsys)
    assert "scrubber.toml" in line and key in line
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("value", ["3", "true", "1.5", "[1]", "{ a = 1 }"])
def test_a_wrong_fail_on_in_pyproject_says_what_it_got(tmp_path, monkeypatch, capsys, value):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "clinic"\n\n[tool.scrubber]\nfail-on = {value}\n', encoding="utf-8"
    )
    line = _one_line_exit_2(["scrub", str(EXAMPLE), "-o", "r.json"], capsys)
    assert "[tool.scrubber]: fail-on must be a list" in line
    shown = value.replace("{ a = 1 }", "{a = 1}")
    assert line.endswith(f": {shown}"), line


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("tool = 3\n", "tool must be a table; got a number: 3"),
        ("[tool]\nscrubber = true\n", "tool.scrubber must be a table of settings; got a boolean"),
        ('[tool]\nscrubber = ["x"]\n', 'got a list: ["x"]'),
    ],
)
def test_a_pyproject_whose_tool_table_is_not_a_table(tmp_path, monkeypatch, capsys, text, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    for argv in (["scrub", str(EXAMPLE), "-o", "r.json"], ["check"]):
        assert words in _one_line_exit_2(argv, capsys)


def test_every_command_that_reads_the_settings_refuses_them_alike(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scrubber.toml").write_text("rules = 1.5\n", encoding="utf-8")
    for argv in (["check"], ["test"], ["explain", str(EXAMPLE), "--visit", "V1"],
                 ["scrub", str(EXAMPLE)]):  # fmt: skip
        assert "rules must be a folder or a list of folders" in _one_line_exit_2(argv, capsys)


def test_fail_on_none_with_other_values_says_so_without_repeating_none(tmp_path, capsys):
    for given in ("none,held", "held,none,rejected", "none, none, held"):
        line = _one_line_exit_2(
            ["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--fail-on", given], capsys
        )
        assert "'none' cannot be combined with other values" in line
        others = line.split("other values", 1)[1]
        assert "none" not in others.split(":")[0], line  # the values listed are the others
    line = _one_line_exit_2(
        ["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--fail-on", "held,often"], capsys
    )
    assert 'got unknown "often"' in line
    # none given twice is still none alone
    assert main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--fail-on",
                 "none,none", "--summary", "none"]) == 0  # fmt: skip


@pytest.mark.parametrize("wait", ["-5", "-0.5", "nan", "inf", "soon"])
def test_a_history_wait_that_is_no_time_to_wait_is_refused(tmp_path, capsys, wait):
    history = tmp_path / "h.sqlite"
    for argv in (["--history-wait", wait], [f"--history-wait={wait}"]):
        line = _one_line_exit_2(
            ["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--history", str(history),
             *argv],
            capsys,
        )  # fmt: skip
        assert "--history-wait" in line and repr(wait) in line
    assert not history.exists()
    assert main(["scrub", str(EXAMPLE), "-o", str(tmp_path / "r.json"), "--history", str(history),
                 "--history-wait", "0", "--summary", "none", "--fail-on", "none"]) == 0  # fmt: skip
