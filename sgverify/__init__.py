"""sgverify: a formal verifier for cloud security group rules (Alibaba Cloud ECS semantics).

Specs in the .sgv rule language describe groups, interfaces and assertions; each assertion
is proved with Z3 or refuted with a concrete counterexample flow that the package's own
evaluator has re-checked.
"""

from __future__ import annotations

from typing import Any

from .core.result import Result, Verdict
from .core.spec_report import SpecReport

__version__ = "0.1.0"
__all__ = ["SpecReport", "check_file", "check_text", "load_policy", "Result", "Verdict"]

_API = ("check_file", "check_text", "load_policy")


def __getattr__(name: str) -> Any:
    """The entry points of ``api`` on first use: importing any part of the package (a
    report, the cache) does not start the parser and the solver."""
    if name in _API:
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'sgverify' has no attribute {name!r}")
