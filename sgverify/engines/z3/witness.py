"""From a satisfying model to a concrete flow: the preference order that makes the
solver's counterexamples simple and canonical (docs/semantics.md, section 9), and the
decoding of a model into a ``Flow`` and the values of its unresolved-list atoms."""

from __future__ import annotations

from typing import Iterable

import z3  # type: ignore[import-untyped]

from ...core.addresses import INTERNET, MAX, PRIVATE_V4, V4, V6, AddrSpace
from ...core.flow import Flow
from ...core.model import PORT_PROTOCOLS, Direction, Nic
from .encode import SymFlow, in_space
from .solve import Preference


def atoms_of(model: z3.ModelRef) -> dict[str, bool]:
    """The values a model gives the unresolved-list atoms, by (view tag + list name)."""
    out = {}
    for d in model.decls():
        name = d.name()
        if "unresolved[" in name:
            name = name.replace("%7C", "|").replace("%5C", "\\").replace("%25", "%")  # safe_name
            prefix, _, rest = name.partition("unresolved[")
            out[prefix + rest[:-1]] = z3.is_true(model[d])
    return out


def field_prefs(f: SymFlow, direction: bool = True) -> list[Preference]:
    prefs = []
    if direction:
        prefs.append(Preference(f.ingress, (f.ingress,), minimise=False))
    prefs.append(Preference(f.internet, (z3.Not(f.internet),), minimise=False))
    prefs.append(Preference(f.v6, (z3.Not(f.v6),), minimise=False))
    prefs.append(Preference(f.protocol, tuple(f.protocol == p for p in (6, 17, 1, 58, 47))))
    for key in sorted(f.groups):
        prefs.append(Preference(f.groups[key]))
    prefs.append(Preference(f.dport))
    prefs.append(Preference(f.sport, (z3.ULE(1024, f.sport),), narrow_after=True))
    return prefs


GLOBAL_UNICAST_V6 = AddrSpace.parse("2000::/3")
PRIVATE_V6 = AddrSpace.parse("fc00::/7")


def _space_terms(ip4: z3.BitVecRef, ip6: z3.BitVecRef) -> tuple[z3.BoolRef, ...]:
    """(public v4, private v4, public v6, private v6) membership terms, built once per pair
    of address variables (they are the same for every assertion)."""
    key = (ip4.decl().name(), ip6.decl().name())
    hit = _SPACE_TERMS.get(key)
    if hit is None:
        v4, v6 = z3.BoolVal(False), z3.BoolVal(True)
        hit = _SPACE_TERMS[key] = (in_space(v4, ip4, ip6, INTERNET.only(V4)),
                                   in_space(v4, ip4, ip6, PRIVATE_V4),
                                   in_space(v6, ip4, ip6, GLOBAL_UNICAST_V6),
                                   in_space(v6, ip4, ip6, PRIVATE_V6))
    return hit


_SPACE_TERMS: dict[tuple[str, str], tuple[z3.BoolRef, ...]] = {}
PREFERENCE_SPACES = (INTERNET, PRIVATE_V4, GLOBAL_UNICAST_V6, PRIVATE_V6)


def address_hints(spaces: Iterable[AddrSpace], family: int) -> tuple[int, ...]:
    """Where the minimum of an address can lie: the edges of every block the formula
    compares addresses with (and one past, for the 'last byte not 0' preference)."""
    top = MAX[family]
    out: set[int] = {0, 1}
    for space in list(spaces) + list(PREFERENCE_SPACES):
        for r in space:
            if r.family == family:
                out.update((r.lo, r.lo + 1, r.hi + 1, r.hi + 2))
    return tuple(sorted(v for v in out if v <= top))


def address_prefs(ip4: z3.BitVecRef, ip6: z3.BitVecRef, v6: z3.BoolRef, peer: bool,
                   in_group: z3.BoolRef | None = None,
                   avoid: tuple[z3.BitVecRef, z3.BitVecRef] | None = None,
                   hints: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())) -> list[Preference]:
    """Simple addresses: public ones for a remote peer on the internet, private ones for an
    interface or a member of a group; avoid network addresses (last byte 0) when possible.
    ``hints``: candidate minima for IPv4 and IPv6 (``address_hints``)."""
    public4, private4, public6, private6 = _space_terms(ip4, ip6)
    if peer:
        member = in_group if in_group is not None else z3.BoolVal(False)
        first4 = z3.If(member, private4, public4)
        first6 = z3.If(member, private6, public6)
    else:
        first4, first6 = private4, private6
    nonzero4 = z3.Extract(7, 0, ip4) != 0
    nonzero6 = z3.Extract(15, 0, ip6) != 0
    if avoid is not None:  # an interface and its peer look clearer with different addresses
        nonzero4 = z3.And(nonzero4, ip4 != avoid[0])
        nonzero6 = z3.And(nonzero6, ip6 != avoid[1])
    return [
        Preference(ip4, (z3.And(first4, nonzero4), first4, nonzero4), when=z3.Not(v6),
                   hints=hints[0]),
        Preference(ip6, (z3.And(first6, nonzero6), first6, nonzero6), when=v6, hints=hints[1]),
    ]


def decode(model: z3.ModelRef, f: SymFlow, direction: Direction | None = None) -> Flow:
    """The concrete flow a model describes (peer/local mapped to source/destination)."""

    def val(term: z3.ExprRef) -> int:
        return int(model.eval(term, model_completion=True).as_long())

    def flag(term: z3.ExprRef) -> bool:
        return bool(z3.is_true(model.eval(term, model_completion=True)))

    if direction is None:
        direction = Direction.INGRESS if flag(f.ingress) else Direction.EGRESS
    v6 = flag(f.v6)
    family = V6 if v6 else V4
    peer = val(f.peer6 if v6 else f.peer4)
    local = val(f.local6 if v6 else f.local4)
    protocol = val(f.protocol)
    ports = protocol in PORT_PROTOCOLS
    src, dst = (peer, local) if direction is Direction.INGRESS else (local, peer)
    groups = frozenset(k for k, b in f.groups.items() if flag(b))
    return Flow(direction, protocol, family, src, dst, val(f.sport) if ports else None,
                val(f.dport) if ports else None,
                Nic.INTERNET if flag(f.internet) else Nic.INTRANET, groups)
