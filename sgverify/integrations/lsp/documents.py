"""The language server's workspace: the texts open in the editor (read instead of the files
on disk), the .sgv files of the workspace folders, who includes or imports whom
(``lang.include_graph``, so an edit re-checks the specs that include the edited file or
import the edited cloud input, and nothing else; a cloud input nothing imports is read
alone, as ``sgverify lint FILE`` reads it), and the last
analysis of every spec checked: its report (diagnostics, verdicts), its syntax documents
(for names and places) and its lint findings. No editor protocol here: ``server`` wires it.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from ...analyses.fix.search import FixOutcome, repair
from ...analyses.fix.text import FileEdit, NotWritable, file_edits
from ...analyses.lint.lint import LintReport, lint_policy
from ...core.files import long_lived, overlaid
from ...core.result import Result, SpecReport
from ...lang.include_graph import imports_of, includes_of
from ...lang.syntax import Document
from ...load import load_inputs, load_policy_and_spec
from ...project.cache import CheckSettings, ResultCache, folder_from
from ...prove.run import Checker

MAX_WORKSPACE_FILES = 5_000  # .sgv files scanned in the workspace folders (then: open ones only)
_SKIP_FOLDERS = {"node_modules", "__pycache__", "venv"}


@dataclass(frozen=True)
class Settings:
    """What the editor may set (``initializationOptions``, camelCase keys in the editor):
    ``debounceMs`` wait after the last keystroke before checking; ``changeBudgetMs``: on a
    change, verdicts run when the spec's last complete check took at most this long or it
    has none, and lint when its last lint did (else they wait for the save); a change check
    stops proving when the budget is spent;
    ``timeoutSeconds`` per assertion; ``lint`` on or off; ``cache`` and ``cacheDir`` as
    ``sgverify check --no-cache/--cache-dir``."""

    debounce_ms: int = 300
    change_budget_ms: int = 1500
    timeout_ms: int | None = 10_000
    lint: bool = True
    cache: bool = True
    cache_dir: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> "Settings":
        """Settings from the editor's options; unknown keys and wrong types are ignored."""
        o = options if isinstance(options, Mapping) else {}

        def number(key: str, default: int | None, scale: float = 1) -> int | None:
            v = o.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
                return int(v * scale)
            return default

        timeout = number("timeoutSeconds", cls.timeout_ms, 1000)
        cache_dir = o.get("cacheDir")
        return cls(debounce_ms=number("debounceMs", cls.debounce_ms) or 0,
                   change_budget_ms=number("changeBudgetMs", cls.change_budget_ms) or 0,
                   timeout_ms=timeout or None,
                   lint=o.get("lint", True) is not False,
                   cache=o.get("cache", True) is not False,
                   cache_dir=cache_dir if isinstance(cache_dir, str) and cache_dir else None)


@dataclass
class Analysis:
    """One check of the spec ``root`` (a real path): its report, its syntax documents and
    lint findings (None: not linted); ``complete``: every assertion has its verdict (else
    only those in ``report.results``, or none when the change budget did not allow it)."""

    root: str
    report: SpecReport
    documents: list[Document]
    lint: LintReport | None = None
    complete: bool = False
    elapsed: float = 0.0
    reused: bool = False  # the verdicts came from the cache (or the last identical check)
    real: dict[str, str] = field(default_factory=dict)  # shown path -> real path

    def real_of(self, shown: str) -> str:
        """The real path of a path as spans show it."""
        return self.real.get(shown) or os.path.realpath(shown)

    def results_by_span(self) -> dict[tuple[str, int, int], Result]:
        return {(r.assertion.span.path, r.assertion.span.line, r.assertion.span.col): r
                for r in self.report.results if r.assertion.span is not None}


@dataclass(frozen=True)
class Repaired:
    """What ``sgverify fix`` made of one text of a spec: its outcome and, for a proved
    repair without refused collateral, the new text of each .sgv file it edits."""

    outcome: FixOutcome
    files: tuple[FileEdit, ...] = ()


def _digest(sources: Mapping[str, str]) -> str:
    h = hashlib.sha256()
    for shown in sorted(sources):
        h.update(shown.encode() + b"\0" + sources[shown].encode() + b"\0")
    return h.hexdigest()


