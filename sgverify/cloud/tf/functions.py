"""Terraform built-in functions that security-group configurations use, evaluated on
known values (docs/inputs.md lists them). Any argument that is unknown makes the result
unknown, except where the function only moves values around (``concat``, ``element``,
``lookup``, ``merge``, ``flatten``, ``coalesce``, ...: a ``Ref`` to a group id survives
them). A function not listed here makes its result unknown, naming the function.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from typing import Any, Callable

from .values import Ref, Unknown, first_unknown, normal, to_bool, to_number, to_text, type_name


class FunctionError(Exception):
    """A known argument of the wrong kind (Terraform would refuse the configuration)."""


def _need(args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise FunctionError(f"takes {low}{'' if high == low else f'..{high}'} arguments, "
                            f"got {len(args)}")


def _list(value: Any, what: str = "a list") -> list[Any]:
    if isinstance(value, list):
        return value
    raise FunctionError(f"expected {what}, found a {type_name(value)}")


def _format(fmt: str, args: list[Any]) -> str:
    out, i, n = [], 0, 0
    for m in re.finditer(r"%(?:\[(\d+)\])?([-+ #0]*)(\d*)(?:\.(\d+))?([a-zA-Z%])", fmt):
        out.append(fmt[i:m.start()])
        i = m.end()
        verb = m.group(5)
        if verb == "%":
            out.append("%")
            continue
        if m.group(1):
            n = int(m.group(1)) - 1
        if n >= len(args):
            raise FunctionError("not enough arguments for the format")
        arg = args[n]
        n += 1
        flags, width, prec = m.group(2), m.group(3), m.group(4)
        if verb in ("s", "v", "q"):
            text = json.dumps(arg) if verb == "q" or not isinstance(arg, (str, int, float, bool)) \
                else to_text(arg)
            if prec:
                text = text[:int(prec)]
        elif verb == "d":
            text = str(int(to_number(arg)))
        elif verb in ("f", "e", "g"):
            text = f"%{'.' + prec if prec else ''}{verb}" % float(to_number(arg))
        elif verb in ("x", "X", "o", "b"):
            text = format(int(to_number(arg)), verb)
        elif verb == "t":
            text = "true" if to_bool(arg) else "false"
        else:
            raise FunctionError(f"format verb %{verb} is not supported")
        if width:
            text = text.ljust(int(width)) if "-" in flags else \
                text.rjust(int(width), "0" if "0" in flags and verb in "dfxXob" else " ")
        out.append(text)
    out.append(fmt[i:])
    return "".join(out)


def _cidrsubnet(prefix: str, newbits: Any, netnum: Any) -> str:
    net = ipaddress.ip_network(prefix, strict=False)
    bits, num = int(to_number(newbits)), int(to_number(netnum))
    new = net.prefixlen + bits
    if new > net.max_prefixlen or num >= 2 ** bits or num < 0:
        raise FunctionError(f"cannot make subnet {num} of {prefix} with {bits} more bits")
    base = int(net.network_address) + (num << (net.max_prefixlen - new))
    return f"{ipaddress.ip_address(base) if net.version == 4 else ipaddress.IPv6Address(base)}/{new}"


def _cidrhost(prefix: str, hostnum: Any) -> str:
    net = ipaddress.ip_network(prefix, strict=False)
    num = int(to_number(hostnum))
    size = net.num_addresses
    if not -size <= num < size:
        raise FunctionError(f"host {num} is not in {prefix}")
    return str(net.network_address + (num % size))


def _flatten(value: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list(value):
        if isinstance(x, list):
            out.extend(_flatten(x))
        else:
            out.append(x)
    return out


def _set(value: Any) -> list[Any]:
    items = _list(value, "a list or set")
    out: list[Any] = []
    for x in items:
        if x not in out:
            out.append(x)
    if all(isinstance(x, str) for x in out):
        out.sort()
    return out


def _lookup(args: list[Any]) -> Any:
    _need(args, 2, 3)
    table, key = args[0], args[1]
    if not isinstance(table, dict):
        raise FunctionError(f"expected a map, found a {type_name(table)}")
    if isinstance(key, (Unknown, Ref)):
        return key if isinstance(key, Unknown) else key.unknown()
    if to_text(key) in table:
        return table[to_text(key)]
    if len(args) == 3:
        return args[2]
    raise FunctionError(f"the map has no key \"{key}\"")


def _element(args: list[Any]) -> Any:
    _need(args, 2)
    items = _list(args[0])
    if isinstance(args[1], (Unknown, Ref)):
        return args[1] if isinstance(args[1], Unknown) else args[1].unknown()
    if not items:
        raise FunctionError("element of an empty list")
    return items[int(to_number(args[1])) % len(items)]


def _merge(args: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in args:
        if a is None:
            continue
        if not isinstance(a, dict):
            raise FunctionError(f"merge takes maps, found a {type_name(a)}")
        out.update(a)
    return out


def _coalesce(args: list[Any]) -> Any:
    for a in args:
        if isinstance(a, (Unknown, Ref)):
            return a
        if a is not None and a != "":
            return a
    raise FunctionError("no non-null, non-empty argument")


def _zipmap(keys: Any, values: Any) -> dict[str, Any]:
    ks, vs = _list(keys), _list(values)
    if len(ks) != len(vs):
        raise FunctionError("zipmap needs lists of the same length")
    return {to_text(k): v for k, v in zip(ks, vs)}


def _range(args: list[Any]) -> list[int | float]:
    nums = [to_number(a) for a in args]
    _need(args, 1, 3)
    start, stop, step = (0, nums[0], 1) if len(nums) == 1 else (nums[0], nums[1], nums[2] if
                                                                  len(nums) == 3 else 1)
    if step == 0:
        raise FunctionError("range step cannot be 0")
    out, x = [], start
    while (x < stop) if step > 0 else (x > stop):
        out.append(normal(x))
        x += step
        if len(out) > 10_000:
            raise FunctionError("range is too long")
    return out


def _length(v: Any) -> int:
    if isinstance(v, (list, dict, str)):
        return len(v)
    raise FunctionError(f"length of a {type_name(v)}")


def _contains(items: Any, value: Any) -> bool:
    return value in _list(items)


def _index(items: Any, value: Any) -> int:
    items = _list(items)
    if value not in items:
        raise FunctionError("the value is not in the list")
    return items.index(value)


def _distinct(items: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list(items):
        if x not in out:
            out.append(x)
    return out


def _slice(items: Any, start: Any, end: Any) -> list[Any]:
    return _list(items)[int(to_number(start)):int(to_number(end))]


def _keys(m: Any) -> list[str]:
    if not isinstance(m, dict):
        raise FunctionError(f"keys of a {type_name(m)}")
    return sorted(m)


def _values(m: Any) -> list[Any]:
    if not isinstance(m, dict):
        raise FunctionError(f"values of a {type_name(m)}")
    return [m[k] for k in sorted(m)]


def _replace(s: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return re.sub(old[1:-1], re.sub(r"\$(\d+)", r"\\\1", new), s)
    return s.replace(old, new)


def _tostring(v: Any) -> Any:
    return None if v is None else to_text(v)


def _tonumber(v: Any) -> Any:
    return None if v is None else to_number(v)


def _tobool(v: Any) -> Any:
    return None if v is None else to_bool(v)


def _tomap(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise FunctionError(f"tomap of a {type_name(v)}")
    return v


def _try(args: list[Any]) -> Any:
    for a in args:
        if not isinstance(a, _Failed):
            return a
    raise FunctionError("no argument of try() could be evaluated")


class _Failed:
    """An argument of try()/can() whose evaluation failed (evaluate passes these)."""

    def __init__(self, why: str) -> None:
        self.why = why


FAILED = _Failed

# name -> (function of the argument list, whether Refs and Unknowns may pass through)
_S = Callable[..., Any]
_MOVERS: dict[str, Callable[[list[Any]], Any]] = {
    "concat": lambda a: [x for lst in a for x in _list(lst)],
    "element": _element,
    "lookup": _lookup,
    "merge": _merge,
    "flatten": lambda a: (_need(a, 1), _flatten(a[0]))[1],
    "coalesce": _coalesce,
    "coalescelist": lambda a: next((x for x in a if _list(x)), []),
    "compact": lambda a: (_need(a, 1), [x for x in _list(a[0]) if x not in ("", None)])[1],
    "tolist": lambda a: (_need(a, 1), _list(a[0], "a list or set"))[1],
    "tomap": lambda a: (_need(a, 1), _tomap(a[0]))[1],
    "zipmap": lambda a: (_need(a, 2), _zipmap(a[0], a[1]))[1],
    "slice": lambda a: (_need(a, 3), _slice(*a))[1],
    "reverse": lambda a: (_need(a, 1), list(reversed(_list(a[0]))))[1],
    "values": lambda a: (_need(a, 1), _values(a[0]))[1],
    "one": lambda a: (_need(a, 1), (_list(a[0]) or [None])[0] if len(_list(a[0])) <= 1
                      else (_ for _ in ()).throw(FunctionError("one() of several elements")))[1],
    "try": _try,
}

_SIMPLE: dict[str, _S] = {
    "format": lambda fmt, *a: _format(to_text(fmt), list(a)),
    "formatlist": None,  # handled in call()
    "join": lambda sep, *lists: to_text(sep).join(to_text(x) for lst in lists for x in _list(lst)),
    "split": lambda sep, s: to_text(s).split(to_text(sep)),
    "cidrsubnet": lambda p, b, n: _cidrsubnet(to_text(p), b, n),
    "cidrhost": lambda p, n: _cidrhost(to_text(p), n),
    "cidrnetmask": lambda p: str(ipaddress.ip_network(to_text(p), strict=False).netmask),
    "cidrsubnets": lambda p, *bits: _cidrsubnets(to_text(p), list(bits)),
    "length": _length,
    "toset": _set,
    "distinct": _distinct,
    "contains": _contains,
    "index": _index,
    "keys": _keys,
    "upper": lambda s: to_text(s).upper(),
    "lower": lambda s: to_text(s).lower(),
    "title": lambda s: to_text(s).title(),
    "trimspace": lambda s: to_text(s).strip(),
    "trim": lambda s, c: to_text(s).strip(to_text(c)),
    "trimprefix": lambda s, p: to_text(s)[len(to_text(p)):] if to_text(s).startswith(to_text(p))
    else to_text(s),
    "trimsuffix": lambda s, p: to_text(s)[:-len(to_text(p))] if to_text(p) and
    to_text(s).endswith(to_text(p)) else to_text(s),
    "replace": lambda s, o, n: _replace(to_text(s), to_text(o), to_text(n)),
    "substr": lambda s, o, n: to_text(s)[int(to_number(o)):][:None if int(to_number(n)) < 0
                                                            else int(to_number(n))],
    "startswith": lambda s, p: to_text(s).startswith(to_text(p)),
    "endswith": lambda s, p: to_text(s).endswith(to_text(p)),
    "strcontains": lambda s, p: to_text(p) in to_text(s),
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "max": lambda *a: normal(max(to_number(x) for x in a)),
    "min": lambda *a: normal(min(to_number(x) for x in a)),
    "abs": lambda x: normal(abs(to_number(x))),
    "ceil": lambda x: math.ceil(to_number(x)),
    "floor": lambda x: math.floor(to_number(x)),
    "range": lambda *a: _range(list(a)),
    "sort": lambda lst: sorted(to_text(x) for x in _list(lst)),
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True),
    "jsondecode": lambda s: json.loads(to_text(s)),
    "can": None,  # handled in call()
    "setunion": lambda *s: _set([x for lst in s for x in _list(lst)]),
    "setintersection": lambda first, *rest: _set([x for x in _list(first)
                                                  if all(x in _list(r) for r in rest)]),
    "setsubtract": lambda a, b: _set([x for x in _list(a) if x not in _list(b)]),
    "regex": lambda p, s: _regex(to_text(p), to_text(s)),
    "regexall": lambda p, s: [m if isinstance(m, str) else list(m)
                              for m in re.findall(to_text(p), to_text(s))],
    "chunklist": lambda lst, n: [_list(lst)[i:i + int(to_number(n))]
                                 for i in range(0, len(_list(lst)), int(to_number(n)))],
    "alltrue": lambda lst: all(to_bool(x) for x in _list(lst)),
    "anytrue": lambda lst: any(to_bool(x) for x in _list(lst)),
    "sum": lambda lst: normal(sum(to_number(x) for x in _list(lst))),
    "signum": lambda x: (to_number(x) > 0) - (to_number(x) < 0),
    "pow": lambda a, b: normal(to_number(a) ** to_number(b)),
    "parseint": lambda s, b: int(to_text(s), int(to_number(b))),
}


def _cidrsubnets(prefix: str, bits: list[Any]) -> list[str]:
    net = ipaddress.ip_network(prefix, strict=False)
    out, cursor = [], int(net.network_address)
    for b in bits:
        new = net.prefixlen + int(to_number(b))
        size = 2 ** (net.max_prefixlen - new)
        cursor = (cursor + size - 1) // size * size
        out.append(f"{ipaddress.ip_address(cursor) if net.version == 4 else ipaddress.IPv6Address(cursor)}/{new}")
        cursor += size
    return out


def _regex(pattern: str, s: str) -> Any:
    m = re.search(pattern, s)
    if m is None:
        raise FunctionError("the pattern does not match")
    if m.re.groupindex:
        return m.groupdict()
    if m.groups():
        return list(m.groups())
    return m.group(0)


SUPPORTED = sorted(set(_MOVERS) | set(_SIMPLE))


def call(name: str, args: list[Any]) -> Any:
    """``name(args...)`` on evaluated arguments; Unknown when it cannot be known."""
    if name in ("can",):
        _need(args, 1)
        return not isinstance(args[0], _Failed) if not isinstance(args[0], Unknown) else args[0]
    failed = [a for a in args if isinstance(a, _Failed)]
    if name != "try" and failed:
        raise FunctionError(failed[0].why)
    if name in _MOVERS:
        top = next((a for a in args if isinstance(a, Unknown)), None)
        if top is not None and name not in ("try", "coalesce"):
            return top
        try:
            return _MOVERS[name](args)
        except TypeError as exc:
            raise FunctionError(str(exc)) from None
    if name not in _SIMPLE:
        return Unknown(f"the function {name}() is not evaluated by sgverify")
    u = first_unknown(args)
    if u is not None:
        return u
    if name == "formatlist":
        if not args:
            raise FunctionError("formatlist needs a format")
        lists = [a for a in args[1:] if isinstance(a, list)]
        n = len(lists[0]) if lists else 1
        return [_format(to_text(args[0]), [a[i] if isinstance(a, list) else a for a in args[1:]])
                for i in range(n)]
    try:
        return normal(_SIMPLE[name](*args))
    except FunctionError:
        raise
    except (TypeError, ValueError, IndexError, KeyError, re.error, json.JSONDecodeError) as exc:
        raise FunctionError(str(exc)) from None
