"""Run a scenario's replications and summarise them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.engine import EventRow, Replication
from sim.metrics import ReplicationResult
from sim.results import collect, summarize
from sim.schema import Scenario

__all__ = ["RunResult", "simulate"]


@dataclass(frozen=True)
class RunResult:
    scenario: Scenario
    seed: int
    replications: tuple[ReplicationResult, ...]
    summary: dict[str, Any]


def simulate(scenario: Scenario, replications: int | None = None, seed: int | None = None,
             log: Callable[[EventRow], None] | None = None,
             progress: Callable[[int], None] | None = None) -> RunResult:
    """Simulate every replication (same seed and file: the same numbers, byte for byte).

    `log` receives every event row as it happens (stream it to disk); `progress` is called with the
    number of replications done.
    """
    n = scenario.replications if replications is None else replications
    s = scenario.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications(={n}) must be >= 1")
    results = []
    for r in range(n):
        rep = Replication(scenario, r, s, log)
        rep.run()
        results.append(collect(rep))
        if progress is not None:
            progress(r + 1)
    return RunResult(scenario, s, tuple(results), summarize(scenario, results, s))
