"""``sgverify lsp``: the Language Server Protocol server over stdio (pygls 2). Only the
wiring is here: the editor's notifications and requests go to ``documents`` (the
workspace and its checks), ``diagnostics``, ``hover``, ``navigation``, ``completion`` and
``actions``, which answer in the protocol's JSON shape; this module turns those answers
into ``lsprotocol`` types.

Checks run one at a time on a worker thread (a proof can take seconds; the editor's
requests are answered meanwhile). An edit is checked ``debounceMs`` after the last
keystroke; opening and saving check at once. After each check the server sends the
notification ``sgverify/checked`` (the spec, the mode, whether every verdict is in, the
time taken, whether lint's findings are in and whether this is the last notification for
the edit), after its diagnostics were published: verdicts first, lint (slower) after.
"""

from __future__ import annotations

import asyncio
import os
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import from_fs_path, to_fs_path

from ...core.diagnostics import REPORT_BUGS
from ...core.version import __version__
from . import actions, completion, hover, navigation
from .diagnostics import merged, publishable
from .documents import Analysis, Settings, Workspace

CHECKED = "sgverify/checked"
_STRENGTH = {"change": 0, "open": 1, "save": 2}
_CONVERTER = get_converter()


def uri_of(path: str) -> str:
    return from_fs_path(path) or path


def path_of(uri: str) -> str:
    return os.path.realpath(to_fs_path(uri) or uri)


