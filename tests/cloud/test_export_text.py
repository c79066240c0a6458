"""The export writer (cloud.export.export_text, _rows) gives exactly what it replaced: the
text of ``json.dumps(documents, indent=2, ensure_ascii=False)``, and permissions equal to
the plain cross product the export first made (kept here as the reference), on random
policies with every kind of peer, port, interface-side block, id and description (issue 14)."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sgverify.api import check_text
from sgverify.cloud.export import (_PERMISSION, FIELDS, PROTOCOLS, _permission_texts, _rows,
                                   _text, export_text, group_document, permissions)
from sgverify.core.addresses import V4, V6
from sgverify.core.model import ICMP, ICMPV6, PORT_PROTOCOLS, Action, Direction, Rule
from tests.cloud.test_export_roundtrip import spec_text


def reference_permissions(rule: Rule) -> list[dict[str, Any]]:
    """The permissions as the export made them before issue 14, field by field."""
    def family(cidr: str) -> int:
        return V6 if ":" in cidr else V4

    items: list[tuple[str, Any]] = [("cidr", c) for c in rule.peer.addresses.cidrs()]
    items += [("group", k) for k in sorted(rule.peer.groups)]
    items += [("pl", name.removeprefix("prefix list ")) for name in rule.peer.unresolved]
    inbound = rule.direction is Direction.INGRESS
    peer_side, local_side = ("Source", "Dest") if inbound else ("Dest", "Source")
    if rule.unresolved_ports is not None:
        port_items = [("list", rule.unresolved_ports.removeprefix("port list "))]
    elif rule.protocol in PORT_PROTOCOLS:
        port_items = [("range", f"{p.lo}/{p.hi}") for p in rule.ports] \
            if rule.ports is not None else [("range", "1/65535")]
    else:
        port_items = [("range", "-1/-1")]
    sports = [f"{p.lo}/{p.hi}" for p in rule.source_ports] if rule.source_ports else [""]
    locals_: list[str | None] = list(rule.local.cidrs()) if rule.local is not None else [None]
    out = []
    for (kind, value), (pkind, ports), sport, local in itertools.product(
            items, port_items, sports, locals_):
        fams = set()
        if kind == "cidr":
            fams.add(family(value))
        if local is not None:
            fams.add(family(local))
        if len(fams) > 1:
            continue
        if (rule.protocol == ICMP and V6 in fams) or (rule.protocol == ICMPV6 and V4 in fams):
            continue
        p: dict[str, Any] = {f: "" for f in FIELDS}
        p.update({"Direction": rule.direction.value,
                  "Policy": "Accept" if rule.action is Action.ACCEPT else "Drop",
                  "Priority": rule.priority, "IpProtocol": PROTOCOLS[rule.protocol],
                  "PortRange": ports if pkind == "range" else "",
                  "PortRangeListId": ports if pkind == "list" else "",
                  "SourcePortRange": sport, "NicType": rule.nic.value,
                  "Description": rule.description})
        if kind == "cidr":
            p[("Ipv6" if family(value) == V6 else "") + f"{peer_side}CidrIp"] = value
        elif kind == "group":
            p[f"{peer_side}GroupId"] = value.ident
            p[f"{peer_side}GroupOwnerAccount"] = value.account
        else:
            p[f"{peer_side}PrefixListId"] = value
        if local is not None:
            p[("Ipv6" if family(local) == V6 else "") + f"{local_side}CidrIp"] = local
        out.append(p)
    if rule.rule_id:
        for i, p in enumerate(out, 1):
            p["SecurityGroupRuleId"] = rule.rule_id if len(out) == 1 else f"{rule.rule_id}-{i}"
    return out


WORDS = st.sampled_from(['', 'web', 'caf\u00e9 \u2603', 'a "quoted" \\\\ word', '\\u0007 bell',
                         'tab\\there', '\u2028', 'emoji \U0001f600', '</script>'])


@st.composite
def described_spec(draw: st.DrawFn) -> str:
    """A random policy of the round-trip test, with descriptions on groups and rules."""
    lines = draw(spec_text()).split("\n")
    out = []
    for line in lines:
        words = draw(WORDS)
        if line.startswith("group ") and words:
            line = line.replace(") {", f', description "{words}") {{')
        elif line.startswith("  ") and words:
            line += f' description "{words}"'
        out.append(line)
    return "\n".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=described_spec())
def test_the_text_and_permissions_are_what_they_were(text: str) -> None:
    rep = check_text(text)
    assume(rep.policy is not None)
    assert rep.policy is not None
    for g in rep.policy.groups:
        for r in g.rules:
            assert permissions(r, g.network) == reference_permissions(r)
            # the commonest rule's permission is written directly, the others from rows
            assert _permission_texts(r) == [_PERMISSION % tuple(row) for row in _rows(r, _text)]
            assert [list(p) for p in permissions(r, g.network)] == [list(FIELDS)] * len(
                permissions(r, g.network))
    documents = [group_document(g) for g in rep.policy.groups]
    assert "".join(export_text(rep.policy.groups)) == json.dumps(documents, indent=2,
                                                                 ensure_ascii=False)


def test_no_group_is_an_empty_list() -> None:
    assert "".join(export_text([])) == json.dumps([], indent=2)
