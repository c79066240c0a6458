"""The HTML report without a browser, parsed with html.parser: one self-contained,
well-formed file with no embedded data; findings first, by severity; every group of the
inventory has a row, ordered by risk; colour is risk (internet -> db on tcp 3306 is the
strongest); every link lands on an element of the page; text from the inventory is
escaped; and at 200 groups the page stays under 2 MB (issue 19)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sgverify.analyses.audit.run import AuditReport, choose_controls, run_audit
from sgverify.analyses.audit.settings import Settings
from sgverify.analyses.reach.answer import Answer, ask
from sgverify.api import load_policy
from sgverify.report.html import render_html
from sgverify.report.risk import SEVERITY_RANK
from tests.support.paths import ROOT, TESTS

FIXTURES = TESTS / "fixtures" / "audit"
BUDGET_200 = 2_000_000  # bytes, at 200 groups (issue 19)
VOID = {"meta", "br", "input", "link", "img"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def all_text(self) -> str:
        return "".join(self.text) + "".join(c.all_text() for c in self.children)

    def walk(self):  # type: ignore[no-untyped-def]
        yield self
        for c in self.children:
            yield from c.walk()

    def find(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and (cls is None or cls in n.classes())]


class Tree(HTMLParser):
    """A small DOM: every element, by id too; closing tags must match."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.root = Node("#root", {}, None)
        self.at = self.root
        self.ids: dict[str, Node] = {}
        self.errors: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.at)
        self.at.children.append(node)
        if "id" in node.attrs:
            if node.attrs["id"] in self.ids:
                self.errors.append(f"duplicate id {node.attrs['id']}")
            self.ids[node.attrs["id"]] = node
        if tag not in VOID:
            self.at = node

    def handle_endtag(self, tag: str) -> None:
        if self.at.tag != tag:
            self.errors.append(f"</{tag}> closes <{self.at.tag}>")
            return
        assert self.at.parent is not None
        self.at = self.at.parent

    def handle_data(self, data: str) -> None:
        self.at.text.append(data)


def fleet(tmp: Path | None = None, extra: str = "") -> tuple[AuditReport, Answer]:
    path = FIXTURES / "fleet.sgv"
    if extra:
        assert tmp is not None
        path = tmp / "x.sgv"
        path.write_text((FIXTURES / "fleet.sgv").read_text() + extra)
    policy = load_policy(str(path)).policy
    assert policy is not None
    controls, _ = choose_controls(Settings())
    return run_audit(policy, controls, Settings(), path="fleet.sgv"), ask(policy, None, None,
                                                                         by="group")


def report(tmp: Path | None = None, extra: str = "") -> str:
    audit, answer = fleet(tmp, extra)
    return render_html(audit=audit, reach=answer, timing=False)


@pytest.fixture(scope="module")
def page() -> str:
    return report()


@pytest.fixture(scope="module")
def tree(page: str) -> Tree:
    return Tree(page)


def test_self_contained_well_formed_and_without_data(page: str, tree: Tree) -> None:
    assert not tree.errors and tree.at is tree.root
    for node in tree.root.walk():
        assert node.tag != "link", "no external stylesheets"
        for key in ("src", "href"):
            assert not re.match(r"^(https?:)?//", node.attrs.get(key, "")), node.attrs
    assert "@import" not in page and "url(" not in page
    scripts = tree.root.find("script")
    assert len(scripts) == 1 and "type" not in scripts[0].attrs  # the enhancing script only
    assert len(scripts[0].all_text()) < 4000 and "JSON.parse" not in page
    assert page == report()  # deterministic


def test_findings_come_first_by_severity_internet_first(tree: Tree) -> None:
    main = tree.root.find("main")[0]
    sections = [c.attrs.get("id") for c in main.children if c.tag == "section"]
    assert sections[0] == "findings"
    assert sections == ["findings", "exposure", "groups", "matrix", "controls-summary", "notes"]
    severities = [s.attrs["data-severity"] for s in tree.ids["findings"].find("section", "severity")]
    ranks = [SEVERITY_RANK[s] for s in severities]
    assert ranks == sorted(ranks, reverse=True) and severities[0] == "high"
    medium = tree.ids["sev-medium"]
    controls = [d.attrs["data-control"] for d in medium.find("details", "control")]
    assert controls == ["SGV110", "SGV111"]
    rows = tree.ids["c-SGV101"].find("tr", "finding")
    assert [r.children[0].all_text().split("tests/")[0] for r in rows] == ["group bastion",
                                                                         "interface bastion"]
    assert "decided by: rule ssh of group bastion" in rows[0].all_text()
    shown = sum(len(d.find("tr", "finding")) for d in tree.ids["findings"].find("details"))
    audit, _ = fleet()
    assert shown == sum(1 for r in audit.results if r.status != "proved") == 14


