import ipaddress

import pytest

from sgverify.core.addresses import ANY, INTERNET, SPECIAL_PURPOSE, V4, V6, AddrRange, AddrSpace


def test_merge_adjacent_blocks():
    s = AddrSpace.parse("0.0.0.0/1") | AddrSpace.parse("128.0.0.0/1")
    assert s.cidrs() == ["0.0.0.0/0"]


def test_complement_and_subtraction():
    s = AddrSpace.parse("10.0.0.0/8")
    assert (s.complement() | s) == ANY
    assert (ANY - s).contains(V4, int(ipaddress.ip_address("11.0.0.0")))
    assert not (ANY - s).contains(V4, int(ipaddress.ip_address("10.1.2.3")))


def test_families_are_separate():
    s = AddrSpace.parse("::/0")
    assert not s.contains(V4, 1)
    assert s.contains(V6, 1)


@pytest.mark.parametrize("addr,public", [
    ("1.2.3.4", True), ("10.1.1.1", False), ("100.64.0.1", False), ("100.128.0.1", True),
    ("127.0.0.1", False), ("169.254.1.1", False), ("172.16.0.1", False), ("172.32.0.1", True),
    ("192.168.1.1", False), ("224.0.0.1", False), ("255.255.255.255", False), ("0.1.2.3", False),
    ("2001:db8::1", True), ("::1", False), ("fd00::1", False), ("fe80::1", False), ("ff02::1", False),
])
def test_internet_definition(addr, public):
    a = ipaddress.ip_address(addr)
    fam = V4 if a.version == 4 else V6
    assert INTERNET.contains(fam, int(a)) is public
    assert SPECIAL_PURPOSE.contains(fam, int(a)) is not public


def test_strict_parse_rejects_host_bits():
    with pytest.raises(ValueError):
        AddrSpace.parse("10.0.0.1/8")


# ---------------------------------------------------------------- reading CIDR text

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sgverify.core.addresses import _read_cidr_slowly, read_cidr  # noqa: E402

_octets = st.one_of(st.integers(0, 255).map(str), st.integers(256, 999).map(str),
                    st.sampled_from(["00", "01", "007", "0x1", "", " 1", "1 ", "+1", "-1", "٣"]))
_prefixes = st.one_of(st.just(""), st.integers(0, 40).map(lambda n: f"/{n}"),
                      st.sampled_from(["/", "/08", "/032", "/ 8", "/8 ", "/-1", "/255.0.0.0", "/٣"]))


@settings(max_examples=3000, deadline=None)
@given(parts=st.lists(_octets, min_size=3, max_size=5), prefix=_prefixes)
def test_the_direct_ipv4_reader_agrees_with_ipaddress(parts: list[str], prefix: str) -> None:
    """Whatever the text, reading it directly gives what ipaddress gives: the same block,
    printed form and host-bits flag, or the same reason it is no block."""
    text = ".".join(parts) + prefix
    read_cidr.cache_clear()
    assert read_cidr(text) == _read_cidr_slowly(text), text


_hex = st.one_of(st.integers(0, 0xFFFF).map(lambda n: f"{n:x}"),
                st.integers(0, 0xFFFF).map(lambda n: f"{n:04X}"), st.just("0"))
_hextets = st.one_of(_hex, _hex, _hex, st.sampled_from(
    ["", "00000", "g", "12345", " 1", "1.2.3.4", "fe80%1", "\u0663", "ffff"]))
_v6_prefixes = st.one_of(st.just(""), st.integers(0, 140).map(lambda n: f"/{n}"),
                         st.sampled_from(["/", "/064", "/ 64", "/-1", "/\u0663",
                                          "/" + "0" * 9 + "64"]))
_v6_texts = st.one_of(
    st.tuples(st.lists(st.tuples(_hextets, st.sampled_from([":"] * 6 + ["::"])), min_size=1,
                       max_size=9),
              st.sampled_from([("", ""), ("", ""), ("::", ""), ("", "::"), (":", "")])).map(
        lambda t: t[1][0] + "".join(p + s for p, s in t[0])[:-len(t[0][-1][1])] + t[1][1]),
    st.integers(0, 2**128 - 1).map(lambda n: __import__("ipaddress").IPv6Address(n)).flatmap(
        lambda a: st.sampled_from([str(a), a.exploded, str(a).upper()])))


@settings(max_examples=1000, deadline=None)
@given(addr=_v6_texts, prefix=_v6_prefixes)
def test_the_direct_ipv6_reader_agrees_with_ipaddress(addr: str, prefix: str) -> None:
    """issue 14: IPv6 of hex groups is read directly; whatever the text (groups too many or
    too few, one '::' or two, odd digits, an IPv4 tail), it reads as through ipaddress."""
    text = addr + prefix
    read_cidr.cache_clear()
    assert read_cidr(text) == _read_cidr_slowly(text), text


