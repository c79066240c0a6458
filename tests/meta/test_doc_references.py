"""What the docs point at exists: every source path they name, every ``path: name`` they
cite, and every ``from sgverify... import ...`` line of their examples (a moved module
must not leave a page behind)."""

from __future__ import annotations

import importlib
import re

import pytest

from tests.support.paths import ROOT

PAGES = sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md", ROOT / "benchmarks" / "README.md",
                ROOT / "fuzz" / "README.md"])
PATH = re.compile(r"\b((?:sgverify|tests|benchmarks|fuzz)/[A-Za-z0-9_/.-]+\.py)\b")
CITED = re.compile(r"`((?:sgverify|tests|benchmarks)/[A-Za-z0-9_/.-]+\.py): ([A-Za-z_][\w.]*)")
IMPORT = re.compile(r"^from (sgverify[\w.]*) import ([\w, ]+)$", re.M)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_named_paths_exist(page) -> None:
    text = page.read_text(encoding="utf-8")
    missing = sorted({p for p in PATH.findall(text) if not (ROOT / p).exists()})
    assert not missing, f"{page.name} names files that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_cited_names_exist(page) -> None:
    text = page.read_text(encoding="utf-8").replace("\n", " ")
    missing = []
    for path, name in CITED.findall(text):
        source = (ROOT / path).read_text(encoding="utf-8")
        if not re.search(rf"\b{re.escape(name.split('.')[-1])}\b", source):
            missing.append(f"{path}: {name}")
    assert not missing, f"{page.name} cites names that are not there: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_example_imports_resolve(page) -> None:
    for module, names in IMPORT.findall(page.read_text(encoding="utf-8")):
        mod = importlib.import_module(module)
        for name in (n.strip() for n in names.split(",")):
            assert hasattr(mod, name), f"{page.name}: {module} has no {name}"
