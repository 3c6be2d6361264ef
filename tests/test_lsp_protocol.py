"""The language server's protocol details end to end, each with a server of its own: the
position encoding a client negotiates, non-ASCII text, line breaks the protocol does and does
not count, tables read once and again when they change, file watching."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import (
    SERVER,
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

pytestmark = pytest.mark.asyncio

Utf8, Utf16, Utf32 = (
    types.PositionEncodingKind.Utf8,
    types.PositionEncodingKind.Utf16,
    types.PositionEncodingKind.Utf32,
)


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    yield  # each test initializes with the capabilities it is about
    with contextlib.suppress(Exception):
        await lsp_client.shutdown_session()


async def test_capabilities_and_the_encoding_neovim_negotiates(
    client: LanguageClient, tmp_path: Path
) -> None:
    result = await initialize(client, tmp_path, pytest_lsp.client_capabilities("neovim@v0.11.0"))
    caps = result.capabilities
    assert caps.position_encoding == Utf8  # Neovim 0.11 offers utf-8 first
    assert isinstance(caps.text_document_sync, types.TextDocumentSyncOptions)
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Full
    assert caps.hover_provider and caps.definition_provider and caps.document_formatting_provider
    assert caps.completion_provider is not None
    assert set(caps.completion_provider.trigger_characters or ()) == {".", " "}
    assert isinstance(caps.semantic_tokens_provider, types.SemanticTokensOptions)
    assert caps.semantic_tokens_provider.full is True
    assert "enumMember" in caps.semantic_tokens_provider.legend.token_types
    assert result.server_info is not None and result.server_info.name == "scrubber"


#: a rule whose description holds letters of two UTF-8 bytes and one of four (two UTF-16
#: units), and after it on the same line an unknown codeset and a field
ASTRAL = (
    "rules any {\n"
    '    rule r "Physio à domicile 😀, séance": hold "x" for therapyy when patient.ssn is missing\n'
    "}\n"
)


@pytest.mark.parametrize("encoding", [Utf16, Utf8, Utf32])
async def test_positions_after_non_ascii_text_in_the_negotiated_encoding(
    client: LanguageClient, tmp_path: Path, encoding: str
) -> None:
    capabilities = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=[encoding]),
    )
    result = await initialize(client, tmp_path, capabilities)
    assert result.capabilities.position_encoding == encoding
    folder = tmp_path / "rules"
    folder.mkdir()
    uri = open_document(client, folder / "astral.rules", ASTRAL)
    await wait_for_diagnostics(client, uri)
    [problem] = client.diagnostics[uri]
    assert problem.code == "E010"
    line = ASTRAL.split("\n")[1]
    before = line[: line.index("therapyy")]
    units = {Utf16: len(before) + 1, Utf8: len(before.encode()), Utf32: len(before)}[encoding]
    assert problem.range == types.Range(types.Position(1, units), types.Position(1, units + 8))
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert tokens is not None
    description = line[line.index('"Physio') : line.index('":') + 1]
    length = {Utf16: len(description) + 1, Utf8: len(description.encode()), Utf32: len(description)}
    string = next(t for t in decode(tokens.data) if t[3] == "string")
    assert string[2] == length[encoding]
    field = next(t for t in decode(tokens.data) if t[3] == "property")
    assert field[1] == units + len("therapyy when ")
    hovered = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(1, field[1] + len("patient.s")),
        )
    )
    assert hover_text(hovered).startswith("**patient.ssn**: text, read from the patient")


async def test_the_protocol_line_breaks_and_not_the_others(
    client: LanguageClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    folder = rules_folder(tmp_path)
    # \u2028 and a form feed inside a description are not line breaks for the protocol (pygls'
    # own line split says they are); \r alone is one.
    text = (
        "rules any {\r\n"
        '    rule a "one\u2028two\x0cthree": drop NORCM\r'
        '    rule b "B": hold "x" when patient.adress.city is missing\n'
        "}\n"
    )
    path = folder / "breaks.rules"
    uri = open_document(client, path, text)
    await wait_for_diagnostics(client, uri)
    [problem] = client.diagnostics[uri]
    assert problem.code == "E012"
    assert problem.range.start == types.Position(2, text.split("\r")[2].index("patient"))
    hovered = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(1, text.split("\r\n")[1].index("NORCM") + 1),
        )
    )
    assert hover_text(hovered).startswith("**NORCM**")


async def test_tables_are_read_once_and_again_when_they_change(
    client: LanguageClient, tmp_path: Path
) -> None:
    registered: list[types.Registration] = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registered.extend(params.registrations)

    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            )
        )
    )
    await initialize(client, tmp_path, capabilities)
    folder = rules_folder(tmp_path)
    path = folder / "medicare.rules"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_for_diagnostics(client, uri)
    for version in range(2, 5):  # three edits: no table is read again
        change_document(client, uri, text + "\n" * version, version)
        await wait_for_diagnostics(client, uri)
    table = folder / "tables" / "medicare_mue_modalities.csv"

    def reads() -> list[str]:
        return [m.message for m in client.log_messages if str(table) in m.message]

    assert len(reads()) == 1
    assert reads()[0].startswith(f"read unit table {table} (")
    # The table changes on disk; the editor says so (it watches what the server asked for).
    assert [r.method for r in registered] == [types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    rows = table.read_text(encoding="utf-8").replace("97012,1,", "97012,3,")
    table.write_text(rows, encoding="utf-8")
    os.utime(table, ns=(1, 1))  # a time of its own, however fast the test runs
    client.diagnostics.pop(uri, None)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=table.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await wait_for_diagnostics(client, uri)
    async with asyncio.timeout(10):
        while len(reads()) < 2:
            await asyncio.sleep(0.01)
    assert len(reads()) == 2
    tests = folder / "medicare.test"
    tests_text = 'test "t" for medicare:\n    charge 97012 units 1\n    expect 97012 units 1\n'
    tests_uri = open_document(client, tests, tests_text)
    await wait_for_diagnostics(client, tests_uri)
    hovered = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=tests_uri),
            position=position(tests_text, "97012"),
        )
    )
    assert "MUE cap: 3 units (rules/tables/medicare_mue_modalities.csv)" in hover_text(hovered)
    assert len(reads()) == 2
