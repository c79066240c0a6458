"""Numbers and words read from text, as messages quote them.

Every number a rule holds (port, priority, protocol, prefix length, octet) has a few digits,
so a longer digit string is out of range whatever it spells: ``whole`` says so with ``None``
instead of converting it (Python's ``int()`` refuses past 4,300 digits with a ValueError),
and ``shown`` / ``cut`` shorten what a message quotes, so one huge token is not echoed whole.
"""

from __future__ import annotations

import re

MAX_DIGITS = 30
"""More significant digits than this are out of range for every field we read."""

_WHOLE = re.compile(r"\s*([+-]?)0*([0-9]*)\s*")


def whole(text: str) -> int | None:
    """The integer a signed decimal (ASCII digits) spells; ``None`` when it has more than
    ``MAX_DIGITS`` significant digits. Raises ``ValueError`` when it is not a number."""
    m = _WHOLE.fullmatch(text)
    if m is None or not text.strip().lstrip("+-"):
        raise ValueError(f"not a whole number: {text!r}")
    digits = m.group(2)
    if len(digits) > MAX_DIGITS:
        return None
    value = int(digits or "0")
    return -value if m.group(1) == "-" else value


def shown(text: str, keep: int = 12) -> str:
    """``text`` for a message: past ``keep`` characters it is cut, and its length given."""
    text = text.strip()
    return text if len(text) <= keep else f"{text[:keep]}... ({len(text)} characters)"


def cut(text: str) -> str:
    """A word quoted in a message: ``shown`` with room for names and addresses."""
    return shown(text, 60)
