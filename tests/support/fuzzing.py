"""Fuzzing strategies for .sgv text and the property every input must meet: sgverify ends in
a result or a clean error (exit 0-3, no traceback, no internal error) within a time bound.

Used by tests/meta/test_fuzz.py (bounded, in every run) and fuzz/fuzz_sgv.py (long, on demand).
"""

from __future__ import annotations

import io
import os
import tempfile
import time

from hypothesis import strategies as st

from sgverify.cli import run
from tests.support.paths import ROOT

SEEDS = [p.read_text() for p in sorted((ROOT / "specs").rglob("*.sgv"))] + \
        [p.read_text() for p in sorted((ROOT / "tests" / "fixtures" / "broken").glob("*.sgv"))]

WORDS = ("group instance interface eni assert include option addresses prefix-list port-list "
         "ingress egress inbound outbound accept allow drop deny forbid tcp udp icmp icmpv6 gre "
         "all proto from to priority nic intranet internet description source-port id any "
         "except peer-groups none vpc classic basic enterprise intra owner tag ip ipv6 public "
         "groups is allowed denied reachable unreachable only reaches can cannot partly reach "
         "equivalent no more permissive than for on or port ipv4").split()
TOKENS = WORDS + ["web", "db", "g0", "sg-123", "1234/sg-9", "10.0.0.0/8", "1.2.3.4/32",
                  "0.0.0.0/0", "::/0", "2001:db8::/32", "22", "80-443", "-1/-1", "1/65535",
                  "70000", "0", "{", "}", "(", ")", ",", ";", ":", "=", "->", '"text"', "#c\n",
                  "\n", " ", "\t", "\x00", "\u00e9", "\\", "'"]

token_soup = st.lists(st.sampled_from(TOKENS), max_size=60).map(" ".join)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A bundled spec with a few random edits (delete, insert, replace, cut, duplicate)."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        j = min(len(text), i + draw(st.integers(0, 12)))
        op = draw(st.sampled_from(["delete", "insert", "replace", "cut", "dup"]))
        piece = draw(st.sampled_from(TOKENS))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + piece + text[i:]
        elif op == "replace":
            text = text[:i] + piece + text[j:]
        elif op == "cut":
            text = text[:i]
        else:
            line_end = text.find("\n", i)
            line_start = text.rfind("\n", 0, i) + 1
            text = text[:line_end if line_end >= 0 else len(text)] + "\n" + text[line_start:]
    return text


NAMES = ["a", "b", "c"]
PEERS = ["0.0.0.0/0", "10.0.0.0/8", "1.2.3.4/32", "::/0", "2001:db8::/32", "internet", "any",
         "group a", "group b", "group 99/sg-x"]
SERVICES = ["tcp 22", "tcp 80, 443", "udp 53", "icmp", "all", "tcp 1000-2000", "tcp all", "proto 47"]


@st.composite
def generated(draw: st.DrawFn) -> str:
    """A valid spec: random groups, rules, instances and assertions."""
    out = []
    for name in NAMES:
        attrs = draw(st.sampled_from(["", "(vpc, basic)", "(vpc, basic, intra drop)", "(vpc, enterprise)"]))
        out.append(f"group {name} {attrs} {{")
        for _ in range(draw(st.integers(0, 5))):
            d = draw(st.sampled_from(["ingress", "egress"]))
            act = draw(st.sampled_from(["accept", "drop"]))
            peer = draw(st.sampled_from(PEERS))
            if "group" in peer and "enterprise" in attrs:
                peer = "10.0.0.0/8"
            word = "from" if d == "ingress" else "to"
            service = draw(st.sampled_from(SERVICES))
            if service == "icmp" and ":" in peer:
                service = "icmpv6"  # icmp with only IPv6 peers is an input error (E116)
            out.append(f"  {d} {act} {service} {word} {peer} "
                       f"priority {draw(st.integers(1, 3))}")
        out.append("}")
    types = {}
    for line in out:
        if line.startswith("group "):
            types[line.split()[1]] = "enterprise" if "enterprise" in line else "basic"
    same = [n for n in NAMES if types[n] == types["a"]]
    out.append(f"instance i1 {{ ip 10.0.0.5; groups {', '.join(same[:2])} }}")
    out.append("instance i2 { ip 10.0.0.6; ipv6 2001:db8::6; groups a }")
    checks = ["is allowed", "is denied", "is reachable", "is allowed only from 10.0.0.0/8",
              "reaches only 1.2.3.4/32"]
    for _ in range(draw(st.integers(1, 4))):
        tgt = draw(st.sampled_from(["a", "b", "i1", "i2", "groups " + ", ".join(same[:2])]))
        # At most one clause of each kind (a second one is an input error, E123).
        fs = " ".join(draw(st.sampled_from(options)) for options in (
            ["", "ingress", "egress"], ["", "tcp 22", "udp", "tcp 22 or udp 53"],
            ["", "from internet", "from 10.0.0.0/8 except 10.1.0.0/16"], ["", "to 10.0.0.0/8"],
            ["", "peer-groups none", "peer-groups a"], ["", "ipv4", "ipv6"]))
        out.append(f"assert {tgt}: {fs} {draw(st.sampled_from(checks))}")
    out.append(draw(st.sampled_from(["assert i1 can reach i2 on tcp 22", "assert a equivalent to b",
                                     "assert i2 cannot reach i1", "assert a no more permissive than b for ingress"])))
    return "\n".join(out) + "\n"


