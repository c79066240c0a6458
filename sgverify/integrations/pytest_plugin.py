"""pytest plugin, installed with the package (entry point ``pytest11: sgverify``).

``pytest specs/`` collects .sgv files. Each assertion is a test item named after the
assertion (its label, or its text; a repeated name gets ' #2', and '::' reads ': :' so
that node ids stay valid). A violated assertion fails and pytest's report shows the
counterexample and the deciding rule; an unknown fails too (fail closed) unless the
configuration says ``fail-on = "violated"``, which skips it as not verified. A file with
input errors gives one failing item, ``load``, showing the diagnostics; warnings become
pytest warnings. The files and assertions are those ``sgverify check`` takes on the same
paths (``SpecFile.collect``): an assertion is an item of the file it is written in, unless
that file is only checked inside its includer. ``-k``, ``-x``, ``--lf`` and pytest-xdist work: items keep only the file
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
_LOADED = pytest.StashKey[dict[str, SpecReport]]()


def _specs_asked(config: pytest.Config) -> list[str]:
    """The .sgv files of the paths pytest was given (its arguments, or what it defaults
    to): the files that ``sgverify check`` would be given, checked together."""
    base = Path(config.invocation_params.dir)
    out: list[str] = []
    for arg in config.args:
        path = base / arg.split("::", 1)[0]
        if path.is_dir():
            out += [str(p) for p in sorted(path.rglob("*.sgv"))
                    if not any(part.startswith(".") for part in p.relative_to(path).parts)]
        elif path.suffix == ".sgv":
            out.append(str(path))
    return out


def _fragments(config: pytest.Config) -> dict[str, str]:
    """Of the files asked for, those another one of them includes, each with an includer
    (computed once); as for ``sgverify check``, a file given alone is no fragment."""
    if _FRAGMENTS not in config.stash:
        config.stash[_FRAGMENTS] = includers(_specs_asked(config))
    return config.stash[_FRAGMENTS]


def _load(config: pytest.Config, path: Path | str) -> SpecReport:
    """A spec loaded once per session (an includer asks for its fragments too)."""
    loaded = config.stash.setdefault(_LOADED, {})
    key = os.path.realpath(path)
    if key not in loaded:
        loaded[key] = load_policy(display_path(str(path)))
    return loaded[key]


def _stands_alone(report: SpecReport) -> bool:
    """Is a fragment checked on its own (as ``sgverify check`` does: it resolves and has
    assertions)? Otherwise its assertions are checked only inside its includer."""
    return report.policy is not None and bool(report.policy.assertions)


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
            self._report = _load(self.config, self.path)
        return self._report

    def collect(self) -> Iterator[pytest.Item]:
        """The items of ``sgverify check`` on the same files: this file's own assertions;
        an included file's only where it is not checked on its own (it is not among the
        files asked for, does not stand alone, or has other options here), named with
        its file. A fragment that does not stand alone is checked in its includer."""
        fragments = _fragments(self.config)
        includer = fragments.get(os.path.realpath(self.path))
        if includer is not None and not _stands_alone(self.load()):
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
        own = display_path(str(self.path))
        chosen = []
        for index, a in enumerate(report.policy.assertions):
            where = a.span.path if a.span is not None else own
            if where == own:
                chosen.append((a.name, index, a))
                continue
            other = _load(self.config, where) if os.path.realpath(where) in fragments else None
            if other is None or not _stands_alone(other):
                chosen.append((f"{a.name} (from {where})", index, a))
            elif other.policy is not None and other.policy.semantics != report.policy.semantics:
                chosen.append((f"{a.name} (from {where}, with the options of {own})", index, a))
        names = item_names([name for name, _, _ in chosen])
        for name, (_, index, a) in zip(names, chosen):
            yield SpecItem.from_parent(self, name=name, index=index,
                                       line=a.span.line if a.span else 1,
                                       where=Path(a.span.path) if a.span else None)


class SpecItem(pytest.Item):
    """One assertion of a spec, proved when the test runs."""

    def __init__(self, *, index: int, line: int, where: Path | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.line = line
        self.where = where  # the file the assertion is written in (an include's, maybe)

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
        return self.where or self.path, self.line - 1, f"sgverify assertion: {self.name}"


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
