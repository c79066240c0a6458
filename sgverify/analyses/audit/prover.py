"""The box prover of one audit, with what the internet controls share between the
subjects of the policy: each group's exposure facts (``prove.exposure.GroupSides``), the
cheap walks and one ``PublicExposure`` per subject."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ...core import precedence
from ...core.evaluate import unresolved_names
from ...core.model import Direction, FlowSet, Group, Policy, Rule, Service, Target, protocol_name
from ...engines.boxes.intervals import Intervals, iv, normalise, point
from ...prove.box_prover import BoxProver
from ...prove.exposure import GroupSides

Point = tuple[str, Intervals, "Intervals | None", "int | None"]
WIDE_RANGE = 64  # a port range longer than this is asked as one service (all of it open)


class AuditProver(BoxProver):
    """``BoxProver`` plus the exposure facts of every group (shared by the subjects in
    it: a group and the interfaces holding it ask the same rules)."""

    def __init__(self, policy: Policy, timeout_ms: int | None = None) -> None:
        super().__init__(policy, timeout_ms)
        self.sides = GroupSides()
        self._points: dict[int, tuple[object, list[Point]]] = {}
        self._lists: dict[int, tuple[Group, tuple[str, ...]]] = {}
        self._ordered: dict[tuple[int, int, bool], tuple[Group, list[Rule], Sequence[int], bool]] = {}

    def ingress_lists(self, target: Target) -> tuple[str, ...]:
        """``unresolved_names(target, Direction.INGRESS)``, from each group's, made once."""
        names: set[str] = set()
        for g in target.groups:
            hit = self._lists.get(id(g))
            if hit is None or hit[0] is not g:
                hit = self._lists[id(g)] = (g, unresolved_names(
                    Target(g.name, "group", (g,)), Direction.INGRESS))
            names.update(hit[1])
        return tuple(sorted(names))

    @staticmethod
    def peer_hull(r: Rule) -> tuple[int, int]:
        """The smallest range holding every peer address of ``r`` (any family; empty:
        lo > hi): the rule's boxes hold no peer outside it. Made at each ask, not kept:
        most peers are one range, and a fleet's audit has millions of rules."""
        ranges = r.peer.addresses.ranges
        if len(ranges) == 1:
            return ranges[0].lo, ranges[0].hi
        return (min(x.lo for x in ranges), max(x.hi for x in ranges)) if ranges else (1, 0)

    def rules(self, target: Target, fs: FlowSet, direction: Direction) -> list[Rule]:
        """``BoxSearch.rules`` (the same list): each group's rules that can match ``fs``,
        sorted once per group, then merged by precedence ranks (``core.precedence``)
        instead of one sort of the interface's rules by tuples per question."""
        lists = []
        for g in target.groups:
            key = (id(g), id(fs), direction is Direction.INGRESS)
            hit = self._ordered.get(key)
            if hit is None or hit[0] is not g:
                kept = super().rules(Target(g.name, "group", (g,)), fs, direction)
                hit = self._ordered[key] = (g, kept, precedence.packed([precedence.rank(r) for r in kept]),
                                            precedence.rankable(g))
            lists.append(hit)
        return precedence.merged(target.groups, [h[1] for h in lists], [h[2] for h in lists],
                                 all(h[3] for h in lists))

    def service_points(self, services: tuple[Service, ...] | None) -> list[Point]:
        """``service_points`` of a control's services, with the port of each
        one-port point (else None), made once per control."""
        hit = self._points.get(id(services))
        if hit is None or hit[0] is not services:
            points = [(label, protocols, ports,
                       ports[0][0] if ports is not None and len(ports) == 1
                       and ports[0][0] == ports[0][1] else None)
                      for label, protocols, ports in service_points(services)]
            hit = self._points[id(services)] = (services, points)
        return hit[1]


def service_points(services: tuple[Service, ...] | None) -> Iterator[tuple[str, Intervals,
                                                                             Intervals | None]]:
    """Each service a control names, as (label, protocols, ports): one port at a time, so
    that one open port is found among closed ones (a range wider than ``WIDE_RANGE`` is
    asked whole)."""
    for s in services or (Service(None),):
        protos = iv((0, 255)) if s.protocols is None else normalise((p, p) for p in s.protocols)
        shown = "every protocol" if s.protocols is None else \
            " or ".join(protocol_name(p) for p in sorted(s.protocols))
        if s.ports is None:
            yield shown, protos, None
            continue
        for r in s.ports:
            if r.hi - r.lo >= WIDE_RANGE:
                yield f"{shown} {r.lo}-{r.hi}", protos, iv((r.lo, r.hi))
                continue
            for port in range(r.lo, r.hi + 1):
                yield f"{shown} {port}", protos, point(port)


__all__ = ["AuditProver", "service_points"]
