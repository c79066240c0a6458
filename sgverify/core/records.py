"""Quick constructors of frozen dataclasses, for the readers of large estates.

The ``__init__`` a frozen dataclass is given sets each field through ``object.__setattr__``;
reading 200,000 rules builds a million rules, peers, spans and address ranges, and that is
about three times slower than filling the instance's ``__dict__`` directly, which is what
``quick_maker`` does: the fields in their order, so the dict shares its keys with the
class's other instances (PEP 412), 64 bytes more an object than the values the
constructor stores in place. The objects are equal to, hash, order and pickle as the ones
the class's own constructor makes (tests/core/test_records.py compares both).

A class with ``__slots__`` (``@dataclass(frozen=True, slots=True)``: about half the memory,
no ``__dict__``) is made by calling each field's slot descriptor, which costs about what
filling a ``__dict__`` does.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from types import MemberDescriptorType
from typing import Any, Callable, TypeVar

_T = TypeVar("_T")


def quick_maker(cls: type[_T], checked: bool = False) -> Callable[..., _T]:
    """A constructor of the frozen dataclass ``cls`` taking every field by position, in
    order. A class with a ``__post_init__`` (a check of its values) is refused unless
    ``checked``: the caller then promises values that pass it. A class with slots is made
    through its slot descriptors (every field must have one)."""
    if not is_dataclass(cls) or not getattr(cls, "__dataclass_params__").frozen \
            or (hasattr(cls, "__post_init__") and not checked):
        raise TypeError(f"{cls.__name__}: quick_maker is for frozen dataclasses (with a "
                        "__post_init__ only when checked)")
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    if "__slots__" in cls.__dict__:
        for n in names:
            slot = getattr(cls, n, None)
            if type(slot) is not MemberDescriptorType:
                raise TypeError(f"{cls.__name__}.{n}: a field without a slot")
            scope[f"set_{n}"] = slot.__set__
        stores = "".join(f"    set_{n}(made, {n})\n" for n in names)
        source = (f"def make({', '.join(names)}):\n"
                  "    made = new(cls)\n"
                  f"{stores}"
                  "    return made\n")
    else:
        stores = "".join(f"    values[{n!r}] = {n}\n" for n in names)
        source = (f"def make({', '.join(names)}):\n"
                  "    made = new(cls)\n"
                  "    values = made.__dict__\n"
                  f"{stores}"
                  "    return made\n")
    exec(source, scope)  # the fields in order: the dict shares the class's keys (PEP 412)
    make: Callable[..., _T] = scope["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    make.__doc__ = f"{cls.__name__}(...) with every field given by position, without __init__."
    return make