class _Protocol(LanguageServerProtocol):
    """Positions are always UTF-16 (the protocol's default), the unit the answers use."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = None
        return (yield from super().lsp_initialize(params))


class SgvServer(LanguageServer):
    """The server: the workspace, what each checked spec published, the pending checks."""

    def __init__(self) -> None:
        super().__init__("sgverify", __version__, protocol_cls=_Protocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.ws = Workspace()
        self.per_root: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.pending: dict[str, tuple[str, asyncio.Task[None]]] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sgverify-check")

    # ------------------------------------------------------------ checking

    def schedule(self, path: str, mode: str, delay: float) -> None:
        """Check what depends on ``path`` after ``delay`` seconds; a check already waiting
        for the same file is replaced (keeping the stronger mode: save > open > change)."""
        old = self.pending.pop(path, None)
        if old is not None and not old[1].done():
            old[1].cancel()
            if _STRENGTH[old[0]] > _STRENGTH[mode]:
                mode = old[0]
        task = asyncio.get_running_loop().create_task(self._check(path, mode, delay))
        self.pending[path] = (mode, task)

    async def _check(self, path: str, mode: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        try:
            await self._check_roots(path, mode)
        except Exception:  # noqa: BLE001 - a bug must not stop the server: say it, go on
            self.window_log_message(types.LogMessageParams(
                types.MessageType.Error,
                f"sgverify: internal error checking {path}; {REPORT_BUGS}\n"
                + traceback.format_exc()))
        finally:
            if self.pending.get(path, ("", None))[1] is asyncio.current_task():
                del self.pending[path]

    async def _check_roots(self, path: str, mode: str) -> None:
        loop = asyncio.get_running_loop()
        for root in self.ws.roots_of(path):
            analysis = await loop.run_in_executor(self.worker, self.ws.analyse, root, mode)
            lint = self.ws.lint_wanted(analysis, mode)
            self.publish(analysis, final=not lint)
            if lint:
                if self._superseded(path):  # a newer edit is waiting: its check will lint
                    self.notify_checked(analysis, final=True)
                    continue
                await loop.run_in_executor(self.worker, self.ws.lint, analysis)
                self.publish(analysis, final=True)

    def _superseded(self, path: str) -> bool:
        entry = self.pending.get(path)
        return entry is not None and entry[1] is not asyncio.current_task()

    def publish(self, analysis: Analysis, final: bool = True) -> None:
        """Publish what ``analysis`` found, file by file (merged with what other specs
        found in the same files), then say so (``sgverify/checked``)."""
        root = analysis.root
        before = set(self.per_root.get(root, {}))
        self.per_root[root] = publishable(analysis, uri_of, root)
        for path in sorted(before | set(self.per_root[root]) | {root}):
            diags = _CONVERTER.structure(merged(self.per_root, path), list[types.Diagnostic])
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri_of(path), diagnostics=diags))
        self.notify_checked(analysis, final)

    def notify_checked(self, analysis: Analysis, final: bool) -> None:
        """``sgverify/checked``: the spec, whether every verdict is in, whether lint's
        findings are, and whether more will follow for this edit (``final``)."""
        r = analysis.report
        self.protocol.notify(CHECKED, {
            "uri": uri_of(analysis.root), "complete": analysis.complete,
            "lint": analysis.lint is not None, "final": final,
            "elapsed": round(analysis.elapsed, 6), "reused": analysis.reused,
            "lintElapsed": round(self.ws.lint_time.get(analysis.root, 0.0), 6),
            "verdicts": {v: sum(1 for x in r.results if x.verdict.value == v)
                         for v in ("proved", "violated", "unknown", "error")}})


server = SgvServer()


def _structure(value: Any, kind: Any) -> Any:
    return None if value is None else _CONVERTER.structure(value, kind)


@server.feature(types.INITIALIZE)
def initialize(ls: SgvServer, params: types.InitializeParams) -> None:
    folders = [path_of(f.uri) for f in params.workspace_folders or []]
    if not folders and params.root_uri:
        folders = [path_of(params.root_uri)]
    ls.ws = Workspace(folders, Settings.from_options(params.initialization_options))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: SgvServer, params: types.DidOpenTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    ls.ws.set_text(path, params.text_document.text)
    ls.schedule(path, "open", 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: SgvServer, params: types.DidChangeTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    ls.ws.set_text(path, ls.workspace.get_text_document(params.text_document.uri).source)
    ls.schedule(path, "change", ls.ws.settings.debounce_ms / 1000)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=True))
def did_save(ls: SgvServer, params: types.DidSaveTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    if params.text is not None:
        ls.ws.set_text(path, params.text)
    ls.ws.saved(path)
    ls.schedule(path, "save", 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: SgvServer, params: types.DidCloseTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    ls.ws.close(path)
    ls.schedule(path, "change", 0)  # the file on disk counts again


def _at(params: Any) -> tuple[str, int, int]:
    return (path_of(params.text_document.uri), params.position.line, params.position.character)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: SgvServer, params: types.HoverParams) -> types.Hover | None:
    return _structure(hover.hover(ls.ws, *_at(params), uri_of), types.Hover)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def on_definition(ls: SgvServer, params: types.DefinitionParams) -> list[types.Location] | None:
    return _structure(navigation.definition(ls.ws, *_at(params), uri_of), list[types.Location])


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
def on_references(ls: SgvServer, params: types.ReferenceParams) -> list[types.Location] | None:
    return _structure(navigation.references(ls.ws, *_at(params), uri_of,
                                            params.context.include_declaration),
                      list[types.Location])


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def on_symbols(ls: SgvServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    return _structure(navigation.document_symbols(ls.ws, path_of(params.text_document.uri)),
                      list[types.DocumentSymbol])


@server.feature(types.WORKSPACE_SYMBOL)
def on_workspace_symbols(ls: SgvServer,
                         params: types.WorkspaceSymbolParams) -> list[types.SymbolInformation]:
    return _structure(navigation.workspace_symbols(ls.ws, params.query, uri_of),
                      list[types.SymbolInformation])


@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[" ", ","]))
def on_completion(ls: SgvServer, params: types.CompletionParams) -> types.CompletionList:
    return _structure(completion.complete(ls.ws, *_at(params)), types.CompletionList)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
async def on_code_action(ls: SgvServer,
                         params: types.CodeActionParams) -> list[types.CodeAction]:
    # On the checking thread: "apply the proved fix" may search for seconds (it must not
    # hold up the editor's other messages), and the workspace is used by one thread at once.
    diags = [_CONVERTER.unstructure(d) for d in params.context.diagnostics]
    found = await asyncio.get_running_loop().run_in_executor(
        ls.worker, actions.code_actions, ls.ws, path_of(params.text_document.uri), diags, uri_of)
    return _structure(found, list[types.CodeAction])


def main() -> None:
    """Serve one editor over stdin and stdout until it exits."""
    server.start_io()
