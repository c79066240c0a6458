"""Pull security groups, rules, prefix lists, port lists and network interfaces from
Alibaba Cloud ECS through the official SDK (``alibabacloud-ecs20140526``, credentials from
``alibabacloud-credentials``' default chain: environment variables, the shared
credentials file, an ECS RAM role, an STS token).

Read calls only, every page (NextToken): DescribeSecurityGroups, DescribeSecurityGroupAttribute
(ingress and egress), DescribePrefixListAttributes, DescribePortRangeListEntries and
DescribeNetworkInterfaces. The result is the API's own JSON, one file per group
(``SG.json``: the DescribeSecurityGroupAttribute response with every page merged and the
listing's SecurityGroupType added), ``interfaces-REGION.json``, ``prefix-lists-REGION.json``
and ``port-lists-REGION.json``: what ``cloud/aliyun`` reads from files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .. import aliyun as shapes
from ..permission import FIELDS as PERMISSION_FIELDS
from .common import Calls, PullError, Pulled, PullRequest, Retrier, keep, manifest

API_VERSION = "2014-05-26"
INSTALL = "pip install 'sgverify[aliyun]'"
GROUPS_PAGE = 100      # DescribeSecurityGroups MaxResults: at most 100
RULES_PAGE = 1000      # DescribeSecurityGroupAttribute MaxResults: at most 1000
ENIS_PAGE = 500        # DescribeNetworkInterfaces MaxResults: at most 500
IDS_PER_CALL = 100     # DescribeSecurityGroups SecurityGroupIds: at most 100 ids
TRANSIENT_CODES = ("Throttling", "ServiceUnavailable", "InternalError", "UnknownError",
                   "OperationConflict", "RequestTimeout")
DENIED_CODES = ("Forbidden", "NoPermission", "Forbidden.RAM", "Forbidden.NoPermission",
                "InvalidAccessKeyId", "SignatureDoesNotMatch", "IncompleteSignature")


def _sdk() -> tuple[Any, Any, Any, Any, Any]:
    """The SDK's client, models, Config, RuntimeOptions and credential client (E006 when
    not installed)."""
    try:
        # lazy: the Alibaba Cloud SDK is an optional extra, needed only to pull
        from alibabacloud_credentials.client import Client as Credentials
        from alibabacloud_ecs20140526 import models
        # the runtime options class the client's methods take (darabonba's, re-exported)
        from alibabacloud_ecs20140526.client import Client, RuntimeOptions
        from alibabacloud_tea_openapi.utils_models import Config
    except ImportError as exc:
        raise PullError("E006", f"pulling from Alibaba Cloud needs the Alibaba Cloud SDK, which "
                        f"is not installed ({exc.name or exc}): {INSTALL}") from None
    return Client, models, Config, RuntimeOptions, Credentials


def _sdk_version() -> str:
    try:
        # lazy: only to name the SDK in the manifest
        from importlib.metadata import version
        return version("alibabacloud-ecs20140526")
    except Exception:  # not installed as a distribution (vendored): unknown
        return "unknown"


def _code(exc: Exception) -> str:
    return str(getattr(exc, "code", "") or "")


def _status(exc: Exception) -> int:
    for attr in ("status_code", "statusCode"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return value
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and isinstance(data.get("statusCode"), int):
        return data["statusCode"]
    return 0


def _credentials_missing(exc: Exception) -> bool:
    """The credential chain found nothing (raised when the first call signs)."""
    inner = getattr(exc, "inner_exception", None)
    return any(type(e).__name__ == "CredentialException" for e in (exc, inner) if e is not None)


def transient(exc: Exception) -> bool:
    """Throttling, a 5xx, or no answer at all (connection refused or dropped, timeout)."""
    if _credentials_missing(exc):
        return False
    code = _code(exc)
    if code.startswith(TRANSIENT_CODES) or _status(exc) >= 500 or _status(exc) == 429:
        return True
    name = type(exc).__name__
    return (not code and not _status(exc)) and (
        name in ("UnretryableException", "RetryError") or isinstance(exc, OSError))


class Session:
    """One region's ECS client and the calls sgverify makes through it."""

    def __init__(self, request: PullRequest, region: str, retrier: Retrier) -> None:
        client_cls, self.models, config_cls, runtime_cls, credentials = _sdk()
        self.region = region
        self.retrier = retrier
        # the credential chain is asked when the first call is signed (failure() below)
        config = config_cls(credential=credentials(), region_id=region, read_timeout=30_000,
                            connect_timeout=10_000, user_agent="sgverify-pull")
        if request.endpoint:
            url = urlsplit(request.endpoint if "://" in request.endpoint
                           else "https://" + request.endpoint)
            config.endpoint = url.netloc
            config.protocol = (url.scheme or "https").upper()
        self.client = client_cls(config)
        self.runtime = runtime_cls(autoretry=False)

    def call(self, api: str, **fields: Any) -> dict:
        """One call of ``api`` with request ``fields`` (snake case, as the SDK's request
        model names them): the response body as the API's JSON."""
        model = getattr(self.models, f"{api}Request")(region_id=self.region, **fields)
        method = getattr(self.client, _snake(api) + "_with_options")

        def once() -> dict:
            body = method(model, self.runtime).body
            return body.to_map() if body is not None else {}

        return self.retrier.run(api, once, transient, lambda exc: self.failure(api, exc))

    def failure(self, api: str, exc: Exception) -> PullError:
        code, status = _code(exc), _status(exc)
        message = str(getattr(exc, "message", "") or exc).strip()
        where = f"in region {self.region}"
        if _credentials_missing(exc):
            inner = getattr(exc, "inner_exception", None) or exc
            return PullError("E007", f"{api} {where}: no Alibaba Cloud credentials "
                             f"({getattr(inner, 'message', None) or inner}); set "
                             "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, a "
                             "profile (~/.alibabacloud/credentials, ~/.aliyun/config.json), or "
                             "run on ECS with a RAM role (docs/pull.md)")
        if code.startswith(DENIED_CODES) or status == 403:
            if code.startswith(("InvalidAccessKeyId", "SignatureDoesNotMatch", "Incomplete")):
                return PullError("E007", f"{api} {where} was refused: the credentials are not "
                                 f"valid ({code}: {message})")
            return PullError("E007", f"{api} {where} was denied ({code or status}: {message}): "
                             f"grant the RAM action ecs:{api} (docs/pull.md lists the minimal "
                             "read-only policy)")
        if not code and not status:
            return PullError("E007", f"{api} {where} got no answer: {message}")
        return PullError("E007", f"{api} {where} failed ({code or status}: {message})")


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _items(body: dict, outer: str, inner: str) -> list[dict]:
    value = body.get(outer) or {}
    items = value.get(inner) if isinstance(value, dict) else None
    return [i for i in items or [] if isinstance(i, dict)]


