"""Issue 19.2: with ``instance internet { ... }`` defined, ``assert internet cannot reach d``
was proved, because the word silently meant the built-in set. A keyword cannot name an
instance now, as it already could not name a group, address set or list (E119, everywhere
a name is declared).

    sgverify check spec.sgv
"""

from __future__ import annotations

import pytest

from sgverify.api import check_text
from sgverify.lang.parse import reserved_words

DECLARATIONS = {
    "instance": "instance {w} {{ ip 10.0.0.1; groups g }}",
    "group": "group {w} {{}}",
    "address set": "addresses {w} = 10.0.0.0/8",
    "prefix list": "prefix-list {w} (id pl-1)",
    "port list": "port-list {w} (id prl-1)",
}


@pytest.mark.parametrize("word", ["internet", "any", "tcp", "group", "instance", "all"])
@pytest.mark.parametrize("what", sorted(DECLARATIONS))
def test_a_keyword_cannot_name_anything(word, what) -> None:
    text = "group g {}\n" + DECLARATIONS[what].format(w=word) + "\n"
    errors = [d for d in check_text(text).diagnostics if d.is_error]
    assert [d.code for d in errors] == ["E119"], errors
    assert f"'{word}' is a word of the language and cannot name a" in errors[0].message


def test_the_reported_case_is_refused_not_proved() -> None:
    report = check_text("group g {}\ninstance internet { ip 10.0.0.1; groups g }\n"
                        "instance d { ip 10.0.0.2; groups g }\n"
                        "a: assert internet cannot reach d\n")
    assert report.has_errors and not any(r.verdict.value == "proved" for r in report.results)


def test_every_keyword_is_refused_as_an_instance_name() -> None:
    for word in sorted(w for w in reserved_words() if w.replace("-", "").isalpha()):
        text = f"group g {{}}\ninstance {word} {{ ip 10.0.0.1; groups g }}\n"
        codes = [d.code for d in check_text(text).diagnostics if d.is_error]
        assert codes and set(codes) <= {"E119", "E001", "E002"}, (word, codes)
