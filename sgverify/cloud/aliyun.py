"""Alibaba Cloud OpenAPI JSON, as the ``aliyun`` CLI and the SDKs print it.

Recognised responses (one per file, or a JSON list of them):
``DescribeSecurityGroupAttribute`` (a group and its rules; pages and the two NIC types of a
classic group are merged), ``DescribeSecurityGroups`` (group types and names),
``DescribeInstances`` and ``DescribeNetworkInterfaces`` (interfaces: addresses and group
memberships), ``DescribePrefixListAttributes`` (prefix list entries) and
``DescribePortRangeListEntries`` with its ``PortRangeListId`` (port list entries).
"""

from __future__ import annotations

from ..core.model import ALL_PORTS, Action, GroupType, Network, PortRange
from ..lang.syntax import PeerNode
from .assemble import Batch, GroupDraft, GroupRef, InstanceDraft, ListDraft
from .permission import (
    FIELDS,
    MISSING,
    PermissionContext,
    cidr_peer,
    convert_permission,
    enum_value,
    parse_port_range,
    quick_permission,
)
from .quick_rules import read_permissions
from .source import SYNTAX, UNREADABLE, Node, Sink, expect_list, listed, strings_of, text_of

GROUP_FIELDS = frozenset("""
RequestId RegionId SecurityGroupId SecurityGroupName Description VpcId InnerAccessPolicy
SecurityGroupType NextToken Permissions OwnerId ResourceGroupId CreationTime Tags
ServiceManaged ServiceID AvailableInstanceAmount EcsCount RuleCount GroupToGroupRuleCount
SnapshotPolicyIds
""".split())
LISTING_FIELDS = frozenset("RequestId RegionId TotalCount PageNumber PageSize NextToken SecurityGroups".split())
INSTANCES_FIELDS = frozenset("RequestId TotalCount PageNumber PageSize NextToken Instances".split())
ENIS_FIELDS = frozenset("RequestId TotalCount PageNumber PageSize NextToken NetworkInterfaceSets".split())
INSTANCE_FIELDS = frozenset("""
InstanceId InstanceName Description HostName ImageId InstanceType Cpu Memory OSName OSNameEn
OSType OSBuildNumber Status RegionId ZoneId InstanceNetworkType InternetChargeType
InternetMaxBandwidthIn InternetMaxBandwidthOut InstanceChargeType SpotStrategy SpotPriceLimit
SpotDuration SpotInterruptionBehavior CreationTime StartTime ExpiredTime AutoReleaseTime
StoppedMode DeploymentSetId DeploymentSetGroupNo DedicatedHostAttribute
DedicatedInstanceAttribute HpcClusterId GPUAmount GPUSpec InstanceTypeFamily IoOptimized
KeyPairName LocalStorageAmount LocalStorageCapacity ResourceGroupId SaleCycle SerialNumber
Recyclable VlanId ClusterId DeviceAvailable CreditSpecification CpuOptions MetadataOptions
EcsCapacityReservationAttr HibernationOptions ImageOptions PrivateDnsNameOptions
AdditionalInfo Tags OperationLocks RdmaIpAddress ISP SecurityGroupIds InnerIpAddress
PublicIpAddress VpcAttributes EipAddress NetworkInterfaces
""".split())
ENI_FIELDS = frozenset("""
NetworkInterfaceId NetworkInterfaceName InstanceId Type SecurityGroupIds PrivateIpAddress
PrivateIpSets Ipv6Sets Ipv4PrefixSets Ipv6PrefixSets AssociatedPublicIp VpcId VSwitchId ZoneId
MacAddress Status Description CreationTime ResourceGroupId Tags ServiceManaged ServiceID
OwnerId QueuePairNumber QueueNumber Attachment DeleteOnRelease NetworkInterfaceTrafficMode
NetworkInterfaceTrafficConfig TcpOptionAddressEnabled SourceDestCheck
""".split())
PREFIX_FIELDS = frozenset("RequestId PrefixListId PrefixListName AddressFamily MaxEntries "
                          "Description CreationTime Entries".split())
PORTLIST_FIELDS = frozenset("RequestId PortRangeListId PortRangeListName Description MaxEntries "
                            "CreationTime Entries NextToken".split())

GROUP_TYPES = {"normal": GroupType.BASIC, "enterprise": GroupType.ENTERPRISE}
INTRA = {"accept": Action.ACCEPT, "drop": Action.DROP}


