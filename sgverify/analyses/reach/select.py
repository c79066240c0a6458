"""Selectors: which interfaces a reach question is about.

    internet            every public address in no security group
    instance NAME       an instance (name or id; * and ? match several)
    group NAME          the member instances of a group (name or id; globs too)
    tag:KEY[=VALUE]     the member instances of the groups with that tag
    NAME                an instance or a group called NAME (an error when both exist)
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from ...core.model import Group, Instance, Policy


class SelectError(Exception):
    """A selector that picks nothing or cannot be read."""


@dataclass(frozen=True)
class Selection:
    """What a selector picks: the internet, or instances (and the groups named, if any)."""

    text: str
    kind: str  # internet | instance | group | tag
    instances: tuple[Instance, ...] = ()
    groups: tuple[Group, ...] = ()

    @property
    def internet(self) -> bool:
        return self.kind == "internet"


def _names(x: Instance | Group) -> list[str]:
    ident = x.iid if isinstance(x, Instance) else x.gid
    return [x.name] + ([ident] if ident else [])


def _match(pattern: str, items: list) -> list:  # type: ignore[type-arg]
    return [x for x in items if any(fnmatch.fnmatchcase(n, pattern) for n in _names(x))]


def members(policy: Policy, groups: list[Group]) -> tuple[Instance, ...]:
    keys = {g.key for g in groups}
    return tuple(i for i in policy.instances if any(g.key in keys for g in i.groups))


def select(policy: Policy, text: str) -> Selection:
    """The selection ``text`` describes in ``policy``; SelectError when it picks nothing."""
    words = text.strip().split(None, 1)
    if not words:
        raise SelectError("empty selector: write internet, instance NAME, group NAME, "
                          "tag:KEY[=VALUE] or a name")
    if words == ["internet"]:
        return Selection(text, "internet")
    head = words[0]
    if head in ("instance", "group") and len(words) == 2:
        pattern = words[1].strip()
        if head == "instance":
            found = _match(pattern, list(policy.instances))
            if not found:
                raise SelectError(f"no instance matches '{pattern}'")
            return Selection(text, "instance", tuple(found))
        groups = _match(pattern, list(policy.groups))
        if not groups:
            raise SelectError(f"no group matches '{pattern}'")
        return _groups(policy, text, "group", groups)
    if head.startswith("tag:") and len(words) == 1:
        key, eq, value = head[4:].partition("=")
        groups = [g for g in policy.groups if any(k == key and (not eq or v == value) for k, v in g.tags)]
        if not groups:
            raise SelectError(f"no group has the tag {head[4:]}")
        return _groups(policy, text, "tag", groups)
    if len(words) != 1:
        raise SelectError(f"cannot read selector '{text}': write internet, instance NAME, "
                          "group NAME, tag:KEY[=VALUE] or a name")
    insts = _match(head, list(policy.instances))
    groups = _match(head, list(policy.groups))
    if insts and groups:
        raise SelectError(f"'{head}' names both an instance and a group: write 'instance {head}' "
                          f"or 'group {head}'")
    if insts:
        return Selection(text, "instance", tuple(insts))
    if groups:
        return _groups(policy, text, "group", groups)
    raise SelectError(f"no instance or group matches '{head}'")


def _groups(policy: Policy, text: str, kind: str, groups: list[Group]) -> Selection:
    found = members(policy, groups)
    if not found:
        names = ", ".join(g.name for g in groups)
        raise SelectError(f"{text}: group{'s' if len(groups) > 1 else ''} {names} "
                          f"{'have' if len(groups) > 1 else 'has'} no member instances")
    return Selection(text, kind, found, tuple(groups))


__all__ = ["SelectError", "Selection", "members", "select"]
