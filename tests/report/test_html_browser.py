"""The HTML report in a real headless Chromium: it opens from a file, shows the heat map
and the findings, its filters and cells work, and nothing is logged as an error.
Skipped only when no Chromium is installed (CI installs it: see docs/audit.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import browser_smoke


@pytest.mark.skipif(browser_smoke.find_chromium() is None, reason="Chromium is not installed")
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    path = browser_smoke.build_report(str(tmp_path))
    seen = browser_smoke.check_report(path)
    assert seen["problems"] == [], seen
    assert seen["controls"] == 11 and seen["cells"] > 20 and seen["findings"] > 5
    assert seen["rows_after_filter"] == seen["rows_filtered"] >= 1
    assert 0 < seen["cells_tcp443"] < seen["cells"]
    assert seen["errors"] == []
