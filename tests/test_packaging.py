"""Packaging: every subpackage of sgverify is listed for installation, and the grammar ships."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_installed() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(conf["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sgverify").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert conf["tool"]["setuptools"]["package-dir"]["sgverify.grammar"] == "grammar"
    assert "*.lark" in conf["tool"]["setuptools"]["package-data"]["sgverify.grammar"]


def test_runtime_dependencies_are_declared() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {re.split(r"[<>=\[ ]", d)[0].lower() for d in conf["project"]["dependencies"]}
    imported = set()
    for path in (ROOT / "sgverify").rglob("*.py"):
        for m in re.finditer(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", path.read_text(), re.M):
            imported.add(m.group(1).lower())
    stdlib = set(__import__("sys").stdlib_module_names) | {"sgverify", "__future__"}
    third_party = {m for m in imported if m not in stdlib}
    aliases = {"z3": "z3-solver", "yaml": "pyyaml", "hcl2": "python-hcl2", "_pytest": "pytest"}
    missing = {aliases.get(m, m) for m in third_party} - declared - {"pytest"}
    assert not missing, f"imported but not in [project] dependencies: {sorted(missing)}"
