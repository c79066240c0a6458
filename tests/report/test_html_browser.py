"""The HTML report in a real headless Chromium, at 20, 200 and 1,000 generated groups and
on the audit fixture, with JavaScript on and off: the findings (first), the exposure, every
group's row, the matrix, its legend and a selected cell's detail beside it are visible;
filters work when scripts run; a screenshot of each is taken; nothing is logged as an
error. Skipped only when no Chromium is installed (CI installs it: see docs/audit.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import browser_smoke

pytestmark = pytest.mark.skipif(browser_smoke.find_chromium() is None,
                                reason="Chromium is not installed")
SIZES = [None, *browser_smoke.SIZES]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[int | None, str]:
    folder = tmp_path_factory.mktemp("reports")
    return {n: browser_smoke.build_report(str(folder), n) for n in SIZES}


@pytest.mark.parametrize("script", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("groups", SIZES, ids=["fleet", *(f"{n}-groups" for n in SIZES[1:])])
def test_report_in_headless_chromium(reports: dict[int | None, str], groups: int | None,
                                     script: bool, tmp_path: Path) -> None:
    shot = tmp_path / "screen.png"
    seen = browser_smoke.check_report(reports[groups], script=script, screenshot=str(shot))
    assert seen["problems"] == [], seen
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert seen["units"] == (8 if groups is None else groups)  # every group has its row
    assert seen["findings"] > (5 if groups is None else groups // 4)
    assert seen["cells"] >= 2 and seen["errors"] == []
    assert (seen["ready"] == "yes") is script
    assert seen["seconds"] < 60
