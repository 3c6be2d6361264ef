"""``scrubber lsp``: the language server, wired to pygls.

Policy lives here; meaning lives in the feature modules. Documents are synchronised whole
(``TextDocumentSyncKind.Full``), so pygls never patches a buffer through its own line split.
Each rules folder is checked on one worker thread, newest text first: while a check runs, the
edits that arrive are coalesced into the next one, and every request waits for the check of
the text it was asked about, so an answer never refers to text the editor no longer has.
Diagnostics are published for every file of the folder that has problems (tables included),
and emptied for files that had some and no longer do.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import traceback
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from scrubber._version import __version__
from scrubber.bulk import paused_gc
from scrubber.lsp import completion, definition, diagnostics, formatting, hover, tokens
from scrubber.lsp.folder import RULE_SUFFIXES, Analysis, FileView, Folder
from scrubber.lsp.names import Names

__all__ = ["ScrubberServer", "serve"]

T = TypeVar("T")

#: files whose change on disk may change a folder's problems
WATCHED = ("**/*.rules", "**/*.test", "**/*.csv", "**/*.txt", "**/*.zip", "**/*.xlsx")
_KINDS = {
    "keyword": types.CompletionItemKind.Keyword, "field": types.CompletionItemKind.Field,
    "record": types.CompletionItemKind.Module, "codeset": types.CompletionItemKind.Class,
    "payer": types.CompletionItemKind.Module, "code": types.CompletionItemKind.Constant,
    "value": types.CompletionItemKind.EnumMember, "file": types.CompletionItemKind.File,
}  # fmt: skip


class ScrubberServer(LanguageServer):
    """The server's state: the folders being edited and their latest analyses."""

    def __init__(self) -> None:
        super().__init__(
            "scrubber", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full
        )
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scrubber-lsp")
        self.folders: dict[Path, Folder] = {}
        self.latest: dict[Path, Analysis] = {}
        self.names: dict[Path, Names] = {}
        self.generation: dict[Path, int] = {}
        self.locks: dict[Path, asyncio.Lock] = {}
        #: per folder, the URIs whose latest publish held problems
        self.published: dict[Path, set[str]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- positions --

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def log(self, message: str) -> None:
        """A line for the editor's log (never on standard output: that is the protocol)."""
        self.window_log_message(types.LogMessageParams(types.MessageType.Log, message))

    # -- analysis --

    def changed(self, folder: Path) -> None:
        """Something in ``folder`` changed: check it again (soon, newest text first)."""
        self.generation[folder] = self.generation.get(folder, 0) + 1
        self.spawn(self.analysis(folder))

    def spawn(self, work: Coroutine[Any, Any, T]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            detail = "".join(traceback.format_exception(error))
            print(f"scrubber lsp: {detail}", file=sys.stderr)

    async def analysis(self, folder: Path) -> Analysis:
        """The analysis of the folder's current text (checking it first when needed)."""
        lock = self.locks.setdefault(folder, asyncio.Lock())
        async with lock:
            while True:
                wanted = self.generation.setdefault(folder, 0)
                current = self.latest.get(folder)
                if current is not None and current.generation == wanted:
                    return current
                buffers = self._buffers(folder)
                state = self.folders.get(folder)
                if state is None:
                    state = self.folders[folder] = Folder(folder, self._log_from_worker)
                self.loop = asyncio.get_running_loop()
                result = await self.on_worker(partial(_analyze, state, buffers, wanted))
                self._publish(result)
                # What requests read (names, table rows) is made ready after the publish.
                self.names[folder] = await self.on_worker(partial(_prepared, state, result))
                self.latest[folder] = result

    def _log_from_worker(self, message: str) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.log, message)

    def _buffers(self, folder: Path) -> dict[Path, tuple[str, int | None]]:
        found = {}
        for uri, document in list(self.workspace.text_documents.items()):
            path = path_of(uri)
            if path is not None and path.parent == folder:
                found[path] = (document.source, document.version)
        return found

    def names_of(self, analysis: Analysis) -> Names:
        names = self.names.get(analysis.folder)
        if names is None or names.analysis is not analysis:
            names = self.names[analysis.folder] = Names(analysis)
        return names

    def _publish(self, analysis: Analysis) -> None:
        before = self.published.get(analysis.folder, set())
        now: set[str] = set()
        open_uris = {path_of(uri): uri for uri in self.workspace.text_documents}
        paths = set(analysis.files) | set(analysis.errors)
        for path in sorted(paths):
            uri = open_uris.get(path) or from_fs_path(str(path)) or path.as_uri()
            found = diagnostics.diagnostics(analysis, path, self.encoding)
            if found:
                now.add(uri)
            if found or uri in before or path in open_uris:
                view = analysis.files.get(path)
                version = view.version if view is not None else None
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version)
                )
        for uri in before - now:
            if path_of(uri) not in paths:
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
                )
        self.published[analysis.folder] = now

    async def view_of(self, uri: str) -> tuple[Analysis, FileView] | None:
        """The analysis and the file a request is about (None: not a rule file here)."""
        path = path_of(uri)
        if path is None:
            return None
        analysis = await self.analysis(path.parent)
        view = analysis.files.get(path)
        return (analysis, view) if view is not None else None

    async def on_worker(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the worker thread (it reads analyses the worker may be building)."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, work)


def _analyze(
    folder: Folder, buffers: dict[Path, tuple[str, int | None]], generation: int
) -> Analysis:
    # A check is one bulk step: the cyclic collector waits until it is done (as on the
    # command line), so that a collection never lands in the middle of a keystroke's check.
    with paused_gc():
        return folder.analyze(buffers, generation)


def _prepared(folder: Folder, analysis: Analysis) -> Names:
    """Ready what requests read: the folder's names and its tables' rows."""
    folder.tables.warm()
    return Names(analysis)


def path_of(uri: str) -> Path | None:
    """The path of a ``file:`` URI of a rule file (None for anything else)."""
    found = to_fs_path(uri)
    if found is None:
        return None
    path = Path(found)
    return path if path.suffix in RULE_SUFFIXES else None


def make_server() -> ScrubberServer:
    """A server with every feature registered."""
    server = ScrubberServer()
    _documents(server)
    _features(server)
    return server


def _documents(server: ScrubberServer) -> None:
    def touched(uri: str) -> None:
        path = path_of(uri)
        if path is not None:
            server.changed(path.parent)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ScrubberServer, params: types.DidOpenTextDocumentParams) -> None:
        touched(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ScrubberServer, params: types.DidChangeTextDocumentParams) -> None:
        touched(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: ScrubberServer, params: types.DidSaveTextDocumentParams) -> None:
        touched(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ScrubberServer, params: types.DidCloseTextDocumentParams) -> None:
        touched(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: ScrubberServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            found = to_fs_path(change.uri)
            if found is None:
                continue
            path = Path(found)
            for folder in list(ls.folders):
                if path.is_relative_to(folder) or path.resolve().is_relative_to(folder.resolve()):
                    ls.changed(folder)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: ScrubberServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watching = workspace.did_change_watched_files if workspace is not None else None
        if watching is None or not watching.dynamic_registration:
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
        )
        registration = types.Registration(
            id="scrubber-watched-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await ls.client_register_capability_async(types.RegistrationParams([registration]))
        except Exception as exc:  # a client that refuses: tables are still re-read on edits
            ls.log(f"file watching not registered: {exc}")


def _features(server: ScrubberServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: ScrubberServer, params: types.HoverParams) -> types.Hover | None:
        found = await ls.view_of(params.text_document.uri)
        if found is None:
            return None
        analysis, view = found
        offset = view.index.offset(params.position, ls.encoding)
        names = ls.names_of(analysis)
        # On the worker: a large table's rows are read when first asked for.
        result = await ls.on_worker(partial(hover.hover_text, analysis, names, view, offset))
        if result is None:
            return None
        text, start, end = result
        markdown = _wants_markdown(ls)
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText,
                value=text if markdown else hover.plain(text),
            ),
            range=view.index.range(start, end, ls.encoding),
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def on_definition(
        ls: ScrubberServer, params: types.DefinitionParams
    ) -> list[types.Location] | None:
        found = await ls.view_of(params.text_document.uri)
        if found is None:
            return None
        analysis, view = found
        offset = view.index.offset(params.position, ls.encoding)
        names = ls.names_of(analysis)
        places = await ls.on_worker(partial(definition.targets, analysis, names, view, offset))
        locations = []
        for place in places:
            uri = from_fs_path(str(place.path)) or place.path.as_uri()
            if place.view is not None:
                where = place.view.index.range(place.start, place.end, ls.encoding)
            else:
                where = types.Range(types.Position(place.line, 0), types.Position(place.line, 0))
            locations.append(types.Location(uri=uri, range=where))
        return locations or None

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[".", " "]),
    )
    async def on_completion(
        ls: ScrubberServer, params: types.CompletionParams
    ) -> types.CompletionList | None:
        found = await ls.view_of(params.text_document.uri)
        if found is None:
            return None
        analysis, view = found
        offset = view.index.offset(params.position, ls.encoding)
        names = ls.names_of(analysis)
        items, cut = await ls.on_worker(partial(completion.complete, analysis, names, view, offset))
        return types.CompletionList(
            is_incomplete=cut,
            items=[
                types.CompletionItem(
                    label=item.label,
                    kind=_KINDS.get(item.kind),
                    detail=item.detail or None,
                    text_edit=types.TextEdit(
                        view.index.range(item.start, item.end, ls.encoding), item.label
                    ),
                )
                for item in items
            ],
        )

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    async def on_formatting(
        ls: ScrubberServer, params: types.DocumentFormattingParams
    ) -> list[types.TextEdit] | None:
        found = await ls.view_of(params.text_document.uri)
        if found is None:
            return None
        _, view = found
        new = await ls.on_worker(lambda: formatting.formatted(view))
        if new is None:
            return None
        if new == view.text:
            return []
        whole = types.Range(types.Position(0, 0), view.index.end_position(ls.encoding))
        return [types.TextEdit(range=whole, new_text=new)]

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, tokens.LEGEND)
    async def on_tokens(
        ls: ScrubberServer, params: types.SemanticTokensParams
    ) -> types.SemanticTokens | None:
        found = await ls.view_of(params.text_document.uri)
        if found is None:
            return None
        _, view = found
        encoding = ls.encoding
        data = await ls.on_worker(lambda: tokens.encode(view, encoding))
        return types.SemanticTokens(data=data)


def _wants_markdown(ls: ScrubberServer) -> bool:
    document = ls.client_capabilities.text_document
    hover_caps = document.hover if document is not None else None
    formats = hover_caps.content_format if hover_caps is not None else None
    return formats is None or types.MarkupKind.Markdown in formats


def serve() -> None:
    """Speak the protocol over standard input and output until the client says exit."""
    server = make_server()
    # What is loaded now lives as long as the process: the collector need not scan it again.
    gc.collect()
    gc.freeze()
    server.start_io()
