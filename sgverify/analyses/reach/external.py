"""Stand-ins for groups whose rules are not known (``external``), so that ``reach`` never
claims what it cannot know about the interfaces in them.

Each such group gets, on each direction and NIC, an accept-everything rule and a
drop-everything rule at priority 1, each gated by its own unresolved list ("unknown
accepts of group X", "unknown drops of group X"). Any rule the group really has does what
one of those memberships does on a given peer, so every answer that depends on the group
comes out possible, never sure: pairs through it are "may reach", witnesses say which
membership they assume, and pairs proved unreachable are unreachable whatever the group
holds. Its intra-group policy is not known either: the stand-in has none (``intra drop``),
so its members reach each other only through the gated rules, as "may reach".
"""

from __future__ import annotations

from dataclasses import replace

from ...core.model import Action, Direction, Group, Instance, Network, Nic, Peer, Policy, Rule
from .select import Selection


def accepts_list(g: Group) -> str:
    return f"unknown accepts of group {g.name}"


def drops_list(g: Group) -> str:
    return f"unknown drops of group {g.name}"


def stand_in_rules(g: Group) -> tuple[Rule, ...]:
    """The gated accept-all and drop-all rules that stand for ``g``'s unknown rules."""
    nics = (Nic.INTRANET, Nic.INTERNET) if g.network is Network.CLASSIC else (Nic.INTRANET,)
    out: list[Rule] = []
    for direction in (Direction.INGRESS, Direction.EGRESS):
        for nic in nics:
            for action, name in ((Action.ACCEPT, accepts_list(g)), (Action.DROP, drops_list(g))):
                out.append(Rule(g.key, g.name, len(out), direction, action, None, None,
                                Peer(unresolved=(name,)), 1, nic=nic,
                                label=f"{g.name}-unknown-{action.value}s",
                                text=f"(the rules of group {g.name} are not known: any "
                                     f"{action.value} is possible)", span=g.span))
    return tuple(out)


def stand_in(policy: Policy) -> tuple[Policy, dict[int, Instance], dict[int, Group]]:
    """``policy`` with every group of unknown rules replaced by its stand-in, and the maps
    from the old instances and groups (by identity) to the new ones (empty: unchanged)."""
    groups = {id(g): replace(g, rules=stand_in_rules(g), intra=Action.DROP) for g in policy.groups
              if not g.rules_known}
    if not groups:
        return policy, {}, {}
    instances = {id(i): replace(i, groups=tuple(groups.get(id(g), g) for g in i.groups))
                 for i in policy.instances if any(id(g) in groups for g in i.groups)}
    new = replace(policy, groups=tuple(groups.get(id(g), g) for g in policy.groups),
                  instances=tuple(instances.get(id(i), i) for i in policy.instances))
    return new, instances, groups


def remap(sel: Selection | None, instances: dict[int, Instance],
          groups: dict[int, Group]) -> Selection | None:
    """``sel`` pointing at the stand-in instances and groups."""
    if sel is None or not (instances or groups):
        return sel
    return replace(sel, instances=tuple(instances.get(id(i), i) for i in sel.instances),
                   groups=tuple(groups.get(id(g), g) for g in sel.groups))


__all__ = ["accepts_list", "drops_list", "remap", "stand_in", "stand_in_rules"]
