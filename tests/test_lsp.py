"""The language server end to end: a real client (pytest-lsp) talking to ``scrubber lsp`` in
its own process, over the protocol. One server for the module; each test edits a folder of its
own (a copy of the bundled rules)."""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from corpus import corpus
from lsp_helpers import (
    SERVER,
    UTF16,
    change_document,
    decode,
    hover_text,
    initialize,
    open_document,
    position,
    rules_folder,
    wait_for_diagnostics,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

from scrubber.lsp.positions import LineIndex

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(
    lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[None]:
    root = tmp_path_factory.mktemp("workspace")
    registrations.clear()

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    await initialize(lsp_client, root, pytest_lsp.client_capabilities("visual-studio-code"))
    yield
    with contextlib.suppress(Exception):
        await lsp_client.shutdown_session()


registrations: list[types.Registration] = []


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return rules_folder(tmp_path)


def _check_json(folder: Path) -> list[dict[str, object]]:
    """What ``scrubber check --format json FOLDER`` says about the folder."""
    run = subprocess.run(
        [sys.executable, "-m", "scrubber", "check", "--format", "json", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    errors: list[dict[str, object]] = json.loads(run.stdout)["errors"]
    return errors


SEVERAL_ERRORS = """\
payer medicare "Medicare Part B" when insurance.class = "medicare"

rules medicare {
    rule a "Unknown codeset": add modifier GP to timedd
    rule b "Unknown field": hold "x" when patient.adress.postal_code is missing
    rule c "Wrong type": deny 97110 when charge.units > "abc"
    rule d "Syntax": limt timed to 2 units per day
}
"""


async def test_a_file_with_several_errors_has_every_checker_problem(
    client: LanguageClient, folder: Path
) -> None:
    path = folder / "medicare.rules"
    path.write_text(SEVERAL_ERRORS, encoding="utf-8")
    uri = open_document(client, path, SEVERAL_ERRORS)
    await wait_for_diagnostics(client, uri)
    expected = [e for e in _check_json(folder) if e["file"] == f"{folder.name}/medicare.rules"]
    assert len(expected) >= 4
    index = LineIndex(SEVERAL_ERRORS)
    found = client.diagnostics[uri]
    assert [(d.code, d.message, d.source) for d in found] == [
        (e["code"], e["message"], "scrubber") for e in expected
    ]
    for diagnostic, error in zip(found, expected, strict=True):
        start = index.lark_offset(int(error["line"]), int(error["column"]))
        end = index.lark_offset(int(error["end_line"]), int(error["end_column"]))
        assert diagnostic.range == index.range(start, max(end, start + 1), UTF16)
        assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert {d.code for d in found} >= {"E001", "E010", "E012", "E020"}


async def test_problems_in_other_files_and_tables_are_published_for_those_files(
    client: LanguageClient, folder: Path
) -> None:
    (folder / "auto.rules").write_text(
        (folder / "auto.rules").read_text(encoding="utf-8") + "\ncodeset short = 9711\n",
        encoding="utf-8",
    )
    table = folder / "tables" / "medicare_mue_modalities.csv"
    table.write_text("code,units,source\n97012,1,ok\n97018,one,bad\n", encoding="utf-8")
    path = folder / "medicare.rules"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    other, table_uri = (folder / "auto.rules").as_uri(), table.as_uri()
    await wait_for_diagnostics(client, uri, other, table_uri)
    expected = _check_json(folder)
    assert [d.message.split("\n")[0] for d in client.diagnostics[other]] == [
        e["message"] for e in expected if e["file"] == f"{folder.name}/auto.rules"
    ]
    [malformed] = client.diagnostics[table_uri]
    assert malformed.code == "E041"
    assert "loaded by" in malformed.message  # the checker's note
    assert malformed.range.start == types.Position(2, 6)  # the cell "one" on line 3
    # Fixing the table clears its problems (a watched-file change tells the server).
    table.write_text("code,units,source\n97012,1,ok\n97018,1,fixed\n", encoding="utf-8")
    client.diagnostics.pop(table_uri, None)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=table_uri, type=types.FileChangeType.Changed)]
        )
    )
    await wait_for_diagnostics(client, table_uri)
    assert list(client.diagnostics[table_uri]) == []


async def test_fixing_a_problem_clears_it(client: LanguageClient, folder: Path) -> None:
    path = folder / "common.rules"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("97110", "9711", 1)
    uri = open_document(client, path, broken)
    await wait_for_diagnostics(client, uri)
    assert [d.code for d in client.diagnostics[uri]] == ["E025"]
    change_document(client, uri, text, 2)
    await wait_for_diagnostics(client, uri)
    assert list(client.diagnostics[uri]) == []


