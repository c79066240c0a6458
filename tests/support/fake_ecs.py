"""A real HTTP server on 127.0.0.1 that speaks enough of the Alibaba Cloud ECS RPC API
(``Action`` and its parameters in the query string or form body, JSON answers, NextToken
pages) for the official SDK to pull an estate from it: DescribeSecurityGroups,
DescribeSecurityGroupAttribute, DescribePrefixListAttributes, DescribePortRangeListEntries
and DescribeNetworkInterfaces. It checks the SDK's ACS3-HMAC-SHA256 signature against the
test credentials, serves small pages (many of them), and can throttle a call once, fail a
page, or deny an action, as a real endpoint does.

``estate(n)`` builds a synthetic estate; ``as_files(estate, folder)`` writes the same data
as the API JSON files a user would export by hand, to compare with what ``pull`` writes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

ACCESS_KEY = ("LTAI-test-key-id", "test-key-secret")


@dataclass
class Estate:
    groups: list[dict]             # listing fields + "Permissions": [rule, ...] + InnerAccessPolicy
    enis: list[dict]               # DescribeNetworkInterfaces items
    prefix_lists: dict[str, dict]  # id -> DescribePrefixListAttributes body (without RequestId)
    port_lists: dict[str, list[dict]] = field(default_factory=dict)  # id -> entries


def estate(n: int = 300, vpc: str = "vpc-bp1test000000000001") -> Estate:
    """``n`` groups (every 7th enterprise) with rules of every kind sgverify reads: CIDR
    and IPv6 peers, group peers, prefix lists, a port list, drop rules, egress; two
    interfaces per group (some in two groups, some with public addresses)."""
    pl = {"pl-bp1office00000000001": {
        "PrefixListId": "pl-bp1office00000000001", "PrefixListName": "office",
        "AddressFamily": "IPv4", "MaxEntries": 10, "Description": "office ranges",
        "Entries": {"Entry": [{"Cidr": "203.0.113.0/24", "Description": "hq"},
                              {"Cidr": "198.51.100.0/25", "Description": "branch"}]}}}
    prl = {"prl-bp1app000000000001": [{"PortRange": "8080/8080", "Description": "http"},
                                      {"PortRange": "9000/9010", "Description": "admin"}]}
    groups = []
    for i in range(n):
        gid = f"sg-bp1test{i:012d}"
        enterprise = i % 7 == 3
        rules = [
            {"SecurityGroupRuleId": f"sgr-{i}-1", "Direction": "ingress", "Policy": "Accept",
             "Priority": 1 + i % 100, "IpProtocol": "TCP", "PortRange": f"{1000 + i}/{1000 + i}",
             "SourceCidrIp": f"10.{i // 250}.{i % 250}.0/24", "NicType": "intranet",
             "Description": f"app {i}"},
            {"SecurityGroupRuleId": f"sgr-{i}-2", "Direction": "ingress", "Policy": "Drop",
             "Priority": 1, "IpProtocol": "TCP", "PortRange": "3389/3389",
             "SourceCidrIp": "0.0.0.0/0", "NicType": "intranet"},
            {"SecurityGroupRuleId": f"sgr-{i}-3", "Direction": "egress", "Policy": "Accept",
             "Priority": 1, "IpProtocol": "ALL", "PortRange": "-1/-1",
             "DestCidrIp": "0.0.0.0/0", "NicType": "intranet"},
        ]
        if i % 3 == 0:
            rules.append({"SecurityGroupRuleId": f"sgr-{i}-4", "Direction": "ingress",
                          "Policy": "Accept", "Priority": 5, "IpProtocol": "TCP",
                          "PortRange": "443/443", "Ipv6SourceCidrIp": "::/0",
                          "NicType": "intranet"})
        if i % 4 == 1 and i > 0:
            rules.append({"SecurityGroupRuleId": f"sgr-{i}-5", "Direction": "ingress",
                          "Policy": "Accept", "Priority": 2, "IpProtocol": "TCP",
                          "PortRange": "5432/5432", "SourceGroupId": f"sg-bp1test{i - 1:012d}",
                          "NicType": "intranet"})
        if i % 5 == 2:
            rules.append({"SecurityGroupRuleId": f"sgr-{i}-6", "Direction": "ingress",
                          "Policy": "Accept", "Priority": 3, "IpProtocol": "TCP",
                          "PortRange": "22/22", "SourcePrefixListId": "pl-bp1office00000000001",
                          "NicType": "intranet"})
        if i % 11 == 4:
            rules.append({"SecurityGroupRuleId": f"sgr-{i}-7", "Direction": "ingress",
                          "Policy": "Accept", "Priority": 4, "IpProtocol": "TCP",
                          "PortRangeListId": "prl-bp1app000000000001",
                          "SourceCidrIp": "172.16.0.0/12", "NicType": "intranet"})
        if i % 13 == 6:
            rules.append({"SecurityGroupRuleId": f"sgr-{i}-8", "Direction": "ingress",
                          "Policy": "Accept", "Priority": 1, "IpProtocol": "TCP",
                          "PortRange": "22/22", "SourceCidrIp": "0.0.0.0/0",
                          "NicType": "intranet", "Description": "ssh from anywhere"})
        groups.append({"SecurityGroupId": gid, "SecurityGroupName": f"app-{i}", "VpcId": vpc,
                       "SecurityGroupType": "enterprise" if enterprise else "normal",
                       "Description": f"tier {i % 4}",
                       "InnerAccessPolicy": "Accept" if not enterprise else "Drop",
                       "Permissions": rules})
    enis = []
    for i in range(n):
        for k in range(2):
            j = 2 * i + k
            sgs = [groups[i]["SecurityGroupId"]]
            if k == 1 and i + 1 < n and i % 2 == 0 and \
                    groups[i]["SecurityGroupType"] == groups[i + 1]["SecurityGroupType"]:
                sgs.append(groups[i + 1]["SecurityGroupId"])
            eni = {"NetworkInterfaceId": f"eni-bp1test{j:012d}", "NetworkInterfaceName":
                   f"app-{i}-{k}", "Type": "Secondary" if k else "Primary", "VpcId": vpc,
                   "InstanceId": f"i-bp1test{i:012d}", "Status": "InUse",
                   "PrivateIpAddress": f"10.{100 + j // 250}.{j % 250}.10",
                   "PrivateIpSets": {"PrivateIpSet": [
                       {"PrivateIpAddress": f"10.{100 + j // 250}.{j % 250}.10", "Primary": True}]},
                   "SecurityGroupIds": {"SecurityGroupId": sgs}}
            if j % 9 == 0:
                eni["AssociatedPublicIp"] = {"PublicIpAddress": f"47.{j // 250}.{j % 250}.1"}
            enis.append(eni)
    return Estate(groups, enis, pl, prl)


def attribute(g: dict, rules: list[dict], token: str | None = None) -> dict:
    """A DescribeSecurityGroupAttribute body for ``g`` with ``rules``."""
    body = {"RequestId": str(uuid.uuid4()).upper(), "RegionId": "cn-hangzhou",
            "SecurityGroupId": g["SecurityGroupId"], "SecurityGroupName": g["SecurityGroupName"],
            "VpcId": g["VpcId"], "Description": g["Description"],
            "InnerAccessPolicy": g["InnerAccessPolicy"], "Permissions": {"Permission": rules}}
    if token:
        body["NextToken"] = token
    return body


def listing_item(g: dict) -> dict:
    return {k: g[k] for k in ("SecurityGroupId", "SecurityGroupName", "VpcId",
                              "SecurityGroupType", "Description")}


def as_files(e: Estate, folder: Path) -> Path:
    """The estate as the files a user exports by hand: one attribute response per group,
    the listing, the interfaces, the prefix and port lists."""
    folder.mkdir(parents=True, exist_ok=True)
    for g in e.groups:
        (folder / f"{g['SecurityGroupId']}.json").write_text(json.dumps(attribute(g, g["Permissions"])))
    (folder / "listing.json").write_text(json.dumps(
        {"RequestId": "x", "TotalCount": len(e.groups),
         "SecurityGroups": {"SecurityGroup": [listing_item(g) for g in e.groups]}}))
    (folder / "enis.json").write_text(json.dumps(
        {"RequestId": "x", "NetworkInterfaceSets": {"NetworkInterfaceSet": e.enis}}))
    used_pl = {r.get("SourcePrefixListId") for g in e.groups for r in g["Permissions"]}
    used_prl = {r.get("PortRangeListId") for g in e.groups for r in g["Permissions"]}
    pls = [v for k, v in e.prefix_lists.items() if k in used_pl]
    if pls:
        (folder / "prefix-lists.json").write_text(json.dumps(pls))
    prls = [{"PortRangeListId": k, "Entries": v} for k, v in e.port_lists.items() if k in used_prl]
    if prls:
        (folder / "port-lists.json").write_text(json.dumps(prls))
    return folder


@dataclass
class Faults:
    throttle_once: set[str] = field(default_factory=set)   # actions throttled on first call
    fail_page: dict[tuple[str, int], int] = field(default_factory=dict)  # (action, page) -> times
    deny: set[str] = field(default_factory=set)            # actions answered 403 Forbidden.RAM


class FakeEcs:
    """The server; ``url`` once started. ``calls`` records (Action, parameters)."""

    def __init__(self, e: Estate, page: int = 7, rule_page: int = 2,
                 faults: Faults | None = None, check_signature: bool = True) -> None:
        self.estate = e
        self.page = page
        self.rule_page = rule_page
        self.faults = faults or Faults()
        self.check_signature = check_signature
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.answers: list[tuple[str, int]] = []
        self.pages: dict[str, int] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakeEcs":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---------------------------------------------------------------- answering
    def answer(self, action: str, params: dict[str, str]) -> tuple[int, dict]:
        with self.lock:
            self.calls.append((action, params))
            if action in self.faults.deny:
                return 403, {"Code": "Forbidden.RAM", "Message": "User not authorized to operate "
                             f"on the specified resource, or this API doesn't support RAM: "
                             f"ecs:{action}", "RequestId": "denied"}
            if action in self.faults.throttle_once:
                self.faults.throttle_once.discard(action)
                return 400, {"Code": "Throttling.User", "Message": "Request was denied due to "
                             "user flow control.", "RequestId": "throttled"}
            page = self.pages[action] = self.pages.get(action, 0) + 1
            left = self.faults.fail_page.get((action, page))
            if left:
                self.faults.fail_page[(action, page)] = left - 1
                self.pages[action] -= 1  # the same page is asked again
                return 503, {"Code": "ServiceUnavailable", "Message": "The request has failed "
                             "due to a temporary failure of the server.", "RequestId": "failed"}
        handler = getattr(self, "_" + action, None)
        if handler is None:
            return 400, {"Code": "InvalidAction.NotFound", "Message": f"{action} unknown"}
        return 200, handler(params)

    def _slice(self, items: list, params: dict[str, str], cap: int) -> tuple[list, str | None]:
        start = int(params.get("NextToken") or 0)
        size = min(int(params.get("MaxResults") or cap), cap)
        end = start + size
        return items[start:end], (str(end) if end < len(items) else None)

    def _DescribeSecurityGroups(self, p: dict[str, str]) -> dict:
        groups = self.estate.groups
        if p.get("VpcId"):
            groups = [g for g in groups if g["VpcId"] == p["VpcId"]]
        if p.get("SecurityGroupIds"):
            wanted = set(json.loads(p["SecurityGroupIds"]))
            groups = [g for g in groups if g["SecurityGroupId"] in wanted]
        items, token = self._slice(groups, p, self.page)
        body = {"RequestId": "r", "RegionId": p.get("RegionId"), "TotalCount": len(groups),
                "SecurityGroups": {"SecurityGroup": [listing_item(g) for g in items]}}
        if token:
            body["NextToken"] = token
        return body

    def _DescribeSecurityGroupAttribute(self, p: dict[str, str]) -> dict:
        g = next((g for g in self.estate.groups if g["SecurityGroupId"] == p["SecurityGroupId"]))
        rules = g["Permissions"]
        if not g["VpcId"]:  # a classic group: one NIC type's rules at a time (intranet default)
            nic = p.get("NicType") or "intranet"
            rules = [r for r in rules if r.get("NicType", "internet") == nic]
        items, token = self._slice(rules, p, self.rule_page)
        return attribute(g, items, token)

    def _DescribeNetworkInterfaces(self, p: dict[str, str]) -> dict:
        enis = self.estate.enis
        if p.get("VpcId"):
            enis = [e for e in enis if e["VpcId"] == p["VpcId"]]
        items, token = self._slice(enis, p, self.page * 3)
        body = {"RequestId": "r", "TotalCount": len(enis),
                "NetworkInterfaceSets": {"NetworkInterfaceSet": items}}
        if token:
            body["NextToken"] = token
        return body

    def _DescribePrefixListAttributes(self, p: dict[str, str]) -> dict:
        return {"RequestId": "r", **self.estate.prefix_lists[p["PrefixListId"]]}

    def _DescribePortRangeListEntries(self, p: dict[str, str]) -> dict:
        return {"RequestId": "r", "Entries": self.estate.port_lists[p["PortRangeListId"]]}

    # ---------------------------------------------------------------- HTTP
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length) if length else b""
                query = dict(parse_qsl(url.query, keep_blank_values=True))
                params = {**query, **dict(parse_qsl(payload.decode(), keep_blank_values=True))}
                action = params.pop("Action", None) or self.headers.get("x-acs-action") or ""
                problem = fake.signature_problem(self.command, url.path or "/", query,
                                                 self.headers, payload) \
                    if fake.check_signature else None
                if problem:
                    status, body = 400, {"Code": "SignatureDoesNotMatch", "Message": problem}
                else:
                    status, body = fake.answer(action, params)
                with fake.lock:
                    fake.answers.append((action, status))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

        return Handler

    def signature_problem(self, method: str, path: str, query: dict[str, str], headers,
                          payload: bytes) -> str | None:
        """Why the request's signature is not the test key's (None: it is): ACS3-HMAC-SHA256
        (the SDK's default) or the RPC HMAC-SHA1 signature (V1)."""
        auth = headers.get("Authorization") or ""
        if auth.startswith("ACS3-HMAC-SHA256 "):
            parts = dict(p.split("=", 1) for p in auth[len("ACS3-HMAC-SHA256 "):].split(","))
            if parts.get("Credential") != ACCESS_KEY[0]:
                return f"unknown access key {parts.get('Credential')}"
            names = parts.get("SignedHeaders", "").split(";")
            canon_headers = "".join(f"{n}:{(headers.get(n) or '').strip()}\n" for n in names)
            canon_query = "&".join(f"{k}={quote(v, safe='~')}" for k, v in sorted(query.items()))
            hashed = headers.get("x-acs-content-sha256") or hashlib.sha256(payload).hexdigest()
            if hashed != hashlib.sha256(payload).hexdigest():
                return "the payload hash does not match"
            request = f"{method}\n{path}\n{canon_query}\n{canon_headers}\n" \
                      f"{parts.get('SignedHeaders')}\n{hashed}"
            to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(request.encode()).hexdigest()
            want = hmac.new(ACCESS_KEY[1].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
            return None if hmac.compare_digest(want, parts.get("Signature", "")) else \
                "the signature does not match"
        if "Signature" in query:
            if query.get("AccessKeyId") != ACCESS_KEY[0]:
                return "unknown access key"
            return None  # V1 (HMAC-SHA1): the key is checked; the SDK signs with V3 by default
        return "the request is not signed"
