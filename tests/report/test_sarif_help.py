"""SARIF rules as GitHub code scanning reads them (issue 19): every rule of every command's
SARIF has help text and markdown; a ``helpUri`` is given only from a documentation base URL
(``--help-uri-base``, or the package's Documentation URL) and is then absolute and points
at a heading of the shipped docs/ that lists the rule's code; without a base there is none,
never a URI that does not resolve.

    sgverify lint web.sgv --format sarif --help-uri-base https://example.org/sgverify/docs
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlsplit

import pytest

from sgverify.report import sarif
from tests.report.test_golden_commands import RUNS
from tests.support.gate import cli
from tests.support.paths import ROOT

BASE = "https://example.org/sgverify/docs"
DOCS = ROOT / "docs"
# The SARIF runs of the command goldens, and the formats of check, lint and diff.
SARIF_RUNS = {name: args for name, args in RUNS.items() if "sarif" in args}
SARIF_RUNS.update({
    "check": ["check", "tests/fixtures/inputs/web.sgv", "tests/fixtures/broken", "--format",
              "sarif", "--no-cache"],
    "lint": ["lint", "tests/fixtures/lint/web.sgv", "--format", "sarif"],
    "diff": ["diff", "tests/fixtures/diff/old.sgv", "tests/fixtures/diff/new.sgv", "--format",
             "sarif", "--fail-on", "new-access"],
})


def slug(heading: str) -> str:
    """GitHub's id of a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(page: str) -> set[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def sarif_of(args: list[str]) -> dict:
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        _, out, err = cli(*args)
    finally:
        os.chdir(old)
    assert out.lstrip().startswith("{"), err
    return json.loads(out)


def rules(doc: dict) -> list[dict]:
    return [r for run in doc["runs"] for r in run["tool"]["driver"]["rules"]]


@pytest.mark.parametrize("name", SARIF_RUNS)
def test_every_rule_has_help_and_a_help_uri_that_resolves(name) -> None:
    found = rules(sarif_of(SARIF_RUNS[name] + ["--help-uri-base", BASE]))
    assert found, "the run reports no rule: the test would check nothing"
    for rule in found:
        assert rule["help"]["text"] and rule["help"]["markdown"], rule["id"]
        uri = rule.get("helpUri")
        assert uri, f"{rule['id']} has no helpUri though a base was given"
        parts = urlsplit(uri)
        assert parts.scheme == "https" and parts.netloc and uri.startswith(BASE + "/")
        page = parts.path.removeprefix(urlsplit(BASE).path + "/")
        assert (DOCS / page).is_file(), uri
        assert parts.fragment in anchors(page), f"{uri}: no such heading in docs/{page}"


@pytest.mark.parametrize("name", ["check", "lint", "audit-sarif"])
def test_without_a_base_there_is_no_help_uri(name) -> None:
    found = rules(sarif_of(SARIF_RUNS[name]))
    assert found and all("helpUri" not in r and r["help"]["text"] for r in found)


def test_every_help_section_is_a_heading_of_the_docs() -> None:
    for doc, section in sarif.HELP_SECTIONS.items():
        assert (ROOT / doc).is_file(), doc
        page, _, anchor = section.partition("#")
        assert anchor in anchors(page), section


def test_lint_codes_are_listed_where_their_help_uri_points() -> None:
    listed = (DOCS / "lint.md").read_text(encoding="utf-8").split("## Codes", 1)[1]
    for rule in rules(sarif_of(SARIF_RUNS["lint"])):
        if rule["id"].startswith("L"):
            assert f"| {rule['id']} |" in listed.split("\n## ", 1)[0], rule["id"]


def test_the_base_comes_from_the_package_metadata(monkeypatch) -> None:
    class Meta:
        def __init__(self, urls: list[str]) -> None:
            self.urls = urls

        def get_all(self, key: str) -> list[str]:
            assert key == "Project-URL"
            return self.urls

    for urls, want in ((["Source, https://example.org/src", "Documentation, " + BASE + "/"], BASE),
                       (["Documentation, docs/"], None), ([], None)):
        monkeypatch.setattr(sarif, "metadata", lambda _name, urls=urls: Meta(urls))
        sarif.documentation_base.cache_clear()
        try:
            assert sarif.documentation_base() == want
            uri = sarif.help_uri("docs/lint.md", None)
            assert uri == (f"{want}/lint.md#codes" if want else None)
        finally:
            sarif.documentation_base.cache_clear()


@pytest.mark.parametrize("url", ["docs/", "ftp://example.org/docs", "https://"])
def test_a_base_that_is_not_an_absolute_url_is_refused(url) -> None:
    code, _, err = cli("lint", "x.sgv", "--help-uri-base", url)
    assert code == 2 and "not an absolute http(s) URL" in err
