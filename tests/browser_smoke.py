"""Open sgverify's HTML report in a real headless Chromium and check that it works: it
loads from a file (no network), shows the heat map and the findings, its filters react,
a click shows a cell's witness, and nothing is logged as an error.

Standard library only: Chromium is driven over the DevTools protocol with a minimal
WebSocket client. Run it by hand or from CI (``python tests/browser_smoke.py``); the test
suite calls ``check_report`` (tests/report/test_html_browser.py) and skips when no Chromium is
installed. Exit status: 0 passed, 1 failed, 2 no Chromium found.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.request import urlopen

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--remote-debugging-port=0", "--remote-allow-origins=*")


def find_chromium() -> str | None:
    env = os.environ.get("SGVERIFY_CHROMIUM")
    if env:
        return env if os.path.exists(env) else None
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, client masking,
    fragments, ping."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the WebSocket handshake")
            head += chunk
        status, _, self.buffer = head.partition(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n")[0]:
            raise ConnectionError(f"WebSocket handshake refused: {status[:200]!r}")

    def send(self, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def recv(self) -> str:
        parts: list[bytes] = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            if opcode == 0x9:  # ping
                self.sock.sendall(struct.pack("!BB", 0x8A, 0x80 | len(payload)) + b"\0\0\0\0" + payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("the browser closed the connection")
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


@dataclass
class Page:
    """One browser tab over DevTools: commands, and every console error or exception."""

    ws: WebSocket
    errors: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg: dict[str, Any]) -> None:
        method = msg.get("method", "")
        p = msg.get("params", {})
        self.events.append(msg)
        if method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.errors.append("console.error: " + " ".join(str(a.get("value", a.get("description")))
                                                            for a in p.get("args", [])))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            self.errors.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}".strip())

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        deadline = time.monotonic() + timeout
        self.ws.sock.settimeout(timeout)
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            self._event(msg)
            if msg.get("method") == method:
                return
        raise TimeoutError(f"no {method} within {timeout} s")

    def js(self, expression: str) -> Any:
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"script failed: {r['exceptionDetails'].get('text')}: {expression}")
        return r.get("result", {}).get("value")


class Browser:
    """A headless Chromium with its own throw-away profile."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="sgv-chromium-")
        self.proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:] if self.proc.stderr else ""
                self.close()
                raise RuntimeError(f"Chromium did not start: {err}")
            time.sleep(0.05)
        time.sleep(0.1)
        with open(port_file, encoding="utf-8") as fh:
            self.port = int(fh.readline().strip())

    def page(self) -> Page:
        with urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        return Page(WebSocket(page["webSocketDebuggerUrl"]))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def check_report(html_path: str, binary: str | None = None) -> dict[str, Any]:
    """Load the report and try it; returns what was seen (``problems`` empty = passed)."""
    binary = binary or find_chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium found (apt-get install -y chromium)")
    browser = Browser(binary)
    seen: dict[str, Any] = {"problems": []}
    try:
        page = browser.page()
        page.call("Runtime.enable")
        page.call("Log.enable")
        page.call("Page.enable")
        page.call("Page.navigate", url="file://" + os.path.abspath(html_path))
        page.wait_for("Page.loadEventFired")
        seen["ready"] = page.js("document.body.getAttribute('data-ready')")
        seen["controls"] = page.js("document.querySelectorAll('#controls tbody tr').length")
        seen["cells"] = page.js("document.querySelectorAll('#heat td[data-cell]').length")
        seen["rows"] = page.js("document.querySelectorAll('#heat tbody tr').length")
        seen["findings"] = page.js("document.querySelectorAll('#findings .finding').length")
        seen["external"] = page.js(
            "Array.from(document.querySelectorAll('[src],[href]')).map(e => e.getAttribute('src') "
            "|| e.getAttribute('href')).filter(u => /^(https?:)?\\/\\//.test(u)).length")
        # A filter that keeps one row, then a click on a cell of that row.
        first = page.js("(document.querySelector('#heat tbody th') || {}).textContent || ''")
        seen["first_row"] = first
        if first:
            page.js(f"var i = document.getElementById('f-row'); i.value = {json.dumps(first)}; "
                    "i.dispatchEvent(new Event('input')); true")
            seen["rows_filtered"] = page.js(
                "Array.from(document.querySelectorAll('#heat tbody th')).filter("
                f"t => t.textContent.indexOf({json.dumps(first)}) >= 0).length")
            seen["rows_after_filter"] = page.js("document.querySelectorAll('#heat tbody tr').length")
            page.js("var c = document.querySelector('#heat td[data-cell]'); if (c) c.click(); true")
            seen["cell_text"] = page.js("document.getElementById('cell').textContent")
        page.js("var r = document.getElementById('f-row'); if (r) { r.value = ''; "
                "r.dispatchEvent(new Event('input')); } "
                "var s = document.getElementById('f-svc'); if (s) { s.value = 'tcp 443'; "
                "s.dispatchEvent(new Event('input')); } true")
        seen["cells_tcp443"] = page.js("document.querySelectorAll('#heat td[data-cell]').length")
        time.sleep(0.2)
        page.call("Runtime.evaluate", expression="1")  # drains pending events
        seen["errors"] = list(page.errors)
        page.ws.close()
    finally:
        browser.close()
    problems = seen["problems"]
    if seen.get("ready") != "yes":
        problems.append("the page script did not finish (data-ready is not set)")
    if not seen.get("cells"):
        problems.append("the heat map shows no cell")
    if seen.get("external"):
        problems.append(f"{seen['external']} references to other sites (the report must be self-contained)")
    if seen.get("first_row") and seen.get("rows_after_filter") != seen.get("rows_filtered"):
        problems.append("the row filter did not narrow the heat map")
    if seen.get("first_row") and "witness" not in (seen.get("cell_text") or ""):
        problems.append("clicking a cell did not show its witness")
    if seen.get("cells") and not 0 < (seen.get("cells_tcp443") or 0) <= seen["cells"]:
        problems.append("the service filter did not keep the cells that offer tcp 443")
    if seen["errors"]:
        problems.append("errors in the console: " + "; ".join(seen["errors"]))
    return seen


def build_report(folder: str) -> str:
    """An audit report with its matrix, from the audit fixtures, written into ``folder``."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(here))
    from sgverify.cli import run
    inventory = os.path.join(here, "fixtures", "audit", "fleet.sgv")
    out = os.path.join(folder, "report.html")
    import io
    code = run(["audit", inventory, "--format", "html", "--output", out, "--no-timing"],
               io.StringIO(), io.StringIO())
    if code not in (0, 1, 3) or not os.path.exists(out):
        raise RuntimeError(f"sgverify audit --format html failed (exit {code})")
    return out


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    binary = find_chromium()
    if binary is None:
        print("browser smoke: no Chromium found; install it with `apt-get install -y chromium`",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        path = args[0] if args else build_report(tmp)
        seen = check_report(path, binary)
    for key in ("controls", "rows", "cells", "findings", "cells_tcp443", "errors"):
        print(f"browser smoke: {key}: {seen.get(key)}")
    if seen["problems"]:
        for p in seen["problems"]:
            print(f"browser smoke: FAILED: {p}", file=sys.stderr)
        return 1
    print("browser smoke: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
