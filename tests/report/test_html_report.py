"""The HTML report without a browser: one self-contained, well-formed file with the control
summary, the matrix data and every finding; text from the inventory is escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from sgverify.analyses.audit.run import choose_controls, run_audit
from sgverify.analyses.audit.settings import Settings
from sgverify.analyses.reach.answer import ask
from sgverify.api import load_policy
from sgverify.report.html import render_html
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "audit"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))
        if tag not in ("meta", "br", "input", "link", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def report(tmp: Path | None = None, groups_text: str = "") -> str:
    path = FIXTURES / "fleet.sgv"
    if groups_text:
        assert tmp is not None
        path = tmp / "x.sgv"
        path.write_text((FIXTURES / "fleet.sgv").read_text() + groups_text)
    policy = load_policy(str(path)).policy
    assert policy is not None
    controls, _ = choose_controls(Settings())
    audit = run_audit(policy, controls, Settings(), path="fleet.sgv")
    return render_html(audit=audit, reach=ask(policy, None, None, by="group"), timing=False)


def test_self_contained_and_well_formed() -> None:
    page = report()
    parser = Tags()
    parser.feed(page)
    assert not parser.errors and not parser.stack
    for tag, attrs in parser.seen:
        assert tag != "link", "no external stylesheets"
        for key in ("src", "href"):
            assert not re.match(r"^(https?:)?//", attrs.get(key) or ""), (tag, attrs)
    assert "@import" not in page and "url(" not in page
    assert page == report()  # deterministic


def test_content() -> None:
    page = report()
    data = json.loads(re.search(r'<script type="application/json" id="sgv-data">(.*?)</script>',
                                page, re.DOTALL).group(1))  # type: ignore[union-attr]
    m = data["matrix"]
    assert m["rows"][0] == "internet" and "group web" in m["cols"]
    web = m["cols"].index("group web")
    internet_web = next(c for c in m["cells"] if c["r"] == 0 and c["c"] == web)
    assert internet_web["t"] == "tcp 80, 443" and internet_web["w"].startswith("witness: ingress tcp")
    assert any(f["control"] == "SGV101" and f["subject"] == "group bastion" and
               "decided by: rule ssh of group bastion" in f["text"] for f in data["findings"])
    assert all(f["status"] != "proved" for f in data["findings"])
    assert page.count('<tr><td class="mono">SGV') == 11


def test_inventory_text_is_escaped(tmp_path: Path) -> None:
    page = report(tmp_path, '\ngroup evil (description "</script><script>alert(1)</script>") '
                  '{ ingress accept tcp 22 from 0.0.0.0/0 description "<b>x</b>" }\n'
                  'instance e1 { ip 10.7.0.1; groups evil }\n')
    assert "<script>alert(1)" not in page
    assert page.count("<script") == 2  # the data block and the page script, nothing else