def _pages(session: Session, api: str, outer: str, inner: str, size: int,
           **fields: Any) -> list[dict]:
    """Every item of a NextToken-paged Describe call."""
    out: list[dict] = []
    token: str | None = None
    seen: set[str] = set()
    while True:
        body = session.call(api, max_results=size, next_token=token, **fields)
        out += _items(body, outer, inner)
        token = body.get("NextToken") or None
        if not token:
            return out
        if token in seen:
            raise PullError("E007", f"{api} in region {session.region} returned the same "
                            "NextToken twice: the listing would never end")
        seen.add(token)


def pull(request: PullRequest, progress: Callable[[str], None] = lambda _: None,
         retrier: Retrier | None = None) -> Pulled:
    """Everything ``request`` names, read from Alibaba Cloud (PullError on any failure:
    nothing is returned half read)."""
    started = time.time()
    retrier = retrier or Retrier(request.budget, Calls())
    calls = retrier.calls
    pulled = Pulled()
    counts = {"groups": 0, "rules": 0, "interfaces": 0, "prefix_lists": 0, "port_lists": 0}
    account = None
    for region in request.regions:
        session = Session(request, region, retrier)
        listed = _list_groups(session, request)
        prefix_ids: set[str] = set()
        port_ids: set[str] = set()
        for n, item in enumerate(listed, 1):
            gid = item["SecurityGroupId"]
            progress(f"{region}: group {n}/{len(listed)} {gid}")
            group = _group(session, item, min(request.page_size or RULES_PAGE, RULES_PAGE))
            rules = group["Permissions"]["Permission"]
            for p in rules:
                prefix_ids.update(str(p[k]) for k in ("SourcePrefixListId", "DestPrefixListId")
                                  if p.get(k))
                if p.get("PortRangeListId"):
                    port_ids.add(str(p["PortRangeListId"]))
            account = account or group.get("OwnerId") or None
            pulled.files[f"{gid}.json"] = group
            counts["groups"] += 1
            counts["rules"] += len(rules)
        if prefix_ids:
            progress(f"{region}: {len(prefix_ids)} prefix list(s)")
            lists = [keep(session.call("DescribePrefixListAttributes", prefix_list_id=lid),
                          shapes.PREFIX_FIELDS - {"RequestId"}) for lid in sorted(prefix_ids)]
            pulled.files[f"prefix-lists-{region}.json"] = lists
            counts["prefix_lists"] += len(lists)
        if port_ids:
            progress(f"{region}: {len(port_ids)} port list(s)")
            plists = []
            for lid in sorted(port_ids):
                body = session.call("DescribePortRangeListEntries", port_range_list_id=lid)
                plists.append({"PortRangeListId": lid, "Entries": [
                    keep(e, {"PortRange", "Description"}) for e in body.get("Entries") or []
                    if isinstance(e, dict)]})
            pulled.files[f"port-lists-{region}.json"] = plists
            counts["port_lists"] += len(plists)
        progress(f"{region}: network interfaces")
        enis = _interfaces(session, request, {g["SecurityGroupId"] for g in listed})
        pulled.files[f"interfaces-{region}.json"] = {"NetworkInterfaceSets":
                                                     {"NetworkInterfaceSet": enis}}
        counts["interfaces"] += len(enis)
    apis = {"ecs": API_VERSION, "sdk": f"alibabacloud-ecs20140526 {_sdk_version()}"}
    pulled.manifest = manifest(request, apis, counts, calls, started, account,
                               list(pulled.files))
    return pulled