def test_ipv6_and_odd_forms_still_go_through_ipaddress() -> None:
    assert read_cidr("2001:db8::1/64") == _read_cidr_slowly("2001:db8::1/64")
    c = read_cidr("10.1.2.3/8")
    assert not isinstance(c, str) and c.host_bits and c.network == "10.0.0.0/8"
    assert isinstance(read_cidr("10.0.0.0/33"), str)
    # Digits of other scripts pass str.isdigit() but not ipaddress: a reason, not a crash.
    assert "prefix length" in str(read_cidr("10.0.0.0/\u0663"))
    assert "zone id" in str(read_cidr("fe80::1%eth0"))
    # A prefix length too long for int() is refused the way ipaddress refuses it, not a crash.
    long = "10.0.0.0/" + "0" * 4400 + "8"
    assert isinstance(read_cidr(long), str) and read_cidr(long) == _read_cidr_slowly(long)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 32), st.integers(0, 2**20))
def test_cidrs_fast_path_prints_what_ipaddress_does(lo: int, plen: int, extra: int) -> None:
    """issue 14: aligned IPv4 blocks are printed directly; any range as ipaddress would."""
    import ipaddress as ipa

    from sgverify.core.addresses import V4, AddrRange, AddrSpace
    size = 1 << (32 - plen)
    for a, b in ((lo & ~(size - 1), (lo & ~(size - 1)) + size - 1), (lo, min(2**32 - 1, lo + extra))):
        want = [str(n) for n in ipa.summarize_address_range(ipa.IPv4Address(a), ipa.IPv4Address(b))]
        assert AddrSpace((AddrRange(V4, a, b),)).cidrs() == want


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 2**128 - 1), st.integers(0, 128), st.integers(0, 2**70))
def test_cidrs_of_any_ipv6_range_are_what_ipaddress_prints(lo: int, plen: int, extra: int) -> None:
    """cidrs() splits every range itself (no address objects): unaligned IPv6 ranges too."""
    size = 1 << (128 - plen)
    for a, b in ((lo & ~(size - 1), (lo & ~(size - 1)) + size - 1),
                 (lo, min(2**128 - 1, lo + extra)), (lo >> plen << plen, min(2**128 - 1, lo + 1))):
        want = [str(n) for n in ipaddress.summarize_address_range(ipaddress.IPv6Address(a),
                                                                   ipaddress.IPv6Address(b))]
        assert AddrSpace((AddrRange(V6, a, b),)).cidrs() == want


_blocks = st.lists(st.tuples(st.sampled_from([4, 6]), st.integers(0, 300), st.integers(0, 40)),
                   max_size=6)


@settings(max_examples=400, deadline=None)
@given(_blocks, _blocks)
def test_intersection_sweep_is_the_pairwise_intersection(xs: list, ys: list) -> None:
    """issue 14: ``&`` sweeps both lists once; the same set as intersecting every pair."""
    from sgverify.core.addresses import AddrRange

    def space(items: list) -> AddrSpace:
        return AddrSpace.of([AddrRange(f, lo, lo + n) for f, lo, n in items])
    a, b = space(xs), space(ys)
    pairs = [AddrRange(p.family, max(p.lo, q.lo), min(p.hi, q.hi)) for p in a.ranges
             for q in b.ranges if p.family == q.family and max(p.lo, q.lo) <= min(p.hi, q.hi)]
    assert (a & b).ranges == AddrSpace.of(pairs).ranges
    assert (a - b).ranges == AddrSpace.of([r for r in (a & b.complement()).ranges]).ranges


# ---------------------------------------------------------------- IPv6 read directly


from sgverify.core.addresses import exact_block, v6_text  # noqa: E402

_groups = st.one_of(st.sampled_from(["", "0", "00", "0000", "1", "ffff", "FFFF", "abcd", "12345",
                                     "g", "1.2.3.4", "%eth0", "db8"]),
                    st.integers(0, 0xFFFF).map(lambda n: f"{n:x}"))


@settings(max_examples=3000, deadline=None)
@given(parts=st.lists(_groups, min_size=1, max_size=10),
       prefix=st.one_of(_prefixes, st.integers(0, 140).map(lambda n: f"/{n}")))
def test_the_direct_ipv6_reader_agrees_with_ipaddress_on_group_lists(parts: list[str], prefix: str) -> None:
    text = ":".join(parts) + prefix
    read_cidr.cache_clear()
    assert read_cidr(text) == _read_cidr_slowly(text), text


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.integers(0, (1 << 128) - 1),
                 st.lists(st.sampled_from([0, 0, 0, 1, 0xFFFF]), min_size=8, max_size=8).map(
                     lambda gs: sum(g << (16 * i) for i, g in enumerate(gs)))),
       st.integers(0, 128))
def test_ipv6_text_and_blocks_are_printed_as_ipaddress_prints_them(value: int, plen: int) -> None:
    assert v6_text(value) == str(ipaddress.IPv6Address(value))
    net = ipaddress.IPv6Network((value >> (128 - plen) << (128 - plen), plen))
    assert AddrSpace.parse(str(net)).cidrs() == [str(net)]


@settings(max_examples=2000, deadline=None)
@given(st.one_of(
    st.builds(lambda ps, p: ".".join(ps) + p, st.lists(_octets, min_size=3, max_size=5), _prefixes),
    st.builds(lambda ps, p: ":".join(ps) + p, st.lists(_groups, min_size=1, max_size=9), _prefixes)))
def test_exact_block_is_read_cidr_without_host_bits(text: str) -> None:
    read_cidr.cache_clear()
    cidr = _read_cidr_slowly(text)
    expected = None if isinstance(cidr, str) or cidr.host_bits else cidr.space
    assert exact_block(text) == expected, text