async def test_hover_on_codeset_payer_rule_field_and_code(
    client: LanguageClient, folder: Path
) -> None:
    path = folder / "medicare.rules"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_for_diagnostics(client, uri)

    async def hover(needle: str, after: int = 0) -> str:
        result = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position(text, needle, after=after),
            )
        )
        return hover_text(result)

    therapy = await hover("therapy when")
    assert therapy.startswith("**codeset therapy**")
    assert "97110" in therapy and "G0283" in therapy and "common.rules" in therapy
    payer = await hover("medicare {")
    assert '**payer medicare** "Medicare Part B"' in payer
    assert 'insurance.class = "medicare"' in payer
    rule = await hover("zip9")
    assert "Medicare claims need ZIP+4" in rule and "medicare/zip9" in rule
    field = await hover("postal_code")
    assert field.startswith("**patient.address.postal_code**: text, read from the patient")
    assert "ZIP code" in field
    code = await hover("97014 with")
    assert code.startswith("**97014**")
    table = await hover("tables/medicare_mue.csv")
    assert "unit caps (the CMS practitioner MUE layout)" in table


async def test_hover_on_a_code_shows_its_mue_cap_and_ptp_partners(
    client: LanguageClient, folder: Path
) -> None:
    path = folder / "medicare.test"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_for_diagnostics(client, uri)

    async def hover(code: str) -> str:
        result = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position(text, code),
            )
        )
        return hover_text(result)

    words = await hover("97110")
    assert "in codesets" in words and "timed" in words and "therapy" in words
    mue = (folder / "tables" / "medicare_mue.csv").read_text(encoding="utf-8")
    row = next(line.split(",") for line in mue.splitlines() if line.startswith("97110,"))
    assert (
        f"MUE cap: {row[1]} units per day (rules/tables/medicare_mue.csv, "
        f"MUE adjudication indicator {row[2][0]})"
    ) in words
    words = await hover("97140")
    ptp = "PTP edits (rules/tables/medicare_ptp.csv): "
    assert f"{ptp}billed with 97140, these are denied: 97124; " in words
    assert "97140 is denied when billed with: 97161 97162 97163 97530" in words


async def test_go_to_definition_of_codeset_payer_and_code(
    client: LanguageClient, folder: Path
) -> None:
    path = folder / "medicare.rules"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_for_diagnostics(client, uri)

    async def definition(needle: str) -> list[types.Location]:
        result = await client.text_document_definition_async(
            types.DefinitionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position(text, needle),
            )
        )
        assert isinstance(result, list)
        return result

    [codeset] = await definition("therapy when")
    common = (folder / "common.rules").read_text(encoding="utf-8")
    assert codeset.uri == (folder / "common.rules").as_uri()
    assert codeset.range.start == position(common, "therapy =")
    [payer] = await definition("medicare {")
    assert payer.uri == uri
    assert payer.range.start == position(text, "medicare ")
    [table] = await definition("tables/medicare_ptp.csv")
    assert table.uri == (folder / "tables" / "medicare_ptp.csv").as_uri()
    # A code opens each table that holds it at the code's row (0-based line).
    tests = folder / "medicare.test"
    tests_text = tests.read_text(encoding="utf-8")
    tests_uri = open_document(client, tests, tests_text)
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=tests_uri),
            position=position(tests_text, "97140"),
        )
    )
    assert isinstance(result, list)
    ptp = (folder / "tables" / "medicare_ptp.csv").read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(ptp) if "97140" in row.split(",")[:2])
    fees = (folder / "tables" / "medicare_fees_sample.csv").read_text(encoding="utf-8")
    priced = next(n for n, row in enumerate(fees.splitlines()) if row.startswith("97140,"))
    # every table row naming the code: the bundled fee schedule (issue 26) prices it too
    assert sorted((r.uri, r.range.start.line) for r in result) == sorted([
        ((folder / "tables" / "medicare_ptp.csv").as_uri(), line),
        ((folder / "tables" / "medicare_fees_sample.csv").as_uri(), priced),
    ])  # fmt: skip


