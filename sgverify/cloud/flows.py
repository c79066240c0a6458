"""Concrete flows from JSON: the inverse of ``Flow.to_json`` (``explain --flows``).

One flow per JSON object: ``direction`` (ingress|egress, seen from the interface),
``protocol`` (tcp, udp, icmp, icmpv6, gre or a number 0..255), ``src_ip``, ``dst_ip``,
``src_port`` and ``dst_port`` (TCP/UDP only; null or absent otherwise), ``nic_type``
(intranet, the default, or internet) and ``peer_groups`` (group ids of the remote end,
``account/id`` for another account's group; default none). Errors name the key.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from functools import lru_cache
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from ..core.addresses import V4, V6
from ..core.flow import Flow
from ..core.model import (
    ICMP,
    ICMPV6,
    MAX_PORT,
    MIN_PORT,
    PORT_PROTOCOLS,
    PROTOCOL_NUMBERS,
    Direction,
    GroupKey,
    Nic,
)
from ..core.numbers import whole
from .jsondoc import DataError, loads_strict

KEYS = frozenset({"direction", "protocol", "src_ip", "dst_ip", "src_port", "dst_port", "nic_type",
                  "peer_groups"})
DIRECTIONS = {"ingress": Direction.INGRESS, "egress": Direction.EGRESS}
NICS = {"intranet": Nic.INTRANET, "internet": Nic.INTERNET}
GroupResolver = Callable[[str], GroupKey | None]


class FlowError(ValueError):
    """A flow object that cannot be read: ``key`` (None for the whole object) and why."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(f"key '{key}': {message}" if key else message)
        self.key = key


_FROM_BYTES = int.from_bytes


@lru_cache(maxsize=65536)  # flow logs repeat addresses; parsing dominates otherwise
def parse_ip(text: str) -> tuple[int, int]:
    """'1.2.3.4' or '2001:db8::1' -> (family, integer); ValueError otherwise. The C parser
    (inet_pton, as strict as ``ipaddress``) first: this runs once per address of a flow."""
    try:
        return V4, _FROM_BYTES(socket.inet_pton(socket.AF_INET, text), "big")
    except OSError:
        pass
    try:
        return V6, _FROM_BYTES(socket.inet_pton(socket.AF_INET6, text), "big")
    except OSError:
        addr = ipaddress.ip_address(text)  # the authority; raises ValueError with the reason
        return (V4 if addr.version == 4 else V6), int(addr)


def _address(obj: dict[str, Any], key: str) -> tuple[int, int]:
    value = obj.get(key)
    if not isinstance(value, str):
        raise FlowError(key, "required: an IPv4 or IPv6 address" if value is None
                        else f"expected an address string, found {value!r}")
    try:
        return parse_ip(value.strip())
    except ValueError:
        raise FlowError(key, f"'{value}' is not an IPv4 or IPv6 address") from None


def _port(obj: dict[str, Any], key: str, required: bool, protocol: str) -> int | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise FlowError(key, f"required for {protocol} flows: a port in {MIN_PORT}..{MAX_PORT}")
        return None
    if not required:
        raise FlowError(key, f"{protocol} flows have no ports (use null or leave it out)")
    if isinstance(value, bool) or not isinstance(value, int):
        raise FlowError(key, f"expected a whole number, found {value!r}")
    if not MIN_PORT <= value <= MAX_PORT:
        raise FlowError(key, f"port {value} is outside {MIN_PORT}..{MAX_PORT}")
    return value


def _protocol(p: Any) -> int:
    """The protocol number of a flow's ``protocol`` value (FlowError otherwise)."""
    protocol = PROTOCOL_NUMBERS.get(p.lower()) if isinstance(p, str) else None
    if protocol is None:
        number = whole(p) if isinstance(p, str) and p.isascii() and p.isdigit() else None
        if isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 255:
            protocol = p
        elif number is not None and number <= 255:
            protocol = number
        else:
            raise FlowError("protocol", "required: tcp, udp, icmp, icmpv6, gre or a number 0..255"
                            if p is None else "expected tcp, udp, icmp, icmpv6, gre or a number "
                            f"0..255, found {p!r}")
    return protocol


