"""The worker processes that run replications in parallel: one pool per session, kept between runs.

Started by fork while the process has a single thread (milliseconds; a script needs no `__main__`
guard), otherwise by a fork server with the package preloaded: forking a process whose other threads
(a progress bar, a solver) may hold locks is unsafe. Workers ignore Ctrl-C; the parent stops them.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import ctypes
import multiprocessing
import os
import signal
import threading
from typing import Any

from sim.errors import SalesSimError

__all__ = ["MAX_WORKERS", "WORKERS_ENV", "default_workers", "drop_pool", "pool", "start_workers"]

WORKERS_ENV = "SALESMAP_WORKERS"
MAX_WORKERS = 4096


def default_workers() -> int:
    """Worker processes for replications: $SALESMAP_WORKERS, else the cores this process may use."""
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            n = 0
        if not 1 <= n <= MAX_WORKERS:
            raise SalesSimError(f"{WORKERS_ENV}={env[:30]!r}: must be a whole number from 1 to {MAX_WORKERS}")
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _worker_init(parent: int) -> None:
    """Ignore Ctrl-C (it reaches the whole process group: the parent alone decides what to do about
    it), and die with the parent: a `kill -9` of salesmap must not leave its workers running."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if parent and os.getppid() != parent:  # the parent died before we could ask
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (prctl PR_SET_PDEATHSIG); elsewhere nothing."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


_POOL: tuple[int, cf.ProcessPoolExecutor] | None = None


def start_workers(workers: int | None = None, work: int | None = None) -> None:
    """Start the worker processes now, no more than the `work` (replications) needs. Called before a
    progress bar starts its thread: a process with one thread forks its workers in milliseconds; one
    with more threads must start them clean (~1 s)."""
    w = default_workers() if workers is None else max(1, workers)
    if work is not None:
        w = min(w, work)
    if w > 1:
        pool(w).submit(_noop).result()


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


def pool(workers: int) -> cf.ProcessPoolExecutor:
    """The worker pool, kept between runs (optimize simulates many plans)."""
    global _POOL
    if _POOL is not None and _POOL[0] != workers:
        drop_pool()
    if _POOL is None:
        ctx = _context()
        # a forked worker's parent is this process; a fork server's worker's parent is the server, which
        # ends when this process does
        parent = os.getpid() if ctx.get_start_method() == "fork" else 0
        _POOL = (workers, cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                                                 initargs=(parent,)))
    return _POOL[1]


@atexit.register
def drop_pool(terminate: bool = False) -> None:
    """Stop the pool; at exit too, while the modules its clean-up needs are still there."""
    global _POOL
    if _POOL is None:
        return
    ex = _POOL[1]
    _POOL = None
    procs = list((getattr(ex, "_processes", None) or {}).values())  # shutdown() forgets them
    if terminate:  # stop replications still running (an interrupt): their results are not wanted
        _terminate(procs)
    try:
        ex.shutdown(wait=True, cancel_futures=True)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(5)
    except KeyboardInterrupt:  # Ctrl-C while the pool winds down (at exit, after the results are written)
        _terminate(procs)


def _terminate(procs: list[Any]) -> None:
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()
