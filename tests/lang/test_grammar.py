"""The grammar builds without conflicts or terminal collisions (lark strict mode)."""

from lark import Lark

from sgverify.lang.parse import grammar_text


def test_grammar_is_strict_lalr() -> None:
    Lark(grammar_text(), parser="lalr", start=["start", "flow", "flowset"], strict=True)