def flow_from_json(obj: Any, groups: GroupResolver | None = None) -> tuple[Flow, list[str]]:
    """The flow of one JSON object and the keys it had that are not flow keys (ignored;
    the caller reports them). ``groups`` maps a peer group text to its key (None: unknown)."""
    if not isinstance(obj, dict):
        raise FlowError(None, f"expected a JSON object, found {type(obj).__name__}")
    d = obj.get("direction")
    direction = DIRECTIONS.get(d) if isinstance(d, str) else None
    if direction is None:
        raise FlowError("direction", "required: \"ingress\" or \"egress\"" if d is None
                        else f"expected \"ingress\" or \"egress\", found {d!r}")
    protocol = _protocol(obj.get("protocol"))
    f1, src = _address(obj, "src_ip")
    f2, dst = _address(obj, "dst_ip")
    if f1 != f2:
        raise FlowError("dst_ip", "source and destination are of different address families")
    if protocol in PORT_PROTOCOLS:
        sport, dport = obj.get("src_port"), obj.get("dst_port")
        if type(sport) is not int or type(dport) is not int or not (
                MIN_PORT <= sport <= MAX_PORT and MIN_PORT <= dport <= MAX_PORT):
            name = "tcp" if protocol == 6 else "udp"
            sport = _port(obj, "src_port", True, name)
            dport = _port(obj, "dst_port", True, name)
    else:
        name = next((n for n, v in PROTOCOL_NUMBERS.items() if v == protocol), f"protocol {protocol}")
        sport = _port(obj, "src_port", False, name)
        dport = _port(obj, "dst_port", False, name)
    nic_value = obj.get("nic_type")
    nic: Nic | None = Nic.INTRANET
    if nic_value is not None:
        nic = NICS.get(nic_value) if isinstance(nic_value, str) else None
        if nic is None:
            raise FlowError("nic_type", f"expected \"intranet\" or \"internet\", found {nic_value!r}")
    peers = obj.get("peer_groups")
    keys: frozenset[GroupKey] = frozenset()
    if peers:
        if not isinstance(peers, list) or not all(isinstance(g, str) for g in peers):
            raise FlowError("peer_groups", f"expected a list of group ids, found {peers!r}")
        found = set()
        for text in peers:
            key = groups(text) if groups is not None else _plain_key(text)
            if key is None:
                raise FlowError("peer_groups", f"unknown group '{text}' (name or id of a group of "
                                "the policy, or account/id for another account's group)")
            found.add(key)
        keys = frozenset(found)
        if nic is Nic.INTERNET:
            raise FlowError("peer_groups", "traffic on the internet NIC has no peer groups")
    elif peers is not None and not isinstance(peers, list):
        raise FlowError("peer_groups", f"expected a list of group ids, found {peers!r}")
    extra = [k for k in obj if k not in KEYS]
    assert nic is not None
    return Flow(direction, protocol, f1, src, dst, sport, dport, nic, keys), extra


def _plain_key(text: str) -> GroupKey:
    account, sep, ident = text.partition("/")
    return GroupKey(account, ident) if sep else GroupKey("", text)


MAX_FLOW_DEPTH = 16  # nesting a line of flows may have


