"""Open sgverify's HTML report in a real headless Chromium, with and without JavaScript,
and check that what must be visible is: the findings (first), the internet exposure, every
group's row, the aggregated matrix and its legend, and a cell's detail beside the matrix
once the cell is selected (a plain link and ``:target``, no script). With JavaScript the
filters work too; nothing is logged as an error, nothing is fetched from elsewhere; a
screenshot of each page is taken and checked.

Reports are built from the audit fixture and from benchmarks/generate.py inventories of 20,
200 and 1,000 groups (``SIZES``). Standard library only: Chromium is driven over the
DevTools protocol with a minimal WebSocket client; the page is checked through the DOM
domain (``DOM.getBoxModel``: laid out with a size, so visible), which works with scripts
disabled. Run it by hand or from CI (``python tests/browser_smoke.py [--screenshots DIR]``);
the test suite calls ``check_report`` (tests/report/test_html_browser.py) and skips when no
Chromium is installed. Exit status: 0 passed, 1 failed, 2 no Chromium found.
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

    def visible(self, selector: str) -> dict[str, float] | None:
        """The box of the first element matching ``selector`` when it is laid out with a
        size (None: absent or not displayed). Works with scripts disabled."""
        root = self.call("DOM.getDocument", depth=0)["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector).get("nodeId")
        if not node:
            return None
        try:
            model = self.call("DOM.getBoxModel", nodeId=node)["model"]
        except RuntimeError:  # no box: display none (or not rendered)
            return None
        quad = model["border"]
        box = {"x": quad[0], "y": quad[1], "width": model["width"], "height": model["height"]}
        return box if box["width"] > 0 and box["height"] > 0 else None

    def count(self, selector: str) -> int:
        root = self.call("DOM.getDocument", depth=0)["root"]["nodeId"]
        return len(self.call("DOM.querySelectorAll", nodeId=root, selector=selector)["nodeIds"])

    def attribute(self, selector: str, name: str) -> str | None:
        root = self.call("DOM.getDocument", depth=0)["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector).get("nodeId")
        if not node:
            return None
        attrs = self.call("DOM.getAttributes", nodeId=node)["attributes"]
        return dict(zip(attrs[::2], attrs[1::2])).get(name)

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


SIZES = {20: (20, 5, 20), 200: (200, 5, 200), 1000: (1000, 2, 250)}  # groups, rules, instances
WIDTH, HEIGHT = 1400, 1000


def check_report(html_path: str, binary: str | None = None, *, script: bool = True,
                 screenshot: str | None = None, audit: bool = True) -> dict[str, Any]:
    """Load the report (scripts on or off) and check it; returns what was seen
    (``problems`` empty = passed). ``screenshot``: where to save a PNG of the first screen."""
    binary = binary or find_chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium found (apt-get install -y chromium)")
    browser = Browser(binary)
    seen: dict[str, Any] = {"problems": [], "script": script}
    problems = seen["problems"]
    url = "file://" + os.path.abspath(html_path)
    started = time.monotonic()
    try:
        page = browser.page()
        for domain in ("Runtime", "Log", "Page", "DOM"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)
        page.call("Emulation.setScriptExecutionDisabled", value=not script)
        page.call("Page.navigate", url=url)
        page.wait_for("Page.loadEventFired", timeout=60)
        seen["load_s"] = round(time.monotonic() - started, 2)
        seen["ready"] = page.attribute("body", "data-ready")
        must = ["#groups", "#units tbody tr.unit", "#notes"]
        if audit:
            must += ["#findings", "#findings section.severity h3", "#controls"]
        if page.count("#matrix"):
            must += ["#exposure", "#heat", "#legend", "#cells .hint"]
        seen["boxes"] = {sel: page.visible(sel) for sel in must}
        for sel, box in seen["boxes"].items():
            if box is None:
                problems.append(f"{sel} is not visible")
        top = {k: (v or {}).get("y") for k, v in seen["boxes"].items()}
        if audit and top.get("#findings") is not None and top.get("#groups") is not None \
                and not top["#findings"] < top["#groups"]:
            problems.append("the findings are not first")
        if audit and page.count("#findings tr.finding") and not page.visible("#findings tr.finding"):
            problems.append("no finding row is visible (the first control is closed)")
        if screenshot:
            png = base64.b64decode(page.call("Page.captureScreenshot", format="png")["data"])
            with open(screenshot, "wb") as fh:
                fh.write(png)
            seen["screenshot"] = (screenshot, len(png))
            if not png.startswith(b"\x89PNG") or len(png) < 20_000:
                problems.append(f"the screenshot looks empty ({len(png)} bytes)")
        seen["units"] = page.count("#units tbody tr.unit")
        seen["last_unit"] = page.visible("#units tbody tr.unit:last-child") is not None
        if not seen["last_unit"]:
            problems.append("the last group's row is not visible (a cut?)")
        seen["findings"] = page.count("#findings tr.finding")
        seen["cells"] = page.count("#heat td a")
        seen["external"] = page.count('[src^="http"], [href^="http"], [src^="//"], [href^="//"], link')
        if seen["external"]:
            problems.append(f"{seen['external']} references to other sites (the report must be "
                            "self-contained)")
        if seen["cells"]:
            # select the strongest cell of the internet row: a link, then :target
            href = page.attribute("#heat tbody tr:first-child td a", "href") or ""
            seen["cell"] = href
            if href:
                page.call("Page.navigate", url=url + href)
                time.sleep(0.3)
                detail = page.visible(href)
                heat = page.visible("#heat")
                seen["detail_box"] = detail
                if detail is None:
                    problems.append(f"selecting the cell {href} shows no detail")
                elif heat is not None and not (detail["x"] > heat["x"] and
                                               abs(detail["y"] - heat["y"]) < HEIGHT):
                    problems.append(f"the detail of {href} is not beside the matrix: {detail} "
                                    f"vs {heat}")
                if detail is not None and not page.visible(href + " td a"):
                    problems.append(f"the detail of {href} lists no group")
        if script:
            seen["filter_shown"] = page.js(
                "var i = document.getElementById('f-unit'); var n = document.querySelector("
                "'#units tbody tr.unit strong').textContent; i.value = n; "
                "i.dispatchEvent(new Event('input')); "
                "document.querySelectorAll('#units tbody tr.unit:not([hidden])').length")
            if not 1 <= (seen["filter_shown"] or 0) < max(2, seen["units"]) and seen["units"] > 1:
                problems.append(f"the group filter did not narrow the table: {seen['filter_shown']}")
            if seen["ready"] != "yes":
                problems.append("the page script did not finish (data-ready is not set)")
        elif seen["ready"] is not None:
            problems.append("scripts were meant to be off, yet the page script ran")
        time.sleep(0.1)
        page.call("Runtime.evaluate", expression="1")  # drains pending events
        seen["errors"] = list(page.errors)
        page.ws.close()
    finally:
        browser.close()
    seen["seconds"] = round(time.monotonic() - started, 2)
    if seen.get("errors"):
        problems.append("errors in the console: " + "; ".join(seen["errors"]))
    return seen


def build_report(folder: str, groups: int | None = None) -> str:
    """An audit report with its matrix written into ``folder``: from the audit fixture, or
    (``groups`` one of SIZES) from a generated inventory of that many groups."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    sys.path.insert(0, root)
    from sgverify.cli import run
    if groups is None:
        inventory = os.path.join(here, "fixtures", "audit", "fleet.sgv")
        out = os.path.join(folder, "report.html")
    else:
        sys.path.insert(0, os.path.join(root, "benchmarks"))
        from generate import Shape, inventory as generate
        n, rules, instances = SIZES[groups]
        inventory = os.path.join(folder, f"g{groups}.sgv")
        with open(inventory, "w", encoding="utf-8") as fh:
            fh.write(generate(Shape(n, rules, instances, 1)))
        out = os.path.join(folder, f"report-{groups}.html")
    import io
    code = run(["audit", inventory, "--format", "html", "--output", out, "--no-timing"],
               io.StringIO(), io.StringIO())
    if code not in (0, 1, 3) or not os.path.exists(out):
        raise RuntimeError(f"sgverify audit --format html failed (exit {code})")
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])
    shots = None
    if "--screenshots" in args:
        i = args.index("--screenshots")
        shots = args[i + 1]
        del args[i:i + 2]
        os.makedirs(shots, exist_ok=True)
    binary = find_chromium()
    if binary is None:
        print("browser smoke: no Chromium found; install it with `apt-get install -y chromium`",
              file=sys.stderr)
        return 2
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"given": args[0]} if args else {
            "fleet": build_report(tmp), **{f"{n} groups": build_report(tmp, n) for n in SIZES}}
        for name, path in paths.items():
            for script in (True, False):
                shot = os.path.join(shots or tmp, f"{name.replace(' ', '-')}-"
                                    f"{'js' if script else 'nojs'}.png")
                seen = check_report(path, binary, script=script, screenshot=shot)
                print(f"browser smoke: {name}, JavaScript {'on' if script else 'off'}: "
                      f"{os.path.getsize(path)} bytes, {seen['units']} groups, "
                      f"{seen['findings']} findings, {seen['cells']} cells, "
                      f"load {seen.get('load_s')} s, check {seen['seconds']} s")
                for p in seen["problems"]:
                    failed = True
                    print(f"browser smoke: FAILED: {name}: {p}", file=sys.stderr)
    if failed:
        return 1
    print("browser smoke: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
