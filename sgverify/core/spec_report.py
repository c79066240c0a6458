"""What checking one spec file produced. Kept apart from ``api`` (which imports the parser
and the solver) so that reports, and results read back from the cache, need neither."""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .model import Policy
from .result import Result


@dataclass
class SpecReport:
    """Everything one spec file produced: diagnostics (any phase), the resolved policy
    when it got that far, and one result per assertion when it was checked."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    policy: Policy | None = None
    results: list[Result] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    real_paths: dict[str, str] = field(default_factory=dict)  # of the files read, by shown path
    imported: bool = False  # it imports cloud formats (Terraform, ROS, ...): never cached

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)