def kind_of(value: object) -> str | None:
    """Which response ``value`` is (None: not an Alibaba Cloud response sgverify reads)."""
    if not isinstance(value, dict):
        return None
    if "SecurityGroupId" in value and ("Permissions" in value or "InnerAccessPolicy" in value):
        return "attribute"
    if isinstance(value.get("SecurityGroups"), dict):
        return "listing"
    if "Instances" in value:
        return "instances"
    if "NetworkInterfaceSets" in value:
        return "enis"
    if "PrefixListId" in value and "Entries" in value:
        return "prefix-list"
    if "PortRangeListId" in value and "Entries" in value:
        return "port-list"
    if "Entries" in value:
        return "entries-without-id"
    return None


def looks_like(value: object) -> bool:
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(kind_of(v) is not None for v in items)


def read(sink: Sink, root: Node, batch: Batch) -> None:
    items = list(root.elements()) if isinstance(root.value, list) else [root]
    if not items:
        sink.error(UNREADABLE, root, "an empty list: no Alibaba Cloud response to read")
    for node in items:
        kind = kind_of(node.value)
        if kind == "attribute":
            read_attribute(sink, node, batch)
        elif kind == "listing":
            read_listing(sink, node, batch)
        elif kind == "instances":
            read_instances(sink, node, batch)
        elif kind == "enis":
            read_enis(sink, node, batch)
        elif kind == "prefix-list":
            read_prefix_list(sink, node, batch)
        elif kind == "port-list":
            read_port_list(sink, node, batch)
        elif kind == "entries-without-id":
            sink.error(UNREADABLE, node, "port list entries without their list: "
                       "DescribePortRangeListEntries does not echo the list id, so add "
                       "\"PortRangeListId\": \"prl-...\" to the response (docs/inputs.md)")
        else:
            sink.error(UNREADABLE, node, "not an Alibaba Cloud response sgverify reads "
                       "(DescribeSecurityGroupAttribute, DescribeSecurityGroups, DescribeInstances, "
                       "DescribeNetworkInterfaces, DescribePrefixListAttributes, "
                       "DescribePortRangeListEntries)")


def _group_type(sink: Sink, node: Node | None) -> tuple[GroupType | None, bool]:
    """The group type, and whether the data states one (a bad value is stated, and is an
    error already: it is not also 'not given')."""
    value = enum_value(sink, node, GROUP_TYPES, "SecurityGroupType")
    stated = node is not None and not node.is_blank()
    return (None if value is MISSING else value), stated  # type: ignore[return-value]


def read_attribute(sink: Sink, node: Node, batch: Batch) -> None:
    sink.unknown_fields(node, GROUP_FIELDS)
    gid = text_of(sink, node.get("SecurityGroupId"))
    if not gid:
        sink.error(SYNTAX, node.child("SecurityGroupId"), "a DescribeSecurityGroupAttribute "
                   "response needs its SecurityGroupId")
        return
    network = Network.VPC if text_of(sink, node.get("VpcId")) else Network.CLASSIC
    gtype, type_given = _group_type(sink, node.get("SecurityGroupType"))
    intra_v = enum_value(sink, node.get("InnerAccessPolicy"), INTRA, "InnerAccessPolicy")
    intra = Action.ACCEPT if intra_v is MISSING else intra_v
    name = text_of(sink, node.get("SecurityGroupName"))
    draft = GroupDraft(node, gid, None, [name] if name else [], network,
                       gtype or GroupType.BASIC, intra if (gtype or GroupType.BASIC) is GroupType.BASIC
                       else None,  # type: ignore[arg-type]
                       owner=text_of(sink, node.get("OwnerId")),
                       description=" ".join(text_of(sink, node.get("Description")).split()),
                       type_known=type_given, api_pages=True,
                       intra_accept_at=node.get("InnerAccessPolicy") if intra_v is Action.ACCEPT
                       else None,
                       tokens=[(text_of(sink, node.get("NextToken")), node.child("NextToken"))])
    ctx = PermissionContext(draft)
    permissions = listed(node.get("Permissions"), "Permission")
    if permissions is not None:  # the list, as the API gives it: read in one pass
        read_permissions(sink, permissions, permissions.value, ctx, draft.rules)
        batch.add_group(draft)
        return
    for perm in expect_list(sink, node.get("Permissions"), "Permission"):
        value = perm.value
        if not isinstance(value, dict):
            sink.error(SYNTAX, perm, f"expected a permission object, found {perm.shown_value}")
            continue
        if not FIELDS.issuperset(value):
            sink.unknown_fields(perm, FIELDS)
        rule = quick_permission(value, ctx, perm) or convert_permission(sink, perm.fields(),
                                                                        ctx, perm)
        if rule is not None:
            draft.rules.append(rule)
    batch.add_group(draft)


