"""ROS intrinsic functions evaluated on what a template knows before it is created.

``Parameters`` take their ``Default`` or the value given with ``--parameter NAME=VALUE``;
``Conditions`` are evaluated (``Fn::Equals``, ``Fn::And``, ``Fn::Or``, ``Fn::Not``,
``Condition``); ``Ref``, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``,
``Fn::If``, ``Fn::Replace``, ``Fn::FindInMap``, ``Fn::Str`` are computed. A reference to a
security group of the template (``Ref`` or ``Fn::GetAtt`` of its ``SecurityGroupId``) is
kept as written, for the reader to link; anything else that cannot be known (another
resource's attribute, a pseudo parameter, a function not listed) becomes ``RosUnknown``,
which the reader turns into an unknown field of that rule only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from .tf.values import to_text

SG = "ALIYUN::ECS::SecurityGroup"
NO_VALUE = "ALIYUN::NoValue"


@dataclass(frozen=True)
class RosUnknown:
    """A value the template does not fix before creation, and why."""

    why: str

    def __str__(self) -> str:
        return self.why


class _Fail(Exception):
    pass


def _unknown_in(value: Any) -> RosUnknown | None:
    if isinstance(value, RosUnknown):
        return value
    if isinstance(value, list):
        return next((u for u in map(_unknown_in, value) if u is not None), None)
    if isinstance(value, dict) and not _is_group_ref(value, lambda _: True):
        return next((u for u in map(_unknown_in, value.values()) if u is not None), None)
    return None


def _is_group_ref(value: Any, is_group: Callable[[str], bool]) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (fn, arg), = value.items()
    if fn == "Ref":
        return isinstance(arg, str) and is_group(arg)
    if fn == "Fn::GetAtt":
        return isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and \
            is_group(arg[0]) and arg[1] in ("SecurityGroupId", "Id")
    return False


class RosEvaluator:
    """Evaluates the values of one template."""

    def __init__(self, template: dict[str, Any], supplied: dict[str, str]) -> None:
        self.template = template
        params = template.get("Parameters")
        self.params = params if isinstance(params, dict) else {}
        resources = template.get("Resources")
        self.resources = resources if isinstance(resources, dict) else {}
        conditions = template.get("Conditions")
        self.conditions = conditions if isinstance(conditions, dict) else {}
        mappings = template.get("Mappings")
        self.mappings = mappings if isinstance(mappings, dict) else {}
        self.supplied = supplied
        self._conds: dict[str, Any] = {}

    def is_group(self, logical: str) -> bool:
        res = self.resources.get(logical)
        return isinstance(res, dict) and res.get("Type") == SG

    # ------------------------------------------------------------ names
    def parameter(self, name: str) -> Any:
        if name in self.supplied:
            spec = self.params.get(name)
            kind = spec.get("Type", "String") if isinstance(spec, dict) else "String"
            text = self.supplied[name]
            if kind == "Number":
                try:
                    return int(text) if re.fullmatch(r"-?\d+", text.strip()) else float(text)
                except ValueError:
                    return RosUnknown(f"parameter {name}: \"{text}\" is not a Number")
            if kind in ("CommaDelimitedList", "List"):
                return [x.strip() for x in text.split(",")]
            return text
        spec = self.params.get(name)
        if isinstance(spec, dict) and "Default" in spec:
            return self.value(spec["Default"])
        if spec is None:
            if name.startswith("ALIYUN::"):
                return RosUnknown(f"the pseudo parameter {name} is known only when the stack is "
                                  "created")
            return RosUnknown(f"{name} is neither a parameter nor a resource of the template")
        return RosUnknown(f"parameter {name} has no Default (give it with --parameter "
                          f"{name}=VALUE)")

    def condition(self, name: str) -> Any:
        if name not in self._conds:
            self._conds[name] = RosUnknown(f"condition {name} depends on itself")
            if name not in self.conditions:
                self._conds[name] = RosUnknown(f"condition {name} is not defined")
            else:
                self._conds[name] = self.value(self.conditions[name])
        return self._conds[name]

    # ------------------------------------------------------------ values
    def value(self, v: Any) -> Any:
        """``v`` with its functions evaluated (``NO_VALUE`` drops a key or item)."""
        try:
            return self._value(v)
        except (_Fail, TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            return RosUnknown(f"cannot evaluate it: {exc}")

    def _value(self, v: Any) -> Any:
        if isinstance(v, list):
            return [x for x in (self._value(i) for i in v) if x is not NO_VALUE_MARK]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (fn, arg), = v.items()
            if fn == "Ref" or fn.startswith("Fn::") or fn == "Condition":
                try:  # a function of the wrong shape is unknown by itself, not its neighbours
                    return self._function(fn, arg, v)
                except (_Fail, TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
                    return RosUnknown(f"{fn} cannot be evaluated: {type(exc).__name__}: {exc}")
        out = {}
        for k, x in v.items():
            y = self._value(x)
            if y is not NO_VALUE_MARK:
                out[k] = y
        return out

    def _function(self, fn: str, arg: Any, whole: dict[str, Any]) -> Any:
        if _is_group_ref(whole, self.is_group):
            return whole
        if fn == "Ref":
            if not isinstance(arg, str):
                raise _Fail("Ref takes a name")
            if arg == NO_VALUE:
                return NO_VALUE_MARK
            if arg in self.params or arg.startswith("ALIYUN::") or arg not in self.resources:
                return self.parameter(arg)
            return RosUnknown(f"Ref {arg}: resource {arg} is known only when it is created")
        if fn == "Condition":
            return self.condition(str(arg))
        if fn == "Fn::GetAtt":
            what = ".".join(str(x) for x in arg) if isinstance(arg, list) else str(arg)
            return RosUnknown(f"Fn::GetAtt {what} is known only when the resource is created")
        args = self._value(arg)
        u = _unknown_in(args) if fn != "Fn::If" else None
        if fn == "Fn::If":
            if not isinstance(arg, list) or len(arg) != 3:
                raise _Fail("Fn::If takes [condition, value if true, value if false]")
            cond = self.condition(str(arg[0]))
            if isinstance(cond, RosUnknown):
                return RosUnknown(f"Fn::If: {cond}")
            return self._value(arg[1] if cond is True else arg[2])
        if u is not None:
            return u
        if fn == "Fn::Equals":
            a, b = args
            return to_text(a) == to_text(b) if not isinstance(a, (list, dict)) else a == b
        if fn == "Fn::And":
            return all(x is True for x in args)
        if fn == "Fn::Or":
            return any(x is True for x in args)
        if fn == "Fn::Not":
            return not (args[0] if isinstance(args, list) else args)
        if fn == "Fn::Join":
            sep, items = args
            if not isinstance(items, list):
                raise _Fail("Fn::Join takes [separator, list]")
            return to_text(sep).join(to_text(x) for x in items)
        if fn == "Fn::Select":
            index, items = args
            if isinstance(items, dict):
                return items[to_text(index)]
            return items[int(index)]
        if fn == "Fn::Split":
            sep, text = args
            return to_text(text).split(to_text(sep))
        if fn == "Fn::Replace":
            table, text = args
            out = to_text(text)
            for old, new in table.items():
                out = out.replace(old, to_text(new))
            return out
        if fn == "Fn::Str":
            return to_text(args)
        if fn == "Fn::FindInMap":
            m, k1, k2 = args
            return self.mappings[m][k1][k2]
        if fn == "Fn::Sub":
            return self._sub(arg)
        return RosUnknown(f"{fn} is not evaluated by sgverify")

    def _sub(self, arg: Any) -> Any:
        text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
        if not isinstance(text, str) or not isinstance(names, dict):
            raise _Fail("Fn::Sub takes a string, or [string, {name: value}]")
        local = {k: self._value(v) for k, v in names.items()}
        unknown: list[RosUnknown] = []

        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                v = local[name]
            elif "." in name and name.split(".", 1)[0] in self.resources:
                v = RosUnknown(f"${{{name}}} is known only when the resource is created")
            else:
                v = self._value({"Ref": name})
            u = _unknown_in(v)
            if u is not None or isinstance(v, dict):
                unknown.append(u or RosUnknown(f"${{{name}}} is a resource reference"))
                return ""
            return to_text(v)
        out = re.sub(r"\$\{([^}]*)\}", one, text)
        return unknown[0] if unknown else out


class _NoValue:
    """``Ref: ALIYUN::NoValue``: the key or item is dropped."""


NO_VALUE_MARK: Any = _NoValue()
