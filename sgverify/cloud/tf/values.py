"""The values of static Terraform evaluation: plain JSON-like Python values, plus
``Unknown`` (not known before apply, with why) and ``Ref`` (an attribute of a resource of
the configuration that Terraform computes at apply time, typically an ``id``).

``Unknown`` propagates: an operation, function or template over one is unknown. ``Ref``
passes through collections, indexing and conditionals unchanged (so that
``alicloud_security_group.web[0].id`` still names its group); anything that would need
its text makes it unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value sgverify cannot know statically; ``why`` says which expression and why."""

    why: str

    def __str__(self) -> str:
        return self.why


@dataclass(frozen=True)
class Ref:
    """``address.attr`` of a managed resource of the configuration, known after apply."""

    address: str  # module.app.alicloud_security_group.web["a"]
    attr: str

    def __str__(self) -> str:
        return f"{self.address}.{self.attr}"

    def unknown(self) -> Unknown:
        return Unknown(f"{self} is known only after apply")


def first_unknown(value: Any) -> Unknown | None:
    """The first Unknown inside ``value`` (Refs count as unknown here), or None."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return value.unknown()
    if isinstance(value, list):
        for x in value:
            u = first_unknown(x)
            if u is not None:
                return u
    if isinstance(value, dict):
        for x in value.values():
            u = first_unknown(x)
            if u is not None:
                return u
    return None


def strict(value: Any) -> Unknown | None:
    """An Unknown for a value that an operation needs whole (Refs are unknown text)."""
    return first_unknown(value)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def to_text(value: Any) -> str:
    """A primitive as Terraform converts it to a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"a {type_name(value)} is not a string")


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            raise TypeError(f"\"{value}\" is not a number") from None
        return int(f) if f.is_integer() else f
    raise TypeError(f"a {type_name(value)} is not a number")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise TypeError(f"a {type_name(value)} is not a bool")


def normal(value: Any) -> Any:
    """Whole floats as ints (Terraform has one number type)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
