"""The language server's plain functions (no editor involved, issue 17): UTF-16 columns,
spans as protocol ranges, the editor's settings, and the specs an edit re-checks."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sgverify.core.diagnostics import Span
from sgverify.integrations.lsp.diagnostics import character_column, lsp_range, utf16_column
from sgverify.integrations.lsp.documents import Settings, Workspace


@given(st.text(max_size=30), st.data())
def test_utf16_columns_round_trip(line: str, data) -> None:
    col = data.draw(st.integers(0, len(line)))
    assert character_column(line, utf16_column(line, col)) == col
    assert utf16_column(line, col) == len(line[:col].encode("utf-16-le")) // 2


def test_spans_as_ranges() -> None:
    text = "group g {\n  ingress accept tcp 22 from \U0001F600 10.0.0.1/8\n}\n"
    # The CIDR block is characters 31..40 of line 2; the emoji before it is 2 UTF-16 units.
    r = lsp_range(Span("a.sgv", 2, 32, 2, 42), text)
    assert r == {"start": {"line": 1, "character": 32}, "end": {"line": 1, "character": 42}}
    assert lsp_range(Span.whole("a.sgv"), text)["end"] == {"line": 0, "character": 0}
    assert lsp_range(Span("a.sgv", 1, 7), text) == {"start": {"line": 0, "character": 6},
                                                    "end": {"line": 0, "character": 7}}


def test_settings_from_the_editor() -> None:
    s = Settings.from_options({"debounceMs": 10, "changeBudgetMs": 0, "timeoutSeconds": 2.5,
                               "lint": False, "cacheDir": "/tmp/c", "other": 1})
    assert (s.debounce_ms, s.change_budget_ms, s.timeout_ms, s.lint, s.cache_dir) == \
        (10, 0, 2500, False, "/tmp/c")
    assert Settings.from_options({"debounceMs": "fast", "lint": "yes"}) == Settings()
    assert Settings.from_options(None) == Settings()


def test_an_edit_rechecks_the_specs_that_include_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.sgv").write_text('include "lib/common.sgv"\n')
    (tmp_path / "b.sgv").write_text('include "lib/mid.sgv"\n')
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "mid.sgv").write_text('include "common.sgv"\n')
    (tmp_path / "lib" / "common.sgv").write_text("group g {}\n")
    (tmp_path / "alone.sgv").write_text("group h {}\n")
    ws = Workspace([str(tmp_path)], Settings(cache=False))
    real = str(tmp_path.resolve())
    assert ws.roots_of(str(tmp_path / "lib" / "common.sgv")) == [f"{real}/a.sgv", f"{real}/b.sgv"]
    assert ws.roots_of(str(tmp_path / "alone.sgv")) == [f"{real}/alone.sgv"]
    ws.set_text(str(tmp_path / "alone.sgv"), 'include "lib/common.sgv"\n')  # unsaved edit
    assert f"{real}/alone.sgv" in ws.roots_of(str(tmp_path / "lib" / "common.sgv"))
    (tmp_path / "c1.sgv").write_text('include "c2.sgv"\n')
    (tmp_path / "c2.sgv").write_text('include "c1.sgv"\n')
    ws.scan()
    assert ws.roots_of(str(tmp_path / "c1.sgv")) == [f"{real}/c1.sgv"]  # a cycle: on its own
