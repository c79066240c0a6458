"""sgverify: a formal verifier for cloud security group rules (Alibaba Cloud ECS semantics).

Specs in the .sgv rule language describe groups, interfaces and assertions; each assertion
is proved with Z3 or refuted with a concrete counterexample flow that the package's own
evaluator has re-checked. ``docs/architecture.md`` maps the package.

This file imports nothing: the names below come from their modules on first use, so that
importing any part of the package (a report, the cache) does not start the parser and the
solver.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["SpecReport", "check_file", "check_text", "load_policy", "Result", "Verdict",
           "__version__"]

_HOME = {"check_file": "api", "check_text": "api", "load_policy": "load",
         "SpecReport": "core.result", "Result": "core.result", "Verdict": "core.result",
         "__version__": "core.version"}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'sgverify' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
