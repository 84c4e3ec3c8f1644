"""Where replications run: this process, the local worker processes, or a Dask cluster.

A backend takes tasks (scenario number, replication number) and yields each one's constant-size
result as it finishes, in any order; callers place results by number, and replication r depends only
on the seed and r, so the numbers are the same whatever the backend and the number of workers. The
scenario travels as data (a pickled `Scenario`): workers need only the package installed.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator, Sequence
from typing import Protocol

from sim.engine import Replication
from sim.metrics import ReplicationResult
from sim.results import collect
from sim.schema import Scenario
from sim.workers import default_workers, drop_pool, pool

__all__ = ["Backend", "InProcess", "LocalProcesses", "Task", "chosen", "close_chosen", "local_backend", "replicate",
           "use"]

Task = tuple[int, int]
"""(scenario number, replication number)."""


class Backend(Protocol):
    def run(self, scenarios: Sequence[Scenario], tasks: Sequence[Task], seed: int) -> Iterator[
            tuple[Task, ReplicationResult]]: ...

    def close(self) -> None: ...


_CHOSEN: Backend | None = None


def use(backend: Backend | None) -> None:
    """Run every simulation of this process on `backend` from now on (None: local processes again)."""
    global _CHOSEN
    _CHOSEN = backend


def chosen() -> Backend | None:
    """The backend chosen with `use` (a Dask cluster), or None for the local default."""
    return _CHOSEN


def close_chosen() -> None:
    """End the chosen backend (its client, and the LocalCluster it started)."""
    global _CHOSEN
    if _CHOSEN is not None:
        _CHOSEN.close()
    _CHOSEN = None


def replicate(scenario: Scenario, r: int, seed: int) -> ReplicationResult:
    """One replication, reduced to its result (the function every backend runs)."""
    rep = Replication(scenario, r, seed)
    rep.run()
    return collect(rep)


class InProcess:
    """Everything here, one after the other."""

    def close(self) -> None:
        return None

    def run(self, scenarios: Sequence[Scenario], tasks: Sequence[Task], seed: int) -> Iterator[
            tuple[Task, ReplicationResult]]:
        for k, r in tasks:
            yield (k, r), replicate(scenarios[k], r, seed)


class LocalProcesses:
    """The session's worker pool (`sim.workers`), a bounded window of tasks in flight."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def close(self) -> None:
        return None  # the pool is kept for the session (sim.workers)

    def run(self, scenarios: Sequence[Scenario], tasks: Sequence[Task], seed: int) -> Iterator[
            tuple[Task, ReplicationResult]]:
        ex = pool(self.workers)
        window = 2 * self.workers
        pending: dict[cf.Future[ReplicationResult], Task] = {}
        todo = iter(tasks)
        try:
            while True:
                for task in todo:
                    pending[ex.submit(replicate, scenarios[task[0]], task[1], seed)] = task
                    if len(pending) >= window:
                        break
                if not pending:
                    return
                finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in finished:
                    yield pending.pop(fut), fut.result()
        except BaseException:
            drop_pool(terminate=True)
            raise


def local_backend(workers: int | None = None) -> Backend:
    """The chosen backend if any; else local processes when there are several cores (or `workers` > 1),
    else this process."""
    if _CHOSEN is not None:
        return _CHOSEN
    w = default_workers() if workers is None else max(1, workers)
    return LocalProcesses(w) if w > 1 else InProcess()