async def test_go_to_definition_and_hover_in_the_cms_files_as_published(
    client: LanguageClient, tmp_path: Path
) -> None:
    cms = corpus("cms")
    folder = tmp_path / "cms"
    (folder / "tables").mkdir(parents=True)
    ptp = (cms / "ccipra-v322r0-f1.excerpt.txt").read_bytes()
    (folder / "tables" / "ptp.txt").write_bytes(ptp)
    # The MUE file is Latin-1 as CMS publishes it (CPT® in the notice); the table readers take
    # UTF-8, so it is written here as UTF-8, line for line.
    mue = (cms / "MCR_MUE_PractitionerServices_Eff_07-01-2026.excerpt.csv").read_bytes()
    (folder / "tables" / "mue.csv").write_text(mue.decode("latin-1"), encoding="utf-8", newline="")
    mue_lines = mue.decode("latin-1").splitlines()
    mue_line, mue_code = next(
        (n, row[:5]) for n, row in enumerate(mue_lines) if row[5:6] == "," and row[:1].isdigit()
    )
    ptp_lines = ptp.decode("ascii").splitlines()
    ptp_line = next(n for n, row in enumerate(ptp_lines) if "\t36591\t" in row)
    text = (
        "rules any {\n"
        '    rule mue "MUE": limit by table "tables/mue.csv"\n'
        '    rule ptp "PTP": deny by table "tables/ptp.txt" per day\n'
        f'    rule one "One": limit {mue_code} 36591 0001U to 1 unit per day\n'
        "}\n"
    )
    path = folder / "cms.rules"
    path.write_text(text, encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_for_diagnostics(client, uri)
    assert list(client.diagnostics[uri]) == []

    async def rows(code: str) -> list[tuple[str, int]]:
        result = await client.text_document_definition_async(
            types.DefinitionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position(text, code, after=text.index("limit ")),
            )
        )
        assert isinstance(result, list)
        return [(r.uri, r.range.start.line) for r in result]

    in_ptp = [n for n, row in enumerate(ptp_lines) if mue_code in row.split("\t")[:2]][:1]
    assert await rows(mue_code) == [
        ((folder / "tables" / "mue.csv").as_uri(), mue_line),
        *(((folder / "tables" / "ptp.txt").as_uri(), n) for n in in_ptp),
    ]
    assert mue_line > 2  # the notice above the header spans lines
    assert await rows("36591") == [((folder / "tables" / "ptp.txt").as_uri(), ptp_line)]

    async def hover(code: str) -> str:
        result = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position(text, code, after=text.index("limit ")),
            )
        )
        return hover_text(result)

    # 0001A/36591 was deleted on 2023-12-31 and 0001M/36591 has indicator 9: neither applies
    assert "PTP" not in await hover("36591")
    words = await hover("0001U")
    assert (
        "PTP edits (cms/tables/ptp.txt): billed with 0001U, these are denied: 0030U 0034U" in words
    )
    assert " more" in words


async def test_formatting_equals_scrubber_fmt(client: LanguageClient, folder: Path) -> None:
    messy = 'codeset   evals=97161 97162\r\nrules any{rule x "X":drop evals}\r\n'
    path = folder / "messy.rules"
    path.write_bytes(messy.encode())
    uri = open_document(client, path, messy)
    await wait_for_diagnostics(client, uri)
    fmt = subprocess.run(
        [sys.executable, "-m", "scrubber", "fmt", str(path)], capture_output=True, check=False
    )
    assert fmt.returncode == 0, fmt.stderr
    expected = path.read_text(encoding="utf-8")
    assert expected != messy

    async def format_it() -> list[types.TextEdit] | None:
        return await client.text_document_formatting_async(
            types.DocumentFormattingParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                options=types.FormattingOptions(tab_size=4, insert_spaces=True),
            )
        )

    edits = await format_it()
    assert edits is not None
    [edit] = edits
    assert edit.new_text == expected
    assert edit.range == types.Range(types.Position(0, 0), types.Position(2, 0))
    change_document(client, uri, expected, 2)
    unchanged = await format_it()
    assert unchanged is not None and list(unchanged) == []
    change_document(client, uri, "rules any { rule x: limt 97110 }\n", 3)
    assert await format_it() is None


async def test_semantic_tokens_follow_the_grammar(client: LanguageClient, folder: Path) -> None:
    text = (
        "# caps\n"
        "codeset timed2 = 97110 97112..97116\n"
        "rules medicare effective 2026-01-01 {\n"
        '    rule visit-cap "Cap": limit timed2 to 2 units per visit when charge.modifiers has GP\n'
        "}\n"
    )
    path = folder / "tokens.rules"
    uri = open_document(client, path, text)
    result = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    lines = text.split("\n")
    found = {
        (lines[line][start : start + length], kind, modifiers)
        for line, start, length, kind, modifiers in decode(result.data)
    }
    assert {
        ("# caps", "comment", 0), ("codeset", "keyword", 0), ("timed2", "type", 1),
        ("97110", "enumMember", 0), ("..", "operator", 0), ("medicare", "namespace", 0),
        ("effective", "keyword", 0), ("2026-01-01", "number", 0), ("visit-cap", "function", 1),
        ('"Cap"', "string", 0), ("limit", "keyword", 0), ("timed2", "type", 0),
        ("2", "number", 0), ("units", "keyword", 0), ("visit", "keyword", 0),
        ("charge.modifiers", "property", 0), ("has", "operator", 0), ("GP", "decorator", 0),
    } <= found  # fmt: skip
    # "visit" in the rule id is part of the id, never a keyword of its own
    assert ("visit", "keyword", 0) in found
    assert sum(1 for word, kind, _ in found if word == "visit") == 1


