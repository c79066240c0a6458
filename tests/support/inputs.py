"""Helpers for the input-format tests: import fixture files, resolve them, run the CLI."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

from sgverify.cli import run
from sgverify.cloud.importer import ImportRequest, ImportResult, import_files
from sgverify.core.model import Policy
from sgverify.lang.resolve import resolve
from tests.support.paths import TESTS

FIXTURES = TESTS / "fixtures" / "inputs"


def fixture(*parts: str) -> str:
    return str(FIXTURES.joinpath(*parts))


def imported(*paths: str, fmt: str | None = None) -> ImportResult:
    return import_files([ImportRequest(p, fmt) for p in paths])


def resolved(*paths: str, fmt: str | None = None) -> tuple[Policy, ImportResult]:
    """Import and resolve; fail the test on any error diagnostic."""
    result = imported(*paths, fmt=fmt)
    errors = [f"{d.span}: {d.message}" for d in result.diagnostics if d.is_error]
    assert not errors, errors
    policy, diags = resolve(result.documents)
    errors = [f"{d.span}: {d.message}" for d in diags if d.is_error]
    assert not errors, errors
    return policy, result


def messages(result: ImportResult, code: str | None = None) -> list[str]:
    return [d.message for d in result.diagnostics if code is None or d.code == code]


def cli(*args: str, cwd: str | Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = run(list(args), out, err)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def write_json(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value, indent=2))
    return str(path)


def web_tier() -> dict[str, Any]:
    return json.loads(Path(fixture("aliyun", "web-tier.json")).read_text())
