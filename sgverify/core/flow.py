"""Concrete flows: one connection attempt seen from one network interface.

The text form (``str(flow)``) is what counterexamples print and what
``sgverify explain --flow`` reads back, e.g. ``ingress tcp 1.0.0.1:1024 -> 10.0.1.5:22``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .addresses import V4, V6, format_address
from .model import (
    ICMP,
    ICMPV6,
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    PROTOCOL_NAMES,
    Direction,
    GroupKey,
    Network,
    Nic,
    Target,
    protocol_name,
)


@dataclass(frozen=True, slots=True)
class Flow:
    """A connection attempt. For ingress the peer (remote end) is the source, for egress the
    destination. ``peer_groups`` are the groups the remote end belongs to; ports are set
    exactly for TCP and UDP."""

    direction: Direction
    protocol: int
    family: int
    src_ip: int
    dst_ip: int
    src_port: int | None = None
    dst_port: int | None = None
    nic: Nic = Nic.INTRANET
    peer_groups: frozenset[GroupKey] = frozenset()

    @property
    def peer_ip(self) -> int:
        return self.src_ip if self.direction is Direction.INGRESS else self.dst_ip

    @property
    def local_ip(self) -> int:
        return self.dst_ip if self.direction is Direction.INGRESS else self.src_ip

    def _endpoint(self, ip: int, port: int | None) -> str:
        text = format_address(self.family, ip)
        if port is None:
            return text
        return f"[{text}]:{port}" if self.family == V6 else f"{text}:{port}"

    def __str__(self) -> str:
        parts = [self.direction.value, protocol_name(self.protocol),
                 self._endpoint(self.src_ip, self.src_port), "->",
                 self._endpoint(self.dst_ip, self.dst_port)]
        if self.nic is Nic.INTERNET:
            parts += ["nic", "internet"]
        if self.peer_groups:
            parts += ["peer-groups", ", ".join(sorted(str(g) for g in self.peer_groups))]
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The flow JSON shape shared by every command (docs/output.md)."""
        return {
            "direction": self.direction.value,
            "protocol": PROTOCOL_NAMES.get(self.protocol, self.protocol),
            "src_ip": format_address(self.family, self.src_ip),
            "dst_ip": format_address(self.family, self.dst_ip),
            "src_port": self.src_port,
            "dst_port": self.dst_port,
            "nic_type": self.nic.value,
            "peer_groups": sorted(str(g) for g in self.peer_groups),
        }


def flow_problem(flow: Flow, target: Target | None = None) -> str | None:
    """Why ``flow`` cannot occur (on ``target``), or None when it is well formed.

    The encoder asserts the same conditions (``encode.well_formed``)."""
    if flow.family not in (V4, V6):
        return "unknown address family"
    if not 0 <= flow.protocol <= 255:
        return "protocol number outside 0..255"
    has_ports = flow.protocol in PORT_PROTOCOLS
    for port in (flow.src_port, flow.dst_port):
        if has_ports and (port is None or not MIN_PORT <= port <= MAX_PORT):
            return "TCP and UDP flows need source and destination ports in 1..65535"
        if not has_ports and port is not None:
            return f"{protocol_name(flow.protocol)} flows have no ports"
    if flow.protocol == ICMP and flow.family != V4:
        return "ICMP is IPv4 only (use icmpv6)"
    if flow.protocol == ICMPV6 and flow.family != V6:
        return "ICMPv6 is IPv6 only"
    if flow.nic is Nic.INTERNET and flow.peer_groups:
        return "traffic on the internet NIC has no peer groups (group rules are internal only)"
    if target is not None:
        if target.network is Network.VPC and flow.nic is not Nic.INTRANET:
            return "VPC traffic is always nic intranet"
        if target.network is Network.CLASSIC and flow.family != V4:
            return "the classic network has no IPv6"
        if target.local is not None and not target.local.contains(flow.family, flow.local_ip):
            return f"{format_address(flow.family, flow.local_ip)} is not an address of {target.name}"
        own = target.local_on(flow.nic)
        if own is not None and not own.contains(flow.family, flow.local_ip):
            kind = "public" if flow.nic is Nic.INTERNET else "private"
            return (f"{format_address(flow.family, flow.local_ip)} is not a {kind} address of "
                    f"{target.name}: in the classic network the {flow.nic.value} NIC has the "
                    f"{kind} addresses")
    return None
