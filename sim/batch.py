"""Many scenarios' replications as one stream of tasks: the points of a sweep or a sensitivity design.

Every task is (scenario, replication); all of them share one seed, so every point runs on the same
random numbers (common random numbers: a difference between points is the change, not noise). Tasks
go to the chosen backend (`sim.backend`: this process, local worker processes, or a Dask cluster) and
come back by number, so results never depend on the backend or the number of workers. Each finished
replication is reduced at once to its constant-size result (`sim.results.collect`); no event log is
kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sim.backend import Backend, local_backend
from sim.digest import Keeper
from sim.metrics import ReplicationResult
from sim.results import summarize
from sim.runner import RunResult
from sim.schema import Scenario

__all__ = ["simulate_many"]


def simulate_many(scenarios: Sequence[Scenario], replications: int, seed: int,
                  progress: Callable[[int, int], None] | None = None,
                  backend: Backend | None = None) -> list[RunResult]:
    """Every scenario's first `replications` replications on `seed`; `progress(done, total)` after each.

    Each replication is reduced as it arrives (`sim.digest`): memory grows with the points by a few
    kilobytes each, not with the weeks simulated."""
    be = backend or local_backend()  # the chosen backend (a Dask cluster) if any
    tasks = [(k, r) for k in range(len(scenarios)) for r in range(replications)]
    results: list[list[ReplicationResult | None]] = [[None] * replications for _ in scenarios]
    left = [replications] * len(scenarios)
    out: list[RunResult | None] = [None] * len(scenarios)
    keepers = [Keeper(sc) for sc in scenarios]
    for done, ((k, r), res) in enumerate(be.run(scenarios, tasks, seed), 1):
        results[k][r] = keepers[k].keep(res)
        left[k] -= 1
        if left[k] == 0:
            full = [x for x in results[k] if x is not None]
            out[k] = RunResult(scenarios[k], seed, tuple(full), summarize(scenarios[k], full, seed),
                               keepers[k].cycle_time)
            results[k] = []
        if progress is not None:
            progress(done, len(tasks))
    return [x for x in out if x is not None]
