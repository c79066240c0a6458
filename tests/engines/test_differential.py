"""Differential tests: the Z3 encoding and the concrete evaluator agree on every flow.

Each example draws a random interface (1-3 groups, up to 8 rules each, random semantics
switches) and a batch of flows; over the default run this compares well over 10,000
(policy, flow) pairs.
"""

from __future__ import annotations

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.core.addresses import V6
from sgverify.core.evaluate import decide
from sgverify.core.flow import Flow, flow_problem
from sgverify.core.model import Direction, Nic, Semantics, Target, target_keys
from sgverify.engines.z3.encode import SymFlow, accepted, single_view, well_formed
from tests.support.strategies import flows, semantics, targets

FLOWS_PER_POLICY = 60
EXAMPLES = 200


def z3_accepts(acc: z3.BoolRef, f: SymFlow, flow: Flow) -> bool:
    v6 = flow.family == V6
    peer, local = flow.peer_ip, flow.local_ip
    pairs = [
        (f.ingress, z3.BoolVal(flow.direction is Direction.INGRESS)),
        (f.protocol, z3.BitVecVal(flow.protocol, 8)),
        (f.v6, z3.BoolVal(v6)),
        (f.peer4, z3.BitVecVal(0 if v6 else peer, 32)), (f.local4, z3.BitVecVal(0 if v6 else local, 32)),
        (f.peer6, z3.BitVecVal(peer if v6 else 0, 128)), (f.local6, z3.BitVecVal(local if v6 else 0, 128)),
        (f.sport, z3.BitVecVal(flow.src_port or 0, 16)), (f.dport, z3.BitVecVal(flow.dst_port or 0, 16)),
        (f.internet, z3.BoolVal(flow.nic is Nic.INTERNET)),
    ] + [(b, z3.BoolVal(k in flow.peer_groups)) for k, b in f.groups.items()]
    value = z3.simplify(z3.substitute(acc, *pairs))
    assert z3.is_true(value) or z3.is_false(value), value
    return z3.is_true(value)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=targets(), sem=semantics)
def test_encoding_matches_evaluator(data: st.DataObject, target: Target, sem: Semantics) -> None:
    f = SymFlow(universe=frozenset(target_keys(target) | {k for fl in [] for k in fl}))
    acc = accepted(target, single_view(f), sem)
    wf = well_formed(target, f)
    for _ in range(FLOWS_PER_POLICY):
        flow = data.draw(flows(target))
        assert flow_problem(flow, target) is None, flow_problem(flow, target)
        # Peer groups outside the universe cannot matter; drop them as the encoding does.
        flow = Flow(flow.direction, flow.protocol, flow.family, flow.src_ip, flow.dst_ip,
                    flow.src_port, flow.dst_port, flow.nic,
                    frozenset(k for k in flow.peer_groups if k in f.groups))
        expected = decide(target, flow, sem).accepted
        assert z3_accepts(acc, f, flow) == expected, (str(flow), decide(target, flow, sem))
        assert z3_accepts(wf, f, flow), f"well-formed flow rejected by the encoding: {flow}"
