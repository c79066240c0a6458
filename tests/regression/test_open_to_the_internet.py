"""Issue 19.3: audit and lint disagreed on "open to the internet": an allow-listed office
/24 triggered high-severity "SSH is open to the internet" in audit (SGV101) but not in lint
(L201). One definition now (docs/semantics.md section 6.1, ``prove.exposure``): accepted
from every public address of a family, whatever the lists hold. SGV110 still reports the
office block as reachable from the internet.

Also here: narrowing a pooled target (``PooledTarget``) used to copy its memo of sorted
rules into the narrowed copy, so that one audit control's narrowing changed the rules the
next control saw (caught by the evaluator as an internal error).

    sgverify audit spec.sgv      sgverify lint spec.sgv
"""

from __future__ import annotations

import pytest

from sgverify.api import check_text
from sgverify.core.model import Direction, Target
from sgverify.engines.boxes.certify import layout_for
from sgverify.engines.boxes.finder import pooled
from sgverify.engines.boxes.narrow import Narrowing
from tests.support.gate import cli, write

CASES = {  # group body -> open to the internet on SSH?
    "ingress accept tcp 22 from 203.0.113.0/24": False,
    "ingress accept tcp 22 from 0.0.0.0/0": True,
    "ingress accept tcp 22 from 0.0.0.0/1; ingress accept tcp 22 from 128.0.0.0/1": True,
    "ingress accept tcp 22 from 0.0.0.0/1": False,
    "ingress drop tcp 22 from 0.0.0.0/0 priority 1; ingress accept tcp 22 from 0.0.0.0/0 "
    "priority 2": False,
    "ingress accept tcp 22 from ::/0": True,
    "ingress accept all from 0.0.0.0/0": True,
}


@pytest.mark.parametrize("body", sorted(CASES))
def test_audit_and_lint_give_the_same_answer(tmp_path, body) -> None:
    spec = write(tmp_path, "spec.sgv", f"group g {{ {body} }}\n")
    code, out, _ = cli("audit", spec, "--control", "SGV101", "--no-timing")
    audit_open = "violated: group g:" in out
    code, lint_out, _ = cli("lint", spec, "--no-timing")
    lint_open = "error[L201]" in lint_out  # each case opens SSH or nothing
    assert audit_open == lint_open == CASES[body], (out, lint_out)


def test_an_allow_listed_office_is_reachable_not_open(tmp_path) -> None:
    spec = write(tmp_path, "spec.sgv", "group g { ingress accept tcp 22 from 203.0.113.0/24 }\n")
    _, out, _ = cli("audit", spec, "--control", "SGV101", "--control", "SGV110", "--no-timing")
    assert "SGV101" in out and out.count("violated: group g:") == 1  # SGV110's only
    assert "SGV110 medium" in out


def test_unresolved_lists_that_may_open_it_make_it_unknown(tmp_path) -> None:
    spec = write(tmp_path, "spec.sgv", "prefix-list p (id pl-1)\n"
                 "group g { ingress accept tcp 22 from prefix-list p }\n")
    code, out, _ = cli("audit", spec, "--control", "SGV101", "--no-timing")
    assert code == 3 and "warning[SGV101]: unknown: group g:" in out and "may be accepted" in out, out


def test_narrowing_a_pooled_target_leaves_its_rules_alone() -> None:
    report = check_text("group g { ingress accept tcp 22 from 0.0.0.0/0; "
                        "ingress accept tcp 80 from 0.0.0.0/0 }\n")
    group = report.policy.groups[0]
    t = pooled(Target("g", "group", (group,)))
    before = t.rules(Direction.INGRESS)
    narrow = Narrowing(layout_for([t], ()), t)
    narrowed = narrow.to()  # no box: no rule can match
    assert narrowed.rules(Direction.INGRESS) == ()
    assert t.rules(Direction.INGRESS) == before and len(before) == 2
