"""The .sgv printer: printing then parsing gives back equal nodes."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from sgverify.core.diagnostics import Span
from sgverify.lang.build import build_document
from sgverify.lang.printer import format_document, format_rule, quote
from sgverify.lang.syntax import Document, PeerNode, RuleNode
from tests.support.inputs import FIXTURES, imported
from tests.support.paths import ROOT


def without_spans_and_texts(x: Any) -> Any:
    """Nodes with spans (also those inside tuples) and source texts blanked out."""
    if isinstance(x, Span):
        return None
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return type(x)(**{f.name: "" if f.name == "text" else without_spans_and_texts(getattr(x, f.name))
                          for f in dataclasses.fields(x)})
    if isinstance(x, tuple):
        return tuple(without_spans_and_texts(v) for v in x)
    return x


def without_spans(x: Any) -> Any:
    if isinstance(x, Span):
        return None
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return type(x)(**{f.name: without_spans(getattr(x, f.name)) for f in dataclasses.fields(x)})
    if isinstance(x, tuple):
        return tuple(without_spans(v) for v in x)
    return x


def sgv_sources() -> list[tuple[str, str]]:
    out = [(str(p.relative_to(ROOT)), p.read_text()) for p in sorted(ROOT.glob("specs/**/*.sgv"))]
    out += [(str(p.relative_to(ROOT)), p.read_text())
            for p in sorted((ROOT / "tests" / "fixtures" / "broken").glob("*.sgv"))]
    for doc in ("language.md", "semantics.md"):
        text = (ROOT / "docs" / doc).read_text()
        for i, m in enumerate(re.finditer(r"^```sgv[ \t]*\n(.*?)^```", text, re.M | re.S)):
            out.append((f"docs/{doc}#{i}", m.group(1)))
    return out


def parse(text: str) -> Document:
    doc, diags = build_document(text, "x.sgv")
    assert not [d for d in diags if d.is_error], [d.message for d in diags if d.is_error]
    return doc


@pytest.mark.parametrize("name,text", sgv_sources(), ids=[n for n, _ in sgv_sources()])
def test_print_parse_round_trip(name: str, text: str) -> None:
    doc, diags = build_document(text, "x.sgv")
    if any(d.is_error for d in diags):
        pytest.skip("an example that is meant to be refused")
    printed = format_document(doc)
    again = parse(printed)
    # Same structure; 'text' fields hold the canonical spelling after printing.
    assert without_spans_and_texts(again.statements) == without_spans_and_texts(doc.statements)
    # Printing is canonical: the printed text prints to itself, nodes and texts alike.
    assert format_document(again) == printed
    assert without_spans(parse(printed).statements) == without_spans(again.statements)


@pytest.mark.parametrize("folder", ["aliyun", "terraform", "ros", "aws"])
def test_imported_documents_print_and_parse_to_equal_nodes(folder: str) -> None:
    files = sorted(str(p) for p in (FIXTURES / folder).iterdir() if p.suffix in (".json", ".yaml", ".tf"))
    result = imported(*files)
    assert result.documents
    for doc in result.documents:
        again = parse(format_document(doc))
        assert without_spans(again.statements) == without_spans(doc.statements), doc.path


def test_strings_and_long_rules() -> None:
    assert quote('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'
    assert quote("two\nlines") == '"two\\u000alines"'
    peers = tuple(PeerNode("cidr", f"10.{i}.0.0/16") for i in range(200))
    from sgverify.core.model import Action, Direction
    rule = RuleNode(Direction.INGRESS, Action.ACCEPT, 6, None, src=peers)
    one_line = format_rule(rule)
    wrapped = format_rule(rule, indent="  ")
    assert "\n" not in one_line and max(len(x) for x in wrapped.splitlines()) <= 120
    assert " ".join(wrapped.split()) == one_line


def test_fleet_reach_assertions_print_and_parse_back(tmp_path) -> None:
    from sgverify.lang.build import build_document
    from sgverify.lang.printer import format_assertion
    src = ("group dev {}\ngroup db {}\ninstance a { ip 10.0.0.1; groups dev }\n"
           "assert group dev cannot reach group db on tcp 5432\n"
           "assert internet cannot reach group db on tcp 3306\n"
           "assert instance a can partly reach internet\n")
    doc, diags = build_document(src, "x.sgv")
    assert not [d for d in diags if d.is_error]
    printed = [format_assertion(st) for st in doc.statements if type(st).__name__ == "AssertNode"]
    assert printed == ["assert group dev cannot reach group db tcp 5432",
                       "assert internet cannot reach group db tcp 3306",
                       "assert instance a can partly reach internet"]
    again, _ = build_document("\n".join(printed), "y.sgv")
    assert [st.kind for st in again.statements] == ["fleet-reach"] * 3