class Workspace:
    """The editor's view of the project: folders, open texts, and the analyses."""

    def __init__(self, folders: list[str] | None = None, settings: Settings = Settings()) -> None:
        self.folders = [os.path.realpath(f) for f in folders or []]
        self.settings = settings
        self.open: dict[str, str] = {}  # real path -> the editor's text
        self.analyses: dict[str, Analysis] = {}  # root real path -> its last analysis
        self.resolved: dict[str, Analysis] = {}  # root -> its last analysis without errors
        self.full_time: dict[str, float] = {}  # root -> seconds of its last complete check
        self.lint_time: dict[str, float] = {}  # root -> seconds of its last lint
        self._files: set[str] = set()
        self._memo: dict[str, tuple[str, Analysis]] = {}  # root -> (sources digest, analysis)
        self._repairs: dict[str, tuple[str, Repaired]] = {}  # root -> (digest, its repair)
        self._cache: ResultCache | None = None
        folder = folder_from(settings.cache_dir, not settings.cache)
        if folder is not None:
            cache = ResultCache(folder, CheckSettings(settings.timeout_ms, False, False))
            self._cache = cache if cache.usable() else None
        self.scan()

    # ------------------------------------------------------------ files and texts

    def scan(self) -> None:
        """Find the .sgv files of the workspace folders (hidden folders skipped)."""
        found: set[str] = set()
        for top in self.folders:
            for folder, dirs, names in os.walk(top):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_FOLDERS)
                for n in names:
                    if n.endswith(".sgv") and len(found) < MAX_WORKSPACE_FILES:
                        found.add(os.path.realpath(os.path.join(folder, n)))
        self._files = found

    def files(self) -> set[str]:
        """Every .sgv file known (found in the folders, or open) and every cloud input open
        in the editor."""
        return self._files | set(self.open)

    def set_text(self, path: str, text: str) -> None:
        self.open[os.path.realpath(path)] = text

    def close(self, path: str) -> None:
        self.open.pop(os.path.realpath(path), None)

    def saved(self, path: str) -> None:
        """A file was written: it is part of the workspace from now on."""
        real = os.path.realpath(path)
        if real.endswith(".sgv"):
            self._files.add(real)

    def text_of(self, real: str) -> str | None:
        """The editor's text of ``real``, else the file's ('' when it cannot be read)."""
        if real in self.open:
            return self.open[real]
        try:
            with open(real, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except OSError:
            return None

    # ------------------------------------------------------------ the include graph

    def edges(self) -> dict[str, list[str]]:
        """For every known spec: the real paths it includes and the cloud inputs it imports
        (its editor text if open); a cloud input includes nothing."""
        with overlaid(self.open), long_lived():
            return {f: includes_of(f) + imports_of(f) if f.endswith(".sgv") else []
                    for f in self.files()}

    def roots_of(self, path: str) -> list[str]:
        """The specs to check when ``path`` changed: the specs no other includes that reach
        it through includes (itself when none does). A fragment in an include cycle that no
        such spec reaches is checked on its own (it then reports the cycle)."""
        real = os.path.realpath(path)
        edges = self.edges()
        included = {t for f, ts in edges.items() for t in ts if t != f}
        tops = sorted(f for f in edges if f not in included)
        out = []
        for top in tops:
            seen, todo = {top}, [top]
            while todo:
                f = todo.pop()
                for t in edges.get(f, ()):
                    if t not in seen:
                        seen.add(t)
                        todo.append(t)
            if real in seen:
                out.append(top)
        return out or [real]

    # ------------------------------------------------------------ checking

    def analyse(self, root: str, mode: str = "save") -> Analysis:
        """Check the spec ``root`` as ``sgverify check`` does, reading the editor's texts:
        its diagnostics and verdicts (lint is ``lint``'s, a second step). ``mode`` 'open'
        or 'save': every verdict; 'change': only when the spec's last complete check fitted
        in the change budget (or it has none), stopping when the budget is spent."""
        start = time.perf_counter()
        if not root.endswith(".sgv"):
            return self._analyse_input(root, start)
        budget = self.settings.change_budget_ms / 1000
        with overlaid(self.open), long_lived():
            report, spec = load_policy_and_spec(root)
            analysis = Analysis(root, report, list(spec.documents), real=dict(spec.real_paths))
            # Not measured yet (it never got to its verdicts): try, within the budget.
            wanted = mode != "change" or self.full_time.get(root, 0) <= budget
            if report.policy is not None and wanted:
                memo = self._memo.get(root)
                if memo is not None and memo[0] == _digest(report.sources) and memo[1].complete:
                    report.results = list(memo[1].report.results)
                    analysis.lint, analysis.complete, analysis.reused = memo[1].lint, True, True
                else:
                    self._prove(analysis, start + budget if mode == "change" else None)
        analysis.elapsed = time.perf_counter() - start
        if analysis.complete:
            if not analysis.reused:
                self.full_time[root] = analysis.elapsed
            self._memo[root] = (_digest(report.sources), analysis)
        self.analyses[root] = analysis
        if report.policy is not None:
            self.resolved[root] = analysis
        return analysis

    def _analyse_input(self, root: str, start: float) -> Analysis:
        """A cloud input no spec imports, read alone as ``sgverify lint FILE`` reads it
        (read-only: its import diagnostics, then lint's findings; it holds no assertion)."""
        with overlaid(self.open), long_lived():
            report = load_inputs([root]).report
        analysis = Analysis(root, report, [], complete=report.policy is not None,
                            real={shown: os.path.realpath(shown) for shown in report.sources})
        analysis.elapsed = time.perf_counter() - start
        self.analyses[root] = analysis
        if report.policy is not None:
            self.resolved[root] = analysis
        return analysis

    def lint_wanted(self, analysis: Analysis, mode: str) -> bool:
        """Lint after the verdicts: on open and save; on a change when the spec's last lint
        took at most the change budget (lint of a large spec takes seconds)."""
        if not self.settings.lint or not analysis.complete or analysis.lint is not None:
            return False
        last = self.lint_time.get(analysis.root)
        return mode != "change" or (last is not None
                                    and last <= self.settings.change_budget_ms / 1000)

    def lint(self, analysis: Analysis) -> Analysis:
        """Add lint's findings to ``analysis`` (its policy resolved)."""
        assert analysis.report.policy is not None
        start = time.perf_counter()
        analysis.lint = lint_policy(analysis.report.policy, timeout_ms=self.settings.timeout_ms)
        self.lint_time[analysis.root] = time.perf_counter() - start
        return analysis

    def _prove(self, analysis: Analysis, deadline: float | None) -> None:
        """The verdicts of ``analysis``: from the result cache when every file it read is
        unchanged, else proved one by one until ``deadline`` (None: all)."""
        report = analysis.report
        policy = report.policy
        assert policy is not None
        cached = self._cache.get(report.path) if self._cache is not None else None
        if cached is not None and len(cached.results) == len(policy.assertions):
            report.results = list(cached.results)
            analysis.complete = analysis.reused = True
            return
        checker = Checker(policy, self.settings.timeout_ms)
        results: list[Result] = []
        for a in policy.assertions:
            if deadline is not None and time.perf_counter() > deadline:
                break
            results.append(checker.run(a))
        report.results = results
        analysis.complete = len(results) == len(policy.assertions)
        if analysis.complete and self._cache is not None:
            self._cache.put(report)

    def repaired(self, analysis: Analysis) -> "Repaired":
        """``sgverify fix`` of ``analysis``'s spec (its verdicts reused), once per text of
        its files: the editor asks for code actions whenever the cursor moves."""
        digest = _digest(analysis.report.sources)
        memo = self._repairs.get(analysis.root)
        if memo is not None and memo[0] == digest:
            return memo[1]
        policy = analysis.report.policy
        assert policy is not None and analysis.complete
        outcome = repair(policy, before=analysis.report.results,
                         timeout_ms=self.settings.timeout_ms)
        files: tuple[FileEdit, ...] = ()
        if outcome.status == "repaired" and outcome.repair is not None:
            try:
                files = tuple(file_edits(outcome.repair.edits, policy, analysis.report.sources))
            except NotWritable:
                files = ()
        done = Repaired(outcome, files)
        self._repairs[analysis.root] = (digest, done)
        return done

    def analysis_of(self, path: str, resolved: bool = False) -> Analysis | None:
        """The last analysis that read ``path`` (the spec itself, or one including it);
        ``resolved``: the last one without errors (names in scope while the text is broken)."""
        real = os.path.realpath(path)
        analyses = self.resolved if resolved else self.analyses
        if real in analyses:
            return analyses[real]
        for a in analyses.values():
            if real in a.real.values():
                return a
        return None
