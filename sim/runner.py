"""Run a scenario's replications and summarise them.

Replications are independent (each has its own random streams), so they run in parallel worker
processes (`sim.workers`) when there are several and more than one core: the results are gathered in replication
order, so the summary and the event log are byte for byte those of a sequential run.
"""

from __future__ import annotations

import concurrent.futures as cf
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from sim.backend import Backend, chosen
from sim.digest import Keeper
from sim.engine import EventRow, Replication
from sim.errors import SalesSimError
from sim.eventlog import EventLog, EventPart
from sim.metrics import Histogram, ReplicationResult
from sim.results import collect, summarize
from sim.schema import Scenario
from sim.summary import Summary
from sim.weeklylog import WeeklyLog
from sim.workers import default_workers, drop_pool, pool, start_workers

# default_workers and start_workers come from sim.workers
__all__ = ["RunResult", "default_workers", "extend", "max_utilization", "simulate", "start_workers"]

@dataclass(frozen=True)
class RunResult:
    scenario: Scenario
    seed: int
    replications: tuple[ReplicationResult, ...]
    """What the run keeps of each replication (`sim.digest`): its figures, not its weekly series."""
    summary: Summary
    cycle_time: Histogram = field(default_factory=Histogram)
    """Every replication's cycle times, pooled (cycle_times.csv)."""


def max_utilization(run: RunResult) -> list[float]:
    """The busiest person's utilization in each replication."""
    return [max(r.staff.values()) for r in run.replications]


def simulate(scenario: Scenario, replications: int | None = None, seed: int | None = None,
             log: Callable[[EventRow], None] | None = None,
             progress: Callable[[int], None] | None = None, workers: int | None = None, first: int = 0,
             weekly: WeeklyLog | None = None) -> RunResult:
    """Simulate every replication (same seed and file: the same numbers, byte for byte).

    `log` receives every event row (stream it to disk; an `EventLog` also works with workers);
    `progress` is called with the number of replications done; `workers` caps the processes
    (default `default_workers()`; 1 runs everything here); `first` numbers the replications from there
    (`extend` uses it: replication r depends only on the seed and r); `weekly` writes each replication's
    weekly series as it arrives (weekly.csv). Each replication is reduced as it arrives (`sim.digest`):
    memory is flat in the number of replications but for a few bytes a figure.
    """
    n = scenario.replications if replications is None else replications
    s = scenario.seed if seed is None else seed
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"replications(={n!r}) must be a whole number >= 1")
    if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**63:
        raise ValueError(f"seed(={s!r}) must be a whole number from 0 to 2**63 - 1")
    w = min(n, default_workers() if workers is None else max(1, workers))
    results: list[ReplicationResult] | None = None
    keeper = Keeper(scenario)

    def arrive(res: ReplicationResult) -> ReplicationResult:
        if weekly is not None:
            weekly.add(res)
        return keeper.keep(res)

    remote = chosen()
    if remote is not None:
        if log is not None:
            raise SalesSimError("the event log is written by local runs only: with a Dask scheduler, leave it out "
                                "(--no-events)")
        results = _on(remote, scenario, n, s, progress, first, arrive)
    elif w > 1 and (log is None or isinstance(log, EventLog)):
        try:
            results = _parallel(scenario, n, s, log, progress, w, first, arrive)
        except cf.process.BrokenProcessPool:
            warnings.warn("worker processes could not run (a script that calls simulate() needs the "
                          "`if __name__ == '__main__':` guard); running the replications in this process",
                          RuntimeWarning, stacklevel=2)
            keeper = Keeper(scenario)  # anything kept before the pool broke is made again
    if results is None:
        results = []
        for r in range(first, first + n):
            rep = Replication(scenario, r, s, log)
            rep.run()
            results.append(arrive(collect(rep)))
            del rep
            if progress is not None:
                progress(r + 1 - first)
    return RunResult(scenario, s, tuple(results), summarize(scenario, results, s), keeper.cycle_time)


def extend(run: RunResult, replications: int) -> RunResult:
    """`run` with `replications` in all: its own are kept and the next ones simulated (replication r
    depends only on the seed and r, so the result is the run that many replications would give)."""
    have = len(run.replications)
    if replications <= have:
        return run
    more = simulate(run.scenario, replications - have, run.seed, first=have)
    results = [*run.replications, *more.replications]
    pooled = Histogram()
    pooled.merge(run.cycle_time)
    pooled.merge(more.cycle_time)
    return RunResult(run.scenario, run.seed, tuple(results), summarize(run.scenario, results, run.seed), pooled)


def _on(backend: Backend, scenario: Scenario, n: int, seed: int, progress: Callable[[int], None] | None,
        first: int, arrive: Callable[[ReplicationResult], ReplicationResult]) -> list[ReplicationResult]:
    """The replications on a chosen backend (a Dask cluster), placed by number."""
    results: list[ReplicationResult | None] = [None] * n
    for done, ((_, r), res) in enumerate(backend.run([scenario], [(0, first + r) for r in range(n)], seed), 1):
        results[r - first] = arrive(res)
        if progress is not None:
            progress(done)
    return [x for x in results if x is not None]


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


def _parallel(scenario: Scenario, n: int, seed: int, log: EventLog | None,
              progress: Callable[[int], None] | None, workers: int, first: int,
              arrive: Callable[[ReplicationResult], ReplicationResult]) -> list[ReplicationResult]:
    parts = [log.part(first + r) if log is not None else None for r in range(n)]
    results: list[ReplicationResult | None] = [None] * n
    rows = [0] * n
    ex = pool(workers)
    window = 2 * workers  # replications in flight: a million asked for are not all queued at once
    try:
        pending: dict[cf.Future[tuple[ReplicationResult, int]], int] = {}
        submitted = done = 0
        while done < n:
            while submitted < n and len(pending) < window:
                pending[ex.submit(_replicate, scenario, first + submitted, seed, parts[submitted])] = submitted
                submitted += 1
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                r = pending.pop(fut)
                res, rows[r] = fut.result()
                results[r] = arrive(res)
                done += 1
                if progress is not None:
                    progress(done)
    except BaseException:
        drop_pool(terminate=True)
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
