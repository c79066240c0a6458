"""Property (issue 20): an assertion's verdict does not depend on how the spec is written
down: the order of statements and files, the names chosen (alpha-conversion), or how the
files are given (one file, a file that includes another, or a folder).

Random specs mix groups of several accounts (with and without ids), references by name, by
bare id and by ACCOUNT/ID, instances with ids, options, and every assertion kind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.gate import cli
from tests.support.json_reports import report

OWNERS = ["", "1", "2"]
PORTS = ["22", "80", "443", "22, 80", "1-1024"]
PEERS = ["10.0.0.0/8", "0.0.0.0/0", "1.2.3.4/32", "internet", "192.168.0.0/16"]


@dataclass(frozen=True)
class GroupSpec:
    owner: str
    has_id: bool
    intra_drop: bool
    rules: tuple[tuple[str, str, str, str, tuple[str, int] | None, int], ...]
    # (direction, action, ports, peer address, group peer (how, index) or None, priority)


@dataclass(frozen=True)
class Spec:
    groups: tuple[GroupSpec, ...]
    instances: tuple[tuple[str, tuple[int, ...]], ...]  # (ip, group indexes)
    options: tuple[str, ...]
    asserts: tuple[str, ...]  # templates over {g0}, {i0}, ... names


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    n = draw(st.integers(2, 4))
    owners = [draw(st.sampled_from(OWNERS)) for _ in range(n)]
    groups = []
    for i in range(n):
        rules = []
        for _ in range(draw(st.integers(0, 3))):
            ref = None
            if draw(st.booleans()):
                j = draw(st.integers(0, n - 1))
                how = draw(st.sampled_from(["name", "id", "account"] if owners[j] else ["name", "id"]))
                ref = (how, j)
            rules.append((draw(st.sampled_from(["ingress", "egress"])),
                          draw(st.sampled_from(["accept", "drop"])), draw(st.sampled_from(PORTS)),
                          draw(st.sampled_from(PEERS)), ref, draw(st.integers(1, 3))))
        groups.append(GroupSpec(owners[i], draw(st.booleans()), draw(st.booleans()), tuple(rules)))
    # An interface's groups share one account here, so ids never clash on it.
    instances = []
    for k in range(draw(st.integers(1, 3))):
        members = tuple(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=2))))
        instances.append((f"10.0.{k}.5", members))
    m = len(instances)
    templates = [
        "assert group {g%d}: ingress tcp 22 from internet is denied",
        "assert group {g%d}: egress tcp 25 to internet is denied",
        "assert group {g%d}: ingress tcp 80 from group {G%d} is allowed",
        "assert {i%d}: ingress tcp 443 from 10.0.0.0/8 is reachable",
        "assert {i%d} can reach {i%d} on tcp 22",
        "assert group {g%d} equivalent to group {g%d} for ingress",
        "assert group {g%d} no more permissive than group {g%d}",
    ]
    asserts = []
    for t in draw(st.lists(st.sampled_from(templates), min_size=1, max_size=5)):
        holes = t.count("%d")
        values = []
        for hole in range(holes):
            kind = t.split("%d")[hole][-1]
            values.append(draw(st.integers(0, (m if kind == "i" else n) - 1)))
        asserts.append(t % tuple(values))
    options = tuple(draw(st.sets(st.sampled_from(["option intra-group = fallback",
                                                   "option block-outbound-tcp25 = on"]))))
    return Spec(tuple(groups), tuple(instances), tuple(sorted(options)), tuple(asserts))


def render(spec: Spec, names: list[str]) -> list[str]:
    """The statements of ``spec``; ``names`` gives each group's name, then each instance's
    (a group's id is 'sg-' + its name, an instance's 'i-' + its name)."""
    n = len(spec.groups)
    gname = names[:n]
    iname = names[n:]

    def ident(j: int) -> str:
        return f"sg-{gname[j]}" if spec.groups[j].has_id else gname[j]

    def ref(how: str, j: int) -> str:
        if how == "name":
            return gname[j]
        if how == "id":
            return ident(j)
        return f"{spec.groups[j].owner}/{ident(j)}"

    out = list(spec.options)
    for i, g in enumerate(spec.groups):
        attrs = [a for a in ("intra drop" if g.intra_drop else "",
                             f"owner {g.owner}" if g.owner else "",
                             f"id sg-{gname[i]}" if g.has_id else "") if a]
        lines = []
        for direction, action, ports, addr, gref, prio in g.rules:
            word = "from" if direction == "ingress" else "to"
            peer = f"group {ref(*gref)}" if gref else addr
            lines.append(f"  {direction} {action} tcp {ports} {word} {peer} priority {prio}")
        head = f"group {gname[i]}" + (f" ({', '.join(attrs)})" if attrs else "")
        out.append(head + " {\n" + "\n".join(lines) + "\n}")
    for k, (ip, members) in enumerate(spec.instances):
        # Groups of one interface must be of one account: keep those of the first's owner.
        owner = spec.groups[members[0]].owner
        mine = [j for j in members if spec.groups[j].owner == owner]
        out.append(f"instance {iname[k]} {{ ip {ip}; groups {', '.join(gname[j] for j in mine)}; "
                   f"id i-{iname[k]} }}")
    mapping = {f"g{j}": gname[j] for j in range(n)}
    mapping |= {f"G{j}": ref("id", j) if not spec.groups[j].owner else ref("account", j)
                for j in range(n)}
    mapping |= {f"i{k}": iname[k] for k in range(len(spec.instances))}
    for a, text in enumerate(spec.asserts):
        out.append(f"a{a}: " + text.format(**mapping))
    return out


def verdicts(*args: str) -> dict[str, set[str]]:
    """Label -> the verdicts ``sgverify check ARGS`` reports for it (input errors: 'error')."""
    code, out, err = cli("check", *args, "--format", "json", "--no-timing")
    assert code in (0, 1, 2, 3), err
    found: dict[str, set[str]] = {}
    for f in report(out)["results"]["files"]:  # and the JSON is valid against its schema
        if any(d["severity"] == "error" for d in f["diagnostics"]):
            found.setdefault("<input>", set()).add("error")
        for r in f["results"]:
            found.setdefault(r["name"], set()).add(r["verdict"])
    return found


def write(folder: str, name: str, statements: list[str]) -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(statements) + "\n")
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(spec=specs(), data=st.data())
def test_verdicts_do_not_depend_on_order_names_or_files(tmp_path_factory, spec, data):
    n = len(spec.groups) + len(spec.instances)
    base = [f"n{k}" for k in range(n)]
    statements = render(spec, base)
    folder = str(tmp_path_factory.mktemp("spec"))
    expected = verdicts(write(folder, "one.sgv", statements))
    assert all(len(v) == 1 for v in expected.values()), expected

    shuffled = data.draw(st.permutations(statements))
    assert verdicts(write(folder, "shuffled.sgv", list(shuffled))) == expected

    renamed = data.draw(st.permutations([f"x{k}-{w}" for k, w in enumerate(
        data.draw(st.lists(st.sampled_from(["web", "db", "a.b", "_z"]), min_size=n, max_size=n)))]))
    assert verdicts(write(folder, "renamed.sgv", render(spec, list(renamed)))) == expected

    # Split in two files, options in the included one (so every way of reaching a file
    # has the same options), then give them as a file and as a folder.
    cut = data.draw(st.integers(0, len(statements)))
    parts = str(tmp_path_factory.mktemp("parts"))
    rest = [s for s in shuffled if not s.startswith("option")]
    opts = [s for s in shuffled if s.startswith("option")]
    write(parts, "b.sgv", opts + rest[cut:])
    top = write(parts, "a.sgv", ['include "b.sgv"'] + rest[:cut])
    assert verdicts(top) == expected
    old = os.getcwd()
    os.chdir(parts)
    try:
        by_folder = verdicts(".")
    finally:
        os.chdir(old)
    assert by_folder == expected
