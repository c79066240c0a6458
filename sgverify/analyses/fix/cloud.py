"""The edits of a repair as Alibaba Cloud ECS API calls: AuthorizeSecurityGroup(Egress) for
added rules, RevokeSecurityGroup(Egress) for deleted ones, ModifySecurityGroupRule
(ModifySecurityGroupEgressRule) for a rule changed in place. A rule whose new form needs
several API permissions (several blocks, or a split) is revoked and its new permissions
authorised. The permissions are those ``cloud.export`` writes, so they read back as the
same rules. Data only; ``report/fix`` writes them as JSON, ``aliyun`` command lines and
Terraform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ...cloud.export import permissions
from ...core.model import Direction, Group, Policy, Rule
from .edits import Edit

# API permission fields that a call names without the "Permissions.N." prefix when it
# changes one rule (ModifySecurityGroupRule takes them at the top level).
_MODIFY_FIELDS = ("Policy", "Priority", "IpProtocol", "PortRange", "SourcePortRange",
                  "SourceCidrIp", "Ipv6SourceCidrIp", "SourceGroupId", "SourceGroupOwnerAccount",
                  "SourcePrefixListId", "DestCidrIp", "Ipv6DestCidrIp", "DestGroupId",
                  "DestGroupOwnerAccount", "DestPrefixListId", "PortRangeListId", "NicType",
                  "Description")


PER_CALL = 100  # permissions one AuthorizeSecurityGroup call takes at most


@dataclass(frozen=True)
class ApiCall:
    """One ECS API call: its action and its request parameters (flat, as the RPC API and
    the aliyun CLI take them), the edit it comes from, and the resource a Terraform
    configuration would hold for an added rule (None for other calls)."""

    action: str
    params: tuple[tuple[str, Any], ...]
    edit: int  # 1-based index of the edit in the repair
    added: tuple[dict[str, Any], ...] = ()  # the permissions authorised

    @property
    def permissions(self) -> int:
        return max(1, len(self.added))

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "parameters": dict(self.params), "edit": self.edit}


def _group_id(g: Group) -> str:
    return g.gid or g.name


def _clean(p: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in p.items() if v not in ("", None) and k != "SecurityGroupRuleId"}


def _authorize(g: Group, rule: Rule, edit: int) -> list[ApiCall]:
    """One call per ``PER_CALL`` permissions (the API's limit on Permissions.N)."""
    perms = [_clean(p) for p in permissions(rule, g.network)]
    action = "AuthorizeSecurityGroup" if rule.direction is Direction.INGRESS \
        else "AuthorizeSecurityGroupEgress"
    out = []
    for start in range(0, len(perms), PER_CALL):
        chunk = perms[start:start + PER_CALL]
        params: list[tuple[str, Any]] = [("SecurityGroupId", _group_id(g))]
        for i, p in enumerate(chunk, 1):
            params += [(f"Permissions.{i}.{k}", v) for k, v in p.items() if k != "Direction"]
        out.append(ApiCall(action, tuple(params), edit, tuple(chunk)))
    return out


def _revoke(g: Group, rule: Rule, edit: int) -> ApiCall:
    action = "RevokeSecurityGroup" if rule.direction is Direction.INGRESS \
        else "RevokeSecurityGroupEgress"
    params: list[tuple[str, Any]] = [("SecurityGroupId", _group_id(g))]
    if rule.rule_id:
        params.append(("SecurityGroupRuleId.1", rule.rule_id))
    else:  # no rule id: name the rule by its fields
        for i, p in enumerate(permissions(rule, g.network), 1):
            params += [(f"Permissions.{i}.{k}", v) for k, v in _clean(p).items()
                       if k != "Direction"]
    return ApiCall(action, tuple(params), edit)


def api_calls(edits: Sequence[Edit], policy: Policy) -> list[ApiCall]:
    """The calls that make the repair in the cloud, in the order of the edits (a move:
    revoked from its group, then authorized in the other)."""
    groups = {g.key: g for g in policy.groups}
    out: list[ApiCall] = []
    for i, e in ((i, p) for i, edit in enumerate(edits, 1) for p in edit.parts()):
        g = groups[e.group]
        if e.old is None:
            out += [c for r in e.new for c in _authorize(g, r, i)]
            continue
        if not e.new:
            out.append(_revoke(g, e.old, i))
            continue
        new_perms = [permissions(r, g.network) for r in e.new]
        if e.old.rule_id and len(e.new) == 1 and len(new_perms[0]) == 1 \
                and len(permissions(e.old, g.network)) == 1:
            action = "ModifySecurityGroupRule" if e.old.direction is Direction.INGRESS \
                else "ModifySecurityGroupEgressRule"
            p = new_perms[0][0]
            params: list[tuple[str, Any]] = [("SecurityGroupId", _group_id(g)),
                                             ("SecurityGroupRuleId", e.old.rule_id)]
            params += [(k, p[k]) for k in _MODIFY_FIELDS if p.get(k) not in ("", None)]
            out.append(ApiCall(action, tuple(params), i))
            continue
        out.append(_revoke(g, e.old, i))
        out += [c for r in e.new for c in _authorize(g, r, i)]
    return out


def from_cloud(edits: Sequence[Edit], policy: Policy) -> bool:
    """Were the edited rules or groups read from cloud exports (not .sgv text)?"""
    groups = {g.key: g for g in policy.groups}
    for e in (p for edit in edits for p in edit.parts()):
        spans = [e.old.span if e.old is not None else None, groups[e.group].span]
        if any(s is not None and not s.path.endswith(".sgv") for s in spans):
            return True
    return False


__all__ = ["ApiCall", "api_calls", "from_cloud"]
