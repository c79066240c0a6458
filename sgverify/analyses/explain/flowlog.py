"""Alibaba Cloud VPC flow logs against a policy (``sgverify explain --flow-log FILE``).

A flow-log record says what happened to one flow on one network interface (``eni-id``):
``srcaddr``, ``srcport``, ``dstaddr``, ``dstport``, ``protocol`` (IANA number),
``direction`` (in | out) and ``action`` (ACCEPT | REJECT), plus ``log-status`` (OK, NODATA,
SKIPDATA). Records come as JSON lines (field names as in the Simple Log Service schema), or
as whitespace-separated text whose first line names the fields (sgverify does not guess a
column order: none is documented for the text form).

Each record is evaluated as a connection attempt on its interface and compared with the
logged action. Flow logs do not say who started a connection, so a logged ACCEPT that the
policy would drop is flagged ``possible_reply`` when the reverse flow is accepted: it may be
the reply of an accepted connection (security groups are stateful). A REJECT may also come
from a network ACL, which sgverify does not model.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Iterator

from ...cloud.jsondoc import DataError, loads_strict
from ...core.addresses import V4, V6
from ...core.evaluate import Decision
from ...core.evaluate_fast import Compiled
from ...core.flow import Flow
from ...core.model import (
    ICMP,
    ICMPV6,
    PORT_PROTOCOLS,
    Action,
    Direction,
    GroupKey,
    Nic,
    Policy,
    Target,
)
from ...core.numbers import shown, whole

FIELDS = ("version", "vswitch-id", "vm-id", "vpc-id", "account-id", "eni-id", "region",
          "srcaddr", "srcport", "dstaddr", "dstport", "protocol", "direction", "packets", "bytes",
          "start", "end", "log-status", "action", "tcp-flags", "traffic_path", "srctype",
          "dsttype", "__topic__", "__time__", "__source__", "__tag__")
ACTIONS = {"ACCEPT": Action.ACCEPT, "REJECT": Action.DROP}


class RecordError(ValueError):
    """A record that cannot be read; the message names the field."""


@dataclass(frozen=True)
class Record:
    line: int
    flow: Flow | None  # None: a record without traffic (NODATA / SKIPDATA)
    logged: Action | None
    eni: str
    status: str


def _field(rec: dict[str, Any], key: str) -> str:
    value = rec.get(key)
    if value is None or (isinstance(value, str) and value.strip() in ("", "-")):
        raise RecordError(f"field '{key}' is missing")
    return str(value).strip()


def _int(rec: dict[str, Any], key: str, lo: int, hi: int) -> int:
    text = _field(rec, key)
    value = whole(text) if text.isascii() and text.isdigit() else None
    if value is None or not lo <= value <= hi:
        raise RecordError(f"field '{key}': '{shown(text)}' is not a number in {lo}..{hi}")
    return value


def record_flow(rec: dict[str, Any], line: int, peer_groups: dict[tuple[int, int], frozenset[GroupKey]]
                ) -> Record:
    """The record as a flow seen from its interface."""
    status = str(rec.get("log-status", "OK") or "OK").strip().upper()
    eni = str(rec.get("eni-id", "") or "").strip()
    if status in ("NODATA", "SKIPDATA"):
        return Record(line, None, None, eni, status)
    direction = {"in": Direction.INGRESS, "out": Direction.EGRESS}.get(_field(rec, "direction").lower())
    if direction is None:
        raise RecordError(f"field 'direction': '{rec.get('direction')}' is not in or out")
    action = ACTIONS.get(_field(rec, "action").upper())
    if action is None:
        raise RecordError(f"field 'action': '{rec.get('action')}' is not ACCEPT or REJECT")
    protocol = _int(rec, "protocol", 0, 255)
    try:
        src = ipaddress.ip_address(_field(rec, "srcaddr"))
        dst = ipaddress.ip_address(_field(rec, "dstaddr"))
    except ValueError as exc:
        raise RecordError(f"bad address: {exc}") from None
    if src.version != dst.version:
        raise RecordError("srcaddr and dstaddr are of different address families")
    family = V4 if src.version == 4 else V6
    sport = dport = None
    if protocol in PORT_PROTOCOLS:
        sport = _int(rec, "srcport", 1, 65535)
        dport = _int(rec, "dstport", 1, 65535)
    if (protocol == ICMP and family == V6) or (protocol == ICMPV6 and family == V4):
        raise RecordError(f"protocol {protocol} with IPv{family} addresses")
    peer = int(src) if direction is Direction.INGRESS else int(dst)
    groups = peer_groups.get((family, peer), frozenset())
    flow = Flow(direction, protocol, family, int(src), int(dst), sport, dport, Nic.INTRANET, groups)
    return Record(line, flow, action, eni, status)


def read_records(lines: Iterator[str]) -> Iterator[tuple[int, dict[str, Any] | RecordError]]:
    """(line, record or error) for JSON lines, or text with a header line of field names.
    The first record says which form the file is in; a later line of the other form is an
    error about that line (a corrupt JSON line is not taken for a text header)."""
    header: list[str] | None = None
    jsonl = False
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            continue
        if jsonl and not text.startswith("{"):
            yield number, RecordError("not a JSON object, as the other lines of this JSON-lines "
                                      "flow log are")
            continue
        if text.startswith("{") and header is None:
            jsonl = True
            try:
                obj = loads_strict(text)
            except DataError as exc:
                yield number, RecordError(exc.message)
                continue
            if not isinstance(obj, dict):
                yield number, RecordError("expected a JSON object")
                continue
            yield number, obj
            continue
        words = text.split()
        if header is None:
            if "srcaddr" in words and "action" in words:
                header = words
                continue
            yield number, RecordError("a text flow log needs a first line naming its fields "
                                      "(for example: eni-id srcaddr srcport dstaddr dstport "
                                      "protocol direction action log-status)")
            continue
        if len(words) != len(header):
            yield number, RecordError(f"{len(words)} fields, but the header names {len(header)}")
            continue
        yield number, dict(zip(header, words))


def member_addresses(policy: Policy) -> dict[tuple[int, int], frozenset[GroupKey]]:
    """Single private addresses of the policy's instances -> their groups: a flow-log peer at
    such an address is taken to be that interface (flow logs do not name the peer's groups)."""
    out: dict[tuple[int, int], frozenset[GroupKey]] = {}
    for inst in policy.instances:
        keys = frozenset(g.key for g in inst.groups)
        for r in inst.private:
            if r.lo == r.hi:
                out[(r.family, r.lo)] = keys
    return out


@dataclass(frozen=True)
class Comparison:
    """The policy's verdict on a record, and whether it disagrees with the log."""

    record: Record
    target: Target
    decision: Decision | None  # None: depends on unresolved lists
    unresolved: tuple[str, ...]
    possible_reply: bool

    @property
    def disagrees(self) -> bool:
        return self.decision is not None and self.decision.action is not self.record.logged


def reverse(flow: Flow) -> Flow:
    """The other direction of the same connection (a reply), seen from the same interface."""
    direction = Direction.EGRESS if flow.direction is Direction.INGRESS else Direction.INGRESS
    return Flow(direction, flow.protocol, flow.family, flow.dst_ip, flow.src_ip, flow.dst_port,
                flow.src_port, flow.nic, flow.peer_groups)


def compare(compiled: Compiled, record: Record) -> Comparison:
    assert record.flow is not None
    decision, names = compiled.verdict(record.flow)
    reply = False
    if decision is not None and record.logged is Action.ACCEPT and not decision.accepted:
        back, _ = compiled.verdict(reverse(record.flow))
        reply = back is not None and back.accepted
    return Comparison(record, compiled.target, decision, names, reply)
