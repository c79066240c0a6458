"""A small Language Server Protocol client for tests and benchmarks: starts ``sgverify lsp``
as a subprocess and speaks JSON-RPC with Content-Length framing over its stdin/stdout, as
an editor does. Notifications from the server are kept; ``wait_for`` waits for one."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable


def uri(path: str | Path) -> str:
    return Path(os.path.realpath(path)).as_uri()


class LspClient:
    """One server process; ``close`` shuts it down (shutdown, exit, then wait)."""

    def __init__(self, root: Path, options: dict[str, Any] | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.root = root
        full_env = {**os.environ, "SGVERIFY_NO_CACHE": "1", **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "sgverify", "lsp"], cwd=root,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=full_env)
        self._next = 0
        self._responses: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.notifications: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.versions: dict[str, int] = {}
        self.initialize_result = self.request("initialize", {
            "processId": os.getpid(), "rootUri": uri(root),
            "workspaceFolders": [{"uri": uri(root), "name": root.name}],
            "capabilities": {"textDocument": {"publishDiagnostics": {"relatedInformation": True},
                                              "hover": {"contentFormat": ["markdown"]}}},
            "initializationOptions": options or {}})
        self.notify("initialized", {})

    # ------------------------------------------------------------ framing

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode("ascii").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            msg = json.loads(body)
            if "id" in msg and "method" not in msg:
                with self._lock:
                    q = self._responses.setdefault(msg["id"], queue.Queue())
                q.put(msg)
            elif "id" in msg:  # a request from the server (e.g. registerCapability): accept
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            else:
                with self._arrived:
                    self.notifications.append(msg)
                    self._arrived.notify_all()

    # ------------------------------------------------------------ messages

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        with self._lock:
            self._next += 1
            n = self._next
            q = self._responses.setdefault(n, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": n, "method": method, "params": params})
        msg = q.get(timeout=timeout)
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return msg.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 60,
                 after: int = 0) -> dict[str, Any]:
        """The first notification (from index ``after``) for which ``pred`` holds."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for msg in self.notifications[after:]:
                    if pred(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no such notification; got {self.notifications[after:]}")
                self._arrived.wait(left)

    def mark(self) -> int:
        """An index to wait for notifications after (``wait_for(after=...)``)."""
        with self._arrived:
            return len(self.notifications)

    def checked(self, path: str | Path, after: int, timeout: float = 60,
                final: bool = True) -> dict[str, Any]:
        """Wait until the server says it checked the spec ``path`` (after ``after``): to the
        end (lint included), or with ``final`` False as soon as its verdicts are in."""
        u = uri(path)
        return self.wait_for(lambda m: m.get("method") == "sgverify/checked"
                             and m["params"]["uri"] == u
                             and (m["params"]["final"] or not final), timeout, after)

    def diagnostics(self, path: str | Path, after: int = 0) -> list[dict[str, Any]]:
        """The last diagnostics published for ``path`` (from index ``after``)."""
        u = uri(path)
        found = [m["params"]["diagnostics"] for m in self.notifications[after:]
                 if m.get("method") == "textDocument/publishDiagnostics"
                 and m["params"]["uri"] == u]
        return found[-1] if found else []

    # ------------------------------------------------------------ documents

    def open(self, path: Path, text: str | None = None) -> int:
        """Open ``path`` (its file's text unless given); returns the mark before it."""
        mark = self.mark()
        self.versions[uri(path)] = 1
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(path), "languageId": "sgv", "version": 1,
            "text": path.read_text() if text is None else text}})
        return mark

    def change(self, path: Path, text: str) -> int:
        """Replace the whole text of ``path`` in the editor (not saved)."""
        mark = self.mark()
        u = uri(path)
        self.versions[u] = self.versions.get(u, 0) + 1
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": u, "version": self.versions[u]},
            "contentChanges": [{"text": text}]})
        return mark

    def edit(self, path: Path, edits: list[dict[str, Any]]) -> int:
        """Apply protocol text edits (ranges) to ``path`` in the editor, incrementally."""
        mark = self.mark()
        u = uri(path)
        self.versions[u] = self.versions.get(u, 0) + 1
        changes = [{"range": e["range"], "text": e["newText"]}
                   for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"],
                                                         e["range"]["start"]["character"]),
                                   reverse=True)]
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": u, "version": self.versions[u]}, "contentChanges": changes})
        return mark

    def save(self, path: Path, text: str) -> int:
        mark = self.mark()
        path.write_text(text)
        self.notify("textDocument/didSave", {"textDocument": {"uri": uri(path)}, "text": text})
        return mark

    def at(self, method: str, path: Path, line: int, character: int, **extra: Any) -> Any:
        return self.request(method, {"textDocument": {"uri": uri(path)},
                                     "position": {"line": line, "character": character}, **extra})

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=20)
            self.notify("exit", None)
            self.proc.wait(timeout=20)
        except Exception:  # noqa: BLE001 - a server that hangs is killed
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
