"""Packaging: every subpackage of sgverify is listed for installation, and the grammar ships."""

import ast
import re
import tomllib

from tests.support.paths import ROOT


def test_every_subpackage_is_installed() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(conf["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sgverify").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert conf["tool"]["setuptools"]["package-dir"]["sgverify.grammar"] == "grammar"
    assert "*.lark" in conf["tool"]["setuptools"]["package-data"]["sgverify.grammar"]


def _names(reqs: list[str]) -> set[str]:
    return {re.split(r"[<>=\[ ]", d)[0].lower() for d in reqs}


# Modules that are an optional extra's own code, imported only lazily (inside a function,
# with a '# lazy:' comment): they may import that extra at the top.
EXTRA_MODULES = {"sgverify/integrations/lsp/server.py": "lsp"}


def test_runtime_dependencies_are_declared() -> None:
    """Top-level imports need a runtime dependency; imports inside functions may come from
    an optional extra instead (they only run when that feature is used), and so may the
    top-level imports of an extra's own modules (EXTRA_MODULES)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = _names(conf["project"]["dependencies"])
    extras = set().union(*(_names(v) for k, v in conf["project"]["optional-dependencies"].items()
                           if k != "test"))
    stdlib = set(__import__("sys").stdlib_module_names) | {"sgverify", "__future__"}
    aliases = {"z3": "z3-solver", "yaml": "pyyaml", "hcl2": "python-hcl2", "argparse_manpage": "argparse-manpage", "distributed": "dask",
               "_pytest": "pytest", "alibabacloud_ecs20140526": "alibabacloud-ecs20140526",
               "alibabacloud_credentials": "alibabacloud-credentials",
               "alibabacloud_tea_openapi": "alibabacloud-tea-openapi"}
    missing = set()
    for path in (ROOT / "sgverify").rglob("*.py"):
        extra = EXTRA_MODULES.get(str(path.relative_to(ROOT)))
        own = _names(conf["project"]["optional-dependencies"][extra]) if extra else set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for full in modules:
                module = full.split(".")[0].lower()
                if module in stdlib or module == "pytest":
                    continue
                name = aliases.get(module, module)
                if name in declared or name in own or (node.col_offset > 0 and name in extras):
                    continue
                missing.add(f"{name} ({path.relative_to(ROOT)})")
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_the_json_schemas_are_built_into_the_package(tmp_path) -> None:
    """What setuptools puts in the wheel (build_py: modules and package data) holds every
    JSON Schema of sgverify/schemas, and the built package finds them (issue 19)."""
    import shutil
    import subprocess
    import sys

    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("sgverify", "grammar"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q",
                    "build_py", "--build-lib", "out"], cwd=tmp_path, check=True,
                   capture_output=True)
    shipped = sorted(p.name for p in (ROOT / "sgverify" / "schemas").glob("*.json"))
    assert len(shipped) >= 10
    assert sorted(p.name for p in (tmp_path / "out/sgverify/schemas").glob("*.json")) == shipped
    # the built package alone (no site-packages, no source tree) prints its own folder
    found = subprocess.run([sys.executable, "-S", "-m", "sgverify.report.schemas", "envelope"],
                           cwd=tmp_path / "out", capture_output=True, text=True, check=True,
                           env={"PYTHONPATH": str(tmp_path / "out")}).stdout.strip()
    assert found == str((tmp_path / "out/sgverify/schemas/envelope.json").resolve())
