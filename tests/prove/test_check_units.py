"""How ``api.check_files`` splits work in auto mode: a file whose policy is large (past
``AUTO_MAX_SPLIT_RULES`` rules) is checked as one unit, since results carry its
interfaces back from workers at more cost than the proofs; with --jobs it is still split.
The results are the same either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgverify import api
from sgverify.report.json import result_json


def _spec(tmp_path: Path) -> str:
    lines = ["group g { ingress accept tcp 22 from 10.0.0.0/8; ingress drop tcp 23 from 0.0.0.0/0 }"]
    lines += [f"a{i}: assert g: ingress tcp {20 + i % 6} from internet is denied" for i in range(40)]
    spec = tmp_path / "big.sgv"
    spec.write_text("\n".join(lines) + "\n")
    return str(spec)


@pytest.mark.parametrize("auto, limit, units", [(True, 1, 1), (True, 10_000, 2), (False, 1, 2)])
def test_large_policies_are_not_split_in_auto_mode(tmp_path: Path, monkeypatch, auto: bool,
                                                   limit: int, units: int) -> None:
    spec = _spec(tmp_path)
    seen: list[int] = []
    real = api.pmap

    def counting(fn, items, jobs, backend, address):  # type: ignore[no-untyped-def]
        seen.append(len(items))
        return real(fn, items, jobs, backend, address)

    monkeypatch.setattr(api, "pmap", counting)
    monkeypatch.setattr(api, "AUTO_MIN_ASSERTIONS", 1)
    monkeypatch.setattr(api, "AUTO_MAX_SPLIT_RULES", limit)
    results = api.check_files([spec], jobs=2, auto=auto)[0].results
    assert seen == [units]
    serial = api.check_files([spec], jobs=1)[0].results
    assert [result_json(r, timing=False) for r in results] == \
        [result_json(r, timing=False) for r in serial]