def read_json_lines(stream: Iterable[str], max_depth: int = MAX_FLOW_DEPTH) -> Iterator[tuple[int, Any | DataError]]:
    """(line number, parsed object or the DataError) for each non-blank line; streams."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield number, loads_strict(line, max_depth)
        except DataError as exc:
            yield number, exc


# ------------------------------------------------------------ many lines, fast

# One line of ``--flows`` in the documented shape (the keys of ``Flow.to_json``, in its
# order, optional ones left out, strings without escapes): read without the JSON decoder.
# The text it matches is valid JSON that decodes to exactly the values of its groups, with
# no duplicate or unknown key, no deep nesting, no escape, so ``flow_from_json`` of
# ``loads_strict(line)`` would see the same values; any other line is left to them.
_SEP = r'[ \t]*,[ \t]*"{}"[ \t]*:[ \t]*'
_TEXT = r'"[^"\\\x00-\x1f]*"'
_SHAPE = re.compile(
    r'[ \t\r]*\{[ \t]*"direction"[ \t]*:[ \t]*"(ingress|egress)"'
    + _SEP.format("protocol") + r'(?:"([A-Za-z0-9]{1,12})"|(0|[1-9][0-9]{0,2}))'
    + _SEP.format("src_ip") + r'"([0-9A-Fa-f.:]{1,45})"'
    + _SEP.format("dst_ip") + r'"([0-9A-Fa-f.:]{1,45})"'
    + "(?:" + _SEP.format("src_port") + r"(?:null|([1-9][0-9]{0,4}))"
    + _SEP.format("dst_port") + r"(?:null|([1-9][0-9]{0,4})))?"
    + "(?:" + _SEP.format("nic_type") + r'"(intranet|internet)")?'
    + "(?:" + _SEP.format("peer_groups") + r"\[[ \t]*((?:" + _TEXT + r"[ \t]*,[ \t]*)*"
    + _TEXT + r")?[ \t]*\])?"
    + r"[ \t]*\}[ \t\r]*")
_QUOTED = re.compile(r'"([^"]*)"')
_CACHE_SIZE = 1 << 16  # entries per cache before it is emptied: memory stays bounded
_REFUSED = -1

FlowFields = tuple  # (direction, protocol, family, src_ip, dst_ip, src_port, dst_port, nic,
#                      peer_groups): the arguments of ``Flow``, in its order


class FlowReader:
    """The flows of many ``--flows`` lines at once, for the lines in the documented shape
    (``_SHAPE``) whose flow ``flow_problem`` finds well formed: their ``Flow`` arguments
    (``FlowFields``), the same flow ``flow_from_json(loads_strict(line))`` gives. Every
    other line (an error, an unknown key, another key order, a flow that cannot occur...)
    is None: the caller reads it with those. Protocols, ports and peer-group lists are
    each read once (a file of flows repeats them)."""

    def __init__(self, groups: GroupResolver | None = None) -> None:
        self._groups = groups
        self._protocols: dict[str, int] = {}
        self._peers: dict[str, frozenset[GroupKey] | None] = {}
        self._ports: dict[str, int] = {}

    def fields(self, lines: list[str]) -> list[FlowFields | None]:
        """``FlowFields`` or None for each line of ``lines`` (without their newline)."""
        out: list[FlowFields | None] = []
        add = out.append
        match = _SHAPE.fullmatch
        protocols, peer_lists = self._protocols, self._peers
        ports = self._ports  # digits (at most five) -> their number
        if len(protocols) > _CACHE_SIZE:
            protocols.clear()
        pton, af4, af6, from_bytes = socket.inet_pton, socket.AF_INET, socket.AF_INET6, \
            int.from_bytes
        ingress, egress, intranet = Direction.INGRESS, Direction.EGRESS, Nic.INTRANET
        for line in lines:
            m = match(line)
            if m is None:
                add(None)
                continue
            d, p, number, s, t, sp, dp, nic, peers = m.groups()
            if p is None:  # a JSON number
                p = "#" + number  # not a protocol name: its own cache key
            protocol = protocols.get(p)
            if protocol is None:
                protocol = protocols[p] = self._protocol(int(number) if number else p)
            try:  # parse_ip's C parser, inline; a text with a colon cannot be IPv4
                if ":" in s:
                    family, src, dst = V6, from_bytes(pton(af6, s), "big"), \
                        from_bytes(pton(af6, t), "big")
                else:
                    family, src, dst = V4, from_bytes(pton(af4, s), "big"), \
                        from_bytes(pton(af4, t), "big")
            except OSError:  # another family, or what only ``ipaddress`` reads, or an error
                add(None)
                continue
            if protocol == _REFUSED:
                add(None)
                continue
            if protocol == 6 or protocol == 17:
                if sp is None or dp is None:
                    add(None)
                    continue
                sport = ports.get(sp)
                if sport is None:
                    sport = ports[sp] = int(sp)
                dport = ports.get(dp)
                if dport is None:
                    dport = ports[dp] = int(dp)
                if sport > MAX_PORT or dport > MAX_PORT:
                    add(None)
                    continue
            elif sp is not None or dp is not None or (protocol == ICMP and family != V4) or (
                    protocol == ICMPV6 and family != V6):
                add(None)
                continue
            else:
                sport = dport = None
            keys: frozenset[GroupKey] | None = _NO_GROUPS
            if peers is not None:
                keys = peer_lists.get(peers, _NO_GROUPS)
                if keys is _NO_GROUPS:
                    if len(peer_lists) > _CACHE_SIZE:
                        peer_lists.clear()
                    keys = peer_lists[peers] = self._peer_groups(peers)
                if keys is None or nic == "internet":
                    add(None)
                    continue
            add((ingress if d == "ingress" else egress, protocol, family, src, dst, sport,
                 dport, intranet if nic is None or nic == "intranet" else Nic.INTERNET, keys))
        return out

    @staticmethod
    def _protocol(value: str | int) -> int:
        try:
            return _protocol(value)
        except FlowError:
            return _REFUSED

    def _peer_groups(self, listed: str) -> frozenset[GroupKey] | None:
        """The keys of a non-empty list of group texts, None when one is refused."""
        found = set()
        for text in _QUOTED.findall(listed):
            try:
                key = self._groups(text) if self._groups is not None else _plain_key(text)
            except FlowError:
                return None
            if key is None:
                return None
            found.add(key)
        return frozenset(found)


_NO_GROUPS: frozenset[GroupKey] = frozenset()

BLOCK_BYTES = 1 << 20


def line_blocks(stream: BinaryIO, block: int = BLOCK_BYTES) -> Iterator[tuple[int, list[str], int]]:
    """(number of the first line, the lines without their newline, bytes read so far) of a
    binary stream, a block at a time: the lines ``for raw in stream`` gives (split at
    ``\\n`` only), decoded as UTF-8 with errors replaced, line by line."""
    read = getattr(stream, "read1", stream.read)
    rest: list[bytes] = []  # the start of a line not ended yet (kept in pieces: no copy)
    number, done = 1, 0
    while True:
        chunk = read(block)
        if not chunk:
            break
        done += len(chunk)
        cut = chunk.rfind(b"\n")
        if cut < 0:
            rest.append(chunk)
            continue
        data = b"".join(rest) + chunk[:cut] if rest else chunk[:cut]
        rest = [chunk[cut + 1:]] if cut + 1 < len(chunk) else []
        lines = _decoded(data)
        yield number, lines, done
        number += len(lines)
    if rest:
        yield number, _decoded(b"".join(rest)), done


def _decoded(data: bytes) -> list[str]:
    if data.isascii():
        return data.decode("ascii").split("\n")
    return [raw.decode("utf-8", errors="replace") for raw in data.split(b"\n")]
