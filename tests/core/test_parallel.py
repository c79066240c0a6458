"""Parallel checking: same results, in the same order, with any number of workers, locally
and on a Dask cluster started by the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgverify.api import check_files
from sgverify.core import parallel
from sgverify.core.parallel import one_cluster, pmap, pmap_shared
from sgverify.report.json import result_json
from tests.support.paths import ROOT

FILES = [str(p) for p in sorted((ROOT / "specs").rglob("*.sgv"))] + \
        [str(p) for p in sorted((ROOT / "tests" / "fixtures" / "broken").glob("*.sgv"))]


def _square(x: int) -> int:
    return x * x


def _summary(reports) -> list:
    return [(rep.path, [result_json(r, timing=False) for r in rep.results]) for rep in reports]


def _pid(_: int) -> int:
    import os
    return os.getpid()


def _pid_shared(_shared: object, _: int) -> int:
    return _pid(0)


def test_one_run_starts_one_local_cluster() -> None:
    """reach maps three times (matrix rows, the internet each way): within a run they share
    one local cluster, whose workers then answer every map, and it is closed at the end.
    Outside a run each map has its own cluster (other worker processes)."""
    pytest.importorskip("distributed")
    with one_cluster():
        first = set(pmap(_pid, list(range(8)), jobs=2, backend="dask"))
        second = set(pmap_shared(_pid_shared, {"big": 1}, list(range(8)), jobs=2,
                                 backend="dask"))
        run = parallel._RUN
        assert run is not None and run.cluster is not None
        assert first & second and len(first | second) <= 2  # the same two workers answered
    assert parallel._RUN is None and run.cluster.status.name == "closed"
    alone = set(pmap(_pid, list(range(8)), jobs=2, backend="dask"))
    assert not alone & first


def test_pmap_keeps_order() -> None:
    assert pmap(_square, list(range(20)), jobs=2) == [x * x for x in range(20)]


def test_jobs_give_identical_results() -> None:
    serial = _summary(check_files(FILES, jobs=1))
    parallel = _summary(check_files(FILES, jobs=2))
    assert parallel == serial
    assert sum(len(r) for _, r in serial) > 60


def test_large_file_is_split_and_reassembled(tmp_path: Path) -> None:
    lines = ["group g { ingress accept tcp 22 from 10.0.0.0/8; ingress drop tcp 23 from 0.0.0.0/0 }"]
    lines += [f"a{i}: assert g: ingress tcp {20 + i % 6} from internet is denied" for i in range(40)]
    spec = tmp_path / "big.sgv"
    spec.write_text("\n".join(lines) + "\n")
    serial = check_files([str(spec)], jobs=1)[0].results
    parallel = check_files([str(spec)], jobs=2)[0].results
    assert [r.assertion.name for r in parallel] == [f"a{i}" for i in range(40)]
    assert [result_json(r, timing=False) for r in parallel] == [result_json(r, timing=False) for r in serial]


def test_dask_backend_on_a_local_cluster() -> None:
    pytest.importorskip("distributed")
    serial = _summary(check_files(FILES[:4], jobs=1))
    dask = _summary(check_files(FILES[:4], jobs=2, backend="dask"))
    assert dask == serial


def test_cli_output_identical_with_jobs(tmp_path: Path) -> None:
    import io

    from sgverify.cli import run
    outs = []
    for jobs in ("1", "2"):
        out = io.StringIO()
        code = run(["check", *FILES, "--no-timing", "--color", "never", "--jobs", jobs,
                    "--format", "json"], out, io.StringIO())
        outs.append((code, out.getvalue()))
    assert outs[0] == outs[1] and outs[0][0] == 1


def test_cli_certify_notes_every_result() -> None:
    import io

    from sgverify.cli import run
    out = io.StringIO()
    spec = str(ROOT / "specs" / "scenarios" / "06-internet-access-vpc.sgv")
    assert run(["check", spec, "--certify", "--no-timing", "--format", "json"], out, io.StringIO()) == 0
    assert out.getvalue().count("certified by the box decomposition") == 5


@pytest.mark.parametrize("command", ["check", "lint", "audit", "reach"])
def test_a_scheduler_without_the_dask_backend_is_a_usage_error(command: str) -> None:
    import io

    from sgverify.cli import run
    err = io.StringIO()
    spec = str(FILES[0])
    assert run([command, spec, "--scheduler", "tcp://127.0.0.1:1"], io.StringIO(), err) == 2
    assert "--scheduler needs --backend dask" in err.getvalue()
