"""What the language server's end-to-end tests share: the server command, a rules folder like
the bundled one, and the client side of the protocol (open, change, wait for diagnostics,
decode semantic tokens)."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from scrubber.lsp.positions import LineIndex
from scrubber.lsp.syntax import TOKEN_TYPES

ROOT = Path(__file__).resolve().parent.parent
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "scrubber", "lsp"])
UTF16 = types.PositionEncodingKind.Utf16


def rules_folder(base: Path, name: str = "rules") -> Path:
    """A copy of the bundled rules (and their tables) to edit."""
    folder = base / name
    shutil.copytree(ROOT / "payer_rules", folder)
    return folder


async def initialize(
    client: LanguageClient,
    root: Path,
    capabilities: types.ClientCapabilities | None = None,
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities or types.ClientCapabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )


async def wait_for_diagnostics(client: LanguageClient, *uris: str, timeout: float = 20) -> None:
    """Until every URI has a publish (delete ``client.diagnostics[uri]`` before the action;
    waiting for a notification that already came would wait forever)."""
    try:
        async with asyncio.timeout(timeout):
            while not all(uri in client.diagnostics for uri in uris):
                await asyncio.sleep(0.01)
    except TimeoutError:
        missing = [uri for uri in uris if uri not in client.diagnostics]
        raise AssertionError(f"no diagnostics published for {missing}") from None


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    language = "scrubber-test" if path.suffix == ".test" else "scrubber-rules"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=version, text=text
            )
        )
    )
    return uri


def change_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.diagnostics.pop(uri, None)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def position(text: str, needle: str, encoding: str = UTF16, after: int = 0) -> types.Position:
    """The protocol position of the first ``needle`` at or after ``after``."""
    return LineIndex(text).position(text.index(needle, after), encoding)


def decode(data: list[int] | tuple[int, ...]) -> list[tuple[int, int, int, str, int]]:
    """Semantic tokens as absolute (line, character, length, type, modifiers)."""
    found = []
    line = character = 0
    for at in range(0, len(data), 5):
        delta_line, delta_start, length, kind, modifiers = data[at : at + 5]
        line += delta_line
        character = character + delta_start if delta_line == 0 else delta_start
        found.append((line, character, length, TOKEN_TYPES[kind], modifiers))
    return found


def hover_text(result: types.Hover | None) -> str:
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    return result.contents.value