def survives(text: str, timeout_s: float = 5.0, time_bound_s: float = 60.0) -> tuple[int, str]:
    """Run ``sgverify check`` on ``text``; assert the clean-end property; return (exit, output)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fuzz.sgv")
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as fh:
            fh.write(text)
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        code = run(["check", path, "--timeout", str(timeout_s), "--no-timing", "--color", "never"], out, err)
        elapsed = time.perf_counter() - start
    everything = out.getvalue() + err.getvalue()
    assert code in (0, 1, 2, 3), (code, everything[-3000:])
    assert "Traceback" not in everything and "internal error" not in everything, everything[-3000:]
    assert elapsed < time_bound_s, f"took {elapsed:.1f} s"
    return code, everything


# ---------------------------------------------------------------- cloud exports (JSON, YAML)

INPUTS = ROOT / "tests" / "fixtures" / "inputs"
DATA_SEEDS = sorted(p for p in INPUTS.rglob("*") if p.suffix in (".json", ".yaml", ".yml", ".tf"))

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 70000), st.floats(allow_nan=True),
              st.sampled_from(["", "-1/-1", "200/1", "22/22", "0.0.0.0/0", "::/0", "sg-x", "TCP",
                               "ingress", "Accept", "Drop", "intranet", "1e999", "x" * 300])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["Priority", "PortRange", "IpProtocol",
                                                             "Permission", "x"]), inner, max_size=3)),
    max_leaves=8)


@st.composite
def mutated_json(draw: st.DrawFn) -> tuple[str, str]:
    """(file suffix, text): an input fixture with values replaced, keys deleted or the text
    cut or spliced (so both malformed and well-formed-but-wrong data are produced)."""
    import json
    path = draw(st.sampled_from(DATA_SEEDS))
    text = path.read_text()
    if path.suffix == ".json" and draw(st.booleans()):
        doc = json.loads(text)
        for _ in range(draw(st.integers(1, 4))):
            doc = _mutate(doc, draw)
        return path.suffix, json.dumps(doc)
    i = draw(st.integers(0, max(0, len(text) - 1)))
    op = draw(st.sampled_from(["cut", "splice", "dup"]))
    if op == "cut":
        return path.suffix, text[:i]
    if op == "splice":
        return path.suffix, text[:i] + draw(st.sampled_from(['"', "{", "]", ",", "\\u0000", "\x00", "\u00e9", "\n"])) + text[i:]
    return path.suffix, text[:i] + text[max(0, i - 50):]


def _mutate(node: object, draw: st.DrawFn) -> object:
    if isinstance(node, dict) and node:
        key = draw(st.sampled_from(sorted(node)))
        action = draw(st.sampled_from(["replace", "delete", "descend", "descend"]))
        if action == "replace":
            node[key] = draw(json_values)
        elif action == "delete":
            del node[key]
        else:
            node[key] = _mutate(node[key], draw)
        return node
    if isinstance(node, list) and node:
        i = draw(st.integers(0, len(node) - 1))
        node[i] = _mutate(node[i], draw) if draw(st.booleans()) else draw(json_values)
        return node
    return draw(json_values)


def data_survives(suffix: str, text: str) -> None:
    """``sgverify import`` on the file, and ``check`` of a spec importing it, end cleanly."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data" + suffix)
        with open(data, "w", encoding="utf-8", errors="surrogatepass") as fh:
            fh.write(text)
        spec = os.path.join(tmp, "spec.sgv")
        with open(spec, "w") as fh:
            fh.write(f'import "data{suffix}"\n')
        for argv in (["import", data], ["check", spec, "--timeout", "5", "--no-timing"]):
            out, err = io.StringIO(), io.StringIO()
            code = run(argv, out, err)
            everything = out.getvalue() + err.getvalue()
            assert code in (0, 1, 2, 3), (argv, code, everything[-2000:])
            assert "Traceback" not in everything and "internal error" not in everything, everything[-3000:]