def test_every_group_has_a_row_ordered_by_risk(tree: Tree) -> None:
    audit, _ = fleet()
    rows = tree.ids["units"].find("tr", "unit")
    names = [r.children[1].find("strong")[0].all_text() for r in rows]
    assert sorted(names) == sorted(g.name for g in audit.policy.groups)
    risks = [int(r.attrs["data-risk"]) for r in rows]
    assert risks == sorted(risks, reverse=True)
    assert names[:2] == ["bastion", "db"]  # both open to the internet on a sensitive port
    assert [int(r.children[0].all_text()) for r in rows] == list(range(1, len(rows) + 1))


def test_colour_is_risk_not_port_count(tree: Tree) -> None:
    exposure = {r.children[1].all_text(): r for r in tree.ids["exposure-table"].find("tr")[1:]}
    assert exposure["db"].children[2].all_text() == "tcp 3306"
    assert "lv-5" in exposure["db"].children[0].find("span")[0].classes()  # the strongest
    assert exposure["web"].children[2].all_text() == "tcp 80, 443"
    assert "lv-2" in exposure["web"].children[0].find("span")[0].classes()
    # the cluster that holds db is the strongest cell of the internet row
    heat = tree.ids["heat"]
    internet_row = heat.find("tr")[1]
    assert internet_row.children[0].all_text() == "the internet"
    assert "lv-5" in internet_row.children[1].classes()
    legend = tree.ids["legend"]
    assert [s.all_text() for s in legend.find("span", "lv")][:5] == [
        "critical", "high", "medium", "low", "info"]


def test_every_link_lands_and_cells_have_their_detail(tree: Tree) -> None:
    hrefs = [n.attrs["href"] for n in tree.root.walk() if n.tag == "a" and "href" in n.attrs]
    assert hrefs and all(h.startswith("#") and h[1:] in tree.ids for h in hrefs), \
        [h for h in hrefs if h[1:] not in tree.ids]
    cells = tree.ids["heat"].find("td")
    linked = [c for c in cells if c.find("a")]
    assert linked and all("cell-detail" in tree.ids[c.find("a")[0].attrs["href"][1:]].classes()
                          for c in linked)
    # the detail sits beside the matrix (same flex container), not pages below
    details = tree.ids["cells"]
    assert details.parent is tree.ids["heat"].parent.parent  # type: ignore[union-attr]
    for c in linked:
        target = tree.ids[c.find("a")[0].attrs["href"][1:]]
        count = int(c.all_text())
        assert sum(int(r.children[2].all_text()) for r in target.find("tr")[1:]) == count


def test_inventory_text_is_escaped(tmp_path: Path) -> None:
    page = report(tmp_path, '\ngroup evil (description "</script><script>alert(1)</script>") '
                  '{ ingress accept tcp 22 from 0.0.0.0/0 description "<b>x</b>" }\n'
                  'instance e1 { ip 10.7.0.1; groups evil }\n')
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page
    assert page.count("<script") == 1  # the page script, nothing else
    assert 'id="u-evil"' in page


def test_reach_report_by_instance(tmp_path: Path) -> None:
    policy = load_policy(str(FIXTURES / "fleet.sgv")).policy
    assert policy is not None
    answer = ask(policy, None, None, by="instance")
    tree = Tree(render_html(reach=answer, timing=False))
    assert not tree.errors and "findings" not in tree.ids
    rows = tree.ids["units"].find("tr", "unit")
    assert len(rows) == len({u.label for u in answer.senders + answer.receivers} - {"internet"})
    # no tag on instances: clusters by risk tier, critical split by the kind of service
    names = [d.find("summary")[0].all_text() for d in tree.ids["clusters"].parent.find("details")]  # type: ignore[union-attr]
    assert names[0].startswith("critical: the internet reaches SGV101 ssh-internet")
    assert any(n.startswith("critical: the internet reaches SGV104 database-internet") for n in names)
    assert sum(int(n.rsplit("(", 1)[1].rstrip(")")) for n in names) == len(rows)


def big_inventory(groups: int, rules: int, instances: int, seed: int = 1) -> str:
    """benchmarks/generate.py's inventory (the seeded synthetic fleet)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import Shape, inventory
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return inventory(Shape(groups, rules, instances, seed))


@pytest.mark.slow
def test_200_groups_under_two_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "g200.sgv"
    path.write_text(big_inventory(200, 5, 200))
    policy = load_policy(str(path)).policy
    assert policy is not None
    controls, _ = choose_controls(Settings())
    audit = run_audit(policy, controls, Settings(), path=str(path))
    answer = ask(policy, None, None, by="group")
    page = render_html(audit=audit, reach=answer, timing=False)
    assert len(page.encode()) <= BUDGET_200, len(page.encode())
    tree = Tree(page)
    assert not tree.errors
    names = {r.children[1].find("strong")[0].all_text() for r in tree.ids["units"].find("tr", "unit")}
    assert names == {g.name for g in policy.groups}  # no group cut
    shown = len(tree.ids["findings"].find("tr", "finding"))
    assert shown == sum(1 for r in audit.results if r.status != "proved") > 100
