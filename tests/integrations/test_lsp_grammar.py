"""The VS Code extension's TextMate grammar (editors/vscode/syntaxes/sgv.tmLanguage.json)
highlights exactly the keywords of the Lark grammar (grammar/*.lark), so the two cannot
drift apart (issue 17); and the extension's files are what VS Code reads.

    python -m pytest tests/integrations/test_lsp_grammar.py
"""

from __future__ import annotations

import json
import re

from tests.support.paths import ROOT

VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "sgv.tmLanguage.json"
_KEYWORD = re.compile(r"[a-z][a-z0-9\-]*")


def lark_keywords() -> set[str]:
    """Every keyword of the Lark grammar: quoted literal words, and the words of the
    terminals written as alternatives (PROTOCOL, DIRECTION, NIC, FAMILY, REACH)."""
    words: set[str] = set()
    for path in (ROOT / "grammar").glob("*.lark"):
        text = re.sub(r"//[^\n]*", "", path.read_text())
        words |= {w for w in re.findall(r'"([^"\\]+)"i?', text) if _KEYWORD.fullmatch(w)}
        for body in re.findall(r"^[A-Z_]+(?:\.\d+)?:\s*/(\(.*?)\(\?!", text, re.M):
            if re.fullmatch(r"[a-z0-9|()\\s+]+", body):  # words only, not a pattern of digits
                words |= set(_KEYWORD.findall(body.replace("\\s", " ")))
    return words


def textmate_keywords() -> set[str]:
    """The words of the grammar's keyword patterns (alternatives between word guards)."""
    g = json.loads(GRAMMAR.read_text())
    words: set[str] = set()
    for p in g["repository"]["keywords"]["patterns"]:
        m = re.fullmatch(r"\(\?<!\[[^\]]+\]\)\(\?:([a-z0-9\-|]+)\)\(\?!\[[^\]]+\]\)", p["match"])
        assert m, f"not a keyword pattern: {p['match']}"
        words |= set(m.group(1).split("|"))
    return words


def test_textmate_keywords_are_the_lark_keywords() -> None:
    lark = lark_keywords()
    tm = textmate_keywords()
    assert lark, "no keyword found in grammar/*.lark"
    assert tm - lark == set(), f"highlighted but not keywords: {sorted(tm - lark)}"
    assert lark - tm == set(), f"keywords not highlighted: {sorted(lark - tm)}"


def test_the_lark_keywords_are_the_reserved_words() -> None:
    from sgverify.lang.parse import reserved_words
    assert lark_keywords() == set(reserved_words())


def test_keyword_patterns_compile_and_match_whole_words_only() -> None:
    g = json.loads(GRAMMAR.read_text())
    for p in g["repository"]["keywords"]["patterns"]:
        rx = re.compile(p["match"])
        for word in p["match"].split("(?:")[1].split(")")[0].split("|"):
            assert rx.fullmatch(word)
            assert not rx.search(f"my-{word}x") and not rx.search(f"{word}-1")


def test_the_extension_names_its_grammar_and_language() -> None:
    pkg = json.loads((VSCODE / "package.json").read_text())
    lang = pkg["contributes"]["languages"][0]
    assert lang["extensions"] == [".sgv"]
    assert (VSCODE / lang["configuration"]).is_file()
    gram = pkg["contributes"]["grammars"][0]
    assert gram["scopeName"] == json.loads(GRAMMAR.read_text())["scopeName"]
    assert (VSCODE / gram["path"]).resolve() == GRAMMAR.resolve()
    assert "vscode-languageclient" in pkg["dependencies"]
    assert '"lsp"' in (VSCODE / "extension.js").read_text() or "'lsp'" in \
        (VSCODE / "extension.js").read_text()
    json.loads((VSCODE / "language-configuration.json").read_text())
