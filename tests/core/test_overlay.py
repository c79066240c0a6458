"""Editor texts read in place of files (``core.files.overlaid``, issue 17): the loader, the
include graph and the result cache see the overlaid text, with the same limits, and only
while the overlay is active."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgverify.core.diagnostics import InputError
from sgverify.core.files import Limits, overlaid, overlay_text, read_text
from sgverify.lang.include_graph import includers, includes_of
from sgverify.load import load_policy


def test_read_text_prefers_the_overlay_only_while_active(tmp_path: Path) -> None:
    f = tmp_path / "a.sgv"
    f.write_text("on disk\n")
    with overlaid({str(f.resolve()): "\ufeffin the editor\n"}):
        assert read_text(str(f), "a.sgv", Limits()) == "in the editor\n"
        assert overlay_text(str(tmp_path / "." / "a.sgv")) == "\ufeffin the editor\n"
    assert read_text(str(f), "a.sgv", Limits()) == "on disk\n"
    assert overlay_text(str(f)) is None


def test_overlaid_texts_keep_the_limits(tmp_path: Path) -> None:
    f = tmp_path / "a.sgv"
    f.write_text("")
    with overlaid({str(f.resolve()): "x" * 50 + "\n"}):
        with pytest.raises(InputError) as e:
            read_text(str(f), "a.sgv", Limits(max_line_length=10))
    assert e.value.diagnostics[0].code == "E005"


def test_the_loader_and_the_include_graph_read_the_editor_text(tmp_path: Path) -> None:
    (tmp_path / "sgverify.toml").write_text("")
    main, part = tmp_path / "main.sgv", tmp_path / "part.sgv"
    main.write_text("group g { ingress accept tcp 22 from 10.0.0.0/8 }\n")
    part.write_text("group h { ingress accept tcp 80 from 10.0.0.0/8 }\n")
    assert includes_of(str(main)) == [] and includers([str(main), str(part)]) == {}
    edited = 'include "part.sgv"\ngroup g { ingress accept tcp 22 from 10.0.0.0/8 }\n'
    with overlaid({str(main.resolve()): edited}):
        assert includes_of(str(main)) == [str(part.resolve())]
        assert includers([str(main), str(part)]) == {str(part.resolve()): str(main)}
        rep = load_policy(str(main))
    assert rep.policy is not None and [g.name for g in rep.policy.groups] == ["g", "h"]
    assert [g.name for g in load_policy(str(main)).policy.groups] == ["g"]
