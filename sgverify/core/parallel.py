"""Running independent work units on all cores, or on a Dask cluster, with results in input
order (so output is byte-identical whatever the number of workers).

``pmap(fn, items, jobs, backend)`` is the one primitive (``api.check_files`` splits spec
files and the assertions of large files into units for it). Functions and items must be
picklable (module-level functions, frozen dataclasses).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

BACKENDS = ("local", "dask")
CONNECT_SECONDS = 10  # a scheduler that does not answer: give up after this (Dask's default 30)


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def pmap(fn: Callable[[T], R], items: Sequence[T], jobs: int = 1, backend: str = "local",
         address: str | None = None) -> list[R]:
    """``[fn(x) for x in items]``, computed by ``jobs`` worker processes (local) or by a Dask
    cluster (``address``; None starts a local one). Exceptions propagate."""
    if backend == "dask":
        return _dask_map(fn, items, address, jobs)
    if backend != "local":
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if jobs <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    import multiprocessing  # here, not at the top: a run in one process does not need them
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)),
                             mp_context=multiprocessing.get_context(method)) as pool:
        return list(pool.map(fn, items))


def _dask_map(fn: Callable[[T], R], items: Sequence[T], address: str | None, jobs: int) -> list[R]:
    with _dask_client(address, jobs) as client:
        return client.gather(client.map(fn, list(items), pure=False))


class _Run:
    """The local Dask cluster of one run (``one_cluster``), started at its first use."""

    def __init__(self) -> None:
        self.cluster: Any = None
        self.client: Any = None


_RUN: _Run | None = None


@contextmanager
def one_cluster() -> Iterator[None]:
    """Within this block, every ``backend="dask"`` map without an address uses one local
    cluster, started when first needed and closed at the end: a command that maps several
    times (reach: the matrix rows, then what the internet reaches each way) starts one
    cluster, not one per map. Outside it, each map starts and stops its own."""
    global _RUN
    run = _Run()
    outer, _RUN = _RUN, run
    try:
        yield
    finally:
        _RUN = outer
        if run.client is not None:
            run.client.close()
        if run.cluster is not None:
            run.cluster.close()


@contextmanager
def _dask_client(address: str | None, jobs: int) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RuntimeError("the dask backend needs the 'distributed' extra: "
                           "pip install 'sgverify[distributed]'") from None
    if address:
        with Client(address, timeout=CONNECT_SECONDS) as client:
            yield client
        return
    if _RUN is not None:
        if _RUN.cluster is None:
            _RUN.cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1,
                                        processes=True, dashboard_address=None)
            _RUN.client = Client(_RUN.cluster)
        yield _RUN.client
        return
    with LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def blocks(n: int, jobs: int) -> list[tuple[int, int]]:
    """Index ranges [lo, hi) of ``n`` items for ``jobs`` workers: a few per worker, so that
    uneven items even out."""
    size = max(1, -(-n // (jobs * 4)))
    return [(lo, min(n, lo + size)) for lo in range(0, n, size)]


S = TypeVar("S")
_SHARED: Any = None  # what forked workers of ``pmap_shared`` inherit


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def pmap_shared(fn: Callable[[S, T], R], shared: S, items: Sequence[T], jobs: int = 1,
                backend: str = "local", address: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[R]:
    """``[fn(shared, x) for x in items]``, in order. ``shared`` is large and the same for
    every item: forked local workers inherit it (only items and results are pickled), and
    a Dask cluster gets it once per worker (scattered). Without fork, one process.
    ``progress(done, total)`` after each item (local; with Dask, at the end)."""
    out = _pmap_shared(fn, shared, items, jobs, backend, address, progress)
    if progress is not None:
        progress(len(items), len(items))
    return out


def _pmap_shared(fn: Callable[[S, T], R], shared: S, items: Sequence[T], jobs: int,
                 backend: str, address: str | None,
                 progress: Callable[[int, int], None] | None) -> list[R]:
    if backend == "dask":
        with _dask_client(address, jobs) as client:
            # hash=False: a random key. Hashing makes Dask tokenize the whole object graph
            # (measured: 25 s for a 4 MB policy, against 0.7 s for the scatter itself).
            handle = client.scatter(shared, broadcast=True, hash=False)
            return client.gather(client.map(fn, [handle] * len(items), list(items), pure=False))
    if backend != "local":
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if jobs <= 1 or len(items) <= 1 or not can_fork():
        return _each((fn(shared, x) for x in items), len(items), progress)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _SHARED
    _SHARED = shared
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(items)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            return _each(pool.map(partial(_with_shared, fn), items), len(items), progress)
    finally:
        _SHARED = None


def _each(results: Iterable[R], total: int,
          progress: Callable[[int, int], None] | None) -> list[R]:
    """The results, as they come, with progress after each (the last is reported once,
    by ``pmap_shared``)."""
    out: list[R] = []
    for r in results:
        out.append(r)
        if progress is not None and len(out) < total:
            progress(len(out), total)
    return out


def _with_shared(fn: Callable[[Any, T], R], item: T) -> R:
    return fn(_SHARED, item)
