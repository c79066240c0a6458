"""Issue 20.21: the docs said an instance ``ip`` block stands for "some address in it",
while ``can partly reach`` was proved from one chosen address of the block (the reading
that the interface owns every address). The reading is now one, documented in
docs/language.md section 4 and docs/semantics.md section 4: the interface owns every
address of its blocks. Universal verdicts cover each address, existential ones need one.

    sgverify check spec.sgv
"""

from __future__ import annotations

from sgverify.api import check_text
from sgverify.core.result import Verdict

SPEC = """group app {}
group db { ingress accept tcp 5432 from 10.0.1.1/32 }
instance app-1 { ip 10.0.1.0/30; groups app }
instance db-1 { ip 10.0.2.10; groups db }
partly: assert app-1 can partly reach db-1 on tcp 5432
fully: assert app-1 can reach db-1 on tcp 5432
never: assert app-1 cannot reach db-1 on tcp 5432
allowed: assert instance db-1: ingress tcp 5432 from 10.0.1.0/30 is allowed
reachable: assert instance db-1: ingress tcp 5432 from 10.0.1.0/30 is reachable
"""


def verdicts(text: str) -> dict[str, tuple[Verdict, str]]:
    report = check_text(text)
    assert not report.has_errors, report.diagnostics
    return {r.assertion.name: (r.verdict, str(r.flow) if r.flow else "") for r in report.results}


def test_one_address_of_the_block_proves_the_existential_verdicts() -> None:
    got = verdicts(SPEC)
    assert got["partly"][0] is Verdict.PROVED and "10.0.1.1:" in got["partly"][1]
    assert got["reachable"][0] is Verdict.PROVED
    assert got["never"][0] is Verdict.VIOLATED and "10.0.1.1:" in got["never"][1]


def test_every_address_of_the_block_is_needed_for_the_universal_verdicts() -> None:
    got = verdicts(SPEC)
    assert got["fully"][0] is Verdict.VIOLATED and "10.0.1.1:" not in got["fully"][1]
    assert got["allowed"][0] is Verdict.VIOLATED


def test_a_block_reads_as_the_addresses_it_holds() -> None:
    """The same verdicts as an instance written with the four addresses one by one."""
    listed = SPEC.replace("ip 10.0.1.0/30", "ip 10.0.1.0, 10.0.1.1, 10.0.1.2, 10.0.1.3")
    assert {k: v[0] for k, v in verdicts(listed).items()} == \
        {k: v[0] for k, v in verdicts(SPEC).items()}
