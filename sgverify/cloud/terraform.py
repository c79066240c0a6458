"""Terraform (aliyun/alicloud provider): ``terraform show -json`` of a state or a plan.

Resources read: ``alicloud_security_group``, ``alicloud_security_group_rule``,
``alicloud_instance``, ``alicloud_ecs_network_interface`` / ``alicloud_network_interface``
(group memberships) and ``alicloud_ecs_prefix_list``. In a plan, values unknown until
apply (the ids of new groups, typically) are taken from the ``configuration`` references
(``alicloud_security_group.web.id``); any other unknown value is an unknown field of its
rule only (``unknowns``), named in a warning, never guessed. ``.tf`` files go through
``hcl``, which builds the same ``Resource`` records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from ..core.model import Action, Direction, GroupType, Network
from ..lang.syntax import PeerNode
from .assemble import Batch, GroupDraft, GroupRef, InstanceDraft, ListDraft
from .permission import PermissionContext, cidr_peer
from .unknowns import UNKNOWN_GROUP, convert_with_unknowns, unknown_group
from .source import BAD_RULE, SYNTAX, UNSUPPORTED, Node, Sink, text_of

GROUP = "alicloud_security_group"
RULE = "alicloud_security_group_rule"
INSTANCE = "alicloud_instance"
ENIS = ("alicloud_ecs_network_interface", "alicloud_network_interface")
PREFIX = "alicloud_ecs_prefix_list"
HANDLED = (GROUP, RULE, INSTANCE, PREFIX) + ENIS

# alicloud_security_group_rule attribute -> API field (ingress, egress)
RULE_FIELDS: dict[str, tuple[str, str]] = {
    "ip_protocol": ("IpProtocol", "IpProtocol"),
    "policy": ("Policy", "Policy"),
    "priority": ("Priority", "Priority"),
    "port_range": ("PortRange", "PortRange"),
    "nic_type": ("NicType", "NicType"),
    "cidr_ip": ("SourceCidrIp", "DestCidrIp"),
    "ipv6_cidr_ip": ("Ipv6SourceCidrIp", "Ipv6DestCidrIp"),
    "source_security_group_id": ("SourceGroupId", "DestGroupId"),
    "source_group_owner_account": ("SourceGroupOwnerAccount", "DestGroupOwnerAccount"),
    "source_group_owner_id": ("SourceGroupOwnerId", "DestGroupOwnerId"),
    "prefix_list_id": ("SourcePrefixListId", "DestPrefixListId"),
    "description": ("Description", "Description"),
    "security_group_rule_id": ("SecurityGroupRuleId", "SecurityGroupRuleId"),
}
RULE_OTHER = frozenset("id security_group_id type timeouts".split())
GROUP_ATTRS = frozenset("""id name security_group_name description vpc_id security_group_type
inner_access_policy inner_access resource_group_id tags create_time timeouts""".split())
INSTANCE_ATTRS = ("security_groups", "private_ip", "public_ip", "ipv6_addresses",
                  "secondary_private_ips", "instance_name", "network_interface_id", "id")
NAME_ATTRS = ("instance_name", "network_interface_name", "name", "id", "network_interface_id")
ENI_ATTRS = ("security_group_ids", "security_groups", "primary_ip_address", "private_ip",
             "private_ip_addresses", "private_ips", "ipv6_addresses", "network_interface_name",
             "name", "id")


@dataclass
class Resource:
    """One resource instance: its attribute values, the resources its unknown attributes
    reference (plan configuration, or .tf expressions), and why others are unknown."""

    address: str  # module.app.alicloud_security_group.web[0]
    base: str     # module.app.alicloud_security_group.web
    type: str
    values: Node  # labelled with the address
    refs: dict[str, list[str]] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    data: bool = False  # a data source ("mode": "data"): it exists, its rules live elsewhere

    def value(self, attr: str) -> Node | None:
        node = self.values.get(attr)
        return None if node is None or node.value is None else node


def looks_like(value: object) -> bool:
    return isinstance(value, dict) and "format_version" in value and any(
        k in value for k in ("values", "planned_values", "resource_changes", "configuration",
                             "terraform_version"))


def _walk_module(sink: Sink, node: Node) -> Iterator[Node]:
    """The resources of a module and its children; a wrong shape is an error, not empty."""
    if not _is(sink, node, dict, "an object (a module)"):
        return
    for key in ("resources", "child_modules"):
        items = node.get(key)
        if items is None or not _is(sink, items, list, "a list"):
            continue
        for item in items.elements():
            if not _is(sink, item, dict, "an object"):
                continue
            if key == "child_modules":
                yield from _walk_module(sink, item)
                continue
            if all(_is(sink, item.child(k), str, "a string") for k in ("address", "type")) and \
                    (not item.has("mode") or _is(sink, item.child("mode"), str, "a string")) and \
                    (not item.has("values") or _is(sink, item.child("values"), dict, "an object")):
                yield item


def _is(sink: Sink, node: Node, kind: type, what: str) -> bool:
    """Whether ``node`` holds a ``kind``; reported as an error when it does not."""
    if isinstance(node.value, kind):
        return True
    sink.error(SYNTAX, node, f"expected {what}, found {node.shown_value}")
    return False


def _config_map(module: Node, prefix: str, out: dict[str, Node]) -> None:
    for res in module.child("resources").elements():
        address = res.value.get("address") if isinstance(res.value, dict) else None
        if isinstance(address, str):
            out[prefix + address] = res
    for name, call in module.child("module_calls").items():
        _config_map(call.child("module"), f"{prefix}module.{name}.", out)


_REF = re.compile(r"^(?:module\.[A-Za-z0-9_-]+\.)*(alicloud_[a-z0-9_]+)\.([A-Za-z0-9_-]+)")


def resource_refs(refs: object, prefix: str) -> list[str]:
    """Resource bases named by a configuration 'references' list (module-relative)."""
    out: list[str] = []
    if not isinstance(refs, list):
        return out
    for r in refs:
        if isinstance(r, str) and not r.startswith(("var.", "local.", "data.", "module.", "count.",
                                                     "each.", "path.", "self.")):
            m = _REF.match(r)
            if m:
                base = prefix + f"{m.group(1)}.{m.group(2)}"
                if base not in out:
                    out.append(base)
    return out


REF_ATTRS = frozenset({"security_group_id", "source_security_group_id", "security_groups",
                       "security_group_ids", "vpc_id"})


def note_reference(r: Resource, attr: str, references: Sequence[object], prefix: str) -> None:
    """An attribute whose value is an expression: a group reference where a group id is
    expected (and any reference for vpc_id), otherwise unknown (reported if it matters)."""
    bases = resource_refs(references, prefix)
    if attr in REF_ATTRS and bases and (attr == "vpc_id" or all(
            b.split(".")[-2] == GROUP for b in bases)):
        r.refs[attr] = bases
    else:
        r.unknown[attr] = "its value comes from " + ", ".join(str(x) for x in references)


def read(sink: Sink, root: Node, batch: Batch) -> None:
    sink.unknown_fields(root, ("format_version", "terraform_version", "values", "planned_values",
                               "resource_changes", "configuration", "prior_state", "variables",
                               "output_changes", "relevant_attributes", "checks", "timestamp",
                               "applyable", "complete", "errored", "resource_drift"),
                        "top-level key")
    plan = root.has("planned_values")
    values = root.get("planned_values" if plan else "values")
    config: dict[str, Node] = {}
    if plan:
        _config_map(root.child("configuration").child("root_module"), "", config)
    resources = []
    found: Iterator[Node] = iter(())
    if values is not None and _is(sink, values, dict, "an object"):
        if values.has("root_module"):
            found = _walk_module(sink, values.child("root_module"))
        else:
            sink.error(SYNTAX, values, "expected a 'root_module' (terraform show -json output "
                       "has one)")
    for res in found:
        v = res.value
        rtype = str(v.get("type", ""))
        data = v.get("mode", "managed") != "managed"
        if data and rtype != GROUP:
            continue  # other data sources describe nothing sgverify reads
        address = str(v.get("address", ""))
        base = re.sub(r"\[[^\]]*\]$", "", address)
        r = Resource(address, base, rtype, res.child("values").labelled(address), data=data)
        if plan and rtype in HANDLED:
            prefix = base[:len(base) - len(f"{rtype}.{v.get('name', '')}")]
            cfg = config.get(base)
            exprs = cfg.child("expressions") if cfg is not None else None
            if exprs is not None:
                for attr, expr in exprs.items():
                    if r.value(attr) is not None:
                        continue
                    if isinstance(expr.value, dict) and "references" in expr.value:
                        note_reference(r, attr, expr.value["references"], prefix)
                    elif isinstance(expr.value, dict) and "constant_value" in expr.value:
                        pass  # known: it would be in planned values (null = not set)
        resources.append(r)
    convert_resources(sink, resources, batch, "tf")


def convert_resources(sink: Sink, resources: list[Resource], batch: Batch, scope: str) -> None:
    """Terraform resources (from JSON or .tf files) -> drafts in ``batch``."""
    by_base: dict[str, list[Resource]] = {}
    for r in resources:
        by_base.setdefault(r.base, []).append(r)
    skipped = sorted({r.type for r in resources if r.type not in HANDLED and re.search(
        r"security_group|network_interface|instance|prefix_list", r.type)})
    if skipped and resources:
        sink.warn(resources[0].values, "resource types not read by sgverify: " + ", ".join(skipped))

    by_address = {r.address: r for r in resources}

    def group_key(base: str, at: Node) -> GroupRef | None:
        exact = by_address.get(base)
        found = [exact] if exact is not None and exact.type == GROUP else \
            [r for r in by_base.get(base, []) if r.type == GROUP]
        if len(found) == 1:
            return GroupRef(resource=f"{scope}:{found[0].address}", at=at)
        if len(found) > 1:
            sink.error(UNSUPPORTED, at, f"refers to {base}, which has {len(found)} instances "
                       "(count or for_each): sgverify cannot tell which one")
        else:
            sink.error(BAD_RULE, at, f"refers to {base}, which is not an {GROUP} of the input")
        return None

    def refs_to_groups(r: Resource, attr: str) -> list[GroupRef] | None:
        out = []
        for base in r.refs.get(attr, []):
            ref = group_key(base, r.values.child(attr))
            if ref is None:
                return None
            out.append(ref)
        return out

    def unknown(r: Resource, attrs: tuple[str, ...] | list[str]) -> bool:
        bad = False
        for attr in attrs:
            if attr in r.unknown:
                sink.error(UNSUPPORTED, r.values.child(attr), f"unknown to sgverify: "
                           f"{r.unknown[attr]} (it reads literal values only)")
                bad = True
        return bad

    for r in resources:
        if r.type == GROUP:
            _group(sink, r, batch, scope)
    for r in resources:
        if r.type == PREFIX:
            _prefix_list(sink, r, batch)
    for r in resources:
        if r.type == RULE:
            sink.unknown_fields(r.values, set(RULE_FIELDS) | RULE_OTHER | {"count"}, "attribute")
            if "security_group_id" in r.unknown:
                _rule_anywhere(sink, r, batch, refs_to_groups)
                continue
            _rule(sink, r, batch, group_key, refs_to_groups)
    for r in resources:
        if r.type == INSTANCE or r.type in ENIS:
            bad = [a for a in r.unknown if a in INSTANCE_ATTRS + ENI_ATTRS and a not in NAME_ATTRS]
            if bad:
                sink.warn(r.values.child(bad[0]), f"interface {r.address} is not imported: its "
                          f"{bad[0]} is unknown: {r.unknown[bad[0]]}")
                continue
            _interface(sink, r, batch, refs_to_groups)


def _text(sink: Sink, node: Node | None) -> str:
    return text_of(sink, node) if node is not None else ""


DATA_SOURCE = "a Terraform data source (its rules are managed outside this state)"


def _group(sink: Sink, r: Resource, batch: Batch, scope: str) -> None:
    v = r.values
    sink.unknown_fields(v, GROUP_ATTRS, "attribute")
    gid = _text(sink, r.value("id")) or None
    name = _text(sink, r.value("security_group_name")) or _text(sink, r.value("name"))
    vpc = bool(_text(sink, r.value("vpc_id"))) or "vpc_id" in r.refs or "vpc_id" in r.unknown
    type_text = _text(sink, r.value("security_group_type")).lower() or "normal"
    gtype = {"normal": GroupType.BASIC, "enterprise": GroupType.ENTERPRISE}.get(type_text)
    if gtype is None:
        sink.error(BAD_RULE, v.child("security_group_type"), f"\"{type_text}\": expected normal or "
                   "enterprise")
        return
    policy = _text(sink, r.value("inner_access_policy")).lower()
    stated = r.value("inner_access_policy")
    if not policy and r.value("inner_access") is not None:
        stated = r.value("inner_access")
        policy = "accept" if stated.value in (True, "true") else "drop"  # type: ignore[union-attr]
    intra = {"": Action.ACCEPT, "accept": Action.ACCEPT, "drop": Action.DROP}.get(policy)
    if intra is None:
        sink.error(BAD_RULE, v.child("inner_access_policy"), f"\"{policy}\": expected Accept or Drop")
        return
    for attr in ("security_group_type", "inner_access_policy", "inner_access", "count"):
        if attr in r.unknown:
            sink.warn(v.child(attr), f"group {r.address} is read as external (its own decisions "
                      f"unknown): its {attr} is unknown: {r.unknown[attr]}")
            local = r.address.rsplit(".", 1)[-1]
            batch.add_group(GroupDraft(v, gid, f"{scope}:{r.address}", [re.sub(
                r"[\[\]\"]+", "-", local).strip("-")], Network.VPC if vpc else Network.CLASSIC,
                has_rules=False, stub_reason=f"{UNKNOWN_GROUP}{attr} unknown"))
            return
    local = r.address.rsplit(".", 1)[-1]
    names = [n for n in (name, re.sub(r"[\[\]\"]+", "-", local).strip("-")) if n]
    batch.add_group(GroupDraft(v, gid, f"{scope}:{r.address}", names,
                               Network.VPC if vpc else Network.CLASSIC, gtype,
                               intra if gtype is GroupType.BASIC else None,
                               description=" ".join(_text(sink, r.value("description")).split()),
                               intra_accept_at=stated if policy == "accept" else None,
                               has_rules=not r.data,
                               stub_reason=DATA_SOURCE if r.data else ""))
    if r.address != r.base and f"{scope}:{r.base}" not in batch.by_resource:
        pass  # counted groups are referenced by their full address only


def _rule(sink: Sink, r: Resource, batch: Batch, group_key, refs_to_groups) -> None:  # type: ignore[no-untyped-def]
    v = r.values
    dnode = r.value("type")
    direction = {"ingress": Direction.INGRESS, "egress": Direction.EGRESS}.get(_text(sink, dnode).lower())
    if direction is None and "type" not in r.unknown:
        sink.error(BAD_RULE, dnode or v, "a rule needs 'type' = \"ingress\" or \"egress\"")
        return
    sg = r.value("security_group_id")
    ref: GroupRef | None
    if sg is not None and _text(sink, sg):
        ref = GroupRef(gid=_text(sink, sg), at=sg)
    else:
        refs = refs_to_groups(r, "security_group_id")
        if refs is None:
            return
        if len(refs) != 1:
            sink.error(BAD_RULE, v.child("security_group_id"), "cannot tell the rule's group: "
                       "security_group_id is neither known nor a reference to one group")
            return
        ref = refs[0]
    group = batch.find_group(ref.gid, ref.resource)
    if group is None:
        group = batch.add_group(GroupDraft(v, ref.gid, None, [], partial=True))
    if unknown_group(group):
        return  # read as external: its rules do not matter
    drafts = []
    for d in ([direction] if direction is not None else [Direction.INGRESS, Direction.EGRESS]):
        drafts += _rule_side(sink, r, batch, group, d, direction is None, refs_to_groups)
    group.rules.extend(drafts)


def _rule_anywhere(sink: Sink, r: Resource, batch: Batch, refs_to_groups) -> None:  # type: ignore[no-untyped-def]
    """A rule whose group is unknown: it may be a rule of any group of the input, so each
    group gets it with whether it is there unknown (cloud.unknowns)."""
    v = r.values
    why = r.unknown["security_group_id"]
    groups = [g for g in batch.groups if g.has_rules and not g.partial]
    if not groups:
        sink.warn(v.child("security_group_id"), "rule not imported: the group it belongs to is "
                  f"unknown ({why}) and the input defines no group it could be")
        return
    sink.warn(v.child("security_group_id"), f"the group of this rule is unknown ({why}): it is "
              f"read as a rule that may belong to any of the {len(groups)} group"
              f"{'s' if len(groups) > 1 else ''} of the input")
    direction = {"ingress": Direction.INGRESS, "egress": Direction.EGRESS}.get(
        _text(sink, r.value("type")).lower())
    if direction is None and "type" not in r.unknown:
        sink.error(BAD_RULE, r.value("type") or v, "a rule needs 'type' = \"ingress\" or \"egress\"")
        return
    for g in groups:
        for d in ([direction] if direction is not None else [Direction.INGRESS, Direction.EGRESS]):
            g.rules.extend(_rule_side(sink, r, batch, g, d, direction is None, refs_to_groups,
                                      (why, v.child("security_group_id"))))


def _rule_side(sink: Sink, r: Resource, batch: Batch, group: GroupDraft, direction: Direction,
               both: bool, refs_to_groups,  # type: ignore[no-untyped-def]
               somewhere: tuple[str, Node] | None = None) -> list:
    """The rule drafts of one Terraform rule read in ``direction`` (both directions when
    its ``type`` is unknown; in ``group`` perhaps, when ``somewhere`` says its group is
    unknown)."""
    v = r.values
    fields = {}
    unknown: dict[str, tuple[str, Node]] = {}
    side = 0 if direction is Direction.INGRESS else 1
    for attr, names in RULE_FIELDS.items():
        node = r.value(attr)
        if node is not None:
            fields[names[side]] = node
        if attr in r.unknown and not (attr in r.refs):
            unknown[names[side]] = (r.unknown[attr], v.child(attr))
    if both:
        unknown["Direction"] = (r.unknown["type"], v.child("type"))
    if "count" in r.unknown:
        unknown["Exists"] = (r.unknown["count"], v)
    if somewhere is not None:
        unknown["Group"] = somewhere

    peer_ref: GroupRef | None = None  # the peer group, when only a reference names it

    def read_group(node: Node, account: str | None) -> GroupRef | None:
        if peer_ref is not None:
            return GroupRef(peer_ref.gid, account, peer_ref.resource, node)
        if isinstance(node.value, str) and node.value.strip():
            return GroupRef(gid=node.value.strip(), account=account, at=node)
        sink.error(SYNTAX, node, f"expected a group id, found {node.shown_value}")
        return None

    if "source_security_group_id" in r.refs and "source_security_group_id" not in fields:
        refs = refs_to_groups(r, "source_security_group_id")
        if refs is None:
            return []
        if len(refs) != 1:
            sink.error(UNSUPPORTED, v.child("source_security_group_id"), "cannot tell which group "
                       "this refers to")
            return []
        peer_ref = refs[0]
        placeholder = v.child("source_security_group_id")
        fields[RULE_FIELDS["source_security_group_id"][side]] = Node(
            "(reference)", placeholder.src, placeholder.path, placeholder.base, placeholder.prefix)

    return convert_with_unknowns(sink, batch, fields, unknown,
                                 PermissionContext(group, direction, read_group), v,
                                 r.address.replace("[?]", "") +
                                 (f".in.{(group.names or [group.label])[0]}" if somewhere else ""),
                                 {n[side]: a for a, n in RULE_FIELDS.items()} |
                                 {"Direction": "type", "Exists": "count",
                                  "Group": "security_group_id"})


def _strings(sink: Sink, node: Node | None) -> list[tuple[str, Node]]:
    if node is None or node.value is None:
        return []
    if isinstance(node.value, str):
        return [(node.value.strip(), node)] if node.value.strip() else []
    if not isinstance(node.value, list):
        sink.error(SYNTAX, node, f"expected a list, found {node.shown_value}")
        return []
    return [(str(item.value).strip(), item) for item in node.elements()
            if isinstance(item.value, str) and item.value.strip()]


def _interface(sink: Sink, r: Resource, batch: Batch, refs_to_groups) -> None:  # type: ignore[no-untyped-def]
    groups: list[GroupRef] = []
    for attr in ("security_groups", "security_group_ids"):
        for gid, node in _strings(sink, r.value(attr)):
            groups.append(GroupRef(gid=gid, at=node))
        more = refs_to_groups(r, attr)
        if more is None:
            return
        groups.extend(more)
    private: list[PeerNode] = []
    public: list[PeerNode] = []
    for attr in ("private_ip", "primary_ip_address", "private_ip_addresses", "private_ips",
                 "secondary_private_ips", "ipv6_addresses"):
        for text, node in _strings(sink, r.value(attr)):
            p = cidr_peer(sink, node, None)
            if p is not None and all(q.addresses != p.addresses for q in private):
                private.append(p)
    for text, node in _strings(sink, r.value("public_ip")):
        p = cidr_peer(sink, node, None)
        if p is not None:
            public.append(p)
    iid = _text(sink, r.value("id")) or None
    name = _text(sink, r.value("instance_name")) or _text(sink, r.value("network_interface_name")) \
        or _text(sink, r.value("name"))
    local = re.sub(r"[\[\]\"]+", "-", r.address.rsplit(".", 1)[-1]).strip("-")
    aliases = [a for a in [_text(sink, r.value("network_interface_id"))] if a]
    batch.add_instance(InstanceDraft(r.values, iid, [n for n in (name, local) if n], private,
                                     public, groups, aliases))


def _prefix_list(sink: Sink, r: Resource, batch: Batch) -> None:
    lid = _text(sink, r.value("id"))
    if not lid:
        return  # a list created by this plan: rules reference it by an id not known yet
    fam = {"ipv4": 4, "ipv6": 6}.get(_text(sink, r.value("address_family")).lower())
    peers = []
    entries = r.value("entry")
    for item in (entries.elements() if entries is not None else []):
        cidr = item.get("cidr")
        if cidr is not None and not cidr.is_blank():
            p = cidr_peer(sink, cidr, fam)
            if p is not None:
                peers.append(p)
    name = _text(sink, r.value("prefix_list_name"))
    if not peers:
        batch.empty_lists.add(lid)
        sink.warn(r.values, f"prefix list {lid} has no entries")
        return
    batch.add_list(ListDraft(r.values, lid, [name] if name else [], peers=tuple(peers)), "prefix")