async def test_a_broken_edit_keeps_the_last_good_tokens_and_hover(
    client: LanguageClient, folder: Path
) -> None:
    path = folder / "common.rules"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_for_diagnostics(client, uri)
    ident = types.TextDocumentIdentifier(uri=uri)
    before = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=ident)
    )
    assert before is not None
    # Break the definition of "timed" mid-word, as typing does.
    broken = text.replace("codeset timed =", "codeset timed = 97110 ,,", 1)
    change_document(client, uri, broken, 2)
    await wait_for_diagnostics(client, uri)
    assert "E001" in {d.code for d in client.diagnostics[uri]}
    after = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=ident)
    )
    assert after is not None
    broken_line = position(broken, ",,").line
    old = {t for t in decode(before.data) if t[0] != broken_line}
    new = {t for t in decode(after.data) if t[0] != broken_line}
    assert old == new  # every other line keeps its colours
    medicare = folder / "medicare.rules"
    medicare_text = medicare.read_text(encoding="utf-8")
    medicare_uri = open_document(client, medicare, medicare_text)
    hovered = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=medicare_uri),
            position=position(medicare_text, "timed by minutes"),
        )
    )
    assert hover_text(hovered).startswith("**codeset timed**")  # from the last good parse


async def test_completion_offers_what_the_grammar_takes_there(
    client: LanguageClient, folder: Path
) -> None:
    path = folder / "typing.rules"
    base = "rules medicare {\n    rule r: "
    uri = open_document(client, path, base + "\n}\n")

    versions = itertools.count(2)

    async def labels(text: str) -> set[str]:
        change_document(client, uri, text + "\n}\n", next(versions))
        result = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position(text + "\n", "\n", after=len(text)),
            )
        )
        assert isinstance(result, types.CompletionList)
        return {item.label for item in result.items}

    actions = await labels(base)
    assert {"limit", "add", "drop", "deny", "hold", "set", "replace", "remove"} <= actions
    assert "rule" not in actions and "when" not in actions
    codes = await labels(base + "limit ")
    assert {"timed", "therapy", "evals", "total", "any", "97012", "97161", "97124"} <= codes
    assert await labels(base + "limit timed to 2 units per ") == {
        "line", "visit", "day", "week", "month", "year",
    }  # fmt: skip
    after_action = await labels(base + "drop NORCM ")
    assert {"when", "unless", "rule"} <= after_action
    assert {"insurance", "patient"} & await labels(base + 'hold "x" when ') == set()
    assert "patient.address.postal_code" in await labels(base + 'hold "x" when ')
    patient = await labels(base + 'hold "x" when patient.')
    assert {"address", "birth_date", "ssn", "phone"} <= patient
    assert "postal_code" not in patient
    assert {"postal_code", "city"} <= await labels(base + 'hold "x" when patient.address.')
    assert {"po"} & await labels(base + 'hold "x" when patient.address.po') == set()
    assert await labels(base + 'hold "x" when patient.address.po') == {"postal_code"}
    assert {"medicare", "commercial", "any"} <= await labels("rules ")
    assert await labels(base + "# a note: lim") == set()


async def test_rule_test_files_get_problems_hover_and_definitions(
    client: LanguageClient, folder: Path
) -> None:
    path = folder / "medicare.test"
    text = (
        'test "KX past the threshold" for medicare:\n'
        '    with insurance.class = "medicare"\n'
        '    with patient.adress.city = "Phoenix"\n'
        "    charge 97110 units 1 minutes 15\n"
        "    expect 97110 has modifier KX\n"
    )
    uri = open_document(client, path, text)
    await wait_for_diagnostics(client, uri)
    [problem] = client.diagnostics[uri]
    expected = [e for e in _check_json_with(folder, path, text) if e["file"].endswith(".test")]
    assert [(problem.code, problem.message)] == [(e["code"], e["message"]) for e in expected]
    assert problem.range.start == position(text, "patient.adress")
    ident = types.TextDocumentIdentifier(uri=uri)
    field = await client.text_document_hover_async(
        types.HoverParams(text_document=ident, position=position(text, "class"))
    )
    assert hover_text(field).startswith('**insurance.class**: one of "medicare", ')
    [payer] = await client.text_document_definition_async(
        types.DefinitionParams(text_document=ident, position=position(text, "medicare:"))
    )
    medicare = (folder / "medicare.rules").read_text(encoding="utf-8")
    assert payer.uri == (folder / "medicare.rules").as_uri()
    assert payer.range.start == position(medicare, "medicare ")


def _check_json_with(folder: Path, path: Path, text: str) -> list[dict[str, object]]:
    """``scrubber check --format json`` with ``path`` holding ``text`` (as the buffer does)."""
    path.write_text(text, encoding="utf-8")
    return _check_json(folder)