def _list_groups(session: Session, request: PullRequest) -> list[dict]:
    """The groups to read: every group of the region (or VPC), or the ones named."""
    size = min(request.page_size or GROUPS_PAGE, GROUPS_PAGE)
    fields: dict[str, Any] = {"vpc_id": request.vpc} if request.vpc else {}
    if not request.groups:
        listed = _pages(session, "DescribeSecurityGroups", "SecurityGroups", "SecurityGroup",
                        size, **fields)
    else:
        listed = []
        wanted = list(dict.fromkeys(request.groups))
        for i in range(0, len(wanted), IDS_PER_CALL):
            listed += _pages(session, "DescribeSecurityGroups", "SecurityGroups",
                             "SecurityGroup", size,
                             security_group_ids=json.dumps(wanted[i:i + IDS_PER_CALL]), **fields)
        found = {g.get("SecurityGroupId") for g in listed}
        missing = [g for g in wanted if g not in found]
        if missing:
            raise PullError("E007", f"DescribeSecurityGroups in region {session.region}: no "
                            f"group {', '.join(missing)}" + (f" in {request.vpc}" if request.vpc
                                                             else ""))
    unique: dict[str, dict] = {}
    for g in listed:
        if g.get("SecurityGroupId"):
            unique.setdefault(str(g["SecurityGroupId"]), g)
    return list(unique.values())


def _group(session: Session, item: dict, size: int) -> dict:
    """One group: its DescribeSecurityGroupAttribute pages merged, with the listing's
    type, name and VPC (the attribute call does not return the type). A classic group's
    rules are asked for once per NIC type (the call returns one NIC type's at a time)."""
    gid = item["SecurityGroupId"]
    first: dict | None = None
    rules: list[dict] = []
    for nic in ((None,) if item.get("VpcId") else ("intranet", "internet")):
        token: str | None = None
        seen: set[str] = set()
        while True:
            body = session.call("DescribeSecurityGroupAttribute", security_group_id=gid,
                                direction="all", nic_type=nic, max_results=size,
                                next_token=token)
            first = first or body
            rules += [keep(p, PERMISSION_FIELDS)
                      for p in _items(body, "Permissions", "Permission")]
            token = body.get("NextToken") or None
            if not token:
                break
            if token in seen:
                raise PullError("E007", f"DescribeSecurityGroupAttribute of {gid} in region "
                                f"{session.region} returned the same NextToken twice")
            seen.add(token)
    assert first is not None
    group = keep(first, shapes.GROUP_FIELDS - {"RequestId", "NextToken", "Permissions"})
    for k in ("SecurityGroupType", "SecurityGroupName", "VpcId", "Description",
              "ResourceGroupId"):
        if item.get(k) is not None and group.get(k) in (None, ""):
            group[k] = item[k]
    group["SecurityGroupId"] = gid
    group["Permissions"] = {"Permission": rules}
    return group


def _interfaces(session: Session, request: PullRequest, groups: set[str]) -> list[dict]:
    """The region's (or VPC's) network interfaces; with --group, those in a group read."""
    fields: dict[str, Any] = {"vpc_id": request.vpc} if request.vpc else {}
    size = min(request.page_size or ENIS_PAGE, ENIS_PAGE)
    items = _pages(session, "DescribeNetworkInterfaces", "NetworkInterfaceSets",
                   "NetworkInterfaceSet", size, **fields)
    out = []
    for eni in items:
        eni = keep(eni, shapes.ENI_FIELDS)
        ids = (eni.get("SecurityGroupIds") or {}).get("SecurityGroupId") or []
        if request.groups and not groups.intersection(ids):
            continue
        out.append(eni)
    return out
