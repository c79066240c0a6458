"""pytest plugin, installed with the package (entry point ``pytest11: sgverify``).

``pytest specs/`` collects .sgv files. Each assertion is a test item named after the
assertion (its label, or its text; a repeated name gets ' #2', and '::' reads ': :' so
that node ids stay valid). A violated assertion fails and pytest's report shows the
counterexample and the deciding rule; an unknown fails too (fail closed) unless the
configuration says ``fail-on = "violated"``, which skips it as not verified. A file with
input errors gives one failing item, ``load``, showing the diagnostics; warnings become
pytest warnings. ``-k``, ``-x``, ``--lf`` and pytest-xdist work: items keep only the file
and the assertion's position, and every process loads the spec itself.

Settings (``timeout``, ``fail-on``) come from the nearest sgverify.toml or
``[tool.sgverify]`` at or above pytest's rootdir; a broken configuration is a usage error.
To keep .sgv files under a test folder from being collected (fixtures meant to fail),
use pytest's own ``--ignore``, ``collect_ignore_glob`` or ``norecursedirs``.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest

from ..api import SpecReport, check_assertion, load_policy
from ..core.files import display_path
from ..core.result import Verdict
from ..lang.include_graph import includers
from ..project.config import DEFAULTS, Config, ConfigError, discover
from ..report.from_check import result_finding
from ..report.text import Style, render_diagnostic, render_finding

_SETTINGS = pytest.StashKey[Config]()


class SgverifyWarning(pytest.PytestWarning):
    """A warning diagnostic of a collected spec (for example W110, host bits set)."""


class SpecFailure(Exception):
    """Raised by an item that did not pass; carries the report pytest shows."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _settings(config: pytest.Config) -> Config:
    if _SETTINGS not in config.stash:
        try:
            config.stash[_SETTINGS] = DEFAULTS.overlay(discover(str(config.rootpath)))
        except ConfigError as exc:
            raise pytest.UsageError(f"sgverify: {exc}") from None
    return config.stash[_SETTINGS]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Read the settings once specs were collected, so a broken configuration is a usage
    error before any test runs (and is not read at all when there are no specs)."""
    if any(isinstance(item, SpecItem) for item in items):
        _settings(config)


_FRAGMENTS = pytest.StashKey[dict[str, str]]()


def _fragments(config: pytest.Config) -> dict[str, str]:
    """The .sgv files under the root directory that another one includes (computed once)."""
    if _FRAGMENTS not in config.stash:
        specs = [str(p) for p in Path(config.rootpath).rglob("*.sgv")
                 if not any(part.startswith(".") for part in p.relative_to(config.rootpath).parts)]
        config.stash[_FRAGMENTS] = includers(specs)
    return config.stash[_FRAGMENTS]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".sgv":
        return SpecFile.from_parent(parent, path=file_path)
    return None


def item_names(names: list[str]) -> list[str]:
    """Test item names: unique, and free of '::' (pytest's node id separator)."""
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        name = name.replace("::", ": :")
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return out


class SpecFile(pytest.File):
    """One .sgv file: its assertions are the items."""

    _report: SpecReport | None = None

    def load(self) -> SpecReport:
        if self._report is None:
            self._report = load_policy(display_path(str(self.path)))
        return self._report

    def collect(self) -> Iterator[pytest.Item]:
        includer = _fragments(self.config).get(os.path.realpath(self.path))
        if includer is not None:
            # A fragment another spec includes is checked there: alone it may lack names.
            self.warn(SgverifyWarning(f"{display_path(str(self.path))}: checked as part of "
                                      f"{display_path(includer)}, which includes it"))
            return
        report = self.load()
        for d in sorted(report.diagnostics, key=lambda d: d.sort_key()):
            if not d.is_error:
                self.warn(SgverifyWarning(render_diagnostic(d, report.sources, Style(False))))
        if report.policy is None:
            yield SpecLoadItem.from_parent(self, name="load")
            return
        names = item_names([a.name for a in report.policy.assertions])
        for index, (name, a) in enumerate(zip(names, report.policy.assertions)):
            yield SpecItem.from_parent(self, name=name, index=index,
                                       line=a.span.line if a.span else 1)


class SpecItem(pytest.Item):
    """One assertion of a spec, proved when the test runs."""

    def __init__(self, *, index: int, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.line = line

    def runtest(self) -> None:
        spec = self.parent
        assert isinstance(spec, SpecFile)
        report = spec.load()
        assert report.policy is not None
        settings = _settings(self.config)
        assert settings.timeout is not None
        assertion = report.policy.assertions[self.index]
        result = check_assertion(report.policy, assertion, timeout_ms=int(settings.timeout * 1000))
        self.user_properties.append(("verdict", result.verdict.value))
        if result.verdict is Verdict.PROVED:
            return
        if result.verdict is Verdict.UNKNOWN and settings.fail_on == "violated":
            pytest.skip(f"not verified (unknown): {result.summary}; let through by "
                        "fail-on = \"violated\"")
        finding = result_finding(report.path, result)
        raise SpecFailure(render_finding(finding, report.sources, Style(False), timing=False))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        if isinstance(excinfo.value, SpecFailure):
            return excinfo.value.text
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"sgverify assertion: {self.name}"


class SpecLoadItem(SpecItem):
    """Stands for a spec that could not be loaded: it fails with the diagnostics."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(index=-1, line=1, **kwargs)

    def runtest(self) -> None:
        spec = self.parent
        assert isinstance(spec, SpecFile)
        report = spec.load()
        style = Style(False)
        errors = [d for d in sorted(report.diagnostics, key=lambda d: d.sort_key()) if d.is_error]
        raise SpecFailure(f"{report.path}: cannot be checked "
                          f"({len(errors)} input error{'s' if len(errors) != 1 else ''}):\n"
                          + "\n".join(render_diagnostic(d, report.sources, style) for d in errors))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, "sgverify: loading the spec"