def read_listing(sink: Sink, node: Node, batch: Batch) -> None:
    sink.unknown_fields(node, LISTING_FIELDS)
    for item in expect_list(sink, node.get("SecurityGroups"), "SecurityGroup"):
        sink.unknown_fields(item, GROUP_FIELDS - {"Permissions"})
        gid = text_of(sink, item.get("SecurityGroupId"))
        if not gid:
            sink.error(SYNTAX, item, "a listed group needs its SecurityGroupId")
            continue
        gtype, type_given = _group_type(sink, item.get("SecurityGroupType"))
        name = text_of(sink, item.get("SecurityGroupName"))
        network = Network.VPC if text_of(sink, item.get("VpcId")) else Network.CLASSIC
        batch.add_group(GroupDraft(item, gid, None, [name] if name else [], network,
                                   gtype or GroupType.BASIC,
                                   Action.ACCEPT if (gtype or GroupType.BASIC) is GroupType.BASIC else None,
                                   description=" ".join(text_of(sink, item.get("Description")).split()),
                                   has_rules=False, type_known=type_given))


def _addresses(sink: Sink, pairs: list[tuple[str, Node]], out: list[PeerNode]) -> None:
    for text, node in pairs:
        p = cidr_peer(sink, node, None)
        if p is not None and all(q.addresses != p.addresses for q in out):
            out.append(p)


def _group_refs(sink: Sink, node: Node | None) -> list[GroupRef]:
    return [GroupRef(gid=text, at=n) for text, n in strings_of(sink, node, "SecurityGroupId",
                                                               "a security group id")]


def read_instances(sink: Sink, node: Node, batch: Batch) -> None:
    sink.unknown_fields(node, INSTANCES_FIELDS)
    for item in expect_list(sink, node.get("Instances"), "Instance"):
        sink.unknown_fields(item, INSTANCE_FIELDS)
        iid = text_of(sink, item.get("InstanceId"))
        if not iid:
            sink.error(SYNTAX, item, "an instance needs its InstanceId")
            continue
        private: list[PeerNode] = []
        public: list[PeerNode] = []
        vpc = item.child("VpcAttributes")
        _addresses(sink, strings_of(sink, vpc.get("PrivateIpAddress"), "IpAddress", "an address"), private)
        _addresses(sink, strings_of(sink, item.get("InnerIpAddress"), "IpAddress", "an address"), private)
        aliases = []
        for eni in expect_list(sink, item.get("NetworkInterfaces"), "NetworkInterface"):
            eni_id = text_of(sink, eni.get("NetworkInterfaceId"))
            kind = text_of(sink, eni.get("Type")).lower()
            if kind and kind != "primary":
                if eni_id:
                    batch.secondary_enis.append((eni_id, eni))
                continue
            if eni_id:
                aliases.append(eni_id)
            _addresses(sink, [(t, n) for t, n in [(text_of(sink, eni.get("PrimaryIpAddress")),
                                                   eni.child("PrimaryIpAddress"))] if t], private)
            for ps in expect_list(sink, eni.get("PrivateIpSets"), "PrivateIpSet"):
                _addresses(sink, [(t, n) for t, n in [(text_of(sink, ps.get("PrivateIpAddress")),
                                                       ps.child("PrivateIpAddress"))] if t], private)
            for v6 in expect_list(sink, eni.get("Ipv6Sets"), "Ipv6Set"):
                _addresses(sink, [(t, n) for t, n in [(text_of(sink, v6.get("Ipv6Address")),
                                                       v6.child("Ipv6Address"))] if t], private)
        _addresses(sink, strings_of(sink, item.get("PublicIpAddress"), "IpAddress", "an address"), public)
        eip = item.get("EipAddress")
        if eip is not None and isinstance(eip.value, dict):
            t = text_of(sink, eip.get("IpAddress"))
            if t:
                _addresses(sink, [(t, eip.child("IpAddress"))], public)
        name = text_of(sink, item.get("InstanceName"))
        batch.add_instance(InstanceDraft(item, iid, [name] if name else [], private, public,
                                         _group_refs(sink, item.get("SecurityGroupIds")), aliases))


