"""Reading freezes what it made out of the cycle collector (core.files.paused_gc: the
collector walked a loaded estate three times over), except in a long-lived process such as
the language server (core.files.long_lived), where frozen cycles would never be freed."""

from __future__ import annotations

import gc
from pathlib import Path

from sgverify.core.files import long_lived, overlaid
from sgverify.load import load_policy

SPEC = "group web { ingress accept tcp 22 from 10.0.0.0/8 }\n"


def test_a_load_freezes_what_it_made(tmp_path: Path) -> None:
    (tmp_path / "a.sgv").write_text(SPEC)
    gc.unfreeze()
    load_policy(str(tmp_path / "a.sgv"))
    assert gc.get_freeze_count() > 0
    gc.unfreeze()


def test_a_long_lived_process_freezes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.sgv").write_text(SPEC)
    gc.unfreeze()
    with overlaid({}), long_lived():
        report = load_policy(str(tmp_path / "a.sgv"))
    assert report.policy is not None
    assert gc.get_freeze_count() == 0
    load_policy(str(tmp_path / "a.sgv"))  # the setting ends with the block
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
