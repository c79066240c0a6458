import ipaddress

import pytest

from sgverify.addresses import ANY, INTERNET, SPECIAL_PURPOSE, V4, V6, AddrSpace


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
