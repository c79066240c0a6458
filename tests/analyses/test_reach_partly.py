"""A pair that reaches on some services and may reach on more, depending on unresolved
lists: ``reach`` says which services and lists, shows a witness for them with the
membership it assumes (checked here against the evaluator), and fails closed (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sgverify.api import load_policy
from sgverify.core.evaluate import decide, unresolved_names
from sgverify.core.flow import Flow
from sgverify.core.model import Direction, Nic
from tests.support.helpers import reach_cli

PAIR = """port-list extra
group web (vpc, basic) {
  ingress accept tcp 443 from 10.0.0.0/8
  ingress accept tcp port-list extra from 10.0.0.0/8
}
group app (vpc, basic) { egress accept all to 0.0.0.0/0 }
instance w1 { ip 10.0.0.1; groups web }
instance a1 { ip 10.0.0.2; groups app }
"""
INTERNET = """prefix-list partners
group web (vpc, basic) {
  ingress accept tcp 443 from 0.0.0.0/0
  ingress accept tcp 22 from prefix-list partners
}
instance w1 { ip 10.0.0.1; public 47.1.1.1; groups web }
"""


reach = reach_cli




@pytest.mark.parametrize("spec, argv, line, lists", [
    (PAIR, ["--from", "a1", "--to", "w1"],
     "instance a1 reaches instance w1 on tcp 443; may also reach on tcp 1-442, 444-65535",
     ["port list extra"]),
    (INTERNET, ["--from", "internet"],
     "internet reaches instance w1 on tcp 443; may also reach on tcp 22", ["prefix list partners"]),
])
def test_may_also_reach_is_shown_and_fails_closed(tmp_path: Path, spec: str, argv: list[str],
                                                  line: str, lists: list[str]) -> None:
    code, out, err = reach(tmp_path, spec, *argv)
    assert code == 3, err
    assert line in out and "not verified: depends on " + lists[0] in out
    assert "may-reach witness:" in out and "assuming: " in out
    assert "(1 of them possibly on more services: not verified" in out
    assert reach(tmp_path, spec, *argv, "--allow-unknown")[0] == 0
    assert reach(tmp_path, spec, *argv, "--fail-if-reachable")[0] == 1
    code, out, _ = reach(tmp_path, spec, *argv, "--format", "json")
    doc = json.loads(out)
    assert code == 3 and doc["summary"]["partly_unknown"] == 1
    (pair,) = doc["results"]["pairs"]
    assert pair["status"] == "reachable" and pair["depends_on"] == lists
    assert pair["possibly_also"] and pair["possibly_also_text"]
    witness = pair["possibly_also_witness"]
    assert witness["assuming"]
    assert all(e["decision"]["action"] == "accept" for e in witness["evidence"])
    assert pair["witness"]["assuming"] == []  # the sure services need no assumption


def test_the_may_reach_witness_passes_only_under_its_assumed_membership(tmp_path: Path) -> None:
    """The receiver accepts the witness flow when the list holds it and drops it when the
    list is empty: the service is possible, not sure."""
    path = tmp_path / "inv.sgv"
    path.write_text(INTERNET)
    policy = load_policy(str(path)).policy
    assert policy is not None
    target = next(i for i in policy.instances if i.name == "w1").target
    flow = Flow(Direction.INGRESS, 6, 4, 0x01000001, 0x0A000001, 1024, 22, Nic.INTRANET)
    names = unresolved_names(target, Direction.INGRESS)
    assert names == ("prefix list partners",)
    assert decide(target, flow, assume={names[0]: True}).accepted
    assert not decide(target, flow, assume={names[0]: False}).accepted
    code, out, _ = reach(tmp_path, INTERNET, "--from", "internet")
    assert "may-reach witness: ingress tcp 1.0.0.1:1024 -> 10.0.0.1:22" in out
    assert "assuming: 1.0.0.1 is in prefix list partners (receiver w1)" in out


def test_a_pair_that_surely_reaches_everything_it_may_is_verified(tmp_path: Path) -> None:
    spec = PAIR.replace("  ingress accept tcp port-list extra from 10.0.0.0/8\n",
                        "  ingress accept tcp port-list extra from 10.0.0.0/8 priority 2\n"
                        "  ingress accept tcp 1-65535 from 10.0.0.0/8\n")
    code, out, err = reach(tmp_path, spec, "--from", "a1", "--to", "w1")
    assert code == 0, out + err
    assert "may also reach" not in out


EXTERNAL = """group web (vpc, basic) { ingress accept tcp 443 from 10.0.0.0/8 }
group db (vpc, basic) { ingress accept tcp 443 from 10.0.0.0/8 }
group ext (id sg-123, external) {}
instance w1 { ip 10.0.0.1; groups web }
instance x1 { ip 10.0.0.3; public 47.1.1.3; groups ext }
instance y1 { ip 10.0.0.4; groups db, ext }
"""


def test_interfaces_in_external_groups_are_never_proved_either_way(tmp_path: Path) -> None:
    """Any rule is possible in a group whose rules are not known: every pair through it
    is 'may reach' (never reaches for sure, never proved unreachable)."""
    code, out, _ = reach(tmp_path, EXTERNAL, "--format", "json")
    doc = json.loads(out)
    assert code == 3
    status = {(p["sender"], p["receiver"]): p["status"] for p in doc["results"]["pairs"]}
    for other in ("internet", "instance w1", "instance y1"):
        assert status[(other, "instance x1")] == "unknown"
        assert status[("instance x1", other if other != "internet" else "internet")] == "unknown"
    # w1 -> y1 on 443: db accepts it, but ext (on y1 too) may drop it at priority 1.
    assert status[("instance w1", "instance y1")] == "unknown"
    assert any("rules of group ext are not known" in n for n in doc["results"]["notes"])
    code, out, _ = reach(tmp_path, EXTERNAL.replace(", ext }", " }"), "--from", "w1", "--to", "y1")
    assert code == 0 and "instance w1 reaches instance y1 on tcp 443" in out


def test_more_lists_than_can_be_enumerated_are_bounded_not_refused(tmp_path: Path) -> None:
    """Past the enumeration limit an interface's decision is bounded from both sides: the
    sure services stay exact and nothing that may pass is called unreachable."""
    lists = "".join(f"prefix-list p{k}\n" for k in range(10))
    rules = "".join(f"  ingress accept tcp {1000 + k} from prefix-list p{k}\n" for k in range(9))
    spec = (lists + "group db (vpc, basic) {\n" + rules +
            "  ingress accept tcp 80, 443 from 10.0.0.0/8\n"
            "  ingress drop tcp 443 from prefix-list p9\n}\n"
            "group app (vpc, basic) { egress accept all to 0.0.0.0/0 }\n"
            "instance d1 { ip 10.0.0.1; groups db }\ninstance a1 { ip 10.0.0.2; groups app }\n")
    code, out, err = reach(tmp_path, spec, "--from", "a1", "--to", "d1", "--format", "json")
    assert code == 3, err
    (pair,) = json.loads(out)["results"]["pairs"]
    assert pair["status"] == "reachable" and pair["services_text"] == "tcp 80"
    assert pair["possibly_also_text"] == "tcp 443, 1000-1008"