def read_enis(sink: Sink, node: Node, batch: Batch) -> None:
    sink.unknown_fields(node, ENIS_FIELDS)
    for item in expect_list(sink, node.get("NetworkInterfaceSets"), "NetworkInterfaceSet"):
        sink.unknown_fields(item, ENI_FIELDS)
        eni_id = text_of(sink, item.get("NetworkInterfaceId"))
        if not eni_id:
            sink.error(SYNTAX, item, "a network interface needs its NetworkInterfaceId")
            continue
        instance_id = text_of(sink, item.get("InstanceId"))
        kind = text_of(sink, item.get("Type")).lower()
        private: list[PeerNode] = []
        public: list[PeerNode] = []
        t = text_of(sink, item.get("PrivateIpAddress"))
        if t:
            _addresses(sink, [(t, item.child("PrivateIpAddress"))], private)
        for ps in expect_list(sink, item.get("PrivateIpSets"), "PrivateIpSet"):
            t = text_of(sink, ps.get("PrivateIpAddress"))
            if t:
                _addresses(sink, [(t, ps.child("PrivateIpAddress"))], private)
        for v6 in expect_list(sink, item.get("Ipv6Sets"), "Ipv6Set"):
            t = text_of(sink, v6.get("Ipv6Address"))
            if t:
                _addresses(sink, [(t, v6.child("Ipv6Address"))], private)
        pub = item.get("AssociatedPublicIp")
        if pub is not None and isinstance(pub.value, dict):
            t = text_of(sink, pub.get("PublicIpAddress"))
            if t:
                _addresses(sink, [(t, pub.child("PublicIpAddress"))], public)
        name = text_of(sink, item.get("NetworkInterfaceName"))
        batch.add_instance(InstanceDraft(item, eni_id, [name] if name else [], private, public,
                                         _group_refs(sink, item.get("SecurityGroupIds")), [eni_id],
                                         primary_of=instance_id if kind == "primary" else None))


def read_prefix_list(sink: Sink, node: Node, batch: Batch) -> None:
    sink.unknown_fields(node, PREFIX_FIELDS)
    lid = text_of(sink, node.get("PrefixListId"))
    family = text_of(sink, node.get("AddressFamily")).lower()
    fam = {"ipv4": 4, "ipv6": 6}.get(family)
    if family and fam is None:
        sink.error(SYNTAX, node.child("AddressFamily"), f"\"{family}\": expected IPv4 or IPv6")
        return
    peers: list[PeerNode] = []
    for entry in expect_list(sink, node.get("Entries"), "Entry"):
        sink.unknown_fields(entry, ("Cidr", "Description"))
        cidr = entry.get("Cidr")
        if cidr is None or cidr.is_blank():
            sink.error(SYNTAX, entry, "a prefix list entry needs its Cidr")
            continue
        p = cidr_peer(sink, cidr, fam)
        if p is not None:
            peers.append(p)
    name = text_of(sink, node.get("PrefixListName"))
    if not peers:
        sink.warn(node, f"prefix list {lid} has no entries: rules that use it match no address "
                  "through it")
        batch.empty_lists.add(lid)
        return
    batch.add_list(ListDraft(node, lid, [name] if name else [], peers=tuple(peers)), "prefix")


def read_port_list(sink: Sink, node: Node, batch: Batch) -> None:
    sink.unknown_fields(node, PORTLIST_FIELDS)
    lid = text_of(sink, node.get("PortRangeListId"))
    ports: set[PortRange] = set()
    every = False
    for entry in expect_list(sink, node.get("Entries"), "Entry"):
        sink.unknown_fields(entry, ("PortRange", "Description"))
        pr = entry.get("PortRange")
        if pr is None or pr.is_blank():
            sink.error(SYNTAX, entry, "a port list entry needs its PortRange")
            continue
        parsed = parse_port_range(sink, pr)
        if parsed is None:
            every = True
        elif parsed != "bad":
            ports.update(parsed)  # type: ignore[arg-type]
    name = text_of(sink, node.get("PortRangeListName"))
    if every:
        ports = set(ALL_PORTS)
    if not ports:
        sink.warn(node, f"port list {lid} has no entries: rules that use it match no port")
        batch.empty_lists.add(lid)
        return
    batch.add_list(ListDraft(node, lid, [name] if name else [], ports=tuple(sorted(ports))), "port")
