"""Evaluate parsed Terraform expressions on what is known before apply.

Names resolve through a ``Scope``: the root names (``var``, ``local``, ``module``,
``data``, ``path``, ``terraform``, resource types) come from the module being read, and
``count``, ``each``, dynamic-block iterators and ``for`` variables are bound on top. A
name or operation that cannot be known gives ``Unknown`` (naming the expression); a
known value of the wrong kind, which Terraform itself would refuse, gives ``Unknown``
too, with the reason: evaluation never raises.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .expr import ParseError, Tree, parse_expression, parse_template
from .functions import FAILED, FunctionError, call
from .values import Ref, Unknown, first_unknown, normal, to_bool, to_number, to_text, type_name


class Lazy:
    """A value whose attributes are computed on demand (a namespace or a resource)."""

    def attr(self, name: str) -> Any:
        raise NotImplementedError

    def index(self, key: Any) -> Any:
        return Unknown(f"{self} cannot be indexed")

    def whole(self) -> Any:
        """The value as a plain object (for ``for`` and functions), or Unknown."""
        return Unknown(f"{self} is not a value")


class EvalError(Exception):
    """A known value of the wrong kind: Terraform would refuse it."""


class Scope:
    """Root names of a module plus bound names (``count``, ``each``, iterators, ``for``)."""

    def __init__(self, roots: Callable[[str], Any], bound: Mapping[str, Any] | None = None) -> None:
        self.roots = roots
        self.bound: dict[str, Any] = dict(bound or {})

    def with_names(self, names: Mapping[str, Any]) -> Scope:
        return Scope(self.roots, {**self.bound, **names})

    def lookup(self, name: str) -> Any:
        if name in self.bound:
            return self.bound[name]
        return self.roots(name)


def evaluate_text(text: str, scope: Scope, template: bool = False) -> Any:
    """An expression (or, with ``template``, a string template) given as source text."""
    try:
        tree = parse_template(text) if template else parse_expression(text)
    except ParseError as exc:
        return Unknown(f"sgverify cannot read this expression ({exc})")
    return evaluate(("tmpl", tree) if template else tree, scope)


def evaluate(tree: Tree, scope: Scope) -> Any:
    try:
        return _eval(tree, scope)
    except (EvalError, FunctionError, TypeError, ValueError, ParseError, RecursionError) as exc:
        return Unknown(f"cannot evaluate it: {exc}")


def plain(value: Any) -> Any:
    """Lazy values made whole (for storing, functions, collections)."""
    if isinstance(value, Lazy):
        return plain(value.whole())
    if isinstance(value, list):
        return [plain(x) for x in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _eval(tree: Tree, scope: Scope) -> Any:
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "paren":
        return _eval(tree[1], scope)
    if kind == "tmpl":
        return _template(tree[1], scope)
    if kind == "var":
        return scope.lookup(tree[1])
    if kind == "attr":
        return get_attr(_eval(tree[1], scope), tree[2])
    if kind == "index":
        return get_index(_eval(tree[1], scope), plain(_eval(tree[2], scope)))
    if kind == "splat":
        return _splat(_eval(tree[1], scope), tree[2], scope)
    if kind == "list":
        return [plain(_eval(t, scope)) for t in tree[1]]
    if kind == "object":
        out: dict[str, Any] = {}
        for k, v in tree[1]:
            key = plain(_eval(k[1] if k[0] == "paren" else k, scope))
            if isinstance(key, (Unknown, Ref)):
                return Unknown(f"an object key is unknown ({first_unknown(key)})")
            out[to_text(key)] = plain(_eval(v, scope))
        return out
    if kind == "cond":
        cond = plain(_eval(tree[1], scope))
        u = first_unknown(cond)
        if u is not None:
            return Unknown(f"the condition is unknown: {u}")
        return _eval(tree[2] if to_bool(cond) else tree[3], scope)
    if kind == "not":
        v = plain(_eval(tree[1], scope))
        u = first_unknown(v)
        return u if u is not None else not to_bool(v)
    if kind == "neg":
        v = plain(_eval(tree[1], scope))
        u = first_unknown(v)
        return u if u is not None else normal(-to_number(v))
    if kind == "bin":
        return _binary(tree[1], tree[2], tree[3], scope)
    if kind == "call":
        return _call(tree, scope)
    if kind in ("for_list", "for_map"):
        return _for(tree, scope)
    raise EvalError(f"cannot evaluate {kind}")


def get_attr(base: Any, name: str) -> Any:
    if isinstance(base, Lazy):
        return base.attr(name)
    if isinstance(base, Unknown):
        return base
    if isinstance(base, Ref):
        return Ref(base.address, f"{base.attr}.{name}").unknown()
    if isinstance(base, dict):
        if name in base:
            return base[name]
        raise EvalError(f"the object has no attribute \"{name}\"")
    if base is None:
        raise EvalError(f"cannot read \"{name}\" of null")
    raise EvalError(f"a {type_name(base)} has no attribute \"{name}\"")


def get_index(base: Any, key: Any) -> Any:
    if isinstance(key, (Unknown, Ref)):
        return key if isinstance(key, Unknown) else key.unknown()
    if isinstance(base, Lazy):
        return base.index(key)
    if isinstance(base, Unknown):
        return base
    if isinstance(base, Ref):
        return base.unknown()
    if isinstance(base, list):
        i = int(to_number(key))
        if not 0 <= i < len(base):
            raise EvalError(f"index {i} is out of range (the list has {len(base)} elements)")
        return base[i]
    if isinstance(base, dict):
        k = to_text(key)
        if k not in base:
            raise EvalError(f"the map has no key \"{k}\"")
        return base[k]
    raise EvalError(f"a {type_name(base)} cannot be indexed")


def _splat(base: Any, steps: tuple[tuple[str, Any], ...], scope: Scope) -> Any:
    if isinstance(base, Lazy):
        base = base.whole() if not hasattr(base, "instances") else base.instances()  # type: ignore[attr-defined]
    if isinstance(base, Unknown):
        return base
    if base is None:
        return []
    items = base if isinstance(base, list) else [base]
    out = []
    for item in items:
        v = item
        for step, arg in steps:
            v = get_attr(v, arg) if step == "attr" else get_index(v, plain(_eval(arg, scope)))
        out.append(v)
    return out


def _binary(op: str, lt: Tree, rt: Tree, scope: Scope) -> Any:
    left, right = plain(_eval(lt, scope)), plain(_eval(rt, scope))
    if op in ("&&", "||"):
        for side in (left, right):  # false && x, true || x are known whatever x is
            if first_unknown(side) is None and to_bool(side) is (op == "||"):
                return op == "||"
    u = first_unknown(left) or first_unknown(right)
    if u is not None:
        return u
    if op == "&&":
        return to_bool(left) and to_bool(right)
    if op == "||":
        return to_bool(left) or to_bool(right)
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    a, b = to_number(left), to_number(right)
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == ">=":
        return a >= b
    if op == "+":
        return normal(a + b)
    if op == "-":
        return normal(a - b)
    if op == "*":
        return normal(a * b)
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        return normal(a / b)
    if op == "%":
        if b == 0:
            raise EvalError("modulo by zero")
        return normal(a % b)
    raise EvalError(f"unknown operator {op}")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b):
        return False
    return bool(a == b)


def _call(tree: Tree, scope: Scope) -> Any:
    _, name, arg_trees, spread = tree
    if name in ("try", "can"):
        args: list[Any] = []
        for t in arg_trees:
            try:
                v = plain(_eval(t, scope))
            except (EvalError, FunctionError, TypeError, ValueError) as exc:
                v = FAILED(str(exc))
            args.append(v)
        if name == "try" and args and isinstance(args[0], Unknown):
            return args[0]
        return call(name, args)
    args = [plain(_eval(t, scope)) for t in arg_trees]
    if spread and args:
        last = args.pop()
        if isinstance(last, Unknown):
            return last
        if not isinstance(last, list):
            raise EvalError("only a list can be expanded with ...")
        args.extend(last)
    if "::" in name:
        return Unknown(f"the provider function {name}() is not evaluated by sgverify")
    return call(name, args)


def _for(tree: Tree, scope: Scope) -> Any:
    if tree[0] == "for_list":
        _, key, name, coll_t, value_t, cond_t = tree
    else:
        _, key, name, coll_t, k_t, value_t, group, cond_t = tree
    coll = plain(_eval(coll_t, scope))
    u = first_unknown(coll) if not isinstance(coll, (list, dict)) else None
    if isinstance(coll, Unknown):
        return coll
    if u is not None:
        return u
    pairs = list(enumerate(coll)) if isinstance(coll, list) else \
        [(k, coll[k]) for k in sorted(coll)] if isinstance(coll, dict) else None
    if pairs is None:
        raise EvalError(f"cannot iterate over a {type_name(coll)}")
    out_list: list[Any] = []
    out_map: dict[str, Any] = {}
    for k, v in pairs:
        names = {name: v}
        if key is not None:
            names[key] = k
        inner = scope.with_names(names)
        if cond_t is not None:
            c = plain(_eval(cond_t, inner))
            if first_unknown(c) is not None:
                return Unknown(f"a for condition is unknown: {first_unknown(c)}")
            if not to_bool(c):
                continue
        value = plain(_eval(value_t, inner))
        if tree[0] == "for_list":
            out_list.append(value)
            continue
        mk = plain(_eval(k_t, inner))
        if first_unknown(mk) is not None:
            return Unknown(f"a for key is unknown: {first_unknown(mk)}")
        mk = to_text(mk)
        if group:
            out_map.setdefault(mk, []).append(value)
        elif mk in out_map:
            raise EvalError(f"duplicate key \"{mk}\" in a for expression (use ... to group)")
        else:
            out_map[mk] = value
    return out_list if tree[0] == "for_list" else out_map


def _template(seq: Tree, scope: Scope) -> Any:
    parts = seq[1]
    if len(parts) == 1 and isinstance(parts[0], tuple) and parts[0][0] == "interp":
        return _eval(parts[0][1], scope)  # "${x}" is x itself, of any type
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
            continue
        if p[0] == "interp":
            v = plain(_eval(p[1], scope))
        elif p[0] == "seq":
            v = _template(p, scope) if p[1] else ""
        elif p[0] == "if":
            c = plain(_eval(p[1], scope))
            if first_unknown(c) is not None:
                return first_unknown(c)
            v = _template(p[2] if to_bool(c) else p[3], scope)
        else:  # for
            _, key, name, coll_t, body = p
            coll = plain(_eval(coll_t, scope))
            if first_unknown(coll) is not None and not isinstance(coll, (list, dict)):
                return first_unknown(coll)
            if not isinstance(coll, (list, dict)):
                raise EvalError(f"%{{for}} cannot iterate over a {type_name(coll)}")
            pairs = list(enumerate(coll)) if isinstance(coll, list) else sorted(coll.items())
            pieces = []
            for k, item in pairs:
                names = {name: item, **({key: k} if key else {})}
                pieces.append(_template(body, scope.with_names(names)))
            v = "".join(to_text(x) if not isinstance(x, Unknown) else x for x in pieces) \
                if all(not isinstance(x, Unknown) for x in pieces) else \
                next(x for x in pieces if isinstance(x, Unknown))
        u = first_unknown(v)
        if u is not None:
            return u
        if v is None:
            raise EvalError("a template cannot interpolate null")
        out.append(to_text(v))
    return "".join(out)
