"""The box prover of one audit, with what the internet controls share between the
subjects of the policy: each group's exposure facts (``prove.exposure.GroupSides``), the
cheap walks and one ``PublicExposure`` per subject."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.model import Policy, Service, protocol_name
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
