"""The language server through the protocol: diagnostics after an edit of a 1,000-rule file,
hover and completion, in milliseconds, as an editor sees them (a real server process, a real
client, JSON-RPC over pipes).

Run: python bench/lsp_bench.py [--rules 1000] [--runs 20]
Needs the lsp and test extras (pygls, pytest-lsp). Targets on this project's machines:
diagnostics under 200 ms, hover and completion under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from common import machine
from lsprotocol import types
from pytest_lsp import LanguageClient
from pytest_lsp.client import make_test_lsp_client
from rules_bench import rule_file

from scrubber.lsp.positions import LineIndex

ENCODING = types.PositionEncodingKind.Utf16


async def _published(client: LanguageClient, send: Callable[[], None], uri: str) -> float:
    """Seconds from sending a notification to the server's publish of ``uri``'s diagnostics
    (the client waits without polling, so that it takes no processor from the server)."""
    client.diagnostics.pop(uri, None)
    start = time.perf_counter()
    send()
    async with asyncio.timeout(60):
        while uri not in client.diagnostics:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return time.perf_counter() - start


def _median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.0f} ms (best {min(times) * 1000:.0f})"


async def bench(rules: int, runs: int) -> None:
    text = rule_file(rules, random.Random(7))
    # a field, a codeset, a code to hover; a field path and a code list to complete
    text = text.replace(
        '    rule r0 "Rule number 0":',
        '    rule zip "ZIP": hold "Bad ZIP" unless patient.address.postal_code matches /^[0-9]{9}$/\n'
        '    rule gp "GP": add modifier GP to timed\n'
        '    rule r0 "Rule number 0":',
    )
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "rules"
        folder.mkdir()
        path = folder / "big.rules"
        path.write_text(text, encoding="utf-8")
        client = make_test_lsp_client()
        await client.start_io(sys.executable, "-m", "scrubber", "lsp")
        try:
            await client.initialize_session(
                types.InitializeParams(
                    capabilities=types.ClientCapabilities(
                        general=types.GeneralClientCapabilities(position_encodings=[ENCODING])
                    ),
                    root_uri=folder.as_uri(),
                )
            )
            uri = path.as_uri()
            opened = await _published(
                client,
                lambda: client.text_document_did_open(
                    types.DidOpenTextDocumentParams(
                        types.TextDocumentItem(uri, "scrubber-rules", 1, text)
                    )
                ),
                uri,
            )
            edits = []
            for version in range(2, runs + 2):
                # An edit in the middle of the file: one rule's cap changes.
                edited = text.replace("to 1 units", f"to {version} units", 1)
                change = types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                    [types.TextDocumentContentChangeWholeDocument(edited)],
                )
                edits.append(
                    await _published(client, partial(client.text_document_did_change, change), uri)
                )
                text = edited
            # An edit that adds or takes away a line near the top: every statement below moves
            # (the parse reuses them, each moved to its new line).
            moved = []
            for version in range(runs + 2, 2 * runs + 2):
                edited = ("# a note\n" + text) if version % 2 == 0 else text
                change = types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                    [types.TextDocumentContentChangeWholeDocument(edited)],
                )
                moved.append(
                    await _published(client, partial(client.text_document_did_change, change), uri)
                )
            index = LineIndex(text)
            ident = types.TextDocumentIdentifier(uri)
            hovers: dict[str, list[float]] = {"field": [], "codeset": [], "code": []}
            places = {
                "field": text.index("postal_code"),
                "codeset": text.index("GP to timed") + len("GP to "),
                "code": text.index("97530"),
            }
            for _ in range(runs):
                for what, offset in places.items():
                    start = time.perf_counter()
                    found = await client.text_document_hover_async(
                        types.HoverParams(ident, index.position(offset, ENCODING))
                    )
                    hovers[what].append(time.perf_counter() - start)
                    assert found is not None, what
            completions: dict[str, list[float]] = {"after a dot": [], "codes": []}
            spots = {
                "after a dot": text.index("address.postal_code") + len("address."),
                "codes": text.index("97530"),
            }
            for _ in range(runs):
                for what, offset in spots.items():
                    start = time.perf_counter()
                    items = await client.text_document_completion_async(
                        types.CompletionParams(ident, index.position(offset, ENCODING))
                    )
                    completions[what].append(time.perf_counter() - start)
                    assert items is not None, what
            # A hover sent right after an edit waits for that edit's check.
            after_edit = []
            for version in range(2 * runs + 2, 3 * runs + 2):
                edited = text.replace("to 1 units", f"to {version} units", 1)
                client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                        [types.TextDocumentContentChangeWholeDocument(edited)],
                    )
                )
                start = time.perf_counter()
                found = await client.text_document_hover_async(
                    types.HoverParams(ident, index.position(places["field"], ENCODING))
                )
                after_edit.append(time.perf_counter() - start)
                assert found is not None
        finally:
            await client.shutdown_session()
            await client.stop()
    print(machine())
    print(f"file: {rules:,} rules, {len(text.splitlines()):,} lines, {len(text):,} characters")
    print(f"open to first diagnostics:            {opened * 1000:.0f} ms")
    print(f"diagnostics after an edit (median of {runs}): {_median_ms(edits)}")
    print(f"diagnostics after a line added or taken away at the top: {_median_ms(moved)}")
    for what, times in hovers.items():
        print(f"hover on a {what:<8} (median of {runs}):   {_median_ms(times)}")
    for what, times in completions.items():
        print(f"completion, {what:<11} (median of {runs}): {_median_ms(times)}")
    print(f"hover sent right after an edit (median of {runs}): {_median_ms(after_edit)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(bench(args.rules, args.runs))


if __name__ == "__main__":
    main()
