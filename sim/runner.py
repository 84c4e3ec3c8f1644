"""Run a scenario's replications and summarise them.

Replications are independent (each has its own random streams), so they run in parallel worker
processes when there are several and more than one core: the results are gathered in replication
order, so the summary and the event log are byte for byte those of a sequential run.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.engine import EventRow, Replication
from sim.errors import SalesSimError
from sim.eventlog import EventLog, EventPart
from sim.metrics import ReplicationResult
from sim.results import collect, summarize
from sim.schema import Scenario

__all__ = ["RunResult", "default_workers", "simulate", "start_workers"]

WORKERS_ENV = "SALESMAP_WORKERS"


@dataclass(frozen=True)
class RunResult:
    scenario: Scenario
    seed: int
    replications: tuple[ReplicationResult, ...]
    summary: dict[str, Any]


def default_workers() -> int:
    """Worker processes for replications: $SALESMAP_WORKERS, else the cores this process may use."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise SalesSimError(f"{WORKERS_ENV}={env!r}: must be a whole number >= 1") from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def simulate(scenario: Scenario, replications: int | None = None, seed: int | None = None,
             log: Callable[[EventRow], None] | None = None,
             progress: Callable[[int], None] | None = None, workers: int | None = None) -> RunResult:
    """Simulate every replication (same seed and file: the same numbers, byte for byte).

    `log` receives every event row (stream it to disk; an `EventLog` also works with workers);
    `progress` is called with the number of replications done; `workers` caps the processes
    (default `default_workers()`; 1 runs everything here).
    """
    n = scenario.replications if replications is None else replications
    s = scenario.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications(={n}) must be >= 1")
    w = min(n, default_workers() if workers is None else max(1, workers))
    results: list[ReplicationResult] | None = None
    if w > 1 and (log is None or isinstance(log, EventLog)):
        try:
            results = _parallel(scenario, n, s, log, progress, w)
        except cf.process.BrokenProcessPool:
            warnings.warn("worker processes could not run (a script that calls simulate() needs the "
                          "`if __name__ == '__main__':` guard); running the replications in this process",
                          RuntimeWarning, stacklevel=2)
    if results is None:
        results = []
        for r in range(n):
            rep = Replication(scenario, r, s, log)
            rep.run()
            results.append(collect(rep))
            if progress is not None:
                progress(r + 1)
    return RunResult(scenario, s, tuple(results), summarize(scenario, results, s))


def _replicate(scenario: Scenario, r: int, seed: int, part: EventPart | None) -> tuple[ReplicationResult, int]:
    """One replication in a worker; its event rows go to `part`."""
    if part is None:
        rep = Replication(scenario, r, seed)
        rep.run()
        return collect(rep), 0
    with part:
        rep = Replication(scenario, r, seed, part)
        rep.run()
    return collect(rep), part.rows


def _ignore_interrupt() -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what to do about it
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_EXECUTOR: tuple[int, cf.ProcessPoolExecutor] | None = None


def start_workers(workers: int | None = None) -> None:
    """Start the worker processes now. Called before a progress bar starts its thread: a process with
    one thread forks its workers in milliseconds; one with more threads must start them clean (~1 s)."""
    w = default_workers() if workers is None else max(1, workers)
    if w > 1:
        _executor(w).submit(_noop).result()


def _noop() -> None:
    return None


def _context() -> Any:
    """fork when this process has a single thread (fast, and scripts need no `__main__` guard);
    otherwise forkserver, preloaded once: forking a process whose other threads (a progress bar, a
    solver) may hold locks is unsafe."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    method = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["__main__", "sim.runner"])  # imported once, not per worker
    return ctx


def _executor(workers: int) -> cf.ProcessPoolExecutor:
    """The worker pool, kept between runs (optimize simulates many plans)."""
    global _EXECUTOR
    if _EXECUTOR is not None and _EXECUTOR[0] != workers:
        _drop_executor()
    if _EXECUTOR is None:
        _EXECUTOR = (workers, cf.ProcessPoolExecutor(workers, mp_context=_context(), initializer=_ignore_interrupt))
    return _EXECUTOR[1]


@atexit.register
def _drop_executor(terminate: bool = False) -> None:
    """Stop the pool; at exit too, while the modules its clean-up needs are still there."""
    global _EXECUTOR
    if _EXECUTOR is None:
        return
    ex = _EXECUTOR[1]
    _EXECUTOR = None
    procs = list((getattr(ex, "_processes", None) or {}).values())  # shutdown() forgets them
    if terminate:  # stop replications still running (an interrupt): their results are not wanted
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
    ex.shutdown(wait=True, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(5)


def _parallel(scenario: Scenario, n: int, seed: int, log: EventLog | None,
              progress: Callable[[int], None] | None, workers: int) -> list[ReplicationResult]:
    parts = [log.part(r) if log is not None else None for r in range(n)]
    results: list[ReplicationResult | None] = [None] * n
    rows = [0] * n
    ex = _executor(workers)
    try:
        futures = {ex.submit(_replicate, scenario, r, seed, parts[r]): r for r in range(n)}
        for done, fut in enumerate(cf.as_completed(futures), 1):
            r = futures[fut]
            results[r], rows[r] = fut.result()
            if progress is not None:
                progress(done)
    except BaseException:
        _drop_executor(terminate=True)
        for p in parts:
            if p is not None:
                p.discard()
        raise
    if log is not None:
        for r, p in enumerate(parts):
            assert p is not None
            p.rows = rows[r]
            log.absorb(p)
    return [res for res in results if res is not None]
