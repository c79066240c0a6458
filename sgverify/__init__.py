"""sgverify: a formal verifier for cloud security group rules (Alibaba Cloud ECS semantics).

Specs in the .sgv rule language describe groups, interfaces and assertions; each assertion
is proved with Z3 or refuted with a concrete counterexample flow that the package's own
evaluator has re-checked.
"""

from .api import SpecReport, check_file, check_text, load_policy
from .result import Result, Verdict

__version__ = "0.1.0"
__all__ = ["SpecReport", "check_file", "check_text", "load_policy", "Result", "Verdict"]
