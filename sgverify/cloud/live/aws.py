"""Pull security groups, managed prefix lists and network interfaces from AWS EC2 through
``boto3`` (credentials from boto3's own chain: environment, shared files, SSO, instance
and container roles).

Read calls only, every page: DescribeSecurityGroups, DescribeManagedPrefixLists,
GetManagedPrefixListEntries and DescribeNetworkInterfaces. Groups are written as
``aws ec2 describe-security-groups`` output, one file per group (``cloud/aws`` reads it);
prefix lists and interfaces in the Alibaba Cloud shapes sgverify already reads for them
(DescribePrefixListAttributes, DescribeNetworkInterfaces), which carry the same facts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .. import aws as shapes
from .common import Calls, PullError, Pulled, PullRequest, Retrier, keep, manifest

INSTALL = "pip install 'sgverify[aws]'"
TRANSIENT_CODES = ("Throttling", "ThrottlingException", "RequestLimitExceeded",
                   "RequestThrottled", "TooManyRequestsException", "InternalError",
                   "InternalFailure", "ServiceUnavailable", "Unavailable", "RequestTimeout")
DENIED_CODES = ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException")
CREDENTIAL_CODES = ("AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch",
                    "UnrecognizedClientException", "ExpiredToken")
ACTIONS = {"describe_security_groups": "DescribeSecurityGroups",
           "describe_network_interfaces": "DescribeNetworkInterfaces",
           "describe_managed_prefix_lists": "DescribeManagedPrefixLists",
           "get_managed_prefix_list_entries": "GetManagedPrefixListEntries"}


def _boto3() -> Any:
    try:
        # lazy: boto3 is an optional extra, needed only to pull from AWS
        import boto3
        from boto3.session import Config  # botocore's, as boto3 re-exports it
    except ImportError as exc:
        raise PullError("E006", f"pulling from AWS needs boto3, which is not installed "
                        f"({exc.name or exc}): {INSTALL}") from None
    return boto3, Config


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Code") or "")
    return ""


def _status(exc: Exception) -> int:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        value = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        return value if isinstance(value, int) else 0
    return 0


def transient(exc: Exception) -> bool:
    code = _code(exc)
    if code.startswith(TRANSIENT_CODES) or _status(exc) >= 500:
        return True
    # botocore's connection errors (refused, reset, read timeout) carry no response
    name = type(exc).__name__
    return not code and ("Connection" in name or name in ("ReadTimeoutError",
                                                          "ConnectTimeoutError"))


class Session:
    """One region's EC2 client and the calls sgverify makes through it."""

    def __init__(self, request: PullRequest, region: str, retrier: Retrier) -> None:
        boto3, config = _boto3()
        self.region = region
        self.retrier = retrier
        # botocore's own retries off: the Retrier retries, within the pull's time budget
        self.client = boto3.session.Session().client(
            "ec2", region_name=region, endpoint_url=request.endpoint or None,
            config=config(retries={"total_max_attempts": 1, "mode": "standard"},
                          connect_timeout=10, read_timeout=30,
                          user_agent_extra="sgverify-pull"))

    def call(self, method: str, **kwargs: Any) -> dict:
        api = ACTIONS[method]

        def once() -> dict:
            return getattr(self.client, method)(**kwargs)

        return self.retrier.run(api, once, transient, lambda exc: self.failure(api, exc))

    def failure(self, api: str, exc: Exception) -> PullError:
        code = _code(exc)
        where = f"in region {self.region}"
        message = str(exc)
        if type(exc).__name__ in ("NoCredentialsError", "PartialCredentialsError"):
            return PullError("E007", f"{api} {where}: no AWS credentials ({exc}); set "
                             "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile "
                             "(docs/pull.md)")
        if code.startswith(DENIED_CODES) or _status(exc) == 403 and \
                not code.startswith(CREDENTIAL_CODES):
            return PullError("E007", f"{api} {where} was denied ({code or 403}): grant the IAM "
                             f"action ec2:{api} (docs/pull.md lists the minimal read-only "
                             "policy)")
        if code.startswith(CREDENTIAL_CODES):
            return PullError("E007", f"{api} {where} was refused: the credentials are not "
                             f"valid ({code}: {message})")
        return PullError("E007", f"{api} {where} failed ({code or type(exc).__name__}: {message})")

    def pages(self, method: str, key: str, **kwargs: Any) -> list[dict]:
        """Every item under ``key`` of a NextToken-paged call."""
        out: list[dict] = []
        token: str | None = None
        seen: set[str] = set()
        while True:
            body = self.call(method, **kwargs, **({"NextToken": token} if token else {}))
            out += [i for i in body.get(key) or [] if isinstance(i, dict)]
            token = body.get("NextToken") or None
            if not token:
                return out
            if token in seen:
                raise PullError("E007", f"{ACTIONS[method]} in region {self.region} returned "
                                "the same NextToken twice: the listing would never end")
            seen.add(token)


