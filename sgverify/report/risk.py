"""How risky a connection is, for ranking and colouring reports (the HTML report).

A pair that connects is ranked by where it comes from (the internet or the private
network) and by the most sensitive service it reaches: the services of the built-in
"not open to the internet" controls (SSH, RDP, databases, caches, control planes, file
sharing, reflection: their ``services``) are sensitive; the published services (tcp 80,
443 by default, as SGV110) and ICMP are public; anything else is "other". So
internet -> db on tcp 3306 is the strongest level and internal -> web on 443 the weakest,
whatever the number of ports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..analyses.audit.controls import BUILTIN, DEFAULT_PUBLIC_SERVICES, OPEN
from ..engines.atoms.services import PORT_PROTOS, ServiceSpace
from ..lang.build import build_fragment

SENSITIVE, OTHER, PUBLIC = 2, 1, 0  # service classes
ICMP = frozenset({1, 58})


@dataclass(frozen=True)
class Level:
    """One risk level: its number (5 strongest), a word and what it means."""

    rank: int
    word: str
    meaning: str


LEVELS: tuple[Level, ...] = (
    Level(5, "critical", "the internet reaches a sensitive service (admin, database, cache, "
          "control plane, file sharing) or every port"),
    Level(4, "high", "the internet reaches a service that is neither sensitive nor published"),
    Level(3, "medium", "a private-network peer reaches a sensitive service"),
    Level(2, "low", "the internet reaches only published services (tcp 80, 443) or ICMP"),
    Level(1, "info", "a private-network peer reaches other services"),
)
WORD = {lv.rank: lv.word for lv in LEVELS}
SEVERITY_RANK = {"critical": 5, "high": 4, "medium": 3, "low": 2}


Ranges = dict[int, tuple[tuple[int, int], ...]]


def _ranges(texts: tuple[str, ...]) -> Ranges:
    """Port ranges per protocol (tcp, udp) of service texts such as "tcp 22 or udp 53"."""
    out: dict[int, list[tuple[int, int]]] = {p: [] for p in PORT_PROTOS}
    for text in texts:
        node = build_fragment(text, "flowset", "built-in controls")
        for s in node.services or ():
            for proto in s.protocols or PORT_PROTOS:
                if proto in out:
                    out[proto] += [(r.lo, r.hi) for r in s.ports] if s.ports else [(1, 65535)]
    return {p: tuple(sorted(v)) for p, v in out.items()}


@lru_cache(maxsize=None)
def sensitive_ranges() -> Ranges:
    """The services of the built-in OPEN controls (SGV101-SGV108)."""
    return _ranges(tuple(c.services for c in BUILTIN if c.kind == OPEN and c.services))


@lru_cache(maxsize=None)
def public_ranges() -> Ranges:
    return _ranges((DEFAULT_PUBLIC_SERVICES,))


@lru_cache(maxsize=None)
def categories() -> tuple[tuple[str, str, Ranges], ...]:
    """(control id, slug, services) of the built-in OPEN controls, most severe first."""
    found = [c for c in BUILTIN if c.kind == OPEN and c.services]
    found.sort(key=lambda c: -SEVERITY_RANK.get(c.severity, 0))
    return tuple((c.id, c.slug, _ranges((c.services,))) for c in found)


def category(space: ServiceSpace, mask: int) -> str | None:
    """Which kind of sensitive service ``mask`` reaches: "every port", or the id and slug of
    the most severe OPEN control whose services it touches (None: none)."""
    ports = {p: space.ports_of(mask, p) for p in PORT_PROTOS}
    if all(v == [(1, 65535)] for v in ports.values()):
        return "every port"
    for ident, slug, ranges in categories():
        if any(_overlaps(ports[p], ranges[p]) for p in PORT_PROTOS):
            return f"{ident} {slug}"
    return None


def _overlaps(have: list[tuple[int, int]], want: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= whi and wlo <= hi for lo, hi in have for wlo, whi in want)


def _within(have: list[tuple[int, int]], want: tuple[tuple[int, int], ...]) -> bool:
    return all(any(wlo <= lo and hi <= whi for wlo, whi in want) for lo, hi in have)


def service_class(space: ServiceSpace, mask: int) -> int:
    """SENSITIVE, OTHER or PUBLIC: the most sensitive service of ``mask``."""
    sens, pub = sensitive_ranges(), public_ranges()
    public = True
    for proto in PORT_PROTOS:
        ports = space.ports_of(mask, proto)
        if _overlaps(ports, sens[proto]):
            return SENSITIVE
        public = public and _within(ports, pub[proto])
    others = space.protocols_of(mask)
    if any(not (lo == hi and lo in ICMP) for lo, hi in others):
        public = False
    return PUBLIC if public else OTHER


def level(from_internet: bool, cls: int) -> int:
    """The risk level (LEVELS) of a connection of class ``cls``."""
    if from_internet:
        return {SENSITIVE: 5, OTHER: 4, PUBLIC: 2}[cls]
    return 3 if cls == SENSITIVE else 1


__all__ = ["LEVELS", "categories", "category", "OTHER", "PUBLIC", "SENSITIVE", "SEVERITY_RANK", "WORD", "Level", "level",
           "public_ranges", "sensitive_ranges", "service_class"]
