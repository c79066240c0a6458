"""``dumps_items``: a list written item by item gives the text ``dumps`` gives the whole
document, to the byte (reach's JSON of tens of thousands of pairs goes through it)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sgverify.report.json import ITEMS, dumps, dumps_items

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(items=st.lists(values, max_size=4), depth=st.integers(0, 3), before=values, after=values)
def test_the_same_text_as_the_whole_document(items: list[Any], depth: int, before: Any,
                                             after: Any) -> None:
    def nest(payload: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {"a": before, "list": payload, "z": after}
        for _ in range(depth):
            doc = {"x": before, "in": doc, "y": [after]}
        return doc

    assert "".join(dumps_items(nest(ITEMS), iter(items))) == dumps(nest(items))