def pull(request: PullRequest, progress: Callable[[str], None] = lambda _: None,
         retrier: Retrier | None = None) -> Pulled:
    """Everything ``request`` names, read from AWS (PullError on any failure)."""
    started = time.time()
    retrier = retrier or Retrier(request.budget, Calls())
    pulled = Pulled()
    counts = {"groups": 0, "rules": 0, "interfaces": 0, "prefix_lists": 0}
    account = None
    size = request.page_size
    for region in request.regions:
        session = Session(request, region, retrier)
        filters = [{"Name": "vpc-id", "Values": [request.vpc]}] if request.vpc else []
        args: dict[str, Any] = {"Filters": filters} if filters else {}
        if request.groups:
            args["GroupIds"] = list(dict.fromkeys(request.groups))
        elif size:
            args["MaxResults"] = max(5, min(size, 1000))
        progress(f"{region}: security groups")
        groups = session.pages("describe_security_groups", "SecurityGroups", **args)
        prefix_ids: set[str] = set()
        for g in groups:
            group = keep(g, shapes.GROUP_FIELDS)
            for key in ("IpPermissions", "IpPermissionsEgress"):
                group[key] = [keep(p, shapes.PERMISSION_FIELDS) for p in g.get(key) or []]
                counts["rules"] += len(group[key])
                prefix_ids.update(str(r["PrefixListId"]) for p in group[key]
                                  for r in p.get("PrefixListIds") or [] if r.get("PrefixListId"))
            account = account or group.get("OwnerId")
            pulled.files[f"{group['GroupId']}.json"] = {"SecurityGroups": [group]}
            counts["groups"] += 1
        if prefix_ids:
            progress(f"{region}: {len(prefix_ids)} prefix list(s)")
            lists = _prefix_lists(session, sorted(prefix_ids))
            pulled.files[f"prefix-lists-{region}.json"] = lists
            counts["prefix_lists"] += len(lists)
        progress(f"{region}: network interfaces")
        enis = _interfaces(session, request, {g["GroupId"] for g in groups}, filters)
        pulled.files[f"interfaces-{region}.json"] = {"NetworkInterfaceSets":
                                                     {"NetworkInterfaceSet": enis}}
        counts["interfaces"] += len(enis)
    apis = {"ec2": "2016-11-15", "sdk": f"boto3 {_version('boto3')}"}
    pulled.manifest = manifest(request, apis, counts, retrier.calls, started, account,
                               list(pulled.files))
    return pulled


def _version(name: str) -> str:
    try:
        # lazy: only to name the SDK in the manifest
        from importlib.metadata import version
        return version(name)
    except Exception:  # not installed as a distribution: unknown
        return "unknown"


def _prefix_lists(session: Session, ids: list[str]) -> list[dict]:
    """Managed prefix lists, as DescribePrefixListAttributes responses."""
    described = session.pages("describe_managed_prefix_lists", "PrefixLists", PrefixListIds=ids)
    by_id = {p.get("PrefixListId"): p for p in described}
    out = []
    for lid in ids:
        info = by_id.get(lid)
        if info is None:
            raise PullError("E007", f"DescribeManagedPrefixLists in region {session.region}: "
                            f"prefix list {lid}, which a rule names, was not returned")
        entries = session.pages("get_managed_prefix_list_entries", "Entries", PrefixListId=lid)
        item = {"PrefixListId": lid, "PrefixListName": info.get("PrefixListName") or lid,
                "AddressFamily": info.get("AddressFamily") or "IPv4",
                "Entries": {"Entry": [keep(e, {"Cidr", "Description"}) for e in entries]}}
        out.append(item)
    return out


def _interfaces(session: Session, request: PullRequest, groups: set[str],
                filters: list[dict]) -> list[dict]:
    """Network interfaces in the DescribeNetworkInterfaces (Alibaba Cloud) shape."""
    items = session.pages("describe_network_interfaces", "NetworkInterfaces",
                          **({"Filters": filters} if filters else {}))
    out = []
    for eni in items:
        ids = [g.get("GroupId") for g in eni.get("Groups") or [] if g.get("GroupId")]
        if request.groups and not groups.intersection(ids):
            continue
        attachment = eni.get("Attachment") or {}
        private = [a.get("PrivateIpAddress") for a in eni.get("PrivateIpAddresses") or []
                   if a.get("PrivateIpAddress")]
        if not private and eni.get("PrivateIpAddress"):
            private = [eni["PrivateIpAddress"]]
        public = (eni.get("Association") or {}).get("PublicIp")
        name = next((t.get("Value") for t in eni.get("TagSet") or [] if t.get("Key") == "Name"),
                    None)
        item: dict[str, Any] = {
            "NetworkInterfaceId": eni.get("NetworkInterfaceId"),
            "Type": "Primary" if attachment.get("DeviceIndex") == 0 else "Secondary",
            "SecurityGroupIds": {"SecurityGroupId": ids},
            "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": a} for a in private]},
            "Ipv6Sets": {"Ipv6Set": [{"Ipv6Address": a.get("Ipv6Address")}
                                     for a in eni.get("Ipv6Addresses") or []
                                     if a.get("Ipv6Address")]},
        }
        for key, value in (("InstanceId", attachment.get("InstanceId")),
                           ("VpcId", eni.get("VpcId")), ("NetworkInterfaceName", name),
                           ("Description", eni.get("Description") or None)):
            if value:
                item[key] = value
        if public:
            item["AssociatedPublicIp"] = {"PublicIpAddress": public}
        out.append(item)
    return out
