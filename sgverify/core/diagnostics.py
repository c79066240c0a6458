"""Diagnostics: source spans, the table of stable error codes, and the exception types.

Every problem with an input (syntax, names, values, limits) becomes a ``Diagnostic``
with a code from ``CODES``; docs/errors.md documents the same table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """A region of a source file; lines and columns are 1-based, end column exclusive.
    Line 0 means the file as a whole (it cannot be read, or holds nothing to check)."""

    path: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.line else self.path

    @classmethod
    def whole(cls, path: str) -> "Span":
        """The whole of ``path``, for problems with the file rather than a place in it."""
        return cls(path, 0, 0)


# code -> (severity, short title). The letter is the default severity, the hundreds
# digit the phase: 0xx reading and syntax, 1xx names and values, 2xx constructs the
# encoder does not support, 3xx verdicts, 9xx internal.
CODES: dict[str, tuple[Severity, str]] = {
    "E001": (Severity.ERROR, "syntax error"),
    "E002": (Severity.ERROR, "unexpected character"),
    "E003": (Severity.ERROR, "unexpected end of file"),
    "E004": (Severity.ERROR, "cannot read file"),
    "E005": (Severity.ERROR, "input exceeds a limit"),
    "E006": (Severity.ERROR, "cloud SDK not installed"),
    "E007": (Severity.ERROR, "cloud API call failed"),
    "E101": (Severity.ERROR, "unknown group"),
    "E102": (Severity.ERROR, "unknown instance"),
    "E103": (Severity.ERROR, "unknown prefix list"),
    "E104": (Severity.ERROR, "unknown address set"),
    "E105": (Severity.ERROR, "duplicate name"),
    "E106": (Severity.ERROR, "priority outside 1..100"),
    "E107": (Severity.ERROR, "port outside 1..65535"),
    "E108": (Severity.ERROR, "range start greater than end"),
    "E109": (Severity.ERROR, "malformed address or CIDR block"),
    "W110": (Severity.WARNING, "host bits set in a CIDR block"),
    "E111": (Severity.ERROR, "IPv6 in a classic-network group"),
    "E112": (Severity.ERROR, "too many groups on one interface"),
    "E113": (Severity.ERROR, "include cycle"),
    "E114": (Severity.ERROR, "include file not found"),
    "E115": (Severity.ERROR, "assertion mentions nothing that exists"),
    "E116": (Severity.ERROR, "address families can never match"),
    "E117": (Severity.ERROR, "ports given for a protocol without ports"),
    "E118": (Severity.ERROR, "groups of different kinds on one interface"),
    "E119": (Severity.ERROR, "ambiguous name"),
    "E120": (Severity.ERROR, "invalid rule"),
    "E121": (Severity.ERROR, "invalid option"),
    "E122": (Severity.ERROR, "protocol number outside 0..255"),
    "E123": (Severity.ERROR, "clause given twice"),
    "E124": (Severity.ERROR, "empty flow set"),
    "W125": (Severity.WARNING, "default used where the platform is ambiguous"),
    "W128": (Severity.WARNING, "a setting that has no effect on this group"),
    "E126": (Severity.ERROR, "ambiguous group reference"),
    "E127": (Severity.ERROR, "invalid group identity"),
    "E201": (Severity.ERROR, "construct not supported by the encoder"),
    "E301": (Severity.ERROR, "assertion violated"),
    "W401": (Severity.WARNING, "assertion unknown"),
    "W402": (Severity.WARNING, "assertion not verified: construct not supported"),
    "W403": (Severity.WARNING, "proof not certified (--certify)"),
    "E901": (Severity.ERROR, "internal error"),
}


@dataclass(frozen=True)
class Diagnostic:
    """One message about an input, with where it is and optional secondary notes."""

    code: str
    message: str
    span: Span | None = None
    notes: tuple[tuple[Span | None, str], ...] = ()
    severity: Severity = field(default=Severity.ERROR)

    @staticmethod
    def make(code: str, message: str, span: Span | None = None,
             notes: tuple[tuple[Span | None, str], ...] = ()) -> Diagnostic:
        return Diagnostic(code, message, span, notes, CODES[code][0])

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        s = self.span
        return (s.path, s.line, s.col, self.code) if s else ("", 0, 0, self.code)


class SgverifyError(Exception):
    """Root of the exceptions sgverify raises on purpose."""


class InputError(SgverifyError):
    """The input cannot be used; carries every diagnostic found so far."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


class InternalError(SgverifyError):
    """A bug in sgverify (for example the solver and the evaluator disagree)."""


REPORT_BUGS = "this is a bug in sgverify: please report it with the input that triggered it"
